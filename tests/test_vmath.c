/* test_vmath.c — the vectorised exp, max, logsumexp, GELU, LayerNorm and attention (nnlm/vmath.c) against libm in
 * double precision, over the whole clamped range and at every tail length (n % 16). */
#include "testutil.h"

#include "nnlm/vmath.h"

#include <math.h>

START_TEST(test_exp_accuracy)
{
    double worst = 0;
    for (double x = -87.0; x <= 88.0; x += 0.0137) {
        float xf = (float)x;
        double ref = exp((double)xf), got = wren_nn_expf_fast(xf);
        double rel = fabs(got - ref) / ref;
        if (rel > worst) worst = rel;
    }
    ck_assert_msg(worst < 3e-7, "max relative error %g", worst);
    /* below the clamp the result is tiny and positive, never NaN or negative */
    ck_assert(wren_nn_expf_fast(-1000.0f) >= 0 && wren_nn_expf_fast(-1000.0f) < 1e-37f);
    ck_assert(wren_nn_expf_fast(-INFINITY) >= 0 && wren_nn_expf_fast(-INFINITY) < 1e-37f);
}
END_TEST

START_TEST(test_softmax_pieces_every_length)
{
    float x[70], y[70];
    for (int n = 1; n <= 70; n++) {
        for (int i = 0; i < n; i++) x[i] = (float)(sin(i * 1.7 + n) * 12.0);
        double mx = -INFINITY, s = 0;
        for (int i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
        for (int i = 0; i < n; i++) s += exp(x[i] - mx);
        ck_assert_float_eq(nnlm_vmax(x, (size_t)n), (float)mx);
        ck_assert_double_eq_tol(wren_nn_vlogsumexp(x, (size_t)n), mx + log(s), 1e-5);
        double got = nnlm_vexp_sum(y, x, (float)mx, (size_t)n);
        ck_assert_double_eq_tol(got, s, 1e-6 * s);
        for (int i = 0; i < n; i++) ck_assert_double_eq_tol(y[i], exp(x[i] - mx), 3e-7);
        ck_assert_double_eq_tol(nnlm_vsum_exp(x, (float)mx, (size_t)n), s, 1e-6 * s);
        /* x + b in place, and its max */
        float b[70], xb[70];
        double mb = -INFINITY;
        for (int i = 0; i < n; i++) { b[i] = (float)cos(i * 0.9 + n) * 5.0f; xb[i] = x[i]; }
        for (int i = 0; i < n; i++) mb = x[i] + b[i] > mb ? x[i] + b[i] : mb;
        ck_assert_float_eq(nnlm_vadd_max(xb, b, (size_t)n), (float)mb);
        for (int i = 0; i < n; i++) ck_assert_float_eq(xb[i], x[i] + b[i]);
    }
    ck_assert(isinf(nnlm_vmax(x, 0)) && nnlm_vmax(x, 0) < 0);
    /* a 20k-word softmax, as in the NNLM output layer */
    size_t V = 20003;
    float *z = malloc(V * sizeof *z);
    for (size_t i = 0; i < V; i++) z[i] = (float)(cos(i * 0.37) * 9.0 - 3.0 * (i % 7));
    double mx = -INFINITY, s = 0;
    for (size_t i = 0; i < V; i++) mx = z[i] > mx ? z[i] : mx;
    for (size_t i = 0; i < V; i++) s += exp(z[i] - mx);
    ck_assert_double_eq_tol(wren_nn_vlogsumexp(z, V), mx + log(s), 1e-5);
    free(z);
}
END_TEST

/* The tempered softmax pieces of distillation: sums, in-place exp, the fused gradient row. */
START_TEST(test_tempered_softmax_every_length)
{
    float x[70], y[70], q[70];
    const float ks[] = { 0.5f, 1.0f, 1.0f / 3 };
    for (int n = 1; n <= 70; n++)
        for (int ki = 0; ki < 3; ki++) {
            float k = ks[ki];
            for (int i = 0; i < n; i++) { x[i] = (float)(sin(i * 1.3 + n) * 10.0); q[i] = (float)(1 + cos(i + n)) / n; }
            double mx = -INFINITY, s = 0, sx = 0;
            for (int i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
            for (int i = 0; i < n; i++) { double e = exp((x[i] - mx) * k); s += e; sx += e * (x[i] - mx); }
            double gsx = 0, gs = nnlm_vsum_exp_scaled(x, (float)mx, k, (size_t)n, &gsx);
            ck_assert_double_eq_tol(gs, s, 1e-6 * s);
            ck_assert_double_eq_tol(gsx, sx, 1e-5 * (1 + fabs(sx)));
            ck_assert_double_eq_tol(nnlm_vsum_exp_scaled(x, (float)mx, k, (size_t)n, NULL), s, 1e-6 * s);
            nnlm_vexp_scaled(y, x, (float)mx, k, (size_t)n);
            for (int i = 0; i < n; i++) ck_assert_double_eq_tol(y[i], exp((x[i] - mx) * k), 3e-7);
            float f = 0.7f, c = -0.4f, sk = (float)(mx + log(s) / k);
            nnlm_vdistill_grad(y, x, q, (float)mx, f, sk, k, c, (size_t)n);
            for (int i = 0; i < n; i++) {
                double want = f * exp(x[i] - mx) + c * (exp((x[i] - sk) * k) - q[i]);
                ck_assert_msg(fabs(y[i] - want) <= 1e-6 * (1 + fabs(want)), "n %d k %g i %d: %g vs %g", n, k, i, y[i], want);
            }
            memcpy(y, x, sizeof x);   /* in place */
            nnlm_vdistill_grad(y, y, q, (float)mx, f, sk, k, c, (size_t)n);
            for (int i = 0; i < n; i++)
                ck_assert(fabs(y[i] - (f * exp(x[i] - mx) + c * (exp((x[i] - sk) * k) - q[i]))) <= 1e-6 * (1 + fabs(y[i])));
        }
}
END_TEST

static double gelu_ref(double v) { return 0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))); }

