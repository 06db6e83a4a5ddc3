/* decode-nnlm.c — `wren decode --nnlm`: each utterance's lattice rescored by a neural LM
 * interpolated with an n-gram, as `wren rescore --mode lattice` rescores it, before its outputs
 * are written: the first and second pass in one command, the first-pass LM the one the graph
 * records (lm.txt). The lattices (of utterances, and of the pieces of cut ones) are held back
 * and rescored up to WREN_DECODER_OUTPUT_CHUNK together, their NNLM requests batched (on
 * pooled dev, --adapt none, 6.0 instead of 30.4 s of CPU). Internal to the command (decode-cmd.h). */
#include <stdlib.h>
#include <string.h>

#include "cli/cmd-util.h"
#include "cli/decode-cmd.h"
#include "nnlm/nnlm.h"
#include "utils/error.h"
#include "utils/log.h"

int decode_nnlm_load(struct cmd *c)
{
    if (!c->nnlm) return 0;
    const char *words = NULL, *first = c->first_lm, *lm = c->nnlm_lm;
    char *owned[2];
    int rc = -1;
    c->ro.acwt = c->o.acwt;
    if (!(c->ro.lambda >= 0 && c->ro.lambda <= 1)) return wren_error("--nnlm-lambda must be in [0, 1]");
    if (!(c->ro.lm_weight >= 0)) return wren_error("--nnlm-lm-weight must be >= 0");
    if (!wren_cmd_graph_defaults(c->graph, "first-pass-lm", &words, &first, &lm, owned) &&
        !wren_rescore_opts_check(&c->ro) && (c->rs = wren_rescore_models_load(c->nnlm, lm, first, words))) {
        wren_nnlm_set_unnormalized(c->rs->nnlm, wren_rescore_unnormalized(&c->ro, c->rs->nnlm));
        rc = 0;
    }
    free(owned[0]);
    free(owned[1]);
    return rc;
}

int decode_nnlm_rescore(struct cmd *c, int n, const struct wren_lattice *const *wl, struct wren_lattice *out,
                        struct wren_decode_result *r)
{
    long tokens = 0;
    double t0 = wren_cpu_seconds();
    int rc = wren_decoder_nnlm_results(c->dec, c->rs, &c->ro, n, wl, out, r, &tokens);
    c->t.nnlm_cpu += wren_cpu_seconds() - t0;
    c->t.nnlm_tokens += tokens;
    return rc;
}

struct nnlm_pending {
    const struct job *j;   /* an utterance or a piece (its name; a segment's recording and times) */
    struct wren_lattice wl;
    int *kept;             /* its frame map (nk + 1 entries), NULL: none */
    int nk;
};

void decode_nnlm_defer(struct cmd *c, struct wren_lattice *wl, const int *kept, int nk)
{
    if (!c->np) c->np = wren_xcalloc(WREN_DECODER_OUTPUT_CHUNK, sizeof *c->np);
    struct nnlm_pending *p = &c->np[c->n_np++];
    p->j = c->cur;
    p->wl = *wl;
    memset(wl, 0, sizeof *wl);   /* moved: nothing left for the caller to free */
    p->nk = nk;
    p->kept = NULL;
    if (kept) {
        p->kept = wren_xmalloc(((size_t)nk + 1) * sizeof *p->kept);
        memcpy(p->kept, kept, ((size_t)nk + 1) * sizeof *p->kept);
    }
    if (c->n_np == WREN_DECODER_OUTPUT_CHUNK) decode_nnlm_flush(c);
}

void decode_nnlm_flush(struct cmd *c)
{
    int n = c->n_np;
    if (!n) return;
    c->n_np = 0;
    const struct wren_lattice *wl[WREN_DECODER_OUTPUT_CHUNK];
    struct wren_lattice nl[WREN_DECODER_OUTPUT_CHUNK];
    struct wren_decode_result r[WREN_DECODER_OUTPUT_CHUNK];
    for (int i = 0; i < n; i++) wl[i] = &c->np[i].wl;
    int ran = !c->out_failed;   /* after a failed write nothing more is written */
    int failed = ran ? decode_nnlm_rescore(c, n, wl, nl, r) : 0;
    const struct job *cur = c->cur;
    for (int i = 0; i < n; i++) {
        struct nnlm_pending *p = &c->np[i];
        c->cur = p->j;
        int rc = failed;
        if (!rc && !c->out_failed) {
            wren_decode_result_to_audio(&r[i], p->kept, p->nk);
            decode_result_outputs(c, p->j->utt, &r[i]);
            rc = decode_lattice_outputs(c, p->j->utt, &nl[i], p->kept, p->nk);
        }
        if (rc) {   /* as decode_range counts a failure of decode_one */
            FILE *outs[4] = { c->fh, c->fl, c->fc, c->fn };
            for (int k = 0; k < 4; k++) c->out_failed |= outs[k] && ferror(outs[k]);
            if (!c->out_failed && p->j->piece) {
                fprintf(stderr, "wren decode: utterance %s failed in its piece %.2f-%.2f s: %s\n", p->j->utt,
                        p->j->t0, p->j->t1, wren_error_msg());
                c->t.n_ok -= p->j->piece_last;   /* a cut utterance counted at its last piece */
                c->t.n_fail++;
            } else if (!c->out_failed) {
                fprintf(stderr, "wren decode: utterance %s failed: %s\n", p->j->utt, wren_error_msg());
                c->t.n_ok--;
                c->t.n_fail++;
            }
        }
        if (ran && !failed) {
            wren_decode_result_free(&r[i]);
            wren_lattice_free(&nl[i]);
        }
        wren_lattice_free(&p->wl);
        free(p->kept);
        p->kept = NULL;
    }
    c->cur = cur;
}

void decode_nnlm_drop(struct cmd *c)
{
    for (int i = 0; i < c->n_np; i++) {
        wren_lattice_free(&c->np[i].wl);
        free(c->np[i].kept);
    }
    free(c->np);
    c->np = NULL;
    c->n_np = 0;
}
