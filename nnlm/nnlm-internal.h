/* nnlm-internal.h — the Transformer LM's internal data layout, shared by the files of
 * nnlm/ (and by prune/ through the documented tensor naming, never through this header's
 * structs from other modules). Not part of the public API (see nnlm.h).
 *
 * Parameter layout. Every trainable tensor lives in ONE contiguous float buffer (params), in
 * a fixed order described by the tensor table; gradients and the AdamW moments use the same
 * offsets in parallel buffers, so the optimiser, clipping and checkpointing are loops over one
 * array. Masks (pruning) are not trainable and live in their own byte buffers.
 *
 * Tensor names (safetensors, PyTorch nn.Linear convention: weight is [out, in], y = x W^T + b):
 *   tok_emb.weight [V,D]   (tied: also the output projection)     out.bias [V]
 *     or, factored (low-rank pruning): tok_emb.U [V,r] + tok_emb.V [r,D], E = U V; lookups
 *     are U[tok] V and logits (h V^T) U^T + b, r (V + D) per token instead of V D
 *   pos_emb.weight [C,D]   (learned positions only)
 *   blocks.<i>.ln1.weight/.bias [D]   blocks.<i>.ln2.weight/.bias [D]
 *   blocks.<i>.attn.{q,k,v}.weight [H_i*dh, D] + .bias   blocks.<i>.attn.o.weight [D, H_i*dh]
 *   blocks.<i>.ffn.fc1.weight [F_i, D] + .bias           blocks.<i>.ffn.fc2.weight [D, F_i]
 *   ln_f.weight/.bias [D]
 * A linear layer is stored in one of three ways, recognised by its tensor names:
 *   dense     <name>.weight [out,in]
 *   masked    <name>.weight [out,in] + <name>.mask (U8, 1 = kept) — weight is zero where masked
 *   factored  <name>.U [out,r] and <name>.V [r,in], W = U V (no .weight)
 * Per-block head counts H_i and FFN widths F_i come from the shapes, so structured pruning
 * just writes smaller dense matrices; dh (head_dim) is fixed by the config. D (d_model) is
 * the residual width and is independent of H_i*dh: structured --embedding pruning removes
 * residual channels, so a loaded model may have any D (D % n_heads == 0 is only required
 * when creating a model from scratch). */
#ifndef WREN_NNLM_INTERNAL_H
#define WREN_NNLM_INTERNAL_H

#include "nnlm/nnlm.h"

#include <stdint.h>

enum nnlm_lin_kind { NNLM_DENSE = 0, NNLM_MASKED = 1, NNLM_FACTORED = 2 };

struct nnlm_linear {
    int in, out, kind, rank;
    float *w;              /* [out][in] (dense, masked) */
    float *u, *v;          /* [out][rank], [rank][in] (factored) */
    float *b;              /* [out] */
    unsigned char *mask;   /* [out][in] (masked) */
    struct nnlm_csr *csr;  /* masked: inference copy of the non-zeros, or NULL (sparse.h) */
};

enum { NNLM_Q, NNLM_K, NNLM_V, NNLM_O, NNLM_FC1, NNLM_FC2, NNLM_NLIN };
extern const char *const wren_nn_lin_names[NNLM_NLIN];   /* "attn.q", ..., "ffn.fc2" */

struct nnlm_block {
    int n_heads, d_ffn;
    float *ln1_g, *ln1_b, *ln2_g, *ln2_b;
    struct nnlm_linear lin[NNLM_NLIN];
};

/* How one block's matrices are stored (used to build the layout for new and loaded models). */
struct nnlm_block_spec {
    int n_heads, d_ffn;
    int kind[NNLM_NLIN], rank[NNLM_NLIN];
};

