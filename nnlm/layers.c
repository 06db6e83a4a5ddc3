/* layers.c — forward and backward of the Transformer's building blocks on row-major [n, d]
 * buffers: LayerNorm, GELU (tanh form), linear layers (dense, masked, factored U·V), causal
 * multi-head attention and the tied-embedding softmax output. Matrix work goes through
 * wren_gemm (OpenBLAS). Not for: parameter layout (model.c) or the layer order (forward.c). */
#include "nnlm/nnlm-internal.h"

#include "utils/matrix.h"
#include "nnlm/sparse.h"
#include "nnlm/vmath.h"

#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int wren_nn_par_threads(size_t work)
{
    return work >= NNLM_PAR_MIN ? wren_blas_threads() : 1;
}

/* Column sums over rows (db += sum_i dy[i]), split into one contiguous run of columns per
 * thread, each summed over the rows in order: rows stream through memory and the sums are the
 * serial code's bits. */
static void colsum_range(int nt, int k, int d, int *j0, int *j1)
{
    int per = (d + nt - 1) / nt;
    per = (per + 15) / 16 * 16;   /* whole cache lines */
    *j0 = k * per < d ? k * per : d;
    *j1 = *j0 + per < d ? *j0 + per : d;
}

void wren_nn_layernorm_fwd(const float *x, const float *g, const float *b, int n, int d, float eps,
                        float *y, float *mean, float *rstd)
{
    int nt = wren_nn_par_threads((size_t)n * d);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int i = 0; i < n; i++)
        nnlm_vlayernorm(y + (size_t)i * d, x + (size_t)i * d, g, b, (size_t)d, eps,
                        mean ? mean + i : NULL, rstd ? rstd + i : NULL);
}

void wren_nn_layernorm_bwd(const float *x, const float *g, const float *mean, const float *rstd,
                        const float *dy, int n, int d, float *dx, float *dg, float *db,
                        int accumulate)
{
    int nt = wren_nn_par_threads((size_t)n * d);
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
#pragma omp for schedule(static)
        for (int i = 0; i < n; i++) {
            const float *xi = x + (size_t)i * d, *dyi = dy + (size_t)i * d;
            float *dxi = dx + (size_t)i * d;
            float mu = mean[i], rs = rstd[i];
            double a = 0, bsum = 0;   /* mean(dxhat), mean(dxhat * xhat) */
            for (int j = 0; j < d; j++) {
                float xh = (xi[j] - mu) * rs, dxh = dyi[j] * g[j];
                a += dxh;
                bsum += (double)dxh * xh;
            }
            float ma = (float)(a / d), mb = (float)(bsum / d);
            for (int j = 0; j < d; j++) {
                float xh = (xi[j] - mu) * rs;
                float v = rs * (dyi[j] * g[j] - ma - xh * mb);
                dxi[j] = accumulate ? dxi[j] + v : v;
            }
        }
        /* dg, db: each column summed over the rows in order */
#pragma omp for schedule(static, 1)
        for (int k = 0; k < nt; k++) {
            int j0, j1;
            colsum_range(nt, k, d, &j0, &j1);
            for (int i = 0; i < n; i++) {
                const float *xi = x + (size_t)i * d, *dyi = dy + (size_t)i * d;
                float mu = mean[i], rs = rstd[i];
                for (int j = j0; j < j1; j++) {
                    float xh = (xi[j] - mu) * rs;
                    dg[j] += dyi[j] * xh;
                    db[j] += dyi[j];
                }
            }
        }
    }
}

/* GELU in its tanh form, vectorised (vmath.c), in chunks of NNLM_PAR_CHUNK (a multiple of every
 * vector width, so the chunks' results equal one call's) */
void wren_nn_gelu_fwd(const float *x, float *y, size_t n)
{
    long nb = (long)((n + NNLM_PAR_CHUNK - 1) / NNLM_PAR_CHUNK);
    int nt = wren_nn_par_threads(n);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (long c = 0; c < nb; c++) {
        size_t o = (size_t)c * NNLM_PAR_CHUNK, k = n - o < NNLM_PAR_CHUNK ? n - o : NNLM_PAR_CHUNK;
        nnlm_vgelu(y + o, x + o, k);
    }
}

