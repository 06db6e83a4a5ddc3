/* forward.c — the whole Transformer LM on a packed batch of B rows x T tokens: forward pass
 * (training or scoring) and backward pass into a gradient buffer laid out like the params.
 * Activations needed by the backward pass are kept per layer in a workspace sized once.
 * Dropout masks are a pure function of (seed, step, site, element), so a resumed run
 * reproduces them exactly. Not for: optimisation (train.c), incremental scoring (infer.c). */
#include "nnlm/nnlm-internal.h"

#include "utils/matrix.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nnlm_fb {
    int B, T, L, training;
    float **x, **xmid, **ln1, **ln2, **mu1, **rs1, **mu2, **rs2;
    float **q, **k, **v, **ctx, **P, **h1;
    float **ftmp;          /* [L*NNLM_NLIN] factored-layer intermediates (or NULL) */
    float *lnf, *muf, *rsf;
    float *eh, *edh;       /* factored embedding: [N,r] h V^T (or gathered U rows), its gradient */
    float *sa, *sb, *gF, *gln, *gx, *gy, *gq, *gk, *gv, *gctx, *dtmp, *ascratch, *logits;
    int chunk;
    float **owned;         /* every buffer allocated here, for wren_nn_fb_free */
    int nowned;
};

static float **layer_bufs(int L, int share, size_t n, float ***all, int *nall)
{
    float **a = wren_xcalloc((size_t)L, sizeof *a);
    for (int l = 0; l < L; l++) {
        a[l] = (share && l > 0) ? a[0] : wren_fbuf_alloc(n);
        if (!share || l == 0) (*all)[(*nall)++] = a[l];
    }
    return a;
}

struct nnlm_fb *wren_nn_fb_create(const struct wren_nnlm *m, int B, int T, int training)
{
    struct nnlm_fb *w = wren_xcalloc(1, sizeof *w);
    int L = m->c.n_layers, D = m->c.d_model, V = m->c.vocab_size, dh = m->c.head_dim;
    int maxHD = 1, maxF = 1, maxR = 1;
    for (int l = 0; l < L; l++) {
        const struct nnlm_block *b = &m->blk[l];
        if (b->n_heads * dh > maxHD) maxHD = b->n_heads * dh;
        if (b->d_ffn > maxF) maxF = b->d_ffn;
        for (int j = 0; j < NNLM_NLIN; j++)
            if (b->lin[j].kind == NNLM_FACTORED && b->lin[j].rank > maxR) maxR = b->lin[j].rank;
    }
    size_t N = (size_t)B * T, W = (size_t)(D > maxHD ? D : maxHD);
    if ((size_t)maxF > W) W = (size_t)maxF;
    int maxH = maxHD / dh;
    w->B = B;
    w->T = T;
    w->L = L;
    w->training = training;
    int share = !training;
    float **all = wren_xcalloc((size_t)(L * 40 + 64), sizeof *all);
    int nall = 0;
    w->x = wren_xcalloc((size_t)L + 1, sizeof *w->x);
    for (int l = 0; l <= L; l++) {
        w->x[l] = (share && l > 0) ? w->x[0] : wren_fbuf_alloc(N * D);
        if (!share || l == 0) all[nall++] = w->x[l];
    }
    w->xmid = layer_bufs(L, share, N * D, &all, &nall);
    w->ln1 = layer_bufs(L, share, N * D, &all, &nall);
    w->ln2 = layer_bufs(L, share, N * D, &all, &nall);
    w->mu1 = layer_bufs(L, share, N, &all, &nall);
    w->rs1 = layer_bufs(L, share, N, &all, &nall);
    w->mu2 = layer_bufs(L, share, N, &all, &nall);
    w->rs2 = layer_bufs(L, share, N, &all, &nall);
    w->q = layer_bufs(L, share, N * maxHD, &all, &nall);
    w->k = layer_bufs(L, share, N * maxHD, &all, &nall);
    w->v = layer_bufs(L, share, N * maxHD, &all, &nall);
    w->ctx = layer_bufs(L, share, N * maxHD, &all, &nall);
    w->P = layer_bufs(L, share, (size_t)B * maxH * T * T, &all, &nall);
    w->h1 = layer_bufs(L, share, N * maxF, &all, &nall);
    w->ftmp = wren_xcalloc((size_t)L * NNLM_NLIN, sizeof *w->ftmp);
    for (int l = 0; l < L; l++)
        for (int j = 0; j < NNLM_NLIN; j++) {
            const struct nnlm_linear *li = &m->blk[l].lin[j];
            if (li->kind == NNLM_FACTORED) {
                w->ftmp[l * NNLM_NLIN + j] = wren_fbuf_alloc(N * li->rank);
                all[nall++] = w->ftmp[l * NNLM_NLIN + j];
            }
        }
    w->chunk = 256;
    float **single[] = { &w->lnf, &w->muf, &w->rsf, &w->sa, &w->sb, &w->logits };
    /* scoring keeps one block of logit columns, training the rows' whole softmax */
    size_t lcols = training || V < NNLM_OUT_BLOCK ? (size_t)V : NNLM_OUT_BLOCK;
    size_t sizes[] = { N * D, N, N, N * W, N * W, (size_t)w->chunk * lcols };
    for (int i = 0; i < 6; i++) { *single[i] = wren_fbuf_alloc(sizes[i]); all[nall++] = *single[i]; }
    if (training) {
        float **g[] = { &w->gF, &w->gln, &w->gx, &w->gy, &w->gq, &w->gk, &w->gv, &w->gctx,
                        &w->dtmp, &w->ascratch };
        size_t gs[] = { N * W, N * D, N * D, N * D, N * maxHD, N * maxHD, N * maxHD, N * maxHD,
                        N * maxR, (size_t)T * T };
        for (int i = 0; i < 10; i++) { *g[i] = wren_fbuf_alloc(gs[i]); all[nall++] = *g[i]; }
    }
    int er = m->c.emb_rank;
    if (er > 0) {
        w->eh = wren_fbuf_alloc(N * er);
        all[nall++] = w->eh;
        if (training) { w->edh = wren_fbuf_alloc(N * er); all[nall++] = w->edh; }
    }
    w->owned = all;
    w->nowned = nall;
    return w;
}

