/* mllr-mean.h — MLLR adaptation of a Sphinx model's Gaussian means (Leggetter & Woodland 1995):
 * one global affine transform per feature stream, mu' = W_s [mu; 1], estimated by maximum
 * likelihood from one speaker's aligned frames with diagonal covariances (row r of W_s solves
 * G_r w_r = k_r, G_r = sum_g occ_g / var_gr [mu_g; 1][mu_g; 1]^T, k_r = sum_g
 * (sum_t gamma_gt x_tr) / var_gr [mu_g; 1]). Unlike MAP, every Gaussian moves, also those the
 * speaker never visited, so it needs far less speech.
 * Not for: the statistics (the MAP ones, map-mean.h) or fMLLR (fmllr.h). */
#ifndef WREN_MLLR_MEAN_H
#define WREN_MLLR_MEAN_H

struct wren_am;
struct wren_map_accs;

/* What an estimate did, for the log. */
struct wren_mllr_result {
    int streams_full;     /* streams with a full transform (the others keep their means) */
    double occ;           /* total occupancy (frames, summed over streams) */
};

/* out (wren_am_n_mean_values) = the model's own means (wren_am_model_means) through each
 * stream's transform; a stream with less than min_occ frames of occupancy, or statistics that do
 * not determine a row, keeps its means (or that row's identity). 0, or -1 with a message. */
int wren_mllr_estimate(const struct wren_map_accs *a, const struct wren_am *am, double min_occ,
                       float *out, struct wren_mllr_result *res);

#endif
