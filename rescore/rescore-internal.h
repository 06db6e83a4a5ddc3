/* rescore-internal.h — the rescorer's fields, shared by rescore.c and the lattice rescoring
 * files, and the resumable lattice expander (rescore-expand.c) that rescore-lattice.c drives.
 * Not for: users of the module (rescore.h). */
#ifndef WREN_RESCORE_INTERNAL_H
#define WREN_RESCORE_INTERNAL_H

#include <stdint.h>

#include "rescore/rescore.h"

struct wren_nnlm_state;

struct wren_rescorer {
    struct wren_nnlm *nnlm;
    const struct wren_arpa *ngram, *first;
    const struct wren_symtab *words;
    int32_t n_words;               /* 1 + largest id of words.txt */
    int *nn_map;                   /* lattice word id -> NNLM id (<unk> when absent) */
    int *ng_map, *fp_map;          /* lattice word id -> ARPA id (-1 when absent) */
    double unk_split;              /* ln(words of words.txt the NNLM maps to <unk>): P(<unk>) is
                                      shared uniformly among them, so an OOV word costs
                                      -ln P(<unk>|h) + unk_split in the NNLM term */
    long nnlm_calls;               /* wren_nnlm_state_score_many calls so far */
};

/* Whether the NNLM is run at all: at lambda 0 it has no weight in the cost, so rescoring skips
 * the network (n-best nnlm costs stay 0, no tokens are counted) and gives the same result. */
static inline int wren_rescore_runs_nnlm(const struct wren_rescore_opts *o) { return o->lambda > 0; }

/* NNLM id of a lattice word; *oov = 1 when it maps to <unk>. */
int wren_rescorer_nn_id(const struct wren_rescorer *r, int32_t w, int *oov);

/* A batch of NNLM requests (history state, next word) and their results, filled by several
 * expanders and scored with one wren_nnlm_state_score_many call. states are borrowed from the
 * expanders; next receives new references that the expanders take over. */
struct wren_nnlm_requests {
    struct wren_nnlm_state **states;
    int *words;
    float *lp;
    struct wren_nnlm_state **next;
    int n, cap;
};
void wren_nnlm_requests_free(struct wren_nnlm_requests *q);

/* The pruned NNLM expansion of one lattice (rescore-expand.c). l0 and l1 are the lattice's
 * n-gram expansions with graph costs hmm and hmm + ngram (same structure), beta the backward
 * heuristic per state; all borrowed until free. Tokens and output arcs are added to *st. */
struct wren_lat_expander;
struct wren_lat_expander *wren_lat_expander_create(struct wren_rescorer *r,
                                                   const struct wren_rescore_opts *o,
                                                   const struct wren_lattice *l0,
                                                   const struct wren_lattice *l1,
                                                   const double *beta,
                                                   struct wren_rescore_stats *st);
/* Expand levels of lattice states up to the next one that needs NNLM scores and append its
 * requests to q: 1, or 0 when the expansion is complete. */
int wren_lat_expander_collect(struct wren_lat_expander *e, struct wren_nnlm_requests *q);
/* After q was scored: finish the level whose requests the last collect appended. */
void wren_lat_expander_consume(struct wren_lat_expander *e, const struct wren_nnlm_requests *q);
/* The expanded lattice (no start state when the beam lost every complete path). */
void wren_lat_expander_finish(struct wren_lat_expander *e, struct wren_lattice *out);
void wren_lat_expander_free(struct wren_lat_expander *e);

#endif
