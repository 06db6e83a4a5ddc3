/* arpa-sentence.c — ln P(sentence) under an ARPA model for the public API (include/wren/lm.h):
 * words outside the vocabulary are scored as <unk>, so every sentence gets a finite score. The
 * SRILM perplexity conventions (OOVs skipped) are ngram-eval.c's, not this file's. */
#include <math.h>
#include <stdlib.h>

#include "lm/arpa.h"
#include "utils/error.h"

int wren_arpa_sentence_logprob(const struct wren_arpa *a, const char *const *words, int n,
                               double *ln_prob)
{
    *ln_prob = 0.0;
    if (!a || n < 0 || (n > 0 && !words)) return wren_error("wren_arpa_sentence_logprob: bad arguments");
    int order = wren_arpa_order(a);
    int unk = wren_arpa_word_id(a, "<unk>"), eos = wren_arpa_word_id(a, "</s>");
    if (eos < 0) return wren_error("the n-gram model has no </s>");
    int *ids = wren_xmalloc(sizeof *ids * (size_t)(n + 2));
    ids[0] = wren_arpa_word_id(a, "<s>");   /* -1 if absent: nothing matches past it */
    for (int i = 0; i < n; i++) {
        int w = words[i] ? wren_arpa_word_id(a, words[i]) : -1;
        if (w < 0 || wren_arpa_find(a, &w, 1) < 0) {
            if (unk < 0) {
                free(ids);
                return wren_error("word %d \"%s\" is not in the n-gram model, which has no <unk>",
                                  i + 1, words[i] ? words[i] : "(null)");
            }
            w = unk;
        }
        ids[i + 1] = w;
    }
    ids[n + 1] = eos;
    double log10p = 0.0;
    for (int i = 1; i <= n + 1; i++) {
        int use = i < order - 1 ? i : order - 1;
        log10p += wren_arpa_logprob(a, ids + i - use, use, ids[i]);
    }
    free(ids);
    *ln_prob = log10p * log(10.0);
    return 0;
}
