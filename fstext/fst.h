/* fst.h — Wren's C API over OpenFst: weighted transducers over the tropical semiring (float
 * costs = -ln probability, +inf = zero), symbol tables, and the operations graph building
 * needs. The implementation (fst.cc) is the only C++ in Wren; no C++ type or exception crosses
 * this header: every call that can fail returns 0 / -1 with a message in wren_error_msg().
 * An FST is an fst::StdVectorFst; files are OpenFst binary (fstinfo/fstprint read them).
 * Not for: building L, G, C, H or HCLG (see graph.h) or decoding (see search.h).
 *
 * States are 0 .. num_states-1; label 0 is epsilon; WREN_FST_NO_STATE (-1) means "none".
 * Operations that produce a new FST return it through `out` (the caller frees it); the
 * in-place ones modify their argument. Inputs are never modified by the out-of-place ones. */
#ifndef WREN_FST_H
#define WREN_FST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WREN_FST_NO_STATE (-1)

struct wren_fst;     /* opaque: fst::StdVectorFst */
struct wren_symtab;  /* opaque: fst::SymbolTable */

/* One arc. Layout-identical to fst::StdArc (checked by a static_assert in fst.cc), so that
 * wren_fst_arcs() hands out the arcs stored in the FST without copying. */
struct wren_arc {
    int ilabel;       /* 0 = epsilon */
    int olabel;       /* 0 = epsilon */
    float weight;     /* cost, -ln p */
    int nextstate;
};

/* ---- create, copy, files ---- */
struct wren_fst *wren_fst_new(void);
void wren_fst_free(struct wren_fst *f);              /* NULL is fine */
struct wren_fst *wren_fst_copy(const struct wren_fst *f);
/* Read an OpenFst binary file of any arc type convertible to StdArc ("vector" or "const"
 * with standard arcs). -1 + "path: reason" on error. */
int wren_fst_read(const char *path, struct wren_fst **out);
/* Write OpenFst binary (vector type); atomic (temp file + rename). */
int wren_fst_write(const struct wren_fst *f, const char *path);
/* Text form as fstprint writes it (numeric labels when the tables are NULL). */
int wren_fst_write_text(const struct wren_fst *f, const char *path,
                        const struct wren_symtab *isyms, const struct wren_symtab *osyms);
/* Read fstcompile's text format: "src dst ilabel olabel [cost]" or "state [cost]" lines;
 * the first source state is the start state. Labels are numbers, or symbols when the tables
 * are given. -1 + "path:line: reason" on error. */
int wren_fst_read_text(const char *path, const struct wren_symtab *isyms,
                       const struct wren_symtab *osyms, struct wren_fst **out);

/* ---- states and arcs ---- */
int   wren_fst_num_states(const struct wren_fst *f);
int   wren_fst_add_state(struct wren_fst *f);        /* returns the new state's id */
void  wren_fst_reserve_states(struct wren_fst *f, int n);
int   wren_fst_set_start(struct wren_fst *f, int s); /* -1 if s is not a state */
int   wren_fst_start(const struct wren_fst *f);      /* WREN_FST_NO_STATE if none */
int   wren_fst_set_final(struct wren_fst *f, int s, float cost);  /* cost +inf: not final */
float wren_fst_final(const struct wren_fst *f, int s);           /* +inf if not final */
/* Add an arc from s; -1 if s or nextstate is not a state. */
int   wren_fst_add_arc(struct wren_fst *f, int s, int ilabel, int olabel, float weight,
                       int nextstate);
void  wren_fst_reserve_arcs(struct wren_fst *f, int s, size_t n);
size_t wren_fst_num_arcs(const struct wren_fst *f, int s);
size_t wren_fst_total_arcs(const struct wren_fst *f);
/* Input-epsilon arcs leaving s. */
size_t wren_fst_num_input_epsilons(const struct wren_fst *f, int s);
/* The arcs leaving s, in place (no copy): *arcs is valid until f is modified or freed.
 * This is the fast path for copying a whole graph into a decoder's own arrays. */
int   wren_fst_arcs(const struct wren_fst *f, int s, const struct wren_arc **arcs, size_t *n);
/* Replace the i-th arc leaving s. */
int   wren_fst_set_arc(struct wren_fst *f, int s, size_t i, const struct wren_arc *arc);
void  wren_fst_delete_arcs(struct wren_fst *f, int s);
void  wren_fst_delete_states(struct wren_fst *f);     /* empty FST, no start state */

/* OpenFst property bits as 64-bit mask (fst::kAcceptor etc.), computed if test is nonzero. */
uint64_t wren_fst_properties(const struct wren_fst *f, uint64_t mask, int test);
int wren_fst_is_acceptor(const struct wren_fst *f);
int wren_fst_is_ideterministic(const struct wren_fst *f);   /* computes when unknown */
int wren_fst_is_cyclic(const struct wren_fst *f);
/* Symbol tables stored with the FST (copied; NULL clears). */
int wren_fst_set_input_symbols(struct wren_fst *f, const struct wren_symtab *t);
int wren_fst_set_output_symbols(struct wren_fst *f, const struct wren_symtab *t);

/* ---- operations (out-of-place) ---- */
enum wren_compose_filter {
    WREN_COMPOSE_AUTO = 0,     /* OpenFst's default sequence filter */
    WREN_COMPOSE_MATCH,        /* match filter (fewer useless epsilon paths) */
};
/* a ∘ b. Sorts a copy of b by input label (or of a by output label) when neither is sorted;
 * the result is trimmed (connected). */
