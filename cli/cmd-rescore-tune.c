/* cmd-rescore-tune.c — `wren rescore-tune`: choose lambda, LM weight and word insertion penalty
 * on a dev split by grid search over n-best lists (each hypothesis's cost components and its
 * errors against the reference are computed once; every grid point then only re-ranks).
 * Prints one line per grid point with --verbose and always a last line
 * "best lambda=L lm-weight=W wip=P wer=X errors=E words=N" a script can read.
 * Run it on a dev split, never on the test split. Not for: rescoring itself (cmd-rescore.c). */
#include "cli/cmd-util.h"
#include "fstext/fst.h"
#include "lat/lattice.h"
#include "rescore/rescore.h"
#include "score/wer.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct utt {
    struct wren_rescore_hyp *h;
    int n;
    int *errs;          /* per hypothesis: edit errors against the reference */
};

static int count_errors(const struct wren_symtab *syms, const struct wren_rescore_hyp *h,
                        char **ref, int nref)
{
    char **hw = wren_xmalloc(sizeof *hw * (size_t)(h->n_words + 1));
    for (int i = 0; i < h->n_words; i++) {
        const char *s = wren_symtab_symbol(syms, h->words[i]);
        hw[i] = wren_xstrdup(s ? s : "?");
    }
    enum wren_wer_op *ops;
    int n = wren_wer_align((const char *const *)ref, nref, (const char *const *)hw, h->n_words, &ops);
    int e = 0;
    for (int i = 0; i < n; i++) e += ops[i] != WREN_WER_COR;
    free(ops);
    for (int i = 0; i < h->n_words; i++) free(hw[i]);
    free(hw);
    return e;
}

/* Read every lattice, make and score its n-best list, count each hypothesis's errors. */
static int load_utts(struct wren_rescore_models *m, const struct wren_rescore_opts *o,
                     const char *lat_path, struct wren_table *ref, struct utt **utts, int *nutt,
                     long *nwords, long *tokens)
{
    struct wren_input f;
    if (wren_input_open(&f, lat_path)) return -1;
    int line = 0, rc = 0, cap = 0;
    *utts = NULL; *nutt = 0;
    for (;;) {
        char *key;
        struct wren_lattice l;
        int r = wren_lattice_read(f.f, lat_path, &line, &key, &l);
        if (r <= 0) { rc = r; wren_lattice_free(&l); break; }
        const struct wren_table_entry *e = wren_table_find(ref, key);
        if (!e) {
            rc = wren_error("%s: utterance %s has no reference in %s", lat_path, key, ref->path);
        } else {
            struct wren_rescore_stats st = { 0 };
            struct utt u = { 0 };
            u.n = wren_rescore_nbest(m->r, o, &l, &u.h, &st);
            if (u.n < 0) {
                rc = wren_error_prefix("%s: ", key);
            } else {
                char *text = wren_xstrdup(e->value);
                int max = (int)strlen(text) / 2 + 2;
                char **fld = wren_xmalloc(sizeof *fld * (size_t)max);
                int nref = wren_split_ws(text, fld, max);
                u.errs = wren_xmalloc(sizeof *u.errs * (size_t)(u.n + 1));
                for (int i = 0; i < u.n; i++) u.errs[i] = count_errors(m->words, &u.h[i], fld, nref);
                if (!u.n) u.errs[0] = nref;   /* empty lattice: all deletions */
                *nwords += nref;
                *tokens += st.tokens;
                free(fld); free(text);
                if (*nutt == cap) {
                    cap = cap ? 2 * cap : 64;
                    *utts = wren_xrealloc(*utts, sizeof **utts * (size_t)cap);
                }
                (*utts)[(*nutt)++] = u;
            }
        }
        wren_lattice_free(&l);
        free(key);
        if (rc) break;
    }
    if (wren_input_close(&f) && !rc) rc = -1;
    return rc;
}

static long total_errors(const struct wren_rescore_opts *o, const struct utt *u, int n)
{
    long e = 0;
    for (int i = 0; i < n; i++) {
        int b = wren_rescore_best(o, u[i].h, u[i].n);
        e += b < 0 ? u[i].errs[0] : u[i].errs[b];
    }
    return e;
}

static const char *DESCRIPTION =
    "Grid search of --lambdas x --lm-weights x --word-penalties on a DEV split's lattices (n-best lists of\n"
    "--nbest hypotheses, costs as in `wren rescore`); WER against --ref. The last stdout line is\n"
    "  best lambda=L lm-weight=W wip=P wer=X errors=E words=N\n"
    "(ties: the first in grid order). Also prints the first-pass WER of the same n-best lists.";

