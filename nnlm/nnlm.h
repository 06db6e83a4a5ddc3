/* nnlm.h — Wren's neural language model: a decoder-only Transformer over a word vocabulary.
 * The one internal header of nnlm/ (the public part is include/wren/nnlm.h): vocabulary, model load/save (safetensors), training,
 * perplexity evaluation, and the two scoring APIs used by rescoring —
 *   incremental: a history state with a KV cache, "score one more word", cheap copy/free;
 *   batched: score many whole sentences in one forward pass.
 * Log-probabilities are natural logs unless a name says log10.
 * Not for: n-gram models (lm/arpa.h), pruning (prune/), lattice/n-best handling (rescore). */
#ifndef WREN_NNLM_H
#define WREN_NNLM_H

#include <stddef.h>
#include <stdio.h>

#include "wren/nnlm.h"   /* wren_nnlm_load, wren_nnlm_free, wren_nnlm_sentence_logprob */

#include "utils/opts.h"

/* ---------------------------------------------------------------- vocabulary */
/* Ids 0,1,2 are always <s>, </s>, <unk>; words follow. */
enum { WREN_NNLM_BOS = 0, WREN_NNLM_EOS = 1, WREN_NNLM_UNK = 2 };

struct wren_nnlm_vocab;

/* One word a line (first field; blank lines and the special tokens are skipped). */
struct wren_nnlm_vocab *wren_nnlm_vocab_read(const char *path);
/* The max_words most frequent words of a text (ties broken by first occurrence). */
struct wren_nnlm_vocab *wren_nnlm_vocab_build(const char *text_path, int max_words);
void wren_nnlm_vocab_free(struct wren_nnlm_vocab *v);
int wren_nnlm_vocab_size(const struct wren_nnlm_vocab *v);
const char *wren_nnlm_vocab_word(const struct wren_nnlm_vocab *v, int id);
/* The id of a word, or WREN_NNLM_UNK if it is not in the vocabulary. */
int wren_nnlm_vocab_id(const struct wren_nnlm_vocab *v, const char *word);
int wren_nnlm_vocab_write(const struct wren_nnlm_vocab *v, const char *path);

/* ---------------------------------------------------------------- model */
struct wren_nnlm;

/* Architecture of a new model. Pruned models may have fewer heads / FFN units per layer and
 * factored or masked matrices; those are read from the tensor shapes, not from here. */
struct wren_nnlm_arch {
    int n_layers, d_model, n_heads, d_ffn, context;
    const char *pos;        /* "learned" or "sinusoidal" */
    int attn_reset;         /* 1: attention and positions restart at every <s> (sentence mode) */
};
void wren_nnlm_arch_default(struct wren_nnlm_arch *a);

/* A freshly initialised model (the vocabulary is copied). Deterministic in seed. */
struct wren_nnlm *wren_nnlm_create(const struct wren_nnlm_arch *a,
                                   const struct wren_nnlm_vocab *v, unsigned long seed);
int wren_nnlm_save(const struct wren_nnlm *m, const char *path);

const struct wren_nnlm_vocab *wren_nnlm_get_vocab(const struct wren_nnlm *m);
int wren_nnlm_context(const struct wren_nnlm *m);
/* The weight of the self-normalisation term the model was trained with (metadata self_norm;
 * 0: plain cross-entropy). See wren_nnlm_train_opts.self_norm. */
float wren_nnlm_self_norm(const struct wren_nnlm *m);
/* Centre log Z: subtract the mean log Z over up to max_tokens predicted tokens of TEXT (one
 * sentence a line; sentences taken at an even stride; 0: all) from every output bias. No
 * normalised probability changes; unnormalised scores then average to a log Z of about 0 (see
 * center.c for why training leaves it off). The total shift is saved in the model (metadata
 * log_z_shift); *shift (may be NULL) receives this call's. Returns 0, or -1 (error reported). */
int wren_nnlm_center_log_z(struct wren_nnlm *m, const char *text, long max_tokens, double *shift);
/* The total of the centring shifts applied to m (metadata log_z_shift; 0: never centred). */
float wren_nnlm_log_z_shift(const struct wren_nnlm *m);
/* The `wren prune` settings m was made with (metadata prune_settings, kept through training and
 * saving), or NULL for a model not made by wren prune or made before it recorded them. */