void wren_nn_gelu_bwd(const float *x, const float *dy, float *dx, size_t n)
{
    long nb = (long)((n + NNLM_PAR_CHUNK - 1) / NNLM_PAR_CHUNK);
    int nt = wren_nn_par_threads(n);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (long c = 0; c < nb; c++) {
        size_t o = (size_t)c * NNLM_PAR_CHUNK, k = n - o < NNLM_PAR_CHUNK ? n - o : NNLM_PAR_CHUNK;
        nnlm_vgelu_bwd(dx + o, x + o, dy + o, k);
    }
}

void wren_nn_linear_fwd(const struct nnlm_linear *l, const float *x, int n, float *y, float *tmp)
{
    if (l->kind == NNLM_MASKED && wren_nn_sparse_linear_fwd(l, x, n, y)) return;   /* CSR, bias included */
    /* beta = 0 and the bias added afterwards (the same sum, x W^T + b): with beta != 0 OpenBLAS
     * leaves its unpacked small-matrix kernels, which made the factored layers' narrow second
     * GEMMs cost ~10 % of low-rank rescoring */
    if (l->kind == NNLM_FACTORED) {
        wren_gemm(0, 1, n, l->rank, l->in, 1.0f, x, l->in, l->v, l->in, 0.0f, tmp, l->rank);
        wren_gemm(0, 1, n, l->out, l->rank, 1.0f, tmp, l->rank, l->u, l->rank, 0.0f, y, l->out);
    } else {
        wren_gemm(0, 1, n, l->out, l->in, 1.0f, x, l->in, l->w, l->in, 0.0f, y, l->out);
    }
    if (l->b)
        for (int i = 0; i < n; i++) nnlm_vaxpy(y + (size_t)i * l->out, 1.0f, l->b, (size_t)l->out);
}

static void bias_grad(const float *restrict dy, int n, int d, float *restrict db)
{
    int nt = wren_nn_par_threads((size_t)n * d);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static, 1)
    for (int k = 0; k < nt; k++) {
        int j0, j1;
        colsum_range(nt, k, d, &j0, &j1);
        for (int i = 0; i < n; i++) {
            const float *r = dy + (size_t)i * d;
            for (int j = j0; j < j1; j++) db[j] += r[j];
        }
    }
}

void wren_nn_linear_bwd(const struct nnlm_linear *l, const struct nnlm_linear *g, const float *x,
                     const float *tmp, const float *dy, int n, float *dx, int accumulate,
                     float *dtmp)
{
    float beta = accumulate ? 1.0f : 0.0f;
    if (l->csr) l->csr->stale = 1;   /* training: the weights will change, CSR no longer used */
    if (g->b) bias_grad(dy, n, l->out, g->b);
    if (l->kind == NNLM_FACTORED) {
        /* y = (x V^T) U^T: dU += dy^T tmp; dtmp = dy U; dV += dtmp^T x; dx = dtmp V */
        wren_gemm(1, 0, l->out, l->rank, n, 1.0f, dy, l->out, tmp, l->rank, 1.0f, g->u, l->rank);
        wren_gemm(0, 0, n, l->rank, l->out, 1.0f, dy, l->out, l->u, l->rank, 0.0f, dtmp, l->rank);
        wren_gemm(1, 0, l->rank, l->in, n, 1.0f, dtmp, l->rank, x, l->in, 1.0f, g->v, l->in);
        if (dx) wren_gemm(0, 0, n, l->in, l->rank, 1.0f, dtmp, l->rank, l->v, l->in, beta, dx, l->in);
        return;
    }
    wren_gemm(1, 0, l->out, l->in, n, 1.0f, dy, l->out, x, l->in, 1.0f, g->w, l->in);
    if (dx) wren_gemm(0, 0, n, l->in, l->out, 1.0f, dy, l->out, l->w, l->in, beta, dx, l->in);
}

