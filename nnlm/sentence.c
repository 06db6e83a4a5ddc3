/* sentence.c — ln P(sentence) under an NNLM from word strings, for the public API
 * (include/wren/nnlm.h): the words are looked up in the model's vocabulary (OOVs as <unk>, as
 * `wren nnlm-eval` counts them by default) and scored with </s> from <s>. */
#include <stdlib.h>

#include "nnlm/nnlm.h"
#include "utils/error.h"

int wren_nnlm_sentence_logprob(struct wren_nnlm *m, const char *const *words, int n,
                               double *ln_prob)
{
    *ln_prob = 0.0;
    if (!m || n < 0 || (n > 0 && !words)) return wren_error("wren_nnlm_sentence_logprob: bad arguments");
    const struct wren_nnlm_vocab *v = wren_nnlm_get_vocab(m);
    int *ids = wren_xmalloc(sizeof *ids * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) ids[i] = words[i] ? wren_nnlm_vocab_id(v, words[i]) : WREN_NNLM_UNK;
    const int *sent = ids;
    int rc = wren_nnlm_score_sentences(m, 1, &sent, &n, NULL, ln_prob);
    free(ids);
    return rc;
}
