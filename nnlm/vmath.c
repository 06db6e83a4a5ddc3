/* vmath.c — SIMD exp, max, logsumexp and GELU over float arrays (see vmath.h).
 * exp(x) = 2^k · e^r with k = round(x / ln 2) and |r| <= ln2 / 2; e^r is its degree-7 Taylor
 * polynomial (truncation error < r^8/8! ≈ 5e-9, below float rounding), 2^k is built in the
 * exponent bits. Inputs are clamped to [-87, 88] so that 2^k stays a normal float: exp(-87)
 * ≈ 1.6e-38 stands for anything smaller (it vanishes in every sum it enters here). The clamp
 * also maps a NaN input to that value; a NaN still reaches the loss through the target logit.
 * Written with GCC vector extensions (16 floats a vector; the compiler splits them to the
 * machine's width) because libm's expf blocks auto-vectorisation; each entry point is compiled
 * for AVX-512, AVX2 and baseline x86-64 and picked at load time. */
#include "nnlm/vmath.h"

/* GCC's ISO C modes (-std=c11) turn off contracting a * b + c into one fused multiply-add;
 * these loops are polynomials and dot products, where FMA is both faster and no less accurate.
 * (Clang contracts within an expression by default.) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#endif

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MULTIVERSION
#endif

#define LANES 16
typedef float vf __attribute__((vector_size(LANES * sizeof(float))));
typedef int32_t vi __attribute__((vector_size(LANES * sizeof(int32_t))));

#define LN2_HI 0.693359375f            /* ln 2 split so that k * LN2_HI is exact */
#define LN2_LO (-2.12194440e-4f)
#define LOG2E 1.44269504088896341f
#define ROUND_MAGIC 12582912.0f        /* 1.5 * 2^23: adding and subtracting it rounds to an integer */

/* The vector helpers are macros, not functions: GCC warns (-Wpsabi, an error here) about any
 * function taking or returning a vector wider than the baseline ISA, even a static inline one. */
#define SPLAT(a) ((vf){ 0 } + (a))
#define LOAD(v, p) memcpy(&(v), (p), sizeof(vf))
#define STORE(p, v) memcpy((p), &(v), sizeof(vf))
/* a > b ? a : b and a < b ? a : b lane by lane (b is returned for NaN lanes) */
#define MAX_V(a, b) ((vf)(((vi)((a) > (b)) & (vi)(a)) | (~(vi)((a) > (b)) & (vi)(b))))
#define MIN_V(a, b) ((vf)(((vi)((a) < (b)) & (vi)(a)) | (~(vi)((a) < (b)) & (vi)(b))))

/* out = exp(x), lane by lane; x is modified */
#define EXP_V(out, x) do {                                                                 \
        x = MAX_V(x, SPLAT(-87.0f));                                                       \
        x = MIN_V(x, SPLAT(88.0f));                                                        \
        vf k_ = (x * LOG2E + ROUND_MAGIC) - ROUND_MAGIC;                                   \
        vf r_ = (x - k_ * LN2_HI) - k_ * LN2_LO;                                           \
        vf p_ = SPLAT(1.0f / 5040);                                                        \
        p_ = p_ * r_ + 1.0f / 720;                                                         \
        p_ = p_ * r_ + 1.0f / 120;                                                         \
        p_ = p_ * r_ + 1.0f / 24;                                                          \
        p_ = p_ * r_ + 1.0f / 6;                                                           \
        p_ = p_ * r_ + 0.5f;                                                               \
        p_ = p_ * r_ + 1.0f;                                                               \
        p_ = p_ * r_ + 1.0f;                                                               \
        vi bits_ = (__builtin_convertvector(k_, vi) + 127) << 23;                          \
        out = p_ * (vf)bits_;                                                              \
    } while (0)

/* the n % LANES tail through a padded buffer */
static void pad_tail(float *t, const float *p, size_t n, float pad)
{
    for (size_t i = 0; i < LANES; i++) t[i] = i < n ? p[i] : pad;
}

float wren_nn_expf_fast(float x)
{
    float t[LANES] = { x };
    vf v, e;
    LOAD(v, t);
    EXP_V(e, v);
    STORE(t, e);
    return t[0];
}

MULTIVERSION float nnlm_vmax(const float *x, size_t n)
{
    vf m = SPLAT(-INFINITY), v;
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) { LOAD(v, x + i); m = MAX_V(v, m); }
    float t[LANES], r = -INFINITY;
    if (i < n) { pad_tail(t, x + i, n - i, -INFINITY); LOAD(v, t); m = MAX_V(v, m); }
    STORE(t, m);
    for (int l = 0; l < LANES; l++) r = t[l] > r ? t[l] : r;
    return r;
}