void wren_nn_attention_fwd(const float *q, const float *k, const float *v, const int *seg, int B,
                        int T, int H, int dh, float *P, float *ctx)
{
    int HD = H * dh;
    float scale = 1.0f / sqrtf((float)dh);
    for (int b = 0; b < B; b++) {
        const int *sg = seg + (size_t)b * T;
        for (int h = 0; h < H; h++) {
            size_t base = (size_t)b * T * HD + (size_t)h * dh;
            float *S = P + ((size_t)b * H + h) * T * T;
            wren_gemm(0, 1, T, T, dh, scale, q + base, HD, k + base, HD, 0.0f, S, T);
            for (int i = 0; i < T; i++) {
                float *r = S + (size_t)i * T;
                int lo = sg[i];
                float mx = nnlm_vmax(r + lo, (size_t)(i - lo + 1));
                double z = nnlm_vexp_sum(r + lo, r + lo, mx, (size_t)(i - lo + 1));
                float iz = (float)(1.0 / z);
                for (int j = 0; j < lo; j++) r[j] = 0;
                for (int j = lo; j <= i; j++) r[j] *= iz;
                for (int j = i + 1; j < T; j++) r[j] = 0;
            }
            wren_gemm(0, 0, T, dh, T, 1.0f, S, T, v + base, HD, 0.0f, ctx + base, HD);
        }
    }
}

void wren_nn_attention_bwd(const float *q, const float *k, const float *v, const float *P,
                        const float *dctx, int B, int T, int H, int dh, float *dq, float *dk,
                        float *dv, float *scratch)
{
    int HD = H * dh;
    float scale = 1.0f / sqrtf((float)dh);
    for (int b = 0; b < B; b++) {
        for (int h = 0; h < H; h++) {
            size_t base = (size_t)b * T * HD + (size_t)h * dh;
            const float *S = P + ((size_t)b * H + h) * T * T;
            float *dP = scratch;
            /* dV = P^T dctx; dP = dctx V^T */
            wren_gemm(1, 0, T, dh, T, 1.0f, S, T, dctx + base, HD, 0.0f, dv + base, HD);
            wren_gemm(0, 1, T, T, dh, 1.0f, dctx + base, HD, v + base, HD, 0.0f, dP, T);
            /* softmax backward: dS = P (dP - rowsum(P dP)) */
            for (int i = 0; i < T; i++) {
                const float *pr = S + (size_t)i * T;
                float *dr = dP + (size_t)i * T;
                double s = 0;
                for (int j = 0; j <= i; j++) s += (double)pr[j] * dr[j];
                for (int j = 0; j <= i; j++) dr[j] = pr[j] * (dr[j] - (float)s);
                for (int j = i + 1; j < T; j++) dr[j] = 0;
            }
            /* S = scale Q K^T: dQ = scale dS K; dK = scale dS^T Q */
            wren_gemm(0, 0, T, dh, T, scale, dP, T, k + base, HD, 0.0f, dq + base, HD);
            wren_gemm(1, 0, T, dh, T, scale, dP, T, q + base, HD, 0.0f, dk + base, HD);
        }
    }
}

