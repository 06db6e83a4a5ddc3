/* test_fmllr.c — fMLLR estimation (transform/fmllr.c, fmllr-stats.c, fmllr-io.c) on a real model
 * and real speech: Debian's pocketsphinx-en-us (PTM, three streams) and two LibriVox
 * utterances of pocketsphinx-testdata. The alignment is each frame's best senone on the
 * original features. A known near-identity affine transform T is applied to the features;
 * with the Gaussian posteriors of the original features, the estimate on T x must be the
 * estimate on x composed with T^-1 (the auxiliary function is equivariant), close to T^-1,
 * and must raise the aligned log-likelihood of the distorted features. Also: the auxiliary
 * function never decreases over passes, too few frames fall back to identity / bias only,
 * and the text table round-trips and rejects malformed matrices with file:line. */
#include "testutil.h"

#include "am/am.h"
#include "feat/audio.h"
#include "utils/error.h"
#include "feat/feat-params.h"
#include "feat/feat.h"
#include "transform/fmllr-stats.h"
#include "transform/map-mean.h"
#include "transform/mllr-mean.h"
#include "transform/fmllr.h"

#include <math.h>

#define EN_US "/usr/share/pocketsphinx/model/en-us/en-us"
#define LIBRI "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-"

static int exists(const char *p) { return access(p, R_OK) == 0; }

/* Shared fixture: model, features of two utterances, best-senone alignment. */
static struct wren_am *am;
static float *feats;
static int T, D;
static int32_t *align;

static int load_fixture(void)
{
    if (am) return 1;
    if (!exists(EN_US "/mdef") || !exists(LIBRI "0870.wav")) {
        fprintf(stderr, "skipped: pocketsphinx-en-us or pocketsphinx-testdata missing\n");
        return 0;
    }
    ck_assert_msg(wren_am_load(EN_US, &am) == 0, "%s", wren_error_msg());
    struct wren_feat_params fp;
    wren_feat_params_default(&fp);
    ck_assert_int_eq(wren_feat_params_read(EN_US, &fp), 0);
    const char *utts[] = { LIBRI "0870.wav", LIBRI "0880.wav" };
    for (int u = 0; u < 2; u++) {
        struct wren_audio_opts ao;
        wren_audio_opts_default(&ao);
        struct wren_audio a;
        ck_assert_msg(wren_audio_read(utts[u], &ao, &a) == 0, "%s", wren_error_msg());
        float *f;
        int nf, dim;
        ck_assert_msg(wren_feat_compute(&fp, a.samples, a.n, &f, &nf, &dim) == 0, "%s", wren_error_msg());
        D = dim;
        feats = realloc(feats, (size_t)(T + nf) * (size_t)D * sizeof *feats);
        memcpy(feats + (size_t)T * (size_t)D, f, (size_t)nf * (size_t)D * sizeof *f);
        T += nf;
        free(f);
        wren_audio_free(&a);
    }
    ck_assert_int_eq(D, 39);
    int ns = wren_am_n_senones(am);
    float *sc = malloc((size_t)ns * sizeof *sc);
    align = malloc((size_t)T * sizeof *align);
    for (int t = 0; t < T; t++) {
        ck_assert_int_eq(wren_am_score_frame(am, feats + (size_t)t * (size_t)D, NULL, sc), 0);
        int best = 0;
        for (int s = 1; s < ns; s++) if (sc[s] > sc[best]) best = s;
        align[t] = best;
    }
    free(sc);
    return 1;
}

static void free_fixture(void)
{
    wren_am_free(am);
    free(feats);
    free(align);
}

/* The known distortion: A0 = 0.9 I + 0.03 (subdiagonal), b0_i = 0.4 (i % 3 - 1). */
static void make_T(double *Tm)
{
    int d1 = D + 1;
    memset(Tm, 0, (size_t)D * (size_t)d1 * sizeof *Tm);
    for (int i = 0; i < D; i++) {
        Tm[i * d1 + i] = 0.9;
        if (i > 0) Tm[i * d1 + i - 1] = 0.03;
        Tm[i * d1 + D] = 0.4 * (i % 3 - 1);
    }
}

/* C = W o T (apply T, then W). */
static void compose(const double *W, const double *Tm, double *C)
{
    int d1 = D + 1;
    for (int i = 0; i < D; i++) {
        for (int j = 0; j < d1; j++) {
            double s = j == D ? W[i * d1 + D] : 0;
            for (int k = 0; k < D; k++) s += W[i * d1 + k] * Tm[k * d1 + j];
            C[i * d1 + j] = s;
        }
    }
}

