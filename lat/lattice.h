/* lattice.h — lattices with graph and acoustic costs kept apart (Kaldi's lattice weight: a pair
 * (graph cost, acoustic cost) compared by graph + acwt * acoustic) and a transition-id string on
 * every arc and final weight, as Kaldi's CompactLattice. The same struct holds the state-level
 * lattice the search emits (strings of length 0/1) and the word lattice made from it.
 * Operations: build, topological sort, word lattice, beam pruning, best path, n-best, oracle
 * WER against a reference, CTM, and Kaldi's compact-lattice text format (read/write, .gz).
 * Not for: the search (search.h), LM rescoring (see lattice-lm.c when present). */
#ifndef WREN_LATTICE_H
#define WREN_LATTICE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

struct wren_lat_arc {
    int32_t dst;
    int32_t word;        /* 0 = epsilon */
    float g, a;          /* graph cost, acoustic cost (-ln p, unscaled) */
    int64_t str;         /* tids at lat->tids[str .. str + len) */
    int32_t len;
};

struct wren_lattice {
    int32_t n_states, start;         /* start = -1: empty lattice */
    int64_t n_arcs;
    int64_t *off;                    /* arcs of s: arcs[off[s] .. off[s+1]) */
    struct wren_lat_arc *arcs;
    float *final_g, *final_a;        /* final_g = INFINITY: not final */
    int64_t *final_str;
    int32_t *final_len;
    int32_t *tids;
    int64_t n_tids;
};

/* ---- building ---- */
struct wren_lat_builder;
struct wren_lat_builder *wren_lat_builder_create(void);
/* A builder for a lattice made from another's arcs (an expansion, a pruned copy): its
 * transition-id array starts as a copy of tids [n], and an arc or final string that lies inside
 * that array (passed as a pointer into it, which must stay valid while arcs are added) is
 * recorded by its offset instead of copied again. Strings may then be shared by many arcs. */
struct wren_lat_builder *wren_lat_builder_create_over(const int32_t *tids, int64_t n);
void wren_lat_builder_free(struct wren_lat_builder *b);
int32_t wren_lat_builder_add_state(struct wren_lat_builder *b);
void wren_lat_builder_add_arc(struct wren_lat_builder *b, int32_t src, int32_t dst, int32_t word,
                              float g, float a, const int32_t *tids, int32_t len);
void wren_lat_builder_set_final(struct wren_lat_builder *b, int32_t s, float g, float a,
                                const int32_t *tids, int32_t len);
/* Move the result into *out (builder is reset). start may be -1 when there are no states. */
void wren_lat_builder_finish(struct wren_lat_builder *b, int32_t start, struct wren_lattice *out);

void wren_lattice_init(struct wren_lattice *l);   /* empty */
void wren_lattice_free(struct wren_lattice *l);

/* Keep only states on some start->final path, renumber them in topological order (state ids
 * increase along every arc). Arcs that close a cycle are dropped (a lattice from the search
 * has cycles only if the graph has epsilon cycles; those arcs are never on a best path
 * unless the cycle costs 0). */
void wren_lattice_connect_sort(struct wren_lattice *l);

/* Add `penalty` to the graph cost of every arc with a word (a word insertion penalty, as Kaldi's
 * lattice-add-penalty; negative = bonus). */
void wren_lattice_add_word_penalty(struct wren_lattice *l, float penalty);

/* Multiply acoustic costs by s (e.g. 1/acwt to unscale). */
void wren_lattice_scale_acoustic(struct wren_lattice *l, float s);

/* The word lattice of a state-level lattice: see lattice.c for the construction (the best
 * alignment of each word segment between two "anchor" states is kept; costs stay apart).
 * acwt weighs acoustic costs when choosing the best alignment. The input must be sorted. */
int wren_lattice_to_words(const struct wren_lattice *in, float acwt, struct wren_lattice *out);

/* Determinise on Kaldi's lattice semiring (see lattice-det.c): one path per word sequence,
 * with its best path's graph and acoustic costs and alignment; pruned: only arcs on paths
 * within beam of the best are made (beam = INFINITY: all). -1 (out left empty) if the
 * result would exceed max_states states. */
