/* wren/nnlm.h — Wren's Transformer neural language models (the safetensors files `wren
 * nnlm-train` and `wren prune` write, in every stored form): load one and score sentences, as
 * `wren nnlm-eval` counts them. Not here: training, pruning and lattice rescoring (commands). */
#ifndef WREN_PUBLIC_NNLM_H
#define WREN_PUBLIC_NNLM_H

#ifdef __cplusplus
extern "C" {
#endif

struct wren_nnlm;   /* a model (opaque); scoring is sequential: one model object per thread */
/* NULL with a message naming the file and what is wrong. */
struct wren_nnlm *wren_nnlm_load(const char *path);
void wren_nnlm_free(struct wren_nnlm *m);
/* ln P(words[0..n) </s> | <s>), the words outside the model's vocabulary scored as <unk>. */
int wren_nnlm_sentence_logprob(struct wren_nnlm *m, const char *const *words, int n,
                               double *ln_prob);

#ifdef __cplusplus
}
#endif
#endif
