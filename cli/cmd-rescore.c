/* cmd-rescore.c — `wren rescore`: NNLM + n-gram second pass over the lattices `wren decode`
 * wrote (n-best with prefix sharing, or pruned lattice expansion); writes the 1-best as Kaldi
 * text, optionally the rescored lattices (lattice mode) or rescored n-best lists (n-best mode),
 * and a summary of NNLM tokens, wall and CPU time of rescoring on stderr. Lattice mode reads lattices in chunks
 * and rescores each chunk with wren_rescore_lattices (several lattices side by side).
 * Thin wrapper over rescore.h. Not for: the algorithms (rescore.c, rescore-lattice.c). */
#include "cli/cmd-util.h"
#include "fstext/fst.h"
#include "lat/lattice.h"
#include "nnlm/nnlm.h"
#include "rescore/rescore.h"
#include "utils/wren-util.h"

#include <stdlib.h>
#include <string.h>

struct run {
    const struct wren_rescore_opts *o;
    struct wren_rescore_models *m;
    FILE *hyp, *lat;
    long n, empty, tokens, naive, hyps;
    double seconds, cpu;           /* rescoring only (not loading the models) */
    int verbose;
    int mbr;                       /* lattice mode: the hypothesis is the rescored lattice's MBR one */
};

static void put_words(FILE *f, const struct wren_symtab *t, const int32_t *w, int n)
{
    for (int i = 0; i < n; i++) {
        const char *s = wren_symtab_symbol(t, w[i]);
        if (s) fprintf(f, " %s", s);
        else fprintf(f, " %d", w[i]);
    }
}

static void write_nbest(struct run *x, const char *key, const struct wren_rescore_hyp *h, int n)
{
    int b = wren_rescore_best(x->o, h, n);
    fputs(key, x->hyp);
    if (b >= 0) put_words(x->hyp, x->m->words, h[b].words, h[b].n_words);
    fputc('\n', x->hyp);
    for (int i = 0; x->lat && i < n; i++) {
        fprintf(x->lat, "%s-%d %.4f ac %.4f hmm %.4f ngram %.4f nnlm %.4f oov %d", key, i + 1,
                wren_rescore_hyp_cost(x->o, &h[i]), h[i].ac, h[i].hmm, h[i].ngram, h[i].nnlm,
                h[i].n_oov);
        put_words(x->lat, x->m->words, h[i].words, h[i].n_words);
        fputc('\n', x->lat);
    }
}

/* A chunk of lattices rescored together (lattice mode: wren_rescore_lattices; n-best mode:
 * wren_rescore_nbest_many, one prefix trie), written in input order. */
struct chunk {
    char **key;
    struct wren_lattice *in, *out;
    struct wren_rescore_hyp **h; int *nh;   /* n-best mode */
    struct wren_rescore_stats *st;
    int n, cap;
};

static void chunk_clear(struct chunk *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->key[i]);
        wren_lattice_free(&c->in[i]);
        wren_lattice_free(&c->out[i]);
        wren_rescore_hyps_free(c->h[i], c->nh[i]);
        c->h[i] = NULL; c->nh[i] = 0;
    }
    c->n = 0;
}

static int write_lattice(struct run *x, const char *key, const struct wren_lattice *out)
{
    fputs(key, x->hyp);
    if (out->start >= 0 && x->mbr) {
        struct wren_mbr_result m;
        if (wren_lattice_mbr(out, x->o->acwt, 10, &m)) return -1;
        for (int i = 0; i < m.n_words; i++) put_words(x->hyp, x->m->words, &m.words[i].word, 1);
        wren_mbr_result_free(&m);
    } else if (out->start >= 0) {
        struct wren_path p;
        if (wren_lattice_best_path(out, x->o->acwt, &p)) return -1;
        put_words(x->hyp, x->m->words, p.words, p.n_words);
        wren_path_free(&p);
    }
    fputc('\n', x->hyp);
    return x->lat ? wren_lattice_write(x->lat, key, out) : 0;
}

static int do_chunk(struct run *x, struct chunk *c)
{
    int failed, nbest = !strcmp(x->o->mode, "nbest");
    for (int i = 0; i < c->n; i++) c->st[i] = (struct wren_rescore_stats){ 0 };
    double t0 = wren_now(), c0 = wren_cpu_seconds();
    int rc = nbest ? wren_rescore_nbest_many(x->m->r, x->o, c->n, c->in, c->h, c->nh, c->st, &failed)
                   : wren_rescore_lattices(x->m->r, x->o, c->n, c->in, c->out, c->st, &failed);
    if (rc) {
        if (failed >= 0) wren_error_prefix("%s: ", c->key[failed]);
        else wren_error_prefix("lattices %s to %s: ", c->key[0], c->key[c->n - 1]);
        return -1;
    }
    double dt = wren_now() - t0;
    x->cpu += wren_cpu_seconds() - c0;
    for (int i = 0; i < c->n; i++) {
        if (nbest) write_nbest(x, c->key[i], c->h[i], c->nh[i]);
        else if (write_lattice(x, c->key[i], &c->out[i])) { wren_error_prefix("%s: ", c->key[i]); return -1; }
        if (x->verbose)
            fprintf(stderr, "%s tokens %ld%s\n", c->key[i], c->st[i].tokens,
                    c->in[i].start < 0 ? " (empty lattice)" : "");
        x->tokens += c->st[i].tokens; x->naive += c->st[i].naive_tokens; x->hyps += c->st[i].hyps;
    }
    if (x->verbose)
        fprintf(stderr, "lattices %s to %s rescored together: time %.3f s\n", c->key[0],
                c->key[c->n - 1], dt);
    x->seconds += dt;
    return 0;
}

