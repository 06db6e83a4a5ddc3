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
/* The same for n_entries (frame, senone, weight) triples over frames of raw/post_feats:
 * entry i is frame frame[i] aligned to senone[i] with weight weight[i] (a frame may appear in
 * several entries, e.g. with lattice posteriors). */
int wren_fmllr_accumulate_at(struct wren_fmllr_accs *a, struct wren_am *am, const float *raw,
                             const float *post_feats, int64_t n_entries, const int32_t *frame,
                             const int32_t *senone, const float *weight, float min_post);

/* EM re-estimates of W along a fixed alignment (n_frames raw features; entries as for
 * wren_fmllr_accumulate_at, frame NULL: entry i is frame i): `steps` times, the Gaussian posteriors are recomputed on the
 * features W gives and W is estimated again from there. Each step does not lower the
 * aligned likelihood of the data (Jacobian included) beyond the posterior pruning.
 * res receives the last estimate's outcome (unchanged when steps == 0). 0, or -1. */
int wren_fmllr_em(struct wren_am *am, const float *raw, int n_frames, int64_t n_entries,
                  const int32_t *frame, const int32_t *senone, const float *weight, float min_post,
                  const struct wren_fmllr_opts *o, int steps, double *W, struct wren_fmllr_result *res);

#endif