static double frob_diff(const double *a, const double *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(s);
}

/* [A b]^-1 = [A^-1  -A^-1 b], A^-1 by Gauss-Jordan (the test's own, independent of fmllr.c). */
static void invert_affine(const double *Tm, double *out)
{
    int d1 = D + 1;
    double *m = malloc((size_t)D * (size_t)(2 * D) * sizeof *m);
    for (int i = 0; i < D; i++)
        for (int j = 0; j < 2 * D; j++) m[i * 2 * D + j] = j < D ? Tm[i * d1 + j] : (j - D == i);
    for (int c = 0; c < D; c++) {
        int p = c;
        for (int i = c + 1; i < D; i++) if (fabs(m[i * 2 * D + c]) > fabs(m[p * 2 * D + c])) p = i;
        for (int j = 0; j < 2 * D; j++) { double t = m[c * 2 * D + j]; m[c * 2 * D + j] = m[p * 2 * D + j]; m[p * 2 * D + j] = t; }
        double piv = m[c * 2 * D + c];
        for (int j = 0; j < 2 * D; j++) m[c * 2 * D + j] /= piv;
        for (int i = 0; i < D; i++) {
            if (i == c) continue;
            double f = m[i * 2 * D + c];
            for (int j = 0; j < 2 * D; j++) m[i * 2 * D + j] -= f * m[c * 2 * D + j];
        }
    }
    for (int i = 0; i < D; i++) {
        double b = 0;
        for (int j = 0; j < D; j++) { out[i * d1 + j] = m[i * 2 * D + D + j]; b -= m[i * 2 * D + D + j] * Tm[j * d1 + D]; }
        out[i * d1 + D] = b;
    }
    free(m);
}

/* log|det A| of W = [A b], by Gaussian elimination with partial pivoting. */
static double logdet_A(const double *W)
{
    int d1 = D + 1;
    double *m = malloc((size_t)D * (size_t)D * sizeof *m), ld = 0;
    for (int i = 0; i < D; i++) for (int j = 0; j < D; j++) m[i * D + j] = W[i * d1 + j];
    for (int c = 0; c < D; c++) {
        int p = c;
        for (int i = c + 1; i < D; i++) if (fabs(m[i * D + c]) > fabs(m[p * D + c])) p = i;
        for (int j = 0; j < D; j++) { double t = m[c * D + j]; m[c * D + j] = m[p * D + j]; m[p * D + j] = t; }
        ld += log(fabs(m[c * D + c]));
        for (int i = c + 1; i < D; i++) {
            double f = m[i * D + c] / m[c * D + c];
            for (int j = c; j < D; j++) m[i * D + j] -= f * m[c * D + j];
        }
    }
    free(m);
    return ld;
}