const char *wren_nnlm_prune_settings(const struct wren_nnlm *m);
void wren_nnlm_set_prune_settings(struct wren_nnlm *m, const char *settings);   /* NULL: none */
/* Unnormalised scoring (off by default; not saved with the model): every scoring call below
 * (state_score, state_score_many, score_sentences) returns a word's raw logit h . E_w + b_w
 * instead of log P(w | h) = logit - log Z, log Z taken as 0: one dot product with the word's
 * output row instead of the softmax over the whole vocabulary. Meant for self-normalised
 * models (trained with self_norm > 0), whose log Z stays near 0. */
void wren_nnlm_set_unnormalized(struct wren_nnlm *m, int on);
int wren_nnlm_unnormalized(const struct wren_nnlm *m);
/* Stored parameter counts: dense matrices count every entry, masked ones their non-zeros
 * plus one index each, factored ones both factors. "Non-embedding" leaves out the token and
 * position embeddings (and the output bias tied to the vocabulary). */
size_t wren_nnlm_stored_params(const struct wren_nnlm *m);
size_t wren_nnlm_nonembedding_params(const struct wren_nnlm *m);
/* Print the configuration and per-tensor sizes (what `wren nnlm-info` shows). */
void wren_nnlm_print_info(const struct wren_nnlm *m, FILE *f);

/* ---------------------------------------------------------------- knowledge distillation */
/* 0 if teacher can teach m: the same vocabulary (the same words in the same order) and a context
 * at least m's; else -1 with a one-line wren_error naming teacher_path. */
int wren_nnlm_distill_check(const struct wren_nnlm *m, const struct wren_nnlm *teacher,
                            const char *teacher_path);
/* The teacher m's last training distilled from (metadata distill_teacher, as it was given), or
 * NULL; *weight and *temp (either may be NULL) receive that training's weight and temperature. */
const char *wren_nnlm_distilled_from(const struct wren_nnlm *m, float *weight, float *temp);
/* The mean over a text's predicted tokens of KL(p_teacher || p_m) in nats (temperature 1), every
 * sentence from <s> with </s> predicted; a sentence longer than m's context is cut into windows
 * of the context (a later window without its earlier history). At most max_tokens tokens (0:
 * all). 0, or -1 with wren_error. */
int wren_nnlm_distill_kl_text(struct wren_nnlm *teacher, struct wren_nnlm *m, const char *text,
                              long max_tokens, double *kl);

/* ---------------------------------------------------------------- access for pruning */
/* Tensor names follow PyTorch's nn.Linear convention (weight [out, in]; y = x W^T + b):
 *   tok_emb.weight [V,D] (tied output projection) or factored tok_emb.U [V,r] + tok_emb.V [r,D]
 *   (E = U V, lookups U[tok] V, logits (h V^T) U^T + b), out.bias [V], pos_emb.weight [C,D] (learned),
 *   blocks.<i>.ln1.{weight,bias}, blocks.<i>.attn.{q,k,v}.{weight [H_i*dh, D], bias},
 *   blocks.<i>.attn.o.{weight [D, H_i*dh], bias}, blocks.<i>.ln2.{weight,bias},
 *   blocks.<i>.ffn.fc1.{weight [F_i, D], bias}, blocks.<i>.ffn.fc2.{weight [D, F_i], bias},
 *   ln_f.{weight,bias}.
 * Each linear layer is stored dense (.weight), masked (.weight + .mask, U8, 1 = kept) or
 * factored (.U [out, r] and .V [r, in] instead of .weight, W = U V). Heads per block (H_i) and
 * FFN width (F_i) are read from the shapes, so a structurally pruned model is just smaller
 * dense matrices. head_dim dh is fixed. d_model (D) may be smaller than n_heads * head_dim
 * after structured --embedding pruning (residual channels removed): D and H_i*dh are
 * independent widths. */
