/* graph-internal.h — what the graph builders (graph-*.c) share and nobody else uses: the
 * label layouts of L, G, C and H, and the builder functions composed by
 * graph-mkgraph.c. Not a public API (see graph.h). */
#ifndef WREN_GRAPH_INTERNAL_H
#define WREN_GRAPH_INTERNAL_H

#include <stddef.h>

#include "fstext/fst.h"
#include "graph/graph.h"
#include "graph/lexicon.h"
#include "utils/hashmap.h"   /* wren_bytemap: words, phone sequences, HMMs, transition ids */

struct wren_arpa;

/* ---- label layouts ----
 * Phone side (L input, C output): word-position phone 1 + 4*ci + w (w: 0 b, 1 e, 2 i, 3 s;
 * fillers only use w = 3); disambiguation symbol d (0 = #0, 1.. = #1.., n_disambig+1 = #-1,
 * the start symbol of C) is phone_disambig0 + d.
 * Word side (L output, G): words.txt ids; #0 is word_disambig0 (after all words.txt ids).
 * C input / H output: HMM ids 1..n_hmm, disambig d at n_hmm + 1 + d.
 * H input: transition ids 1..n_tid, disambig d at n_tid + 1 + d. */
enum { WPOS_B = 0, WPOS_E = 1, WPOS_I = 2, WPOS_S = 3 };
static inline int graph_posphone(int ci, int w) { return 1 + 4 * ci + w; }
static inline int graph_posphone_ci(int p) { return (p - 1) / 4; }
static inline int graph_posphone_wpos(int p) { return (p - 1) % 4; }

struct graph_words {
    struct wren_symtab *syms;  /* words.txt */
    int word_disambig0;        /* #0 on the word side */
    int *lm2word;              /* ARPA word id -> words.txt id, or -1 (dropped / <s> / </s>) */
    int bos, eos;              /* ARPA ids of <s>, </s> (-1 if absent) */
};

/* L: lexicon transducer (phones with word positions -> words) with optional silence, #k for
 * homophones/prefixes and a #0 self-loop for G's back-off arcs. words[i] (1..n_words) are the
 * words.txt ids to include with their spellings. Sets *n_disambig. */
struct graph_lex_opts {
    float sil_prob;
    int sil_ci;                /* CI id of the optional silence phone (SIL) */
    float noise_prob;          /* shared by the noise phones (fillers other than SIL) */
};
int wren_graph_build_l(const struct wren_lexicon *lex, const struct wren_mdef *mdef,
                  const struct graph_words *w, const struct graph_lex_opts *o,
                  struct wren_fst **out, int *n_disambig, long *n_prons);
int wren_graph_phone_disambig0(const struct wren_mdef *mdef);

/* Words: words.txt from the ARPA vocabulary restricted to the lexicon. */
int wren_graph_make_words(const struct wren_arpa *lm, const struct wren_lexicon *lex,
                     struct graph_words *w, long *dropped);
void wren_graph_words_free(struct graph_words *w);

/* G: ARPA -> acceptor over words.txt ids with #0 back-off arcs (input #0, output eps). */
int wren_graph_build_g(const struct wren_arpa *lm, const struct graph_words *w,
                  struct wren_fst **out, long *ngrams_dropped);

/* HMM inventory: context-dependent phones collapsed to distinct HMMs (tmat + senones). */
struct graph_hmms {
    int n_hmm;
    int cap;                   /* entries allocated in each array (grown geometrically) */
    int n_emit;
    int *tmat;                 /* [1..n_hmm] */
    int *base;                 /* [1..n_hmm] CI phone */
    int *wpos;                 /* [1..n_hmm] word position (WPOS_*) of the centre phone */
    int *senones;              /* [(h) * n_emit + i] */
    struct wren_bytemap *index;   /* (tmat, base, senones) -> hmm id */
};
void wren_graph_hmms_init(struct graph_hmms *h, int n_emit);
void wren_graph_hmms_free(struct graph_hmms *h);
/* HMM id for an mdef phone used at word position wpos (added if new). The position is part of
 * the identity (as Kaldi's word-position-dependent phones): without it, a word and a split
 * into shorter words could get the same HMM sequence when triphones back off, and the graph
 * would not be functional (not determinisable). */
int wren_graph_hmms_add(struct graph_hmms *h, const struct wren_mdef *mdef, int phone, int wpos);

/* C: context transducer, HMM ids (input) -> word-position phones (output), with n_disambig+2
 * pass-through disambiguation symbols (#0..#n, and #-1 on the start arcs). */
int wren_graph_build_c(const struct wren_mdef *mdef, int n_disambig, struct graph_hmms *hmms,
                  struct wren_fst **out);

/* H: transition ids -> HMM ids, without self-loops; fills the transition table. */
struct graph_tids {
    int n_tid, cap;              /* cap: allocated entries of the arrays below */
    struct wren_transition *t;   /* [1..n_tid] */
    int *tmat, *from, *to;       /* [1..n_tid]: transition matrix, state, destination */
    int *wpos;                   /* [1..n_tid]: word position of the phone (part of the id) */
    int *selfloop_of;            /* [1..n_tid]: tid of the self-loop of `from` state, or 0 */
    float *cost;                 /* [1..n_tid] */
    struct wren_bytemap *index;
};
void wren_graph_tids_free(struct graph_tids *t);
int wren_graph_build_h(const struct graph_hmms *hmms, const struct wren_graph_model *model,
                  int n_disambig, float transition_scale, float self_loop_scale,
                  struct wren_fst **out, struct graph_tids *tids);

/* Add self-loops after determinisation (Kaldi's reorder: at states entered by a forward arc
 * out of HMM state i, splitting states whose incoming arcs come from different states). */
int wren_graph_add_selfloops(struct wren_fst *f, const struct graph_tids *tids);

#endif
