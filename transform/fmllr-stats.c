/* fmllr-stats.c — fMLLR statistics from a Sphinx model (continuous, PTM or semi-continuous;
 * diagonal covariances, any stream split of the feature vector) along a frame alignment:
 * each frame's aligned senone, the posteriors of its mixture's Gaussians, and those
 * Gaussians' means and precisions per feature dim (wren_am_senone_posteriors).
 * Not for: the estimate itself (fmllr.c) or where alignments come from (decode-adapt.c). */
#include "transform/fmllr-stats.h"

#include "am/am.h"
#include "utils/error.h"

#include <stdlib.h>
#include <string.h>

#define MAX_GAUSS 1024   /* Gaussians kept per frame (over all streams) */

int wren_fmllr_accumulate(struct wren_fmllr_accs *a, struct wren_am *am, const float *raw,
                          const float *post_feats, int n_frames, const int32_t *senone,
                          const float *weight, float min_post)
{
    int d = a->dim;
    if (wren_am_feat_dim(am) != d)
        return wren_error("fmllr: statistics of %d dims, the model has %d", d, wren_am_feat_dim(am));
    if (!post_feats) post_feats = raw;
    struct wren_am_gauss_post *gp = wren_xmalloc(MAX_GAUSS * sizeof *gp);
    double *prec = wren_xmalloc((size_t)d * sizeof *prec), *pm = wren_xmalloc((size_t)d * sizeof *pm);
    int rc = 0;
    for (int t = 0; t < n_frames && !rc; t++) {
        double w = weight ? weight[t] : 1.0;
        if (senone[t] < 0 || w <= 0) continue;
        int n = wren_am_senone_posteriors(am, post_feats + (size_t)t * (size_t)d, senone[t], min_post, gp, MAX_GAUSS);
        if (n < 0) { rc = -1; break; }
        memset(prec, 0, (size_t)d * sizeof *prec);
        memset(pm, 0, (size_t)d * sizeof *pm);
        for (int k = 0; k < n; k++) {
            int len;
            const int *dims = wren_am_stream_dims(am, gp[k].stream, &len);
            double g = w * gp[k].post;
            for (int j = 0; j < len; j++) {
                double p = 2.0 * gp[k].ivar2[j];          /* 1 / var */
                prec[dims[j]] += g * p;
                pm[dims[j]] += g * p * gp[k].mean[j];
            }
        }
        wren_fmllr_accs_add(a, raw + (size_t)t * (size_t)d, w, prec, pm);
    }
    free(gp);
    free(prec);
    free(pm);
    return rc;
}
