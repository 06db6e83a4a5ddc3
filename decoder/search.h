/* search.h — the lattice-generating token-passing Viterbi beam search over a flat HCLG, in the
 * manner of Kaldi's lattice-faster decoder: per frame, emitting arcs (ilabel = transition id)
 * then epsilon arcs; beam, max-active/min-active histogram pruning, forward links pruned every
 * prune_interval frames with the lattice beam; the result is a state-level lattice (lattice.h).
 * Also the flat graph the search walks (struct wren_hclg), filled from an FST or by tests.
 * Not for: reading audio or models (decoder.h), word lattices and their tools (lattice.h). */
#ifndef WREN_SEARCH_H
#define WREN_SEARCH_H

#include <stdint.h>

#include "am/decodable.h"
#include "decoder/decoder.h"
#include "lat/lattice.h"

/* ---- the flat graph ---- */
struct wren_hclg_arc {
    int32_t ilabel;      /* transition id (>= 1), 0 = epsilon */
    int32_t olabel;      /* word id, 0 = epsilon */
    float weight;        /* cost, -ln p */
    int32_t next;
};

struct wren_hclg {
    int32_t n_states, start;
    int64_t n_arcs;
    /* Arcs of state s: emitting ones in [off[s], eps[s]), epsilon ones in [eps[s], off[s+1]). */
    int64_t *off, *eps;
    struct wren_hclg_arc *arcs;
    float *final;        /* INFINITY when not final */
    int32_t max_ilabel, max_olabel;
};

/* One arc given with its source state, for building. */
struct wren_hclg_edge {
    int32_t src, dst, ilabel, olabel;
    float weight;
};

/* Build from an edge list and final costs (n_states entries, INFINITY = not final).
 * Fails (-1) on an out-of-range state or a negative label. */
int wren_hclg_build(struct wren_hclg *g, int32_t n_states, int32_t start,
                    const struct wren_hclg_edge *e, int64_t n_edges, const float *final);
void wren_hclg_free(struct wren_hclg *g);

/* ---- the search ---- */
struct wren_search;

/* tid2senone[tid] for tid in 1..n_tids (entry 0 unused); every emitting ilabel of the graph
 * must be <= n_tids and map to a senone < n_senones (checked; -1 and NULL on error).
 * The graph, map and options must outlive the search. */
struct wren_search *wren_search_create(const struct wren_hclg *g, const int32_t *tid2senone,
                                       int32_t n_tids, int n_senones,
                                       const struct wren_decode_opts *opts);
void wren_search_free(struct wren_search *s);
/* Change the beam and max-active of the following utterances (adaptation's first pass). */
void wren_search_set_beam(struct wren_search *s, float beam, int max_active);

/* Start an utterance (drops what the previous one left). */
void wren_search_start(struct wren_search *s);
/* Decode the frames the decodable has ready (at most max_frames; < 0 = all).
 * Returns the number decoded, or -1 (scorer error, message set). */
int wren_search_advance(struct wren_search *s, struct wren_decodable *d, int max_frames);
int wren_search_frames(const struct wren_search *s);
/* Final pruning of links and tokens against the final costs (call at end of utterance). */
void wren_search_finalize(struct wren_search *s);
/* 1 if some token of the last frame is in a final state. */
int wren_search_reached_final(const struct wren_search *s);

/* The state-level lattice so far (one arc per link, ilabel on the arc as a 0/1-long tid string,
 * acoustic costs unscaled: -ln p, graph costs as in the graph). With use_final, final
 * weights are the graph's final costs (all last-frame tokens final with cost 0 if none is
 * final); otherwise every last-frame token is final with cost 0. Topologically sorted. */
int wren_search_lattice(struct wren_search *s, int use_final, struct wren_lattice *out);
/* The best path so far alone, as a lattice of one path (every last-frame token taken as final
 * at no cost, as wren_search_lattice without use_final): a partial result's, at the cost of one
 * pass over the tokens rather than the whole lattice's. */
int wren_search_best_path_lattice(struct wren_search *s, struct wren_lattice *out);

struct wren_search_stats {
    int64_t frames, tokens, links;   /* tokens created / links created over the utterance */
    double avg_active;               /* tokens alive per frame after pruning, averaged */
};
void wren_search_stats(const struct wren_search *s, struct wren_search_stats *st);

#endif