static double max_abs_diff(const double *a, const double *b, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

/* Sum over frames of the aligned senone's exact log-likelihood. */
static double aligned_loglik(const float *x)
{
    double s = 0;
    for (int t = 0; t < T; t++) s += wren_am_score_senone_exact(am, x + (size_t)t * (size_t)D, align[t]);
    return s;
}

START_TEST(test_recovers_known_transform)
{
    if (!load_fixture()) return;
    int d1 = D + 1, nw = D * d1;
    double *Tm = malloc((size_t)nw * sizeof *Tm), *Wx = malloc((size_t)nw * sizeof *Wx);
    double *Wy = malloc((size_t)nw * sizeof *Wy), *C = malloc((size_t)nw * sizeof *C);
    make_T(Tm);
    float *y = malloc((size_t)T * (size_t)D * sizeof *y);
    wren_fmllr_apply(Tm, D, feats, y, T);

    struct wren_fmllr_accs ax, ay;
    wren_fmllr_accs_init(&ax, D);
    wren_fmllr_accs_init(&ay, D);
    ck_assert_int_eq(wren_fmllr_accumulate(&ax, am, feats, NULL, T, align, NULL, 1e-3f), 0);
    /* the distorted features, with the posteriors of the original ones */
    ck_assert_int_eq(wren_fmllr_accumulate(&ay, am, y, feats, T, align, NULL, 1e-3f), 0);
    ck_assert_double_eq_tol(ax.beta, T, 1e-6);

    struct wren_fmllr_opts o;
    wren_fmllr_opts_default(&o);
    o.iters = 60;
    struct wren_fmllr_result rx, ry;
    wren_fmllr_identity(Wx, D);
    wren_fmllr_identity(Wy, D);
    ck_assert_int_eq(wren_fmllr_estimate(&ax, &o, Wx, &rx, NULL), 0);
    ck_assert_int_eq(wren_fmllr_estimate(&ay, &o, Wy, &ry, NULL), 0);
    ck_assert_str_eq(ry.kind, "full");
    ck_assert(ry.aux_after > ry.aux_before);

    /* equivariance: Wy o T == Wx */
    compose(Wy, Tm, C);
    double eq = max_abs_diff(C, Wx, nw);
    ck_assert_msg(eq < 2e-3, "estimate on T x is not the estimate on x composed with T^-1 (%.3g)", eq);

    /* Closeness to T^-1 itself: a real speaker's own ML transform Wx is not the identity (it
     * scales these features by ~1.1), so take the speaker-normalised features x' = Wx x,
     * whose own estimate is near the identity, distort them by T and estimate again
     * (posteriors from x'): the estimate must be near T^-1, far nearer than the identity is. */
    float *xn = malloc((size_t)T * (size_t)D * sizeof *xn), *yn = malloc((size_t)T * (size_t)D * sizeof *yn);
    wren_fmllr_apply(Wx, D, feats, xn, T);
    wren_fmllr_apply(Tm, D, xn, yn, T);
    struct wren_fmllr_accs an;
    wren_fmllr_accs_init(&an, D);
    ck_assert_int_eq(wren_fmllr_accumulate(&an, am, yn, xn, T, align, NULL, 1e-3f), 0);
    double *Wn = malloc((size_t)nw * sizeof *Wn), *Tinv = malloc((size_t)nw * sizeof *Tinv), *I = malloc((size_t)nw * sizeof *I);
    wren_fmllr_identity(Wn, D);
    ck_assert_int_eq(wren_fmllr_estimate(&an, &o, Wn, &ry, NULL), 0);
    invert_affine(Tm, Tinv);
    wren_fmllr_identity(I, D);
    double d_est = frob_diff(Wn, Tinv, nw), d_id = frob_diff(I, Tinv, nw);
    fprintf(stderr, "fmllr: %d frames; |Wy o T - Wx| = %.2e; normalised speaker: |W - T^-1| = %.3f, "
                    "|I - T^-1| = %.3f (Frobenius)\n", T, eq, d_est, d_id);
    ck_assert_msg(d_est < 0.5 * d_id && d_est / sqrt(nw) < 0.05, "estimate %.3f from T^-1, identity %.3f", d_est, d_id);
    free(xn); free(yn); free(Wn); free(Tinv);
    wren_fmllr_accs_free(&an);

    /* the transform raises the aligned likelihood of the distorted features (with the
     * Jacobian log|det A| of the transform, as the likelihood of y under the adapted model) */
    float *z = malloc((size_t)T * (size_t)D * sizeof *z);
    wren_fmllr_apply(Wy, D, y, z, T);
    double ll_y = aligned_loglik(y) / T, ll_x = aligned_loglik(feats) / T - logdet_A(Tm);
    double ll_z = aligned_loglik(z) / T + logdet_A(Wy);
    fprintf(stderr, "fmllr: aligned log-likelihood of the distorted features per frame: unadapted %.3f, "
                    "through T^-1 %.3f, adapted %.3f\n", ll_y, ll_x, ll_z);
    ck_assert(ll_z > ll_y + 1.0);
    ck_assert(ll_z > ll_x);      /* better than undoing T alone: the speaker is adapted too */

    free(z); free(I); free(y); free(Tm); free(Wx); free(Wy); free(C);
    wren_fmllr_accs_free(&ax);
    wren_fmllr_accs_free(&ay);
}
END_TEST

/* The auxiliary function after each pass never falls below the one before (start: before any). */
static void assert_rising(const double *trace, int n, double start)
{
    double prev = start;
    for (int i = 0; i < n; i++) {
        ck_assert_msg(trace[i] >= prev - 1e-9 * fabs(prev), "pass %d: %.9f < %.9f", i, trace[i], prev);
        prev = trace[i];
    }
}

START_TEST(test_aux_increases_monotonically)
{
    if (!load_fixture()) return;
    int nw = D * (D + 1);
    struct wren_fmllr_accs a;
    wren_fmllr_accs_init(&a, D);
    ck_assert_int_eq(wren_fmllr_accumulate(&a, am, feats, NULL, T, align, NULL, 1e-3f), 0);
    struct wren_fmllr_opts o;
    wren_fmllr_opts_default(&o);
    o.iters = 15;
    double *W = malloc((size_t)nw * sizeof *W), trace[15];
    wren_fmllr_identity(W, D);
    struct wren_fmllr_result r;
    ck_assert_int_eq(wren_fmllr_estimate(&a, &o, W, &r, trace), 0);
    assert_rising(trace, o.iters, r.aux_before);
    ck_assert(trace[0] > r.aux_before + 0.01);      /* the first pass does real work */
    ck_assert_double_eq_tol(trace[o.iters - 1], r.aux_after, 1e-9);
    ck_assert_double_eq_tol(wren_fmllr_aux(&a, W), r.aux_after, 1e-9);
    free(W);
    wren_fmllr_accs_free(&a);
}
END_TEST

/* --fmllr-blocks 3: A stays block-diagonal (13 x 13 blocks: static, delta, delta-delta), the
 * auxiliary function rises monotonically and ends between the identity's and the full
 * estimate's, and a known block-diagonal distortion of speaker-normalised features is undone. */
START_TEST(test_block_diagonal)
{
    if (!load_fixture()) return;
    int d1 = D + 1, nw = D * d1, bs = D / 3;
    struct wren_fmllr_accs a;
    wren_fmllr_accs_init(&a, D);
    ck_assert_int_eq(wren_fmllr_accumulate(&a, am, feats, NULL, T, align, NULL, 1e-3f), 0);
    struct wren_fmllr_opts o;
    wren_fmllr_opts_default(&o);
    o.iters = 30;
    double *Wf = malloc((size_t)nw * sizeof *Wf), *Wb = malloc((size_t)nw * sizeof *Wb), trace[30];
    struct wren_fmllr_result rf, rb;
    wren_fmllr_identity(Wf, D);
    wren_fmllr_identity(Wb, D);
    ck_assert_int_eq(wren_fmllr_estimate(&a, &o, Wf, &rf, NULL), 0);
    o.blocks = 3;
    ck_assert_int_eq(wren_fmllr_estimate(&a, &o, Wb, &rb, trace), 0);
    ck_assert_str_eq(rb.kind, "full");
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++)
            if (i / bs != j / bs) ck_assert_msg(Wb[i * d1 + j] == 0, "A[%d][%d] = %g outside the blocks", i, j, Wb[i * d1 + j]);
    assert_rising(trace, o.iters, rb.aux_before);
    fprintf(stderr, "fmllr blocks: aux per frame identity %.4f, 3 blocks %.4f, full %.4f\n", rb.aux_before,
            rb.aux_after, rf.aux_after);
    ck_assert(rb.aux_after > rb.aux_before + 0.01 && rb.aux_after < rf.aux_after);

    /* a block-diagonal distortion T of the block-normalised features: the estimate is near T^-1 */
    double *Tm = malloc((size_t)nw * sizeof *Tm), *Tinv = malloc((size_t)nw * sizeof *Tinv);
    double *Wn = malloc((size_t)nw * sizeof *Wn), *I = malloc((size_t)nw * sizeof *I);
    make_T(Tm);
    for (int i = 0; i < D; i++) if (i % bs == 0 && i > 0) Tm[i * d1 + i - 1] = 0;   /* no coupling across blocks */
    float *xn = malloc((size_t)T * (size_t)D * sizeof *xn), *yn = malloc((size_t)T * (size_t)D * sizeof *yn);
    wren_fmllr_apply(Wb, D, feats, xn, T);
    wren_fmllr_apply(Tm, D, xn, yn, T);
    struct wren_fmllr_accs an;
    wren_fmllr_accs_init(&an, D);
    ck_assert_int_eq(wren_fmllr_accumulate(&an, am, yn, xn, T, align, NULL, 1e-3f), 0);
    wren_fmllr_identity(Wn, D);
    ck_assert_int_eq(wren_fmllr_estimate(&an, &o, Wn, &rb, NULL), 0);
    invert_affine(Tm, Tinv);
    wren_fmllr_identity(I, D);
    double d_est = frob_diff(Wn, Tinv, nw), d_id = frob_diff(I, Tinv, nw);
    fprintf(stderr, "fmllr blocks: |W - T^-1| = %.3f, |I - T^-1| = %.3f\n", d_est, d_id);
    ck_assert_msg(d_est < 0.5 * d_id && d_est / sqrt(nw) < 0.05, "estimate %.3f from T^-1, identity %.3f", d_est, d_id);

    /* blocks that do not divide the dimension are refused */
    o.blocks = 2;
    ck_assert_int_eq(wren_fmllr_estimate(&a, &o, Wn, &rb, NULL), -1);
    free(xn); free(yn); free(Wn); free(Tinv); free(Tm); free(I); free(Wf); free(Wb);
    wren_fmllr_accs_free(&an);
    wren_fmllr_accs_free(&a);
}
END_TEST

