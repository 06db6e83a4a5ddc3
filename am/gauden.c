/* gauden.c — Gaussian codebooks of a Sphinx acoustic model: reads the means and variances
 * files (n_mgau codebooks x n_feat streams x n_density diagonal Gaussians), floors the
 * variances, precomputes log determinants and 1/(2 var) as sphinx does, and evaluates the
 * natural-log densities of a codebook for one stream vector.
 * Not for: mixture weights, top-N selection or senone scores (am.c). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "am/am-internal.h"
#include "utils/error.h"

#define GAUDEN_MAX_FEAT 8
#define GAUDEN_MAX_VECLEN 1024
#define GAUDEN_2PI 6.283185307179586476925286766559

struct gauden_hdr {
    int32_t n_mgau, n_feat, n_density, veclen[GAUDEN_MAX_FEAT], n;
};

static int gauden_read_hdr(struct wren_s3 *s, struct gauden_hdr *h)
{
    if (wren_s3_i32(s, &h->n_mgau, 1, "codebook count") < 0 ||
        wren_s3_i32(s, &h->n_feat, 1, "stream count") < 0 ||
        wren_s3_i32(s, &h->n_density, 1, "density count") < 0)
        return -1;
    if (h->n_mgau <= 0 || h->n_feat <= 0 || h->n_feat > GAUDEN_MAX_FEAT || h->n_density <= 0)
        return wren_error("%s: bad dimensions: %d codebooks, %d streams, %d densities", s->path,
                          h->n_mgau, h->n_feat, h->n_density);
    if (wren_s3_i32(s, h->veclen, (size_t)h->n_feat, "stream lengths") < 0 ||
        wren_s3_i32(s, &h->n, 1, "value count") < 0)
        return -1;
    long long blk = 0;
    for (int f = 0; f < h->n_feat; f++) {
        if (h->veclen[f] <= 0 || h->veclen[f] > GAUDEN_MAX_VECLEN)
            return wren_error("%s: bad length %d of stream %d", s->path, h->veclen[f], f);
        blk += h->veclen[f];
    }
    /* codebooks x densities fits in 62 bits; the product with blk is formed only when it
     * cannot pass INT_MAX (the value count is an int), so nothing overflows */
    long long md = (long long)h->n_mgau * h->n_density;
    if (md > INT_MAX || blk > INT_MAX / md || md * blk != h->n)
        return wren_error("%s: value count %d does not match %d codebooks x %d densities x %lld "
                          "dims", s->path, h->n, h->n_mgau, h->n_density, blk);
    if (!wren_s3_has(s, (size_t)h->n, 4))
        return wren_error("%s: truncated: %d values announced, only %zu bytes left", s->path,
                          h->n, s->len - s->pos);
    return 0;
}

/* Read one parameter file (means or variances) into a new array. */
static int gauden_read_file(const char *path, struct gauden_hdr *h, float **out)
{
    struct wren_s3 s;
    *out = NULL;
    if (wren_s3_open(&s, path) < 0)
        return -1;
    float *v = NULL;
    int rc = gauden_read_hdr(&s, h);
    if (rc == 0) {
        v = wren_xmalloc((size_t)h->n * sizeof(float));
        rc = wren_s3_f32(&s, v, (size_t)h->n, "Gaussian parameters");
    }
    if (rc == 0)
        rc = wren_s3_finish(&s);
    if (rc == 0) {
        for (int32_t i = 0; i < h->n; i++)
            if (!isfinite(v[i])) {
                rc = wren_error("%s: value %d is not a finite number", path, i);
                break;
            }
    }
    wren_s3_close(&s);
    if (rc < 0) {
        free(v);
        return -1;
    }
    *out = v;
    return 0;
}

static void gauden_precompute(struct wren_gauden *g, float varfloor)
{
    size_t n_rows = (size_t)g->n_mgau * (size_t)g->n_feat * (size_t)g->n_density;
    g->logdet = wren_xmalloc(n_rows * sizeof(float));
    size_t row = 0, off = 0;
    for (int m = 0; m < g->n_mgau; m++)
        for (int f = 0; f < g->n_feat; f++)
            for (int d = 0; d < g->n_density; d++, row++) {
                double det = 0;
                for (int i = 0; i < g->veclen[f]; i++, off++) {
                    float v = g->ivar2[off];
                    if (v < varfloor) {
                        v = varfloor;
                        g->n_floored++;
                    }
                    det -= 0.5 * log(GAUDEN_2PI * (double)v);
                    g->ivar2[off] = (float)(1.0 / (2.0 * (double)v));
                }
                g->logdet[row] = (float)det;
            }
}

