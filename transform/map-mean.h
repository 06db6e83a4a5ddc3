/* map-mean.h — MAP adaptation of a Sphinx model's Gaussian means (Gauvain & Lee 1994) from one
 * speaker's aligned frames: mu' = (tau mu + sum_t gamma_t x_t) / (tau + sum_t gamma_t), the
 * Gaussian posteriors gamma computed within each frame's aligned senone. A Gaussian the speaker
 * never visits keeps its mean; tau sets how many frames it takes to move one halfway.
 * Not for: fMLLR (fmllr.h; MAP runs on the features an fMLLR transform gives) or setting the
 * means into the model (wren_am_set_means). */
#ifndef WREN_MAP_MEAN_H
#define WREN_MAP_MEAN_H

#include <stddef.h>
#include <stdint.h>

struct wren_am;

struct wren_map_accs {
    size_t n;              /* the model's mean values (wren_am_n_mean_values) */
    double *occ, *sum;     /* per mean value: sum gamma, sum gamma x */
};
void wren_map_accs_init(struct wren_map_accs *a, size_t n_values);
void wren_map_accs_reset(struct wren_map_accs *a);
void wren_map_accs_free(struct wren_map_accs *a);

/* Entries as wren_fmllr_accumulate_at (frame[i] NULL: i); posteriors and statistics both on
 * feats, with the means the model currently holds. 0, or -1 with a message. */
int wren_map_accumulate_at(struct wren_map_accs *a, struct wren_am *am, const float *feats,
                           int64_t n_entries, const int32_t *frame, const int32_t *senone,
                           const float *weight, float min_post);

/* out[i] = (tau prior[i] + sum[i]) / (tau + occ[i]) for the n values; tau > 0. */
void wren_map_estimate(const struct wren_map_accs *a, const float *prior, double tau, float *out);

#endif
