/* cmd-lattice.c — `wren lattice prune|best-path|nbest|to-ctm|oracle|info|lmrescore|mbr`: tools over archives of
 * compact lattices in Kaldi's text format (as `wren decode` writes them; .gz read and written).
 * Thin wrappers over lattice.h. Not for: lattice algorithms themselves (lattice.c). */
#include "lm/arpa.h"
#include "cli/cmd-util.h"
#include "decoder/decoder.h"
#include "fstext/fst.h"
#include "lat/lattice.h"
#include "score/wer.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct lopts {
    float acwt, beam, frame_shift, old_scale, new_scale, word_penalty;
    int n, mbr_iters;
    const char *words, *old_lm, *new_lm, *ref, *calib_in, *calib_out, *graph;
    struct wren_conf_calib calib;
    uint8_t *filler; int32_t n_tids;  /* to-ctm, mbr's CTM: silence and noise tids of --graph */
    const char *lat_in;               /* the lattices' file, for messages */
    struct wren_symtab *syms;
    struct wren_arpa *old_arpa, *new_arpa;
};

static void lopts_default(struct lopts *o)
{
    struct wren_decode_opts d;
    wren_decode_opts_default(&d);
    o->acwt = d.acwt;
    o->beam = d.lattice_beam;
    o->frame_shift = 0.01f;
    o->n = 10;
    o->mbr_iters = 10;
    o->words = o->old_lm = o->new_lm = o->ref = o->calib_in = o->calib_out = o->graph = NULL;
    o->filler = NULL;
    o->n_tids = 0;
    o->calib = (struct wren_conf_calib){ 1, 0 };
    o->syms = NULL;
    o->old_arpa = o->new_arpa = NULL;
    o->old_scale = o->new_scale = 1.0f;
    o->word_penalty = 0.0f;
}

static void put_word(FILE *f, const struct lopts *o, int32_t w)
{
    const char *s = o->syms ? wren_symtab_symbol(o->syms, w) : NULL;
    if (s) fprintf(f, " %s", s);
    else fprintf(f, " %d", w);
}

/* Iterate the lattices of IN, calling fn for each; fn returns 0 or -1. */
typedef int (*lat_fn)(void *ctx, const char *key, struct wren_lattice *l);

static int for_each(const char *in, lat_fn fn, void *ctx, int *count)
{
    struct wren_input f;
    if (wren_input_open(&f, in)) return -1;
    int line = 0, rc = 0;
    *count = 0;
    for (;;) {
        char *key;
        struct wren_lattice l;
        int r = wren_lattice_read(f.f, in, &line, &key, &l);
        if (r <= 0) { rc = r; wren_lattice_free(&l); break; }
        (*count)++;
        rc = fn(ctx, key, &l);
        wren_lattice_free(&l);
        free(key);
        if (rc) break;
    }
    /* After a failure the first message stands: a decompressor stopped early by it would
     * otherwise blame the input (e.g. for a broken output pipe). */
    if (rc) {
        char *first = wren_xstrdup(wren_error_msg());
        wren_input_close(&f);
        wren_error("%s", first);
        free(first);
    } else if (wren_input_close(&f)) {
        rc = -1;
    }
    return rc;
}

/* The silence and noise transition ids of --graph, or (without it) of the folder of --words when
 * that is a graph folder (transitions.txt beside it); none when neither says. */
static int load_fillers(struct lopts *o)
{
    char *dir = NULL;
    if (o->graph) {
        dir = wren_xstrdup(o->graph);
    } else if (o->words) {
        dir = wren_xstrdup(o->words);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = '\0';
        } else {
            free(dir);
            dir = wren_xstrdup(".");
        }
        char *tr = wren_path_join(dir, "transitions.txt");
        int there = wren_path_exists(tr);
        free(tr);
        if (!there) { free(dir); return 0; }
    } else {
        return 0;
    }
    struct wren_decode_graph g;
    int rc = wren_decode_graph_load_tables(dir, &g);
    if (!rc) {
        o->filler = wren_decode_graph_filler_tids(&g, dir);
        o->n_tids = g.n_tids;
        rc = o->filler ? 0 : -1;
        wren_decode_graph_free(&g);
    }
    free(dir);
    return rc;
}

