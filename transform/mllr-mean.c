/* mllr-mean.c — global MLLR mean transforms per stream (see mllr-mean.h). */
#include "transform/mllr-mean.h"

#include "am/am.h"
#include "transform/map-mean.h"
#include "utils/error.h"
#include "utils/matrix.h"

#include <stdlib.h>
#include <string.h>

/* One stream: fills W (len x (len+1)) from the statistics; returns its occupancy. */
static double stream_transform(const struct wren_map_accs *a, const struct wren_am *am, int f,
                               int len, double *W)
{
    int n1 = len + 1;
    double *G = wren_xcalloc((size_t)len * (size_t)n1 * (size_t)n1, sizeof *G);
    double *K = wren_xcalloc((size_t)len * (size_t)n1, sizeof *K);
    double *xi = wren_xmalloc((size_t)n1 * sizeof *xi), *L = wren_xmalloc((size_t)n1 * (size_t)n1 * sizeof *L);
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
        if (wren_dchol(n1, g, L) == 0) {
            wren_dchol_solve(n1, L, K + (size_t)r * (size_t)n1, w);
        } else {   /* this row is not determined: identity */
            memset(w, 0, (size_t)n1 * sizeof *w);
            w[r] = 1.0;
        }
    }
    free(G);
    free(K);
    free(xi);
    free(L);
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
