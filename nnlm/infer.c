/* infer.c — scoring with a trained NNLM: incremental history states over a KV cache (for
 * lattice rescoring) and batched whole-sentence scoring (for n-best lists and perplexity).
 * A state is one node of a persistent list: it holds the keys/values of its own token at
 * every layer plus the final hidden vector, and points to the state it extends, so states
 * that share a history share memory. Not for: training, or choosing which histories to merge. */
#include "nnlm/nnlm-internal.h"

#include "utils/matrix.h"
#include "nnlm/sparse.h"
#include "nnlm/vmath.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nnlm_state_pool;

struct wren_nnlm_state {
    int refs, len, token;
    int pending;   /* kv and h not computed yet (made by score_many as a next state: computed
                      when first scored from, never if only freed); 2: queued to be computed */
    struct wren_nnlm_state *parent;
    struct nnlm_state_pool *pool;   /* where it was allocated and goes back to */
    int has_lse;
    float lse;
    float *kv;   /* per layer: k [HD_l] then v [HD_l] */
    float *h;    /* [D] final LayerNorm output at this token */
    float *hv;   /* factored embedding: [r] h V^T, the output layer's input (else NULL) */
};

/* Freed states of one model, kept for reuse: a pass over many histories allocates and frees
 * states (~12 KB each for a 6 x 256 model) by the thousand, and memory given back to the system
 * between passes costs a page fault per page when it is taken again (measured: ~10% of
 * unnormalised KV-cache scoring). Reference counted, one for the model and one per live state,
 * so states may outlive the model (then they are simply freed). */
struct nnlm_state_pool {
    long refs, nfree, maxfree;
    size_t bytes;                    /* of one state */
    struct wren_nnlm_state *free;    /* linked through parent */
};

static void pool_release(struct nnlm_state_pool *p)
{
    if (--p->refs > 0) return;
    free(p);
}

struct nnlm_infer_ws {
    struct nnlm_state_pool *pool;
    size_t *kvoff, kvlen;
    float *x, *ln, *q, *sc, *ctx, *a, *f1, *f2, *tmp, *logits;
    const float **chain;   /* extend: the history's key/value blocks, oldest first */
    /* score_many: row buffers for up to mcap rows, kept between calls (large fresh buffers
     * cost a page fault per page every call), and lse_many's block of logits */
    int mcap;
    float *mx, *mln, *ma, *mq, *mk, *mv, *mctx, *mf1, *mf2, *mtmp, *lh, *lz;
    const float **mchain;   /* [mcap][C]: each row's history (key/value blocks), oldest first */
    int *mlen;              /* [mcap]: each row's history length (the states' headers are
                               cache misses once the call's new states have gone by) */
    int *mtok;              /* [mcap]: each row's token */
    int maxHD, maxF, maxR;
    struct wren_nnlm_state *bos;   /* the history <s>, the same for every sentence: computed
                                      once (a pass over all weights one row at a time), dropped
                                      when the weights change (wren_nn_infer_invalidate) */
};

void wren_nn_infer_ws_free(struct nnlm_infer_ws *w)
{
    if (!w) return;
    wren_nnlm_state_free(w->bos);
    float *bufs[] = { w->x, w->ln, w->q, w->sc, w->ctx, w->a, w->f1, w->f2, w->tmp, w->logits,
                      w->mx, w->mln, w->ma, w->mq, w->mk, w->mv, w->mctx, w->mf1, w->mf2, w->mtmp,
                      w->lh, w->lz };
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) wren_fbuf_free(bufs[i]);
    free(w->kvoff);
    free(w->chain);
    while (w->pool->free) {   /* the model goes: cached states too; live ones are freed later */
        struct wren_nnlm_state *s = w->pool->free;
        w->pool->free = s->parent;
        free(s);
    }
    w->pool->maxfree = 0;
    pool_release(w->pool);
    free(w->mchain);
    free(w->mlen);
    free(w->mtok);
    free(w);
}