/* Lattice mode reads chunks of four batches, so that a slot freed by a small lattice takes the
 * next one instead of leaving the batch short; n-best mode scores a chunk of one batch at once. */
static int run_chunks(struct run *x, FILE *f, const char *path, int *line)
{
    struct chunk c = { 0 };
    c.cap = (strcmp(x->o->mode, "nbest") ? 4 : 1) * x->o->lattice_batch;
    c.key = wren_xcalloc((size_t)c.cap, sizeof *c.key);
    c.in = wren_xcalloc((size_t)c.cap, sizeof *c.in);
    c.out = wren_xcalloc((size_t)c.cap, sizeof *c.out);
    c.h = wren_xcalloc((size_t)c.cap, sizeof *c.h);
    c.nh = wren_xcalloc((size_t)c.cap, sizeof *c.nh);
    c.st = wren_xcalloc((size_t)c.cap, sizeof *c.st);
    int rc = 0, eof = 0;
    while (!eof && !rc) {
        while (c.n < c.cap) {
            int r = wren_lattice_read(f, path, line, &c.key[c.n], &c.in[c.n]);
            if (r <= 0) { rc = r; wren_lattice_free(&c.in[c.n]); eof = 1; break; }
            if (c.in[c.n].start < 0) x->empty++;
            x->n++;
            c.n++;
        }
        if (!rc && c.n) rc = do_chunk(x, &c);
        chunk_clear(&c);
    }
    free(c.key); free(c.in); free(c.out); free(c.h); free(c.nh); free(c.st);
    return rc;
}

static int run_all(struct run *x, const char *path)
{
    struct wren_input f;
    if (wren_input_open(&f, path)) return -1;
    int line = 0, rc = run_chunks(x, f.f, path, &line);
    if (wren_input_close(&f) && !rc) rc = -1;
    return rc;
}

static const char *DESCRIPTION =
    "Second-pass rescoring of first-pass lattices (Kaldi compact-lattice text, .gz) with the NNLM\n"
    "interpolated with an n-gram. Cost of a hypothesis (natural-log costs; ARPA log10 values\n"
    "are converted with ln 10):\n"
    "  acwt*acoustic + hmm + lm-weight*((1-lambda)*ngram + lambda*nnlm) + word-penalty*words\n"
    "  + oov-penalty*(words outside the NNLM vocabulary, scored as <unk>)\n"
    "At --lambda 0 the NNLM has no weight and is not run (the n-gram rescoring alone; n-best nnlm\n"
    "costs are written as 0, and no NNLM tokens are counted).\n"
    "hmm = first-pass graph cost minus the first-pass LM, removed as `wren lattice lmrescore` does:\n"
    "--graph GRAPH_DIR (what `wren decode --graph` decoded with) gives it (GRAPH_DIR/lm.txt,\n"
    "recorded by `wren mkgraph`), and the words; without it, --first-pass-lm, default --lm.\n"
    "--mode nbest: the --nbest best word sequences, NNLM prefixes shared; RESCORED_OUT gets\n"
    "'utt-K cost ac .. hmm .. ngram .. nnlm .. oov .. words'.\n"
    "--mode lattice: pruned expansion (histories merged on the last --history words, --expand-beam),\n"
    "level by level: the states the same number of arcs from the start are scored in one NNLM call;\n"
    "--lattice-batch lattices are rescored together: lattice mode expands them side by side,\n"
    "n-best mode puts their hypotheses in one prefix trie, and the NNLM scores the pending words\n"
    "of all of them in one batched call (the results of --lattice-batch 1, one at a time, up to\n"
    "float rounding, several times faster); RESCORED_OUT gets the rescored lattices (graph cost\n"
    "= hmm + weighted LM + word-penalty per word), in input order.\n"
    "Per-utterance NNLM tokens and the time per chunk of lattices on\n"
    "stderr with --verbose; a summary line always (NNLM tokens scored, calls, forward passes run:\n"
    "a history extended by a word is run only when a word is scored after it, so histories pruned,\n"
    "merged or ended by </s> cost none; wall and CPU time of rescoring,\n"
    "model loading excluded; the BLAS threads are OpenBLAS's: OPENBLAS_NUM_THREADS).";

