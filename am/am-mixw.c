/* am-mixw.c — mixture weights of a Sphinx acoustic model, from either `mixture_weights`
 * (float probabilities, normalised and floored as sphinx does) or the quantised `sendump`
 * (8-bit -log weights, or 4-bit indices into a 16-entry table of them; either byte order).
 * Weights are kept as linear probabilities in [stream][codeword][senone] order so that the
 * scorer can sweep all senones of a codeword contiguously.
 * Not for: Gaussians (gauden.c) or scoring (am.c). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "am/am-internal.h"
#include "utils/error.h"
#include "utils/io.h"

void wren_mixw_free(struct wren_mixw *m)
{
    if (!m)
        return;
    free(m->w);
    m->w = NULL;
}

static void normalise_floor(float *p, int n, float floor)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += p[i];
    if (sum > 0)
        for (int i = 0; i < n; i++)
            p[i] = (float)(p[i] / sum);
    sum = 0;
    for (int i = 0; i < n; i++) {
        if (!(p[i] >= floor))
            p[i] = floor;
        sum += p[i];
    }
    for (int i = 0; i < n; i++)
        p[i] = (float)(p[i] / sum);
}

static int mixw_float_body(struct wren_s3 *s, float floor, struct wren_mixw *out)
{
    int32_t h[4];
    if (wren_s3_i32(s, h, 4, "mixture weight dimensions") < 0)
        return -1;
    int32_t n_sen = h[0], n_feat = h[1], n_comp = h[2];
    /* senones x streams fits in 34 bits; its product with the densities is formed only when
     * it cannot pass INT32_MAX (the value count is an int32), so nothing overflows */
    long long sf = (long long)n_sen * n_feat;
    if (n_sen <= 0 || n_feat <= 0 || n_feat > 8 || n_comp <= 0 || sf > INT32_MAX / n_comp ||
        sf * n_comp != h[3])
        return wren_error("%s: bad dimensions: %d senones x %d streams x %d densities, %d "
                          "values", s->path, n_sen, n_feat, n_comp, h[3]);
    if (!wren_s3_has(s, (size_t)h[3], 4))
        return wren_error("%s: truncated: %d values announced, only %zu bytes left", s->path,
                          h[3], s->len - s->pos);
    out->n_sen = n_sen;
    out->n_feat = n_feat;
    out->n_density = n_comp;
    out->w = wren_xmalloc((size_t)h[3] * sizeof(float));
    float *pdf = wren_xmalloc((size_t)n_comp * sizeof(float));
    int rc = 0;
    for (int i = 0; i < n_sen && rc == 0; i++)
        for (int f = 0; f < n_feat && rc == 0; f++) {
            rc = wren_s3_f32(s, pdf, (size_t)n_comp, "mixture weights");
            normalise_floor(pdf, n_comp, floor);
            for (int c = 0; c < n_comp; c++)
                out->w[((size_t)f * (size_t)n_comp + (size_t)c) * (size_t)n_sen + (size_t)i] =
                    pdf[c];
        }
    free(pdf);
    return rc;
}

int wren_mixw_read_float(const char *path, float floor, struct wren_mixw *out)
{
    memset(out, 0, sizeof(*out));
    struct wren_s3 s;
    if (wren_s3_open(&s, path) < 0)
        return -1;
    int rc = mixw_float_body(&s, floor, out);
    if (rc == 0)
        rc = wren_s3_finish(&s);
    wren_s3_close(&s);
    if (rc < 0)
        wren_mixw_free(out);
    return rc;
}

/* ---------- sendump ---------- */

struct sendump_hdr {
    int n_feat, n_density, n_sen, n_clust, n_bits, shift;
    double logbase;
};

static void sendump_key(struct sendump_hdr *h, const char *line)
{
    static const struct { const char *key; int off; } ints[] = {
        { "feature_count ", offsetof(struct sendump_hdr, n_feat) },
        { "mixture_count ", offsetof(struct sendump_hdr, n_density) },
        { "model_count ", offsetof(struct sendump_hdr, n_sen) },
        { "cluster_count ", offsetof(struct sendump_hdr, n_clust) },
        { "cluster_bits ", offsetof(struct sendump_hdr, n_bits) },
        { "mixw_shift ", offsetof(struct sendump_hdr, shift) },
    };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        if (strncmp(line, ints[i].key, strlen(ints[i].key)) == 0)
            *(int *)((char *)h + ints[i].off) = atoi(line + strlen(ints[i].key));
    if (strncmp(line, "logbase ", 8) == 0)
        h->logbase = atof(line + 8);
}

/* The header: length-prefixed NUL-terminated strings up to a zero length. */
static int sendump_header(struct wren_byte_reader *r, struct sendump_hdr *h)
{
    int32_t n;
    if (wren_byte_reader_i32(r, &n, "title length") < 0)
        return -1;
    if (n < 1 || n > 999) {
        r->swap = 1;
        n = (int32_t)wren_bswap32((uint32_t)n);
        if (n < 1 || n > 999)
            return wren_error("%s: not a sendump file (first string length out of range)",
                              r->path);
    }
    for (int count = 0; n != 0; count++) {
        if (n < 0 || n > 4096 || r->len - r->pos < (size_t)n || count > 1000)
            return wren_error("%s: byte %zu: bad header string (length %d)", r->path, r->pos, n);
        const char *line = (const char *)r->buf + r->pos;
        if (count < 2 && line[n - 1] != '\0')
            return wren_error("%s: byte %zu: header string not NUL-terminated", r->path, r->pos);
        char text[4097];
        memcpy(text, line, (size_t)n);
        text[n] = 0;
        sendump_key(h, text);
        r->pos += (size_t)n;
        if (wren_byte_reader_i32(r, &n, "header string length") < 0)
            return -1;
    }
    return 0;
}

