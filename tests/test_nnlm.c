/* test_nnlm.c — the Transformer LM: finite-difference gradient checks of every layer and the
 * whole model (dense, masked, factored and structurally shrunk layers), overfitting a tiny
 * text, KV-cache scores equal to full-sequence scores, batched packing not changing scores,
 * bit-identical resume from a checkpoint, the safetensors layout parsed independently here,
 * and bad-input errors. */
#include "testutil.h"

#include "utils/matrix.h"
#include "nnlm/nnlm-internal.h"
#include "utils/wren-util.h"
#define FD_SEED 12345
#include "fdcheck.h"

#include <math.h>
#include <stdint.h>

static float frand(uint64_t *s)
{
    *s = wren_nn_hash64(*s);
    return (float)nnlm_uniform(*s) * 2.0f - 1.0f;
}

static void fill(float *p, size_t n, uint64_t seed, float scale)
{
    for (size_t i = 0; i < n; i++) p[i] = scale * frand(&seed);
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}


/* ---------------------------------------------------------------- layer checks */

struct ln_ctx { float *x, *g, *b, *y, *dy, *mu, *rs; int n, d; };
static double ln_loss(void *c)
{
    struct ln_ctx *t = c;
    wren_nn_layernorm_fwd(t->x, t->g, t->b, t->n, t->d, 1e-5f, t->y, t->mu, t->rs);
    return dot(t->y, t->dy, (size_t)t->n * t->d);
}

START_TEST(test_grad_layernorm)
{
    int n = 3, d = 7;
    float x[21], g[7], b[7], y[21], dy[21], mu[3], rs[3], dx[21], dg[7] = { 0 }, db[7] = { 0 };
    fill(x, 21, 1, 2.0f); fill(g, 7, 2, 1.0f); fill(b, 7, 3, 1.0f); fill(dy, 21, 4, 1.0f);
    struct ln_ctx c = { x, g, b, y, dy, mu, rs, n, d };
    ln_loss(&c);
    wren_nn_layernorm_bwd(x, g, mu, rs, dy, n, d, dx, dg, db, 0);
    fd_check("layernorm dx", ln_loss, &c, x, dx, 21, 21, 1e-3, 2e-2);
    fd_check("layernorm dgain", ln_loss, &c, g, dg, 7, 7, 1e-3, 2e-2);
    fd_check("layernorm dbias", ln_loss, &c, b, db, 7, 7, 1e-3, 2e-2);
}
END_TEST

struct gelu_ctx { float *x, *y, *dy; size_t n; };
static double gelu_loss(void *c)
{
    struct gelu_ctx *t = c;
    wren_nn_gelu_fwd(t->x, t->y, t->n);
    return dot(t->y, t->dy, t->n);
}

START_TEST(test_grad_gelu)
{
    float x[16], y[16], dy[16], dx[16];
    fill(x, 16, 5, 3.0f); fill(dy, 16, 6, 1.0f);
    struct gelu_ctx c = { x, y, dy, 16 };
    wren_nn_gelu_bwd(x, dy, dx, 16);
    fd_check("gelu", gelu_loss, &c, x, dx, 16, 16, 1e-3, 1e-2);
}
END_TEST

struct lin_ctx { struct nnlm_linear *l; float *x, *y, *dy, *tmp; int n; };
static double lin_loss(void *c)
{
    struct lin_ctx *t = c;
    wren_nn_linear_fwd(t->l, t->x, t->n, t->y, t->tmp);
    return dot(t->y, t->dy, (size_t)t->n * t->l->out);
}

static void check_linear(int kind)
{
    int n = 4, in = 6, out = 5, r = 3;
    float w[30], u[15], v[18], b[5], gw[30] = { 0 }, gu[15] = { 0 }, gv[18] = { 0 }, gb[5] = { 0 };
    float x[24], y[20], dy[20], dx[24], tmp[12], dtmp[12];
    fill(w, 30, 7, 1); fill(u, 15, 8, 1); fill(v, 18, 9, 1); fill(b, 5, 10, 1);
    fill(x, 24, 11, 1); fill(dy, 20, 12, 1);
    struct nnlm_linear l = { in, out, kind, r, w, u, v, b, NULL, NULL };
    struct nnlm_linear g = { in, out, kind, r, gw, gu, gv, gb, NULL, NULL };
    struct lin_ctx c = { &l, x, y, dy, tmp, n };
    lin_loss(&c);
    wren_nn_linear_bwd(&l, &g, x, tmp, dy, n, dx, 0, dtmp);
    fd_check("linear dx", lin_loss, &c, x, dx, 24, 24, 1e-3, 1e-2);
    fd_check("linear db", lin_loss, &c, b, gb, 5, 5, 1e-3, 1e-2);
    if (kind == NNLM_FACTORED) {
        fd_check("linear dU", lin_loss, &c, u, gu, 15, 15, 1e-3, 1e-2);
        fd_check("linear dV", lin_loss, &c, v, gv, 18, 18, 1e-3, 1e-2);
    } else {
        fd_check("linear dW", lin_loss, &c, w, gw, 30, 30, 1e-3, 1e-2);
    }
}

START_TEST(test_grad_linear_dense) { check_linear(NNLM_DENSE); }
END_TEST
START_TEST(test_grad_linear_factored) { check_linear(NNLM_FACTORED); }
END_TEST

struct att_ctx { float *q, *k, *v, *P, *ctx, *dctx; int *seg; int B, T, H, dh; };
static double att_loss(void *c)
{
    struct att_ctx *t = c;
    wren_nn_attention_fwd(t->q, t->k, t->v, t->seg, t->B, t->T, t->H, t->dh, t->P, t->ctx);
    return dot(t->ctx, t->dctx, (size_t)t->B * t->T * t->H * t->dh);
}

START_TEST(test_grad_attention)
{
    enum { B = 2, T = 5, H = 2, dh = 3, N = B * T * H * dh };
    float q[N], k[N], v[N], ctx[N], dctx[N], dq[N], dk[N], dv[N], P[B * H * T * T], scr[T * T];
    int seg[B * T] = { 0, 0, 0, 0, 0, 0, 0, 2, 2, 2 };   /* row 2 restarts at position 2 */
    fill(q, N, 13, 1); fill(k, N, 14, 1); fill(v, N, 15, 1); fill(dctx, N, 16, 1);
    struct att_ctx c = { q, k, v, P, ctx, dctx, seg, B, T, H, dh };
    att_loss(&c);
    /* causality and the restart: probabilities outside [seg, i] are zero and rows sum to 1 */
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++)
            for (int i = 0; i < T; i++) {
                double s = 0;
                for (int j = 0; j < T; j++) {
                    float p = P[((b * H + h) * T + i) * T + j];
                    if (j > i || j < seg[b * T + i]) ck_assert(p == 0.0f);
                    s += p;
                }
                ck_assert(fabs(s - 1) < 1e-5);
            }
    wren_nn_attention_bwd(q, k, v, P, dctx, B, T, H, dh, dq, dk, dv, scr);
    fd_check("attention dq", att_loss, &c, q, dq, N, N, 1e-3, 2e-2);
    fd_check("attention dk", att_loss, &c, k, dk, N, N, 1e-3, 2e-2);
    fd_check("attention dv", att_loss, &c, v, dv, N, N, 1e-3, 2e-2);
}
END_TEST