START_TEST(test_em_steps_raise_likelihood)
{
    /* Distorted features, the posteriors computed on them as a first pass would: the first
     * estimate's E step is off, and each EM step (posteriors recomputed on W y) must raise the
     * aligned likelihood of y under the adapted model (Jacobian included). */
    if (!load_fixture()) return;
    int nw = D * (D + 1);
    double *Tm = malloc((size_t)nw * sizeof *Tm), *W = malloc((size_t)nw * sizeof *W);
    make_T(Tm);
    float *y = malloc((size_t)T * (size_t)D * sizeof *y), *z = malloc((size_t)T * (size_t)D * sizeof *z);
    wren_fmllr_apply(Tm, D, feats, y, T);
    struct wren_fmllr_accs a;
    wren_fmllr_accs_init(&a, D);
    ck_assert_int_eq(wren_fmllr_accumulate(&a, am, y, NULL, T, align, NULL, 1e-3f), 0);
    struct wren_fmllr_opts o;
    wren_fmllr_opts_default(&o);
    struct wren_fmllr_result r;
    wren_fmllr_identity(W, D);
    ck_assert_int_eq(wren_fmllr_estimate(&a, &o, W, &r, NULL), 0);
    ck_assert_str_eq(r.kind, "full");
    double ll[5];
    for (int e = 0; e < 5; e++) {
        if (e > 0) ck_assert_int_eq(wren_fmllr_em(am, y, T, T, NULL, align, NULL, 1e-3f, &o, 1, W, &r), 0);
        wren_fmllr_apply(W, D, y, z, T);
        ll[e] = aligned_loglik(z) / T + logdet_A(W);
        if (e > 0) ck_assert_msg(ll[e] >= ll[e - 1] - 1e-4, "EM step %d: %.5f < %.5f", e, ll[e], ll[e - 1]);
    }
    fprintf(stderr, "fmllr: aligned log-likelihood per frame after the first estimate %.4f, after 1..4 EM "
                    "steps %.4f %.4f %.4f %.4f\n", ll[0], ll[1], ll[2], ll[3], ll[4]);
    ck_assert(ll[4] > ll[0] + 0.01);
    /* steps = 0 leaves W alone */
    double *W2 = malloc((size_t)nw * sizeof *W2);
    memcpy(W2, W, (size_t)nw * sizeof *W2);
    ck_assert_int_eq(wren_fmllr_em(am, y, T, T, NULL, align, NULL, 1e-3f, &o, 0, W2, &r), 0);
    ck_assert(memcmp(W, W2, (size_t)nw * sizeof *W) == 0);
    free(W2); free(Tm); free(W); free(y); free(z);
    wren_fmllr_accs_free(&a);
}
END_TEST

