/* graph-g.c — the grammar acceptor G from an ARPA back-off model, as Kaldi's arpa2fst: one
 * state per history (every n-gram of order < N), an arc per n-gram to the state of its longest
 * kept suffix, back-off arcs labelled #0 on the input (epsilon output), </s> as final weights,
 * the <s> state as start state. N-grams over words the lexicon cannot pronounce are dropped
 * (and counted). Costs are -ln probabilities. Not for: reading ARPA files (lm/arpa.c). */
#include <math.h>
#include <stdlib.h>

#include "lm/arpa.h"
#include "utils/error.h"
#include "graph/graph-internal.h"
#include "utils/log.h"

#define LN10 2.302585092994046

struct gctx {
    const struct wren_arpa *lm;
    const struct graph_words *w;
    int order;
    long base[16];          /* first state of histories of each order */
};

/* State of the longest suffix of words[0..n-1] that is a history; 0 = empty history. */
static long suffix_state(const struct gctx *g, const int *words, int n)
{
    if (n > g->order - 1) {
        words += n - (g->order - 1);
        n = g->order - 1;
    }
    for (; n > 0; words++, n--) {
        long i = wren_arpa_find(g->lm, words, n);
        if (i >= 0) return g->base[n] + i;
    }
    return 0;
}

/* 1 if every word can be on a path: words mapped, or <s> first when the n-gram has a history
 * or is itself a history (is_history), or </s> last (when last_may_be_eos). */
static int ngram_ok(const struct gctx *g, const int *words, int n, int last_may_be_eos,
                    int is_history)
{
    for (int k = 0; k < n; k++) {
        int id = words[k];
        if (g->w->lm2word[id] >= 0) continue;
        if (k == 0 && id == g->w->bos && (n > 1 || is_history)) continue;
        if (k == n - 1 && last_may_be_eos && id == g->w->eos) continue;
        return 0;
    }
    return 1;
}

static float cost10(float logprob)
{
    return (float)(-logprob * LN10);
}

static void add_ngrams(struct wren_fst *G, const struct gctx *g, int k, long *dropped)
{
    size_t cnt = wren_arpa_count(g->lm, k);
    for (size_t i = 0; i < cnt; i++) {
        const int *words;
        float lp, bow;
        wren_arpa_ngram(g->lm, k, i, &words, &lp, &bow);
        int w = words[k - 1];
        if (w == g->w->bos) continue;               /* <s> is never predicted */
        if (!ngram_ok(g, words, k, 1, 0)) {
            (*dropped)++;
            continue;
        }
        long src = k == 1 ? 0 : wren_arpa_find(g->lm, words, k - 1);
        if (src < 0) {
            (*dropped)++;                            /* history missing from the model */
            continue;
        }
        if (k > 1) src += g->base[k - 1];
        if (lp <= -98.0f) continue;                  /* probability 0 (e.g. -99) */
        if (w == g->w->eos) {
            wren_fst_set_final(G, (int)src, cost10(lp));
            continue;
        }
        long dst = k < g->order ? g->base[k] + (long)i : suffix_state(g, words + 1, k - 1);
        wren_fst_add_arc(G, (int)src, g->w->lm2word[w], g->w->lm2word[w], cost10(lp), (int)dst);
    }
}

static void add_backoffs(struct wren_fst *G, const struct gctx *g, int k)
{
    size_t cnt = wren_arpa_count(g->lm, k);
    for (size_t i = 0; i < cnt; i++) {
        const int *words;
        float lp, bow;
        wren_arpa_ngram(g->lm, k, i, &words, &lp, &bow);
        if (words[k - 1] == g->w->eos || !ngram_ok(g, words, k, 0, 1)) continue;
        long src = g->base[k] + (long)i;
        long dst = suffix_state(g, words + 1, k - 1);
        wren_fst_add_arc(G, (int)src, g->w->word_disambig0, 0, cost10(bow), (int)dst);
    }
}

int wren_graph_build_g(const struct wren_arpa *lm, const struct graph_words *w,
                  struct wren_fst **out, long *ngrams_dropped)
{
    *out = NULL;
    *ngrams_dropped = 0;
    struct gctx g = { lm, w, wren_arpa_order(lm), { 0 } };
    if (g.order < 1 || wren_arpa_count(lm, 1) == 0) return wren_error("the LM has no n-grams");
    if (g.order > 15) return wren_error("LM order %d is too high (at most 15)", g.order);
    long nstates = 1;
    for (int k = 1; k < g.order; k++) {
        g.base[k] = nstates;
        nstates += (long)wren_arpa_count(lm, k);
    }
    if (nstates > 0x7fffffffL) return wren_error("LM too large for a graph");
    struct wren_fst *G = wren_fst_new();
    wren_fst_reserve_states(G, (int)nstates);
    for (long s = 0; s < nstates; s++) wren_fst_add_state(G);
    int start = 0;
    if (w->bos >= 0 && g.order > 1) {
        long i = wren_arpa_find(lm, &w->bos, 1);
        if (i >= 0) start = (int)(g.base[1] + i);
    }
    wren_fst_set_start(G, start);
    for (int k = 1; k <= g.order; k++) add_ngrams(G, &g, k, ngrams_dropped);
    for (int k = 1; k < g.order; k++) add_backoffs(G, &g, k);
    wren_fst_connect(G);
    if (wren_fst_num_states(G) == 0) {
        wren_fst_free(G);
        return wren_error("the LM has no complete sentence over words the lexicon pronounces");
    }
    if (*ngrams_dropped)
        wren_log("mkgraph: %ld n-grams over words not in the lexicon dropped", *ngrams_dropped);
    *out = G;
    return 0;
}