struct out_ctx { float *h, *E, *b, *logits; int *tgt; int n, D, V; };
static double out_loss(void *c)
{
    struct out_ctx *t = c;
    double loss = 0;
    wren_nn_output_fwd_bwd(t->h, t->tgt, t->n, t->D, t->V, t->E, t->b, 1.0f, &loss, NULL, NULL, NULL,
                        NULL, t->logits, 2, NULL);
    return loss;
}

START_TEST(test_grad_output_softmax)
{
    enum { n = 5, D = 4, V = 9 };
    float h[n * D], E[V * D], b[V], dh[n * D], dE[V * D] = { 0 }, db[V] = { 0 }, logits[2 * V], lp[n];
    int tgt[n] = { 3, -1, 0, 8, 3 };
    fill(h, n * D, 17, 1); fill(E, V * D, 18, 1); fill(b, V, 19, 1);
    struct out_ctx c = { h, E, b, logits, tgt, n, D, V };
    double loss = 0;
    wren_nn_output_fwd_bwd(h, tgt, n, D, V, E, b, 1.0f, &loss, lp, dh, dE, db, logits, 2, NULL);
    ck_assert(fabs(loss - out_loss(&c)) < 1e-5);
    /* log-probabilities: -sum equals the loss, and they are proper log-probabilities */
    ck_assert(fabs(-(lp[0] + lp[2] + lp[3] + lp[4]) - loss) < 1e-4);
    ck_assert(lp[1] == 0.0f);
    fd_check("output dh", out_loss, &c, h, dh, n * D, n * D, 1e-2, 1e-2);
    fd_check("output dE", out_loss, &c, E, dE, V * D, V * D, 1e-2, 1e-2);
    fd_check("output dbias", out_loss, &c, b, db, V, V, 1e-2, 1e-2);
    for (int i = 0; i < D; i++) ck_assert(dh[1 * D + i] == 0.0f);   /* no target, no gradient */
}
END_TEST

/* The training's elementwise work is split over threads (rows, runs of columns for the sums over
 * rows, chunks of GELU): with two threads LayerNorm and GELU must give the same bits as with one,
 * on shapes with a ragged column run and a ragged last chunk; the output layer (whose GEMMs
 * OpenBLAS may split differently) the same values. Its chunk is all R rows, so that R * V is over
 * NNLM_PAR_MIN and its softmax and bias gradient do run on two threads. */
START_TEST(test_parallel_layers_match_serial)
{
    enum { n = 301, d = 130, G = 50017, R = 40, D = 8, V = 1001 };
    float *x = wren_xmalloc(sizeof(float) * n * d), *dy = wren_xmalloc(sizeof(float) * n * d);
    float *gx = wren_xmalloc(sizeof(float) * G), *gdy = wren_xmalloc(sizeof(float) * G);
    float g[d], b[d], y[2][n * d], dx[2][n * d], mu[2][n], rs[2][n], dg[2][d], db[2][d];
    float *gy[2], *gdx[2];
    float h[R * D], E[V * D], ob[V], *logits = wren_xmalloc(sizeof(float) * R * V);
    float dh[2][R * D], dE[2][V * D], odb[2][V], lp[2][R];
    double loss[2] = { 0, 0 };
    int tgt[R];
    ck_assert((size_t)R * V >= NNLM_PAR_MIN && (size_t)n * d >= NNLM_PAR_MIN && (size_t)G >= NNLM_PAR_MIN);
    fill(x, (size_t)n * d, 31, 3); fill(dy, (size_t)n * d, 32, 1); fill(g, d, 33, 1); fill(b, d, 34, 1);
    fill(gx, G, 35, 4); fill(gdy, G, 36, 1);
    fill(h, R * D, 37, 1); fill(E, V * D, 38, 1); fill(ob, V, 39, 1);
    for (int i = 0; i < R; i++) tgt[i] = i % 7 == 3 ? -1 : (i * 97) % V;
    for (int t = 0; t < 2; t++) {
        wren_blas_set_threads(t + 1);
#ifdef _OPENMP
        ck_assert_int_eq(wren_nn_par_threads(NNLM_PAR_MIN), t + 1);
#endif
        wren_nn_layernorm_fwd(x, g, b, n, d, 1e-5f, y[t], mu[t], rs[t]);
        memset(dg[t], 0, sizeof dg[t]); memset(db[t], 0, sizeof db[t]);
        for (int i = 0; i < n * d; i++) dx[t][i] = 0.5f;   /* accumulate into it */
        wren_nn_layernorm_bwd(x, g, mu[t], rs[t], dy, n, d, dx[t], dg[t], db[t], 1);
        gy[t] = wren_xmalloc(sizeof(float) * G); gdx[t] = wren_xmalloc(sizeof(float) * G);
        wren_nn_gelu_fwd(gx, gy[t], G);
        wren_nn_gelu_bwd(gx, gdy, gdx[t], G);
        memset(dE[t], 0, sizeof dE[t]); memset(odb[t], 0, sizeof odb[t]);
        wren_nn_output_fwd_bwd(h, tgt, R, D, V, E, ob, 0.5f, &loss[t], lp[t], dh[t], dE[t], odb[t], logits, R, NULL);
    }
    wren_blas_set_threads(1);
    ck_assert(memcmp(y[0], y[1], sizeof y[0]) == 0);
    ck_assert(memcmp(mu[0], mu[1], sizeof mu[0]) == 0 && memcmp(rs[0], rs[1], sizeof rs[0]) == 0);
    ck_assert(memcmp(dx[0], dx[1], sizeof dx[0]) == 0);
    ck_assert(memcmp(dg[0], dg[1], sizeof dg[0]) == 0 && memcmp(db[0], db[1], sizeof db[0]) == 0);
    ck_assert(memcmp(gy[0], gy[1], sizeof(float) * G) == 0);
    ck_assert(memcmp(gdx[0], gdx[1], sizeof(float) * G) == 0);
    ck_assert(fabs(loss[0] - loss[1]) <= 1e-6 * fabs(loss[0]));
    for (int i = 0; i < R; i++) ck_assert(fabsf(lp[0][i] - lp[1][i]) <= 1e-5f);
    for (int i = 0; i < V; i++) ck_assert(fabsf(odb[0][i] - odb[1][i]) <= 1e-6f);
    for (int i = 0; i < R * D; i++) ck_assert(fabsf(dh[0][i] - dh[1][i]) <= 1e-5f);
    for (int i = 0; i < V * D; i++) ck_assert(fabsf(dE[0][i] - dE[1][i]) <= 1e-5f);
    /* and the reductions are right: db of LayerNorm is the column sum of dy */
    for (int j = 0; j < d; j += 43) {
        double s = 0;
        for (int i = 0; i < n; i++) s += dy[(size_t)i * d + j];
        ck_assert(fabs(s - db[1][j]) < 1e-3);
    }
    for (int t = 0; t < 2; t++) { free(gy[t]); free(gdx[t]); }
    free(x); free(dy); free(gx); free(gdy); free(logits);
}
END_TEST

/* Scoring computes the logits NNLM_OUT_BLOCK columns at a time with a running max: over a
 * vocabulary of several blocks (and a ragged last one) its log-probabilities must equal the
 * softmax computed whole in double precision, and the training path's. */
