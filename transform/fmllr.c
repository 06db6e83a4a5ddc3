/* fmllr.c — fMLLR statistics, the row-by-row estimate of W = [A b] and the auxiliary function
 * (see fmllr.h), with the small dense solves it needs (Cholesky inverse of each G_i,
 * LU inverse and log-determinant of A) written out here: matrices are at most ~40 x 41.
 * Not for: Gaussian posteriors (fmllr-stats.c) or the text table (fmllr-io.c).
 *
 * The estimate maximises, over W with rows w_i = [a_i b_i],
 *   Q(W) = beta log|det A| + sum_i (w_i k_i' - 0.5 w_i G_i w_i').
 * Row i, the others fixed: with p_i the i-th row of A^-T extended by 0 (the cofactors up to
 * the factor det A), w_i = (alpha p_i + k_i) G_i^-1, where alpha solves
 *   alpha^2 e1 + alpha e2 - beta = 0,  e1 = p_i G_i^-1 p_i',  e2 = p_i G_i^-1 k_i',
 * taking the root with the larger beta log|alpha e1 + e2| - 0.5 alpha^2 e1. Each row update
 * can only increase Q, so Q rises monotonically over passes. */
#include "transform/fmllr.h"

#include "utils/error.h"
#include "utils/matrix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void wren_fmllr_accs_init(struct wren_fmllr_accs *a, int dim)
{
    size_t d1 = (size_t)dim + 1;
    a->dim = dim;
    a->beta = 0;
    a->K = wren_xcalloc((size_t)dim * d1, sizeof *a->K);
    a->G = wren_xcalloc((size_t)dim * d1 * d1, sizeof *a->G);
}

void wren_fmllr_accs_reset(struct wren_fmllr_accs *a)
{
    size_t d1 = (size_t)a->dim + 1;
    a->beta = 0;
    memset(a->K, 0, (size_t)a->dim * d1 * sizeof *a->K);
    memset(a->G, 0, (size_t)a->dim * d1 * d1 * sizeof *a->G);
}

void wren_fmllr_accs_free(struct wren_fmllr_accs *a)
{
    free(a->K);
    free(a->G);
    a->K = a->G = NULL;
}

void wren_fmllr_accs_add_batch(struct wren_fmllr_accs *a, int n, const float *x,
                               const double *weight, const double *prec,
                               const double *prec_mean)
{
    if (n <= 0) return;
    int d = a->dim;
    size_t d1 = (size_t)d + 1;
    double *xe = wren_xmalloc((size_t)n * d1 * sizeof *xe);
    double *y = wren_xmalloc((size_t)n * d1 * sizeof *y);
    for (int t = 0; t < n; t++) {
        for (int j = 0; j < d; j++) xe[(size_t)t * d1 + (size_t)j] = x[(size_t)t * (size_t)d + (size_t)j];
        xe[(size_t)t * d1 + (size_t)d] = 1.0;
        a->beta += weight[t];
    }
    /* K[d][d1] += prec_mean^T xe */
    wren_dgemm(1, 0, d, (int)d1, n, 1.0, prec_mean, d, xe, (int)d1, 1.0, a->K, (int)d1);
    /* G_i += sum_t prec[t][i] xe_t xe_t^T = y^T y with y_t = sqrt(prec[t][i]) xe_t */
    for (int i = 0; i < d; i++) {
        int any = 0;
        for (int t = 0; t < n; t++) {
            double c = prec[(size_t)t * (size_t)d + (size_t)i];
            double sc = c > 0 ? sqrt(c) : 0.0;
            any |= sc > 0;
            for (size_t r = 0; r < d1; r++) y[(size_t)t * d1 + r] = sc * xe[(size_t)t * d1 + r];
        }
        if (any) wren_dsyrk_upper((int)d1, n, y, (int)d1, a->G + (size_t)i * d1 * d1, (int)d1);
    }
    free(xe);
    free(y);
}

void wren_fmllr_opts_default(struct wren_fmllr_opts *o)
{
    o->iters = 10;
    o->min_frames = 20;
    o->min_frames_full = 300;
    o->blocks = 1;
}

int wren_fmllr_opts_check(const struct wren_fmllr_opts *o, int dim)
{
    if (o->blocks < 1 || dim % o->blocks)
        return wren_error("--fmllr-blocks %d does not divide the feature dimension %d", o->blocks, dim);
    return 0;
}