/* A lattice whose transition ids the graph of the filler mask does not have is another graph's. */
static int check_tids(const struct lopts *o, const char *key, const struct wren_lattice *l)
{
    for (int64_t i = 0; o->filler && i < l->n_tids; i++)
        if (l->tids[i] < 0 || l->tids[i] > o->n_tids)
            return wren_error("%s: lattice %s: transition id %d, but the graph %s has %d (a lattice of another "
                              "graph?)", o->lat_in, key, l->tids[i], o->graph ? o->graph : "of --words", o->n_tids);
    return 0;
}

struct out_ctx {
    const struct lopts *o; FILE *f; struct wren_table *ref; int64_t err, words; int n_missing; FILE *hyp;
    struct conf_acc { float *conf; unsigned char *ok; long n, cap; } nce;   /* mbr --ref */
};

static int do_prune(void *c, const char *key, struct wren_lattice *l)
{
    struct out_ctx *x = c;
    wren_lattice_prune(l, x->o->acwt, x->o->beam);
    return wren_lattice_write(x->f, key, l);
}

static int do_best(void *c, const char *key, struct wren_lattice *l)
{
    struct out_ctx *x = c;
    struct wren_path p;
    if (l->start < 0) { fprintf(x->f, "%s\n", key); return 0; }
    if (x->o->word_penalty != 0) wren_lattice_add_word_penalty(l, x->o->word_penalty);
    if (wren_lattice_best_path(l, x->o->acwt, &p)) return wren_error_prefix("%s", key);
    fputs(key, x->f);
    for (int i = 0; i < p.n_words; i++) put_word(x->f, x->o, p.words[i]);
    fputc('\n', x->f);
    wren_path_free(&p);
    return 0;
}

static int do_nbest(void *c, const char *key, struct wren_lattice *l)
{
    struct out_ctx *x = c;
    struct wren_path *nb;
    if (x->o->word_penalty != 0) wren_lattice_add_word_penalty(l, x->o->word_penalty);
    int k = wren_lattice_nbest(l, x->o->acwt, x->o->n, 2000000, &nb);
    for (int i = 0; i < k; i++) {
        fprintf(x->f, "%s-%d %.4f %.4f", key, i + 1, nb[i].g, nb[i].a);
        for (int j = 0; j < nb[i].n_words; j++) put_word(x->f, x->o, nb[i].words[j]);
        fputc('\n', x->f);
        wren_path_free(&nb[i]);
    }
    free(nb);
    return 0;
}

static int do_ctm(void *c, const char *key, struct wren_lattice *l)
{
    struct out_ctx *x = c;
    struct wren_path p;
    if (l->start < 0) return 0;
    if (check_tids(x->o, key, l)) return -1;
    if (x->o->word_penalty != 0) wren_lattice_add_word_penalty(l, x->o->word_penalty);
    if (wren_lattice_best_path(l, x->o->acwt, &p)) return wren_error_prefix("%s", key);
    for (int i = 0; i < p.n_words; i++) {
        int32_t b, n;
        wren_path_word_span(&p, i, x->o->filler, x->o->n_tids, &b, &n);
        fprintf(x->f, "%s 1 %.2f %.2f", key, b * x->o->frame_shift, n * x->o->frame_shift);
        put_word(x->f, x->o, p.words[i]);
        fputc('\n', x->f);
    }
    wren_path_free(&p);
    return 0;
}

static int do_oracle(void *c, const char *key, struct wren_lattice *l)
{
    struct out_ctx *x = c;
    const struct wren_table_entry *e = wren_table_find(x->ref, key);
    if (!e) { x->n_missing++; return 0; }
    char *text = wren_xstrdup(e->value);
    int max = (int)strlen(text) / 2 + 2;
    char **fld = wren_xmalloc(sizeof *fld * (size_t)max);
    int n = wren_split_ws(text, fld, max);
    int32_t *ids = wren_xmalloc(sizeof *ids * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        if (x->o->syms) ids[i] = (int32_t)wren_symtab_find(x->o->syms, fld[i]);
        else {
            char *end;
            long v = strtol(fld[i], &end, 10);
            ids[i] = *end ? -1 : (int32_t)v;
        }
    }
    struct wren_path p;
    int err = wren_lattice_oracle(l, ids, n, &p);
    if (err >= 0) {
        x->err += err;
        x->words += n;
        if (x->hyp) {
            fputs(key, x->hyp);
            for (int i = 0; i < p.n_words; i++) put_word(x->hyp, x->o, p.words[i]);
            fputc('\n', x->hyp);
        }
        wren_path_free(&p);
    }
    free(ids); free(fld); free(text);
    return err < 0 ? wren_error_prefix("%s", key) : 0;
}