int wren_cmd_rescore_tune(int argc, char **argv)
{
    static const char *USAGE =
        "wren rescore-tune --nnlm MODEL (--graph GRAPH_DIR | --lm ARPA --words WORDS.txt) --ref DEV_TEXT [options] DEV_LATTICES";
    struct wren_rescore_opts o;
    wren_rescore_opts_default(&o);
    const char *nnlm = NULL, *lm = NULL, *first = NULL, *words = NULL, *refp = NULL, *graph = NULL;
    char *owned[2] = { NULL, NULL };
    const char *lambdas = "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1";
    const char *weights = "0.5,0.75,1,1.25,1.5,2";
    const char *wips = "-2,-1,-0.5,0,0.5,1,2";
    int verbose = 0;
    const struct wren_opt own[] = {
        { "nnlm", WREN_OPT_STRING, &nnlm, "the NNLM (safetensors)" },
        { "graph", WREN_OPT_STRING, &graph, WREN_CMD_GRAPH_HELP },
        { "lm", WREN_OPT_STRING, &lm, "the n-gram LM (ARPA; default: the first-pass LM)" },
        { "first-pass-lm", WREN_OPT_STRING, &first, "the LM in the decoding graph (default: the one --graph records, else --lm)" },
        { "words", WREN_OPT_STRING, &words, "words.txt of the decoding graph (default: --graph's)" },
        { "ref", WREN_OPT_STRING, &refp, "reference text of the dev split" },
        { "lambdas", WREN_OPT_STRING, &lambdas, "grid of lambda values" },
        { "lm-weights", WREN_OPT_STRING, &weights, "grid of LM weights" },
        { "word-penalties", WREN_OPT_STRING, &wips, "grid of word penalties (rescore --word-penalty)" },
        { "wips", WREN_OPT_ALIAS, (void *)"word-penalties", NULL },
        { "verbose", WREN_OPT_BOOL, &verbose, "print every grid point" },
        WREN_OPT_TABLE_END,
    };
    struct wren_opt t[WREN_RESCORE_NOPTS + 1 + WREN_OPTS_LEN(own)];
    int nb = wren_rescore_opts_table(&o, t, 0);   /* rescore's options that tuning reads */
    wren_opts_copy(t + nb, own);
    char **pos;
    int npos, done;
    int rc = wren_cmd_parse("rescore-tune", USAGE, DESCRIPTION, t, argc, argv, 1, 1, &pos, &npos, &done);
    if (done) return rc;
    struct wren_rescore_models *m = NULL;
    struct wren_table ref = { 0 };
    int have_ref = 0, nutt = 0, nl = 0, nw = 0, np = 0;
    struct utt *u = NULL;
    double *L = NULL, *W = NULL, *P = NULL;
    long nwords = 0, tokens = 0;
    if (wren_rescore_opts_check(&o)) goto fail;
    if (!refp) { wren_error("--ref is required"); goto fail; }
    if (wren_opts_parse_doubles("lambdas", lambdas, &L, &nl) ||
        wren_opts_parse_doubles("lm-weights", weights, &W, &nw) ||
        wren_opts_parse_doubles("word-penalties", wips, &P, &np))
        goto fail;
    if (wren_cmd_graph_defaults(graph, "first-pass-lm", &words, &first, &lm, owned)) goto fail;
    if (!(m = wren_rescore_models_load(nnlm, lm, first, words))) goto fail;
    if (wren_table_read(refp, &ref)) goto fail;
    have_ref = 1;
    if (load_utts(m, &o, pos[0], &ref, &u, &nutt, &nwords, &tokens)) goto fail;
    if (nutt == 0) { wren_error("%s: no lattices (an empty dev set has no WER to tune)", pos[0]); goto fail; }
    if (nwords == 0) {   /* every grid point would tie at a WER of 0/0 */
        wren_error("%s: the references of the %d dev utterances have no words (WER undefined)", refp, nutt);
        goto fail;
    }
    long e0 = 0;
    for (int i = 0; i < nutt; i++) e0 += u[i].errs[0];
    printf("first-pass wer=%.2f errors=%ld words=%ld utterances=%d nnlm-tokens=%ld\n",
           100.0 * e0 / nwords, e0, nwords, nutt, tokens);
    long best = -1;
    struct wren_rescore_opts bo = o;
    for (int a = 0; a < nl; a++)
        for (int b = 0; b < nw; b++)
            for (int c = 0; c < np; c++) {
                struct wren_rescore_opts q = o;
                q.lambda = (float)L[a]; q.lm_weight = (float)W[b]; q.wip = (float)P[c];
                long e = total_errors(&q, u, nutt);
                if (verbose)
                    printf("lambda=%g lm-weight=%g wip=%g wer=%.2f errors=%ld\n", L[a], W[b], P[c],
                           100.0 * e / nwords, e);
                if (best < 0 || e < best) { best = e; bo = q; }
            }
    printf("best lambda=%g lm-weight=%g wip=%g wer=%.2f errors=%ld words=%ld\n", (double)bo.lambda,
           (double)bo.lm_weight, (double)bo.wip, 100.0 * best / nwords, best, nwords);
    rc = 0;
    goto out;
fail:
    rc = wren_cmd_fail("rescore-tune");
out:
    for (int i = 0; i < nutt; i++) { wren_rescore_hyps_free(u[i].h, u[i].n); free(u[i].errs); }
    free(u); free(L); free(W); free(P);
    if (have_ref) wren_table_free(&ref);
    wren_rescore_models_free(m);
    free(owned[0]); free(owned[1]);
    free(pos);
    return rc;
}