START_TEST(test_output_blocked_lse)
{
    enum { n = 7, D = 5, V = 3 * NNLM_OUT_BLOCK + 37 };
    float *h = malloc(n * D * sizeof *h), *E = malloc((size_t)V * D * sizeof *E);
    float *b = malloc(V * sizeof *b), *logits = malloc((size_t)4 * V * sizeof *logits);
    float *dh = malloc(n * D * sizeof *dh), *dE = calloc((size_t)V * D, sizeof *dE);
    float *db = calloc(V, sizeof *db), lp[n], lp2[n];
    int tgt[n] = { 0, NNLM_OUT_BLOCK - 1, NNLM_OUT_BLOCK, -1, V - 1, 2 * NNLM_OUT_BLOCK + 3, 5 };
    fill(h, n * D, 21, 3); fill(E, (size_t)V * D, 22, 1); fill(b, V, 23, 2);
    E[(size_t)(V - 1) * D] = 40.0f;   /* the last block holds the largest logit: the max moves */
    for (int i = 0; i < n; i++) h[i * D] = fabsf(h[i * D]) + 0.5f;
    double loss = 0, loss2 = 0;
    wren_nn_output_fwd_bwd(h, tgt, n, D, V, E, b, 1.0f, &loss, lp, NULL, NULL, NULL, logits, 4, NULL);
    wren_nn_output_fwd_bwd(h, tgt, n, D, V, E, b, 1.0f, &loss2, lp2, dh, dE, db, logits, 4, NULL);
    for (int i = 0; i < n; i++) {
        if (tgt[i] < 0) { ck_assert(lp[i] == 0.0f); continue; }
        double mx = -INFINITY, s = 0, zt = 0;
        for (int v = 0; v < V; v++) {
            double z = b[v];
            for (int j = 0; j < D; j++) z += (double)h[i * D + j] * E[(size_t)v * D + j];
            if (z > mx) { s *= exp(mx - z); mx = z; }
            s += exp(z - mx);
            if (v == tgt[i]) zt = z;
        }
        ck_assert_double_eq_tol(lp[i], zt - mx - log(s), 1e-4);
        ck_assert_double_eq_tol(lp[i], lp2[i], 1e-4);
    }
    ck_assert_double_eq_tol(loss, loss2, 1e-3);
    free(h); free(E); free(b); free(logits); free(dh); free(dE); free(db);
}
END_TEST

/* ---------------------------------------------------------------- whole model */

/* A model whose blocks exercise every storage kind: block 0 has factored q and o and a masked
 * fc1; block 1 is structurally pruned (1 head of 2, FFN 5 instead of 12). */
static struct wren_nnlm *mixed_model(const struct wren_nnlm_vocab *v, int pos_learned)
{
    struct nnlm_config c = { 0, 8, 2, 2, 4, 12, 8, pos_learned, 1, 1e-5f, 0, 0.0f, 0.0f, 0.0f, 0, 0.0f };
    struct nnlm_block_spec s[2];
    memset(s, 0, sizeof s);
    s[0].n_heads = 2; s[0].d_ffn = 12;
    s[0].kind[NNLM_Q] = NNLM_FACTORED; s[0].rank[NNLM_Q] = 3;
    s[0].kind[NNLM_O] = NNLM_FACTORED; s[0].rank[NNLM_O] = 2;
    s[0].kind[NNLM_FC1] = NNLM_MASKED;
    s[1].n_heads = 1; s[1].d_ffn = 5;
    struct wren_nnlm *m = wren_nn_alloc(&c, s, v);
    const struct nnlm_tensor *mk = wren_nn_find_tensor(m, "blocks.0.ffn.fc1.mask");
    ck_assert_ptr_nonnull(mk);
    for (size_t i = 0; i < mk->n; i++) mk->mask[i] = (i % 3) != 0;
    wren_nn_init_weights(m, 77);
    /* larger weights than the default init so that every path carries gradient */
    for (size_t i = 0; i < m->nparams; i++) m->params[i] *= 10.0f;
    for (int l = 0; l < 2; l++) {
        for (int i = 0; i < 8; i++) { m->blk[l].ln1_g[i] = 1.0f + 0.1f * i; m->blk[l].ln2_g[i] = 1.0f - 0.05f * i; }
    }
    wren_nn_apply_masks(m, m->params);
    return m;
}

struct model_ctx { struct wren_nnlm *m; struct nnlm_fb *fb; struct nnlm_batch *b; float p; };
static double model_loss(void *c)
{
    struct model_ctx *t = c;
    long nt;
    double l = wren_nn_forward_backward(t->m, t->fb, t->b, NULL, t->p, 5, 3, &nt, NULL);
    return l / (double)nt;
}

static void check_model(int pos_learned, float p)
{
    char *dir = test_tmpdir();
    struct wren_nnlm_vocab *v = fd_tiny_vocab(dir);
    struct wren_nnlm *m = mixed_model(v, pos_learned);
    enum { B = 2, T = 8 };
    int tok[B * T] = { 0, 3, 4, 5, 1, 0, 3, 9, 0, 10, 6, 7, 8, 3, 4, 1 };
    int tgt[B * T] = { 3, 4, 5, 1, -1, 3, 9, 2, 10, 6, 7, 8, 3, 4, 1, -1 };
    int pos[B * T], seg[B * T];
    for (int r = 0; r < B; r++) {
        int last = 0;
        for (int i = 0; i < T; i++) {
            if (tok[r * T + i] == 0) last = i;
            seg[r * T + i] = last;
            pos[r * T + i] = i - last;
        }
    }
    struct nnlm_batch b = { .B = B, .T = T, .tok = tok, .tgt = tgt, .pos = pos, .seg = seg };
    struct nnlm_fb *fb = wren_nn_fb_create(m, B, T, 1);
    float *grad = wren_fbuf_alloc(m->nparams);
    long nt;
    wren_nn_forward_backward(m, fb, &b, grad, p, 5, 3, &nt, NULL);
    ck_assert_int_eq(nt, 14);
    struct model_ctx c = { m, fb, &b, p };
    /* every tensor, a few coordinates each (masked coordinates must have zero gradient) */
    for (int i = 0; i < m->ntensors; i++) {
        const struct nnlm_tensor *t = &m->t[i];
        if (t->is_mask) continue;
        float *x = m->params + t->off;
        const float *g = grad + t->off;
        if (strstr(t->name, "fc1.weight") && !strncmp(t->name, "blocks.0", 8)) {
            for (size_t k = 0; k < t->n; k++) if (k % 3 == 0) ck_assert(g[k] == 0.0f);
            continue;   /* perturbing a masked coordinate is meaningless */
        }
        if (!strcmp(t->name, "tok_emb.weight")) x += 3 * 8, g += 3 * 8;   /* rows of seen words */
        fd_check(t->name, model_loss, &c, x, g, t->n < 24 ? t->n : 24, 12, 2e-3, 3e-2);
    }
    wren_fbuf_free(grad);
    wren_nn_fb_free(fb);
    wren_nnlm_free(m);
    wren_nnlm_vocab_free(v);
    free(dir);
}

