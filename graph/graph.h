/* graph.h — building decoding graphs HCLG from a Sphinx acoustic model (mdef + transition
 * matrices), a CMUdict lexicon and an ARPA n-gram model, as Kaldi's mkgraph.sh does; and the
 * graph files the decoder reads. Not for: FST primitives (fst.h), decoding (search.h).
 *
 * ===================== Graph directory: the contract with the decoder =====================
 * `wren mkgraph --model MODEL_DIR --dict DICT --lm LM.arpa OUT_DIR` writes:
 *
 *  OUT_DIR/HCLG.fst        OpenFst binary StdVectorFst (fstinfo/fstprint read it).
 *                          Arc weights are costs = -ln probability, LM probabilities (ln, not
 *                          log10) and HMM transition probabilities included, unscaled (the
 *                          decoder applies its own acoustic scale to acoustic scores only).
 *                          Input labels: transition ids >= 1 (0 = epsilon: a word-boundary arc
 *                          that consumes no frame; such arcs exist and may carry a word).
 *                          Output labels: word ids of words.txt (0 = epsilon).
 *                          Every arc with a transition id consumes exactly one frame, scored
 *                          by the senone of that transition id. Self-loops are explicit arcs.
 *  OUT_DIR/words.txt       OpenFst text symbol table "word id": "<eps> 0", then the words of
 *                          the LM that the lexicon pronounces (LM order), then "<s>" and
 *                          "</s>" (which never appear on arcs). No disambiguation symbols.
 *  OUT_DIR/transitions.txt one line per transition id, from 1, in order:
 *                          "tid senone_id phone_id hmm_state is_selfloop"
 *                          senone_id: mdef senone; phone_id: the mdef CI phone whose HMM
 *                          (transition matrix) the transition belongs to; hmm_state: the
 *                          emitting state 0..n_emit-1 the frame is spent in; is_selfloop 0/1.
 *                          Transition ids are shared by all triphones with the same CI phone,
 *                          word position, state, senone and transition (as Kaldi's transition
 *                          model with word-position-dependent phones).
 *  OUT_DIR/phones.txt      CI phones of the mdef as a symbol table: "<eps> 0", phone ci -> ci+1.
 *  OUT_DIR/HCLG.wgraph     the same graph as HCLG.fst in a flat little-endian layout that can
 *                          be mmap()ed (see struct wren_graph_file_header below).
 *  OUT_DIR/disambig.txt,   (for information) the lexicon's disambiguation symbols count and
 *  OUT_DIR/mkgraph.log     the build report (dropped words, sizes, stochasticity, timings).
 *
 * Topology: the HMM of each context-dependent phone is the Sphinx left-to-right topology of
 * its transition matrix (skips allowed). A frame is emitted when *leaving* an emitting state
 * (Kaldi's convention), so entering the first state of a phone is free and leaving the last
 * one to the next phone consumes that state's frame. Self-loops were added after
 * determinisation/minimisation, after the forward arc of the same HMM state ("reorder"), so
 * the self-loop of state i sits on the HCLG state reached by a forward arc out of i.
 *
 * ============================ HCLG.wgraph (flat graph) ===================================
 * offset 0: struct wren_graph_file_header (64 bytes), then at the given byte offsets (8-byte
 * aligned): float final_cost[num_states] (+inf = not final); uint64 arc_start[num_states+1]
 * (arcs of state s are arcs[arc_start[s] .. arc_start[s+1]-1]); struct wren_arc
 * arcs[num_arcs] (fst.h: int32 ilabel, int32 olabel, float weight, int32 nextstate). The arcs
 * of a state are sorted by input label, so input-epsilon arcs come first. */
#ifndef WREN_GRAPH_H
#define WREN_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "fstext/fst.h"

struct wren_mdef;

#define WREN_GRAPH_MAGIC "WRENHCLG"
#define WREN_GRAPH_VERSION 1