enum wren_nnlm_storage { WREN_NNLM_DENSE = 0, WREN_NNLM_MASKED = 1, WREN_NNLM_FACTORED = 2 };
enum { WREN_NNLM_NLIN = 6 };   /* per block: attn.q, attn.k, attn.v, attn.o, ffn.fc1, ffn.fc2 */
extern const char *const wren_nnlm_linear_names[WREN_NNLM_NLIN];

struct wren_nnlm_block_shape {
    int n_heads, d_ffn;
    int storage[WREN_NNLM_NLIN];   /* enum wren_nnlm_storage */
    int rank[WREN_NNLM_NLIN];      /* factored layers */
};
int wren_nnlm_num_blocks(const struct wren_nnlm *m);
int wren_nnlm_d_model(const struct wren_nnlm *m);
int wren_nnlm_head_dim(const struct wren_nnlm *m);
void wren_nnlm_get_block_shape(const struct wren_nnlm *m, int block, struct wren_nnlm_block_shape *s);
/* A new model with the given block shapes (one per block): every tensor whose name and shape
 * are unchanged is copied, new ones are zero (masks all ones); the caller fills them (e.g. the
 * factors of a truncated SVD, the kept rows of a shrunk matrix) and then saves it. */
struct wren_nnlm *wren_nnlm_reshape(const struct wren_nnlm *m, const struct wren_nnlm_block_shape *blocks);
/* The same, also choosing the tied embedding's storage: emb_rank 0 dense tok_emb.weight, r > 0
 * factored tok_emb.U [V,r] + tok_emb.V [r,D] (new tensors are zero: fill them), -1 as in m,
 * WREN_NNLM_EMB_MASKED tok_emb.weight with a mask tok_emb.mask (as m's, or all ones: set it, then
 * wren_nnlm_apply_masks), the unstructured --embedding form: lookups and logits use the masked
 * matrix, training keeps its zeros, on disk it is CSR (tok_emb.rowptr/.cols/.values). */
enum { WREN_NNLM_EMB_MASKED = -2 };
struct wren_nnlm *wren_nnlm_reshape_emb(const struct wren_nnlm *m,
                                        const struct wren_nnlm_block_shape *blocks, int emb_rank);
/* The same, also choosing the residual width: d_model > 0 (at most m's) gives every tensor
 * with a D dimension that width (all of them are then new: fill tok_emb, pos_emb, the
 * LayerNorms, the q/k/v/fc1 inputs and the o/fc2 outputs); 0 keeps m's. head_dim and the
 * attention width H_i*dh are independent of d_model. Needs learned positions when d_model
 * changes (the sinusoidal table depends on D). Structured --embedding pruning uses this. */
struct wren_nnlm *wren_nnlm_reshape_dim(const struct wren_nnlm *m,
                                        const struct wren_nnlm_block_shape *blocks, int emb_rank,
                                        int d_model);
/* Rank of the factored tied embedding, 0 if it is dense. */
int wren_nnlm_emb_rank(const struct wren_nnlm *m);
int wren_nnlm_num_tensors(const struct wren_nnlm *m);
const char *wren_nnlm_tensor_name(const struct wren_nnlm *m, int i);
/* The float data of a tensor ([rows, cols]; cols 0 for vectors), or NULL if there is no such
 * float tensor. Writable: edit weights in place. */
float *wren_nnlm_tensor(struct wren_nnlm *m, const char *name, int *rows, int *cols);
/* The bytes of a mask tensor (name ends in .mask), or NULL. */
unsigned char *wren_nnlm_tensor_mask(struct wren_nnlm *m, const char *name, int *rows, int *cols);
/* Zero the weights wherever a mask is 0 (call after editing masks). */
void wren_nnlm_apply_masks(struct wren_nnlm *m);

/* Calibration statistics for data-driven pruning criteria, from forward+backward passes (no
 * dropout) over up to max_tokens of a text in batches of `batch` sequences of the context:
 *   grad / grad_sq: per element of every float tensor, the mean over batches of the batch
 *     gradient and of its square (Taylor |w g|, Fisher-diagonal w^2 E[g^2]);
 *   act_sq: per linear layer and input column j, the sum over tokens of x_j^2
 *     (activation-aware |w_ij| * ||x_j|| uses its square root). */