START_TEST(test_grad_full_model_learned) { check_model(1, 0.0f); }
END_TEST
START_TEST(test_grad_full_model_sinusoidal_dropout) { check_model(0, 0.2f); }
END_TEST

/* ---------------------------------------------------------------- scoring */

static void random_sentences(int n, int V, int maxlen, uint64_t seed, int **w, int *len)
{
    for (int i = 0; i < n; i++) {
        seed = wren_nn_hash64(seed);
        len[i] = 1 + (int)(seed % (uint64_t)maxlen);
        w[i] = malloc((size_t)len[i] * sizeof(int));
        for (int j = 0; j < len[i]; j++) { seed = wren_nn_hash64(seed); w[i][j] = 2 + (int)(seed % (uint64_t)(V - 2)); }
    }
}

START_TEST(test_kv_cache_matches_full_forward)
{
    char *dir = test_tmpdir();
    struct wren_nnlm_vocab *v = fd_tiny_vocab(dir);
    struct wren_nnlm *m = mixed_model(v, 1);
    enum { n = 9 };
    int *w[n], len[n];
    random_sentences(n, wren_nnlm_vocab_size(v), 6, 99, w, len);   /* <= 7 tokens: fits context 8 */
    int total = 0;
    for (int i = 0; i < n; i++) total += len[i] + 1;
    float *lp = malloc((size_t)total * sizeof *lp);
    double sl[n];
    ck_assert_int_eq(wren_nnlm_score_sentences(m, n, (const int *const *)w, len, lp, sl), 0);
    int k = 0;
    for (int i = 0; i < n; i++) {
        struct wren_nnlm_state *s = wren_nnlm_state_begin(m), *keep = wren_nnlm_state_copy(s);
        double sum = 0;
        for (int j = 0; j <= len[i]; j++, k++) {
            int word = j < len[i] ? w[i][j] : WREN_NNLM_EOS;
            float l;
            struct wren_nnlm_state *nx = NULL;
            ck_assert_int_eq(wren_nnlm_state_score(m, s, word, &l, j < len[i] ? &nx : NULL), 0);
            ck_assert_msg(fabsf(l - lp[k]) < 1e-4f, "sentence %d word %d: incremental %g, batched %g", i, j, l, lp[k]);
            ck_assert(l < 0);
            sum += l;
            wren_nnlm_state_free(s);
            s = nx;
        }
        ck_assert(fabs(sum - sl[i]) < 1e-3);
        /* a copied state still scores the same after its sibling was extended and freed */
        float l0;
        wren_nnlm_state_score(m, keep, w[i][0], &l0, NULL);
        ck_assert(fabsf(l0 - lp[k - len[i] - 1]) < 1e-4f);
        ck_assert_int_eq(wren_nnlm_state_length(keep), 1);
        wren_nnlm_state_free(keep);
    }
    /* packing: scoring a sentence alone gives the same numbers as within the batch */
    float alone[8];
    ck_assert_int_eq(wren_nnlm_score_sentences(m, 1, (const int *const *)&w[4], &len[4], alone, NULL), 0);
    int off = 0;
    for (int i = 0; i < 4; i++) off += len[i] + 1;
    for (int j = 0; j <= len[4]; j++) ck_assert(fabsf(alone[j] - lp[off + j]) < 1e-5f);
    /* <s> is computed once per model, but again once the weights changed: after changing the
     * final LayerNorm's bias (the state's own hidden vector), a new <s> state scores as the
     * batched path of the changed model does */
    {
        int rows, cols;
        float *ob = wren_nnlm_tensor(m, "ln_f.bias", &rows, &cols);
        ck_assert_ptr_nonnull(ob);
        for (int j = 0; j < rows; j++) ob[j] += 2.0f * (float)(j % 3 - 1);   /* 1-D: cols 0 */
        float changed[8], l1;
        ck_assert_int_eq(wren_nnlm_score_sentences(m, 1, (const int *const *)&w[4], &len[4], changed, NULL), 0);
        ck_assert(fabsf(changed[0] - alone[0]) > 1e-3f);
        struct wren_nnlm_state *b = wren_nnlm_state_begin(m);
        ck_assert_int_eq(wren_nnlm_state_score(m, b, w[4][0], &l1, NULL), 0);
        ck_assert_msg(fabsf(l1 - changed[0]) < 1e-4f, "<s> after a weight change: %g, batched %g", l1, changed[0]);
        wren_nnlm_state_free(b);
    }
    /* the distribution after a state sums to one */
    struct wren_nnlm_state *s = wren_nnlm_state_begin(m);
    double z = 0;
    for (int id = 0; id < wren_nnlm_vocab_size(v); id++) { float l; wren_nnlm_state_score(m, s, id, &l, NULL); z += exp(l); }
    ck_assert(fabs(z - 1) < 1e-4);
    float l;
    ck_assert_int_eq(wren_nnlm_state_score(m, s, 999, &l, NULL), -1);
    wren_nnlm_state_free(s);
    /* a sentence longer than the context is scored (sliding history), finitely */
    int longs[20], ll = 20;
    for (int j = 0; j < 20; j++) longs[j] = 3 + j % 9;
    const int *lw = longs;
    double slong;
    ck_assert_int_eq(wren_nnlm_score_sentences(m, 1, &lw, &ll, NULL, &slong), 0);
    ck_assert(isfinite(slong) && slong < 0);
    for (int i = 0; i < n; i++) free(w[i]);
    free(lp);
    wren_nnlm_free(m);
    wren_nnlm_vocab_free(v);
    free(dir);
}
END_TEST