MULTIVERSION void nnlm_vaxpy(float *y, float a, const float *x, size_t n)
{
    vf u, v;
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) { LOAD(u, x + i); LOAD(v, y + i); v += SPLAT(a) * u; STORE(y + i, v); }
    for (; i < n; i++) y[i] += a * x[i];
}

/* The sum of the lanes of v, as a tree of shuffles (a store and 16 dependent scalar adds cost
 * more than the four vector operations of a 64-float dot product). */
#define HSUM(r, v) do {                                                                    \
        vf s_ = (v);                                                                       \
        s_ += __builtin_shufflevector(s_, s_, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7); \
        s_ += __builtin_shufflevector(s_, s_, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3); \
        s_ += __builtin_shufflevector(s_, s_, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1); \
        s_ += __builtin_shufflevector(s_, s_, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0); \
        (r) = s_[0];                                                                       \
    } while (0)

/* The largest lane of v, as HSUM. */
#define HMAX(r, v) do {                                                                    \
        vf m_ = (v), t_;                                                                   \
        t_ = __builtin_shufflevector(m_, m_, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7); \
        m_ = MAX_V(m_, t_);                                                                \
        t_ = __builtin_shufflevector(m_, m_, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3); \
        m_ = MAX_V(m_, t_);                                                                \
        t_ = __builtin_shufflevector(m_, m_, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1); \
        m_ = MAX_V(m_, t_);                                                                \
        t_ = __builtin_shufflevector(m_, m_, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0); \
        m_ = MAX_V(m_, t_);                                                                \
        (r) = m_[0];                                                                       \
    } while (0)

/* Attention scores of query q against each history row's keys, all heads of a row read once
 * straight through: head h, row j at sc[h * stride + j]. */
static inline __attribute__((always_inline)) void attend_scores(const float *q, const float *const *rows,
                                                                int len, int H, int dh, float scale,
                                                                float *sc, int stride)
{
    vf u, v;
    for (int j = 0; j < len; j++) {
        const float *k = rows[j];
        for (int h = 0; h < H; h++) {
            const float *qh = q + h * dh, *kh = k + h * dh;
            vf acc = SPLAT(0.0f);
            int i = 0;
            for (; i + LANES <= dh; i += LANES) { LOAD(u, qh + i); LOAD(v, kh + i); acc += u * v; }
            float r;
            HSUM(r, acc);
            for (; i < dh; i++) r += qh[i] * kh[i];
            sc[h * stride + j] = r * scale;
        }
    }
}

/* ctx = the history rows' values weighted by the probabilities p (head h, row j at
 * p[h * stride + j]), a vector of one head at a time summed over the history in a register (one
 * 64-byte line of each row per pass). */
static inline __attribute__((always_inline)) void attend_values(const float *p, int stride,
                                                                const float *const *rows, int len,
                                                                int H, int dh, float *ctx)
{
    int HD = H * dh;
    vf u, c;
    for (int h = 0; h < H; h++) {
        const float *ph = p + h * stride;
        int i = 0;
        for (; i + LANES <= dh; i += LANES) {
            c = SPLAT(0.0f);
            for (int j = 0; j < len; j++) { LOAD(u, rows[j] + HD + h * dh + i); c += SPLAT(ph[j]) * u; }
            STORE(ctx + h * dh + i, c);
        }
        for (; i < dh; i++) {
            float r = 0;
            for (int j = 0; j < len; j++) r += ph[j] * rows[j][HD + h * dh + i];
            ctx[h * dh + i] = r;
        }
    }
}

/* nnlm_vattend for a history of at most LANES tokens (most rescoring queries: a sentence's
 * words so far): each head's scores sit in one vector, so its softmax is a handful of vector
 * operations instead of padded passes over len floats. */
static inline __attribute__((always_inline)) void attend_short(const float *q, const float *const *rows,
                                                               int len, int H, int dh, float scale,
                                                               float *ctx)
{
    enum { MAXH = 16 };
    float P[MAXH * LANES];
    vf v, e, ninf = SPLAT(-INFINITY);
    for (int h = 0; h < H; h++) STORE(P + h * LANES, ninf);
    attend_scores(q, rows, len, H, dh, scale, P, LANES);
    _Static_assert(LANES == 16, "the lane indices below");
    vf lane = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
    vf lenf = SPLAT((float)len);
    for (int h = 0; h < H; h++) {
        float m, z;
        LOAD(v, P + h * LANES);
        HMAX(m, v);
        v -= m;
        EXP_V(e, v);
        /* the lanes past the history to 0 (EXP_V clamps: exp(-inf) would be ~1e-38) */
        e = (vf)((vi)(lane < lenf) & (vi)e);
        HSUM(z, e);
        e *= 1.0f / z;
        STORE(P + h * LANES, e);
    }
    attend_values(P, LANES, rows, len, H, dh, ctx);
}