START_TEST(test_gelu_and_gradient)
{
    enum { N = 53 };
    float x[N], y[N], dy[N], dx[N];
    for (int i = 0; i < N; i++) { x[i] = (float)(i - 26) * 0.37f; dy[i] = 1.0f + 0.01f * i; }
    nnlm_vgelu(y, x, N);
    nnlm_vgelu_bwd(dx, x, dy, N);
    for (int i = 0; i < N; i++) {
        double v = x[i], h = 1e-4, d = (gelu_ref(v + h) - gelu_ref(v - h)) / (2 * h);
        ck_assert_double_eq_tol(y[i], gelu_ref(v), 2e-6 * (1 + fabs(v)));
        ck_assert_double_eq_tol(dx[i], dy[i] * d, 2e-5);
    }
}
END_TEST

START_TEST(test_layernorm_every_length)
{
    float x[70], g[70], b[70], y[70], mean, rstd;
    for (int d = 1; d <= 70; d++) {
        for (int i = 0; i < d; i++) {
            x[i] = (float)(sin(i * 2.3 + d) * 4.0 + 100.0);   /* a large mean: the two-pass variance */
            g[i] = 1.0f + 0.01f * i;
            b[i] = 0.1f * (i % 5);
        }
        double mu = 0, var = 0;
        for (int i = 0; i < d; i++) mu += x[i];
        mu /= d;
        for (int i = 0; i < d; i++) var += (x[i] - mu) * (x[i] - mu);
        var /= d;
        double rs = 1.0 / sqrt(var + 1e-5);
        nnlm_vlayernorm(y, x, g, b, (size_t)d, 1e-5f, &mean, &rstd);
        ck_assert_double_eq_tol(mean, mu, 1e-5);
        ck_assert_double_eq_tol(rstd, rs, 1e-4 * rs);
        for (int i = 0; i < d; i++) ck_assert_double_eq_tol(y[i], (x[i] - mu) * rs * g[i] + b[i], 2e-4);
        nnlm_vlayernorm(y, x, g, b, (size_t)d, 1e-5f, NULL, NULL);   /* statistics not wanted */
    }
}
END_TEST

/* Attention of one query over a scattered history (nnlm_vattend) against softmax(q k / sqrt) v
 * in double precision: every history length up to 40 (the short-history path below 17 and the
 * general one above), head counts and head widths that are and are not multiples of 16, and
 * scores large enough that an unshifted exp would overflow. */
START_TEST(test_attend_every_length)
{
    enum { MAXLEN = 40 };
    int shapes[][2] = { { 1, 64 }, { 4, 64 }, { 3, 20 }, { 2, 8 } };
    unsigned seed = 12345u;
    for (size_t sh = 0; sh < sizeof shapes / sizeof *shapes; sh++) {
        int H = shapes[sh][0], dh = shapes[sh][1], HD = H * dh;
        float *store = malloc(sizeof(float) * (size_t)MAXLEN * 3 * HD);   /* rows spread out */
        float q[4 * 64], ctx[4 * 64], sc[4 * MAXLEN];
        const float *rows[MAXLEN];
        for (int i = 0; i < MAXLEN * 3 * HD; i++) {
            seed = seed * 1103515245u + 12345u;
            store[i] = (float)((seed >> 9) % 2001) / 100.0f - 10.0f;   /* [-10, 10]: scores up to ~6e3 */
        }
        for (int i = 0; i < HD; i++) q[i] = store[i];   /* row 0's keys: its score ~ 260, exp overflows unshifted */
        for (int len = 1; len <= MAXLEN; len++) {
            for (int j = 0; j < len; j++) rows[j] = store + (size_t)((j * 17) % MAXLEN) * 3 * HD;
            float scale = 1.0f / sqrtf((float)dh);
            nnlm_vattend(q, rows, len, H, dh, scale, sc, ctx);
            for (int h = 0; h < H; h++) {
                double s[MAXLEN], mx = -INFINITY, z = 0;
                for (int j = 0; j < len; j++) {
                    double d = 0;
                    for (int i = 0; i < dh; i++) d += (double)q[h * dh + i] * rows[j][h * dh + i];
                    s[j] = d * scale;
                    if (s[j] > mx) mx = s[j];
                }
                for (int j = 0; j < len; j++) z += (s[j] = exp(s[j] - mx));
                for (int i = 0; i < dh; i++) {
                    double r = 0;
                    for (int j = 0; j < len; j++) r += s[j] / z * rows[j][HD + h * dh + i];
                    ck_assert_msg(isfinite(ctx[h * dh + i]) && fabs(ctx[h * dh + i] - r) <= 1e-4 * (1 + fabs(r)),
                                  "H %d dh %d len %d head %d dim %d: %g vs %g", H, dh, len, h, i,
                                  (double)ctx[h * dh + i], r);
                }
            }
        }
        free(store);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vmath");
    TCase *t = tcase_create("vmath");
    tcase_add_test(t, test_exp_accuracy);
    tcase_add_test(t, test_softmax_pieces_every_length);
    tcase_add_test(t, test_tempered_softmax_every_length);
    tcase_add_test(t, test_gelu_and_gradient);
    tcase_add_test(t, test_layernorm_every_length);
    tcase_add_test(t, test_attend_every_length);
    suite_add_tcase(s, t);
    return test_run_suite(s);
}
