/* train.c — `wren nnlm-train`: mini-batches from a tokenised corpus, AdamW with linear warm-up
 * and cosine decay, gradient clipping, dropout, validation perplexity with early stopping, and
 * checkpoints that a resumed run continues from bit for bit (batches and dropout masks are pure
 * functions of the seed and the step number; the checkpoint holds weights, both AdamW moments
 * and the early-stopping state). Not for: the model maths (forward.c) or scoring (infer.c). */
#include "nnlm/nnlm-internal.h"

#include "utils/matrix.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void wren_nnlm_train_opts_default(struct wren_nnlm_train_opts *o)
{
    memset(o, 0, sizeof *o);
    struct wren_nnlm_arch a;
    wren_nnlm_arch_default(&a);
    o->vocab_size = 20000;
    o->layers = a.n_layers;
    o->d_model = a.d_model;
    o->heads = a.n_heads;
    o->ffn = a.d_ffn;
    o->context = a.context;
    o->pos = a.pos;
    o->batch_mode = "sentence";
    o->batch = 32;
    o->steps = 5000;    /* one epoch of the recipes' LM text at 32 x 64 tokens a step */
    o->warmup = -1;
    o->lr = 1e-3;
    o->min_lr = 1e-4;
    o->weight_decay = 0.01;
    o->beta1 = 0.9;
    o->beta2 = 0.98;
    o->adam_eps = 1e-8;
    o->clip = 1.0;
    o->dropout = 0;     /* as the recipes: one epoch of their text does not overfit */
    o->seed = 1;
    o->valid_every = 500;
    o->patience = 5;
    o->valid_tokens = 60000;   /* as the recipes: validation stays cheap on a large dev text */
    o->distill_weight = 0.5;
    o->distill_temp = 1.0;
    o->center_tokens = 50000;
    /* what the recipes train with: the same dev perplexity (166.92 against 168.17 without,
     * egs/arctic/RESULTS.md) and rescoring then scores a word by its own output row */
    o->self_norm = 0.1;
}