static int do_lmrescore(void *c, const char *key, struct wren_lattice *l)
{
    struct out_ctx *x = c;
    struct wren_lattice r;
    if (wren_lattice_lm_rescore(l, x->o->syms, x->o->old_arpa, x->o->old_scale, x->o->new_arpa,
                                x->o->new_scale, &r))
        return wren_error_prefix("%s", key);
    int rc = wren_lattice_write(x->f, key, &r);
    x->words += r.n_arcs;
    x->err += l->n_arcs;
    wren_lattice_free(&r);
    return rc;
}

/* Add one utterance's hypothesis words and confidences to the NCE data: a word is correct when
 * the sclite alignment against the reference matches it. */
static void nce_add(struct out_ctx *x, const char *key, const struct wren_mbr_result *r)
{
    const struct wren_table_entry *e = wren_table_find(x->ref, key);
    if (!e) { x->n_missing++; return; }
    char *text = wren_xstrdup(e->value);
    int max = (int)strlen(text) / 2 + 2;
    char **ref = wren_xmalloc(sizeof *ref * (size_t)max);
    int nref = wren_split_ws(text, ref, max);
    /* wren_symtab_symbol's string lives only until its next call */
    char **hyp = wren_xmalloc(sizeof *hyp * (size_t)(r->n_words + 1));
    for (int i = 0; i < r->n_words; i++) {
        const char *w = wren_symtab_symbol(x->o->syms, r->words[i].word);
        hyp[i] = wren_xstrdup(w ? w : "");
    }
    enum wren_wer_op *ops;
    int nops = wren_wer_align((const char *const *)ref, nref, (const char *const *)hyp, r->n_words, &ops);
    struct conf_acc *a = &x->nce;
    for (int k = 0, h = 0; k < nops; k++) {
        if (ops[k] == WREN_WER_DEL) continue;
        if (a->n == a->cap) {
            a->cap = a->cap ? 2 * a->cap : 1024;
            a->conf = wren_xrealloc(a->conf, sizeof *a->conf * (size_t)a->cap);
            a->ok = wren_xrealloc(a->ok, (size_t)a->cap);
        }
        a->conf[a->n] = r->words[h++].conf;
        a->ok[a->n++] = ops[k] == WREN_WER_COR;
    }
    for (int i = 0; i < r->n_words; i++) free(hyp[i]);
    free(ops); free(hyp); free(ref); free(text);
}

static int do_mbr(void *c, const char *key, struct wren_lattice *l)
{
    struct out_ctx *x = c;
    struct wren_mbr_result r;
    if (check_tids(x->o, key, l)) return -1;
    if (x->o->word_penalty != 0) wren_lattice_add_word_penalty(l, x->o->word_penalty);
    if (wren_lattice_mbr_trimmed(l, x->o->acwt, x->o->mbr_iters, x->o->filler, x->o->n_tids, &r))
        return wren_error_prefix("%s: ", key);
    for (int i = 0; i < r.n_words; i++) r.words[i].conf = (float)wren_conf_calibrate(&x->o->calib, r.words[i].conf);
    fputs(key, x->f);
    for (int i = 0; i < r.n_words; i++) put_word(x->f, x->o, r.words[i].word);
    fputc('\n', x->f);
    for (int i = 0; x->hyp && i < r.n_words; i++) {
        fprintf(x->hyp, "%s 1 %.2f %.2f", key, r.words[i].start * x->o->frame_shift,
                r.words[i].frames * x->o->frame_shift);
        put_word(x->hyp, x->o, r.words[i].word);
        fprintf(x->hyp, " %.4f\n", r.words[i].conf);
    }
    if (x->ref) nce_add(x, key, &r);
    x->err += r.iterations > 0;
    wren_mbr_result_free(&r);
    return 0;
}