struct nnlm_config {
    int vocab_size, d_model, n_layers, n_heads, head_dim, d_ffn, context;
    int pos_learned;       /* 1 learned, 0 sinusoidal */
    int attn_reset;        /* trained with attention restarting at <s> */
    float ln_eps;
    int emb_rank;          /* 0: tok_emb.weight; r > 0: factored tok_emb.U/.V (not metadata:
                              recognised by the tensor names) */
    float self_norm;       /* weight of the (log Z)^2 term the model was trained with (metadata
                              self_norm; 0: plain cross-entropy) */
    float distill_weight, distill_temp;   /* of the distillation its last training used
                                             (wren_nnlm.distill_teacher not NULL) */
    int emb_masked;        /* tok_emb.weight is masked (tok_emb.mask; on disk tok_emb.rowptr/
                              .cols/.values): unstructured --embedding pruning; emb_rank is 0 */
    float log_z_shift;     /* total subtracted from the output bias by wren_nnlm_center_log_z
                              (metadata log_z_shift, written when not 0) */
};

struct nnlm_tensor {
    char *name;
    int rows, cols;        /* cols == 0: a vector of `rows` */
    size_t off, n;         /* offset and size in params (floats) or in the mask's bytes */
    int decay;             /* AdamW weight decay applies */
    int is_mask;
    unsigned char *mask;   /* is_mask: the bytes */
};

struct nnlm_infer_ws;

struct wren_nnlm {
    struct nnlm_config c;
    struct wren_nnlm_vocab *vocab;
    int ntensors;
    struct nnlm_tensor *t;
    size_t nparams;
    float *params;
    float *tok_emb, *pos_emb, *out_b, *lnf_g, *lnf_b;   /* tok_emb NULL when factored */
    float *emb_u, *emb_v;  /* factored embedding [V,r], [r,D] (c.emb_rank > 0), else NULL */
    unsigned char *emb_mask;   /* [V,D] mask of tok_emb (c.emb_masked), else NULL */
    char *distill_teacher;       /* the teacher its last training distilled from (metadata
                                    distill_teacher), or NULL */
    char *prune_settings;        /* the `wren prune` settings it was made with (metadata
                                    prune_settings), or NULL */
    float *sinus;          /* [C][D] sinusoidal table (pos_learned == 0) */
    struct nnlm_block *blk;
    struct nnlm_infer_ws *iws;   /* incremental-scoring scratch */
    long forward_tokens;         /* incremental states computed (wren_nnlm_forward_tokens) */
    struct nnlm_fb *fbws;        /* batched-scoring workspace */
    float **act_sq;              /* [L*NNLM_NLIN + 1] when calibrating: sums of squared inputs
                                    of every linear layer, last: of the output layer (ln_f out) */
    long file_bytes;             /* size of the file it was loaded from (0: not loaded) */
    int unnormalized;            /* scoring returns raw logits, log Z taken as 0 (not saved) */
};

/* ---- model.c */
struct wren_nnlm *wren_nn_alloc(const struct nnlm_config *c, const struct nnlm_block_spec *specs,
                             const struct wren_nnlm_vocab *v);
void wren_nn_init_weights(struct wren_nnlm *m, uint64_t seed);
void wren_nn_apply_masks(const struct wren_nnlm *m, float *buf);   /* zero masked entries */
const struct nnlm_tensor *wren_nn_find_tensor(const struct wren_nnlm *m, const char *name);
int wren_nn_check_arch(const struct wren_nnlm_arch *a, int vocab_size);
/* Write params (and optional extra float buffers of the same layout, named prefix+name) with
 * the model metadata plus extra metadata key/value pairs. */
int wren_nn_save_ext(const struct wren_nnlm *m, const char *path, int nextra,
                  const char *const *prefixes, float *const *bufs, int nmeta,
                  const char *const *keys, const char *const *vals);
/* Load; if nextra > 0, also reads prefix+name tensors into new buffers (*bufs[i], caller
 * frees with wren_fbuf_free) and metadata values for keys (malloc'd strings or NULL). */
struct wren_nnlm *wren_nn_load_ext(const char *path, int nextra, const char *const *prefixes,
                                float **bufs, int nmeta, const char *const *keys, char **vals);

/* ---- rng.c-like helpers (model.c) */
uint64_t wren_nn_hash64(uint64_t x);
static inline double nnlm_uniform(uint64_t h) { return (double)(h >> 11) * (1.0 / 9007199254740992.0); }

