/* cmd-decode.c — `wren decode`: decode a Kaldi wav.scp (or a data dir with optional segments)
 * into Kaldi text hypotheses, and optionally compact lattices, CTM, n-best lists and the
 * lattice oracle WER against a reference. A thin wrapper over the decoder (decoder.h): the
 * options come from the decoder's own table. A bad audio entry fails only that utterance.
 * Not for: any decoding logic (search.c, lattice.c, search-stream.c). */
#include "audio.h"
#include "cmd-util.h"
#include "decoder.h"
#include "fst.h"
#include "lattice.h"
#include "wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "wren decode --model MODEL_DIR --graph GRAPH_DIR [options] WAV_SCP|DATA_DIR HYP_TEXT [LATTICE_OUT]";
static const char *DESCRIPTION =
    "Decode every utterance of a Kaldi wav.scp (or a data dir: wav.scp + optional segments)\n"
    "with the lattice-generating beam search over GRAPH_DIR/HCLG.fst. Writes HYP_TEXT (Kaldi text,\n"
    "words of GRAPH_DIR/words.txt) and, if given, LATTICE_OUT: word lattices in Kaldi's\n"
    "compact-lattice text format (graph and acoustic costs apart, acoustic unscaled; gzip if\n"
    "the name ends in .gz). --ctm writes word times (utt 1 start dur word); --nbest N writes\n"
    "the N best distinct word sequences as 'utt-K graph_cost acoustic_cost word ...' lines to\n"
    "--nbest-out (default HYP_TEXT.nbest); --ref TEXT reports the lattice oracle WER.\n"
    "An utterance whose audio cannot be read or decoded is logged and skipped; the summary\n"
    "line counts it. Exit 0 if at least one utterance was decoded.";

struct cmd {
    const char *model, *graph, *ctm, *nbest_out, *ref;
    int nbest;
    struct wren_decode_opts o;
    struct wren_decoder *dec;
    const struct wren_decode_graph *g;
    double shift;
    struct wren_text_out *hyp, *lat, *ctm_out, *nb_out;
    struct wren_table reft;
    int have_ref;
    /* totals */
    int n_ok, n_fail, n_no_final;
    int64_t frames, lat_arcs, ref_words, oracle_err;
    double depth_sum, active_sum, senone_sum, audio_sec;
};

static void put_words(FILE *f, const struct wren_decode_graph *g, const int32_t *w, int n)
{
    for (int i = 0; i < n; i++) {
        const char *s = wren_symtab_symbol(g->words, w[i]);
        fprintf(f, " %s", s ? s : "<unk-id>");
    }
}

static int oracle(struct cmd *c, const char *utt, const struct wren_lattice *wl)
{
    const struct wren_table_entry *e = wren_table_find(&c->reft, utt);
    if (!e) {
        wren_warn("decode: %s: no reference in %s", utt, c->ref);
        return 0;
    }
    char *text = wren_xstrdup(e->value);
    int max = (int)strlen(text) / 2 + 2;
    char **fld = wren_xmalloc(sizeof *fld * (size_t)max);
    int n = wren_split_ws(text, fld, max);
    int32_t *ids = wren_xmalloc(sizeof *ids * (size_t)(n + 1));
    for (int i = 0; i < n; i++) ids[i] = (int32_t)wren_symtab_find(c->g->words, fld[i]);
    struct wren_path p;
    int err = wren_lattice_oracle(wl, ids, n, &p);
    if (err >= 0) {
        c->oracle_err += err;
        c->ref_words += n;
        wren_path_free(&p);
    }
    free(ids); free(fld); free(text);
    return err < 0 ? -1 : 0;
}