MULTIVERSION void nnlm_vattend(const float *q, const float *const *rows, int len, int H, int dh,
                               float scale, float *sc, float *ctx)
{
    if (len <= LANES && H <= 16) { attend_short(q, rows, len, H, dh, scale, ctx); return; }
    attend_scores(q, rows, len, H, dh, scale, sc, len);
    /* softmax over the history, head by head */
    for (int h = 0; h < H; h++) {
        float *p = sc + h * len;
        double z = nnlm_vexp_sum(p, p, nnlm_vmax(p, (size_t)len), (size_t)len);
        float inv = (float)(1.0 / z);
        for (int j = 0; j < len; j++) p[j] *= inv;
    }
    attend_values(sc, len, rows, len, H, dh, ctx);
}

MULTIVERSION float nnlm_vadd_max(float *x, const float *b, size_t n)
{
    vf m = SPLAT(-INFINITY), v, w;
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        LOAD(v, x + i);
        LOAD(w, b + i);
        v += w;
        STORE(x + i, v);
        m = MAX_V(v, m);
    }
    float r = -INFINITY, t[LANES];
    for (; i < n; i++) { x[i] += b[i]; r = x[i] > r ? x[i] : r; }
    STORE(t, m);
    for (int l = 0; l < LANES; l++) r = t[l] > r ? t[l] : r;
    return r;
}

static double lane_sum(const float *t)
{
    double s = 0;
    for (int l = 0; l < LANES; l++) s += t[l];
    return s;
}

MULTIVERSION double nnlm_vexp_sum(float *y, const float *x, float shift, size_t n)
{
    vf acc = SPLAT(0), v, e;   /* per-lane partial sums: each lane adds n/16 terms <= 1 */
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        LOAD(v, x + i);
        v -= shift;
        EXP_V(e, v);
        STORE(y + i, e);
        acc += e;
    }
    float t[LANES];
    if (i < n) {
        pad_tail(t, x + i, n - i, -INFINITY);   /* exp(-inf) -> ~1e-38, not stored */
        LOAD(v, t);
        v -= shift;
        EXP_V(e, v);
        STORE(t, e);
        memcpy(y + i, t, (n - i) * sizeof *t);
        for (size_t j = n - i; j < LANES; j++) t[j] = 0;
        LOAD(e, t);
        acc += e;
    }
    STORE(t, acc);
    return lane_sum(t);
}

MULTIVERSION double nnlm_vsum_exp(const float *x, float shift, size_t n)
{
    vf acc = SPLAT(0), v, e;
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) { LOAD(v, x + i); v -= shift; EXP_V(e, v); acc += e; }
    float t[LANES];
    if (i < n) {
        pad_tail(t, x + i, n - i, -INFINITY);
        LOAD(v, t);
        v -= shift;
        EXP_V(e, v);
        STORE(t, e);
        for (size_t j = n - i; j < LANES; j++) t[j] = 0;
        LOAD(e, t);
        acc += e;
    }
    STORE(t, acc);
    return lane_sum(t);
}

MULTIVERSION double nnlm_vsum_exp_scaled(const float *x, float shift, float k, size_t n, double *sum_ex)
{
    vf acc = SPLAT(0), accx = SPLAT(0), v, u, e;
    float t[LANES];
    for (size_t i = 0; i < n; i += LANES) {
        int full = i + LANES <= n;
        if (full) LOAD(v, x + i); else { pad_tail(t, x + i, n - i, -INFINITY); LOAD(v, t); }
        v -= shift;
        u = v * k;
        EXP_V(e, u);
        if (!full) {   /* padded lanes add nothing (and -inf * 0 would be NaN) */
            STORE(t, e);
            for (size_t j = n - i; j < LANES; j++) t[j] = 0;
            LOAD(e, t);
            STORE(t, v);
            for (size_t j = n - i; j < LANES; j++) t[j] = 0;
            LOAD(v, t);
        }
        acc += e;
        accx += e * v;
    }
    STORE(t, accx);
    if (sum_ex) *sum_ex = lane_sum(t);
    STORE(t, acc);
    return lane_sum(t);
}

MULTIVERSION void nnlm_vexp_scaled(float *y, const float *x, float shift, float k, size_t n)
{
    vf v, e;
    float t[LANES];
    for (size_t i = 0; i < n; i += LANES) {
        int full = i + LANES <= n;
        if (full) LOAD(v, x + i); else { pad_tail(t, x + i, n - i, 0); LOAD(v, t); }
        v = (v - shift) * k;
        EXP_V(e, v);
        if (full) STORE(y + i, e); else { STORE(t, e); memcpy(y + i, t, (n - i) * sizeof *t); }
    }
}