/* ---- layers.c: the building blocks, forward and backward on [n, d] row-major buffers */
/* Elementwise work is split over an OpenMP team as large as OpenBLAS's (so --threads 1 and
 * OPENBLAS_NUM_THREADS=1 stay on one core), only when there are at least NNLM_PAR_MIN elements:
 * the scoring of one word in a lattice stays serial. Row-wise work is split by rows, sums over
 * rows by runs of columns, each summed over the rows in order, so every result is bit-identical
 * to the serial code whatever the thread count. */
enum { NNLM_PAR_MIN = 32768, NNLM_PAR_CHUNK = 4096 };
int wren_nn_par_threads(size_t work);
void wren_nn_layernorm_fwd(const float *x, const float *g, const float *b, int n, int d, float eps,
                        float *y, float *mean, float *rstd);
/* dx (+)= ...; dg, db accumulate. accumulate: 1 adds into dx, 0 overwrites. */
void wren_nn_layernorm_bwd(const float *x, const float *g, const float *mean, const float *rstd,
                        const float *dy, int n, int d, float *dx, float *dg, float *db,
                        int accumulate);
void wren_nn_gelu_fwd(const float *x, float *y, size_t n);
void wren_nn_gelu_bwd(const float *x, const float *dy, float *dx, size_t n);
/* y[n,out] = x W^T + b; tmp is [n,rank] scratch kept for backward of factored layers. */
void wren_nn_linear_fwd(const struct nnlm_linear *l, const float *x, int n, float *y, float *tmp);
/* Gradients of a linear layer: g is the same-layout view into the gradient buffer. dx may be
 * NULL; accumulate: add into dx. tmp is what fwd left there; dtmp [n,rank] scratch. */
void wren_nn_linear_bwd(const struct nnlm_linear *l, const struct nnlm_linear *g, const float *x,
                     const float *tmp, const float *dy, int n, float *dx, int accumulate,
                     float *dtmp);
/* Causal multi-head attention over B rows of T tokens. q,k,v,ctx: [B*T, H*dh]; P: [B,H,T,T]
 * (saved probabilities); seg[B*T]: first attendable row-local index of each token. */
void wren_nn_attention_fwd(const float *q, const float *k, const float *v, const int *seg, int B,
                        int T, int H, int dh, float *P, float *ctx);
void wren_nn_attention_bwd(const float *q, const float *k, const float *v, const float *P,
                        const float *dctx, int B, int T, int H, int dh, float *dq, float *dk,
                        float *dv, float *scratch /* T*T */);
/* Logit columns computed at a time when only log-probabilities are wanted: a block of rows x
 * NNLM_OUT_BLOCK floats stays in L2 cache between the GEMM that writes it and the two passes
 * (max, exp-sum) that read it, instead of the rows' whole vocabulary going through memory. */
enum { NNLM_OUT_BLOCK = 512 };
/* For n rows of h [n,D]: lse[i] = log sum_v exp(b_v + h_i . E_v) over the V words and, when tgt
 * is not NULL, ztgt[i] = the logit of tgt[i] (rows with tgt[i] < 0 are skipped). buf: scratch
 * [n, min(V, NNLM_OUT_BLOCK)]. */
void wren_nn_output_lse(const float *h, int n, int D, int V, const float *E, const float *bias,
                     const int *tgt, float *lse, float *ztgt, float *buf);
/* What the output layer does beyond log p(tgt) (NULL: nothing more):
 *   self_norm a > 0 (training): the objective per target row is -log p(tgt) + a (log Z)^2,
 *     log Z the log-sum-exp of the row's logits (Devlin et al. 2014), whose gradient with
 *     respect to the logits is softmax (1 + 2 a log Z) - onehot(tgt);
 *   unnormalized (scoring only): the score of a row is its raw target logit h . E_tgt + b_tgt
 *     (log Z taken as 0), one dot product instead of the vocabulary's softmax;
 *   logz (may be NULL): log Z per row (0 for rows without target, and when unnormalized);
 *   zsq: accumulates the sum over target rows of (log Z)^2. */
struct nnlm_distill;
struct nnlm_out_obj {
    float self_norm;
    int unnormalized;
    float *logz;
    double zsq;
    struct nnlm_distill *distill;   /* training only, may be NULL: see struct nnlm_distill */
};