int wren_nnlm_train_opts_table(struct wren_nnlm_train_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "train", WREN_OPT_STRING, &o->train, "training text, one normalised sentence a line" },
        { "valid", WREN_OPT_STRING, &o->valid, "validation text (perplexity, early stopping, best model)" },
        { "out", WREN_OPT_STRING, &o->out, "output model (safetensors); the best by validation perplexity" },
        { "vocab", WREN_OPT_STRING, &o->vocab, "vocabulary file, one word a line (default: build from --train)" },
        { "vocab-size", WREN_OPT_INT, &o->vocab_size, "words kept when building the vocabulary (most frequent)" },
        { "layers", WREN_OPT_INT, &o->layers, "Transformer blocks" },
        { "d-model", WREN_OPT_INT, &o->d_model, "model width" },
        { "heads", WREN_OPT_INT, &o->heads, "attention heads (d-model must be a multiple)" },
        { "ffn", WREN_OPT_INT, &o->ffn, "feed-forward width" },
        { "context", WREN_OPT_INT, &o->context, "tokens per training sequence and maximum history" },
        { "pos", WREN_OPT_STRING, &o->pos, "positions: learned | sinusoidal" },
        { "batch-mode", WREN_OPT_STRING, &o->batch_mode,
          "sentence: packed sentences, attention restarts at <s> | stream: fixed-length windows across sentences" },
        { "batch", WREN_OPT_INT, &o->batch, "sequences per step" },
        { "steps", WREN_OPT_LONG, &o->steps, "optimiser steps" },
        { "warmup", WREN_OPT_LONG, &o->warmup, "linear warm-up steps (-1: 5% of --steps)" },
        { "lr", WREN_OPT_DOUBLE, &o->lr, "peak learning rate" },
        { "min-lr", WREN_OPT_DOUBLE, &o->min_lr, "learning rate at the end of the cosine decay" },
        { "weight-decay", WREN_OPT_DOUBLE, &o->weight_decay, "AdamW decoupled weight decay (matrices only)" },
        { "beta1", WREN_OPT_DOUBLE, &o->beta1, "AdamW beta1" },
        { "beta2", WREN_OPT_DOUBLE, &o->beta2, "AdamW beta2" },
        { "adam-eps", WREN_OPT_DOUBLE, &o->adam_eps, "AdamW epsilon" },
        { "clip", WREN_OPT_DOUBLE, &o->clip, "clip the global gradient norm to this (0: off)" },
        { "dropout", WREN_OPT_DOUBLE, &o->dropout, "dropout on embeddings and residual branches" },
        { "seed", WREN_OPT_LONG, &o->seed, "random seed (initialisation, batch order, dropout)" },
        { "resume", WREN_OPT_BOOL, &o->resume, "continue from the checkpoint if there is one" },
        { "threads", WREN_OPT_INT, &o->threads, "OpenBLAS threads (0: OpenBLAS default)" },
        { "valid-every", WREN_OPT_LONG, &o->valid_every, "steps between validations and checkpoints" },
        { "valid-tokens", WREN_OPT_LONG, &o->valid_tokens, "validate on the first sentences up to this many tokens (0: all)" },
        { "patience", WREN_OPT_INT, &o->patience, "stop after this many validations without improvement (0: never)" },
        { "stop-after", WREN_OPT_LONG, &o->stop_after, "stop after this step as if killed (testing resume)" },
        { "checkpoint", WREN_OPT_STRING, &o->checkpoint, "checkpoint file (default: OUT.ckpt)" },
        { "self-norm", WREN_OPT_DOUBLE, &o->self_norm,
          "self-normalisation: add this weight times the mean squared log-normaliser (log Z)^2 to the "
          "cross-entropy (Devlin et al. 2014), so that unnormalised scoring (raw logits) is close to "
          "log P; 0: off. The recipes' 0.1 gave the same dev perplexity as 0 (166.92 against 168.17) and "
          "lets wren rescore read one output row per word instead of a whole softmax. Saved in the model "
          "(metadata self_norm; with --init, this value, not the initial model's: wren prune passes the "
          "model's own)" },
        { "init", WREN_OPT_STRING, &o->init,
          "start from this model (fine-tuning; its architecture, vocabulary, masks and factors are kept)" },
        { "distill", WREN_OPT_STRING, &o->distill,
          "knowledge distillation from this teacher model (same vocabulary, context >= ours, any size): "
          "the loss per token is (1-W) cross-entropy + W T^2 KL(teacher || model) at temperature T "
          "(plus the --self-norm term); recorded in the model's metadata (distill_*)" },
        { "distill-weight", WREN_OPT_DOUBLE, &o->distill_weight, "--distill: the weight W in [0,1] of the KL term" },
        { "distill-temperature", WREN_OPT_DOUBLE, &o->distill_temp, "--distill: the temperature T > 0 of both distributions in the KL term" },
        { "center-tokens", WREN_OPT_LONG, &o->center_tokens,
          "with --self-norm: centre the saved model's log Z on this many tokens of --train (sentences at "
          "an even stride): their mean log Z is subtracted from the output bias, which changes no "
          "normalised probability (as wren nnlm-center does); 0: not" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(tab) == WREN_NNLM_TRAIN_NOPTS + 1, "WREN_NNLM_TRAIN_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}

/* ---------------------------------------------------------------- batches */

struct sampler {
    const struct nnlm_corpus *c;
    int T, sentence_mode, attn_reset;
    size_t *win, nwin;       /* window start offsets */
    size_t *perm;            /* order of the current epoch */
    long epoch;
    uint64_t seed;
};

static size_t sentence_of(const struct nnlm_corpus *c, size_t tokpos)
{   /* the start of the last sentence starting at or before tokpos */
    size_t lo = 0, hi = c->nsent;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (c->sent[mid] <= tokpos) lo = mid; else hi = mid;
    }
    return c->sent[lo];
}

static void sampler_init(struct sampler *s, const struct nnlm_corpus *c, int T, int sentence_mode,
                         uint64_t seed)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    s->T = T;
    s->sentence_mode = sentence_mode;
    s->attn_reset = sentence_mode;
    s->seed = seed;
    s->epoch = -1;
    size_t cap = c->ntok / (size_t)T + 16;
    s->win = wren_xmalloc(cap * sizeof *s->win);
    size_t st = 0;
    while (st + 1 < c->ntok) {
        if (s->nwin == cap) s->win = wren_xrealloc(s->win, (cap *= 2) * sizeof *s->win);
        s->win[s->nwin++] = st;
        size_t last = st + (size_t)T;   /* index of the last target */
        if (last + 1 >= c->ntok) break;
        size_t next = st + (size_t)T;
        if (sentence_mode) {
            size_t ss = sentence_of(c, last);
            if (ss > st) next = ss;   /* restart at the sentence the window cut */
        }
        st = next;
    }
    s->perm = wren_xmalloc((s->nwin ? s->nwin : 1) * sizeof *s->perm);
}