static int sendump_check(struct wren_byte_reader *r, const struct sendump_hdr *h, int n_feat,
                         int n_density, int n_sen)
{
    if (h->n_feat != n_feat || h->n_density != n_density || h->n_sen < n_sen ||
        (h->n_clust == 0 && h->n_sen != n_sen))
        return wren_error("%s: %d streams x %d densities x %d senones do not match the model "
                          "(%d x %d x %d)", r->path, h->n_feat, h->n_density, h->n_sen, n_feat,
                          n_density, n_sen);
    if (h->n_clust != 0 && h->n_clust != 15 && h->n_clust != 16)
        return wren_error("%s: cluster_count %d (must be 0, 15 or 16)", r->path, h->n_clust);
    if (h->n_bits != 8 && h->n_bits != 4)
        return wren_error("%s: cluster_bits %d (must be 4 or 8)", r->path, h->n_bits);
    if ((h->n_bits == 4) != (h->n_clust != 0))
        return wren_error("%s: cluster_bits %d and cluster_count %d disagree", r->path,
                          h->n_bits, h->n_clust);
    if (!(h->logbase > 1.0 && h->logbase < 2.0) || h->shift < 0 || h->shift > 20)
        return wren_error("%s: bad logbase %g / mixw_shift %d", r->path, h->logbase, h->shift);
    return 0;
}

static int sendump_body(struct wren_byte_reader *r, const struct sendump_hdr *h, int stride,
                        struct wren_mixw *out)
{
    unsigned char table[16] = { 0 };
    if (h->n_clust) {
        if (r->len - r->pos < 16)
            return wren_error("%s: truncated in the cluster table", r->path);
        memcpy(table, r->buf + r->pos, 16);
        r->pos += 16;
    }
    size_t row = h->n_bits == 4 ? ((size_t)stride + 1) / 2 : (size_t)stride;
    size_t need = (size_t)h->n_feat * (size_t)h->n_density * row;
    if (r->len - r->pos != need)
        return wren_error("%s: %s: %zu bytes of weights expected after byte %zu, %zu present",
                          r->path, r->len - r->pos < need ? "truncated" : "wrong size", need,
                          r->pos, r->len - r->pos);
    double unit = ldexp(log(h->logbase), h->shift);   /* nats per quantisation step */
    float lut[256];
    for (int v = 0; v < 256; v++)
        lut[v] = (float)exp(-unit * v);
    size_t n_sen = (size_t)out->n_sen;
    for (size_t fd = 0; fd < (size_t)h->n_feat * (size_t)h->n_density; fd++) {
        const unsigned char *src = r->buf + r->pos + fd * row;
        float *dst = out->w + fd * n_sen;
        for (size_t s = 0; s < n_sen; s++) {
            int q = src[s];
            if (h->n_bits == 4)
                q = table[(s & 1) ? (src[s / 2] >> 4) : (src[s / 2] & 15)];
            dst[s] = lut[q];
        }
    }
    return 0;
}

int wren_mixw_read_sendump(const char *path, int n_feat, int n_density, int n_sen,
                           struct wren_mixw *out)
{
    memset(out, 0, sizeof(*out));
    char *buf;
    size_t len;
    if (wren_read_all(path, &buf, &len) < 0)
        return -1;
    struct wren_byte_reader r = { (const unsigned char *)buf, len, 0, 0, path };
    struct sendump_hdr h = { n_feat, n_density, n_sen, 0, 8, 10, 1.0001 };
    int rc = sendump_header(&r, &h);
    int stride = n_sen;
    if (rc == 0 && h.n_clust == 0) {
        int32_t rows = 0, cols = 0;
        rc = wren_byte_reader_i32(&r, &rows, "row count");
        if (rc == 0)
            rc = wren_byte_reader_i32(&r, &cols, "column count");
        if (rc == 0 && (rows != n_density || cols < n_sen))
            rc = wren_error("%s: %d rows x %d columns do not match %d densities x %d senones",
                            path, rows, cols, n_density, n_sen);
        stride = cols;
        h.n_sen = n_sen;
    }
    if (rc == 0)
        rc = sendump_check(&r, &h, n_feat, n_density, n_sen);
    if (rc == 0) {
        out->n_sen = n_sen;
        out->n_feat = n_feat;
        out->n_density = n_density;
        out->quantised = 1;
        out->w = wren_xmalloc((size_t)n_feat * (size_t)n_density * (size_t)n_sen *
                              sizeof(float));
        if (h.n_clust)
            stride = h.n_sen;
        rc = sendump_body(&r, &h, stride, out);
    }
    free(buf);
    if (rc < 0)
        wren_mixw_free(out);
    return rc;
}