/* Knowledge distillation (training only): the objective per target row becomes
 *   (1 - A) (-log p(tgt)) + a (log Z)^2 + A T^2 KL(q || p_T),
 * q the teacher's next-word distribution at temperature T, p_T = softmax(logits / T) the
 * student's (A = weight, a = self_norm). Its gradient with respect to the logits z is
 *   p (1 - A + 2 a log Z) - (1 - A) onehot(tgt) + A T (p_T - q)
 * (d/dz_j of -sum_k q_k log p_T,k is (p_T,j - q_j) / T; the T^2 keeps the term's scale as T
 * changes; self-normalisation stays on the untempered log Z). The teacher's rows come from
 * wren_nn_teacher_run (distill.c). */
struct nnlm_distill {
    const float *q;        /* [rows, V] teacher probabilities at temperature temp (rows of targets) */
    const float *negent;   /* [rows] sum_j q_j log q_j of each row */
    float weight, temp;
    double kl;             /* accumulates the sum over target rows of KL(q || p_T) */
};
/* Output layer over rows of h [n,D] with tied embeddings E [V,D] and bias: for rows with
 * tgt >= 0 adds -log p(tgt) to *loss and, if dh is not NULL, writes dh (scale * dobjective/dh)
 * and accumulates dE, db. logp (may be NULL) receives log p(tgt) per row. logits: scratch
 * [chunk, V] (without dh, [chunk, min(V, NNLM_OUT_BLOCK)] is enough). obj: see above. */
void wren_nn_output_fwd_bwd(const float *h, const int *tgt, int n, int D, int V, const float *E,
                         const float *bias, float scale, double *loss, float *logp, float *dh,
                         float *dE, float *db, float *logits, int chunk, struct nnlm_out_obj *obj);

/* ---- forward.c: whole-model forward (and backward) on a packed batch */
struct nnlm_batch {
    int B, T;
    const int *tok, *tgt, *pos, *seg;   /* each [B*T]; tgt -1 = no loss */
    /* optional (zero: off; see struct nnlm_out_obj): the self-normalisation weight of the
     * training objective, unnormalised scoring, and outputs log Z per position [B*T] and the
     * sum of (log Z)^2 over targets */
    float self_norm;
    int unnormalized;
    float *logz;
    double *zsq;
    struct nnlm_distill *distill;   /* training only: distillation targets of these rows, or NULL */
};
struct nnlm_fb;   /* activations and scratch for a maximum batch size */
struct nnlm_fb *wren_nn_fb_create(const struct wren_nnlm *m, int B, int T, int training);
void wren_nn_fb_free(struct nnlm_fb *w);
/* The incremental-scoring scratch of infer.c (freed with the model). */
void wren_nn_infer_ws_free(struct nnlm_infer_ws *w);
/* The weights changed: the cached <s> state goes (live states keep their values). */
void wren_nn_infer_invalidate(const struct wren_nnlm *m);
/* Forward; with grad != NULL also backward, writing (not accumulating) grad, the mean
 * over targets of the objective (cross-entropy + b->self_norm (log Z)^2). Dropout p applies
 * when p > 0 (masks derived from seed and step). Returns the summed cross-entropy in nats over targets (without the self-normalisation
 * term; with b->unnormalized, minus the raw target logits), target count in *ntgt; logp per
 * position optional. */
double wren_nn_forward_backward(struct wren_nnlm *m, struct nnlm_fb *w, const struct nnlm_batch *b,
                             float *grad, float dropout, uint64_t seed, long step, long *ntgt,
                             float *logp);
/* Forward pass without dropout to the logits of every position of the batch, logits [B*T, V]
 * (rows without target too). w: a workspace of m for at least B x T (training or not). */
void wren_nn_forward_logits(struct wren_nnlm *m, struct nnlm_fb *w, const struct nnlm_batch *b,
                            float *logits);