void wren_nn_fb_free(struct nnlm_fb *w)
{
    if (!w) return;
    for (int i = 0; i < w->nowned; i++) wren_fbuf_free(w->owned[i]);
    free(w->owned);
    float ***arrs[] = { &w->xmid, &w->ln1, &w->ln2, &w->mu1, &w->rs1, &w->mu2, &w->rs2, &w->q,
                        &w->k, &w->v, &w->ctx, &w->P, &w->h1 };
    for (size_t i = 0; i < sizeof arrs / sizeof *arrs; i++) free(*arrs[i]);
    free(w->x);
    free(w->ftmp);
    free(w);
}

/* Inverted dropout on y (and the same mask on a gradient in the backward pass). */
static void dropout(float *y, size_t n, float p, uint64_t key)
{
    float keep_scale = 1.0f / (1.0f - p);
    uint32_t thr = (uint32_t)(p * 65536.0f);
    for (size_t i = 0; i < n; i += 4) {
        uint64_t h = wren_nn_hash64(key ^ (i >> 2) * 0xD6E8FEB86659FD93ull);
        for (size_t j = i; j < n && j < i + 4; j++, h >>= 16)
            y[j] = ((uint32_t)(h & 0xffff) < thr) ? 0.0f : y[j] * keep_scale;
    }
}

static uint64_t drop_key(uint64_t seed, long step, int site)
{
    return wren_nn_hash64(wren_nn_hash64(seed ^ 0xA5A5A5A5ull) + (uint64_t)step * 1315423911u + (uint64_t)site);
}

