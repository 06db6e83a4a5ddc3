/* criteria.c — per-element pruning scores (magnitude, activation, taylor, fisher), size
 * accounting of the prunable matrices, and the option table of `wren prune`.
 * Not for: choosing what to remove (unstructured.c, structured.c, lowrank.c). */
#include "prune/wren-prune.h"

#include "utils/wren-util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void wren_prune_opts_default(struct wren_prune_opts *o)
{
    memset(o, 0, sizeof *o);
    o->criterion = "magnitude";
    o->method = "unstructured";
    o->schedule = "oneshot";
    o->schedule_shape = "cubic";
    o->scope = "per-layer";
    o->sizes = "0.9,0.75,0.5,0.25,0.1";
    o->steps = 5;
    o->finetune_tokens = -1;    /* 1,000,000 with a --finetune-text, else 0 (wren_prune_run) */
    o->calib_tokens = 20000;
    /* Fine-tuning batches of 32 sequences (training's) and no dropout (the shared NNLMs are
     * trained without): chosen on the NNLM dev text over 8 x 3e-4 with dropout 0.1, which raised
     * the perplexity of a near-dense low-rank model (egs/pooled/RESULTS.md, session 20). */
    o->lr = 3e-4;
    o->batch = 32;
    o->dropout = 0;
    o->seed = 1;
    o->distill_weight = 0.5;
    o->distill_temp = 1.0;
    o->size_basis = "prunable";
    o->emb_exponent = 1.0;
}