static struct nnlm_infer_ws *iws(struct wren_nnlm *m)
{
    if (m->iws) return m->iws;
    struct nnlm_infer_ws *w = wren_xcalloc(1, sizeof *w);
    int L = m->c.n_layers, D = m->c.d_model, C = m->c.context, dh = m->c.head_dim;
    int maxHD = 1, maxF = 1, maxR = 1;
    w->kvoff = wren_xmalloc((size_t)L * sizeof *w->kvoff);
    for (int l = 0; l < L; l++) {
        const struct nnlm_block *b = &m->blk[l];
        int HD = b->n_heads * dh;
        w->kvoff[l] = w->kvlen;
        w->kvlen += 2 * (size_t)HD;
        if (HD > maxHD) maxHD = HD;
        if (b->d_ffn > maxF) maxF = b->d_ffn;
        for (int j = 0; j < NNLM_NLIN; j++)
            if (b->lin[j].kind == NNLM_FACTORED && b->lin[j].rank > maxR) maxR = b->lin[j].rank;
    }
    if (m->c.emb_rank > maxR) maxR = m->c.emb_rank;   /* mtmp also holds h V^T of every row */
    w->x = wren_fbuf_alloc(D);
    w->ln = wren_fbuf_alloc(D);
    w->q = wren_fbuf_alloc(maxHD);
    w->sc = wren_fbuf_alloc((size_t)C * (maxHD / dh));   /* scores of every head */
    w->ctx = wren_fbuf_alloc(maxHD);
    w->a = wren_fbuf_alloc(D);
    w->f1 = wren_fbuf_alloc(maxF);
    w->f2 = wren_fbuf_alloc(maxF);
    w->tmp = wren_fbuf_alloc(maxR);
    w->logits = wren_fbuf_alloc(m->c.vocab_size);
    w->chain = wren_xmalloc((size_t)C * sizeof *w->chain);
    w->maxHD = maxHD;
    w->maxF = maxF;
    w->maxR = maxR;
    w->pool = wren_xcalloc(1, sizeof *w->pool);
    w->pool->refs = 1;
    w->pool->bytes = sizeof(struct wren_nnlm_state) +
                     (w->kvlen + (size_t)D + (size_t)m->c.emb_rank) * sizeof(float);
    w->pool->maxfree = (long)((256u << 20) / w->pool->bytes) + 64;   /* up to ~256 MB cached */
    m->iws = w;
    return w;
}

/* The score_many row buffers for at least n rows. */
static void many_bufs(struct wren_nnlm *m, struct nnlm_infer_ws *w, int n)
{
    if (n <= w->mcap) return;
    int cap = w->mcap ? w->mcap : 64;
    while (cap < n) cap *= 2;
    size_t N = (size_t)cap, D = (size_t)m->c.d_model;
    float **b[] = { &w->mx, &w->mln, &w->ma, &w->mq, &w->mk, &w->mv, &w->mctx, &w->mf1, &w->mf2, &w->mtmp };
    size_t sz[] = { N * D, N * D, N * D, N * w->maxHD, N * w->maxHD, N * w->maxHD, N * w->maxHD,
                    N * w->maxF, N * w->maxF, N * w->maxR };
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) { wren_fbuf_free(*b[i]); *b[i] = wren_fbuf_alloc(sz[i]); }
    free(w->mchain);
    w->mchain = wren_xmalloc(N * (size_t)m->c.context * sizeof *w->mchain);
    free(w->mlen);
    w->mlen = wren_xmalloc(N * sizeof *w->mlen);
    free(w->mtok);
    w->mtok = wren_xmalloc(N * sizeof *w->mtok);
    w->mcap = cap;
}

/* y = W x + b for one vector. */
static void linear_vec(const struct nnlm_linear *l, const float *x, float *y, float *tmp)
{
    if (wren_nn_sparse_linear_fwd(l, x, 1, y)) return;   /* masked layer, sparse enough: CSR kernel */
    if (l->b) memcpy(y, l->b, (size_t)l->out * sizeof *y);
    else memset(y, 0, (size_t)l->out * sizeof *y);
    if (l->kind == NNLM_FACTORED) {
        wren_gemv(0, l->rank, l->in, 1.0f, l->v, l->in, x, 0.0f, tmp);
        wren_gemv(0, l->out, l->rank, 1.0f, l->u, l->rank, tmp, 1.0f, y);
    } else {
        wren_gemv(0, l->out, l->in, 1.0f, l->w, l->in, x, 1.0f, y);
    }
}

/* A new state; its keys/values and hidden vectors are left for the caller to write (all of
 * them: not zeroing ~12 KB a state is measurable in rescoring). */