MULTIVERSION void nnlm_vdistill_grad(float *y, const float *x, const float *q, float shift, float f,
                                     float shift_k, float k, float c, size_t n)
{
    vf v, w, g, e, ek;
    float t[LANES];
    for (size_t i = 0; i < n; i += LANES) {
        int full = i + LANES <= n;
        if (full) { LOAD(v, x + i); LOAD(g, q + i); }
        else { pad_tail(t, x + i, n - i, 0); LOAD(v, t); pad_tail(t, q + i, n - i, 0); LOAD(g, t); }
        w = (v - shift_k) * k;
        v -= shift;
        EXP_V(e, v);
        EXP_V(ek, w);
        e = f * e + c * (ek - g);
        if (full) STORE(y + i, e); else { STORE(t, e); memcpy(y + i, t, (n - i) * sizeof *t); }
    }
}

float wren_nn_vlogsumexp(const float *x, size_t n)
{
    float mx = nnlm_vmax(x, n);
    if (!isfinite(mx)) return mx;
    return mx + (float)log(nnlm_vsum_exp(x, mx, n));
}

#define GELU_2A 1.5957691216057308f   /* 2 sqrt(2/pi) */
#define GELU_B 0.044715f

/* s = sigmoid(2 A (v + B v^3)) */
#define SIGMOID_2U(s, v) do {                                                              \
        vf a_ = -GELU_2A * (v) * (1.0f + GELU_B * (v) * (v)), e_;                          \
        EXP_V(e_, a_);                                                                     \
        s = 1.0f / (1.0f + e_);                                                            \
    } while (0)

MULTIVERSION void nnlm_vgelu(float *y, const float *x, size_t n)
{
    vf v, s, o;
    float t[LANES];
    for (size_t i = 0; i < n; i += LANES) {
        int full = i + LANES <= n;
        if (full) LOAD(v, x + i); else { pad_tail(t, x + i, n - i, 0); LOAD(v, t); }
        SIGMOID_2U(s, v);
        o = v * s;
        if (full) STORE(y + i, o); else { STORE(t, o); memcpy(y + i, t, (n - i) * sizeof *t); }
    }
}

/* d/dx [x s] = s + x s (1 - s) · 2A (1 + 3B x^2), s = sigmoid(2A (x + B x^3)) */
MULTIVERSION void nnlm_vgelu_bwd(float *dx, const float *x, const float *dy, size_t n)
{
    vf v, g, s, o;
    float t[LANES];
    for (size_t i = 0; i < n; i += LANES) {
        int full = i + LANES <= n;
        if (full) { LOAD(v, x + i); LOAD(g, dy + i); }
        else { pad_tail(t, x + i, n - i, 0); LOAD(v, t); pad_tail(t, dy + i, n - i, 0); LOAD(g, t); }
        SIGMOID_2U(s, v);
        o = g * (s + v * s * (1.0f - s) * GELU_2A * (1.0f + 3.0f * GELU_B * v * v));
        if (full) STORE(dx + i, o); else { STORE(t, o); memcpy(dx + i, t, (n - i) * sizeof *t); }
    }
}

MULTIVERSION void nnlm_vlayernorm(float *y, const float *x, const float *g, const float *b, size_t d,
                                  float eps, float *mean, float *rstd)
{
    vf acc = SPLAT(0), v, w, c;
    float t[LANES];
    size_t i = 0, full = d - d % LANES;
    for (; i < full; i += LANES) { LOAD(v, x + i); acc += v; }
    STORE(t, acc);
    double s = lane_sum(t);
    for (; i < d; i++) s += x[i];
    float mu = (float)(s / (double)d);
    acc = SPLAT(0);   /* the variance about the mean, a second pass for accuracy */
    for (i = 0; i < full; i += LANES) { LOAD(v, x + i); v -= mu; acc += v * v; }
    STORE(t, acc);
    double s2 = lane_sum(t);
    for (; i < d; i++) s2 += (double)(x[i] - mu) * (x[i] - mu);
    float rs = (float)(1.0 / sqrt(s2 / (double)d + eps));
    for (i = 0; i < full; i += LANES) {
        LOAD(v, x + i); LOAD(w, g + i); LOAD(c, b + i);
        v = (v - mu) * rs * w + c;
        STORE(y + i, v);
    }
    for (; i < d; i++) y[i] = (x[i] - mu) * rs * g[i] + b[i];
    if (mean) *mean = mu;
    if (rstd) *rstd = rs;
}
