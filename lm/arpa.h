/* arpa.h — a read-only back-off n-gram model in ARPA format: reading (robust, the files SRILM,
 * IRSTLM, KenLM, sphinxbase and Wren write), writing (atomic), enumeration of its n-grams and
 * back-off lookup of log10 P(w | history). Not for: estimating models from text (ngram-count.h)
 * or perplexity over a text file (ngram-eval.h).
 *
 * Word ids are 0..vocab_size-1; a file read gets them in the order of its \1-grams: section.
 * All probabilities are log10, as in the file. A missing back-off weight is 0 (= log10 1). */
#ifndef WREN_ARPA_H
#define WREN_ARPA_H

#include <stddef.h>

#include "wren/lm.h"   /* struct wren_arpa, wren_arpa_read/free/order, sentence scores */

/* Number of n-grams of that order (1..order); 0 for other orders. */
size_t wren_arpa_count(const struct wren_arpa *a, int order);
size_t wren_arpa_vocab_size(const struct wren_arpa *a);
/* Spelling of word id (NULL if out of range). */
const char *wren_arpa_word(const struct wren_arpa *a, int id);
/* Id of a word, -1 if absent. */
int    wren_arpa_word_id(const struct wren_arpa *a, const char *w);

/* The i-th n-gram (0 <= i < count(order)) of an order: *words points at `order` word ids,
 * oldest first (valid while the model lives); log10 prob; log10 back-off (0 if none).
 * N-grams of one order are sorted by their word ids (lexicographically, oldest word first). */
void wren_arpa_ngram(const struct wren_arpa *a, int order, size_t i, const int **words,
                     float *logprob, float *backoff);

/* Index of the n-gram words[0..n-1] (oldest first) in its order, or -1 if absent. */
long   wren_arpa_find(const struct wren_arpa *a, const int *words, int n);

/* log10 P(w | hist[0..nhist-1]) with back-off (hist oldest first; only the last order-1 words
 * are used). A word whose unigram is missing (or id < 0) gets the log10 prob of <unk> if the
 * model has one, else -99. Usable for rescoring. */
float  wren_arpa_logprob(const struct wren_arpa *a, const int *hist, int nhist, int w);

/* The back-off context of one history, for scoring many words after it: which suffixes of the
 * history are n-grams of the model and their back-off weights, looked up once (wren_arpa_logprob
 * repeats those look-ups for every word). wren_arpa_logprob_context gives exactly
 * wren_arpa_logprob's value; on a model whose every n-gram's prefix is an n-gram too (SRILM,
 * KenLM and Wren write such files) it also skips the orders whose context is absent. */
#define WREN_ARPA_CONTEXT_MAX 9
struct wren_arpa_context {
    int n;                                      /* words kept: at most order - 1 */
    int w[WREN_ARPA_CONTEXT_MAX];               /* the words, oldest first */
    float bow[WREN_ARPA_CONTEXT_MAX];           /* bow[L]: log10 back-off of the last L words */
    unsigned char found[WREN_ARPA_CONTEXT_MAX]; /* found[L]: the last L words are an L-gram */
};
void   wren_arpa_context(const struct wren_arpa *a, const int *hist, int nhist,
                         struct wren_arpa_context *c);
float  wren_arpa_logprob_context(const struct wren_arpa *a, const struct wren_arpa_context *c, int w);

/* Write as ARPA text (atomic via a temp file + rename; "-" is stdout). */
int  wren_arpa_write(const struct wren_arpa *a, const char *path);

/* Building a model (used by the estimator and the pruner): create with an order and vocabulary,
 * add n-grams of each order in any order, then finish (sorts and indexes). A model is
 * read-only once finished. */
struct wren_arpa *wren_arpa_new(int order, int nwords, char **words /* copied */);
/* Add one n-gram; words oldest first. Returns 0, or -1 if order is out of range or a value
 * is not finite (nothing is added then). */
int  wren_arpa_add(struct wren_arpa *a, int order, const int *words, float logprob,
                   float backoff);
/* Sort and index; returns -1 with a message ("NAME: ...") if an n-gram appears twice.
 * A missing prefix of a higher-order n-gram is tolerated (its back-off weight counts as 0). */
int  wren_arpa_finish(struct wren_arpa *a, const char *name);

#endif
