/* wren-prune.h — NNLM pruning: criterion x method x schedule, each an independent option.
 * Criteria score every weight element (magnitude |w|, activation |w_ij|*sqrt(act_sq_j),
 * taylor |w * mean g|, fisher w^2 * E[g^2]); methods turn scores into a smaller model
 * (unstructured masks, structured removal of heads/FFN neurons and, with --embedding, residual
 * channels, low-rank factors); schedules
 * go there in one shot or in K fine-tuned steps, writing OUT-<size>.safetensors per size.
 *
 * Sizes. "Prunable size" = stored parameters of the six linear weight matrices of every block
 * (attn.q/k/v/o, ffn.fc1/fc2; biases, LayerNorms and embeddings are never pruned) divided by
 * those matrices' dense size in the input model, with the accounting of
 * wren_nnlm_stored_params: dense out*in, masked 2*nnz (value + index), factored r*(out+in).
 * Targets (--sizes) are prunable sizes. With --embedding the tied embedding/output matrix
 * tok_emb [V,D] is prunable too (dense V*D, factored r*(V+D), masked 2*nnz) and is counted in
 * the prunable sizes ("prunable+emb" in the report line): low-rank factors it, structured
 * removes residual channels (d_model shrinks: V plus every linear layer's entries of that
 * channel per channel removed), unstructured masks it. "Total size" = wren_nnlm_stored_params
 * of the model divided by that of the input model with its linear layers and its embedding
 * counted dense. Both are printed. With --size-basis total the targets are total sizes: the
 * run asks each method for the prunable size that leaves the rest (everything outside the
 * prunable matrices) whole, and refuses a size the rest alone exceeds.
 * Fine-tuning (wren_nnlm_train from the pruned model) may distill from a teacher (--distill).
 * Not for: the NNLM itself (lm/nnlm), rescoring. */
#ifndef WREN_PRUNE_H
#define WREN_PRUNE_H

#include <stddef.h>

#include "nnlm/nnlm.h"
#include "utils/opts.h"

enum wren_prune_criterion { WREN_PRUNE_MAGNITUDE, WREN_PRUNE_ACTIVATION, WREN_PRUNE_TAYLOR,
                            WREN_PRUNE_FISHER };

struct wren_prune_opts {
    const char *model, *criterion, *method, *schedule, *schedule_shape, *scope;
    const char *sizes, *out_prefix;
    const char *finetune_text, *valid_text, *calib_text;
    int steps;               /* incremental steps K */
    int embedding;           /* lowrank: the tied embedding joins the rank budget; structured:
                                residual channels (embedding columns) are removable too */
    long finetune_tokens;    /* total fine-tuning budget of the incremental run (0: none) */
    long calib_tokens;
    double lr;               /* fine-tuning: peak learning rate (cosine decay to lr/10) */
    int batch;               /* fine-tuning and calibration: sequences per batch */
    double dropout;          /* fine-tuning dropout */
    long seed;
    const char *distill;     /* fine-tune by knowledge distillation from this (dense) teacher
                                (wren_nnlm_train_opts.distill), NULL: plain cross-entropy */
    double distill_weight, distill_temp;
    const char *size_basis;  /* "prunable" (default): --sizes are fractions of the prunable
                                matrices; "total": of the dense model's stored parameters */
    double emb_exponent;     /* lowrank --embedding: the embedding keeps target^e of its dense
                                size (1: the same fraction as the whole) */
};
void wren_prune_opts_default(struct wren_prune_opts *o);
/* The options of `wren prune`, bound to *o, written to t (opts.h convention). */
#define WREN_PRUNE_NOPTS 24
int wren_prune_opts_table(struct wren_prune_opts *o, struct wren_opt *t);

/* The settings of o that shape its models, as "key=value ..." (the metadata prune_settings of
 * every output; the input model and any teacher by their files' CRC-32; settings.c); free() it.
 * NULL with an error naming the file if a model file cannot be read. */