int wren_gauden_load(const char *mean_path, const char *var_path, float varfloor,
                     struct wren_gauden **out)
{
    *out = NULL;
    struct gauden_hdr hm, hv;
    float *mean, *var;
    if (gauden_read_file(mean_path, &hm, &mean) < 0)
        return -1;
    if (gauden_read_file(var_path, &hv, &var) < 0) {
        free(mean);
        return -1;
    }
    int same = hm.n_mgau == hv.n_mgau && hm.n_feat == hv.n_feat && hm.n_density == hv.n_density;
    for (int f = 0; same && f < hm.n_feat; f++)
        same = hm.veclen[f] == hv.veclen[f];
    if (!same) {
        free(mean);
        free(var);
        return wren_error("%s: dimensions (%d x %d x %d) differ from the means in %s "
                          "(%d x %d x %d)", var_path, hv.n_mgau, hv.n_feat, hv.n_density,
                          mean_path, hm.n_mgau, hm.n_feat, hm.n_density);
    }
    struct wren_gauden *g = wren_xcalloc(1, sizeof(*g));
    g->n_mgau = hm.n_mgau;
    g->n_feat = hm.n_feat;
    g->n_density = hm.n_density;
    for (int f = 0; f < g->n_feat; f++) {
        g->veclen[f] = hm.veclen[f];
        g->feat_off[f] = (size_t)g->total_len * (size_t)g->n_density;
        g->total_len += hm.veclen[f];
    }
    g->mean = mean;
    g->ivar2 = var;
    gauden_precompute(g, varfloor);
    *out = g;
    return 0;
}

void wren_gauden_free(struct wren_gauden *g)
{
    if (!g)
        return;
    free(g->mean);
    free(g->ivar2);
    free(g->logdet);
    free(g);
}

/* Four densities at a time: four independent sums hide the latency of the adds (each sum
 * keeps its own order, so results equal the one-at-a-time loop). */
void wren_gauden_eval(const struct wren_gauden *g, int mgau, int f, const float *x, float *out)
{
    int len = g->veclen[f], nd = g->n_density, d = 0;
    size_t base = (size_t)mgau * (size_t)g->total_len * (size_t)nd + g->feat_off[f];
    const float *mean = g->mean + base, *iv = g->ivar2 + base;
    const float *det = g->logdet + ((size_t)mgau * (size_t)g->n_feat + (size_t)f) * (size_t)nd;
    for (; d + 4 <= nd; d += 4) {
        const float *m0 = mean + (size_t)d * (size_t)len, *v0 = iv + (size_t)d * (size_t)len;
        const float *m1 = m0 + len, *m2 = m1 + len, *m3 = m2 + len;
        const float *v1 = v0 + len, *v2 = v1 + len, *v3 = v2 + len;
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (int i = 0; i < len; i++) {
            float d0 = x[i] - m0[i], d1 = x[i] - m1[i], d2 = x[i] - m2[i], d3 = x[i] - m3[i];
            a0 += d0 * d0 * v0[i];
            a1 += d1 * d1 * v1[i];
            a2 += d2 * d2 * v2[i];
            a3 += d3 * d3 * v3[i];
        }
        out[d] = det[d] - a0;
        out[d + 1] = det[d + 1] - a1;
        out[d + 2] = det[d + 2] - a2;
        out[d + 3] = det[d + 3] - a3;
    }
    for (; d < nd; d++) {
        const float *m0 = mean + (size_t)d * (size_t)len, *v0 = iv + (size_t)d * (size_t)len;
        float acc = 0;
        for (int i = 0; i < len; i++) {
            float diff = x[i] - m0[i];
            acc += diff * diff * v0[i];
        }
        out[d] = det[d] - acc;
    }
}