void wren_nn_output_lse(const float *h, int n, int D, int V, const float *E, const float *bias,
                     const int *tgt, float *lse, float *ztgt, float *buf)
{
    int vb = V < NNLM_OUT_BLOCK ? V : NNLM_OUT_BLOCK;
    /* per row a running max mx and the sum s of exp(logit - mx) so far: one log per row */
    double *s = wren_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *s);
    for (int i = 0; i < n; i++) { lse[i] = -INFINITY; s[i] = 0; }
    for (int c0 = 0; c0 < V; c0 += vb) {
        int cols = V - c0 < vb ? V - c0 : vb;
        wren_gemm(0, 1, n, cols, D, 1.0f, h, D, E + (size_t)c0 * D, D, 0.0f, buf, vb);
        for (int i = 0; i < n; i++) {
            if (tgt && tgt[i] < 0) continue;
            float *z = buf + (size_t)i * vb, mb = nnlm_vadd_max(z, bias + c0, (size_t)cols);
            if (tgt && tgt[i] >= c0 && tgt[i] < c0 + cols) ztgt[i] = z[tgt[i] - c0];
            if (mb > lse[i]) { s[i] *= exp((double)lse[i] - mb); lse[i] = mb; }
            s[i] += nnlm_vsum_exp(z, lse[i], (size_t)cols);
        }
    }
    for (int i = 0; i < n; i++)
        if (isfinite(lse[i])) lse[i] += (float)log(s[i]);
    free(s);
}

static double dot_row(const float *h, const float *e, int D)
{
    double d = 0;
    for (int j = 0; j < D; j++) d += (double)h[j] * e[j];
    return d;
}

/* One row of the training output layer with distillation (struct nnlm_distill): z [V] holds
 * the row's logits and receives scale times the gradient of the row's objective; row indexes
 * the teacher's rows; lp, lz, kl receive log p(t), log Z and KL(q || p_T). With weight 0 the
 * gradient has the bits of the plain row's (the added terms are zeros). */
static void distill_row(float *z, int t, int V, const struct nnlm_distill *d, int row, float a,
                        float scale, float *lp, float *lz, double *kl)
{
    const float *q = d->q + (size_t)row * V;
    float A = d->weight, T = d->temp, k = 1.0f / T;
    float mx = nnlm_vmax(z, (size_t)V), zt = z[t] - mx;
    /* sum_j q_j log p_T,j = (sum_j q_j z_j - mx) / T - log sum_j exp((z_j - mx) / T), with sum q = 1;
     * the sum in double: the KL is a small difference of large terms */
    double qz = 0, log_st;
    for (int j = 0; j < V; j++) qz += (double)q[j] * z[j];
    qz -= mx;
    if (T == 1.0f) {   /* p_T = p: the term is -A q, the p part folds into f */
        double s = nnlm_vexp_sum(z, z, mx, (size_t)V);
        log_st = log(s);
        *lp = zt - (float)log_st;
        *lz = mx + (float)log_st;
        float f = (float)(scale * (1.0 + 2.0 * a * *lz) / s);
        for (int j = 0; j < V; j++) z[j] *= f;
        nnlm_vaxpy(z, -A * scale, q, (size_t)V);
    } else {
        double st = nnlm_vsum_exp_scaled(z, mx, k, (size_t)V, NULL), s = nnlm_vsum_exp(z, mx, (size_t)V);
        log_st = log(st);
        *lp = zt - (float)log(s);
        *lz = mx + (float)log(s);
        /* p (1 - A + 2 a log Z) + A T (p_T - q), p_T = exp((z - mx - T log st) / T) */
        float f = (float)(scale * ((1.0 - A) + 2.0 * a * *lz) / s);
        nnlm_vdistill_grad(z, z, q, mx, f, (float)(mx + T * log_st), k, A * T * scale, (size_t)V);
    }
    z[t] -= (float)(scale * (1.0 - A));
    *kl = d->negent[row] - (qz * k - log_st);
}