static int decode_one(struct cmd *c, const char *utt, const float *samples, size_t n)
{
    struct wren_decode_result r;
    struct wren_lattice wl;
    int need_lat = c->lat || c->nbest > 0 || c->have_ref;
    wren_decoder_start(c->dec);
    wren_decoder_feed(c->dec, samples, n);
    if (wren_decoder_finish(c->dec, &r, need_lat ? &wl : NULL)) return -1;
    struct wren_decoder_stats st;
    wren_decoder_stats(c->dec, &st);
    if (!r.reached_final) {
        c->n_no_final++;
        wren_vlog("decode: %s: no final state reached; partial hypothesis", utt);
    }
    FILE *h = wren_text_out_file(c->hyp);
    fputs(utt, h);
    for (int i = 0; i < r.n; i++) {
        const char *s = wren_symtab_symbol(c->g->words, r.w[i].word);
        fprintf(h, " %s", s ? s : "<unk-id>");
    }
    fputc('\n', h);
    if (c->ctm_out)
        for (int i = 0; i < r.n; i++) {
            const char *s = wren_symtab_symbol(c->g->words, r.w[i].word);
            fprintf(wren_text_out_file(c->ctm_out), "%s 1 %.2f %.2f %s\n", utt, r.w[i].start * c->shift,
                    r.w[i].frames * c->shift, s ? s : "<unk-id>");
        }
    int rc = 0;
    if (need_lat) {
        double apf, depth;
        wren_lattice_density(&wl, st.frames, &apf, &depth);
        c->lat_arcs += wl.n_arcs;
        c->depth_sum += depth * st.frames;
        if (c->lat) rc = wren_lattice_write(wren_text_out_file(c->lat), utt, &wl);
        if (!rc && c->nbest > 0) {
            struct wren_path *nb;
            int k = wren_lattice_nbest(&wl, c->o.acwt, c->nbest, 2000000, &nb);
            for (int i = 0; i < k; i++) {
                FILE *f = wren_text_out_file(c->nb_out);
                fprintf(f, "%s-%d %.4f %.4f", utt, i + 1, nb[i].g, nb[i].a);
                put_words(f, c->g, nb[i].words, nb[i].n_words);
                fputc('\n', f);
                wren_path_free(&nb[i]);
            }
            free(nb);
        }
        if (!rc && c->have_ref) rc = oracle(c, utt, &wl);
        wren_lattice_free(&wl);
    }
    c->frames += st.frames;
    c->active_sum += st.avg_active * st.frames;
    c->senone_sum += st.senone_fraction * st.frames;
    wren_decode_result_free(&r);
    return rc;
}

/* One utterance: read its audio (a whole recording, or a segment of one) and decode it. */
static void run_utt(struct cmd *c, const char *utt, const char *spec, double t0, double t1,
                    const struct wren_audio_opts *ao)
{
    struct wren_audio a;
    if (wren_audio_read(spec, ao, &a)) {
        fprintf(stderr, "wren decode: utterance %s failed: %s\n", utt, wren_error_msg());
        c->n_fail++;
        return;
    }
    size_t b = 0, e = a.n;
    if (t0 >= 0) {
        b = (size_t)(t0 * a.rate + 0.5);
        e = t1 < 0 ? a.n : (size_t)(t1 * a.rate + 0.5);
        if (e > a.n) e = a.n;
        if (b >= e) {
            fprintf(stderr, "wren decode: utterance %s failed: segment %.2f-%.2f s is outside %s (%.2f s)\n",
                    utt, t0, t1, spec, (double)a.n / a.rate);
            c->n_fail++;
            wren_audio_free(&a);
            return;
        }
    }
    if (decode_one(c, utt, a.samples + b, e - b)) {
        fprintf(stderr, "wren decode: utterance %s failed: %s\n", utt, wren_error_msg());
        c->n_fail++;
    } else {
        c->n_ok++;
        c->audio_sec += (double)(e - b) / a.rate;
    }
    wren_audio_free(&a);
}

