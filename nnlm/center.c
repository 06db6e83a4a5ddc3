/* center.c — centring a self-normalised NNLM's log Z. The (log Z)^2 term of nnlm-train
 * --self-norm pulls log Z towards 0 but does not reach it along the one direction it alone
 * decides: a constant added to every output bias changes no normalised probability and shifts
 * every log Z by that constant (likely because Adam scales each bias on its own, the penalty's
 * pull along that direction is not followed; the shared NNLM ended with mean log Z 0.10 on its
 * training text as on dev). The mean
 * log Z over a sample of text is subtracted from the output biases, after which unnormalised
 * scores (raw logits) sum to about 1 on average. The spread of log Z is left as it is: only
 * training reduces it.
 * Not for: log Z statistics of a text (eval.c), the training objective (layers.c). */
#include "nnlm/nnlm-internal.h"

#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>

/* Mean log Z over sentences of c taken at an even stride (the text may be ordered by source)
 * until max_tokens predicted tokens (</s> included); *ntok receives their number. */
static int mean_log_z(struct wren_nnlm *m, const struct nnlm_corpus *c, long max_tokens,
                      double *mean, long *ntok)
{
    size_t stride = 1;
    if (max_tokens > 0 && c->ntok > (size_t)max_tokens) stride = c->ntok / (size_t)max_tokens;
    enum { BATCH = 128 };
    const int *w[BATCH];
    int len[BATCH];
    float *lp = NULL, *logz = NULL;
    size_t cap = 0;
    double sum = 0;
    long n = 0;
    int rc = 0;
    for (size_t k = 0; k < c->nsent && !rc && (max_tokens <= 0 || n < max_tokens);) {
        int b = 0;
        size_t need = 0;
        for (; b < BATCH && k < c->nsent && (max_tokens <= 0 || n + (long)need < max_tokens); k += stride) {
            w[b] = wren_nn_corpus_sentence(c, k, &len[b]);
            need += (size_t)len[b] + 1;
            b++;
        }
        if (need > cap) {
            cap = need;
            free(lp);
            lp = wren_xmalloc(2 * cap * sizeof *lp);
            logz = lp + cap;
        }
        rc = wren_nn_score_sentences(m, b, w, len, lp, NULL, logz);
        for (size_t i = 0; i < need && !rc; i++) sum += logz[i];
        n += (long)need;
    }
    free(lp);
    if (rc) return rc;
    *mean = n > 0 ? sum / (double)n : 0;
    *ntok = n;
    return 0;
}

int wren_nn_center_log_z(struct wren_nnlm *m, const struct nnlm_corpus *c, const char *name,
                         long max_tokens, double *shift)
{
    if (c->nsent == 0) return wren_error("%s: no sentences to centre log Z on", name);
    int was = m->unnormalized;
    m->unnormalized = 0;   /* log Z is only computed when normalising */
    double mean = 0;
    long n = 0;
    int rc = mean_log_z(m, c, max_tokens, &mean, &n);
    m->unnormalized = was;
    if (rc) return -1;
    if (!isfinite(mean)) return wren_error("%s: mean log Z is %g (the model overflows on this text)", name, mean);
    for (int v = 0; v < m->c.vocab_size; v++) m->out_b[v] -= (float)mean;
    m->c.log_z_shift += (float)mean;
    wren_log("centred log Z: mean %.4f over %ld tokens of %s subtracted from the output bias", mean, n, name);
    if (shift) *shift = mean;
    return 0;
}

int wren_nnlm_center_log_z(struct wren_nnlm *m, const char *text, long max_tokens, double *shift)
{
    struct nnlm_corpus c;
    if (wren_nn_corpus_read(text, m->vocab, &c)) return -1;
    int rc = wren_nn_center_log_z(m, &c, text, max_tokens, shift);
    wren_nn_corpus_free(&c);
    return rc;
}
