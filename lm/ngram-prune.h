/* ngram-prune.h — relative-entropy pruning of a back-off model (Stolcke 1998): an n-gram of
 * order >= 2 is removed when doing so raises the model's perplexity (on its own distribution)
 * by less than a threshold, or the n-grams with the smallest such cost are removed until a
 * target count is met. Each n-gram's cost is computed on the unpruned model (SRILM instead
 * re-evaluates after each order); n-grams that are contexts of kept longer ones are kept;
 * back-off weights are recomputed so that every context sums to one. Internal to the n-gram
 * module. Not for: count cut-offs (ngram-estimate.h). */
#ifndef WREN_NGRAM_PRUNE_H
#define WREN_NGRAM_PRUNE_H

#include "lm/arpa.h"

#include <stddef.h>

struct wren_ngram_prune_cfg {
    double threshold;    /* prune if 10^deltaH - 1 < threshold (SRILM -prune); 0 = off */
    size_t target;       /* total n-grams (all orders) to keep at most; 0 = off */
    int min_order;       /* lowest order that may be pruned (>= 2) */
};

/* Returns a new model (the input is untouched). */
int wren_ngram_prune(const struct wren_arpa *in, const struct wren_ngram_prune_cfg *cfg,
                     struct wren_arpa **out);

/* Recompute every back-off weight of a model from its probabilities:
 * bow(h) = (1 - sum_{hw in model} P(w|h)) / (1 - sum_{hw in model} P(w|h')). */
void wren_ngram_recompute_bows(struct wren_arpa *a);

#endif
