/* vmath.h — vectorised elementwise math for the NNLM's hot loops: the vocabulary-wide softmax
 * (one exponential per word per token), GELU, and the small dot products and updates of
 * incremental attention. A branch-free polynomial exp lets the compiler
 * use SIMD lanes where a libm expf call per element cannot; accuracy is within a few float ulps.
 * Not for: matrix work (utils/matrix.h, OpenBLAS). */
#ifndef WREN_NNLM_VMATH_H
#define WREN_NNLM_VMATH_H

#include <stddef.h>

/* max of x[0..n), -INFINITY for n == 0 */
float nnlm_vmax(const float *x, size_t n);
/* y[i] = exp(x[i] - shift) (y may equal x); returns the sum of the y[i] */
double nnlm_vexp_sum(float *y, const float *x, float shift, size_t n);
/* the sum of exp(x[i] - shift) over x[0..n) */
double nnlm_vsum_exp(const float *x, float shift, size_t n);
/* the sum of exp((x[i] - shift) * k) over x[0..n) (a softmax at temperature 1/k); if sum_ex is
 * not NULL it receives the sum of exp((x[i] - shift) * k) * (x[i] - shift) (for the entropy) */
double nnlm_vsum_exp_scaled(const float *x, float shift, float k, size_t n, double *sum_ex);
/* y[i] = exp((x[i] - shift) * k) (y may equal x) */
void nnlm_vexp_scaled(float *y, const float *x, float shift, float k, size_t n);
/* y[i] = f exp(x[i] - shift) + c (exp((x[i] - shift_k) * k) - q[i]) (y may equal x): a row of
 * the gradient of cross-entropy plus distillation at temperature 1/k with respect to the logits
 * x (see wren_nn_output_fwd_bwd) */
void nnlm_vdistill_grad(float *y, const float *x, const float *q, float shift, float f,
                        float shift_k, float k, float c, size_t n);
/* y[i] += a * x[i] over [0..n) */
void nnlm_vaxpy(float *y, float a, const float *x, size_t n);
/* Causal attention of one query q [H*dh] over len history rows, oldest first: rows[j] holds
 * the row's keys [H*dh] followed by its values [H*dh]. Per head h: s_j = scale q_h.k_jh,
 * p = softmax(s), ctx_h = sum_j p_j v_jh. One call per query and layer, so the per-head dot
 * products and updates (dh = 64: four vector operations each) are not calls of their own.
 * sc: scratch [H * len], left holding the probabilities. */
void nnlm_vattend(const float *q, const float *const *rows, int len, int H, int dh, float scale,
                  float *sc, float *ctx);
/* x[i] += b[i]; returns the max of the new x[0..n) (-INFINITY for n == 0) */
float nnlm_vadd_max(float *x, const float *b, size_t n);
/* log(sum exp(x[i])) over x[0..n), the log-normaliser of a softmax */
float wren_nn_vlogsumexp(const float *x, size_t n);
/* y[i] = x[i] * sigmoid(a * x[i] * (1 + b x[i]^2)), the tanh form of GELU with a = 2 sqrt(2/pi) */
void nnlm_vgelu(float *y, const float *x, size_t n);
/* dx[i] = dy[i] * gelu'(x[i]) */
void nnlm_vgelu_bwd(float *dx, const float *x, const float *dy, size_t n);
/* one row of LayerNorm: y = (x - mean) / sqrt(var + eps) * g + b over x[0..d); mean and
 * rstd (either may be NULL) receive the row's mean and 1 / sqrt(var + eps) */
void nnlm_vlayernorm(float *y, const float *x, const float *g, const float *b, size_t d,
                     float eps, float *mean, float *rstd);
/* scalar version of the same exp, for tests */
float wren_nn_expf_fast(float x);

#endif