int wren_cmd_rescore(int argc, char **argv)
{
    static const char *USAGE =
        "wren rescore --nnlm MODEL.safetensors (--graph GRAPH_DIR | --lm ARPA --words WORDS.txt) [options] LATTICES HYP_TEXT [RESCORED_OUT]";
    struct wren_rescore_opts o;
    wren_rescore_opts_default(&o);
    const char *nnlm = NULL, *lm = NULL, *first = NULL, *words = NULL, *graph = NULL;
    char *owned[2] = { NULL, NULL };
    int verbose = 0, mbr = 0;
    const struct wren_opt own[] = {
        { "nnlm", WREN_OPT_STRING, &nnlm, "the NNLM (safetensors)" },
        { "graph", WREN_OPT_STRING, &graph, WREN_CMD_GRAPH_HELP },
        { "lm", WREN_OPT_STRING, &lm, "the n-gram LM interpolated with the NNLM (ARPA; default: the first-pass LM)" },
        { "first-pass-lm", WREN_OPT_STRING, &first, "the LM in the decoding graph (ARPA; default: the one --graph records, else --lm)" },
        { "words", WREN_OPT_STRING, &words, "words.txt of the decoding graph (default: --graph's)" },
        { "verbose", WREN_OPT_BOOL, &verbose, "per-utterance tokens and time on stderr" },
        { "mbr", WREN_OPT_BOOL, &mbr, "lattice mode: the hypothesis is the rescored lattice's minimum-Bayes-risk word sequence (at --acwt) instead of its best path (off by default: on pooled dev it was worse in two runs of three, 31.42 against 31.24 and 32.07 against 31.63, and better in one, 31.47 against 31.65; egs/pooled/RESULTS.md)" },
        WREN_OPT_TABLE_END,
    };
    struct wren_opt t[WREN_RESCORE_NOPTS + 1 + WREN_OPTS_LEN(own)];
    int nb = wren_rescore_opts_table(&o, t, 1);
    wren_opts_copy(t + nb, own);
    char **pos;
    int npos, done;
    int rc = wren_cmd_parse("rescore", USAGE, DESCRIPTION, t, argc, argv, 2, 3, &pos, &npos, &done);
    if (done) return rc;
    struct wren_rescore_models *m = NULL;
    struct wren_text_out *hyp = NULL, *lat = NULL;
    struct run x = { .o = &o, .verbose = verbose, .mbr = mbr };
    if (wren_rescore_opts_check(&o)) goto fail;
    if (mbr && !strcmp(o.mode, "nbest")) { wren_error("--mbr needs --mode lattice"); goto fail; }
    if (wren_cmd_graph_defaults(graph, "first-pass-lm", &words, &first, &lm, owned)) goto fail;
    if (!(m = wren_rescore_models_load(nnlm, lm, first, words))) goto fail;
    wren_nnlm_set_unnormalized(m->nnlm, wren_rescore_unnormalized(&o, m->nnlm));
    x.m = m;
    if (wren_text_out_open(pos[1], &hyp)) goto fail;
    x.hyp = wren_text_out_file(hyp);
    if (npos > 2) {
        if (wren_text_out_open(pos[2], &lat)) goto fail;
        x.lat = wren_text_out_file(lat);
    }
    if (run_all(&x, pos[0])) goto fail;
    if (lat) { int r = wren_text_out_commit(lat); lat = NULL; if (r) goto fail; }
    { int r = wren_text_out_commit(hyp); hyp = NULL; if (r) goto fail; }
    fprintf(stderr,
            "wren rescore: mode %s, %ld lattices (%ld empty), %ld %s, NNLM tokens %ld (%.1f per utt) "
            "in %ld calls, %ld forward passes, time %.3f s (%.1f ms per utt), cpu %.3f s (%.0f tokens per cpu s)\n",
            o.mode, x.n, x.empty, x.hyps, strcmp(o.mode, "nbest") ? "arcs" : "hypotheses", x.tokens,
            x.n ? (double)x.tokens / x.n : 0.0, wren_rescorer_nnlm_calls(m->r), wren_nnlm_forward_tokens(m->nnlm),
            x.seconds, x.n ? 1000.0 * x.seconds / x.n : 0.0,
            x.cpu, x.cpu > 0 ? x.tokens / x.cpu : 0.0);
    if (!strcmp(o.mode, "nbest"))
        fprintf(stderr, "wren rescore: without prefix sharing %ld tokens (shared/naive %.3f)\n", x.naive,
                x.naive ? (double)x.tokens / x.naive : 0.0);
    wren_rescore_models_free(m);
    free(owned[0]); free(owned[1]);
    free(pos);
    return 0;
fail:
    rc = wren_cmd_fail("rescore");
    wren_text_out_abort(hyp);
    wren_text_out_abort(lat);
    wren_rescore_models_free(m);
    free(owned[0]); free(owned[1]);
    free(pos);
    return rc;
}
