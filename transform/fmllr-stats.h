/* fmllr-stats.h — gathering fMLLR statistics (fmllr.h) from a Sphinx acoustic model (am.h)
 * along a frame-level senone alignment. Not for: the estimate (fmllr.h) or decoding. */
#ifndef WREN_FMLLR_STATS_H
#define WREN_FMLLR_STATS_H

#include <stdint.h>

#include "transform/fmllr.h"

struct wren_am;

/* Add n_frames frames to a: frame t is aligned to senone[t] (< 0: skipped) with weight
 * weight[t] (NULL: 1; e.g. a low weight for silence). The Gaussian posteriors within the
 * senone's mixture (those >= min_post) are computed on post_feats (the features the model
 * currently sees, e.g. already transformed; NULL: raw), the statistics on raw (the features
 * the transform will be applied to). Both n_frames x dim. 0, or -1 with a message. */
int wren_fmllr_accumulate(struct wren_fmllr_accs *a, struct wren_am *am, const float *raw,
                          const float *post_feats, int n_frames, const int32_t *senone,
                          const float *weight, float min_post);

#endif
