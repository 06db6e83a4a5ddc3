/* wren/lm.h — ARPA n-gram language models: read one and score sentences, as `wren ngram -ppl`
 * counts them. Not here: estimating or pruning n-grams (the `wren ngram-count` command). */
#ifndef WREN_PUBLIC_LM_H
#define WREN_PUBLIC_LM_H

#ifdef __cplusplus
extern "C" {
#endif

struct wren_arpa;   /* a read-only n-gram model (opaque) */
/* Read an ARPA file (plain, .gz or .xz). A malformed file gives -1 and "file:line: ...". */
int  wren_arpa_read(const char *path, struct wren_arpa **out);
void wren_arpa_free(struct wren_arpa *a);
int  wren_arpa_order(const struct wren_arpa *a);
/* ln P(words[0..n) </s> | <s>) with back-off; a word outside the model's vocabulary is
 * scored as <unk> (the model must have <unk>, else -1 with a message naming the word). */
int  wren_arpa_sentence_logprob(const struct wren_arpa *a, const char *const *words, int n,
                                double *ln_prob);

#ifdef __cplusplus
}
#endif
#endif
