/* cmd-am-info.c — `wren am-info MODEL_DIR`: load a Sphinx acoustic model folder with am.h and
 * print what it holds. Not for: any loading or checking logic of its own. */
#include <stdio.h>
#include <stdlib.h>

#include "am/am.h"
#include "cli/cmd-util.h"

static const char usage[] = "wren am-info [options] MODEL_DIR";
static const char descr[] =
    "Load a CMU Sphinx acoustic model folder (feat.params, mdef, means, variances,\n"
    "mixture_weights or sendump, transition_matrices, noisedict), check that its files agree,\n"
    "and print its kind (continuous, semi-continuous, ptm), senones, codebooks, Gaussians,\n"
    "feature type, sample rate, CI phones and triphones.";

static void print_info(const char *dir, const struct wren_am *am)
{
    struct wren_am_info in;
    wren_am_get_info(am, &in);
    const struct wren_mdef *m = wren_am_mdef(am);
    printf("model\t%s\n", dir);
    printf("kind\t%s\n", in.kind);
    printf("senones\t%d\n", in.n_senones);
    printf("ci_senones\t%d\n", wren_mdef_n_ci_senones(m));
    printf("codebooks\t%d\n", in.n_codebooks);
    printf("densities_per_codebook\t%d\n", in.n_density);
    printf("gaussians\t%d (in each of %d streams)\n", in.n_gaussians, in.n_streams);
    printf("streams\t%d (", in.n_streams);
    for (int f = 0; f < in.n_streams; f++)
        printf("%s%d", f ? "+" : "", in.stream_dims[f]);
    printf(" dims)\n");
    printf("feature_type\t%s\n", in.feat_type);
    printf("feature_dim\t%d\n", in.feat_dim);
    printf("sample_rate\t%.0f\n", in.sample_rate);
    printf("mixture_weights\t%s\n", in.quantised_weights ? "sendump (quantised)" : "float");
    printf("top_n\t%d\n", in.top_n);
    printf("ci_phones\t%d\n", in.n_ciphones);
    printf("triphones\t%d\n", in.n_phones - in.n_ciphones);
    printf("emitting_states\t%d\n", in.n_emit_states);
    printf("transition_matrices\t%d\n", in.n_tmat);
    printf("phones\t");
    for (int i = 0; i < in.n_ciphones; i++)
        printf("%s%s%s", i ? " " : "", wren_mdef_ciphone_name(m, i),
               wren_mdef_is_filler(m, i) ? "(filler)" : "");
    printf("\n");
    printf("fillers\t%d\n", wren_am_n_fillers(am));
}

int wren_cmd_am_info(int argc, char **argv)
{
    const struct wren_opt opts[] = { WREN_OPT_TABLE_END };
    char **pos;
    int npos, done;
    int rc = wren_cmd_parse("am-info", usage, descr, opts, argc, argv, 1, 1, &pos, &npos, &done);
    if (done)
        return rc;
    struct wren_am *am;
    if (wren_am_load(pos[0], &am) < 0) {
        free(pos);
        return wren_cmd_fail("am-info");
    }
    print_info(pos[0], am);
    wren_am_free(am);
    free(pos);
    return WREN_EXIT_OK;
}
