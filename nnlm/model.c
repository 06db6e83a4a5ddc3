/* model.c — the NNLM's parameters: layout of the tensor table over one contiguous buffer,
 * initialisation, safetensors load/save with the architecture and vocabulary in the metadata,
 * stored-parameter counts and `nnlm-info`. Not for: the maths (layers.c, forward.c). */
#include "nnlm/nnlm-internal.h"

#include "utils/matrix.h"
#include "nnlm/sparse.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const wren_nn_lin_names[NNLM_NLIN] = { "attn.q", "attn.k", "attn.v", "attn.o", "ffn.fc1", "ffn.fc2" };

struct wren_nnlm_vocab *wren_nn_vocab_from_words(char *const *words, int n);   /* vocab.c */

uint64_t wren_nn_hash64(uint64_t x)
{   /* splitmix64 finaliser */
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

void wren_nnlm_arch_default(struct wren_nnlm_arch *a)
{
    a->n_layers = 6;
    a->d_model = 256;   /* the shape of the recipes' shared NNLM (egs/steps/conf/nnlm.conf) */
    a->n_heads = 4;
    a->d_ffn = 1280;
    a->context = 64;
    a->pos = "learned";
    a->attn_reset = 1;
}

int wren_nn_check_arch(const struct wren_nnlm_arch *a, int vocab_size)
{
    if (a->n_layers < 1 || a->d_model < 1 || a->n_heads < 1 || a->d_ffn < 1 || a->context < 2)
        return wren_error("nnlm: layers, d-model, heads, ffn must be >= 1 and context >= 2");
    if (a->d_model % a->n_heads)
        return wren_error("nnlm: d-model %d is not a multiple of heads %d", a->d_model, a->n_heads);
    if (strcmp(a->pos, "learned") && strcmp(a->pos, "sinusoidal"))
        return wren_error("nnlm: --pos must be learned or sinusoidal, not '%s'", a->pos);
    if (vocab_size < 4) return wren_error("nnlm: vocabulary has no words");
    return 0;
}

/* ---------------------------------------------------------------- layout */

struct layout {
    struct wren_nnlm *m;
    float ***slot;   /* where each float tensor's pointer goes */
    unsigned char ***mslot;
    int cap;
};

static void add_tensor(struct layout *L, const char *name, int rows, int cols, int decay,
                       float **fslot, unsigned char **mslot)
{
    struct wren_nnlm *m = L->m;
    if (m->ntensors == L->cap) {
        L->cap = L->cap ? 2 * L->cap : 64;
        m->t = wren_xrealloc(m->t, (size_t)L->cap * sizeof *m->t);
        L->slot = wren_xrealloc(L->slot, (size_t)L->cap * sizeof *L->slot);
        L->mslot = wren_xrealloc(L->mslot, (size_t)L->cap * sizeof *L->mslot);
    }
    struct nnlm_tensor *t = &m->t[m->ntensors];
    memset(t, 0, sizeof *t);
    t->name = wren_xstrdup(name);
    t->rows = rows;
    t->cols = cols;
    t->n = (size_t)rows * (size_t)(cols ? cols : 1);
    t->decay = decay;
    t->is_mask = mslot != NULL;
    if (!t->is_mask) { t->off = m->nparams; m->nparams += t->n; }
    L->slot[m->ntensors] = fslot;
    L->mslot[m->ntensors] = mslot;
    m->ntensors++;
}

static void add_linear(struct layout *L, int blk, int which, struct nnlm_linear *l, int out,
                       int in, int kind, int rank)
{
    char name[96];
    const char *base = wren_nn_lin_names[which];
    l->in = in;
    l->out = out;
    l->kind = kind;
    l->rank = rank;
    if (kind == NNLM_FACTORED) {
        snprintf(name, sizeof name, "blocks.%d.%s.U", blk, base);
        add_tensor(L, name, out, rank, 1, &l->u, NULL);
        snprintf(name, sizeof name, "blocks.%d.%s.V", blk, base);
        add_tensor(L, name, rank, in, 1, &l->v, NULL);
    } else {
        snprintf(name, sizeof name, "blocks.%d.%s.weight", blk, base);
        add_tensor(L, name, out, in, 1, &l->w, NULL);
    }
    snprintf(name, sizeof name, "blocks.%d.%s.bias", blk, base);
    add_tensor(L, name, out, 0, 0, &l->b, NULL);
    if (kind == NNLM_MASKED) {
        snprintf(name, sizeof name, "blocks.%d.%s.mask", blk, base);
        add_tensor(L, name, out, in, 0, NULL, &l->mask);
    }
}

static void sinus_table(struct wren_nnlm *m)
{
    int C = m->c.context, D = m->c.d_model;
    m->sinus = wren_fbuf_alloc((size_t)C * D);
    for (int p = 0; p < C; p++)
        for (int i = 0; i < D; i += 2) {
            double f = p / pow(10000.0, (double)i / D);
            m->sinus[(size_t)p * D + i] = (float)sin(f);
            if (i + 1 < D) m->sinus[(size_t)p * D + i + 1] = (float)cos(f);
        }
}

struct wren_nnlm *wren_nn_alloc(const struct nnlm_config *c, const struct nnlm_block_spec *specs,
                             const struct wren_nnlm_vocab *v)
{
    struct wren_nnlm *m = wren_xcalloc(1, sizeof *m);
    m->c = *c;
    int n = wren_nnlm_vocab_size(v);
    char **words = wren_xmalloc((size_t)n * sizeof *words);
    for (int i = 0; i < n; i++) words[i] = (char *)wren_nnlm_vocab_word(v, i);
    m->vocab = wren_nn_vocab_from_words(words + 3, n - 3);
    free(words);
    m->c.vocab_size = n;
    int D = c->d_model, dh = c->head_dim;
    m->blk = wren_xcalloc((size_t)c->n_layers, sizeof *m->blk);
    struct layout L = { m, NULL, NULL, 0 };
    if (c->emb_rank > 0) {   /* factored tied embedding, E = U V */
        add_tensor(&L, "tok_emb.U", n, c->emb_rank, 0, &m->emb_u, NULL);
        add_tensor(&L, "tok_emb.V", c->emb_rank, D, 0, &m->emb_v, NULL);
    } else {
        add_tensor(&L, "tok_emb.weight", n, D, 0, &m->tok_emb, NULL);
        if (c->emb_masked) add_tensor(&L, "tok_emb.mask", n, D, 0, NULL, &m->emb_mask);
    }
    if (c->pos_learned) add_tensor(&L, "pos_emb.weight", c->context, D, 0, &m->pos_emb, NULL);
    char name[96];
    for (int i = 0; i < c->n_layers; i++) {
        struct nnlm_block *b = &m->blk[i];
        const struct nnlm_block_spec *s = &specs[i];
        b->n_heads = s->n_heads;
        b->d_ffn = s->d_ffn;
        int HD = s->n_heads * dh, F = s->d_ffn;
        snprintf(name, sizeof name, "blocks.%d.ln1.weight", i);
        add_tensor(&L, name, D, 0, 0, &b->ln1_g, NULL);
        snprintf(name, sizeof name, "blocks.%d.ln1.bias", i);
        add_tensor(&L, name, D, 0, 0, &b->ln1_b, NULL);
        int outs[NNLM_NLIN] = { HD, HD, HD, D, F, D }, ins[NNLM_NLIN] = { D, D, D, HD, D, F };
        for (int j = 0; j < NNLM_NLIN; j++) {
            if (j == NNLM_FC1) {
                snprintf(name, sizeof name, "blocks.%d.ln2.weight", i);
                add_tensor(&L, name, D, 0, 0, &b->ln2_g, NULL);
                snprintf(name, sizeof name, "blocks.%d.ln2.bias", i);
                add_tensor(&L, name, D, 0, 0, &b->ln2_b, NULL);
            }
            add_linear(&L, i, j, &b->lin[j], outs[j], ins[j], s->kind[j], s->rank[j]);
        }
    }
    add_tensor(&L, "ln_f.weight", D, 0, 0, &m->lnf_g, NULL);
    add_tensor(&L, "ln_f.bias", D, 0, 0, &m->lnf_b, NULL);
    add_tensor(&L, "out.bias", n, 0, 0, &m->out_b, NULL);
    m->params = wren_fbuf_alloc(m->nparams);
    for (int i = 0; i < m->ntensors; i++) {
        struct nnlm_tensor *t = &m->t[i];
        if (t->is_mask) {
            t->mask = wren_xmalloc(t->n);
            memset(t->mask, 1, t->n);
            *L.mslot[i] = t->mask;
        } else {
            *L.slot[i] = m->params + t->off;
        }
    }
    free(L.slot);
    free(L.mslot);
    if (!c->pos_learned) sinus_table(m);
    return m;
}

static float randn(uint64_t seed, uint64_t i)
{
    double u1 = nnlm_uniform(wren_nn_hash64(seed ^ wren_nn_hash64(2 * i)));
    double u2 = nnlm_uniform(wren_nn_hash64(seed ^ wren_nn_hash64(2 * i + 1)));
    if (u1 < 1e-300) u1 = 1e-300;
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
}

void wren_nn_init_weights(struct wren_nnlm *m, uint64_t seed)
{
    float std = 0.02f, out_std = 0.02f / sqrtf(2.0f * (float)m->c.n_layers);
    for (int i = 0; i < m->ntensors; i++) {
        struct nnlm_tensor *t = &m->t[i];
        if (t->is_mask) continue;
        float *p = m->params + t->off;
        size_t len = strlen(t->name);
        int is_ln_g = len > 7 && !strcmp(t->name + len - 7, ".weight") && t->cols == 0;
        if (t->cols == 0) {   /* biases 0, LayerNorm gains 1 */
            for (size_t j = 0; j < t->n; j++) p[j] = is_ln_g ? 1.0f : 0.0f;
            continue;
        }
        float s = (strstr(t->name, "attn.o.") || strstr(t->name, "ffn.fc2.")) ? out_std : std;
        if (t->name[len - 2] == '.' && (t->name[len - 1] == 'U' || t->name[len - 1] == 'V'))
            s = sqrtf(s);   /* factors of a product of the same scale */
        uint64_t ts = wren_nn_hash64(seed * 1000003u + (uint64_t)i);
        for (size_t j = 0; j < t->n; j++) p[j] = s * randn(ts, j);
    }
    wren_nn_apply_masks(m, m->params);
}

/* The weights (may) have changed: drop what was derived from them (CSR copies of masked
 * layers, the cached <s> state of incremental scoring). */
static void weights_changed(const struct wren_nnlm *m)
{
    wren_nn_sparse_invalidate(m);
    wren_nn_infer_invalidate(m);
}

void wren_nn_apply_masks(const struct wren_nnlm *m, float *buf)
{
    if (buf == m->params) weights_changed(m);
    for (int i = 0; i < m->c.n_layers; i++)
        for (int j = 0; j < NNLM_NLIN; j++) {
            const struct nnlm_linear *l = &m->blk[i].lin[j];
            if (l->kind != NNLM_MASKED) continue;
            float *w = buf + (l->w - m->params);
            for (size_t k = 0; k < (size_t)l->out * l->in; k++)
                if (!l->mask[k]) w[k] = 0;
        }
    if (m->emb_mask) {   /* the masked tied embedding: lookups and logits both see the zeros */
        float *e = buf + (m->tok_emb - m->params);
        for (size_t k = 0; k < (size_t)m->c.vocab_size * m->c.d_model; k++)
            if (!m->emb_mask[k]) e[k] = 0;
    }
}

const struct nnlm_tensor *wren_nn_find_tensor(const struct wren_nnlm *m, const char *name)
{
    for (int i = 0; i < m->ntensors; i++)
        if (!strcmp(m->t[i].name, name)) return &m->t[i];
    return NULL;
}

struct wren_nnlm *wren_nnlm_create(const struct wren_nnlm_arch *a,
                                   const struct wren_nnlm_vocab *v, unsigned long seed)
{
    if (wren_nn_check_arch(a, wren_nnlm_vocab_size(v))) return NULL;
    struct nnlm_config c = { 0 };
    c.d_model = a->d_model;
    c.n_layers = a->n_layers;
    c.n_heads = a->n_heads;
    c.head_dim = a->d_model / a->n_heads;
    c.d_ffn = a->d_ffn;
    c.context = a->context;
    c.pos_learned = !strcmp(a->pos, "learned");
    c.attn_reset = a->attn_reset;
    c.ln_eps = 1e-5f;
    struct nnlm_block_spec *s = wren_xcalloc((size_t)a->n_layers, sizeof *s);
    for (int i = 0; i < a->n_layers; i++) { s[i].n_heads = a->n_heads; s[i].d_ffn = a->d_ffn; }
    struct wren_nnlm *m = wren_nn_alloc(&c, s, v);
    free(s);
    wren_nn_init_weights(m, (uint64_t)seed);
    return m;
}


void wren_nnlm_free(struct wren_nnlm *m)
{
    if (!m) return;
    for (int i = 0; i < m->ntensors; i++) { free(m->t[i].name); free(m->t[i].mask); }
    free(m->t);
    wren_fbuf_free(m->params);
    wren_fbuf_free(m->sinus);
    wren_nn_sparse_release(m);
    free(m->blk);
    wren_nnlm_vocab_free(m->vocab);
    free(m->distill_teacher);
    free(m->prune_settings);
    wren_nn_infer_ws_free(m->iws);
    wren_nn_fb_free(m->fbws);
    free(m);
}

const struct wren_nnlm_vocab *wren_nnlm_get_vocab(const struct wren_nnlm *m) { return m->vocab; }
int wren_nnlm_context(const struct wren_nnlm *m) { return m->c.context; }
float wren_nnlm_self_norm(const struct wren_nnlm *m) { return m->c.self_norm; }
float wren_nnlm_log_z_shift(const struct wren_nnlm *m) { return m->c.log_z_shift; }
const char *wren_nnlm_prune_settings(const struct wren_nnlm *m) { return m->prune_settings; }

void wren_nnlm_set_prune_settings(struct wren_nnlm *m, const char *settings)
{
    free(m->prune_settings);
    m->prune_settings = settings ? wren_xstrdup(settings) : NULL;
}
void wren_nnlm_set_unnormalized(struct wren_nnlm *m, int on) { m->unnormalized = on != 0; }
int wren_nnlm_unnormalized(const struct wren_nnlm *m) { return m->unnormalized; }

/* ---------------------------------------------------------------- save / load */

/* If t is the weight of a masked layer, its mask tensor (base receives the layer's name). */
static const struct nnlm_tensor *masked_weight_mask(const struct wren_nnlm *m,
                                                    const struct nnlm_tensor *t, char *base,
                                                    size_t nbase)
{
    size_t len = strlen(t->name);
    if (t->is_mask || !t->cols || len <= 7 || strcmp(t->name + len - 7, ".weight")) return NULL;
    snprintf(base, nbase, "%.*s", (int)(len - 7), t->name);
    char name[176];
    snprintf(name, sizeof name, "%s.mask", base);
    return wren_nn_find_tensor(m, name);
}

static void meta_int(struct st_writer *w, const char *k, long v)
{
    char b[32];
    snprintf(b, sizeof b, "%ld", v);
    wren_st_writer_meta(w, k, b);
}

int wren_nn_save_ext(const struct wren_nnlm *m, const char *path, int nextra,
                  const char *const *prefixes, float *const *bufs, int nmeta,
                  const char *const *keys, const char *const *vals)
{
    struct st_writer *w = wren_st_writer_create();
    wren_st_writer_meta(w, "format", "wren-nnlm-1");
    wren_st_writer_meta(w, "arch", "decoder-only transformer LM, pre-LayerNorm, GELU(tanh), tied embeddings");
    meta_int(w, "vocab_size", m->c.vocab_size);
    meta_int(w, "d_model", m->c.d_model);
    meta_int(w, "n_layers", m->c.n_layers);
    meta_int(w, "n_heads", m->c.n_heads);
    meta_int(w, "head_dim", m->c.head_dim);
    meta_int(w, "d_ffn", m->c.d_ffn);
    meta_int(w, "context", m->c.context);
    wren_st_writer_meta(w, "pos", m->c.pos_learned ? "learned" : "sinusoidal");
    meta_int(w, "attn_reset", m->c.attn_reset);
    char eps[32];
    snprintf(eps, sizeof eps, "%.9g", m->c.ln_eps);
    wren_st_writer_meta(w, "ln_eps", eps);
    char sn[32];
    snprintf(sn, sizeof sn, "%.9g", m->c.self_norm);
    wren_st_writer_meta(w, "self_norm", sn);
    if (m->c.log_z_shift != 0) {   /* only when centred: other files keep their bytes */
        char zs[32];
        snprintf(zs, sizeof zs, "%.9g", m->c.log_z_shift);
        wren_st_writer_meta(w, "log_z_shift", zs);
    }
    if (m->distill_teacher) {   /* its last training distilled from this teacher */
        char dw[32], dt[32];
        snprintf(dw, sizeof dw, "%.9g", m->c.distill_weight);
        snprintf(dt, sizeof dt, "%.9g", m->c.distill_temp);
        wren_st_writer_meta(w, "distill_teacher", m->distill_teacher);
        wren_st_writer_meta(w, "distill_weight", dw);
        wren_st_writer_meta(w, "distill_temperature", dt);
    }
    if (m->prune_settings) wren_st_writer_meta(w, "prune_settings", m->prune_settings);
    size_t vl = 0;
    for (int i = 0; i < m->c.vocab_size; i++) vl += strlen(wren_nnlm_vocab_word(m->vocab, i)) + 1;
    char *vs = wren_xmalloc(vl + 1), *q = vs;
    for (int i = 0; i < m->c.vocab_size; i++) {
        const char *word = wren_nnlm_vocab_word(m->vocab, i);
        size_t n = strlen(word);
        memcpy(q, word, n);
        q += n;
        *q++ = '\n';
    }
    *q = 0;
    wren_st_writer_meta(w, "vocab", vs);
    free(vs);
    for (int i = 0; i < nmeta; i++) wren_st_writer_meta(w, keys[i], vals[i]);
    char name[160];
    void **keep = NULL;   /* CSR arrays the writer references until it writes */
    int nkeep = 0;
    for (int e = -1; e < nextra; e++) {
        const float *buf = e < 0 ? m->params : bufs[e];
        for (int i = 0; i < m->ntensors; i++) {
            const struct nnlm_tensor *t = &m->t[i];
            long shape[2] = { t->rows, t->cols };
            int nd = t->cols ? 2 : 1;
            char base[160];
            const struct nnlm_tensor *mk = e < 0 ? masked_weight_mask(m, t, base, sizeof base) : NULL;
            if (mk && wren_nn_csr_write(w, base, buf + t->off, mk->mask, t->rows, t->cols, &keep, &nkeep) == 0)
                continue;   /* masked layer as CSR: <base>.rowptr/.cols/.values (sparse.h) */
            if (t->is_mask) {
                if (e < 0 && t->cols > NNLM_CSR_MAX_IN) wren_st_writer_add(w, t->name, "U8", nd, shape, t->mask, t->n);
                continue;
            }
            snprintf(name, sizeof name, "%s%s", e < 0 ? "" : prefixes[e], t->name);
            wren_st_writer_add(w, name, "F32", nd, shape, buf + t->off, t->n * sizeof(float));
        }
    }
    int rc = wren_st_writer_write(w, path);
    wren_nn_csr_keep_free(keep, nkeep);
    return rc;
}

int wren_nnlm_save(const struct wren_nnlm *m, const char *path)
{
    return wren_nn_save_ext(m, path, 0, NULL, NULL, 0, NULL, NULL);
}

static int meta_get_int(const struct st_file *f, const char *path, const char *key, int *out)
{
    const char *s = wren_st_meta(f, key);
    char *e;
    if (!s) return wren_error("%s: metadata has no '%s' (not a Wren NNLM?)", path, key);
    long v = strtol(s, &e, 10);
    if (*s == 0 || *e || v < 0 || v > 100000000)
        return wren_error("%s: metadata '%s' is not a valid integer: '%s'", path, key, s);
    *out = (int)v;
    return 0;
}

/* Shape of a tensor as rows x cols (cols 0 for vectors); -1 if missing. */
static int shape_of(const struct st_file *f, const char *name, long *rows, long *cols)
{
    const char *dt;
    int nd;
    long sh[4];
    const void *d;
    size_t nb;
    if (wren_st_tensor(f, name, &dt, &nd, sh, &d, &nb)) return -1;
    *rows = nd > 0 ? sh[0] : 1;
    *cols = nd > 1 ? sh[1] : 0;
    return 0;
}

static int has_tensor(const struct st_file *f, const char *name)
{
    for (int i = 0; i < wren_st_count(f); i++)
        if (!strcmp(wren_st_name(f, i), name)) return 1;
    return 0;
}

/* base = name without its last ".suffix"; returns base. */
static const char *layer_base(char *base, size_t nbase, const char *name)
{
    const char *dot = strrchr(name, '.');
    snprintf(base, nbase, "%.*s", dot ? (int)(dot - name) : (int)strlen(name), name);
    return base;
}

static int read_specs(const struct st_file *f, const char *path, const struct nnlm_config *c,
                      struct nnlm_block_spec *specs)
{
    char name[128];
    for (int i = 0; i < c->n_layers; i++) {
        struct nnlm_block_spec *s = &specs[i];
        for (int j = 0; j < NNLM_NLIN; j++) {
            long r = 0, cc = 0;
            snprintf(name, sizeof name, "blocks.%d.%s.weight", i, wren_nn_lin_names[j]);
            if (has_tensor(f, name)) {
                s->kind[j] = NNLM_DENSE;
                snprintf(name, sizeof name, "blocks.%d.%s.mask", i, wren_nn_lin_names[j]);
                if (has_tensor(f, name)) s->kind[j] = NNLM_MASKED;
                snprintf(name, sizeof name, "blocks.%d.%s.weight", i, wren_nn_lin_names[j]);
                shape_of(f, name, &r, &cc);
            } else if (snprintf(name, sizeof name, "blocks.%d.%s", i, wren_nn_lin_names[j]) > 0 &&
                       wren_nn_csr_in_file(f, name)) {
                s->kind[j] = NNLM_MASKED;   /* CSR form: rows from .rowptr [out+1] */
                snprintf(name, sizeof name, "blocks.%d.%s.rowptr", i, wren_nn_lin_names[j]);
                shape_of(f, name, &r, &cc);
                r--;
            } else {
                snprintf(name, sizeof name, "blocks.%d.%s.U", i, wren_nn_lin_names[j]);
                if (shape_of(f, name, &r, &cc))
                    return wren_error("%s: block %d: %s has neither .weight nor .U/.V", path, i,
                                      wren_nn_lin_names[j]);
                s->kind[j] = NNLM_FACTORED;
                s->rank[j] = (int)cc;
            }
            if (s->kind[j] == NNLM_FACTORED && cc < 1)
                return wren_error("%s: tensor '%s' has rank %ld (must be >= 1)", path, name, cc);
            /* pruning only removes heads and FFN units: more than the metadata says is a
             * contradiction, not a bigger model */
            if (j == NNLM_Q) {
                if (r % c->head_dim || r < c->head_dim || r / c->head_dim > c->n_heads)
                    return wren_error("%s: tensor '%s' has %ld rows: not 1..%d heads of head_dim %d "
                                      "as the metadata says", path, name, r, c->n_heads, c->head_dim);
                s->n_heads = (int)(r / c->head_dim);
            }
            if (j == NNLM_FC1) {
                if (r < 1 || r > c->d_ffn)
                    return wren_error("%s: tensor '%s' has %ld rows: not 1..%d FFN units as the "
                                      "metadata's d_ffn says", path, name, r, c->d_ffn);
                s->d_ffn = (int)r;
            }
        }
    }
    return 0;
}

static int copy_tensor(const struct st_file *f, const char *path, const char *name,
                       const struct nnlm_tensor *t, void *dst, int is_mask)
{
    const char *dt;
    int nd;
    long sh[4];
    const void *d;
    size_t nb;
    if (wren_st_tensor(f, name, &dt, &nd, sh, &d, &nb)) return -1;
    long want_r = t->rows, want_c = t->cols;
    int ok = t->cols ? (nd == 2 && sh[0] == want_r && sh[1] == want_c) : (nd == 1 && sh[0] == want_r);
    if (!ok)
        return wren_error("%s: tensor '%s' has shape [%ld%s%ld], the metadata implies [%ld%s%ld]", path, name,
                          nd > 0 ? sh[0] : 0L, nd > 1 ? "," : "", nd > 1 ? sh[1] : 0L, want_r,
                          want_c ? "," : "", want_c ? want_c : 0L);
    if (strcmp(dt, is_mask ? "U8" : "F32"))
        return wren_error("%s: tensor '%s' has dtype %s, expected %s", path, name, dt,
                          is_mask ? "U8" : "F32");
    memcpy(dst, d, nb);
    if (!is_mask) {   /* a NaN or inf weight would turn every score it touches into NaN */
        const float *x = dst;
        for (size_t k = 0; k < (size_t)t->n; k++)
            if (!isfinite(x[k])) {
                char at[64] = "";
                if (t->cols) snprintf(at, sizeof at, " (row %zu, col %zu)", k / (size_t)t->cols, k % (size_t)t->cols);
                return wren_error("%s: tensor '%s': element %zu%s is %s", path, name, k, at,
                                  isnan(x[k]) ? "NaN" : "infinite");
            }
    }
    return 0;
}

/* distill_weight in [0,1] and distill_temperature > 0 when distill_teacher is there. */
static int distill_from_meta(const struct st_file *f, const char *path, struct nnlm_config *c)
{
    if (!wren_st_meta(f, "distill_teacher")) return 0;
    const char *keys[2] = { "distill_weight", "distill_temperature" };
    float *vals[2] = { &c->distill_weight, &c->distill_temp };
    for (int i = 0; i < 2; i++) {
        const char *v = wren_st_meta(f, keys[i]);
        char *end = NULL;
        *vals[i] = v ? strtof(v, &end) : NAN;
        int ok = v && end != v && !*end && isfinite(*vals[i]) &&
                 (i == 0 ? *vals[i] >= 0 && *vals[i] <= 1 : *vals[i] > 0);
        if (!ok)
            return wren_error("%s: metadata '%s' is %s%s%s, not a number %s", path, keys[i], v ? "'" : "missing",
                              v ? v : "", v ? "'" : "", i == 0 ? "in [0,1]" : "> 0");
    }
    return 0;
}

static int config_from_meta(const struct st_file *f, const char *path, struct nnlm_config *c)
{
    memset(c, 0, sizeof *c);
    if (meta_get_int(f, path, "vocab_size", &c->vocab_size) ||
        meta_get_int(f, path, "d_model", &c->d_model) ||
        meta_get_int(f, path, "n_layers", &c->n_layers) ||
        meta_get_int(f, path, "n_heads", &c->n_heads) ||
        meta_get_int(f, path, "head_dim", &c->head_dim) ||
        meta_get_int(f, path, "d_ffn", &c->d_ffn) || meta_get_int(f, path, "context", &c->context) ||
        meta_get_int(f, path, "attn_reset", &c->attn_reset))
        return -1;
    const char *pos = wren_st_meta(f, "pos"), *eps = wren_st_meta(f, "ln_eps");
    if (!pos || (strcmp(pos, "learned") && strcmp(pos, "sinusoidal")))
        return wren_error("%s: metadata 'pos' must be learned or sinusoidal", path);
    c->pos_learned = !strcmp(pos, "learned");
    const char *format = wren_st_meta(f, "format");
    if (format && strcmp(format, "wren-nnlm-1"))
        return wren_error("%s: metadata 'format' is '%s', not wren-nnlm-1", path, format);
    c->ln_eps = 1e-5f;   /* the default of files written before ln_eps was stored */
    if (eps) {
        char *end;
        double e = strtod(eps, &end);
        if (end == eps || *end || !isfinite(e) || e <= 0 || !isfinite((float)e) || (float)e <= 0)
            return wren_error("%s: metadata 'ln_eps' must be a positive finite number, not '%s'", path, eps);
        c->ln_eps = (float)e;
    }
    if (c->attn_reset > 1)
        return wren_error("%s: metadata 'attn_reset' must be 0 or 1, not %d", path, c->attn_reset);
    if (c->d_model < 1 || c->n_layers < 1 || c->n_heads < 1 || c->head_dim < 1 || c->d_ffn < 1 ||
        c->context < 2 || c->vocab_size < 4 || c->n_layers > 1000)
        return wren_error("%s: metadata describes an invalid architecture (d_model %d, n_layers %d, "
                          "n_heads %d, head_dim %d, d_ffn %d, context %d, vocab_size %d)", path,
                          c->d_model, c->n_layers, c->n_heads, c->head_dim, c->d_ffn, c->context,
                          c->vocab_size);
    const char *sn = wren_st_meta(f, "self_norm");   /* absent in older files: trained without */
    char *snend = NULL;
    c->self_norm = sn ? strtof(sn, &snend) : 0.0f;
    if (sn && (snend == sn || *snend || !(c->self_norm >= 0) || !isfinite(c->self_norm)))
        return wren_error("%s: metadata 'self_norm' is not a non-negative number: '%s'", path, sn);
    const char *zs = wren_st_meta(f, "log_z_shift");   /* absent: never centred */
    char *zsend = NULL;
    c->log_z_shift = zs ? strtof(zs, &zsend) : 0.0f;
    if (zs && (zsend == zs || *zsend || !isfinite(c->log_z_shift)))
        return wren_error("%s: metadata 'log_z_shift' is not a finite number: '%s'", path, zs);
    return distill_from_meta(f, path, c);
}

static struct wren_nnlm_vocab *vocab_from_meta(const struct st_file *f, const char *path, int n)
{
    const char *vs = wren_st_meta(f, "vocab");
    if (!vs) { wren_error("%s: metadata has no 'vocab'", path); return NULL; }
    char *copy = wren_xstrdup(vs);
    char **words = wren_xmalloc((size_t)(n + 1) * sizeof *words);
    int k = 0;
    char *save = NULL;
    for (char *w = strtok_r(copy, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
        if (k > n) break;
        words[k < n ? k : n] = w;
        k++;
    }
    struct wren_nnlm_vocab *v = NULL;
    if (k != n || strcmp(words[0], "<s>") || strcmp(words[1], "</s>") || strcmp(words[2], "<unk>"))
        wren_error("%s: metadata 'vocab' has %d words (vocab_size %d) or does not start with <s> </s> <unk>",
                   path, k, n);
    else
        v = wren_nn_vocab_from_words(words + 3, n - 3);
    if (v && wren_nnlm_vocab_size(v) != n) {
        wren_error("%s: metadata 'vocab' has duplicate words", path);
        wren_nnlm_vocab_free(v);
        v = NULL;
    }
    free(words);
    free(copy);
    return v;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every tensor in the file must belong to the model its metadata describes: a tensor the
 * loader would skip (blocks.N beyond n_layers, pos_emb with sinusoidal positions, a typo) means
 * the metadata contradicts the file. Copies under a one-word prefix ("adam_m.", the optimiser
 * state of a training checkpoint) count as belonging. */
static int check_all_tensors_used(const struct st_file *f, const char *path, const struct wren_nnlm *m)
{
    static const char *const csr[3] = { "rowptr", "cols", "values" };
    char **known = wren_xmalloc((size_t)m->ntensors * 4 * sizeof *known);
    char **made = wren_xmalloc((size_t)m->ntensors * 3 * sizeof *made);   /* CSR names, freed */
    int nk = 0, nmade = 0, rc = 0;
    char base[160], name[200];
    for (int i = 0; i < m->ntensors; i++) {
        known[nk++] = m->t[i].name;
        if (masked_weight_mask(m, &m->t[i], base, sizeof base))
            for (int k = 0; k < 3; k++) {
                snprintf(name, sizeof name, "%s.%s", base, csr[k]);
                known[nk++] = made[nmade++] = wren_xstrdup(name);
            }
    }
    qsort(known, (size_t)nk, sizeof *known, str_cmp);
    for (int i = 0; i < wren_st_count(f) && !rc; i++) {
        const char *t = wren_st_name(f, i), *dot = strchr(t, '.');
        if (!strcmp(t, "__metadata__")) continue;
        const char *rest = dot ? dot + 1 : t;
        if (bsearch(&t, known, (size_t)nk, sizeof *known, str_cmp) ||
            (dot && bsearch(&rest, known, (size_t)nk, sizeof *known, str_cmp)))
            continue;
        rc = wren_error("%s: tensor '%s' is not part of the model the metadata describes (n_layers %d, "
                        "pos %s, vocab_size %d)", path, t, m->c.n_layers,
                        m->c.pos_learned ? "learned" : "sinusoidal", m->c.vocab_size);
    }
    for (int i = 0; i < nmade; i++) free(made[i]);
    free(made);
    free(known);
    return rc;
}

struct wren_nnlm *wren_nn_load_ext(const char *path, int nextra, const char *const *prefixes,
                                float **bufs, int nmeta, const char *const *keys, char **vals)
{
    struct st_file *f = wren_st_open(path);
    if (!f) return NULL;
    struct nnlm_config c;
    struct wren_nnlm *m = NULL;
    struct nnlm_block_spec *specs = NULL;
    struct wren_nnlm_vocab *v = NULL;
    if (config_from_meta(f, path, &c)) goto done;
    specs = wren_xcalloc((size_t)c.n_layers, sizeof *specs);
    if (read_specs(f, path, &c, specs)) goto done;
    if (!has_tensor(f, "tok_emb.weight") && has_tensor(f, "tok_emb.U")) {   /* factored */
        long r = 0, cc = 0;
        shape_of(f, "tok_emb.U", &r, &cc);
        if (cc < 1 || cc > 100000000) {
            wren_error("%s: tensor 'tok_emb.U' must be [vocab_size, rank]", path);
            goto done;
        }
        c.emb_rank = (int)cc;
    }
    /* a masked tied embedding: CSR tensors, or the weight + mask form */
    c.emb_masked = c.emb_rank == 0 && (has_tensor(f, "tok_emb.mask") || wren_nn_csr_in_file(f, "tok_emb"));
    if (!(v = vocab_from_meta(f, path, c.vocab_size))) goto done;
    m = wren_nn_alloc(&c, specs, v);
    const char *teacher = wren_st_meta(f, "distill_teacher");
    if (teacher) m->distill_teacher = wren_xstrdup(teacher);
    const char *ps = wren_st_meta(f, "prune_settings");
    if (ps) m->prune_settings = wren_xstrdup(ps);
    if (check_all_tensors_used(f, path, m)) {
        wren_nnlm_free(m);
        m = NULL;
        goto done;
    }
    char name[160];
    for (int e = -1; e < nextra; e++) {
        float *buf = m->params;
        if (e >= 0) bufs[e] = buf = wren_fbuf_alloc(m->nparams);
        for (int i = 0; i < m->ntensors; i++) {
            const struct nnlm_tensor *t = &m->t[i];
            if (t->is_mask && e >= 0) continue;
            snprintf(name, sizeof name, "%s%s", e < 0 ? "" : prefixes[e], t->name);
            int rc = 0;
            char base[160];
            const struct nnlm_tensor *mk = e < 0 ? masked_weight_mask(m, t, base, sizeof base) : NULL;
            if (mk && wren_nn_csr_in_file(f, base))   /* CSR form fills the weight and the mask */
                rc = wren_nn_csr_read(f, path, base, t->rows, t->cols, buf + t->off, mk->mask);
            else if (t->is_mask && !has_tensor(f, name) &&
                     wren_nn_csr_in_file(f, layer_base(base, sizeof base, t->name)))
                continue;   /* already filled from the CSR tensors */
            else
                rc = copy_tensor(f, path, name, t, t->is_mask ? (void *)t->mask : (void *)(buf + t->off),
                                 t->is_mask);
            if (rc) {
                for (int k = 0; k <= e; k++) { wren_fbuf_free(bufs[k]); bufs[k] = NULL; }
                wren_nnlm_free(m);
                m = NULL;
                goto done;
            }
        }
    }
    for (int i = 0; i < nmeta; i++) {
        const char *s = wren_st_meta(f, keys[i]);
        vals[i] = s ? wren_xstrdup(s) : NULL;
    }
    wren_nn_apply_masks(m, m->params);
    if (nextra == 0) wren_nn_sparse_prepare(m);   /* inference copy of masked layers */
    struct stat sb;
    m->file_bytes = stat(path, &sb) == 0 ? (long)sb.st_size : 0;
done:
    wren_nnlm_vocab_free(v);
    free(specs);
    wren_st_close(f);
    return m;
}

struct wren_nnlm *wren_nnlm_load(const char *path)
{
    return wren_nn_load_ext(path, 0, NULL, NULL, 0, NULL, NULL);
}

/* ---------------------------------------------------------------- sizes and info */

static size_t tensor_stored(const struct wren_nnlm *m, const struct nnlm_tensor *t,
                            const struct nnlm_tensor *mask)
{
    (void)m;
    if (!mask) return t->n;
    size_t nz = 0;
    for (size_t k = 0; k < mask->n; k++) nz += mask->mask[k] != 0;
    return 2 * nz;   /* value + index per kept weight */
}

static size_t count_params(const struct wren_nnlm *m, int with_embeddings)
{
    size_t total = 0;
    char name[160];
    for (int i = 0; i < m->ntensors; i++) {
        const struct nnlm_tensor *t = &m->t[i];
        if (t->is_mask) continue;
        int emb = !strncmp(t->name, "tok_emb.", 8) || !strcmp(t->name, "pos_emb.weight") ||
                  !strcmp(t->name, "out.bias");
        if (emb && !with_embeddings) continue;
        const struct nnlm_tensor *mask = NULL;
        size_t len = strlen(t->name);
        if (len > 7 && !strcmp(t->name + len - 7, ".weight")) {
            snprintf(name, sizeof name, "%.*s.mask", (int)(len - 7), t->name);
            mask = wren_nn_find_tensor(m, name);
        }
        total += tensor_stored(m, t, mask);
    }
    return total;
}

size_t wren_nnlm_stored_params(const struct wren_nnlm *m) { return count_params(m, 1); }
size_t wren_nnlm_nonembedding_params(const struct wren_nnlm *m) { return count_params(m, 0); }

void wren_nnlm_print_info(const struct wren_nnlm *m, FILE *f)
{
    const struct nnlm_config *c = &m->c;
    fprintf(f, "vocab_size %d\nd_model %d\nn_layers %d\nn_heads %d\nhead_dim %d\nd_ffn %d\ncontext %d\n"
               "pos %s\nattn_reset %d\nself_norm %g\nlog_z_shift %g\n",
            c->vocab_size, c->d_model, c->n_layers, c->n_heads, c->head_dim, c->d_ffn, c->context,
            c->pos_learned ? "learned" : "sinusoidal", c->attn_reset, c->self_norm, c->log_z_shift);
    for (int i = 0; i < c->n_layers; i++) {
        const struct nnlm_block *b = &m->blk[i];
        fprintf(f, "block %d heads %d ffn %d", i, b->n_heads, b->d_ffn);
        for (int j = 0; j < NNLM_NLIN; j++) {
            const struct nnlm_linear *l = &b->lin[j];
            if (l->kind == NNLM_FACTORED) fprintf(f, " %s=UV(r=%d)", wren_nn_lin_names[j], l->rank);
            else if (l->kind == NNLM_MASKED) fprintf(f, " %s=masked", wren_nn_lin_names[j]);
        }
        fprintf(f, "\n");
    }
    if (c->emb_rank > 0)
        fprintf(f, "tok_emb UV(r=%d) tied output %d*%d\n", c->emb_rank, c->vocab_size, c->d_model);
    if (m->emb_mask) {
        size_t n = (size_t)c->vocab_size * c->d_model, nz = 0;
        for (size_t k = 0; k < n; k++) nz += m->emb_mask[k] != 0;
        fprintf(f, "tok_emb masked (density %.4f) tied output %d*%d\n", (double)nz / (double)n,
                c->vocab_size, c->d_model);
    }
    if (m->distill_teacher)
        fprintf(f, "distill_teacher %s\ndistill_weight %g\ndistill_temperature %g\n", m->distill_teacher,
                c->distill_weight, c->distill_temp);
    if (m->prune_settings) fprintf(f, "prune_settings %s\n", m->prune_settings);
    fprintf(f, "tensors %d\n", m->ntensors);
    fprintf(f, "nonembedding_params %zu\n", wren_nnlm_nonembedding_params(m));
    fprintf(f, "stored_params %zu\n", wren_nnlm_stored_params(m));
    if (m->file_bytes > 0) fprintf(f, "file_bytes %ld\n", m->file_bytes);
}

/* ---------------------------------------------------------------- access for pruning */

const char *const wren_nnlm_linear_names[WREN_NNLM_NLIN] = { "attn.q", "attn.k", "attn.v", "attn.o", "ffn.fc1", "ffn.fc2" };

int wren_nnlm_num_blocks(const struct wren_nnlm *m) { return m->c.n_layers; }
int wren_nnlm_d_model(const struct wren_nnlm *m) { return m->c.d_model; }
int wren_nnlm_head_dim(const struct wren_nnlm *m) { return m->c.head_dim; }

void wren_nnlm_get_block_shape(const struct wren_nnlm *m, int block, struct wren_nnlm_block_shape *s)
{
    const struct nnlm_block *b = &m->blk[block];
    s->n_heads = b->n_heads;
    s->d_ffn = b->d_ffn;
    for (int j = 0; j < NNLM_NLIN; j++) { s->storage[j] = b->lin[j].kind; s->rank[j] = b->lin[j].rank; }
}

int wren_nnlm_emb_rank(const struct wren_nnlm *m) { return m->c.emb_rank; }

struct wren_nnlm *wren_nnlm_reshape(const struct wren_nnlm *m, const struct wren_nnlm_block_shape *blocks)
{
    return wren_nnlm_reshape_emb(m, blocks, -1);
}

struct wren_nnlm *wren_nnlm_reshape_emb(const struct wren_nnlm *m,
                                        const struct wren_nnlm_block_shape *blocks, int emb_rank)
{
    return wren_nnlm_reshape_dim(m, blocks, emb_rank, 0);
}

struct wren_nnlm *wren_nnlm_reshape_dim(const struct wren_nnlm *m,
                                        const struct wren_nnlm_block_shape *blocks, int emb_rank,
                                        int d_model)
{
    if (d_model > 0 && d_model != m->c.d_model && !m->c.pos_learned) {
        /* the sinusoidal table is a function of D: kept channels would change frequency */
        wren_error("nnlm reshape: d_model %d -> %d needs learned position embeddings (this model "
                   "uses sinusoidal positions)", m->c.d_model, d_model);
        return NULL;
    }
    if (d_model < 0 || d_model > m->c.d_model) {
        wren_error("nnlm reshape: d_model %d must be in [1, %d]", d_model, m->c.d_model);
        return NULL;
    }
    struct nnlm_block_spec *sp = wren_xcalloc((size_t)m->c.n_layers, sizeof *sp);
    for (int i = 0; i < m->c.n_layers; i++) {
        const struct wren_nnlm_block_shape *b = &blocks[i];
        if (b->n_heads < 1 || b->d_ffn < 1) {
            free(sp);
            wren_error("nnlm reshape: block %d needs at least one head and one FFN unit", i);
            return NULL;
        }
        sp[i].n_heads = b->n_heads;
        sp[i].d_ffn = b->d_ffn;
        for (int j = 0; j < NNLM_NLIN; j++) {
            if (b->storage[j] < NNLM_DENSE || b->storage[j] > NNLM_FACTORED ||
                (b->storage[j] == NNLM_FACTORED && b->rank[j] < 1)) {
                free(sp);
                wren_error("nnlm reshape: block %d %s: bad storage or rank", i, wren_nn_lin_names[j]);
                return NULL;
            }
            sp[i].kind[j] = b->storage[j];
            sp[i].rank[j] = b->storage[j] == NNLM_FACTORED ? b->rank[j] : 0;
        }
    }
    struct nnlm_config c = m->c;
    if (emb_rank >= 0) { c.emb_rank = emb_rank; c.emb_masked = 0; }
    if (emb_rank == WREN_NNLM_EMB_MASKED) { c.emb_rank = 0; c.emb_masked = 1; }
    if (d_model > 0) c.d_model = d_model;   /* a pruned width: d_model != n_heads * head_dim */
    struct wren_nnlm *r = wren_nn_alloc(&c, sp, m->vocab);
    free(sp);
    for (int i = 0; i < r->ntensors; i++) {
        struct nnlm_tensor *t = &r->t[i];
        const struct nnlm_tensor *o = wren_nn_find_tensor(m, t->name);
        if (!o || o->rows != t->rows || o->cols != t->cols || o->is_mask != t->is_mask) continue;
        if (t->is_mask) memcpy(t->mask, o->mask, t->n);
        else memcpy(r->params + t->off, m->params + o->off, t->n * sizeof(float));
    }
    return r;
}

int wren_nnlm_num_tensors(const struct wren_nnlm *m) { return m->ntensors; }

const char *wren_nnlm_tensor_name(const struct wren_nnlm *m, int i)
{
    return i >= 0 && i < m->ntensors ? m->t[i].name : NULL;
}

float *wren_nnlm_tensor(struct wren_nnlm *m, const char *name, int *rows, int *cols)
{
    const struct nnlm_tensor *t = wren_nn_find_tensor(m, name);
    if (!t || t->is_mask) return NULL;
    weights_changed(m);   /* writable access: what is derived from the weights may go stale */
    if (rows) *rows = t->rows;
    if (cols) *cols = t->cols;
    return m->params + t->off;
}

unsigned char *wren_nnlm_tensor_mask(struct wren_nnlm *m, const char *name, int *rows, int *cols)
{
    const struct nnlm_tensor *t = wren_nn_find_tensor(m, name);
    if (!t || !t->is_mask) return NULL;
    weights_changed(m);
    if (rows) *rows = t->rows;
    if (cols) *cols = t->cols;
    return t->mask;
}

void wren_nnlm_apply_masks(struct wren_nnlm *m) { wren_nn_apply_masks(m, m->params); }