START_TEST(test_map_means_raise_likelihood)
{
    /* MAP means estimated on the aligned frames raise their aligned likelihood, more with a
     * smaller prior weight; tau -> infinity keeps the model's means; NULL restores them exactly. */
    if (!load_fixture()) return;
    size_t nv = wren_am_n_mean_values(am);
    ck_assert(nv > 0);
    struct wren_map_accs m;
    wren_map_accs_init(&m, nv);
    ck_assert_int_eq(wren_map_accumulate_at(&m, am, feats, T, NULL, align, NULL, 1e-3f), 0);
    double occ = 0;
    for (size_t i = 0; i < nv; i++) occ += m.occ[i];
    ck_assert_double_eq_tol(occ, (double)T * D, 1e-2 * T * D);   /* each frame's posteriors sum to ~1 per dim */
    float *mu = malloc(nv * sizeof *mu);
    double ll0 = aligned_loglik(feats) / T, ll[2];
    const double taus[2] = { 100, 5 };
    for (int k = 0; k < 2; k++) {
        wren_map_estimate(&m, wren_am_model_means(am), taus[k], mu);
        wren_am_set_means(am, mu);
        ll[k] = aligned_loglik(feats) / T;
    }
    wren_map_estimate(&m, wren_am_model_means(am), 1e30, mu);
    ck_assert(memcmp(mu, wren_am_model_means(am), nv * sizeof *mu) == 0);
    wren_am_set_means(am, NULL);
    double ll_back = aligned_loglik(feats) / T;
    fprintf(stderr, "map: aligned log-likelihood per frame: model %.4f, tau 100 %.4f, tau 5 %.4f\n", ll0, ll[0], ll[1]);
    ck_assert(ll[0] > ll0 + 0.01);
    ck_assert(ll[1] > ll[0]);
    ck_assert(ll_back == ll0);
    free(mu);
    wren_map_accs_free(&m);
}
END_TEST