int wren_lattice_determinize(const struct wren_lattice *in, float acwt, float beam,
                             int64_t max_states, struct wren_lattice *out);

/* The k lattices parts in sequence (lattice-concat.c): each final weight of a part becomes an
 * epsilon arc to the next part's start. Given starts (the frame where each part begins in the
 * audio; NULL: none), that arc also spans the frames between the end of the previous part and
 * the start of the next, as gap_tid (a filler's) at no cost. Parts without a start are passed
 * over. out is new. */
void wren_lattice_concat(const struct wren_lattice *parts, int k, const int64_t *starts, int32_t gap_tid,
                         struct wren_lattice *out);

/* The lattice of a search over the frames a VAD kept, on the audio's frames (lattice-pad.c):
 * kept[i] is the audio frame of searched frame i (n of them, increasing) and kept[n] the
 * audio's number of frames; each dropped frame becomes a filler tid (no cost) in every string
 * where it was, so that every path's frames are the audio's. -1 with a message (out holds
 * nothing) if the map is not increasing or the lattice's states have no single frame each. out
 * is new. */
int wren_lattice_pad_frames(const struct wren_lattice *in, const int *kept, int n, int32_t tid,
                            struct wren_lattice *out);

/* Drop arcs and states not on a path within beam of the best (cost g + acwt * a). */
void wren_lattice_prune(struct wren_lattice *l, float acwt, float beam);

/* ---- paths ---- */
struct wren_path {
    int32_t *words; int n_words;     /* non-epsilon words */
    int32_t *word_start, *word_frames;   /* per word: first frame, frames (from the tid strings) */
    int32_t *tids; int n_tids;       /* the whole alignment */
    double g, a;                     /* costs of the path (acoustic unscaled) */
};
void wren_path_free(struct wren_path *p);
/* Word i's frames without the silence and noise frames at its edges (filler: per tid, 1 for a
 * silence or noise phone, n_filler entries; NULL: untrimmed; a word of fillers only keeps them). */
void wren_path_word_span(const struct wren_path *p, int i, const uint8_t *filler, int32_t n_filler,
                         int32_t *start, int32_t *frames);
/* Best path by g + acwt * a; -1 with a message if the lattice has no complete path. */
int wren_lattice_best_path(const struct wren_lattice *l, float acwt, struct wren_path *p);
/* Up to n best paths with distinct word sequences, best first (A* over the lattice; gives up
 * after max_expand partial paths). Returns the number found (>= 0) into *paths (caller frees
 * each and the array). */
int wren_lattice_nbest(const struct wren_lattice *l, float acwt, int n, int64_t max_expand,
                       struct wren_path **paths);

/* Oracle: the lattice path with fewest edits against ref[0..n_ref) (ids; -1 = a word the
 * graph does not know, never matched). Returns the edit count, the path's words in *p. */
int wren_lattice_oracle(const struct wren_lattice *l, const int32_t *ref, int n_ref,
                        struct wren_path *p);

/* Minimum-Bayes-risk decoding (lattice-mbr.c): the word sequence that minimises the expected
 * word errors under the lattice's posteriors (P(path) ~ exp(-(g + acwt * a))), by the
 * edit-distance recursion of Xu et al. 2011 (Kaldi's lattice-mbr-decode) started from the best
 * path and improved while the expected errors fall (at most max_iter updates). Each word has
 * its confidence: its posterior at its position. The lattice must be topologically sorted
 * (as wren decode writes them). An empty lattice gives an empty result. */
struct wren_mbr_word {
    int32_t word;
    float conf;                 /* posterior of the word at its position, 0..1 */
    int32_t start, frames;      /* posterior-weighted mean start frame and duration; where they
                                 * overlap the previous word's, the overlap is split at its middle */
};
struct wren_mbr_result {
    struct wren_mbr_word *words; int n_words;
    double loss, map_loss;      /* expected errors of the result and of the best path */
    int iterations;             /* updates taken */
};
int wren_lattice_mbr(const struct wren_lattice *l, float acwt, int max_iter, struct wren_mbr_result *r);
/* The same with word times that leave out the silence and noise frames at the edges of each
 * word's arcs (tid_filler: per transition id 0..max_tid, 1 for a silence or noise phone; NULL: no
 * trimming), as the decoder's best path does. Where the result is the best path word for word,
 * its words get the best path's times (exact, where the others are posterior-weighted means). */