static struct wren_nnlm_state *state_new(struct nnlm_infer_ws *w, int D, int r)
{
    struct nnlm_state_pool *p = w->pool;
    struct wren_nnlm_state *s = p->free;
    if (s) { p->free = s->parent; p->nfree--; }
    else s = wren_xmalloc(p->bytes);
    memset(s, 0, sizeof *s);
    s->pool = p;
    p->refs++;
    s->kv = (float *)(s + 1);
    s->h = s->kv + w->kvlen;
    s->hv = r > 0 ? s->h + D : NULL;
    s->refs = 1;
    return s;
}

/* Causal attention of one query row q [H*dh] over a history given as its states' key/value
 * blocks, oldest first (chain[len-1] is the query's own token): the keys and values are read
 * where the states keep them (layer offset off), not copied into a matrix, each state's row once
 * for all heads (the rows are scattered in memory: reading one straight through is what is
 * cheap). The blocks are gathered once per token, not per layer: reading a state's header is a
 * cache miss of its own. sc: scratch [H * len]. */
static void attend_chain(const float *q, const float *const *chain, int len, size_t off,
                         int H, int dh, float scale, float *sc, float *ctx)
{
    const float *rows[len];
    for (int t = 0; t < len; t++) rows[t] = chain[t] + off;
    nnlm_vattend(q, rows, len, H, dh, scale, sc, ctx);
}

/* The output layer's input of a state: h [D], or h V^T [r] with a factored embedding; E the
 * matching output matrix [V, *dim]. */
static const float *out_input(const struct wren_nnlm *m, const struct wren_nnlm_state *s,
                              const float **E, int *dim)
{
    *E = m->emb_u ? m->emb_u : m->tok_emb;
    *dim = m->emb_u ? m->c.emb_rank : m->c.d_model;
    return m->emb_u ? s->hv : s->h;
}

static void compute_many(struct wren_nnlm *m, int n, struct wren_nnlm_state *const *out);

/* The state for history `parent` + token at position pos (parent may be NULL). */
static struct wren_nnlm_state *extend(struct wren_nnlm *m, struct wren_nnlm_state *parent,
                                      int token)
{
    struct nnlm_infer_ws *w = iws(m);
    const struct nnlm_config *c = &m->c;
    int D = c->d_model, dh = c->head_dim;
    struct wren_nnlm_state *s = state_new(w, D, c->emb_rank);
    s->token = token;
    s->parent = parent;
    if (parent) parent->refs++;
    s->len = parent ? parent->len + 1 : 1;
    int pos = s->len - 1, n = s->len;
    const float *pt = m->pos_emb ? m->pos_emb : m->sinus;
    wren_nn_embed_tokens(m, &token, 1, w->x);
    nnlm_vaxpy(w->x, 1.0f, pt + (size_t)pos * D, (size_t)D);
    struct wren_nnlm_state *it = s;
    for (int i = n - 1; i >= 0; i--, it = it->parent) w->chain[i] = it->kv;
    float scale = 1.0f / sqrtf((float)dh);
    for (int l = 0; l < c->n_layers; l++) {
        const struct nnlm_block *b = &m->blk[l];
        int H = b->n_heads, HD = H * dh;
        float *k = s->kv + w->kvoff[l], *v = k + HD;
        wren_nn_layernorm_fwd(w->x, b->ln1_g, b->ln1_b, 1, D, c->ln_eps, w->ln, NULL, NULL);
        linear_vec(&b->lin[NNLM_Q], w->ln, w->q, w->tmp);
        linear_vec(&b->lin[NNLM_K], w->ln, k, w->tmp);
        linear_vec(&b->lin[NNLM_V], w->ln, v, w->tmp);
        attend_chain(w->q, w->chain, n, w->kvoff[l], H, dh, scale, w->sc, w->ctx);
        linear_vec(&b->lin[NNLM_O], w->ctx, w->a, w->tmp);
        nnlm_vaxpy(w->x, 1.0f, w->a, (size_t)D);
        wren_nn_layernorm_fwd(w->x, b->ln2_g, b->ln2_b, 1, D, c->ln_eps, w->ln, NULL, NULL);
        linear_vec(&b->lin[NNLM_FC1], w->ln, w->f1, w->tmp);
        wren_nn_gelu_fwd(w->f1, w->f2, (size_t)b->d_ffn);
        linear_vec(&b->lin[NNLM_FC2], w->f2, w->a, w->tmp);
        nnlm_vaxpy(w->x, 1.0f, w->a, (size_t)D);
    }
    wren_nn_layernorm_fwd(w->x, m->lnf_g, m->lnf_b, 1, D, c->ln_eps, s->h, NULL, NULL);
    if (s->hv) wren_nn_emb_project(m, s->h, 1, s->hv);
    m->forward_tokens++;
    return s;
}