/* The test's own statistics of one frame, by definition (independent of fmllr.c): beta += w,
 * K_i += prec_mean_i [x; 1], upper triangle of G_i += prec_i [x; 1][x; 1]^T. */
static void add_frame(struct wren_fmllr_accs *a, const float *x, double w, const double *prec,
                      const double *pm)
{
    int d1 = D + 1;
    double xe[D + 1];
    for (int j = 0; j < D; j++) xe[j] = x[j];
    xe[D] = 1.0;
    a->beta += w;
    for (int i = 0; i < D; i++)
        for (int r = 0; r < d1; r++) {
            a->K[i * d1 + r] += pm[i] * xe[r];
            for (int c = r; c < d1; c++) a->G[((size_t)i * d1 + r) * d1 + c] += prec[i] * xe[r] * xe[c];
        }
}

/* The batched statistics (one GEMM, one SYRK per row) equal the frame-by-frame ones of the
 * definition, on the real features with the precisions of their aligned senones. */
START_TEST(test_batch_statistics_equal_single)
{
    if (!load_fixture()) return;
    struct wren_fmllr_accs one, many;
    wren_fmllr_accs_init(&one, D);
    wren_fmllr_accs_init(&many, D);
    int n = T < 300 ? T : 300;
    double *w = malloc((size_t)n * sizeof *w), *prec = malloc((size_t)n * (size_t)D * sizeof *prec);
    double *pm = malloc((size_t)n * (size_t)D * sizeof *pm);
    for (int t = 0; t < n; t++) {
        w[t] = 0.25 + (t % 4) * 0.25;
        for (int i = 0; i < D; i++) {
            /* some zero precisions, as silence-weighted or absent streams give */
            prec[t * D + i] = (t + i) % 7 ? w[t] * (1.0 + 0.1 * i + 0.01 * t) : 0.0;
            pm[t * D + i] = prec[t * D + i] * feats[(size_t)t * (size_t)D + (size_t)i] * 0.5;
        }
        add_frame(&one, feats + (size_t)t * (size_t)D, w[t], prec + t * D, pm + t * D);
    }
    wren_fmllr_accs_add_batch(&many, n / 2, feats, w, prec, pm);
    wren_fmllr_accs_add_batch(&many, n - n / 2, feats + (size_t)(n / 2) * (size_t)D, w + n / 2,
                              prec + (n / 2) * D, pm + (n / 2) * D);
    int d1 = D + 1;
    ck_assert(fabs(one.beta - many.beta) < 1e-9);
    double dk = 0, dg = 0, mk = 0, mg = 0;
    for (int i = 0; i < D * d1; i++) { dk = fmax(dk, fabs(one.K[i] - many.K[i])); mk = fmax(mk, fabs(one.K[i])); }
    for (int i = 0; i < D; i++)
        for (int r = 0; r < d1; r++)
            for (int c = r; c < d1; c++) {   /* the upper triangles are the statistics */
                size_t k = (size_t)i * d1 * d1 + (size_t)r * d1 + (size_t)c;
                dg = fmax(dg, fabs(one.G[k] - many.G[k]));
                mg = fmax(mg, fabs(one.G[k]));
            }
    fprintf(stderr, "fmllr: batched statistics of %d frames: max |dK| %.3g (of %.3g), max |dG| %.3g (of %.3g)\n",
            n, dk, mk, dg, mg);
    ck_assert(mk > 0 && mg > 0);
    ck_assert(dk <= 1e-10 * mk && dg <= 1e-10 * mg);
    wren_fmllr_accs_free(&one);
    wren_fmllr_accs_free(&many);
    free(w);
    free(prec);
    free(pm);
}
END_TEST

