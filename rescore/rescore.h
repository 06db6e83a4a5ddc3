/* rescore.h — second-pass rescoring of first-pass word lattices with the Transformer NNLM
 * (nnlm/nnlm.h) interpolated with an n-gram (lm/arpa.h):
 *   n-best:  the N best distinct word sequences of each lattice, every distinct prefix scored
 *            once with the NNLM (a prefix trie, one wren_nnlm_state_score_many call per depth);
 *   lattice: pruned lattice expansion with NNLM states (as Kaldi's
 *            lattice-lmrescore-kaldi-rnnlm-pruned): histories that agree on their last k words
 *            are merged, expanded states outside a beam (first-pass forward-backward heuristic)
 *            are dropped, so cost grows with the lattice, not with its number of paths;
 *            several lattices are expanded side by side (--lattice-batch) so that the NNLM
 *            scores all their pending (history, word) pairs in one batched call.
 * Score combination (all costs are natural-log costs, -ln p; ARPA log10 values are converted
 * with ln 10 by the lattice LM code):
 *   cost = acwt * acoustic + hmm + lm_weight * ((1-lambda) * ngram + lambda * nnlm)
 *          + wip * words + oov_penalty * (words outside the NNLM vocabulary)
 * where a word outside the NNLM vocabulary costs -ln P(<unk>|h) + ln(U) in the nnlm term, U the
 * number of words of words.txt that map to <unk> (the <unk> mass shared uniformly among them),
 * and hmm is the first-pass graph cost with the first-pass LM share removed (the
 * subtraction is wren_lattice_lm_rescore's, the same as `wren lattice lmrescore`), ngram and
 * nnlm are -ln P(sentence incl. </s>). A positive wip penalises words.
 * Not for: reading lattices (lat/lattice.h), the NNLM itself, n-gram lattice rescoring
 * alone (`wren lattice lmrescore`). */
#ifndef WREN_RESCORE_H
#define WREN_RESCORE_H

#include <stdint.h>

#include "lat/lattice.h"
#include "utils/opts.h"

struct wren_nnlm;
struct wren_arpa;
struct wren_symtab;

struct wren_rescore_opts {
    const char *mode;        /* "nbest" | "lattice" */
    int nbest;               /* hypotheses per lattice (nbest mode) */
    float lm_weight;         /* weight of the interpolated LM cost */
    float lambda;            /* NNLM share of the interpolation, 0..1; at 0 the NNLM is not run
                                (n-best nnlm costs are 0, no tokens are scored) */
    int history;             /* lattice mode: histories agreeing on this many last words merge */
    float beam;              /* lattice mode: pruning beam while expanding */
    int lattice_batch;       /* lattice mode: lattices expanded side by side, their NNLM
                                requests scored together (1: one lattice at a time) */
    float wip;               /* cost per word */
    float acwt;              /* acoustic scale */
    float oov_penalty;       /* extra cost per word mapped to the NNLM's <unk>, on top of the
                                NNLM's own -ln P(<unk>|h) + ln(number of such words) */
    int unnormalized;        /* NNLM words scored by raw logits (wren_nnlm_set_unnormalized);
                                -1 (default): exactly for self-normalised models */
};
void wren_rescore_opts_default(struct wren_rescore_opts *o);
/* The options bound to *o, written to t (opts.h convention; at most WREN_RESCORE_NOPTS + 1
 * entries); `wren rescore` (search = 1: all of them) and `rescore-tune` (search = 0: not the
 * mode, the lattice search, batching and the three weights, which tuning does not read) both
 * start their tables with them. Returns the number of options written. */
#define WREN_RESCORE_NOPTS 13
int wren_rescore_opts_table(struct wren_rescore_opts *o, struct wren_opt *t, int search);
int wren_rescore_opts_check(const struct wren_rescore_opts *o);
/* Whether m is scored unnormalised under o (--unnormalized, or its auto default: m's metadata). */
int wren_rescore_unnormalized(const struct wren_rescore_opts *o, const struct wren_nnlm *m);

/* The models a rescorer uses (borrowed, not owned). first_lm may equal ngram. */
struct wren_rescorer;
struct wren_rescorer *wren_rescorer_create(struct wren_nnlm *nnlm, const struct wren_arpa *ngram,
                                           const struct wren_arpa *first_lm,
                                           const struct wren_symtab *words);
void wren_rescorer_free(struct wren_rescorer *r);