void wren_nn_infer_invalidate(const struct wren_nnlm *m)
{
    if (!m->iws) return;
    wren_nnlm_state_free(m->iws->bos);
    m->iws->bos = NULL;
}

struct wren_nnlm_state *wren_nnlm_state_begin(struct wren_nnlm *m)
{
    struct nnlm_infer_ws *w = iws(m);
    if (!w->bos) w->bos = extend(m, NULL, WREN_NNLM_BOS);
    w->bos->refs++;
    return w->bos;
}

struct wren_nnlm_state *wren_nnlm_state_copy(struct wren_nnlm_state *s)
{
    if (s) s->refs++;
    return s;
}

void wren_nnlm_state_free(struct wren_nnlm_state *s)
{
    while (s && --s->refs == 0) {
        struct wren_nnlm_state *parent = s->parent;
        struct nnlm_state_pool *p = s->pool;
        if (p->nfree < p->maxfree) { s->parent = p->free; p->free = s; p->nfree++; }
        else free(s);
        pool_release(p);
        s = parent;
    }
}

int wren_nnlm_state_length(const struct wren_nnlm_state *s) { return s->len; }

float wren_nn_state_logz(const struct wren_nnlm_state *s) { return s->has_lse ? s->lse : 0.0f; }

/* When the history fills the context, continue from a fresh chain over its last C/2 tokens. */
static struct wren_nnlm_state *rewindow(struct wren_nnlm *m, struct wren_nnlm_state *s)
{
    int keep = m->c.context / 2;
    int *toks = wren_xmalloc((size_t)keep * sizeof *toks);
    struct wren_nnlm_state *it = s;
    for (int i = keep - 1; i >= 0; i--, it = it->parent) toks[i] = it->token;
    struct wren_nnlm_state *cur = NULL;
    for (int i = 0; i < keep; i++) {
        struct wren_nnlm_state *nx = extend(m, cur, toks[i]);
        wren_nnlm_state_free(cur);
        cur = nx;
    }
    free(toks);
    return cur;
}