int wren_prune_opts_table(struct wren_prune_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "model", WREN_OPT_STRING, &o->model, "input NNLM (safetensors)" },
        { "criterion", WREN_OPT_STRING, &o->criterion, "magnitude | activation | taylor | fisher" },
        { "method", WREN_OPT_STRING, &o->method, "unstructured | structured | lowrank" },
        { "schedule", WREN_OPT_STRING, &o->schedule, "oneshot | incremental" },
        { "steps", WREN_OPT_INT, &o->steps, "incremental: number of schedule steps K" },
        { "embedding", WREN_OPT_BOOL, &o->embedding,
          "lowrank: also factor the tied embedding/output matrix (tok_emb.U/.V; its share of the "
          "budget is target^E of its dense size, E = --embedding-exponent); structured: also remove residual channels (embedding columns, d_model shrinks); "
          "unstructured: also mask it element-wise (tok_emb.mask); --sizes then count the embedding as prunable" },
        { "schedule-shape", WREN_OPT_STRING, &o->schedule_shape, "incremental: linear | cubic" },
        { "scope", WREN_OPT_STRING, &o->scope, "unstructured thresholds: per-layer | global" },
        { "sizes", WREN_OPT_STRING, &o->sizes, "target prunable sizes, comma separated, in (0,1]" },
        { "out-prefix", WREN_OPT_STRING, &o->out_prefix, "write OUT-<size>.safetensors per size" },
        { "finetune-text", WREN_OPT_STRING, &o->finetune_text, "training text for fine-tuning" },
        { "finetune-tokens", WREN_OPT_LONG, &o->finetune_tokens,
          "fine-tuning tokens of the whole incremental run (oneshot: the same share per size; 0: none; "
          "-1: 1,000,000 when --finetune-text is given, the study's budget, at which fine-tuning lowered the "
          "test WER of 22 of 24 low-rank and structured models, egs/pooled/RESULTS.md; else 0)" },
        { "valid-text", WREN_OPT_STRING, &o->valid_text, "dev text: fine-tuning validation and printed ppl" },
        { "calib-text", WREN_OPT_STRING, &o->calib_text, "held-out training text for data-driven criteria" },
        { "calib-tokens", WREN_OPT_LONG, &o->calib_tokens, "calibration tokens" },
        { "lr", WREN_OPT_DOUBLE, &o->lr, "fine-tuning peak learning rate (5 % warm-up, cosine decay to a tenth)" },
        { "batch", WREN_OPT_INT, &o->batch, "sequences per batch (calibration, fine-tuning)" },
        { "dropout", WREN_OPT_DOUBLE, &o->dropout, "fine-tuning dropout (embeddings and residual branches)" },
        { "seed", WREN_OPT_LONG, &o->seed, "fine-tuning seed" },
        { "distill", WREN_OPT_STRING, &o->distill,
          "fine-tune by knowledge distillation from this teacher (usually the dense --model; same "
          "vocabulary, any shape): loss (1-W) cross-entropy + W T^2 KL(teacher || pruned) per token" },
        { "distill-weight", WREN_OPT_DOUBLE, &o->distill_weight, "--distill: the weight W in [0,1] of the KL term" },
        { "distill-temperature", WREN_OPT_DOUBLE, &o->distill_temp, "--distill: the temperature T > 0 of the KL term" },
        { "size-basis", WREN_OPT_STRING, &o->size_basis,
          "prunable: --sizes are fractions of the prunable matrices | total: of all stored parameters "
          "of the dense model (embedding, positions, LayerNorms, biases too; the rest must fit)" },
        { "embedding-exponent", WREN_OPT_DOUBLE, &o->emb_exponent,
          "lowrank --embedding: at a target t the embedding keeps t^E of its dense size and the blocks "
          "share the rest (1: the same fraction as the whole; below 1 moves the budget from the blocks, "
          "where the multiply-adds are, to the embedding)" },
        WREN_OPT_TABLE_END
    };
    _Static_assert(WREN_OPTS_LEN(tab) == WREN_PRUNE_NOPTS + 1, "WREN_PRUNE_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}

int wren_prune_criterion_parse(const char *name)
{
    static const char *const names[] = { "magnitude", "activation", "taylor", "fisher" };
    for (int i = 0; i < 4; i++)
        if (name && !strcmp(name, names[i])) return i;
    return wren_error("unknown criterion '%s' (magnitude, activation, taylor, fisher)",
                      name ? name : "");
}

static void lin_name(char *buf, size_t n, int block, int lin, const char *suffix)
{
    snprintf(buf, n, "blocks.%d.%s.%s", block, wren_nnlm_linear_names[lin], suffix);
}

/* out/in of a linear layer whatever its storage. */
static void lin_dims(struct wren_nnlm *m, int b, int l, int *out, int *in, int *storage, int *rank)
{
    struct wren_nnlm_block_shape s;
    wren_nnlm_get_block_shape(m, b, &s);
    char name[96];
    int r, c;
    *storage = s.storage[l];
    *rank = s.rank[l];
    if (s.storage[l] == WREN_NNLM_FACTORED) {
        lin_name(name, sizeof name, b, l, "U");
        wren_nnlm_tensor(m, name, out, &r);
        lin_name(name, sizeof name, b, l, "V");
        wren_nnlm_tensor(m, name, &r, in);
    } else {
        lin_name(name, sizeof name, b, l, "weight");
        wren_nnlm_tensor(m, name, &r, &c);
        *out = r;
        *in = c;
    }
}

size_t wren_prune_prunable_params(struct wren_nnlm *m)
{
    size_t total = 0;
    char name[96];
    for (int b = 0; b < wren_nnlm_num_blocks(m); b++)
        for (int l = 0; l < WREN_NNLM_NLIN; l++) {
            int out, in, st, rank;
            lin_dims(m, b, l, &out, &in, &st, &rank);
            if (st == WREN_NNLM_FACTORED) total += (size_t)rank * (size_t)(out + in);
            else if (st == WREN_NNLM_MASKED) {
                int r, c;
                lin_name(name, sizeof name, b, l, "mask");
                const unsigned char *mk = wren_nnlm_tensor_mask(m, name, &r, &c);
                size_t nnz = 0;
                for (size_t i = 0; mk && i < (size_t)r * c; i++) nnz += mk[i] != 0;
                total += 2 * nnz;
            } else total += (size_t)out * in;
        }
    return total;
}

size_t wren_prune_embedding_params(struct wren_nnlm *m)
{
    int V = 0, D = wren_nnlm_d_model(m), er = wren_nnlm_emb_rank(m), c;
    if (er > 0) { wren_nnlm_tensor(m, "tok_emb.U", &V, &c); return (size_t)er * (size_t)(V + D); }
    const unsigned char *mk = wren_nnlm_tensor_mask(m, "tok_emb.mask", &V, &c);
    if (mk) {   /* masked (unstructured --embedding): value + index per kept entry */
        size_t nnz = 0;
        for (size_t i = 0; i < (size_t)V * c; i++) nnz += mk[i] != 0;
        return 2 * nnz;
    }
    wren_nnlm_tensor(m, "tok_emb.weight", &V, &c);
    return (size_t)V * (size_t)D;
}

void wren_prune_ref_init(struct wren_nnlm *m, struct wren_prune_ref *r)
{
    wren_prune_ref_init_emb(m, r, 0);
}

void wren_prune_ref_init_emb(struct wren_nnlm *m, struct wren_prune_ref *r, int embedding)
{
    size_t dense = 0;
    for (int b = 0; b < wren_nnlm_num_blocks(m); b++)
        for (int l = 0; l < WREN_NNLM_NLIN; l++) {
            int out, in, st, rank;
            lin_dims(m, b, l, &out, &in, &st, &rank);
            dense += (size_t)out * in;
        }
    int V = wren_nnlm_vocab_size(wren_nnlm_get_vocab(m));
    size_t emb_dense = (size_t)V * (size_t)wren_nnlm_d_model(m);
    r->embedding = embedding;
    r->emb_exponent = 1.0;
    r->prunable_dense = dense + (embedding ? emb_dense : 0);
    r->total_dense = wren_nnlm_stored_params(m) - wren_prune_prunable_params(m) + dense -
                     wren_prune_embedding_params(m) + emb_dense;
}

double wren_prune_rel_prunable(struct wren_nnlm *m, const struct wren_prune_ref *r)
{
    size_t p = wren_prune_prunable_params(m) + (r->embedding ? wren_prune_embedding_params(m) : 0);
    return (double)p / (double)r->prunable_dense;
}

double wren_prune_rel_total(struct wren_nnlm *m, const struct wren_prune_ref *r)
{
    return (double)wren_nnlm_stored_params(m) / (double)r->total_dense;
}

float *wren_prune_embedding_scores(struct wren_nnlm *m, const struct wren_nnlm_calib *c, int criterion,
                                   int *rows, int *cols)
{
    const float *E = wren_nnlm_tensor(m, "tok_emb.weight", rows, cols);
    if (!E) {
        wren_error("tok_emb.weight: the embedding is factored (tok_emb.U/.V) and cannot be scored "
                   "element-wise; use --method lowrank --embedding on such models");
        return NULL;
    }
    const float *g = NULL, *aq = NULL;
    if (criterion != WREN_PRUNE_MAGNITUDE && !c) {
        wren_error("criterion needs calibration statistics (--calib-text)");
        return NULL;
    }
    if (criterion == WREN_PRUNE_ACTIVATION) aq = wren_nnlm_calib_act_sq_output(c);
    if (criterion == WREN_PRUNE_TAYLOR) g = wren_nnlm_calib_grad(c, "tok_emb.weight");
    if (criterion == WREN_PRUNE_FISHER) g = wren_nnlm_calib_grad_sq(c, "tok_emb.weight");
    if (criterion != WREN_PRUNE_MAGNITUDE && !g && !aq) {
        wren_error("no calibration statistics for tok_emb.weight");
        return NULL;
    }
    size_t n = (size_t)*rows * *cols;
    float *s = wren_xmalloc(n * sizeof *s);
    for (size_t i = 0; i < n; i++) {
        float x = E[i];
        switch (criterion) {
        /* as the output layer, whose input is the final LayerNorm output h */
        case WREN_PRUNE_ACTIVATION: s[i] = fabsf(x) * sqrtf(aq[i % (size_t)*cols]); break;
        case WREN_PRUNE_TAYLOR: s[i] = fabsf(x * g[i]); break;
        case WREN_PRUNE_FISHER: s[i] = x * x * g[i]; break;
        default: s[i] = fabsf(x); break;
        }
    }
    return s;
}

float *wren_prune_scores(struct wren_nnlm *m, const struct wren_nnlm_calib *c, int criterion,
                         int block, int lin, int *out, int *in)
{
    char name[96];
    lin_name(name, sizeof name, block, lin, "weight");
    const float *w = wren_nnlm_tensor(m, name, out, in);
    if (!w) {
        wren_error("%s: no dense or masked weight (factored layers cannot be scored "
                   "element-wise; use --method lowrank on factored models)", name);
        return NULL;
    }
    size_t n = (size_t)*out * *in;
    const float *g = NULL, *aq = NULL;
    if (criterion != WREN_PRUNE_MAGNITUDE && !c) {
        wren_error("criterion needs calibration statistics (--calib-text)");
        return NULL;
    }
    if (criterion == WREN_PRUNE_ACTIVATION) aq = wren_nnlm_calib_act_sq(c, block, lin);
    if (criterion == WREN_PRUNE_TAYLOR) g = wren_nnlm_calib_grad(c, name);
    if (criterion == WREN_PRUNE_FISHER) g = wren_nnlm_calib_grad_sq(c, name);
    if (criterion != WREN_PRUNE_MAGNITUDE && !g && !aq) {
        wren_error("no calibration statistics for %s", name);
        return NULL;
    }
    float *s = wren_xmalloc(n * sizeof *s);
    for (size_t i = 0; i < n; i++) {
        float x = w[i];
        switch (criterion) {
        case WREN_PRUNE_ACTIVATION: s[i] = fabsf(x) * sqrtf(aq[i % (size_t)*in]); break;
        case WREN_PRUNE_TAYLOR: s[i] = fabsf(x * g[i]); break;
        case WREN_PRUNE_FISHER: s[i] = x * x * g[i]; break;
        default: s[i] = fabsf(x); break;
        }
    }
    return s;
}