static int run(struct cmd *c, const char *input, struct wren_progress *pr)
{
    struct wren_audio_opts ao;
    wren_audio_opts_default(&ao);
    ao.expect_rate = wren_decoder_sample_rate(c->dec);
    if (!wren_path_exists(input)) return wren_error("%s: no such wav.scp or data dir", input);
    char *scp = wren_xstrdup(input), *segs = NULL;
    char *w = wren_path_join(input, "wav.scp");
    if (wren_path_exists(w)) {          /* a data dir */
        free(scp);
        scp = w;
        char *s = wren_path_join(input, "segments");
        if (wren_path_exists(s)) segs = s; else free(s);
    } else {
        free(w);
    }
    struct wren_table wav;
    if (wren_table_read(scp, &wav)) { free(scp); free(segs); return -1; }
    int rc = 0;
    if (segs) {
        struct wren_table st;
        if (wren_table_read(segs, &st)) rc = -1;
        else {
            wren_progress_start(pr, "utterances", (double)st.n);
            for (size_t i = 0; i < st.n; i++) {
                char *v = wren_xstrdup(st.e[i].value);
                char *f[4];
                int n = wren_split_ws(v, f, 4);
                char *end0, *end1;
                double t0 = n >= 3 ? strtod(f[1], &end0) : -1, t1 = n >= 3 ? strtod(f[2], &end1) : -1;
                const struct wren_table_entry *w = n >= 1 ? wren_table_find(&wav, f[0]) : NULL;
                if (n != 3 || *end0 || *end1 || t0 < 0 || (t1 >= 0 && t1 <= t0)) {
                    fprintf(stderr, "wren decode: utterance %s failed: %s:%d: expected 'utt recording start end'\n",
                            st.e[i].key, segs, st.e[i].line);
                    c->n_fail++;
                } else if (!w) {
                    fprintf(stderr, "wren decode: utterance %s failed: %s:%d: recording %s not in %s\n",
                            st.e[i].key, segs, st.e[i].line, f[0], scp);
                    c->n_fail++;
                } else {
                    run_utt(c, st.e[i].key, w->value, t0, t1, &ao);
                }
                free(v);
                wren_progress_update(pr, (double)(i + 1));
            }
            wren_table_free(&st);
        }
    } else {
        wren_progress_start(pr, "utterances", (double)wav.n);
        for (size_t i = 0; i < wav.n; i++) {
            run_utt(c, wav.e[i].key, wav.e[i].value, -1, -1, &ao);
            wren_progress_update(pr, (double)(i + 1));
        }
    }
    wren_table_free(&wav);
    free(scp);
    free(segs);
    return rc;
}

static int open_out(const char *path, struct wren_text_out **o)
{
    return path ? wren_text_out_open(path, o) : 0;
}

