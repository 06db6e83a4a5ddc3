/* mllr-mean.c — global MLLR mean transforms per stream (see mllr-mean.h). */
#include "transform/mllr-mean.h"

#include "am/am.h"
#include "transform/map-mean.h"
#include "utils/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Solve M x = b for symmetric positive definite M (n x n) by Cholesky, in place in x; -1 if M
 * is not positive definite (a pivot below 1e-10 times its largest diagonal entry). */
static int chol_solve(int n, const double *M, const double *b, double *x)
{
    double *L = wren_xcalloc((size_t)n * (size_t)n, sizeof *L);
    double maxdiag = 0;
    for (int i = 0; i < n; i++) maxdiag = fmax(maxdiag, M[i * n + i]);
    int rc = 0;
    for (int j = 0; j < n && !rc; j++) {
        double s = M[j * n + j];
        for (int k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
        if (!(s > 1e-10 * maxdiag)) { rc = -1; break; }
        L[j * n + j] = sqrt(s);
        for (int i = j + 1; i < n; i++) {
            double t = M[i * n + j];
            for (int k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
            L[i * n + j] = t / L[j * n + j];
        }
    }
    if (!rc) {
        for (int i = 0; i < n; i++) {
            double t = b[i];
            for (int k = 0; k < i; k++) t -= L[i * n + k] * x[k];
            x[i] = t / L[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double t = x[i];
            for (int k = i + 1; k < n; k++) t -= L[k * n + i] * x[k];
            x[i] = t / L[i * n + i];
        }
    }
    free(L);
    return rc;
}

/* One stream: fills W (len x (len+1)) from the statistics; returns its occupancy. */
static double stream_transform(const struct wren_map_accs *a, const struct wren_am *am, int f,
                               int len, double *W)
{
    int n1 = len + 1;
    double *G = wren_xcalloc((size_t)len * (size_t)n1 * (size_t)n1, sizeof *G);
    double *K = wren_xcalloc((size_t)len * (size_t)n1, sizeof *K);
    double *xi = wren_xmalloc((size_t)n1 * sizeof *xi), *row = wren_xmalloc((size_t)n1 * sizeof *row);
    const float *mu = wren_am_model_means(am);
    double occ_total = 0;
    for (int64_t i = 0, n = wren_am_n_gauss(am); i < n; i++) {
        int64_t off;
        const float *ivar2;
        if (wren_am_gauss_info(am, i, &off, &ivar2) != f) continue;
        double occ = a->occ[off];
        if (!(occ > 0)) continue;
        occ_total += occ;
        for (int j = 0; j < len; j++) xi[j] = mu[off + j];
        xi[len] = 1.0;
        for (int r = 0; r < len; r++) {
            double p = 2.0 * ivar2[r];   /* 1 / var */
            double c = occ * p, s = p * a->sum[off + r];
            double *g = G + (size_t)r * (size_t)n1 * (size_t)n1, *k = K + (size_t)r * (size_t)n1;
            for (int u = 0; u < n1; u++) {
                k[u] += s * xi[u];
                double cu = c * xi[u];
                for (int v = u; v < n1; v++) g[u * n1 + v] += cu * xi[v];
            }
        }
    }
    for (int r = 0; r < len; r++) {
        double *g = G + (size_t)r * (size_t)n1 * (size_t)n1;
        for (int u = 0; u < n1; u++)
            for (int v = 0; v < u; v++) g[u * n1 + v] = g[v * n1 + u];
        double *w = W + (size_t)r * (size_t)n1;
        if (chol_solve(n1, g, K + (size_t)r * (size_t)n1, row) == 0) {
            memcpy(w, row, (size_t)n1 * sizeof *w);
        } else {   /* this row is not determined: identity */
            memset(w, 0, (size_t)n1 * sizeof *w);
            w[r] = 1.0;
        }
    }
    free(G);
    free(K);
    free(xi);
    free(row);
    return occ_total;
}

int wren_mllr_estimate(const struct wren_map_accs *a, const struct wren_am *am, double min_occ,
                       float *out, struct wren_mllr_result *res)
{
    if (wren_am_n_mean_values(am) != a->n)
        return wren_error("mllr: statistics of %zu mean values, the model has %zu", a->n,
                          wren_am_n_mean_values(am));
    const float *mu = wren_am_model_means(am);
    memcpy(out, mu, a->n * sizeof *out);
    memset(res, 0, sizeof *res);
    for (int f = 0; f < wren_am_n_streams(am); f++) {
        int len;
        (void)wren_am_stream_dims(am, f, &len);
        double *W = wren_xmalloc((size_t)len * (size_t)(len + 1) * sizeof *W);
        /* the occupancy counts each frame once per stream */
        double occ = stream_transform(a, am, f, len, W);
        res->occ += occ;
        if (occ >= min_occ) {
            res->streams_full++;
            for (int64_t i = 0, n = wren_am_n_gauss(am); i < n; i++) {
                int64_t off;
                const float *ivar2;
                if (wren_am_gauss_info(am, i, &off, &ivar2) != f) continue;
                for (int r = 0; r < len; r++) {
                    const double *w = W + (size_t)r * (size_t)(len + 1);
                    double s = w[len];
                    for (int j = 0; j < len; j++) s += w[j] * mu[off + j];
                    out[off + r] = (float)s;
                }
            }
        }
        free(W);
    }
    return 0;
}