struct wren_graph_file_header {
    char magic[8];             /* "WRENHCLG" */
    uint32_t version;          /* 1 */
    int32_t start;             /* start state, -1 if the graph is empty */
    uint32_t num_states;
    uint32_t reserved;
    uint64_t num_arcs;
    uint64_t final_offset;     /* byte offset of final_cost[] */
    uint64_t arc_start_offset; /* byte offset of arc_start[] */
    uint64_t arcs_offset;      /* byte offset of arcs[] */
    uint64_t file_size;
};

/* A flat graph mapped read-only from a .wgraph file (or built in memory). */
struct wren_graph_flat {
    int start;
    uint32_t num_states;
    uint64_t num_arcs;
    const float *final_cost;
    const uint64_t *arc_start;
    const struct wren_arc *arcs;
    void *map;                 /* internal */
    size_t map_size;
};

int  wren_graph_write_flat(const struct wren_fst *f, const char *path);   /* atomic */
/* mmap PATH; checks the header, sizes and offsets. -1 + "path: reason" on error. */
int  wren_graph_map_flat(const char *path, struct wren_graph_flat *g);
void wren_graph_unmap_flat(struct wren_graph_flat *g);

/* One line of transitions.txt. */
struct wren_transition {
    int senone, phone, hmm_state, is_selfloop;
};
/* Read transitions.txt: *t[tid] for tid 1..*n (t[0] unused); caller frees *t. */
int  wren_graph_read_transitions(const char *path, struct wren_transition **t, int *n);

/* ================================ building ============================================ */
struct wren_mkgraph_opts {
    float sil_prob;        /* optional silence between words and at the utterance edges (0.5); 0 = none */
    float noise_prob;      /* optional noise phone (the model's fillers other than SIL, e.g. +NSN+
                            * +SPN+) where silence may be, shared equally among them; output
                            * epsilon: transparent to the LM and not in hypotheses (0 = none) */
    float transition_scale; /* scale of the HMM transition costs other than self-loops (1.0) */
    float self_loop_scale; /* scale of the self-loop costs (0.1); as Kaldi's --self-loop-scale, the
                            * forward transitions of a state are renormalised by 1 - p(self-loop)
                            * at transition_scale and get self_loop_scale * -ln(1 - p(self-loop)) */
    int det_log;           /* determinise in the log semiring (keeps stochasticity) */
    int keep_intermediate; /* also write L.fst, G.fst, LG.fst, CLG.fst, Ha.fst to OUT_DIR */
    int write_flat;        /* write HCLG.wgraph */
};
void wren_mkgraph_opts_default(struct wren_mkgraph_opts *o);

/* The model pieces graph building needs: the mdef and the transition matrices (n_tmat, each
 * n_emit x (n_emit+1), row-major, column n_emit = exit), as wren_am_tmat gives them. */
struct wren_graph_model {
    const struct wren_mdef *mdef;
    int n_tmat;
    const float *const *tmat;
};

/* Build statistics, printed by `wren mkgraph`. */
struct wren_mkgraph_stats {
    long lex_words, lex_prons, lm_words, words_kept, words_dropped, ngrams_dropped;
    int n_disambig;            /* #1..#n used by the lexicon */
    long g_states, g_arcs, lg_states, lg_arcs, clg_states, clg_arcs;
    long hclg_states, hclg_arcs;
    int n_hmms, n_tids;
    float stoch_min, stoch_max;
    double seconds;            /* wall clock */
    double cpu_seconds;        /* user + system CPU of this process */
    size_t peak_rss;
};

/* Build HCLG into OUT_DIR (created if needed) from the model, a CMUdict-format lexicon and an
 * ARPA file. Words of the LM the lexicon lacks are reported (wren_log) and dropped; a lexicon
 * line naming a phone the mdef lacks is an error "dict:line: ...". */
int wren_mkgraph(const struct wren_graph_model *model, const char *dict_path,
                 const char *lm_path, const char *out_dir, const struct wren_mkgraph_opts *opts,
                 struct wren_mkgraph_stats *stats);

#endif