START_TEST(test_score_many_matches_one_by_one)
{
    char *dir = test_tmpdir();
    struct wren_nnlm_vocab *v = fd_tiny_vocab(dir);
    struct wren_nnlm *m = mixed_model(v, 0);
    enum { n = 7 };
    int *w[n], len[n];
    random_sentences(n, wren_nnlm_vocab_size(v), 12, 5, w, len);   /* some exceed context 8 */
    int total = 0, start[n];
    for (int i = 0; i < n; i++) { start[i] = total; total += len[i] + 1; }
    float *lp = malloc((size_t)total * sizeof *lp);
    ck_assert_int_eq(wren_nnlm_score_sentences(m, n, (const int *const *)w, len, lp, NULL), 0);
    /* all sentences in lockstep, plus the first sentence's state a second time in each call */
    struct wren_nnlm_state *st[n + 1], *nx[n + 1];
    int words[n + 1], idx[n + 1];
    float got[n + 1];
    for (int i = 0; i < n; i++) st[i] = wren_nnlm_state_begin(m);
    for (int j = 0; j <= 12; j++) {
        int k = 0;
        for (int i = 0; i < n; i++)
            if (j <= len[i] && st[i]) { idx[k] = i; words[k] = j < len[i] ? w[i][j] : WREN_NNLM_EOS; k++; }
        if (k == 0) break;
        struct wren_nnlm_state *arr[n + 1];
        for (int t = 0; t < k; t++) arr[t] = st[idx[t]];
        arr[k] = arr[0];
        words[k] = words[0];
        ck_assert_int_eq(wren_nnlm_state_score_many(m, k + 1, arr, words, got, nx), 0);
        ck_assert(got[k] == got[0]);
        wren_nnlm_state_free(nx[k]);
        for (int t = 0; t < k; t++) {
            int i = idx[t];
            ck_assert_msg(fabsf(got[t] - lp[start[i] + j]) < 2e-4f, "sentence %d word %d: %g vs %g", i, j,
                          got[t], lp[start[i] + j]);
            wren_nnlm_state_free(st[i]);
            st[i] = j < len[i] ? nx[t] : NULL;
            if (j == len[i]) wren_nnlm_state_free(nx[t]);
        }
    }
    int bad = 99;
    struct wren_nnlm_state *b0 = wren_nnlm_state_begin(m);
    ck_assert_int_eq(wren_nnlm_state_score_many(m, 1, &b0, &bad, got, NULL), -1);
    /* next states cost their forward pass only when a word is scored from them: three
     * extensions of <s>, two freed unused, one (given twice) scored from, runs one pass */
    {
        struct wren_nnlm_state *arr[3] = { b0, b0, b0 }, *ext[3];
        int wd[3] = { w[0][0], w[1][0], w[2][0] };
        float lp3[3], two[2], ref[2];
        long before = wren_nnlm_forward_tokens(m);
        ck_assert_int_eq(wren_nnlm_state_score_many(m, 3, arr, wd, lp3, ext), 0);
        ck_assert_int_eq(wren_nnlm_forward_tokens(m), before);
        wren_nnlm_state_free(ext[0]);
        wren_nnlm_state_free(ext[2]);
        ck_assert_int_eq(wren_nnlm_forward_tokens(m), before);
        struct wren_nnlm_state *pair[2] = { ext[1], ext[1] };
        int wd2[2] = { 3, 4 };
        ck_assert_int_eq(wren_nnlm_state_score_many(m, 2, pair, wd2, two, NULL), 0);
        ck_assert_int_eq(wren_nnlm_forward_tokens(m), before + 1);
        /* the same as the eager one-by-one path (which runs its pass at once) */
        struct wren_nnlm_state *e1 = NULL;
        float l1;
        wren_nnlm_state_score(m, b0, wd[1], &l1, &e1);
        ck_assert(fabsf(l1 - lp3[1]) < 1e-5f);
        ck_assert_int_eq(wren_nnlm_forward_tokens(m), before + 2);
        wren_nnlm_state_score(m, e1, 3, &ref[0], NULL);
        wren_nnlm_state_score(m, e1, 4, &ref[1], NULL);
        ck_assert(fabsf(two[0] - ref[0]) < 1e-5f && fabsf(two[1] - ref[1]) < 1e-5f);
        /* a pending state scored one by one is run then */
        struct wren_nnlm_state *ext2;
        ck_assert_int_eq(wren_nnlm_state_score_many(m, 1, &e1, &wd2[0], lp3, &ext2), 0);
        float l2;
        ck_assert_int_eq(wren_nnlm_state_score(m, ext2, 5, &l2, NULL), 0);
        ck_assert_int_eq(wren_nnlm_forward_tokens(m), before + 3);
        ck_assert(isfinite(l2) && l2 < 0);
        wren_nnlm_state_free(ext2);
        wren_nnlm_state_free(e1);
        wren_nnlm_state_free(ext[1]);
    }
    wren_nnlm_state_free(b0);
    for (int i = 0; i < n; i++) { free(w[i]); wren_nnlm_state_free(st[i]); }
    free(lp);
    wren_nnlm_free(m);
    wren_nnlm_vocab_free(v);
    free(dir);
}
END_TEST

/* ---------------------------------------------------------------- training */

struct curve { long n; double loss[400]; };
static void record(void *ctx, long step, double loss)
{
    struct curve *c = ctx;
    ck_assert_int_eq(step, c->n + 1);
    if (c->n < 400) c->loss[c->n++] = loss;
}

static const char *tiny_text =
    "the cat sat on the mat\n"
    "a dog ran\n"
    "the dog sat on a hat\n"
    "a cat ran on the mat\n";

static void tiny_opts(struct wren_nnlm_train_opts *o, const char *train, const char *out)
{
    wren_nnlm_train_opts_default(o);
    o->train = train;
    o->valid = train;
    o->out = out;
    o->layers = 2; o->d_model = 16; o->heads = 2; o->ffn = 32; o->context = 12;
    o->batch = 4; o->valid_every = 10; o->patience = 0;
    o->threads = 1;
}

START_TEST(test_overfit_tiny_text)
{
    char *dir = test_tmpdir();
    char *train = test_write_file(dir, "train", tiny_text);
    char out[512];
    snprintf(out, sizeof out, "%s/m.safetensors", dir);
    struct wren_nnlm_train_opts o;
    tiny_opts(&o, train, out);
    o.steps = 300; o.lr = 1e-2; o.min_lr = 1e-3; o.dropout = 0; o.weight_decay = 0; o.valid_every = 100;
    struct curve c = { 0 };
    wren_verbosity = 0;
    ck_assert_msg(wren_nnlm_train(&o, record, &c) == 0, "%s", wren_error_msg());
    ck_assert_int_eq(c.n, 300);
    double last = 0;
    for (int i = 290; i < 300; i++) last += c.loss[i] / 10;
    ck_assert_msg(c.loss[0] > 2.0, "initial loss %g should be near log(V)", c.loss[0]);
    /* what is left is the genuine ambiguity of the text's first words after <s> */
    struct wren_nnlm *m = wren_nnlm_load(out);
    ck_assert_ptr_nonnull(m);
    struct wren_nnlm_eval_opts eo;
    wren_nnlm_eval_opts_default(&eo);
    struct wren_nnlm_eval_result r;
    FILE *devnull = fopen("/dev/null", "w");
    ck_assert_int_eq(wren_nnlm_eval_text(m, train, &eo, devnull, &r), 0);
    fclose(devnull);
    ck_assert_int_eq(r.sentences, 4);
    ck_assert_int_eq(r.words, 21);
    ck_assert_int_eq(r.oovs, 0);
    /* The text leaves exactly 8 binary choices open (first word of each sentence: the/a;
     * second word: cat/dog), everything else is determined by the prefix; so the best any
     * model can do is 8 ln 2 nats over the 25 predicted tokens: ppl = exp(8 ln2 / 25) = 1.2484.
     * The model must reach that floor (uniform guessing would give 12). */
    double floor_ppl = exp(8 * log(2.0) / 25);
    ck_assert_msg(r.ppl < 1.03 * floor_ppl, "train ppl %g, floor %g", r.ppl, floor_ppl);
    ck_assert_msg(last < 1.15 * 8 * log(2.0) / 25, "final loss %g", last);
    wren_nnlm_free(m);
    free(train);
    free(dir);
}
END_TEST