char *wren_prune_settings_string(const struct wren_prune_opts *o);
/* Resuming: 0 if the model at path, recorded with these settings (NULL: an older model without a
 * record, kept with a warning), may stand for the asked ones; else -1 with a one-line error
 * naming path and the settings that differ. */
int wren_prune_settings_check(const char *path, const char *recorded, const char *asked);

/* "magnitude" ... -> enum; -1 with wren_error for an unknown name. */
int wren_prune_criterion_parse(const char *name);

/* Size reference of a (usually dense) input model: dense sizes of its prunable matrices and
 * its total stored parameters with those matrices counted dense. */
struct wren_prune_ref {
    size_t prunable_dense, total_dense;
    int embedding;           /* the tied embedding is prunable (and in prunable_dense) */
    double emb_exponent;     /* lowrank: the embedding's share of a target t is t^emb_exponent of
                                its dense size (wren_prune_ref_init*: 1) */
};
void wren_prune_ref_init(struct wren_nnlm *m, struct wren_prune_ref *r);
/* The same with the embedding prunable (embedding = 1: low-rank or structured --embedding). */
void wren_prune_ref_init_emb(struct wren_nnlm *m, struct wren_prune_ref *r, int embedding);
/* Stored parameters of the prunable block matrices of m (never the embedding). */
size_t wren_prune_prunable_params(struct wren_nnlm *m);
/* Stored parameters of the tied embedding matrix: V*D, or r*(V+D) when factored. */
size_t wren_prune_embedding_params(struct wren_nnlm *m);
/* Prunable stored parameters relative to r (including the embedding if r->embedding). */
double wren_prune_rel_prunable(struct wren_nnlm *m, const struct wren_prune_ref *r);
double wren_prune_rel_total(struct wren_nnlm *m, const struct wren_prune_ref *r);

/* Per-element scores of linear `lin` of `block` (out*in floats, row-major, caller frees), the
 * layer's effective weight (dense or masked). calib may be NULL for magnitude; else needed. */
float *wren_prune_scores(struct wren_nnlm *m, const struct wren_nnlm_calib *c, int criterion,
                         int block, int lin, int *out, int *in);

/* The same for the tied embedding/output matrix tok_emb.weight [V,D] (dense or masked; rows
 * receive V, cols D), scored as the output layer: magnitude |E|, activation |E_vj| * sqrt(sum of
 * squares of its input h_j, the final LayerNorm output), taylor |E g|, fisher E^2 E[g^2] with g
 * the gradient of tok_emb.weight (both of its uses). NULL with wren_error for a factored
 * embedding. */
float *wren_prune_embedding_scores(struct wren_nnlm *m, const struct wren_nnlm_calib *c, int criterion,
                                   int *rows, int *cols);

/* The methods: a new model whose prunable size is <= target * r->prunable_dense (as close as
 * the granularity allows), or NULL with wren_error. Structured with r->embedding also removes
 * residual channels (d_model shrinks; needs a dense tok_emb and learned positions); low-rank
 * with r->embedding factors tok_emb. */
struct wren_nnlm *wren_prune_unstructured(struct wren_nnlm *m, const struct wren_nnlm_calib *c,
                                          int criterion, int global, double target,
                                          const struct wren_prune_ref *r);
struct wren_nnlm *wren_prune_structured(struct wren_nnlm *m, const struct wren_nnlm_calib *c,
                                        int criterion, double target, const struct wren_prune_ref *r);
struct wren_nnlm *wren_prune_lowrank(struct wren_nnlm *m, const struct wren_nnlm_calib *c,
                                     int criterion, double target, const struct wren_prune_ref *r);

/* The whole run of `wren prune` (schedule, calibration, fine-tuning, outputs, one line per
 * model on stdout). 0 or -1. */
int wren_prune_run(const struct wren_prune_opts *o);

/* Incremental schedule: the sizes of its steps (descending, requested sizes inserted), caller
 * frees; *n receives the count. shape: "linear" or "cubic". */
double *wren_prune_schedule_sizes(int steps, const char *shape, const double *req, int nreq, int *n);

#endif