START_TEST(test_mllr_means_follow_a_shift)
{
    /* Features shifted and scaled dim by dim (a transform each stream's MLLR can express):
     * MLLR means estimated on them raise the aligned likelihood, move also the Gaussians no
     * frame visited, and with too little occupancy keep the model's means. */
    if (!load_fixture()) return;
    size_t nv = wren_am_n_mean_values(am);
    float *x = malloc((size_t)T * (size_t)D * sizeof *x);
    for (int t = 0; t < T; t++)
        for (int i = 0; i < D; i++)
            x[(size_t)t * D + i] = 0.85f * feats[(size_t)t * D + i] + 0.3f * (float)(i % 3 - 1);
    struct wren_map_accs m;
    wren_map_accs_init(&m, nv);
    ck_assert_int_eq(wren_map_accumulate_at(&m, am, x, T, NULL, align, NULL, 1e-3f), 0);
    float *mu = malloc(nv * sizeof *mu);
    struct wren_mllr_result r;
    ck_assert_int_eq(wren_mllr_estimate(&m, am, 300, mu, &r), 0);
    ck_assert_int_eq(r.streams_full, wren_am_n_streams(am));
    size_t unvisited = 0, unvisited_moved = 0;
    const float *mu0 = wren_am_model_means(am);
    for (size_t i = 0; i < nv; i++)
        if (m.occ[i] == 0) { unvisited++; unvisited_moved += mu[i] != mu0[i]; }
    double ll0 = aligned_loglik(x) / T;
    wren_am_set_means(am, mu);
    double ll1 = aligned_loglik(x) / T;
    wren_am_set_means(am, NULL);
    fprintf(stderr, "mllr: aligned log-likelihood per frame of the shifted features: model %.4f, "
                    "MLLR means %.4f; %zu of %zu unvisited mean values moved\n",
            ll0, ll1, unvisited_moved, unvisited);
    ck_assert(ll1 > ll0 + 0.5);
    ck_assert(unvisited > 0 && unvisited_moved == unvisited);
    ck_assert_int_eq(wren_mllr_estimate(&m, am, 1e12, mu, &r), 0);
    ck_assert_int_eq(r.streams_full, 0);
    ck_assert(memcmp(mu, mu0, nv * sizeof *mu) == 0);
    free(mu);
    free(x);
    wren_map_accs_free(&m);
}
END_TEST

START_TEST(test_few_frames_fall_back)
{
    if (!load_fixture()) return;
    int d1 = D + 1, nw = D * d1;
    struct wren_fmllr_opts o;
    wren_fmllr_opts_default(&o);     /* identity below 20 frames, bias only below 300 */
    double *W = malloc((size_t)nw * sizeof *W), *I = malloc((size_t)nw * sizeof *I);
    wren_fmllr_identity(I, D);
    struct wren_fmllr_result r;
    struct wren_fmllr_accs a;
    wren_fmllr_accs_init(&a, D);
    ck_assert_int_eq(wren_fmllr_accumulate(&a, am, feats, NULL, 10, align, NULL, 1e-3f), 0);
    wren_fmllr_identity(W, D);
    W[0] = 1.5;      /* a starting point other than the identity: the fallback resets it */
    ck_assert_int_eq(wren_fmllr_estimate(&a, &o, W, &r, NULL), 0);
    ck_assert_str_eq(r.kind, "identity");
    ck_assert_double_eq(max_abs_diff(W, I, nw), 0);

    /* 150 frames: A stays I, a bias is estimated and raises the auxiliary function */
    wren_fmllr_accs_reset(&a);
    ck_assert_int_eq(wren_fmllr_accumulate(&a, am, feats + 100 * D, NULL, 150, align + 100, NULL, 1e-3f), 0);
    wren_fmllr_identity(W, D);
    ck_assert_int_eq(wren_fmllr_estimate(&a, &o, W, &r, NULL), 0);
    ck_assert_str_eq(r.kind, "bias");
    double bnorm = 0;
    for (int i = 0; i < D; i++) {
        for (int j = 0; j < D; j++) ck_assert_double_eq(W[i * d1 + j], i == j);
        bnorm += fabs(W[i * d1 + D]);
    }
    ck_assert(bnorm > 0);
    ck_assert(r.aux_after > r.aux_before);
    /* the same frames with the full-update threshold lowered: a full transform, better still */
    o.min_frames_full = 100;
    double aux_bias = r.aux_after;
    wren_fmllr_identity(W, D);
    ck_assert_int_eq(wren_fmllr_estimate(&a, &o, W, &r, NULL), 0);
    ck_assert_str_eq(r.kind, "full");
    ck_assert(r.aux_after > aux_bias);
    /* silence weighting: zero-weight frames add nothing */
    float *wt = calloc(150, sizeof *wt);
    wren_fmllr_accs_reset(&a);
    ck_assert_int_eq(wren_fmllr_accumulate(&a, am, feats, NULL, 150, align, wt, 1e-3f), 0);
    ck_assert_double_eq(a.beta, 0);
    free(wt);
    free(W); free(I);
    wren_fmllr_accs_free(&a);
}
END_TEST

