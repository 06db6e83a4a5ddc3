/* map-mean.c — MAP re-estimation of Gaussian means along an alignment (see map-mean.h). */
#include "transform/map-mean.h"

#include "am/am.h"
#include "utils/error.h"

#include <stdlib.h>
#include <string.h>

#define MAX_GAUSS 1024   /* Gaussians kept per frame (over all streams) */

void wren_map_accs_init(struct wren_map_accs *a, size_t n_values)
{
    a->n = n_values;
    a->occ = wren_xcalloc(n_values ? n_values : 1, sizeof *a->occ);
    a->sum = wren_xcalloc(n_values ? n_values : 1, sizeof *a->sum);
}

void wren_map_accs_reset(struct wren_map_accs *a)
{
    memset(a->occ, 0, a->n * sizeof *a->occ);
    memset(a->sum, 0, a->n * sizeof *a->sum);
}

void wren_map_accs_free(struct wren_map_accs *a)
{
    free(a->occ);
    free(a->sum);
    a->occ = a->sum = NULL;
    a->n = 0;
}

int wren_map_accumulate_at(struct wren_map_accs *a, struct wren_am *am, const float *feats,
                           int64_t n_entries, const int32_t *frame, const int32_t *senone,
                           const float *weight, float min_post)
{
    if (wren_am_n_mean_values(am) != a->n)
        return wren_error("map: statistics of %zu mean values, the model has %zu", a->n,
                          wren_am_n_mean_values(am));
    size_t d = (size_t)wren_am_feat_dim(am);
    struct wren_am_gauss_post *gp = wren_xmalloc(MAX_GAUSS * sizeof *gp);
    int rc = 0;
    for (int64_t i = 0; i < n_entries; i++) {
        double w = weight ? weight[i] : 1.0;
        if (senone[i] < 0 || w <= 0) continue;
        const float *x = feats + (frame ? (size_t)frame[i] : (size_t)i) * d;
        int n = wren_am_senone_posteriors(am, x, senone[i], min_post, gp, MAX_GAUSS);
        if (n < 0) { rc = -1; break; }
        for (int k = 0; k < n; k++) {
            int len;
            const int *dims = wren_am_stream_dims(am, gp[k].stream, &len);
            double g = w * gp[k].post;
            size_t off = (size_t)gp[k].mean_off;
            for (int j = 0; j < len; j++) {
                a->occ[off + (size_t)j] += g;
                a->sum[off + (size_t)j] += g * x[dims[j]];
            }
        }
    }
    free(gp);
    return rc;
}

void wren_map_estimate(const struct wren_map_accs *a, const float *prior, double tau, float *out)
{
    for (size_t i = 0; i < a->n; i++)
        out[i] = (float)((tau * prior[i] + a->sum[i]) / (tau + a->occ[i]));
}