void wren_fmllr_identity(double *W, int dim)
{
    memset(W, 0, (size_t)dim * (size_t)(dim + 1) * sizeof *W);
    for (int i = 0; i < dim; i++) W[(size_t)i * (size_t)(dim + 1) + (size_t)i] = 1.0;
}

/* Full symmetric copy of G_i (the accumulators hold the upper triangle). */
static void full_g(const struct wren_fmllr_accs *a, int i, double *out)
{
    size_t d1 = (size_t)a->dim + 1;
    const double *g = a->G + (size_t)i * d1 * d1;
    for (size_t r = 0; r < d1; r++)
        for (size_t s = r; s < d1; s++) out[r * d1 + s] = out[s * d1 + r] = g[r * d1 + s];
}

/* Inverse of a symmetric positive definite n x n matrix by Cholesky (wren_dchol); -1 if not PD. */
static int chol_inverse(int n, const double *M, double *inv)
{
    double *L = wren_xmalloc((size_t)n * (size_t)n * sizeof *L);
    double *e = wren_xcalloc((size_t)n, sizeof *e), *x = wren_xmalloc((size_t)n * sizeof *x);
    int rc = wren_dchol(n, M, L);
    for (int c = 0; c < n && !rc; c++) {   /* column c of the inverse: M x = e_c */
        e[c] = 1.0;
        wren_dchol_solve(n, L, e, x);
        e[c] = 0.0;
        for (int i = 0; i < n; i++) inv[i * n + c] = x[i];
    }
    free(L);
    free(e);
    free(x);
    return rc;
}

/* Row i of a block-diagonal A may use only the columns S of its block (size bs) and the bias:
 * Ginv = the inverse of G_i restricted to S, zero elsewhere, so that update_row's u and v vanish
 * outside S and its update is the maximum over w_i[S] with the rest of row i 0 (det A is
 * linear in row i through its cofactors, which do not depend on that row; from a block-diagonal
 * start A stays block-diagonal). G is the full symmetric (d+1) x (d+1) G_i; -1 if not PD. */
static int block_g_inverse(const double *G, int d, int i, int bs, double *Ginv)
{
    size_t d1 = (size_t)d + 1;
    int n = bs + 1, s0 = i / bs * bs, idx[n];
    for (int r = 0; r < bs; r++) idx[r] = s0 + r;
    idx[bs] = d;
    double *sub = wren_xmalloc((size_t)n * (size_t)n * sizeof *sub), *inv = wren_xmalloc((size_t)n * (size_t)n * sizeof *inv);
    for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++) sub[r * n + c] = G[(size_t)idx[r] * d1 + (size_t)idx[c]];
    int rc = chol_inverse(n, sub, inv);
    memset(Ginv, 0, d1 * d1 * sizeof *Ginv);
    for (int r = 0; r < n && !rc; r++)
        for (int c = 0; c < n; c++) Ginv[(size_t)idx[r] * d1 + (size_t)idx[c]] = inv[r * n + c];
    free(sub);
    free(inv);
    return rc;
}

/* Inverse (may be NULL) and log|det| of the n x n leading block of W (row stride `stride`),
 * by Gauss-Jordan elimination with partial pivoting; -1 if singular. */
static int lu_inverse(int n, const double *W, int stride, double *inv, double *logdet)
{
    double *m = wren_xmalloc((size_t)n * (size_t)n * sizeof *m);
    double *r = wren_xcalloc((size_t)n * (size_t)n, sizeof *r);
    for (int i = 0; i < n; i++) {
        memcpy(m + (size_t)i * (size_t)n, W + (size_t)i * (size_t)stride, (size_t)n * sizeof *m);
        r[i * n + i] = 1.0;
    }
    double ld = 0;
    int rc = 0;
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int i = c + 1; i < n; i++) if (fabs(m[i * n + c]) > fabs(m[p * n + c])) p = i;
        double piv = m[p * n + c];
        if (piv == 0 || !isfinite(piv)) { rc = -1; break; }
        if (p != c)
            for (int k = 0; k < n; k++) {
                double t = m[c * n + k]; m[c * n + k] = m[p * n + k]; m[p * n + k] = t;
                t = r[c * n + k]; r[c * n + k] = r[p * n + k]; r[p * n + k] = t;
            }
        ld += log(fabs(piv));
        for (int k = 0; k < n; k++) { m[c * n + k] /= piv; r[c * n + k] /= piv; }
        for (int i = 0; i < n; i++) {
            if (i == c) continue;
            double f = m[i * n + c];
            if (f == 0) continue;
            for (int k = 0; k < n; k++) { m[i * n + k] -= f * m[c * n + k]; r[i * n + k] -= f * r[c * n + k]; }
        }
    }
    if (!rc && inv) memcpy(inv, r, (size_t)n * (size_t)n * sizeof *r);
    if (!rc) *logdet = ld;
    free(m);
    free(r);
    return rc;
}