static void sampler_free(struct sampler *s)
{
    free(s->win);
    free(s->perm);
}

static void sampler_epoch(struct sampler *s, long epoch)
{
    if (s->epoch == epoch) return;
    s->epoch = epoch;
    for (size_t i = 0; i < s->nwin; i++) s->perm[i] = i;
    uint64_t key = wren_nn_hash64(s->seed * 7919u + (uint64_t)epoch + 1);
    for (size_t i = s->nwin; i > 1; i--) {
        size_t j = (size_t)(wren_nn_hash64(key + i) % i);
        size_t t = s->perm[i - 1]; s->perm[i - 1] = s->perm[j]; s->perm[j] = t;
    }
}

/* Fill row r of a batch from the window starting at st. */
static void fill_row(const struct sampler *s, size_t st, int *tok, int *tgt, int *pos, int *seg)
{
    const struct nnlm_corpus *c = s->c;
    int last_bos = 0;
    for (int i = 0; i < s->T; i++) {
        size_t at = st + (size_t)i;
        tok[i] = at < c->ntok ? c->tok[at] : WREN_NNLM_EOS;
        int t = at + 1 < c->ntok ? c->tok[at + 1] : -1;
        tgt[i] = (t == WREN_NNLM_BOS || at >= c->ntok) ? -1 : t;
        if (s->attn_reset && tok[i] == WREN_NNLM_BOS) last_bos = i;
        seg[i] = s->attn_reset ? last_bos : 0;
        pos[i] = i - seg[i];
    }
}

/* The batch of step `step` (1-based): windows (step-1)*B .. step*B-1 of the endless
 * sequence of epochs, each epoch a seeded permutation. */
static void make_batch(struct sampler *s, long step, int B, int *tok, int *tgt, int *pos, int *seg)
{
    for (int r = 0; r < B; r++) {
        uint64_t g = (uint64_t)(step - 1) * (uint64_t)B + (uint64_t)r;
        sampler_epoch(s, (long)(g / s->nwin));
        size_t w = s->win[s->perm[g % s->nwin]];
        size_t o = (size_t)r * s->T;
        fill_row(s, w, tok + o, tgt + o, pos + o, seg + o);
    }
}

/* ---------------------------------------------------------------- optimiser */

static double lr_at(const struct wren_nnlm_train_opts *o, long warmup, long step)
{
    if (step <= warmup) return o->lr * (double)step / (double)(warmup > 0 ? warmup : 1);
    double t = (double)(step - warmup) / (double)(o->steps - warmup > 0 ? o->steps - warmup : 1);
    if (t > 1) t = 1;
    return o->min_lr + 0.5 * (o->lr - o->min_lr) * (1.0 + cos(M_PI * t));
}

static double clip_grad(float *g, size_t n, double clip)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)g[i] * g[i];
    double norm = sqrt(s);
    if (clip > 0 && norm > clip) {
        float f = (float)(clip / norm);
        for (size_t i = 0; i < n; i++) g[i] *= f;
    }
    return norm;
}

static void adamw(struct wren_nnlm *m, const float *g, float *m1, float *m2, long step, double lr,
                  const struct wren_nnlm_train_opts *o)
{
    float b1 = (float)o->beta1, b2 = (float)o->beta2, eps = (float)o->adam_eps;
    float bc1 = (float)(1.0 - pow(o->beta1, (double)step)), bc2 = (float)(1.0 - pow(o->beta2, (double)step));
    float a = (float)lr / bc1, isb2 = 1.0f / sqrtf(bc2);
    for (int i = 0; i < m->ntensors; i++) {
        const struct nnlm_tensor *t = &m->t[i];
        if (t->is_mask) continue;
        float decay = t->decay ? (float)(lr * o->weight_decay) : 0.0f;
        float *p = m->params + t->off, *mm = m1 + t->off, *vv = m2 + t->off;
        const float *gg = g + t->off;
        int nt = wren_nn_par_threads(t->n);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (size_t j = 0; j < t->n; j++) {
            mm[j] = b1 * mm[j] + (1 - b1) * gg[j];
            vv[j] = b2 * vv[j] + (1 - b2) * gg[j] * gg[j];
            p[j] -= a * mm[j] / (sqrtf(vv[j]) * isb2 + eps) + decay * p[j];
        }
    }
    wren_nn_apply_masks(m, m->params);
}

/* ---------------------------------------------------------------- validation */