static int do_info(void *c, const char *key, struct wren_lattice *l)
{
    struct out_ctx *x = c;
    int frames = wren_lattice_frames(l);
    double apf, depth;
    wren_lattice_density(l, frames, &apf, &depth);
    fprintf(x->f, "%s states %d arcs %lld frames %d arcs/frame %.2f depth %.2f\n", key, l->n_states,
            (long long)l->n_arcs, frames, apf, depth);
    x->err += frames;
    x->words += l->n_arcs;
    return 0;
}

static const char *DESCRIPTION =
    "Tools over Kaldi compact-lattice text archives (as written by wren decode; .gz in and out):\n"
    "  prune     LAT_IN LAT_OUT          keep arcs on paths within --beam of the best\n"
    "  best-path LAT_IN HYP_TEXT         1-best word sequence (Kaldi text)\n"
    "  nbest     LAT_IN NBEST_OUT        --n best distinct word sequences: 'utt-K g a words'\n"
    "  to-ctm    LAT_IN CTM_OUT          1-best with word times (--frame-shift seconds; without the\n"
    "                                    silence at a word's edges, given the graph: --graph)\n"
    "  oracle    LAT_IN REF_TEXT [HYP]   fewest-errors path against the reference: %WER line\n"
    "  info      LAT_IN                  states, arcs, frames, density per lattice\n"
    "  lmrescore LAT_IN LAT_OUT          replace LM costs: graph cost - old-scale * old LM\n"
    "                                    + new-scale * new LM (--old-lm, --new-lm ARPA; --words;\n"
    "                                    --graph: its words and the LM it was built with)\n"
    "  mbr       LAT_IN HYP_TEXT [CTM]   minimum-Bayes-risk 1-best (expected word errors under the\n"
    "                                    posteriors at --acwt, Kaldi's lattice-mbr-decode); CTM with\n"
    "                                    each word's posterior as 6th column, timed as decode --ctm\n"
    "                                    times them (the best path's times where the words are its\n"
    "                                    words, else posterior-weighted means; the silence at a\n"
    "                                    word's edges left out given --graph); --ref REF_TEXT prints\n"
    "                                    the confidences' normalised cross-entropy (NCE); with\n"
    "                                    --fit-calibration F also fits a logistic calibration of the\n"
    "                                    confidences to the reference (on dev) and writes it to F,\n"
    "                                    which --calibration F applies (on test); needs --words\n"
    "Costs are compared as graph + acwt * acoustic (+ word-penalty per word in best-path, nbest,\n"
    "to-ctm). --words maps ids to words (words.txt).";