/* Token embeddings (without positions) of n tokens into x [n,D], dense or factored. */
void wren_nn_embed_tokens(const struct wren_nnlm *m, const int *tok, int n, float *x);
/* Factored embedding: hv [n,r] = h V^T (the output layer's first thin GEMM). */
void wren_nn_emb_project(const struct wren_nnlm *m, const float *h, int n, float *hv);
/* Matrix-product FLOPs of one training step (forward + backward) on B x T tokens. */
double wren_nn_train_flops(const struct wren_nnlm *m, int B, int T);
/* Same-layout views of the gradient buffer (pointers offset like params). */
static inline float *nnlm_gview(const struct wren_nnlm *m, float *grad, const float *p)
{
    return p ? grad + (p - m->params) : NULL;
}

/* ---- infer.c: log Z of the scores of a state (0 when it was only scored unnormalised) and
 * whole-sentence scoring that also returns log Z per token (logz may be NULL; 0 when
 * unnormalised) */
float wren_nn_state_logz(const struct wren_nnlm_state *s);
int wren_nn_score_sentences(struct wren_nnlm *m, int n, const int *const *words, const int *lens,
                         float *logprobs, double *sent_logprob, float *logz);

/* ---- distill.c: the teacher of knowledge distillation, run on the student's batches */
struct nnlm_teacher;
/* Load the teacher at path for a student m trained on batches of up to B x T tokens, at
 * temperature temp, weight weight; NULL with wren_error if it cannot serve as m's teacher
 * (wren_nnlm_distill_check). Holds B*T*V floats of teacher probabilities. */
struct nnlm_teacher *wren_nn_teacher_create(const char *path, const struct wren_nnlm *m, int B, int T,
                                            float weight, float temp);
void wren_nn_teacher_free(struct nnlm_teacher *t);
/* Run the teacher (no gradient) on the batch; returns the distillation targets of its rows (for
 * nnlm_batch.distill; kl reset to 0), valid until the next call; NULL with wren_error for a
 * batch larger than the workspace. */
struct nnlm_distill *wren_nn_teacher_run(struct nnlm_teacher *t, const struct nnlm_batch *b);

/* ---- safetensors.c */
struct st_file;
struct st_file *wren_st_open(const char *path);
void wren_st_close(struct st_file *f);
/* Metadata string value or NULL. */
const char *wren_st_meta(const struct st_file *f, const char *key);
int wren_st_count(const struct st_file *f);
const char *wren_st_name(const struct st_file *f, int i);
/* Look a tensor up: dtype ("F32", "U8", ...), dims (ndim <= 4), data. Returns 0/-1. */
int wren_st_tensor(const struct st_file *f, const char *name, const char **dtype, int *ndim,
              long *shape, const void **data, size_t *nbytes);

struct st_writer;
struct st_writer *wren_st_writer_create(void);
void wren_st_writer_meta(struct st_writer *w, const char *key, const char *value);
void wren_st_writer_add(struct st_writer *w, const char *name, const char *dtype, int ndim,
                   const long *shape, const void *data, size_t nbytes);
int wren_st_writer_write(struct st_writer *w, const char *path);   /* also frees w */

/* ---- text.c: sentences to token ids */
struct nnlm_corpus {
    int *tok;              /* <s> w... </s> for every sentence, concatenated */
    size_t ntok;
    size_t *sent;          /* start offset of every sentence */
    size_t nsent;
    long words, oovs;      /* words (without <s>,</s>) and how many mapped to <unk> */
};
int wren_nn_corpus_read(const char *path, const struct wren_nnlm_vocab *v, struct nnlm_corpus *c);
void wren_nn_corpus_free(struct nnlm_corpus *c);
/* Sentence k's word ids (after its <s>); *len receives their number (without </s>). */
static inline const int *wren_nn_corpus_sentence(const struct nnlm_corpus *c, size_t k, int *len)
{
    size_t end = k + 1 < c->nsent ? c->sent[k + 1] : c->ntok;
    *len = (int)(end - c->sent[k] - 2);
    return c->tok + c->sent[k] + 1;
}

/* ---- center.c: log Z centring on a corpus already read (wren_nnlm_center_log_z reads a text) */
int wren_nn_center_log_z(struct wren_nnlm *m, const struct nnlm_corpus *c, const char *name,
                         long max_tokens, double *shift);

#endif