struct wren_nnlm_calib;
struct wren_nnlm_calib *wren_nnlm_calibrate(struct wren_nnlm *m, const char *text, long max_tokens,
                                            int batch);
void wren_nnlm_calib_free(struct wren_nnlm_calib *c);
long wren_nnlm_calib_tokens(const struct wren_nnlm_calib *c);
const float *wren_nnlm_calib_grad(const struct wren_nnlm_calib *c, const char *tensor);
const float *wren_nnlm_calib_grad_sq(const struct wren_nnlm_calib *c, const char *tensor);
/* length: the layer's input width */
const float *wren_nnlm_calib_act_sq(const struct wren_nnlm_calib *c, int block, int linear);
/* The same for the tied output layer: per column of h (final LayerNorm output), length D. */
const float *wren_nnlm_calib_act_sq_output(const struct wren_nnlm_calib *c);

/* ---------------------------------------------------------------- incremental scoring */
/* A history state: immutable, reference counted, sharing its prefix with the state it was
 * extended from (a persistent list of per-token KV-cache entries), so copy is O(1) and
 * extending by one word costs one token's forward pass. The next states of
 * wren_nnlm_state_score_many cost that pass only when a word is first scored from them (then
 * in one batch with the call's other new states); one that is only freed costs nothing.
 * Not thread-safe: use one model handle per thread. */
struct wren_nnlm_state;

/* The state after "<s>". */
struct wren_nnlm_state *wren_nnlm_state_begin(struct wren_nnlm *m);
struct wren_nnlm_state *wren_nnlm_state_copy(struct wren_nnlm_state *s);
void wren_nnlm_state_free(struct wren_nnlm_state *s);
/* Number of tokens in the history (1 after begin). */
int wren_nnlm_state_length(const struct wren_nnlm_state *s);
/* log P(word | history of s). If next is not NULL, *next receives the extended state (a new
 * reference; free it). Returns 0, or -1 for an out-of-range word id. */
int wren_nnlm_state_score(struct wren_nnlm *m, struct wren_nnlm_state *s, int word,
                          float *logprob, struct wren_nnlm_state **next);

/* The same for n (state, word) pairs at once — e.g. all arcs leaving a lattice state, or all
 * n-best hypotheses at one position: the normalisers and the extension run as GEMMs over the
 * n histories instead of n matrix-vector products. logprobs[i] = log P(words[i] | states[i]);
 * if next is not NULL, next[i] receives the extended state (a new reference each; its forward
 * pass runs in the first call that scores from it, with the other states pending there). Returns 0,
 * or -1 for an out-of-range word id (nothing is computed then). */
int wren_nnlm_state_score_many(struct wren_nnlm *m, int n, struct wren_nnlm_state *const *states,
                               const int *words, float *logprobs, struct wren_nnlm_state **next);
/* Tokens whose forward pass the incremental states of m have run so far (the cost of the
 * scoring above: a next state that is only freed adds nothing). */
long wren_nnlm_forward_tokens(const struct wren_nnlm *m);

/* Score n sentences (word ids, without <s>; </s> is appended and scored). logprobs receives,
 * per sentence, lens[i]+1 natural-log probabilities one after another (may be NULL);
 * sent_logprob[i] their sums (may be NULL). Sentences are packed into GEMM batches. */
int wren_nnlm_score_sentences(struct wren_nnlm *m, int n, const int *const *words,
                              const int *lens, float *logprobs, double *sent_logprob);

/* ---------------------------------------------------------------- evaluation */
struct wren_nnlm_eval_opts {
    int debug;        /* 1: per-sentence lines; 2: also per-word log10 probabilities */
    int skip_oovs;    /* 1: predictions of OOV words are left out of the totals (SRILM without
                         -unk); 0 (default): OOVs are scored as <unk> and counted */
    int batch;        /* sentences per forward pass */
    int kv;           /* 1: score word by word through the KV-cache states (wren_nnlm_state_score_many,
                         the path of lattice and n-best rescoring) instead of whole sentences */
    int unnormalized; /* 1: score words by their raw logits (wren_nnlm_set_unnormalized) */
};
void wren_nnlm_eval_opts_default(struct wren_nnlm_eval_opts *o);
/* The options of `wren nnlm-eval`, bound to *o, written to t (opts.h convention). */
#define WREN_NNLM_EVAL_NOPTS 5
int wren_nnlm_eval_opts_table(struct wren_nnlm_eval_opts *o, struct wren_opt *t);