double wren_fmllr_aux(const struct wren_fmllr_accs *a, const double *W)
{
    int d = a->dim;
    size_t d1 = (size_t)d + 1;
    if (a->beta <= 0) return 0;
    double ld;
    if (lu_inverse(d, W, d + 1, NULL, &ld)) return -INFINITY;
    double q = a->beta * ld;
    for (int i = 0; i < d; i++) {
        const double *w = W + (size_t)i * d1, *k = a->K + (size_t)i * d1;
        const double *g = a->G + (size_t)i * d1 * d1;
        double lin = 0, quad = 0;
        for (size_t r = 0; r < d1; r++) {
            lin += w[r] * k[r];
            /* upper triangle: diagonal once, off-diagonal twice */
            double t = g[r * d1 + r] * w[r];
            for (size_t s = r + 1; s < d1; s++) t += 2 * g[r * d1 + s] * w[s];
            quad += w[r] * t;
        }
        q += lin - 0.5 * quad;
    }
    return q / a->beta;
}

/* A = I, b_i = argmax of row i's quadratic: (k_i[d] - G_i[d][i]) / G_i[d][d]. */
static void bias_only(const struct wren_fmllr_accs *a, double *W)
{
    int d = a->dim;
    size_t d1 = (size_t)d + 1;
    wren_fmllr_identity(W, d);
    for (int i = 0; i < d; i++) {
        const double *g = a->G + (size_t)i * d1 * d1, *k = a->K + (size_t)i * d1;
        double gdd = g[(size_t)d * d1 + (size_t)d];
        if (gdd > 0) W[(size_t)i * d1 + (size_t)d] = (k[d] - g[(size_t)i * d1 + (size_t)d]) / gdd;
    }
}

/* One update of row i (Ginv = G_i^-1, Ainv = A^-1 of the current W). */
static void update_row(const struct wren_fmllr_accs *a, int i, const double *Ginv,
                       const double *Ainv, double *W)
{
    int d = a->dim;
    size_t d1 = (size_t)d + 1;
    double p[d + 1], u[d + 1], v[d + 1];
    for (int j = 0; j < d; j++) p[j] = Ainv[(size_t)j * (size_t)d + (size_t)i];   /* row i of A^-T */
    p[d] = 0;
    const double *k = a->K + (size_t)i * d1;
    double e1 = 0, e2 = 0;
    for (size_t r = 0; r < d1; r++) {
        double su = 0, sv = 0;
        for (size_t s = 0; s < d1; s++) { su += p[s] * Ginv[s * d1 + r]; sv += k[s] * Ginv[s * d1 + r]; }
        u[r] = su;
        v[r] = sv;
    }
    for (size_t r = 0; r < d1; r++) { e1 += u[r] * p[r]; e2 += v[r] * p[r]; }
    double beta = a->beta;
    double disc = sqrt(e2 * e2 + 4 * e1 * beta);
    double r1 = (-e2 + disc) / (2 * e1), r2 = (-e2 - disc) / (2 * e1);
    double f1 = beta * log(fabs(r1 * e1 + e2)) - 0.5 * r1 * r1 * e1;
    double f2 = beta * log(fabs(r2 * e1 + e2)) - 0.5 * r2 * r2 * e1;
    double alpha = f1 >= f2 ? r1 : r2;
    double *w = W + (size_t)i * d1;
    for (size_t r = 0; r < d1; r++) w[r] = alpha * u[r] + v[r];
}