START_TEST(test_resume_identical_curve)
{
    char *dir = test_tmpdir();
    char *train = test_write_file(dir, "train", tiny_text);
    char outa[512], outb[512];
    snprintf(outa, sizeof outa, "%s/a.safetensors", dir);
    snprintf(outb, sizeof outb, "%s/b.safetensors", dir);
    struct wren_nnlm_train_opts o;
    wren_verbosity = 0;
    tiny_opts(&o, train, outa);
    o.steps = 40;
    struct curve a = { 0 }, b1 = { 0 }, b2 = { 0 };
    ck_assert_int_eq(wren_nnlm_train(&o, record, &a), 0);
    tiny_opts(&o, train, outb);
    o.steps = 40;
    o.stop_after = 25;   /* "killed" after step 25; the last checkpoint is step 20 */
    ck_assert_int_eq(wren_nnlm_train(&o, record, &b1), 0);
    ck_assert_int_eq(b1.n, 25);
    o.stop_after = 0;
    o.resume = 1;
    b2.n = 20;           /* the resumed run continues at step 21 */
    ck_assert_int_eq(wren_nnlm_train(&o, record, &b2), 0);
    ck_assert_int_eq(b2.n, 40);
    for (int i = 0; i < 25; i++) ck_assert(a.loss[i] == b1.loss[i]);
    for (int i = 20; i < 40; i++)
        ck_assert_msg(a.loss[i] == b2.loss[i], "step %d: %.17g vs %.17g", i + 1, a.loss[i], b2.loss[i]);
    /* and the final models are byte-identical */
    char *da, *db;
    size_t na, nb;
    ck_assert_int_eq(wren_read_all(outa, &da, &na), 0);
    ck_assert_int_eq(wren_read_all(outb, &db, &nb), 0);
    ck_assert_uint_eq(na, nb);
    ck_assert(memcmp(da, db, na) == 0);
    free(da); free(db);
    /* resuming with different options is refused with a message naming the checkpoint */
    o.lr = 5e-3;
    ck_assert_int_eq(wren_nnlm_train(&o, NULL, NULL), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), ".ckpt"));
    free(train);
    free(dir);
}
END_TEST

/* ---------------------------------------------------------------- pruning hooks */

static void score_all(struct wren_nnlm *m, int n, int **w, int *len, double *out)
{
    ck_assert_int_eq(wren_nnlm_score_sentences(m, n, (const int *const *)w, len, NULL, out), 0);
}

START_TEST(test_reshape_factored_masked_equivalent)
{
    char *dir = test_tmpdir();
    struct wren_nnlm_vocab *v = fd_tiny_vocab(dir);
    struct wren_nnlm_arch a = { 2, 8, 2, 12, 8, "learned", 1 };
    struct wren_nnlm *m = wren_nnlm_create(&a, v, 4);
    enum { n = 6 };
    int *w[n], len[n];
    random_sentences(n, wren_nnlm_vocab_size(v), 6, 21, w, len);
    double ref[n], got[n];
    score_all(m, n, w, len, ref);
    /* block 1: fc1 masked (all ones), attn.k factored at full rank with U = W, V = I */
    struct wren_nnlm_block_shape sh[2];
    wren_nnlm_get_block_shape(m, 0, &sh[0]);
    wren_nnlm_get_block_shape(m, 1, &sh[1]);
    ck_assert_int_eq(sh[1].n_heads, 2);
    ck_assert_int_eq(sh[1].storage[1], WREN_NNLM_DENSE);
    sh[1].storage[4] = WREN_NNLM_MASKED;
    sh[1].storage[1] = WREN_NNLM_FACTORED;
    sh[1].rank[1] = 8;
    struct wren_nnlm *r = wren_nnlm_reshape(m, sh);
    ck_assert_ptr_nonnull(r);
    int rows, cols;
    float *U = wren_nnlm_tensor(r, "blocks.1.attn.k.U", &rows, &cols);
    float *V = wren_nnlm_tensor(r, "blocks.1.attn.k.V", NULL, NULL);
    float *W = wren_nnlm_tensor(m, "blocks.1.attn.k.weight", NULL, NULL);
    ck_assert_ptr_nonnull(U);
    ck_assert_ptr_nonnull(V);
    ck_assert_ptr_null(wren_nnlm_tensor(r, "blocks.1.attn.k.weight", NULL, NULL));
    ck_assert_int_eq(rows, 8);
    ck_assert_int_eq(cols, 8);
    memcpy(U, W, 64 * sizeof(float));
    for (int i = 0; i < 8; i++) V[i * 8 + i] = 1.0f;
    score_all(r, n, w, len, got);
    for (int i = 0; i < n; i++) ck_assert_msg(fabs(got[i] - ref[i]) < 1e-4, "%d: %g vs %g", i, got[i], ref[i]);
    /* masking out a weight zeroes it and changes the scores */
    unsigned char *mk = wren_nnlm_tensor_mask(r, "blocks.1.ffn.fc1.mask", &rows, &cols);
    ck_assert_ptr_nonnull(mk);
    ck_assert_int_eq(rows * cols, 96);
    for (int i = 0; i < 96; i += 2) mk[i] = 0;
    wren_nnlm_apply_masks(r);
    float *f1 = wren_nnlm_tensor(r, "blocks.1.ffn.fc1.weight", NULL, NULL);
    for (int i = 0; i < 96; i += 2) ck_assert(f1[i] == 0.0f);
    score_all(r, n, w, len, got);
    ck_assert(fabs(got[0] - ref[0]) > 1e-6);
    /* fine-tuning from the pruned model (--init) keeps masked weights at zero */
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s/pruned.safetensors", dir);
    snprintf(p2, sizeof p2, "%s/tuned.safetensors", dir);
    ck_assert_int_eq(wren_nnlm_save(r, p1), 0);
    char *train = test_write_file(dir, "train", tiny_text);
    struct wren_nnlm_train_opts o;
    tiny_opts(&o, train, p2);
    o.init = p1;
    o.steps = 20;
    o.valid = NULL;
    wren_verbosity = 0;
    ck_assert_msg(wren_nnlm_train(&o, NULL, NULL) == 0, "%s", wren_error_msg());
    struct wren_nnlm *t = wren_nnlm_load(p2);
    ck_assert_ptr_nonnull(t);
    float *tf1 = wren_nnlm_tensor(t, "blocks.1.ffn.fc1.weight", NULL, NULL), *tU = wren_nnlm_tensor(t, "blocks.1.attn.k.U", NULL, NULL);
    ck_assert_ptr_nonnull(tU);
    int changed = 0;
    for (int i = 0; i < 96; i++) {
        if (i % 2 == 0) ck_assert(tf1[i] == 0.0f);
        else changed += tf1[i] != f1[i];
    }
    ck_assert_int_gt(changed, 40);
    ck_assert_uint_eq(wren_nnlm_stored_params(t), wren_nnlm_stored_params(r));
    /* structured: one head fewer and a narrower FFN in block 0 */
    sh[0].n_heads = 1;
    sh[0].d_ffn = 3;
    struct wren_nnlm *s2 = wren_nnlm_reshape(m, sh);
    ck_assert_ptr_nonnull(wren_nnlm_tensor(s2, "blocks.0.attn.q.weight", &rows, &cols));
    ck_assert_int_eq(rows, 4);
    ck_assert_ptr_nonnull(wren_nnlm_tensor(s2, "blocks.0.ffn.fc2.weight", &rows, &cols));
    ck_assert_int_eq(cols, 3);
    ck_assert_uint_lt(wren_nnlm_stored_params(s2), wren_nnlm_stored_params(m));
    sh[0].n_heads = 0;
    ck_assert_ptr_null(wren_nnlm_reshape(m, sh));
    for (int i = 0; i < n; i++) free(w[i]);
    wren_nnlm_free(s2);
    wren_nnlm_free(t);
    wren_nnlm_free(r);
    wren_nnlm_free(m);
    wren_nnlm_vocab_free(v);
    free(train);
    free(dir);
}
END_TEST