int wren_nnlm_state_score(struct wren_nnlm *m, struct wren_nnlm_state *s, int word,
                          float *logprob, struct wren_nnlm_state **next)
{
    int V = m->c.vocab_size, D;
    if (word < 0 || word >= V) return wren_error("nnlm: word id %d outside the vocabulary of %d", word, V);
    if (s->pending) compute_many(m, 1, &s);
    const float *E, *h = out_input(m, s, &E, &D);
    if (!s->has_lse && !m->unnormalized) {
        struct nnlm_infer_ws *w = iws(m);
        memcpy(w->logits, m->out_b, (size_t)V * sizeof(float));
        wren_gemv(0, V, D, 1.0f, E, D, h, 1.0f, w->logits);
        s->lse = wren_nn_vlogsumexp(w->logits, (size_t)V);
        s->has_lse = 1;
    }
    double dot = m->out_b[word];
    const float *e = E + (size_t)word * D;
    for (int j = 0; j < D; j++) dot += (double)e[j] * h[j];
    *logprob = (float)(m->unnormalized ? dot : dot - s->lse);
    if (next) {
        if (s->len >= m->c.context) {
            struct wren_nnlm_state *base = rewindow(m, s);
            *next = extend(m, base, word);
            wren_nnlm_state_free(base);
        } else {
            *next = extend(m, s, word);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- many states at once */

/* Log-normalisers of states that do not have one yet, as one GEMM per chunk of states. */
static void lse_many(struct wren_nnlm *m, int n, struct wren_nnlm_state *const *states)
{
    int V = m->c.vocab_size, D = m->c.emb_rank > 0 ? m->c.emb_rank : m->c.d_model;
    enum { chunk = 64 };
    const float *E = m->emb_u ? m->emb_u : m->tok_emb;
    struct wren_nnlm_state **todo = wren_xmalloc((size_t)(n ? n : 1) * sizeof *todo);
    int k = 0;
    for (int i = 0; i < n; i++) {
        struct wren_nnlm_state *s = states[i];
        if (s->has_lse) continue;
        int dup = 0;
        for (int j = 0; j < k && !dup; j++) dup = todo[j] == s;
        if (!dup) todo[k++] = s;
    }
    int vb = V < NNLM_OUT_BLOCK ? V : NNLM_OUT_BLOCK;
    struct nnlm_infer_ws *w = iws(m);
    if (!w->lh) {
        w->lh = wren_fbuf_alloc((size_t)chunk * D);
        w->lz = wren_fbuf_alloc((size_t)chunk * vb);
    }
    float *H = w->lh, *Z = w->lz;
    float lse[chunk];
    for (int c0 = 0; c0 < k; c0 += chunk) {
        int rows = k - c0 < chunk ? k - c0 : chunk;
        for (int r = 0; r < rows; r++) {
            const struct wren_nnlm_state *s = todo[c0 + r];
            memcpy(H + (size_t)r * D, m->emb_u ? s->hv : s->h, (size_t)D * sizeof(float));
        }
        wren_nn_output_lse(H, rows, D, V, E, m->out_b, NULL, lse, NULL, Z);
        for (int r = 0; r < rows; r++) {
            todo[c0 + r]->lse = lse[r];
            todo[c0 + r]->has_lse = 1;
        }
    }
    free(todo);
}

/* A new state for history parent + token, its keys/values and hidden vectors not computed
 * (pending). */
static struct wren_nnlm_state *state_child(struct wren_nnlm *m, struct wren_nnlm_state *parent, int token)
{
    struct wren_nnlm_state *s = state_new(iws(m), m->c.d_model, m->c.emb_rank);
    s->token = token;
    s->parent = parent;
    parent->refs++;
    s->len = parent->len + 1;
    s->pending = 1;
    return s;
}

/* Compute n pending states (each one token on a computed parent): the linear layers run as
 * GEMMs over the n rows, the attention of each row over its own history. */
static void compute_many(struct wren_nnlm *m, int n, struct wren_nnlm_state *const *out)
{
    struct nnlm_infer_ws *w = iws(m);
    const struct nnlm_config *c = &m->c;
    int D = c->d_model, dh = c->head_dim;
    size_t N = (size_t)n;
    many_bufs(m, w, n);
    float *x = w->mx, *ln = w->mln, *a = w->ma, *q = w->mq, *k = w->mk, *v = w->mv, *ctx = w->mctx;
    float *f1 = w->mf1, *f2 = w->mf2, *tmp = w->mtmp;
    const float *pt = m->pos_emb ? m->pos_emb : m->sinus;
    int *tok = w->mtok;
    for (int i = 0; i < n; i++) {
        struct wren_nnlm_state *s = out[i];
        tok[i] = s->token;
        const float **chain = w->mchain + (size_t)i * c->context;
        w->mlen[i] = s->len;
        chain[s->len - 1] = s->kv;
        if (i > 0 && s->parent == out[i - 1]->parent) {   /* a sibling's history: already gathered */
            memcpy(chain, chain - c->context, (size_t)(s->len - 1) * sizeof *chain);
        } else {
            struct wren_nnlm_state *it = s->parent;
            for (int t = s->len - 2; t >= 0; t--, it = it->parent) chain[t] = it->kv;
        }
    }
    wren_nn_embed_tokens(m, tok, n, x);
    for (int i = 0; i < n; i++) nnlm_vaxpy(x + (size_t)i * D, 1.0f, pt + (size_t)(out[i]->len - 1) * D, (size_t)D);
    float scale = 1.0f / sqrtf((float)dh);
    for (int l = 0; l < c->n_layers; l++) {
        const struct nnlm_block *b = &m->blk[l];
        int H = b->n_heads, HD = H * dh;
        wren_nn_layernorm_fwd(x, b->ln1_g, b->ln1_b, n, D, c->ln_eps, ln, NULL, NULL);
        wren_nn_linear_fwd(&b->lin[NNLM_Q], ln, n, q, tmp);
        wren_nn_linear_fwd(&b->lin[NNLM_K], ln, n, k, tmp);
        wren_nn_linear_fwd(&b->lin[NNLM_V], ln, n, v, tmp);
        for (int i = 0; i < n; i++) {
            const float **chain = w->mchain + (size_t)i * c->context;
            int len = w->mlen[i];
            float *kv = (float *)chain[len - 1] + w->kvoff[l];   /* the row's own new state */
            memcpy(kv, k + (size_t)i * HD, (size_t)HD * sizeof(float));
            memcpy(kv + HD, v + (size_t)i * HD, (size_t)HD * sizeof(float));
            attend_chain(q + (size_t)i * HD, chain, len, w->kvoff[l], H, dh, scale, w->sc,
                         ctx + (size_t)i * HD);
        }
        wren_nn_linear_fwd(&b->lin[NNLM_O], ctx, n, a, tmp);
        nnlm_vaxpy(x, 1.0f, a, N * D);
        wren_nn_layernorm_fwd(x, b->ln2_g, b->ln2_b, n, D, c->ln_eps, ln, NULL, NULL);
        wren_nn_linear_fwd(&b->lin[NNLM_FC1], ln, n, f1, tmp);
        wren_nn_gelu_fwd(f1, f2, N * b->d_ffn);
        wren_nn_linear_fwd(&b->lin[NNLM_FC2], f2, n, a, tmp);
        nnlm_vaxpy(x, 1.0f, a, N * D);
    }
    wren_nn_layernorm_fwd(x, m->lnf_g, m->lnf_b, n, D, c->ln_eps, ln, NULL, NULL);
    int r = c->emb_rank;
    if (r > 0) wren_nn_emb_project(m, ln, n, tmp);   /* h V^T of every row in one GEMM */
    for (int i = 0; i < n; i++) {
        memcpy(out[i]->h, ln + (size_t)i * D, (size_t)D * sizeof(float));
        if (r > 0) memcpy(out[i]->hv, tmp + (size_t)i * r, (size_t)r * sizeof(float));
        out[i]->pending = 0;
    }
    m->forward_tokens += n;
}

long wren_nnlm_forward_tokens(const struct wren_nnlm *m) { return m->forward_tokens; }

/* Compute the pending states among states[0..n), each once, in one batch. */
static void compute_pending(struct wren_nnlm *m, int n, struct wren_nnlm_state *const *states)
{
    struct wren_nnlm_state **todo = NULL;
    int k = 0;
    for (int i = 0; i < n; i++) {
        struct wren_nnlm_state *s = states[i];
        if (s->pending != 1) continue;
        if (!todo) todo = wren_xmalloc((size_t)n * sizeof *todo);
        s->pending = 2;
        todo[k++] = s;
    }
    if (k) compute_many(m, k, todo);
    free(todo);
}

int wren_nnlm_state_score_many(struct wren_nnlm *m, int n, struct wren_nnlm_state *const *states,
                               const int *words, float *logprobs, struct wren_nnlm_state **next)
{
    int V = m->c.vocab_size;
    for (int i = 0; i < n; i++)
        if (words[i] < 0 || words[i] >= V)
            return wren_error("nnlm: word id %d (pair %d) outside the vocabulary of %d", words[i], i, V);
    compute_pending(m, n, states);
    if (!m->unnormalized) lse_many(m, n, states);
    for (int i = 0; i < n; i++) {   /* the word's own output row: one dot product */
        int D;
        const float *E, *h = out_input(m, states[i], &E, &D);
        double dot = m->out_b[words[i]];
        const float *e = E + (size_t)words[i] * D;
        for (int j = 0; j < D; j++) dot += (double)e[j] * h[j];
        logprobs[i] = (float)(m->unnormalized ? dot : dot - states[i]->lse);
    }
    if (!next) return 0;
    /* The next states are made pending: computed in the call that first scores from them, in
     * one batch with the others (in lattice rescoring about 40 % of them are never scored
     * from: pruned, merged into a better path, or after </s>). Histories that filled the
     * context continue from a shorter window (as one by one). */
    for (int i = 0; i < n; i++) {
        struct wren_nnlm_state *base = states[i]->len >= m->c.context ? rewindow(m, states[i]) : states[i];
        next[i] = state_child(m, base, words[i]);
        if (base != states[i]) wren_nnlm_state_free(base);
    }
    return 0;
}

/* ---------------------------------------------------------------- batched sentences */

enum { SCORE_ROWS = 16 };

/* Score one sentence token by token (for sentences longer than the context). */
static void score_incremental(struct wren_nnlm *m, const int *words, int len, float *lp, float *logz)
{
    struct wren_nnlm_state *s = wren_nnlm_state_begin(m);
    for (int i = 0; i <= len; i++) {
        int wd = i < len ? words[i] : WREN_NNLM_EOS;
        struct wren_nnlm_state *nx = NULL;
        wren_nnlm_state_score(m, s, wd, &lp[i], i < len ? &nx : NULL);
        if (logz) logz[i] = m->unnormalized ? 0.0f : wren_nn_state_logz(s);
        wren_nnlm_state_free(s);
        s = nx;
    }
    wren_nnlm_state_free(s);
}

int wren_nnlm_score_sentences(struct wren_nnlm *m, int n, const int *const *words,
                              const int *lens, float *logprobs, double *sent_logprob)
{
    return wren_nn_score_sentences(m, n, words, lens, logprobs, sent_logprob, NULL);
}

int wren_nn_score_sentences(struct wren_nnlm *m, int n, const int *const *words, const int *lens,
                         float *logprobs, double *sent_logprob, float *logz)
{
    int C = m->c.context, V = m->c.vocab_size;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < lens[i]; j++)
            if (words[i][j] < 0 || words[i][j] >= V)
                return wren_error("nnlm: sentence %d word %d: id %d outside the vocabulary", i, j, words[i][j]);
    size_t *start = wren_xmalloc(((size_t)n + 1) * sizeof *start);
    start[0] = 0;
    for (int i = 0; i < n; i++) start[i + 1] = start[i] + (size_t)lens[i] + 1;
    float *lp = logprobs ? logprobs : wren_xmalloc((start[n] ? start[n] : 1) * sizeof *lp);
    if (!m->fbws) m->fbws = wren_nn_fb_create(m, SCORE_ROWS, C, 0);
    size_t cap = (size_t)SCORE_ROWS * C;
    int *tok = wren_xmalloc(cap * sizeof *tok), *tgt = wren_xmalloc(cap * sizeof *tgt);
    int *pos = wren_xmalloc(cap * sizeof *pos), *seg = wren_xmalloc(cap * sizeof *seg);
    float *out = wren_xmalloc(cap * sizeof *out), *oz = logz ? wren_xmalloc(cap * sizeof *oz) : NULL;
    int *owner = wren_xmalloc(cap * sizeof *owner);   /* sentence of each slot, -1 padding */
    int i = 0;
    while (i < n) {
        for (size_t at = 0; at < cap; at++) {   /* padding: attends to itself, no target */
            tok[at] = WREN_NNLM_EOS; tgt[at] = -1; pos[at] = 0; seg[at] = (int)(at % C); owner[at] = -1;
        }
        /* pack whole sentences into up to SCORE_ROWS rows of C tokens; attention and
         * positions restart at each sentence, so packing does not change any score */
        int row = 0, col = 0;
        while (i < n && row < SCORE_ROWS) {
            int need = lens[i] + 1;
            if (need > C) { score_incremental(m, words[i], lens[i], lp + start[i], logz ? logz + start[i] : NULL); i++; continue; }
            if (col + need > C) { row++; col = 0; continue; }
            for (int j = 0; j < need; j++) {
                size_t at = (size_t)row * C + col + j;
                tok[at] = j == 0 ? WREN_NNLM_BOS : words[i][j - 1];
                tgt[at] = j < lens[i] ? words[i][j] : WREN_NNLM_EOS;
                pos[at] = j;
                seg[at] = col;
                owner[at] = i;
            }
            col += need;
            i++;
        }
        int rows = col > 0 ? row + 1 : row;
        if (rows == 0) continue;
        struct nnlm_batch b = { .B = rows, .T = C, .tok = tok, .tgt = tgt, .pos = pos, .seg = seg,
                                .unnormalized = m->unnormalized, .logz = oz };
        long nt;
        wren_nn_forward_backward(m, m->fbws, &b, NULL, 0.0f, 0, 0, &nt, out);
        for (size_t at = 0; at < (size_t)rows * C; at++)
            if (owner[at] >= 0) {
                lp[start[owner[at]] + (size_t)pos[at]] = out[at];
                if (logz) logz[start[owner[at]] + (size_t)pos[at]] = oz[at];
            }
    }
    if (sent_logprob)
        for (int s = 0; s < n; s++) {
            double t = 0;
            for (size_t k = start[s]; k < start[s + 1]; k++) t += lp[k];
            sent_logprob[s] = t;
        }
    if (!logprobs) free(lp);
    free(start); free(tok); free(tgt); free(pos); free(seg); free(out); free(oz); free(owner);
    return 0;
}