int wren_fmllr_estimate(const struct wren_fmllr_accs *a, const struct wren_fmllr_opts *o,
                        double *W, struct wren_fmllr_result *res, double *aux_trace)
{
    int d = a->dim;
    size_t d1 = (size_t)d + 1;
    if (wren_fmllr_opts_check(o, d)) return -1;
    res->frames = a->beta;
    res->aux_before = wren_fmllr_aux(a, W);
    if (!isfinite(res->aux_before) && a->beta > 0)
        return wren_error("fmllr: the starting transform is singular");
    if (a->beta < o->min_frames) {
        wren_fmllr_identity(W, d);
        res->kind = "identity";
        res->aux_after = wren_fmllr_aux(a, W);
        return 0;
    }
    double *Ginv = wren_xmalloc((size_t)d * d1 * d1 * sizeof *Ginv);
    double *tmp = wren_xmalloc(d1 * d1 * sizeof *tmp);
    int pd = a->beta >= o->min_frames_full;
    for (int i = 0; i < d && pd; i++) {
        full_g(a, i, tmp);
        if (o->blocks == 1) {
            if (chol_inverse(d + 1, tmp, Ginv + (size_t)i * d1 * d1)) pd = 0;
        } else if (block_g_inverse(tmp, d, i, d / o->blocks, Ginv + (size_t)i * d1 * d1)) {
            pd = 0;
        }
    }
    free(tmp);
    if (!pd) {
        /* too few frames for d x (d+1) parameters, or degenerate statistics */
        double *B = wren_xmalloc((size_t)d * d1 * sizeof *B);
        bias_only(a, B);
        double q = wren_fmllr_aux(a, B);
        if (q >= res->aux_before) {
            memcpy(W, B, (size_t)d * d1 * sizeof *W);
            res->kind = "bias";
        } else {
            res->kind = "unchanged";
        }
        free(B);
        free(Ginv);
        res->aux_after = wren_fmllr_aux(a, W);
        return 0;
    }
    double *Ainv = wren_xmalloc((size_t)d * (size_t)d * sizeof *Ainv);
    double *delta = wren_xmalloc((size_t)d * sizeof *delta), *u = wren_xmalloc((size_t)d * sizeof *u);
    double *v = wren_xmalloc((size_t)d * sizeof *v);
    int rc = 0;
    for (int it = 0; it < o->iters && !rc; it++) {
        /* A^-1 afresh once per sweep; after each row it follows by Sherman-Morrison (O(d^2)
         * instead of O(d^3)): row i changing by delta is A + e_i delta^T, so
         * A^-1 -= (A^-1 e_i)(delta^T A^-1) / (1 + delta^T A^-1 e_i) */
        double ld;
        if (lu_inverse(d, W, d + 1, Ainv, &ld)) { rc = wren_error("fmllr: A became singular"); break; }
        for (int i = 0; i < d && !rc; i++) {
            double *w = W + (size_t)i * d1;
            memcpy(delta, w, (size_t)d * sizeof *delta);
            update_row(a, i, Ginv + (size_t)i * d1 * d1, Ainv, W);
            double den = 1.0;
            for (int j = 0; j < d; j++) {
                delta[j] = w[j] - delta[j];
                u[j] = Ainv[(size_t)j * (size_t)d + (size_t)i];
                den += delta[j] * u[j];
            }
            for (int k = 0; k < d; k++) {
                double t = 0;
                for (int j = 0; j < d; j++) t += delta[j] * Ainv[(size_t)j * (size_t)d + (size_t)k];
                v[k] = t;
            }
            if (fabs(den) > 1e-8 && isfinite(den)) {
                for (int j = 0; j < d; j++)
                    for (int k = 0; k < d; k++) Ainv[(size_t)j * (size_t)d + (size_t)k] -= u[j] * v[k] / den;
            } else if (lu_inverse(d, W, d + 1, Ainv, &ld)) {
                rc = wren_error("fmllr: A became singular");
            }
        }
        if (aux_trace) aux_trace[it] = wren_fmllr_aux(a, W);
    }
    free(delta);
    free(u);
    free(v);
    free(Ainv);
    free(Ginv);
    res->kind = "full";
    res->aux_after = wren_fmllr_aux(a, W);
    return rc;
}

void wren_fmllr_apply(const double *W, int dim, const float *x, float *y, int n)
{
    size_t d1 = (size_t)dim + 1;
    for (int t = 0; t < n; t++) {
        const float *xt = x + (size_t)t * (size_t)dim;
        float *yt = y + (size_t)t * (size_t)dim;
        for (int i = 0; i < dim; i++) {
            const double *w = W + (size_t)i * d1;
            double s = w[dim];
            for (int j = 0; j < dim; j++) s += w[j] * xt[j];
            yt[i] = (float)s;
        }
    }
}