/* One hypothesis with its separate cost components (natural-log costs). */
struct wren_rescore_hyp {
    int32_t *words; int n_words;   /* lattice word ids */
    double ac;                     /* acoustic cost, unscaled */
    double hmm;                    /* graph cost without the first-pass LM */
    double ngram, nnlm;            /* -ln P(words </s>) */
    int n_oov;                     /* words outside the NNLM vocabulary */
};
double wren_rescore_hyp_cost(const struct wren_rescore_opts *o, const struct wren_rescore_hyp *h);
/* The interpolation, the one place the n-best and the lattice modes take it from:
 * lm_weight * ((1-lambda) * ngram + lambda * nnlm) = w.ngram * ngram + w.nnlm * nnlm. */
struct wren_rescore_lm_weights { double ngram, nnlm; };
struct wren_rescore_lm_weights wren_rescore_lm_weights(const struct wren_rescore_opts *o);

/* Counters of one call. */
struct wren_rescore_stats {
    long tokens;          /* NNLM tokens scored */
    long naive_tokens;    /* tokens a scoring without sharing would have needed (n-best) */
    long hyps;            /* hypotheses (n-best) or output arcs (lattice) */
};

/* N-best: up to o->nbest hypotheses of l (first-pass order) scored, written to *hyps (caller
 * frees with wren_rescore_hyps_free). Returns the count (0 for an empty lattice), -1 on error. */
int wren_rescore_nbest(struct wren_rescorer *r, const struct wren_rescore_opts *o,
                       const struct wren_lattice *l, struct wren_rescore_hyp **hyps,
                       struct wren_rescore_stats *st);
/* The same for n lattices rescored together: one prefix trie over all their hypotheses (a
 * prefix two utterances share is scored once), so each NNLM call scores the nodes of one depth
 * of every lattice. hyps[k], n_hyps[k], st[k] (added to; zero them first) are lattice k's;
 * its scores equal wren_rescore_nbest's up to the last float bits (GEMMs over another batch).
 * On error -1, every hyps[k] NULL and *failed the index of the lattice at fault (-1: the
 * scoring). */
int wren_rescore_nbest_many(struct wren_rescorer *r, const struct wren_rescore_opts *o, int n,
                            const struct wren_lattice *l, struct wren_rescore_hyp **hyps, int *n_hyps,
                            struct wren_rescore_stats *st, int *failed);
void wren_rescore_hyps_free(struct wren_rescore_hyp *h, int n);
/* Index of the best hypothesis under o (-1 if n == 0). */
int wren_rescore_best(const struct wren_rescore_opts *o, const struct wren_rescore_hyp *h, int n);

/* NNLM -ln P(words </s>) of hypotheses scored without sharing (for tests and comparisons). */
int wren_rescore_sentence_costs(struct wren_rescorer *r, int n, const struct wren_rescore_hyp *h,
                                double *cost);

/* Lattice: the pruned rescored lattice (graph costs = hmm + lm_weight * interpolated LM + wip
 * per word; acoustic costs unchanged). An empty input gives an empty output. One lattice at
 * a time (o->lattice_batch is not used). */
int wren_rescore_lattice(struct wren_rescorer *r, const struct wren_rescore_opts *o,
                         const struct wren_lattice *in, struct wren_lattice *out,
                         struct wren_rescore_stats *st);
/* The same for n lattices: out[i] is in[i] rescored, st[i] its counters (added to; zero them
 * first). Up to o->lattice_batch lattices are expanded side by side; each step expands the
 * next state of every unfinished one and scores all their requests in one NNLM call. Each
 * lattice gets the expansion wren_rescore_lattice gives it (histories, beam, structure and best
 * paths), its costs equal up to the last float bits (GEMMs over another batch). On error -1,
 * every out[i] empty and *failed the index of the lattice at fault (-1: the batch). */
int wren_rescore_lattices(struct wren_rescorer *r, const struct wren_rescore_opts *o, int n,
                          const struct wren_lattice *in, struct wren_lattice *out,
                          struct wren_rescore_stats *st, int *failed);

/* NNLM calls (wren_nnlm_state_score_many, each a set of GEMMs over its rows) made by r so
 * far: tokens / calls is the batch size the rescoring achieved. */
long wren_rescorer_nnlm_calls(const struct wren_rescorer *r);

/* The models of a command, loaded from files (first_lm NULL: the n-gram is the first-pass
 * LM too) with a rescorer over them; NULL with a message naming the file on error. */

struct wren_rescore_models {
    struct wren_nnlm *nnlm;
    struct wren_arpa *ngram, *first;    /* first == ngram when not given apart */
    struct wren_symtab *words;
    struct wren_rescorer *r;
};
struct wren_rescore_models *wren_rescore_models_load(const char *nnlm, const char *lm,
                                                     const char *first_lm, const char *words);
void wren_rescore_models_free(struct wren_rescore_models *m);

#endif