static double valid_ppl(struct wren_nnlm *m, const struct nnlm_corpus *c, long max_tokens)
{
    size_t n = c->nsent;
    const int **w = wren_xmalloc((n ? n : 1) * sizeof *w);
    int *len = wren_xmalloc((n ? n : 1) * sizeof *len);
    long ntok = 0;
    size_t k = 0;
    for (; k < n; k++) {
        w[k] = wren_nn_corpus_sentence(c, k, &len[k]);
        ntok += len[k] + 1;
        if (max_tokens > 0 && ntok >= max_tokens) { k++; break; }
    }
    double *lp = wren_xmalloc((k ? k : 1) * sizeof *lp), total = 0;
    wren_nnlm_score_sentences(m, (int)k, w, len, NULL, lp);
    for (size_t i = 0; i < k; i++) total += lp[i];
    free(lp);
    free(w);
    free(len);
    return ntok > 0 ? exp(-total / (double)ntok) : 0;
}

/* ---------------------------------------------------------------- the loop */

struct trainer {
    const struct wren_nnlm_train_opts *o;
    struct wren_nnlm *m;
    float *grad, *m1, *m2;
    long step;            /* last completed step */
    double best_ppl;
    int bad;
    char *ckpt;
    char sig[512];        /* options a resumed run must share */
};

static void signature(struct trainer *tr)
{
    const struct wren_nnlm_train_opts *o = tr->o;
    snprintf(tr->sig, sizeof tr->sig,
             "batch=%d steps=%ld warmup=%ld lr=%.9g min_lr=%.9g wd=%.9g b1=%.9g b2=%.9g eps=%.9g "
             "clip=%.9g dropout=%.9g seed=%ld mode=%s valid_every=%ld",
             o->batch, o->steps, o->warmup, o->lr, o->min_lr, o->weight_decay, o->beta1, o->beta2,
             o->adam_eps, o->clip, o->dropout, o->seed, o->batch_mode, o->valid_every);
    if (o->self_norm != 0) {   /* only when set: checkpoints written before the option resume */
        size_t n = strlen(tr->sig);
        snprintf(tr->sig + n, sizeof tr->sig - n, " self_norm=%.9g", o->self_norm);
    }
    if (o->distill) {
        size_t n = strlen(tr->sig);
        snprintf(tr->sig + n, sizeof tr->sig - n, " distill=%s weight=%.9g temperature=%.9g", o->distill,
                 o->distill_weight, o->distill_temp);
    }
}

/* The model records the distillation of this training (or that there was none). */
static void record_distill(struct wren_nnlm *m, const struct wren_nnlm_train_opts *o)
{
    free(m->distill_teacher);
    m->distill_teacher = o->distill ? wren_xstrdup(o->distill) : NULL;
    m->c.distill_weight = o->distill ? (float)o->distill_weight : 0.0f;
    m->c.distill_temp = o->distill ? (float)o->distill_temp : 0.0f;
}

static int save_checkpoint(struct trainer *tr)
{
    char step[32], best[64], bad[32];
    snprintf(step, sizeof step, "%ld", tr->step);
    snprintf(best, sizeof best, "%.17g", tr->best_ppl);
    snprintf(bad, sizeof bad, "%d", tr->bad);
    const char *keys[] = { "train.step", "train.best_ppl", "train.bad", "train.options" };
    const char *vals[] = { step, best, bad, tr->sig };
    const char *pre[] = { "adam_m.", "adam_v." };
    float *bufs[] = { tr->m1, tr->m2 };
    return wren_nn_save_ext(tr->m, tr->ckpt, 2, pre, bufs, 4, keys, vals);
}

static int load_checkpoint(struct trainer *tr)
{
    const char *keys[] = { "train.step", "train.best_ppl", "train.bad", "train.options" };
    char *vals[4] = { NULL, NULL, NULL, NULL };
    const char *pre[] = { "adam_m.", "adam_v." };
    float *bufs[2] = { NULL, NULL };
    struct wren_nnlm *m = wren_nn_load_ext(tr->ckpt, 2, pre, bufs, 4, keys, vals);
    if (!m) return -1;
    int rc = 0;
    if (!vals[0] || !vals[1] || !vals[2] || !vals[3]) {
        rc = wren_error("%s: not a training checkpoint (no train.* metadata)", tr->ckpt);
    } else if (strcmp(vals[3], tr->sig)) {
        rc = wren_error("%s: written with other training options (%s); now: %s", tr->ckpt, vals[3], tr->sig);
    } else {
        tr->m = m;
        tr->m1 = bufs[0];
        tr->m2 = bufs[1];
        tr->step = strtol(vals[0], NULL, 10);
        tr->best_ppl = strtod(vals[1], NULL);
        tr->bad = (int)strtol(vals[2], NULL, 10);
    }
    for (int i = 0; i < 4; i++) free(vals[i]);
    if (rc) { wren_nnlm_free(m); wren_fbuf_free(bufs[0]); wren_fbuf_free(bufs[1]); }
    return rc;
}

