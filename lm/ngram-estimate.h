/* ngram-estimate.h — turning n-gram counts into a back-off model: interpolated modified
 * Kneser-Ney (three discounts per order from count-of-counts, continuation counts for the lower
 * orders), interpolated Witten-Bell, or add-k; count cut-offs. Internal to the n-gram module.
 * Not for: counting (ngram-counts.h), pruning (ngram-prune.h). */
#ifndef WREN_NGRAM_ESTIMATE_H
#define WREN_NGRAM_ESTIMATE_H

#include "lm/arpa.h"
#include "lm/ngram-counts.h"

enum wren_ngram_method { WREN_NGRAM_KN = 0, WREN_NGRAM_WB, WREN_NGRAM_ADDK };

struct wren_ngram_est_cfg {
    enum wren_ngram_method method;
    double addk;                              /* k for WREN_NGRAM_ADDK */
    int gtmin[WREN_NGRAM_MAX_ORDER + 1];      /* keep n-grams whose count is >= gtmin[n] (n >= 2) */
    double discount[WREN_NGRAM_MAX_ORDER + 1][4];  /* out: KN discounts D1, D2, D3+ per order */
};

/* Estimate a model of order c->order. Returns 0 or -1 (message set). */
int wren_ngram_estimate(const struct wren_ngram_counts *c, struct wren_ngram_est_cfg *cfg,
                        struct wren_arpa **out);

/* Modified-KN discounts from count-of-counts n1..n4 (Chen & Goodman):
 * Y = n1/(n1+2 n2), D1 = 1-2Y n2/n1, D2 = 2-3Y n3/n2, D3+ = 3-4Y n4/n3. Where a count-of-counts
 * is 0 or a discount falls outside (0, k], the plain absolute discount Y (or 0.5) is used.
 * Writes d[1..3]; d[0] = 0. Returns 1 if a fallback was needed. */
int wren_ngram_kn_discounts(const double nk[5], double d[4]);

#endif