int wren_cmd_lattice(int argc, char **argv)
{
    static const char *USAGE = "wren lattice prune|best-path|nbest|to-ctm|oracle|info|lmrescore|mbr [options] LAT_IN [args]";
    struct lopts o;
    lopts_default(&o);
    const struct wren_opt t[] = {
        { "acwt", WREN_OPT_FLOAT, &o.acwt, "acoustic scale when comparing paths" },
        { "lattice-beam", WREN_OPT_FLOAT, &o.beam, "prune: keep links within this of the best path (as decode --lattice-beam)" },
        { "beam", WREN_OPT_ALIAS, (void *)"lattice-beam", NULL },
        { "word-penalty", WREN_OPT_FLOAT, &o.word_penalty,
          "best-path, nbest, to-ctm: cost added to every word before choosing paths, on top of "
          "the decode's own --word-penalty, which is in the lattice's graph costs (< 0 = bonus)" },
        { "n", WREN_OPT_INT, &o.n, "nbest: number of word sequences" },
        { "words", WREN_OPT_STRING, &o.words, "words.txt (print/read words instead of ids)" },
        { "frame-shift", WREN_OPT_FLOAT, &o.frame_shift, "to-ctm: seconds per frame" },
        { "graph", WREN_OPT_STRING, &o.graph,
          "to-ctm, mbr's CTM: the lattices' graph folder, whose transitions.txt and phones.txt tell "
          "the silence and noise at a word's edges, left out of its time as wren decode --ctm leaves "
          "it out (default: the folder of --words if it holds a transitions.txt; else none is left out); "
          "lmrescore: its words.txt and the LM it was built with (lm.txt, recorded by wren mkgraph) are "
          "the defaults of --words and --old-lm" },
        { "old-lm", WREN_OPT_STRING, &o.old_lm, "lmrescore: the first-pass ARPA LM (subtracted)" },
        { "new-lm", WREN_OPT_STRING, &o.new_lm, "lmrescore: the ARPA LM to add" },
        { "old-scale", WREN_OPT_FLOAT, &o.old_scale, "lmrescore: scale of the old LM cost" },
        { "new-scale", WREN_OPT_FLOAT, &o.new_scale, "lmrescore: scale of the new LM cost" },
        { "ref", WREN_OPT_STRING, &o.ref, "mbr: reference text; prints the NCE of the confidences" },
        { "mbr-iters", WREN_OPT_INT, &o.mbr_iters, "mbr: at most this many updates of the hypothesis" },
        { "calibration", WREN_OPT_STRING, &o.calib_in, "mbr: apply this confidence calibration ('logistic A B')" },
        { "fit-calibration", WREN_OPT_STRING, &o.calib_out,
          "mbr (with --ref): fit the confidence calibration to the reference, write it here; the NCE "
          "line is then of the calibrated confidences (in-sample)" },
        WREN_OPT_TABLE_END,
    };
    char **pos;
    int npos, done;
    int rc = wren_cmd_parse("lattice", USAGE, DESCRIPTION, t, argc, argv, 2, 4, &pos, &npos, &done);
    if (done) return rc;
    const char *sub = pos[0];
    struct { const char *name; lat_fn fn; int min, max; } subs[] = {
        { "prune", do_prune, 3, 3 }, { "best-path", do_best, 3, 3 }, { "nbest", do_nbest, 3, 3 },
        { "to-ctm", do_ctm, 3, 3 }, { "oracle", do_oracle, 3, 4 }, { "info", do_info, 2, 2 },
        { "lmrescore", do_lmrescore, 3, 3 }, { "mbr", do_mbr, 3, 4 },
    };
    int si = -1;
    for (int i = 0; i < 8; i++) if (!strcmp(sub, subs[i].name)) si = i;
    if (si < 0 || npos < subs[si].min || npos > subs[si].max) {
        fprintf(stderr, "wren lattice: %s '%s'\nusage: %s\n", si < 0 ? "unknown tool" : "wrong arguments for", sub, USAGE);
        free(pos);
        return WREN_EXIT_INPUT;
    }
    if (!(o.acwt > 0) || o.beam < 0 || o.n < 1 || o.mbr_iters < 0) {
        fprintf(stderr, "wren lattice: --acwt must be > 0, --beam >= 0, --n >= 1, --mbr-iters >= 0\n");
        free(pos);
        return WREN_EXIT_INPUT;
    }
    struct out_ctx x = { .o = &o };
    char *owned[2] = { NULL, NULL };   /* --words and --old-lm made from --graph */
    struct wren_text_out *out = NULL, *hyp = NULL;
    struct wren_table ref;
    int have_ref = 0, count = 0;
    if (si == 6 && wren_cmd_graph_defaults(o.graph, "old-lm", &o.words, &o.old_lm, NULL, owned)) goto fail;
    if (o.words && wren_symtab_read_text(o.words, &o.syms)) goto fail;
    o.lat_in = pos[1];
    if ((si == 3 || (si == 7 && npos > 3)) && load_fillers(&o)) goto fail;
    if (si == 6) {
        if (!o.words || !o.new_lm) {
            wren_error("lmrescore needs --words and --new-lm (and --old-lm for the first-pass LM)");
            goto fail;
        }
        if (wren_arpa_read(o.new_lm, &o.new_arpa) || (o.old_lm && wren_arpa_read(o.old_lm, &o.old_arpa)))
            goto fail;
    }
    if (si == 7) {
        if (!o.words) {
            wren_error("mbr needs --words (the graph's words.txt)");
            goto fail;
        }
        if (o.calib_out && (!o.ref || o.calib_in)) {
            wren_error("--fit-calibration needs --ref and no --calibration");
            goto fail;
        }
        if (o.calib_in && wren_conf_calib_read(o.calib_in, &o.calib)) goto fail;
        if (o.ref) {
            if (wren_table_read(o.ref, &ref)) goto fail;
            have_ref = 1;
            x.ref = &ref;
        }
        if (npos > 3) {
            if (wren_text_out_open(pos[3], &hyp)) goto fail;
            x.hyp = wren_text_out_file(hyp);
        }
    }
    if (si == 4) {
        if (wren_table_read(pos[2], &ref)) goto fail;
        have_ref = 1;
        x.ref = &ref;
        if (npos > 3) {
            if (wren_text_out_open(pos[3], &hyp)) goto fail;
            x.hyp = wren_text_out_file(hyp);
        }
        x.f = stdout;
    } else if (si == 5) {
        x.f = stdout;
    } else {
        if (wren_text_out_open(pos[2], &out)) goto fail;
        x.f = wren_text_out_file(out);
    }
    if (for_each(pos[1], subs[si].fn, &x, &count)) {
        /* a write that failed on the way is the output's fault: name it */
        if (x.f && ferror(x.f)) wren_error_prefix("%s", x.f == stdout ? "standard output" : pos[2]);
        goto fail;
    }
    if (out) { int r = wren_text_out_commit(out); out = NULL; if (r) goto fail; }
    if (hyp) { int r = wren_text_out_commit(hyp); hyp = NULL; if (r) goto fail; }
    if (si == 4) {
        printf("%%WER %.2f [ %lld / %lld ] oracle over %d lattices", x.words ? 100.0 * x.err / x.words : 0,
               (long long)x.err, (long long)x.words, count);
        if (x.n_missing) printf(" (%d without reference, skipped)", x.n_missing);
        printf("\n");
    } else if (si == 5) {
        printf("total %d lattices, %lld frames, %lld arcs\n", count, (long long)x.err, (long long)x.words);
    } else if (si == 7) {
        fprintf(stderr, "wren lattice mbr: %d lattices, %lld changed from the best path\n", count, (long long)x.err);
        if (have_ref) {
            long correct = 0;
            for (long i = 0; i < x.nce.n; i++) correct += x.nce.ok[i];
            if (o.calib_out) {
                if (wren_conf_fit(x.nce.conf, x.nce.ok, x.nce.n, &o.calib) ||
                    wren_conf_calib_write(o.calib_out, &o.calib))
                    goto fail;
                for (long i = 0; i < x.nce.n; i++) x.nce.conf[i] = (float)wren_conf_calibrate(&o.calib, x.nce.conf[i]);
            }
            printf("NCE %.4f over %ld words (%ld correct)", wren_conf_nce(x.nce.conf, x.nce.ok, x.nce.n),
                   x.nce.n, correct);
            if (x.n_missing) printf(" (%d without reference, skipped)", x.n_missing);
            printf("\n");
        }
    } else if (si == 6) {
        fprintf(stderr, "wren lattice lmrescore: %d lattices, %lld arcs -> %lld arcs\n", count,
                (long long)x.err, (long long)x.words);
    } else {
        fprintf(stderr, "wren lattice %s: %d lattices\n", sub, count);
    }
    if (have_ref) wren_table_free(&ref);
    free(x.nce.conf); free(x.nce.ok);
    wren_symtab_free(o.syms);
    wren_arpa_free(o.old_arpa);
    wren_arpa_free(o.new_arpa);
    free(o.filler);
    free(owned[0]); free(owned[1]);
    free(pos);
    return 0;
fail:
    rc = wren_cmd_fail("lattice");
    wren_text_out_abort(out);
    wren_text_out_abort(hyp);
    if (have_ref) wren_table_free(&ref);
    free(x.nce.conf); free(x.nce.ok);
    wren_symtab_free(o.syms);
    wren_arpa_free(o.old_arpa);
    wren_arpa_free(o.new_arpa);
    free(o.filler);
    free(owned[0]); free(owned[1]);
    free(pos);
    return rc;
}