int wren_fst_compose(const struct wren_fst *a, const struct wren_fst *b, struct wren_fst **out);
int wren_fst_compose_filter(const struct wren_fst *a, const struct wren_fst *b,
                            enum wren_compose_filter filter, int connect, struct wren_fst **out);
/* Determinize (the input must be determinizable: functional transducers, e.g. with
 * disambiguation symbols). log_semiring != 0 determinizes in the log semiring (keeps
 * stochasticity, as Kaldi does), else tropical. delta: quantisation (1/1024 is OpenFst's). */
int wren_fst_determinize(const struct wren_fst *f, int log_semiring, float delta,
                         struct wren_fst **out);
int wren_fst_intersect(const struct wren_fst *a, const struct wren_fst *b, struct wren_fst **out);
int wren_fst_difference(const struct wren_fst *a, const struct wren_fst *b, struct wren_fst **out);
/* n random successful paths (uniform arc choice), as one FST (union of the paths). */
int wren_fst_randgen(const struct wren_fst *f, int npath, uint64_t seed, struct wren_fst **out);
/* Shortest path (n-best, n >= 1); distances in *cost of the best path (may be NULL). */
int wren_fst_shortest_path(const struct wren_fst *f, int n, struct wren_fst **out);
/* Cost of the best successful path (+inf if none). */
int wren_fst_shortest_distance(const struct wren_fst *f, float *cost);

/* ---- operations (in-place) ---- */
/* Minimize a deterministic FST; transducers and weights are encoded (labels and weights are
 * kept on their arcs, as Kaldi's fstminimizeencoded). allow_nondet: accept a
 * non-deterministic input (the result is smaller but not necessarily minimal). */
int wren_fst_minimize(struct wren_fst *f, float delta, int allow_nondet);
int wren_fst_arcsort_ilabel(struct wren_fst *f);
int wren_fst_arcsort_olabel(struct wren_fst *f);
int wren_fst_rmepsilon(struct wren_fst *f);          /* removes eps:eps arcs */
int wren_fst_project_input(struct wren_fst *f);
int wren_fst_project_output(struct wren_fst *f);
int wren_fst_invert(struct wren_fst *f);
int wren_fst_connect(struct wren_fst *f);            /* trim: keep useful states */
/* Push weights toward the initial state (to_final: toward the final states) in the log
 * semiring when log_semiring != 0, else tropical. */
int wren_fst_push_weights(struct wren_fst *f, int to_final, int log_semiring);
/* Replace labels by a table: label l becomes map[l] for 0 <= l < n (others unchanged).
 * Either map may be NULL. */
int wren_fst_relabel(struct wren_fst *f, const int *imap, int ni, const int *omap, int no);
int wren_fst_concat(struct wren_fst *a, const struct wren_fst *b);   /* a := a b */
int wren_fst_union(struct wren_fst *a, const struct wren_fst *b);    /* a := a | b */
int wren_fst_closure_star(struct wren_fst *f);                       /* f := f* */
int wren_fst_closure_plus(struct wren_fst *f);                       /* f := f+ */
/* Renumber states so that they are in topological / DFS order (better locality). */
int wren_fst_topsort(struct wren_fst *f);

/* ---- tests and checks ---- */
/* 1 if the two deterministic acceptors are equivalent, 0 if not, -1 on error. */
int wren_fst_equivalent(const struct wren_fst *a, const struct wren_fst *b, float delta);
/* Random equivalence test of two FSTs (npath random paths), 1/0/-1. */
int wren_fst_randequivalent(const struct wren_fst *a, const struct wren_fst *b, int npath,
                            float delta, uint64_t seed);
/* Stochasticity in the log semiring: over all states, the largest |ln sum_arcs e^-w + final|.
 * *max_dev and *min_dev as Kaldi's fstisstochastic prints them (0 0 = stochastic). */
int wren_fst_stochasticity(const struct wren_fst *f, float *min_dev, float *max_dev);
/* Path weight of the best path that maps input ilabels[0..n-1] to anything (for tests):
 * composes a linear acceptor with f; +inf if not accepted. */
int wren_fst_accept_cost(const struct wren_fst *f, const int *ilabels, size_t n, float *cost);

/* ---- symbol tables ---- */
struct wren_symtab *wren_symtab_new(const char *name);
void wren_symtab_free(struct wren_symtab *t);      /* NULL is fine */
struct wren_symtab *wren_symtab_copy(const struct wren_symtab *t);
/* OpenFst text format: "symbol id" per line. -1 + "path:line: reason" on error. */
int  wren_symtab_read_text(const char *path, struct wren_symtab **out);
int  wren_symtab_write_text(const struct wren_symtab *t, const char *path);  /* atomic */
/* Add a symbol with the next free id (or return its id if present). */
long wren_symtab_add(struct wren_symtab *t, const char *sym);
/* Add with a given id; -1 if the id or the symbol is already used otherwise. */
int  wren_symtab_add_id(struct wren_symtab *t, const char *sym, long id);
long wren_symtab_find(const struct wren_symtab *t, const char *sym);   /* -1 if absent */
/* Symbol of id, or NULL; valid until the next call of this function (per thread). */
const char *wren_symtab_symbol(const struct wren_symtab *t, long id);
long wren_symtab_size(const struct wren_symtab *t);      /* number of symbols */
long wren_symtab_available_key(const struct wren_symtab *t);   /* 1 + largest id */

#ifdef __cplusplus
}
#endif

#endif
