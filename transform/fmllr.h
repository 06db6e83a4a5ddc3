/* fmllr.h — feature-space MLLR (constrained MLLR) for diagonal-covariance GMMs: sufficient
 * statistics, the row-by-row maximum-likelihood estimate of W = [A b] (Gales 1998) with its
 * auxiliary function, applying W to features, and the Kaldi-style text table of transforms
 * ("spk  [" rows "]" — one dim x (dim+1) matrix per speaker).
 * Not for: where the Gaussian posteriors come from (fmllr-stats.c gathers them from a Sphinx
 * model along an alignment) or the two-pass decoding driver (decode-adapt.c). */
#ifndef WREN_FMLLR_H
#define WREN_FMLLR_H

#include <stdio.h>

/* Statistics of one speaker for features of `dim` dims, x~ = [x; 1] (dim + 1 entries):
 *   beta   = sum_t gamma_t                      (weighted frame count)
 *   K[i]   = sum_t sum_g gamma_tg mu_gi / var_gi x~_t        (dim x (dim+1))
 *   G[i]   = sum_t sum_g gamma_tg / var_gi x~_t x~_t^T       (dim of (dim+1) x (dim+1)) */
struct wren_fmllr_accs {
    int dim;
    double beta;
    double *K, *G;
};

void wren_fmllr_accs_init(struct wren_fmllr_accs *a, int dim);
void wren_fmllr_accs_reset(struct wren_fmllr_accs *a);
void wren_fmllr_accs_free(struct wren_fmllr_accs *a);
/* n frames: x (n x dim), weight[n] (each frame's total occupancy), prec and prec_mean (n x dim,
 * row t for frame t) with prec[t][i] = sum_g gamma_g / var_gi >= 0 and prec_mean[t][i] =
 * sum_g gamma_g mu_gi / var_gi over the frame's Gaussians, each gamma_g including the weight.
 * One GEMM and dim SYRKs instead of n x dim rank-one updates. */
void wren_fmllr_accs_add_batch(struct wren_fmllr_accs *a, int n, const float *x,
                               const double *weight, const double *prec,
                               const double *prec_mean);

struct wren_fmllr_opts {
    int iters;             /* passes over the rows (default 10) */
    double min_frames;     /* fewer (weighted) frames: identity (default 20) */
    double min_frames_full;/* fewer: bias only, A = I (default 300) */
    int blocks;            /* A block-diagonal with this many equal blocks (1: full; 3 for
                              static/delta/delta-delta features: a third of the parameters) */
};
void wren_fmllr_opts_default(struct wren_fmllr_opts *o);
/* 0 if o fits features of dim dims (blocks divide dim); else -1 with wren_error. */
int wren_fmllr_opts_check(const struct wren_fmllr_opts *o, int dim);

/* What an estimate did, for the log. */
struct wren_fmllr_result {
    const char *kind;      /* "full", "bias", "identity", "unchanged" (bias would not help) */
    double frames;         /* beta */
    double aux_before, aux_after;   /* auxiliary function per frame, at W_in and the result */
};

/* Estimate W (dim x (dim+1), row-major; on input the starting point, e.g. identity; on
 * output the estimate). aux_trace (may be NULL) receives the per-frame auxiliary function
 * after each of the opts->iters passes (iters entries) when a full update was done.
 * Returns 0; -1 with a message if W_in is singular. A G_i that is not positive definite
 * falls back to the bias-only update (full) or leaves W unchanged. With opts->blocks > 1 each
 * row is maximised over its block's columns and the bias only (entries outside the blocks of a
 * starting W become 0); -1 with wren_error if the blocks do not divide the dimension
 * (wren_fmllr_opts_check). */
int wren_fmllr_estimate(const struct wren_fmllr_accs *a, const struct wren_fmllr_opts *o,
                        double *W, struct wren_fmllr_result *res, double *aux_trace);

/* Auxiliary function sum_i (w_i k_i - 0.5 w_i G_i w_i') + beta log|det A|, divided by beta. */
double wren_fmllr_aux(const struct wren_fmllr_accs *a, const double *W);
void wren_fmllr_identity(double *W, int dim);

/* y = A x + b for n frames of dim values (in place allowed when y == x is false: y and x must
 * not overlap). */
void wren_fmllr_apply(const double *W, int dim, const float *x, float *y, int n);

/* ---- the text table ---- */
/* Write "key  [\n  r0 ...\n  ...  r_last ]\n" (Kaldi's text matrix). */
int wren_fmllr_write(FILE *f, const char *key, const double *W, int dim);
/* All matrices of a table file; each must be dim x (dim+1). Errors name file and line. */
struct wren_fmllr_table {
    int n, dim;
    char **keys;
    double **W;
};
int wren_fmllr_table_read(const char *path, int dim, struct wren_fmllr_table *t);
const double *wren_fmllr_table_find(const struct wren_fmllr_table *t, const char *key);
void wren_fmllr_table_free(struct wren_fmllr_table *t);

#endif