int wren_lattice_mbr_trimmed(const struct wren_lattice *l, float acwt, int max_iter, const uint8_t *tid_filler,
                             int32_t max_tid, struct wren_mbr_result *r);
void wren_mbr_result_free(struct wren_mbr_result *r);

/* Each state's first frame: the frames of the tid strings on a path from the start (all
 * paths agree in a lattice from the search); -1 for a state not reachable from the start.
 * Malloc'd, n_states entries (NULL for an empty lattice). The lattice must be sorted. */
int32_t *wren_lattice_state_times(const struct wren_lattice *l);

/* log(exp(a) + exp(b)), -INFINITY being log 0 (forward-backward over lattice weights). */
static inline double wren_lat_log_add(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/* Frame-level posteriors of transition ids (lattice-post.c): forward-backward with path
 * weights exp(-(g + acwt * a)); every arc and final weight with posterior >= min_post adds it
 * to each (frame, tid) of its string (frames counted from the start state). The result is
 * sorted by frame, then tid, one entry per pair; *out is malloc'd (NULL when empty). The
 * lattice must be topologically sorted. 0, or -1 with a message. */
struct wren_tid_post {
    int32_t frame, tid;
    float post;
};
int wren_lattice_tid_posteriors(const struct wren_lattice *l, float acwt, float min_post,
                                struct wren_tid_post **out, int64_t *n);

/* Density figures: arcs per frame and depth (average arcs crossing a frame). */
void wren_lattice_density(const struct wren_lattice *l, int frames, double *arcs_per_frame,
                          double *depth);
/* Frames covered by the longest path (sum of tid-string lengths). */
int wren_lattice_frames(const struct wren_lattice *l);

/* ---- Kaldi compact-lattice text ("key" line, "src dst word g,a,t1_t2" arcs, "s g,a,t" finals,
 *      blank line) ---- */
int wren_lattice_write(FILE *f, const char *key, const struct wren_lattice *l);
/* Read the next lattice; returns 1 when one was read, 0 at end of input, -1 on error
 * (message names `name` and the line). *key is malloc'd. *line counts lines read so far. */
int wren_lattice_read(FILE *f, const char *name, int *line, char **key, struct wren_lattice *l);

/* LM-cost replacement (n-gram lattice rescoring; see lattice-lm.c): graph costs get
 * new_scale * (-ln P_new) - old_scale * (-ln P_old) per word and for </s>, histories expanded
 * to the longer model's order - 1. Words are matched to the ARPA models by spelling through
 * `words` (words.txt). old_lm may be NULL (only add the new LM). */
struct wren_arpa;
struct wren_symtab;
int wren_lattice_lm_rescore(const struct wren_lattice *in, const struct wren_symtab *words,
                            const struct wren_arpa *old_lm, float old_scale,
                            const struct wren_arpa *new_lm, float new_scale,
                            struct wren_lattice *out);
/* The same with two new-LM scales from one expansion: out0 and out1 have identical structure
 * (NNLM lattice rescoring needs the lattice with the n-gram at scales 0 and 1). */
int wren_lattice_lm_rescore2(const struct wren_lattice *in, const struct wren_symtab *words,
                             const struct wren_arpa *old_lm, float old_scale,
                             const struct wren_arpa *new_lm, float new_scale0, float new_scale1,
                             struct wren_lattice *out0, struct wren_lattice *out1);

/* Output files for lattices (and other text) written atomically; a name ending in .gz is
 * gzip-compressed. "-" is stdout. */
struct wren_text_out;
int wren_text_out_open(const char *path, struct wren_text_out **out);
FILE *wren_text_out_file(struct wren_text_out *o);
int wren_text_out_commit(struct wren_text_out *o);   /* frees o */
void wren_text_out_abort(struct wren_text_out *o);   /* frees o */

#endif