static void add_into(float *y, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

/* Calibration: add the squares of each input column of a linear layer. */
static void acc_sq(const struct wren_nnlm *m, int l, int j, const float *x, int n, int d)
{
    if (!m->act_sq) return;
    float *acc = m->act_sq[l * NNLM_NLIN + j];
    for (int i = 0; i < n; i++) {
        const float *r = x + (size_t)i * d;
        for (int k = 0; k < d; k++) acc[k] += r[k] * r[k];
    }
}

static struct nnlm_linear gview_lin(const struct wren_nnlm *m, float *grad, const struct nnlm_linear *l)
{
    struct nnlm_linear g = *l;
    g.w = nnlm_gview(m, grad, l->w);
    g.u = nnlm_gview(m, grad, l->u);
    g.v = nnlm_gview(m, grad, l->v);
    g.b = nnlm_gview(m, grad, l->b);
    return g;
}

void wren_nn_embed_tokens(const struct wren_nnlm *m, const int *tok, int n, float *x)
{
    int D = m->c.d_model, r = m->c.emb_rank;
    if (r > 0 && n > 1) {   /* U[tok] V for all rows as one GEMM (a GEMV per row cost low-rank
                             * rescoring a few percent) */
        float *u = wren_xmalloc((size_t)n * r * sizeof *u);
        for (int i = 0; i < n; i++)
            memcpy(u + (size_t)i * r, m->emb_u + (size_t)tok[i] * r, (size_t)r * sizeof *u);
        wren_gemm(0, 0, n, D, r, 1.0f, u, r, m->emb_v, D, 0.0f, x, D);
        free(u);
        return;
    }
    for (int i = 0; i < n; i++) {
        float *xi = x + (size_t)i * D;
        if (r > 0)   /* U[tok] V */
            wren_gemv(1, r, D, 1.0f, m->emb_v, D, m->emb_u + (size_t)tok[i] * r, 0.0f, xi);
        else
            memcpy(xi, m->tok_emb + (size_t)tok[i] * D, (size_t)D * sizeof *xi);
    }
}

void wren_nn_emb_project(const struct wren_nnlm *m, const float *h, int n, float *hv)
{
    int D = m->c.d_model, r = m->c.emb_rank;
    wren_gemm(0, 1, n, r, D, 1.0f, h, D, m->emb_v, D, 0.0f, hv, r);
}

static void embed(const struct wren_nnlm *m, const struct nnlm_batch *b, float *x)
{
    int D = m->c.d_model;
    size_t N = (size_t)b->B * b->T;
    const float *pt = m->pos_emb ? m->pos_emb : m->sinus;
    wren_nn_embed_tokens(m, b->tok, (int)N, x);
    for (size_t i = 0; i < N; i++) {
        const float *p = pt + (size_t)b->pos[i] * D;
        float *xi = x + i * D;
        for (int j = 0; j < D; j++) xi[j] += p[j];
    }
}

/* Backward of the token embedding lookup: gx [N,D] into the gradient of E or of U and V. */
static void embed_bwd(const struct wren_nnlm *m, struct nnlm_fb *w, const struct nnlm_batch *b,
                      float *grad)
{
    int D = m->c.d_model, r = m->c.emb_rank, N = b->B * b->T;
    if (r == 0) {
        float *gE = nnlm_gview(m, grad, m->tok_emb);
        for (int i = 0; i < N; i++) {
            const float *d = w->gx + (size_t)i * D;
            float *e = gE + (size_t)b->tok[i] * D;
            for (int j = 0; j < D; j++) e[j] += d[j];
        }
        return;
    }
    /* x_i = U[tok_i] V: dV += U[tok]^T gx, dU[tok_i] += gx_i V^T */
    float *gU = nnlm_gview(m, grad, m->emb_u), *gV = nnlm_gview(m, grad, m->emb_v);
    for (int i = 0; i < N; i++)
        memcpy(w->eh + (size_t)i * r, m->emb_u + (size_t)b->tok[i] * r, (size_t)r * sizeof(float));
    wren_gemm(1, 0, r, D, N, 1.0f, w->eh, r, w->gx, D, 1.0f, gV, D);
    wren_gemm(0, 1, N, r, D, 1.0f, w->gx, D, m->emb_v, D, 0.0f, w->edh, r);
    for (int i = 0; i < N; i++) {
        const float *d = w->edh + (size_t)i * r;
        float *u = gU + (size_t)b->tok[i] * r;
        for (int j = 0; j < r; j++) u[j] += d[j];
    }
}

/* The blocks and the final LayerNorm: w->lnf [N,D] is the output layer's input. */
static void forward_trunk(struct wren_nnlm *m, struct nnlm_fb *w, const struct nnlm_batch *b,
                          float p, uint64_t seed, long step)
{
    const struct nnlm_config *c = &m->c;
    int L = c->n_layers, D = c->d_model, dh = c->head_dim;
    int B = b->B, T = b->T, N = B * T;
    int drop = p > 0.0f;
    embed(m, b, w->x[0]);
    if (drop) dropout(w->x[0], (size_t)N * D, p, drop_key(seed, step, 0));
    for (int l = 0; l < L; l++) {
        const struct nnlm_block *blk = &m->blk[l];
        const struct nnlm_linear *lin = blk->lin;
        float **ft = w->ftmp + l * NNLM_NLIN;
        int H = blk->n_heads, F = blk->d_ffn;
        wren_nn_layernorm_fwd(w->x[l], blk->ln1_g, blk->ln1_b, N, D, c->ln_eps, w->ln1[l], w->mu1[l], w->rs1[l]);
        acc_sq(m, l, NNLM_Q, w->ln1[l], N, D);
        acc_sq(m, l, NNLM_K, w->ln1[l], N, D);
        acc_sq(m, l, NNLM_V, w->ln1[l], N, D);
        wren_nn_linear_fwd(&lin[NNLM_Q], w->ln1[l], N, w->q[l], ft[NNLM_Q]);
        wren_nn_linear_fwd(&lin[NNLM_K], w->ln1[l], N, w->k[l], ft[NNLM_K]);
        wren_nn_linear_fwd(&lin[NNLM_V], w->ln1[l], N, w->v[l], ft[NNLM_V]);
        wren_nn_attention_fwd(w->q[l], w->k[l], w->v[l], b->seg, B, T, H, dh, w->P[l], w->ctx[l]);
        acc_sq(m, l, NNLM_O, w->ctx[l], N, H * dh);
        wren_nn_linear_fwd(&lin[NNLM_O], w->ctx[l], N, w->sa, ft[NNLM_O]);
        if (drop) dropout(w->sa, (size_t)N * D, p, drop_key(seed, step, 1 + 2 * l));
        add_into(w->xmid[l], w->x[l], w->sa, (size_t)N * D);
        wren_nn_layernorm_fwd(w->xmid[l], blk->ln2_g, blk->ln2_b, N, D, c->ln_eps, w->ln2[l], w->mu2[l], w->rs2[l]);
        acc_sq(m, l, NNLM_FC1, w->ln2[l], N, D);
        wren_nn_linear_fwd(&lin[NNLM_FC1], w->ln2[l], N, w->h1[l], ft[NNLM_FC1]);
        wren_nn_gelu_fwd(w->h1[l], w->sb, (size_t)N * F);
        acc_sq(m, l, NNLM_FC2, w->sb, N, F);
        wren_nn_linear_fwd(&lin[NNLM_FC2], w->sb, N, w->sa, ft[NNLM_FC2]);
        if (drop) dropout(w->sa, (size_t)N * D, p, drop_key(seed, step, 2 + 2 * l));
        add_into(w->x[l + 1], w->xmid[l], w->sa, (size_t)N * D);
    }
    wren_nn_layernorm_fwd(w->x[L], m->lnf_g, m->lnf_b, N, D, c->ln_eps, w->lnf, w->muf, w->rsf);
    acc_sq(m, L, 0, w->lnf, N, D);   /* the output layer's input (act_sq[L * NNLM_NLIN]) */
}

void wren_nn_forward_logits(struct wren_nnlm *m, struct nnlm_fb *w, const struct nnlm_batch *b,
                            float *logits)
{
    int D = m->c.d_model, V = m->c.vocab_size, er = m->c.emb_rank, N = b->B * b->T;
    forward_trunk(m, w, b, 0.0f, 0, 0);
    const float *oh = w->lnf, *E = m->tok_emb;
    if (er > 0) { wren_nn_emb_project(m, w->lnf, N, w->eh); oh = w->eh; E = m->emb_u; }
    /* logits = bias + h E^T: the bias rows first, then the GEMM accumulates (beta 1) */
    for (int i = 0; i < N; i++) memcpy(logits + (size_t)i * V, m->out_b, (size_t)V * sizeof *logits);
    wren_gemm(0, 1, N, V, er > 0 ? er : D, 1.0f, oh, er > 0 ? er : D, E, er > 0 ? er : D, 1.0f, logits, V);
}

double wren_nn_forward_backward(struct wren_nnlm *m, struct nnlm_fb *w, const struct nnlm_batch *b,
                             float *grad, float p, uint64_t seed, long step, long *ntgt,
                             float *logp)
{
    const struct nnlm_config *c = &m->c;
    int L = c->n_layers, D = c->d_model, V = c->vocab_size, dh = c->head_dim;
    int B = b->B, T = b->T, N = B * T;
    int drop = p > 0.0f;
    forward_trunk(m, w, b, p, seed, step);
    /* the tied output layer: logits h E^T + b, or factored (h V^T) U^T + b */
    int er = c->emb_rank, od = er > 0 ? er : D;
    const float *oh = w->lnf, *E = m->tok_emb;
    if (er > 0) { wren_nn_emb_project(m, w->lnf, N, w->eh); oh = w->eh; E = m->emb_u; }
    long nt = 0;
    for (int i = 0; i < N; i++) nt += b->tgt[i] >= 0;
    *ntgt = nt;
    double loss = 0;
    float scale = nt > 0 ? 1.0f / (float)nt : 0.0f;
    struct nnlm_out_obj obj = { b->self_norm, b->unnormalized && !grad, b->logz, 0.0,
                                grad ? b->distill : NULL };
    if (!grad) {
        wren_nn_output_fwd_bwd(oh, b->tgt, N, od, V, E, m->out_b, scale, &loss, logp,
                            NULL, NULL, NULL, w->logits, w->chunk, &obj);
        if (b->zsq) *b->zsq = obj.zsq;
        return loss;
    }
    memset(grad, 0, m->nparams * sizeof *grad);
    wren_nn_output_fwd_bwd(oh, b->tgt, N, od, V, E, m->out_b, scale, &loss, logp, er > 0 ? w->edh : w->gy,
                        nnlm_gview(m, grad, E), nnlm_gview(m, grad, m->out_b), w->logits,
                        w->chunk, &obj);
    if (b->zsq) *b->zsq = obj.zsq;
    if (er > 0) {   /* through hv = h V^T: dh = dhv V, dV += dhv^T h */
        wren_gemm(0, 0, N, D, er, 1.0f, w->edh, er, m->emb_v, D, 0.0f, w->gy, D);
        wren_gemm(1, 0, er, D, N, 1.0f, w->edh, er, w->lnf, D, 1.0f, nnlm_gview(m, grad, m->emb_v), D);
    }
    wren_nn_layernorm_bwd(w->x[L], m->lnf_g, w->muf, w->rsf, w->gy, N, D, w->gx,
                       nnlm_gview(m, grad, m->lnf_g), nnlm_gview(m, grad, m->lnf_b), 0);
    for (int l = L - 1; l >= 0; l--) {
        const struct nnlm_block *blk = &m->blk[l];
        const struct nnlm_linear *lin = blk->lin;
        float **ft = w->ftmp + l * NNLM_NLIN;
        int H = blk->n_heads, F = blk->d_ffn;
        struct nnlm_linear g[NNLM_NLIN];
        for (int j = 0; j < NNLM_NLIN; j++) g[j] = gview_lin(m, grad, &lin[j]);
        /* x[l+1] = xmid + drop(fc2(gelu(fc1(ln2(xmid))))) */
        const float *dres = w->gx;
        if (drop) {
            memcpy(w->sa, w->gx, (size_t)N * D * sizeof(float));
            dropout(w->sa, (size_t)N * D, p, drop_key(seed, step, 2 + 2 * l));
            dres = w->sa;
        }
        wren_nn_gelu_fwd(w->h1[l], w->sb, (size_t)N * F);
        wren_nn_linear_bwd(&lin[NNLM_FC2], &g[NNLM_FC2], w->sb, ft[NNLM_FC2], dres, N, w->gF, 0, w->dtmp);
        wren_nn_gelu_bwd(w->h1[l], w->gF, w->gF, (size_t)N * F);
        wren_nn_linear_bwd(&lin[NNLM_FC1], &g[NNLM_FC1], w->ln2[l], ft[NNLM_FC1], w->gF, N, w->gln, 0, w->dtmp);
        wren_nn_layernorm_bwd(w->xmid[l], blk->ln2_g, w->mu2[l], w->rs2[l], w->gln, N, D, w->gx,
                           nnlm_gview(m, grad, blk->ln2_g), nnlm_gview(m, grad, blk->ln2_b), 1);
        /* xmid = x[l] + drop(o(attn(q, k, v of ln1(x[l])))) */
        dres = w->gx;
        if (drop) {
            memcpy(w->sa, w->gx, (size_t)N * D * sizeof(float));
            dropout(w->sa, (size_t)N * D, p, drop_key(seed, step, 1 + 2 * l));
            dres = w->sa;
        }
        wren_nn_linear_bwd(&lin[NNLM_O], &g[NNLM_O], w->ctx[l], ft[NNLM_O], dres, N, w->gctx, 0, w->dtmp);
        wren_nn_attention_bwd(w->q[l], w->k[l], w->v[l], w->P[l], w->gctx, B, T, H, dh, w->gq, w->gk,
                           w->gv, w->ascratch);
        wren_nn_linear_bwd(&lin[NNLM_Q], &g[NNLM_Q], w->ln1[l], ft[NNLM_Q], w->gq, N, w->gln, 0, w->dtmp);
        wren_nn_linear_bwd(&lin[NNLM_K], &g[NNLM_K], w->ln1[l], ft[NNLM_K], w->gk, N, w->gln, 1, w->dtmp);
        wren_nn_linear_bwd(&lin[NNLM_V], &g[NNLM_V], w->ln1[l], ft[NNLM_V], w->gv, N, w->gln, 1, w->dtmp);
        wren_nn_layernorm_bwd(w->x[l], blk->ln1_g, w->mu1[l], w->rs1[l], w->gln, N, D, w->gx,
                           nnlm_gview(m, grad, blk->ln1_g), nnlm_gview(m, grad, blk->ln1_b), 1);
    }
    if (drop) dropout(w->gx, (size_t)N * D, p, drop_key(seed, step, 0));
    embed_bwd(m, w, b, grad);
    float *gP = nnlm_gview(m, grad, m->pos_emb);
    for (int i = 0; gP && i < N; i++) {
        const float *d = w->gx + (size_t)i * D;
        float *pp = gP + (size_t)b->pos[i] * D;
        for (int j = 0; j < D; j++) pp[j] += d[j];
    }
    for (int l = 0; l < L; l++)   /* masked weights stay zero */
        for (int j = 0; j < NNLM_NLIN; j++) {
            const struct nnlm_linear *li = &m->blk[l].lin[j];
            if (li->kind != NNLM_MASKED) continue;
            float *gw = nnlm_gview(m, grad, li->w);
            for (size_t k = 0; k < (size_t)li->out * li->in; k++)
                if (!li->mask[k]) gw[k] = 0;
        }
    return loss;
}

double wren_nn_train_flops(const struct wren_nnlm *m, int B, int T)
{
    double N = (double)B * T, lin = 0, att = 0;
    for (int l = 0; l < m->c.n_layers; l++) {
        const struct nnlm_block *b = &m->blk[l];
        for (int j = 0; j < NNLM_NLIN; j++) {
            const struct nnlm_linear *li = &b->lin[j];
            lin += li->kind == NNLM_FACTORED ? (double)li->rank * (li->in + li->out) : (double)li->in * li->out;
        }
        att += 12.0 * B * (double)T * T * b->n_heads * m->c.head_dim;
    }
    double out = m->c.emb_rank > 0 ? (double)m->c.emb_rank * (m->c.vocab_size + m->c.d_model)
                                   : (double)m->c.vocab_size * m->c.d_model;
    return 6.0 * N * lin + att + 6.0 * N * out;
}