START_TEST(test_calibration_statistics)
{
    char *dir = test_tmpdir();
    struct wren_nnlm_vocab *v = fd_tiny_vocab(dir);
    struct wren_nnlm *m = mixed_model(v, 1);
    char *text = test_write_file(dir, "calib", tiny_text);
    struct wren_nnlm_calib *c = wren_nnlm_calibrate(m, text, 0, 2);
    ck_assert_ptr_nonnull(c);
    /* every one of the 25 targets (21 words + 4 </s>) at least once; windows restart at the
     * sentence they cut, so a few are seen twice */
    ck_assert_int_ge(wren_nnlm_calib_tokens(c), 25);
    ck_assert_int_lt(wren_nnlm_calib_tokens(c), 50);
    const float *g = wren_nnlm_calib_grad(c, "blocks.1.ffn.fc2.weight");
    const float *g2 = wren_nnlm_calib_grad_sq(c, "blocks.1.ffn.fc2.weight");
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(g2);
    ck_assert_ptr_null(wren_nnlm_calib_grad(c, "no.such"));
    double gs = 0;
    for (int i = 0; i < 8 * 5; i++) {
        ck_assert(isfinite(g[i]) && g2[i] >= g[i] * g[i] * (1 - 1e-5f));   /* E[g^2] >= E[g]^2 */
        gs += fabs(g[i]);
    }
    ck_assert(gs > 0);
    const float *aq = wren_nnlm_calib_act_sq(c, 0, 0), *ak = wren_nnlm_calib_act_sq(c, 0, 1);
    const float *af2 = wren_nnlm_calib_act_sq(c, 1, 5);
    for (int j = 0; j < 8; j++) { ck_assert(aq[j] > 0); ck_assert(aq[j] == ak[j]); }
    for (int j = 0; j < 5; j++) ck_assert(af2[j] >= 0);
    ck_assert_ptr_null(wren_nnlm_calib_act_sq(c, 2, 0));
    /* the model scores as before (calibration does not change weights) */
    wren_nnlm_calib_free(c);
    wren_nnlm_free(m);
    wren_nnlm_vocab_free(v);
    free(text);
    free(dir);
}
END_TEST

/* ---------------------------------------------------------------- safetensors */

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Find "name":{...} in the header and read its dtype, shape and offsets with sscanf. */
static int header_entry(const char *hdr, const char *name, char *dtype, long *shape, int *nd,
                        unsigned long *a, unsigned long *b)
{
    char key[160];
    snprintf(key, sizeof key, "\"%s\":{", name);
    const char *p = strstr(hdr, key);
    if (!p) return -1;
    p += strlen(key);
    if (sscanf(p, "\"dtype\":\"%15[A-Z0-9]\",\"shape\":[", dtype) != 1) return -1;
    p = strchr(p, '[') + 1;
    *nd = 0;
    while (*p != ']') { shape[(*nd)++] = strtol(p, (char **)&p, 10); if (*p == ',') p++; }
    if (sscanf(p, "],\"data_offsets\":[%lu,%lu]}", a, b) != 2) return -1;
    return 0;
}

START_TEST(test_safetensors_layout)
{
    char *dir = test_tmpdir();
    struct wren_nnlm_vocab *v = fd_tiny_vocab(dir);
    struct wren_nnlm *m = mixed_model(v, 1);
    char path[512];
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    ck_assert_int_eq(wren_nnlm_save(m, path), 0);
    char *raw;
    size_t len;
    ck_assert_int_eq(wren_read_all(path, &raw, &len), 0);
    uint64_t hl = le64((unsigned char *)raw);
    ck_assert(hl % 8 == 0 && 8 + hl <= len);
    char *hdr = strndup(raw + 8, hl);
    ck_assert(hdr[0] == '{');
    ck_assert_ptr_nonnull(strstr(hdr, "\"__metadata__\":{"));
    ck_assert_ptr_nonnull(strstr(hdr, "\"vocab\":\"<s>\\n</s>\\n<unk>\\nthe\\ncat"));
    ck_assert_ptr_nonnull(strstr(hdr, "\"d_model\":\"8\""));
    /* every tensor: shape matches the model, offsets tile the data section exactly */
    size_t data = len - 8 - hl, covered = 0;
    for (int i = 0; i < m->ntensors; i++) {
        const struct nnlm_tensor *t = &m->t[i];
        char dt[16];
        long sh[4];
        int nd;
        unsigned long a, b;
        if (!strcmp(t->name, "blocks.0.ffn.fc1.weight") || !strcmp(t->name, "blocks.0.ffn.fc1.mask"))
            continue;   /* the masked layer is stored as CSR (nnlm/sparse.h), checked below */
        ck_assert_msg(header_entry(hdr, t->name, dt, sh, &nd, &a, &b) == 0, "entry %s", t->name);
        ck_assert_str_eq(dt, t->is_mask ? "U8" : "F32");
        ck_assert_int_eq(nd, t->cols ? 2 : 1);
        ck_assert_int_eq(sh[0], t->rows);
        if (t->cols) ck_assert_int_eq(sh[1], t->cols);
        ck_assert_uint_eq(b - a, t->n * (t->is_mask ? 1 : 4));
        ck_assert(b <= data);
        covered += b - a;
        const void *src = t->is_mask ? (const void *)t->mask : (const void *)(m->params + t->off);
        ck_assert(memcmp(raw + 8 + hl + a, src, b - a) == 0);
    }
    /* the masked fc1 (12x8, 64 kept): rowptr I32 [13], cols U16 [64], values F32 [64] */
    const char *csr[3] = { "rowptr", "cols", "values" }, *cdt[3] = { "I32", "U16", "F32" };
    long clen[3] = { 13, 64, 64 }, csz[3] = { 4, 2, 4 };
    for (int i = 0; i < 3; i++) {
        char nm[64], dt[16];
        long sh[4];
        int nd;
        unsigned long a, b;
        snprintf(nm, sizeof nm, "blocks.0.ffn.fc1.%s", csr[i]);
        ck_assert_msg(header_entry(hdr, nm, dt, sh, &nd, &a, &b) == 0, "entry %s", nm);
        ck_assert_str_eq(dt, cdt[i]);
        ck_assert_int_eq(nd, 1);
        ck_assert_int_eq(sh[0], clen[i]);
        ck_assert_uint_eq(b - a, (unsigned long)(clen[i] * csz[i]));
        covered += b - a;
    }
    ck_assert_ptr_null(strstr(hdr, "\"blocks.0.ffn.fc1.mask\""));
    ck_assert_uint_eq(covered, data);
    ck_assert_ptr_nonnull(strstr(hdr, "\"blocks.0.attn.q.U\":{\"dtype\":\"F32\",\"shape\":[8,3]"));
    ck_assert_ptr_null(strstr(hdr, "\"blocks.0.attn.q.weight\""));
    ck_assert_ptr_nonnull(strstr(hdr, "\"blocks.1.attn.k.weight\":{\"dtype\":\"F32\",\"shape\":[4,8]"));
    /* load back: same kinds, shapes, values and counts */
    struct wren_nnlm *m2 = wren_nnlm_load(path);
    ck_assert_msg(m2 != NULL, "%s", wren_error_msg());
    ck_assert_uint_eq(m2->nparams, m->nparams);
    ck_assert(memcmp(m2->params, m->params, m->nparams * sizeof(float)) == 0);
    ck_assert_int_eq(m2->blk[0].lin[NNLM_Q].kind, NNLM_FACTORED);
    ck_assert_int_eq(m2->blk[0].lin[NNLM_FC1].kind, NNLM_MASKED);
    ck_assert_int_eq(m2->blk[1].n_heads, 1);
    ck_assert_int_eq(m2->blk[1].d_ffn, 5);
    ck_assert_uint_eq(wren_nnlm_stored_params(m2), wren_nnlm_stored_params(m));
    /* stored count: the masked fc1 (12x8, 2/3 kept) counts 64 values + 64 indices */
    size_t dense_fc1 = 12 * 8;
    struct wren_nnlm_vocab *v2 = fd_tiny_vocab(dir);
    ck_assert_uint_eq(wren_nnlm_nonembedding_params(m),
                      /* block 0 */ 2 * 8 + (8 * 3 + 3 * 8 + 8) + 2 * (8 * 8 + 8) + (8 * 2 + 2 * 8 + 8) + 2 * 8 +
                      (2 * 64 + 12) + (8 * 12 + 8) +
                      /* block 1 */ 2 * 8 + 3 * (4 * 8 + 4) + (8 * 4 + 8) + 2 * 8 + (5 * 8 + 5) + (8 * 5 + 8) +
                      /* ln_f */ 2 * 8);
    (void)dense_fc1;
    wren_nnlm_vocab_free(v2);
    wren_nnlm_free(m2);
    free(hdr);
    free(raw);
    wren_nnlm_free(m);
    wren_nnlm_vocab_free(v);
    free(dir);
}
END_TEST

