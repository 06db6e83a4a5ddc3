/* decode-nnlm.c — `wren decode --nnlm`: each utterance's lattice rescored by a neural LM
 * interpolated with an n-gram, as `wren rescore --mode lattice` rescores it, before its outputs
 * are written: the first and second pass in one command, the first-pass LM the one the graph
 * records (lm.txt). Internal to the command (decode-cmd.h). */
#include <stdlib.h>

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

int decode_nnlm_rescore(struct cmd *c, const struct wren_lattice *wl, struct wren_lattice *out,
                        struct wren_decode_result *r)
{
    long tokens = 0;
    double t0 = wren_cpu_seconds();
    int rc = wren_decoder_nnlm_result(c->dec, c->rs, &c->ro, wl, out, r, &tokens);
    c->t.nnlm_cpu += wren_cpu_seconds() - t0;
    c->t.nnlm_tokens += tokens;
    return rc;
}

int decode_nnlm_rescore_many(struct cmd *c, int n, const struct wren_lattice *const *wl, struct wren_lattice *out,
                             struct wren_decode_result *r)
{
    long tokens = 0;
    double t0 = wren_cpu_seconds();
    int rc = wren_decoder_nnlm_results(c->dec, c->rs, &c->ro, n, wl, out, r, &tokens);
    c->t.nnlm_cpu += wren_cpu_seconds() - t0;
    c->t.nnlm_tokens += tokens;
    return rc;
}