struct wren_nnlm_eval_result {
    long sentences, words, oovs;
    double logprob10;     /* total log10 probability of the counted tokens */
    double ppl;           /* 10^(-logprob10 / (words - skipped oovs + sentences)) */
    double log_z_mean, log_z_sd;   /* of log Z (natural log) over the counted tokens; 0 when
                                      unnormalized (log Z is then not computed) */
};
/* Perplexity of a text (one normalised sentence a line); per-sentence output goes to out. */
int wren_nnlm_eval_text(struct wren_nnlm *m, const char *text, const struct wren_nnlm_eval_opts *o,
                        FILE *out, struct wren_nnlm_eval_result *r);

/* ---------------------------------------------------------------- training */
struct wren_nnlm_train_opts {
    const char *train, *valid, *out, *vocab;
    int vocab_size;          /* when building the vocabulary from --train */
    int layers, d_model, heads, ffn, context;
    const char *pos;         /* learned | sinusoidal */
    const char *batch_mode;  /* sentence (attention restarts at <s>) | stream */
    int batch;               /* sequences per step */
    long steps, warmup;
    double lr, min_lr, weight_decay, beta1, beta2, adam_eps, clip, dropout;
    long seed;
    int resume;
    int threads;
    long valid_every;        /* steps between validations (and checkpoints) */
    long valid_tokens;       /* cap on validation tokens per evaluation (0 = all) */
    int patience;            /* stop after this many validations without improvement (0 = never) */
    long stop_after;         /* stop (as if killed) after this step, for tests; 0 = off */
    const char *checkpoint;  /* default: OUT.ckpt */
    const char *init;        /* start from this model (e.g. a pruned one: fine-tuning keeps its
                                masks and factors) instead of a fresh initialisation */
    double self_norm;        /* weight a of the self-normalisation term: the objective is the mean
                                over tokens of -log P(w|h) + a (log Z(h))^2 (Devlin et al. 2014), so
                                log Z stays near 0 and unnormalised scoring (raw logits) is close
                                to log P; 0 (default): plain cross-entropy. Saved in the model
                                (wren_nnlm_self_norm); with init, the fine-tuned model records this
                                value, not the initial model's (prune passes it on) */
    const char *distill;     /* knowledge distillation from this teacher model (NULL: off): the
                                objective per token mixes (1 - w) cross-entropy with w T^2
                                KL(teacher || model) at temperature T (see struct nnlm_distill,
                                nnlm-internal.h); the teacher needs the same vocabulary and at
                                least the context (wren_nnlm_distill_check), any shape. It runs
                                forward on every batch, holding batch*context*V floats of
                                probabilities. Recorded in the model (wren_nnlm_distilled_from) */
    double distill_weight;   /* w in [0,1] (default 0.5; 0 gives plain training's result) */
    double distill_temp;     /* T > 0 (default 1) */
    long center_tokens;      /* with self_norm > 0: the saved model's log Z is centred on this many
                                tokens of the training text (wren_nnlm_center_log_z); 0: not */
};
void wren_nnlm_train_opts_default(struct wren_nnlm_train_opts *o);
/* The options of `wren nnlm-train`, bound to *o, written to t (opts.h convention). */
#define WREN_NNLM_TRAIN_NOPTS 37
int wren_nnlm_train_opts_table(struct wren_nnlm_train_opts *o, struct wren_opt *t);

/* Called after every optimiser step with the mean training loss (nats/token) of that step. */
typedef void (*wren_nnlm_step_fn)(void *ctx, long step, double loss);
/* Train (or resume) and write the best model (by validation perplexity) to o->out. */
int wren_nnlm_train(const struct wren_nnlm_train_opts *o, wren_nnlm_step_fn cb, void *ctx);

#endif