START_TEST(test_bad_inputs)
{
    char *dir = test_tmpdir();
    char *p = test_write_file(dir, "short", "abc");
    ck_assert_ptr_null(wren_nnlm_load(p));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), p));
    free(p);
    /* header length larger than the file */
    char path[512];
    snprintf(path, sizeof path, "%s/big", dir);
    FILE *f = fopen(path, "wb");
    unsigned char h[8] = { 0xff, 0xff, 0, 0, 0, 0, 0, 0 };
    fwrite(h, 1, 8, f);
    fputs("{}", f);
    fclose(f);
    ck_assert_ptr_null(wren_nnlm_load(path));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "header length"));
    /* broken JSON */
    snprintf(path, sizeof path, "%s/json", dir);
    f = fopen(path, "wb");
    unsigned char h2[8] = { 8, 0, 0, 0, 0, 0, 0, 0 };
    fwrite(h2, 1, 8, f);
    fputs("{\"a\":{  ", f);
    fclose(f);
    ck_assert_ptr_null(wren_nnlm_load(path));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "at byte"));
    /* a valid safetensors file that is not a Wren model */
    snprintf(path, sizeof path, "%s/other", dir);
    f = fopen(path, "wb");
    const char *js = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}    ";
    unsigned char h3[8] = { (unsigned char)strlen(js), 0, 0, 0, 0, 0, 0, 0 };
    fwrite(h3, 1, 8, f);
    fputs(js, f);
    fwrite("\0\0\0\0", 1, 4, f);
    fclose(f);
    ck_assert_ptr_null(wren_nnlm_load(path));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "vocab_size"));
    /* offsets past the data */
    snprintf(path, sizeof path, "%s/offs", dir);
    f = fopen(path, "wb");
    js = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}    ";
    fwrite(h3, 1, 8, f);
    fputs(js, f);
    fwrite("\0\0\0\0", 1, 4, f);
    fclose(f);
    ck_assert_ptr_null(wren_nnlm_load(path));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "data_offsets"));
    /* training options */
    struct wren_nnlm_train_opts o;
    wren_nnlm_train_opts_default(&o);
    ck_assert_int_eq(wren_nnlm_train(&o, NULL, NULL), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "--train"));
    free(dir);
}
END_TEST

START_TEST(test_vocab_build_and_read)
{
    char *dir = test_tmpdir();
    char *t = test_write_file(dir, "t", "b a b\nc b a\n\n d\n");
    struct wren_nnlm_vocab *v = wren_nnlm_vocab_build(t, 2);
    ck_assert_int_eq(wren_nnlm_vocab_size(v), 5);
    ck_assert_str_eq(wren_nnlm_vocab_word(v, 3), "b");
    ck_assert_str_eq(wren_nnlm_vocab_word(v, 4), "a");
    ck_assert_int_eq(wren_nnlm_vocab_id(v, "c"), WREN_NNLM_UNK);
    ck_assert_int_eq(wren_nnlm_vocab_id(v, "</s>"), WREN_NNLM_EOS);
    struct nnlm_corpus c;
    ck_assert_int_eq(wren_nn_corpus_read(t, v, &c), 0);
    ck_assert_uint_eq(c.nsent, 3);
    ck_assert_int_eq(c.words, 7);
    ck_assert_int_eq(c.oovs, 2);
    int want[] = { 0, 3, 4, 3, 1, 0, 2, 3, 4, 1, 0, 2, 1 };
    ck_assert_uint_eq(c.ntok, 13);
    for (int i = 0; i < 13; i++) ck_assert_int_eq(c.tok[i], want[i]);
    wren_nn_corpus_free(&c);
    wren_nnlm_vocab_free(v);
    free(t);
    free(dir);
}
END_TEST

int main(void)
{
    wren_blas_set_threads(1);
    Suite *s = suite_create("nnlm");
    TCase *g = tcase_create("gradients");
    tcase_add_test(g, test_grad_layernorm);
    tcase_add_test(g, test_grad_gelu);
    tcase_add_test(g, test_grad_linear_dense);
    tcase_add_test(g, test_grad_linear_factored);
    tcase_add_test(g, test_grad_attention);
    tcase_add_test(g, test_grad_output_softmax);
    tcase_add_test(g, test_output_blocked_lse);
    tcase_add_test(g, test_parallel_layers_match_serial);
    tcase_add_test(g, test_grad_full_model_learned);
    tcase_add_test(g, test_grad_full_model_sinusoidal_dropout);
    suite_add_tcase(s, g);
    TCase *sc = tcase_create("scoring");
    tcase_add_test(sc, test_kv_cache_matches_full_forward);
    tcase_add_test(sc, test_score_many_matches_one_by_one);
    tcase_add_test(sc, test_vocab_build_and_read);
    suite_add_tcase(s, sc);
    TCase *tr = tcase_create("training");
    tcase_set_timeout(tr, 300);
    tcase_add_test(tr, test_overfit_tiny_text);
    tcase_add_test(tr, test_resume_identical_curve);
    suite_add_tcase(s, tr);
    TCase *pr = tcase_create("pruning hooks");
    tcase_add_test(pr, test_reshape_factored_masked_equivalent);
    tcase_add_test(pr, test_calibration_statistics);
    suite_add_tcase(s, pr);
    TCase *io = tcase_create("io");
    tcase_add_test(io, test_safetensors_layout);
    tcase_add_test(io, test_bad_inputs);
    suite_add_tcase(s, io);
    return test_run_suite(s);
}
