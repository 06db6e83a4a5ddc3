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
#define BATCH 256        /* frames per batch of statistics */

int wren_fmllr_accumulate(struct wren_fmllr_accs *a, struct wren_am *am, const float *raw,
                          const float *post_feats, int n_frames, const int32_t *senone,
                          const float *weight, float min_post)
{
    return wren_fmllr_accumulate_at(a, am, raw, post_feats, n_frames, NULL, senone, weight, min_post);
}

int wren_fmllr_accumulate_at(struct wren_fmllr_accs *a, struct wren_am *am, const float *raw,
                             const float *post_feats, int64_t n_entries, const int32_t *frame,
                             const int32_t *senone, const float *weight, float min_post)
{
    int d = a->dim;
    if (wren_am_feat_dim(am) != d)
        return wren_error("fmllr: statistics of %d dims, the model has %d", d, wren_am_feat_dim(am));
    if (!post_feats) post_feats = raw;
    struct wren_am_gauss_post *gp = wren_xmalloc(MAX_GAUSS * sizeof *gp);
    /* frames are gathered in batches so that the statistics are one GEMM and one SYRK per
     * row of W (wren_fmllr_accs_add_batch) rather than a rank-one update per frame and row */
    float *bx = wren_xmalloc((size_t)BATCH * (size_t)d * sizeof *bx);
    double *bw = wren_xmalloc((size_t)BATCH * sizeof *bw);
    double *bprec = wren_xmalloc((size_t)BATCH * (size_t)d * sizeof *bprec);
    double *bpm = wren_xmalloc((size_t)BATCH * (size_t)d * sizeof *bpm);
    int nb = 0, rc = 0;
    for (int64_t i = 0; i < n_entries && !rc; i++) {
        double w = weight ? weight[i] : 1.0;
        if (senone[i] < 0 || w <= 0) continue;
        size_t t = frame ? (size_t)frame[i] : (size_t)i;
        int n = wren_am_senone_posteriors(am, post_feats + t * (size_t)d, senone[i], min_post, gp, MAX_GAUSS);
        if (n < 0) { rc = -1; break; }
        double *prec = bprec + (size_t)nb * (size_t)d, *pm = bpm + (size_t)nb * (size_t)d;
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
        memcpy(bx + (size_t)nb * (size_t)d, raw + t * (size_t)d, (size_t)d * sizeof *bx);
        bw[nb] = w;
        if (++nb == BATCH) {
            wren_fmllr_accs_add_batch(a, nb, bx, bw, bprec, bpm);
            nb = 0;
        }
    }
    if (!rc) wren_fmllr_accs_add_batch(a, nb, bx, bw, bprec, bpm);
    free(gp);
    free(bx);
    free(bw);
    free(bprec);
    free(bpm);
    return rc;
}

int wren_fmllr_em(struct wren_am *am, const float *raw, int n_frames, int64_t n_entries,
                  const int32_t *frame, const int32_t *senone, const float *weight, float min_post,
                  const struct wren_fmllr_opts *o, int steps, double *W, struct wren_fmllr_result *res)
{
    if (steps <= 0 || n_frames <= 0) return 0;
    int d = wren_am_feat_dim(am);
    float *seen = wren_xmalloc((size_t)n_frames * (size_t)d * sizeof *seen);
    struct wren_fmllr_accs acc;
    wren_fmllr_accs_init(&acc, d);
    int rc = 0;
    for (int e = 0; e < steps && !rc; e++) {
        wren_fmllr_apply(W, d, raw, seen, n_frames);
        wren_fmllr_accs_reset(&acc);
        rc = wren_fmllr_accumulate_at(&acc, am, raw, seen, n_entries, frame, senone, weight, min_post);
        if (!rc) rc = wren_fmllr_estimate(&acc, o, W, res, NULL);
    }
    wren_fmllr_accs_free(&acc);
    free(seen);
    return rc;
}