int wren_cmd_decode(int argc, char **argv)
{
    struct cmd c;
    memset(&c, 0, sizeof c);
    wren_decode_opts_default(&c.o);
    struct wren_opt t[WREN_DECODE_NOPTS + 8];
    int k = 0;
    t[k++] = (struct wren_opt){ "model", WREN_OPT_STRING, &c.model, "acoustic model folder (Sphinx)" };
    t[k++] = (struct wren_opt){ "graph", WREN_OPT_STRING, &c.graph, "graph folder (wren mkgraph output)" };
    k += wren_decode_opts_register(&c.o, t + k);
    t[k++] = (struct wren_opt){ "ctm", WREN_OPT_STRING, &c.ctm, "write word times (CTM) to this file" };
    t[k++] = (struct wren_opt){ "nbest", WREN_OPT_INT, &c.nbest, "write the N best word sequences per utterance" };
    t[k++] = (struct wren_opt){ "nbest-out", WREN_OPT_STRING, &c.nbest_out, "n-best file (default HYP_TEXT.nbest)" };
    t[k++] = (struct wren_opt){ "ref", WREN_OPT_STRING, &c.ref, "reference text: report the lattice oracle WER" };
    t[k++] = (struct wren_opt)WREN_OPT_TABLE_END;
    char **pos;
    int npos, done;
    int rc = wren_cmd_parse("decode", USAGE, DESCRIPTION, t, argc, argv, 2, 3, &pos, &npos, &done);
    if (done) return rc;
    if (!c.model || !c.graph) {
        fprintf(stderr, "wren decode: --model and --graph are required\nusage: %s\n", USAGE);
        free(pos);
        return WREN_EXIT_INPUT;
    }
    double t_start = wren_now();
    if (wren_decoder_create(c.model, c.graph, &c.o, &c.dec)) { free(pos); return wren_cmd_fail("decode"); }
    c.g = wren_decoder_graph(c.dec);
    c.shift = wren_decoder_frame_shift(c.dec);
    double t_load = wren_now() - t_start;
    char *nbpath = NULL;
    if (c.nbest > 0) {
        if (!c.nbest_out) {
            nbpath = wren_xmalloc(strlen(pos[1]) + 8);
            sprintf(nbpath, "%s.nbest", pos[1]);
            c.nbest_out = nbpath;
        }
    }
    if (c.ref) {
        if (wren_table_read(c.ref, &c.reft)) goto fail;
        c.have_ref = 1;
    }
    if (open_out(pos[1], &c.hyp) || open_out(npos > 2 ? pos[2] : NULL, &c.lat) ||
        open_out(c.ctm, &c.ctm_out) || open_out(c.nbest > 0 ? c.nbest_out : NULL, &c.nb_out))
        goto fail;
    struct wren_progress pr;
    double t_dec = wren_now();
    if (run(&c, pos[0], &pr)) goto fail;
    wren_progress_end(&pr, (double)(c.n_ok + c.n_fail));
    t_dec = wren_now() - t_dec;
    if (c.n_ok == 0) {
        wren_error("%s: no utterance decoded (%d failed)", pos[0], c.n_fail);
        goto fail;
    }
    if (wren_text_out_commit(c.hyp)) { c.hyp = NULL; goto fail; }
    c.hyp = NULL;
    struct wren_text_out **outs[] = { &c.lat, &c.ctm_out, &c.nb_out };
    for (int i = 0; i < 3; i++)
        if (*outs[i]) {
            int r = wren_text_out_commit(*outs[i]);
            *outs[i] = NULL;
            if (r) goto fail;
        }
    fprintf(stderr, "wren decode: %d utterances decoded, %d failed, %d without final state; "
                    "%lld frames, %.1f s audio, RTF %.3f (load %.1f s); %.0f active tokens/frame, "
                    "%.1f%% senones scored",
            c.n_ok, c.n_fail, c.n_no_final, (long long)c.frames, c.audio_sec,
            c.audio_sec > 0 ? t_dec / c.audio_sec : 0, t_load,
            c.frames ? c.active_sum / c.frames : 0, c.frames ? 100 * c.senone_sum / c.frames : 0);
    if (c.lat || c.nbest > 0 || c.have_ref)
        fprintf(stderr, "; lattice %.2f arcs/frame, depth %.2f", c.frames ? (double)c.lat_arcs / c.frames : 0,
                c.frames ? c.depth_sum / c.frames : 0);
    struct wren_decoder_stats dst;
    wren_decoder_stats(c.dec, &dst);
    if (dst.det_failed) fprintf(stderr, "; %d lattices not determinised (--det-max-states)", dst.det_failed);
    if (c.have_ref)
        fprintf(stderr, "; oracle %%WER %.2f [ %lld / %lld ]", c.ref_words ? 100.0 * c.oracle_err / c.ref_words : 0,
                (long long)c.oracle_err, (long long)c.ref_words);
    fputc('\n', stderr);
    if (c.have_ref) wren_table_free(&c.reft);
    wren_decoder_free(c.dec);
    free(nbpath);
    free(pos);
    return WREN_EXIT_OK;
fail:
    rc = wren_cmd_fail("decode");
    wren_text_out_abort(c.hyp);
    wren_text_out_abort(c.lat);
    wren_text_out_abort(c.ctm_out);
    wren_text_out_abort(c.nb_out);
    if (c.have_ref) wren_table_free(&c.reft);
    wren_decoder_free(c.dec);
    free(nbpath);
    free(pos);
    return rc;
}