void wren_nn_output_fwd_bwd(const float *h, const int *tgt, int n, int D, int V, const float *E,
                         const float *bias, float scale, double *loss, float *logp, float *dh,
                         float *dE, float *db, float *logits, int chunk, struct nnlm_out_obj *obj)
{
    float a = obj ? obj->self_norm : 0.0f, *logz = obj ? obj->logz : NULL;
    if (!dh && obj && obj->unnormalized) {   /* the target's logit alone: one dot product a row */
        for (int i = 0; i < n; i++) {
            float lp = tgt[i] < 0 ? 0.0f : (float)(bias[tgt[i]] + dot_row(h + (size_t)i * D, E + (size_t)tgt[i] * D, D));
            *loss -= lp;
            if (logp) logp[i] = lp;
            if (logz) logz[i] = 0.0f;
        }
        return;
    }
    if (!dh) {   /* scoring: no gradient, so the logits need not be kept whole */
        float *lse = wren_xmalloc(2 * (size_t)chunk * sizeof *lse), *zt = lse + chunk;
        for (int r0 = 0; r0 < n; r0 += chunk) {
            int rows = n - r0 < chunk ? n - r0 : chunk;
            wren_nn_output_lse(h + (size_t)r0 * D, rows, D, V, E, bias, tgt + r0, lse, zt, logits);
            for (int i = 0; i < rows; i++) {
                int has = tgt[r0 + i] >= 0;
                float lp = has ? zt[i] - lse[i] : 0.0f;
                *loss -= lp;
                if (logp) logp[r0 + i] = lp;
                if (logz) logz[r0 + i] = has ? lse[i] : 0.0f;
                if (obj && has) obj->zsq += (double)lse[i] * lse[i];
            }
        }
        free(lse);
        return;
    }
    /* training: the softmax gradient of each row in place of its logits */
    struct nnlm_distill *dist = obj ? obj->distill : NULL;
    size_t nbuf = (size_t)(chunk > 0 ? chunk : 1);
    float *lps = wren_xmalloc(2 * nbuf * sizeof *lps), *lzs = lps + nbuf;
    double *kls = dist ? wren_xmalloc(nbuf * sizeof *kls) : NULL;
    for (int r0 = 0; r0 < n; r0 += chunk) {
        int rows = n - r0 < chunk ? n - r0 : chunk;
        const float *hc = h + (size_t)r0 * D;
        int nt = wren_nn_par_threads((size_t)rows * V);
        /* logits = bias + h E^T: the bias rows first, then the GEMM accumulates (beta 1) */
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int i = 0; i < rows; i++) memcpy(logits + (size_t)i * V, bias, (size_t)V * sizeof *logits);
        wren_gemm(0, 1, rows, V, D, 1.0f, hc, D, E, D, 1.0f, logits, V);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (int i = 0; i < rows; i++) {
            float *z = logits + (size_t)i * V;
            int t = tgt[r0 + i];
            if (t < 0) {
                lps[i] = lzs[i] = 0;
                memset(z, 0, (size_t)V * sizeof *z);
                continue;
            }
            if (dist) {
                distill_row(z, t, V, dist, r0 + i, a, scale, &lps[i], &lzs[i], &kls[i]);
                continue;
            }
            /* sum of exp(z - max): the gradient keeps the exponentials */
            float mx = nnlm_vmax(z, (size_t)V), zt = z[t] - mx;
            double s = nnlm_vexp_sum(z, z, mx, (size_t)V);
            lps[i] = zt - (float)log(s);
            lzs[i] = mx + (float)log(s);
            /* d/dz [-z_t + lse + a lse^2] = softmax (1 + 2 a lse) - onehot(t) */
            float f = (float)(scale * (1.0 + 2.0 * a * lzs[i]) / s);
            for (int j = 0; j < V; j++) z[j] *= f;
            z[t] -= scale;
        }
        for (int i = 0; i < rows; i++) {   /* in row order: the loss does not depend on threads */
            if (tgt[r0 + i] >= 0) *loss -= lps[i];
            if (logp) logp[r0 + i] = lps[i];
            if (logz) logz[r0 + i] = lzs[i];
            if (obj && tgt[r0 + i] >= 0) obj->zsq += (double)lzs[i] * lzs[i];
            if (dist && tgt[r0 + i] >= 0) dist->kl += kls[i];
        }
        wren_gemm(0, 0, rows, D, V, 1.0f, logits, V, E, D, 0.0f, dh + (size_t)r0 * D, D);
        wren_gemm(1, 0, V, D, rows, 1.0f, logits, V, hc, D, 1.0f, dE, D);
        bias_grad(logits, rows, V, db);
    }
    free(lps);
    free(kls);
}