START_TEST(test_table_round_trip_and_errors)
{
    char *dir = test_tmpdir();
    int d = 3, nw = d * (d + 1);
    double W1[12], W2[12];
    for (int i = 0; i < nw; i++) { W1[i] = (i * 37 % 11) / 7.0 - 0.5; W2[i] = -1e-5 * i + (i % 4 == 0); }
    char path[600];
    snprintf(path, sizeof path, "%s/trans.txt", dir);
    FILE *f = fopen(path, "w");
    ck_assert_int_eq(wren_fmllr_write(f, "spkA", W1, d), 0);
    ck_assert_int_eq(wren_fmllr_write(f, "spkB", W2, d), 0);
    fclose(f);
    /* Kaldi's text matrix layout: "key  [", one row a line, "]" closing the last row */
    FILE *rf = fopen(path, "r");
    char line[256];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, rf));
    ck_assert_str_eq(line, "spkA  [\n");
    for (int i = 0; i < d; i++) ck_assert_ptr_nonnull(fgets(line, sizeof line, rf));
    ck_assert_msg(strstr(line, " ]\n") != NULL, "last row: %s", line);
    fclose(rf);
    struct wren_fmllr_table t;
    ck_assert_msg(wren_fmllr_table_read(path, d, &t) == 0, "%s", wren_error_msg());
    ck_assert_int_eq(t.n, 2);
    ck_assert_double_eq_tol(max_abs_diff(wren_fmllr_table_find(&t, "spkA"), W1, nw), 0, 1e-8);
    ck_assert_double_eq_tol(max_abs_diff(wren_fmllr_table_find(&t, "spkB"), W2, nw), 0, 1e-12);
    ck_assert_ptr_null(wren_fmllr_table_find(&t, "spkC"));
    wren_fmllr_table_free(&t);
    /* wrong dimension for the model */
    ck_assert_int_eq(wren_fmllr_table_read(path, 4, &t), -1);
    ck_assert_msg(strstr(wren_error_msg(), "trans.txt:") != NULL, "%s", wren_error_msg());

    struct { const char *text, *expect; } bad[] = {
        { "s1  [\n  1 0 0 0\n  0 1 0\n  0 0 1 0 ]\n", "bad.txt:3:" },          /* short row */
        { "s1  [\n  1 0 0 0\n  0 1 0 0\n  0 0 1 0\n", "not closed" },
        { "s1  [\n  1 0 0 0\n  0 1 x 0\n  0 0 1 0 ]\n", "bad.txt:3: 'x' is not a number" },
        { "s1  1 0 0 0\n", "bad.txt:1: expected '['" },
        { "s1  [\n  1 0 0 0\n  0 1 0 0\n  0 0 1 0 ]\ns1  [\n  1 0 0 0\n  0 1 0 0\n  0 0 1 0 ]\n", "bad.txt:5: duplicate" },
        { "s1  [\n  1 0 0 0\n  0 1 0 0 ]\n", "bad.txt:3:" },                     /* too few rows */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *p = test_write_file(dir, "bad.txt", bad[i].text);
        ck_assert_int_eq(wren_fmllr_table_read(p, d, &t), -1);
        ck_assert_msg(strstr(wren_error_msg(), bad[i].expect) != NULL, "case %zu: %s", i, wren_error_msg());
        unlink(p);
        free(p);
    }
    unlink(path);
    rmdir(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fmllr");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_table_round_trip_and_errors);
    tcase_add_test(tc, test_recovers_known_transform);
    tcase_add_test(tc, test_aux_increases_monotonically);
    tcase_add_test(tc, test_block_diagonal);
    tcase_add_test(tc, test_few_frames_fall_back);
    tcase_add_test(tc, test_batch_statistics_equal_single);
    tcase_add_test(tc, test_em_steps_raise_likelihood);
    tcase_add_test(tc, test_map_means_raise_likelihood);
    tcase_add_test(tc, test_mllr_means_follow_a_shift);
    suite_add_tcase(s, tc);
    int rc = test_run_suite(s);
    free_fixture();
    return rc;
}