static int new_model(struct trainer *tr)
{
    const struct wren_nnlm_train_opts *o = tr->o;
    if (o->init) {
        tr->m = wren_nnlm_load(o->init);
        if (!tr->m) return -1;
        wren_log("nnlm-train: starting from %s (architecture and vocabulary options ignored)", o->init);
        tr->m->c.self_norm = (float)o->self_norm;
        record_distill(tr->m, o);
        tr->m1 = wren_fbuf_alloc(tr->m->nparams);
        tr->m2 = wren_fbuf_alloc(tr->m->nparams);
        tr->best_ppl = INFINITY;
        return 0;
    }
    struct wren_nnlm_vocab *v = o->vocab ? wren_nnlm_vocab_read(o->vocab)
                                         : wren_nnlm_vocab_build(o->train, o->vocab_size);
    if (!v) return -1;
    if (wren_nnlm_vocab_size(v) <= 3) {   /* only <s> </s> <unk> */
        wren_nnlm_vocab_free(v);
        return wren_error("%s: no words (an empty %s text)", o->vocab ? o->vocab : o->train,
                          o->vocab ? "--vocab" : "--train");
    }
    struct wren_nnlm_arch a = { o->layers, o->d_model, o->heads, o->ffn, o->context, o->pos,
                                !strcmp(o->batch_mode, "sentence") };
    tr->m = wren_nnlm_create(&a, v, (unsigned long)o->seed);
    wren_nnlm_vocab_free(v);
    if (!tr->m) return -1;
    tr->m->c.self_norm = (float)o->self_norm;
    record_distill(tr->m, o);
    tr->m1 = wren_fbuf_alloc(tr->m->nparams);
    tr->m2 = wren_fbuf_alloc(tr->m->nparams);
    tr->best_ppl = INFINITY;
    return 0;
}

static void fmt_time(char *b, size_t n, double s)
{
    if (s >= 3600) snprintf(b, n, "%dh%02dm", (int)(s / 3600), (int)(fmod(s, 3600) / 60));
    else if (s >= 60) snprintf(b, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(b, n, "%.0fs", s);
}

static int check_opts(const struct wren_nnlm_train_opts *o)
{
    if (!o->train || !o->out) return wren_error("nnlm-train: --train and --out are required");
    if (strcmp(o->batch_mode, "sentence") && strcmp(o->batch_mode, "stream"))
        return wren_error("nnlm-train: --batch-mode must be sentence or stream, not '%s'", o->batch_mode);
    if (o->batch < 1 || o->steps < 1 || o->valid_every < 1)
        return wren_error("nnlm-train: --batch, --steps and --valid-every must be >= 1");
    if (o->center_tokens < 0) return wren_error("nnlm-train: --center-tokens must be >= 0");
    if (!(o->self_norm >= 0) || !isfinite(o->self_norm))
        return wren_error("nnlm-train: --self-norm must be >= 0");
    if (!(o->distill_weight >= 0 && o->distill_weight <= 1))
        return wren_error("nnlm-train: --distill-weight must be in [0,1], not %g", o->distill_weight);
    if (!(o->distill_temp > 0) || !isfinite(o->distill_temp))
        return wren_error("nnlm-train: --distill-temperature must be a number > 0, not %g", o->distill_temp);
    if (o->lr <= 0 || o->dropout < 0 || o->dropout >= 1 || o->beta1 < 0 || o->beta1 >= 1 ||
        o->beta2 < 0 || o->beta2 >= 1)
        return wren_error("nnlm-train: need --lr > 0, 0 <= --dropout < 1, 0 <= beta < 1");
    return 0;
}

static int train_loop(struct trainer *tr, struct nnlm_corpus *tc, struct nnlm_corpus *vc,
                      wren_nnlm_step_fn cb, void *ctx)
{
    const struct wren_nnlm_train_opts *o = tr->o;
    struct wren_nnlm *m = tr->m;
    int B = o->batch, T = m->c.context;
    long warmup = o->warmup >= 0 ? o->warmup : o->steps / 20;
    struct sampler s;
    sampler_init(&s, tc, T, m->c.attn_reset, (uint64_t)o->seed);
    size_t N = (size_t)B * T;
    int *tok = wren_xmalloc(N * sizeof *tok), *tgt = wren_xmalloc(N * sizeof *tgt);
    int *pos = wren_xmalloc(N * sizeof *pos), *seg = wren_xmalloc(N * sizeof *seg);
    struct nnlm_teacher *teacher = NULL;
    if (o->distill && !(teacher = wren_nn_teacher_create(o->distill, m, B, T, (float)o->distill_weight,
                                                         (float)o->distill_temp))) {
        free(tok); free(tgt); free(pos); free(seg);
        sampler_free(&s);
        return -1;
    }
    struct nnlm_fb *fb = wren_nn_fb_create(m, B, T, 1);
    tr->grad = wren_fbuf_alloc(m->nparams);
    wren_log("nnlm-train: %d words in vocabulary, %zu training tokens in %zu windows of %d, "
             "%zu parameters (%zu non-embedding), steps %ld from %ld",
             m->c.vocab_size, tc->ntok, s.nwin, T, wren_nnlm_stored_params(m),
             wren_nnlm_nonembedding_params(m), o->steps, tr->step + 1);
    double t0 = wren_now(), tlast = t0, lsum = 0, zsqsum = 0, klsum = 0;
    long lcount = 0, start_step = tr->step;
    int rc = 0, tty = isatty(2);
    while (tr->step < o->steps) {
        long step = tr->step + 1;
        make_batch(&s, step, B, tok, tgt, pos, seg);
        double zsq = 0;
        struct nnlm_batch b = { .B = B, .T = T, .tok = tok, .tgt = tgt, .pos = pos, .seg = seg,
                                .self_norm = (float)o->self_norm, .zsq = &zsq };
        if (teacher && !(b.distill = wren_nn_teacher_run(teacher, &b))) { rc = -1; break; }
        long nt;
        double loss = wren_nn_forward_backward(m, fb, &b, tr->grad, (float)o->dropout,
                                            (uint64_t)o->seed, step, &nt, NULL);
        loss = nt > 0 ? loss / (double)nt : 0;
        zsqsum += nt > 0 ? zsq / (double)nt : 0;
        klsum += b.distill && nt > 0 ? b.distill->kl / (double)nt : 0;
        if (!isfinite(loss)) { rc = wren_error("nnlm-train: loss is %g at step %ld (lower --lr?)", loss, step); break; }
        if (b.distill && !isfinite(b.distill->kl)) {
            rc = wren_error("nnlm-train: the KL divergence from the teacher %s is %g at step %ld", o->distill,
                            b.distill->kl, step);
            break;
        }
        clip_grad(tr->grad, m->nparams, o->clip);
        double lr = lr_at(o, warmup, step);
        adamw(m, tr->grad, tr->m1, tr->m2, step, lr, o);
        tr->step = step;
        if (cb) cb(ctx, step, loss);
        lsum += loss;
        lcount++;
        double now = wren_now();
        if (wren_verbosity >= 1 && (now - tlast >= (tty ? 1.0 : 10.0) || step == o->steps)) {
            double rate = (double)(step - start_step) * (double)N / (now - t0);
            char eta[32];
            fmt_time(eta, sizeof eta, (double)(o->steps - step) * (double)N / (rate > 0 ? rate : 1));
            char kl[48] = "";   /* KL(teacher || model) at the temperature, nats per token */
            if (teacher) snprintf(kl, sizeof kl, " kl %.4f", klsum / (double)lcount);
            fprintf(stderr, "step %ld/%ld loss %.4f%s log_z_rms %.3f lr %.3g %.0f tok/s ETA %s\n", step,
                    o->steps, lsum / (double)lcount, kl, sqrt(zsqsum / (double)lcount), lr, rate, eta);
            tlast = now;
            lsum = 0;
            zsqsum = 0;
            klsum = 0;
            lcount = 0;
        }
        if (step % o->valid_every == 0 || step == o->steps) {
            int stop = 0;
            if (vc) {
                double ppl = valid_ppl(m, vc, o->valid_tokens);
                if (!isfinite(ppl)) { rc = wren_error("nnlm-train: valid ppl is %g at step %ld (lower --lr?)", ppl, step); break; }
                int better = ppl < tr->best_ppl;
                if (better) {
                    tr->best_ppl = ppl;
                    tr->bad = 0;
                    if (wren_nnlm_save(m, o->out)) { rc = -1; break; }
                } else {
                    tr->bad++;
                }
                wren_log("step %ld valid ppl %.3f%s", step, ppl, better ? " (best, saved)" : "");
                stop = o->patience > 0 && tr->bad >= o->patience;
            }
            if (save_checkpoint(tr)) { rc = -1; break; }
            if (stop) { wren_log("nnlm-train: early stop, best valid ppl %.3f", tr->best_ppl); break; }
        }
        if (o->stop_after > 0 && step >= o->stop_after) { rc = 1; break; }
    }
    if (rc == 0 && !vc && wren_nnlm_save(m, o->out)) rc = -1;
    wren_nn_fb_free(fb);
    wren_nn_teacher_free(teacher);
    free(tok); free(tgt); free(pos); free(seg);
    sampler_free(&s);
    return rc < 0 ? -1 : 0;
}

/* The saved model (the best by validation perplexity, or the last) with its log Z centred on the
 * training text tc: the last step of self-normalisation (center.c). */
static int center_saved(const struct wren_nnlm_train_opts *o, const struct nnlm_corpus *tc)
{
    struct wren_nnlm *m = wren_nnlm_load(o->out);
    int rc = !m || wren_nn_center_log_z(m, tc, o->train, o->center_tokens, NULL) || wren_nnlm_save(m, o->out) ? -1 : 0;
    wren_nnlm_free(m);
    return rc;
}

int wren_nnlm_train(const struct wren_nnlm_train_opts *o, wren_nnlm_step_fn cb, void *ctx)
{
    if (check_opts(o)) return -1;
    wren_blas_set_threads(o->threads);
    struct trainer tr;
    memset(&tr, 0, sizeof tr);
    tr.o = o;
    struct wren_nnlm_train_opts eff = *o;
    if (eff.warmup < 0) eff.warmup = o->steps / 20;
    tr.o = &eff;
    signature(&tr);
    if (o->checkpoint) tr.ckpt = wren_xstrdup(o->checkpoint);
    else {
        tr.ckpt = wren_xmalloc(strlen(o->out) + 6);
        sprintf(tr.ckpt, "%s.ckpt", o->out);
    }
    int rc = -1;
    if (o->resume && wren_path_exists(tr.ckpt)) {
        if (load_checkpoint(&tr)) goto out;
        wren_log("nnlm-train: resuming from %s at step %ld", tr.ckpt, tr.step);
    } else {
        if (o->resume) wren_log("nnlm-train: no checkpoint %s, starting afresh", tr.ckpt);
        if (new_model(&tr)) goto out;
    }
    struct nnlm_corpus tc, vc;
    if (wren_nn_corpus_read(o->train, tr.m->vocab, &tc)) goto out;
    if (tc.nsent == 0) { wren_error("%s: no sentences", o->train); wren_nn_corpus_free(&tc); goto out; }
    int have_valid = o->valid != NULL;
    if (have_valid && wren_nn_corpus_read(o->valid, tr.m->vocab, &vc)) { wren_nn_corpus_free(&tc); goto out; }
    if (have_valid && vc.nsent == 0) {   /* no perplexity to select or stop on */
        wren_error("%s: no sentences (an empty --valid text has no perplexity)", o->valid);
        wren_nn_corpus_free(&tc);
        wren_nn_corpus_free(&vc);
        goto out;
    }
    rc = train_loop(&tr, &tc, have_valid ? &vc : NULL, cb, ctx);
    if (rc == 0 && o->self_norm > 0 && o->center_tokens > 0) rc = center_saved(o, &tc);
    wren_nn_corpus_free(&tc);
    if (have_valid) wren_nn_corpus_free(&vc);
out:
    wren_nnlm_free(tr.m);
    wren_fbuf_free(tr.grad);
    wren_fbuf_free(tr.m1);
    wren_fbuf_free(tr.m2);
    free(tr.ckpt);
    return rc;
}

/* ---------------------------------------------------------------- calibration (pruning) */

struct wren_nnlm_calib {
    struct wren_nnlm *m;
    float *g, *g2;
    float **act;
    long tokens;
};

struct wren_nnlm_calib *wren_nnlm_calibrate(struct wren_nnlm *m, const char *text, long max_tokens,
                                            int batch)
{
    struct nnlm_corpus c;
    if (batch < 1) { wren_error("nnlm calibrate: batch must be >= 1"); return NULL; }
    if (wren_nn_corpus_read(text, m->vocab, &c)) return NULL;
    if (c.nsent == 0) { wren_nn_corpus_free(&c); wren_error("%s: no sentences", text); return NULL; }
    int T = m->c.context, L = m->c.n_layers;
    struct sampler s;
    sampler_init(&s, &c, T, m->c.attn_reset, 1);
    struct wren_nnlm_calib *cb = wren_xcalloc(1, sizeof *cb);
    cb->m = m;
    cb->g = wren_fbuf_alloc(m->nparams);
    cb->g2 = wren_fbuf_alloc(m->nparams);
    cb->act = wren_xcalloc((size_t)L * NNLM_NLIN + 1, sizeof *cb->act);
    for (int l = 0; l < L; l++)
        for (int j = 0; j < NNLM_NLIN; j++) cb->act[l * NNLM_NLIN + j] = wren_fbuf_alloc((size_t)m->blk[l].lin[j].in);
    cb->act[L * NNLM_NLIN] = wren_fbuf_alloc((size_t)m->c.d_model);   /* output layer's input */
    float *grad = wren_fbuf_alloc(m->nparams);
    struct nnlm_fb *fb = wren_nn_fb_create(m, batch, T, 1);
    size_t N = (size_t)batch * T;
    int *tok = wren_xmalloc(N * sizeof *tok), *tgt = wren_xmalloc(N * sizeof *tgt);
    int *pos = wren_xmalloc(N * sizeof *pos), *seg = wren_xmalloc(N * sizeof *seg);
    m->act_sq = cb->act;
    long batches = 0;
    for (size_t w0 = 0; w0 < s.nwin && (max_tokens <= 0 || cb->tokens < max_tokens); w0 += (size_t)batch) {
        int B = (int)(s.nwin - w0 < (size_t)batch ? s.nwin - w0 : (size_t)batch);
        for (int r = 0; r < B; r++)
            fill_row(&s, s.win[w0 + (size_t)r], tok + (size_t)r * T, tgt + (size_t)r * T,
                     pos + (size_t)r * T, seg + (size_t)r * T);
        /* the gradients of the objective the model was trained with */
        struct nnlm_batch b = { .B = B, .T = T, .tok = tok, .tgt = tgt, .pos = pos, .seg = seg,
                                .self_norm = m->c.self_norm };
        long nt;
        wren_nn_forward_backward(m, fb, &b, grad, 0.0f, 0, 0, &nt, NULL);
        for (size_t i = 0; i < m->nparams; i++) { cb->g[i] += grad[i]; cb->g2[i] += grad[i] * grad[i]; }
        cb->tokens += nt;
        batches++;
    }
    m->act_sq = NULL;
    if (batches > 0)
        for (size_t i = 0; i < m->nparams; i++) { cb->g[i] /= (float)batches; cb->g2[i] /= (float)batches; }
    wren_nn_fb_free(fb);
    wren_fbuf_free(grad);
    free(tok); free(tgt); free(pos); free(seg);
    sampler_free(&s);
    wren_nn_corpus_free(&c);
    return cb;
}

void wren_nnlm_calib_free(struct wren_nnlm_calib *c)
{
    if (!c) return;
    for (int i = 0; i <= c->m->c.n_layers * NNLM_NLIN; i++) wren_fbuf_free(c->act[i]);
    free(c->act);
    wren_fbuf_free(c->g);
    wren_fbuf_free(c->g2);
    free(c);
}

long wren_nnlm_calib_tokens(const struct wren_nnlm_calib *c) { return c->tokens; }

const float *wren_nnlm_calib_grad(const struct wren_nnlm_calib *c, const char *tensor)
{
    const struct nnlm_tensor *t = wren_nn_find_tensor(c->m, tensor);
    return t && !t->is_mask ? c->g + t->off : NULL;
}

const float *wren_nnlm_calib_grad_sq(const struct wren_nnlm_calib *c, const char *tensor)
{
    const struct nnlm_tensor *t = wren_nn_find_tensor(c->m, tensor);
    return t && !t->is_mask ? c->g2 + t->off : NULL;
}

const float *wren_nnlm_calib_act_sq(const struct wren_nnlm_calib *c, int block, int linear)
{
    if (block < 0 || block >= c->m->c.n_layers || linear < 0 || linear >= NNLM_NLIN) return NULL;
    return c->act[block * NNLM_NLIN + linear];
}

const float *wren_nnlm_calib_act_sq_output(const struct wren_nnlm_calib *c)
{
    return c->act[c->m->c.n_layers * NNLM_NLIN];
}
