/* rescore-lattice.c — pruned NNLM lattice rescoring (the idea of Kaldi's
 * lattice-lmrescore-kaldi-rnnlm-pruned, written for Wren's lattices):
 *  1. the first-pass LM share is replaced by the n-gram with wren_lattice_lm_rescore (the code
 *     path of `wren lattice lmrescore`), run twice with n-gram scale 0 and 1 on the same input,
 *     which yields the same expanded lattice twice: graph costs "hmm" and "hmm + ngram", so
 *     every arc's HMM and n-gram parts are known apart;
 *  2. backward costs of that lattice (hmm + lm_weight * ngram + wip + acwt * acoustic) are the
 *     heuristic for the rest of a path;
 *  3. the lattice is expanded state by state in topological order; an expanded state is a
 *     (lattice state, last k NNLM words) pair carrying the NNLM state of its best incoming path;
 *     histories that agree on their last k words merge; expanded states (and arcs) whose
 *     forward cost + backward heuristic is more than beam above the best estimate over the
 *     frontier (created states of lattice states not yet expanded) are dropped; all arcs leaving the kept states of one lattice state are
 *     scored with one wren_nnlm_state_score_many call.
 * Not for: n-best rescoring (rescore.c), reading/writing lattices (decoder/lattice-io.c). */
#include "rescore.h"
#include "rescore-internal.h"

#include "error.h"
#include "nnlm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- interned histories: up to k NNLM ids, newest last ---- */
struct hist_set {
    int k;
    int32_t *w;        /* n * (k + 1): length, then ids */
    size_t n, cap;
    int32_t *slot; size_t nslot;
};

static uint64_t hash_ids(const int32_t *h, int n)
{
    uint64_t x = 1469598103934665603ull;
    for (int i = 0; i < n; i++) { x ^= (uint32_t)h[i]; x *= 1099511628211ull; }
    return x;
}

static void hist_rehash(struct hist_set *t, size_t ns)
{
    size_t stride = (size_t)t->k + 1;
    free(t->slot);
    t->slot = wren_xmalloc(ns * sizeof *t->slot);
    for (size_t i = 0; i < ns; i++) t->slot[i] = -1;
    t->nslot = ns;
    for (size_t j = 0; j < t->n; j++) {
        size_t i = hash_ids(t->w + j * stride, t->k + 1) & (ns - 1);
        while (t->slot[i] >= 0) i = (i + 1) & (ns - 1);
        t->slot[i] = (int32_t)j;
    }
}

static int32_t hist_intern(struct hist_set *t, const int32_t *h)
{
    size_t stride = (size_t)t->k + 1;
    if (2 * (t->n + 1) > t->nslot) hist_rehash(t, t->nslot ? 2 * t->nslot : 1024);
    size_t i = hash_ids(h, t->k + 1) & (t->nslot - 1);
    while (t->slot[i] >= 0) {
        if (!memcmp(t->w + (size_t)t->slot[i] * stride, h, stride * sizeof *h)) return t->slot[i];
        i = (i + 1) & (t->nslot - 1);
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 256;
        t->w = wren_xrealloc(t->w, t->cap * stride * sizeof *t->w);
    }
    memcpy(t->w + t->n * stride, h, stride * sizeof *h);
    t->slot[i] = (int32_t)t->n;
    return (int32_t)t->n++;
}

/* The history after appending id to history hid (into buf, k + 1 entries). */
static void hist_extend(const struct hist_set *t, int32_t hid, int32_t id, int32_t *buf)
{
    const int32_t *h = t->w + (size_t)hid * (size_t)(t->k + 1);
    int len = h[0], keep = len < t->k ? len : t->k - 1;
    memset(buf, 0, sizeof *buf * (size_t)(t->k + 1));
    memcpy(buf + 1, h + 1 + len - keep, sizeof *buf * (size_t)keep);
    buf[1 + keep] = id;
    buf[0] = keep + 1;
}

/* ---- (lattice state, history) -> expanded state ---- */
struct xmap { uint64_t *key; int32_t *val; size_t n, cap; };

static int32_t *xmap_slot(struct xmap *m, uint64_t key, int *is_new)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 1024;
        uint64_t *k = wren_xmalloc(nc * sizeof *k);
        int32_t *v = wren_xmalloc(nc * sizeof *v);
        for (size_t i = 0; i < nc; i++) k[i] = UINT64_MAX;
        for (size_t j = 0; j < m->cap; j++) {
            if (m->key[j] == UINT64_MAX) continue;
            size_t i = (m->key[j] * 0x9E3779B97F4A7C15ull >> 17) & (nc - 1);
            while (k[i] != UINT64_MAX) i = (i + 1) & (nc - 1);
            k[i] = m->key[j]; v[i] = m->val[j];
        }
        free(m->key); free(m->val);
        m->key = k; m->val = v; m->cap = nc;
    }
    size_t i = (key * 0x9E3779B97F4A7C15ull >> 17) & (m->cap - 1);
    while (m->key[i] != UINT64_MAX && m->key[i] != key) i = (i + 1) & (m->cap - 1);
    *is_new = m->key[i] == UINT64_MAX;
    if (*is_new) { m->key[i] = key; m->n++; }
    return &m->val[i];
}

struct xstate {
    int32_t s, hid, out, next;     /* next: the following expanded state of the same s */
    double alpha;
    struct wren_nnlm_state *lm;
};

struct expander {
    struct xstate *x; int32_t n, cap;
    int32_t *head;                 /* per lattice state: first expanded state, -1 */
    struct xmap map;
    struct hist_set hs;
    struct wren_lat_builder *b;
    struct fentry { double est; int32_t s; } *heap;   /* frontier estimates alpha + beta, min-heap */
    size_t nheap, capheap;
    double cut;                    /* best frontier estimate + beam when the current state's
                                      expansion began */
};

/* The frontier: estimates of created states whose lattice state is not yet expanded. Entries
 * are never updated (an improvement pushes a new, lower one); entries of expanded lattice
 * states are dropped lazily, so the top is the best estimate over the frontier. */
static void heap_push(struct expander *e, double est, int32_t s)
{
    if (e->nheap == e->capheap) {
        e->capheap = e->capheap ? 2 * e->capheap : 256;
        e->heap = wren_xrealloc(e->heap, sizeof *e->heap * e->capheap);
    }
    size_t i = e->nheap++;
    while (i > 0 && e->heap[(i - 1) / 2].est > est) { e->heap[i] = e->heap[(i - 1) / 2]; i = (i - 1) / 2; }
    e->heap[i].est = est;
    e->heap[i].s = s;
}

static void heap_pop(struct expander *e)
{
    struct fentry last = e->heap[--e->nheap];
    size_t i = 0, n = e->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && e->heap[c + 1].est < e->heap[c].est) c++;
        if (e->heap[c].est >= last.est) break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (n) e->heap[i] = last;
}

/* Best estimate over the frontier when lattice state s is about to be expanded. */
static double frontier_best(struct expander *e, int32_t s)
{
    while (e->nheap && e->heap[0].s < s) heap_pop(e);
    return e->nheap ? e->heap[0].est : INFINITY;
}

/* Find or create (s, hid); returns its index. */
static int32_t expander_get(struct expander *e, int32_t s, int32_t hid)
{
    int is_new;
    int32_t *v = xmap_slot(&e->map, (uint64_t)(uint32_t)s << 32 | (uint32_t)hid, &is_new);
    if (!is_new) return *v;
    if (e->n == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 256;
        e->x = wren_xrealloc(e->x, sizeof *e->x * (size_t)e->cap);
    }
    int32_t i = e->n++;
    e->x[i] = (struct xstate){ s, hid, wren_lat_builder_add_state(e->b), e->head[s], INFINITY, NULL };
    e->head[s] = i;
    *v = i;
    return i;
}

/* Relax expanded state i with a path of cost alpha whose NNLM state is lm (a new reference,
 * consumed). */
static void expander_relax(struct expander *e, int32_t i, double alpha, struct wren_nnlm_state *lm,
                           const double *beta)
{
    struct xstate *x = &e->x[i];
    if (alpha < x->alpha) {
        x->alpha = alpha;
        wren_nnlm_state_free(x->lm);
        x->lm = lm;
        heap_push(e, alpha + beta[x->s], x->s);
    } else {
        wren_nnlm_state_free(lm);
    }
}

static int same_structure(const struct wren_lattice *a, const struct wren_lattice *b)
{
    if (a->n_states != b->n_states || a->n_arcs != b->n_arcs || a->start != b->start) return 0;
    for (int32_t s = 0; s <= a->n_states; s++) if (a->off[s] != b->off[s]) return 0;
    for (int64_t i = 0; i < a->n_arcs; i++)
        if (a->arcs[i].dst != b->arcs[i].dst || a->arcs[i].word != b->arcs[i].word) return 0;
    for (int32_t s = 0; s < a->n_states; s++)
        if ((a->final_g[s] == INFINITY) != (b->final_g[s] == INFINITY)) return 0;
    return 1;
}

/* Backward heuristic over the n-gram lattice (states in topological order). */
static double *backward(const struct wren_rescore_opts *o, const struct wren_lattice *l0,
                        const struct wren_lattice *l1)
{
    double *beta = wren_xmalloc(sizeof *beta * (size_t)l1->n_states);
    for (int32_t s = l1->n_states - 1; s >= 0; s--) {
        double b = INFINITY;
        if (l1->final_g[s] != INFINITY) {
            double ng = (double)l1->final_g[s] - l0->final_g[s];
            b = l0->final_g[s] + o->lm_weight * ng + o->acwt * l1->final_a[s];
        }
        for (int64_t i = l1->off[s]; i < l1->off[s + 1]; i++) {
            const struct wren_lat_arc *a = &l1->arcs[i];
            double ng = (double)a->g - l0->arcs[i].g;
            double c = l0->arcs[i].g + o->lm_weight * ng + (a->word ? o->wip : 0) + o->acwt * a->a + beta[a->dst];
            if (c < b) b = c;
        }
        beta[s] = b;
    }
    return beta;
}

/* An arc is not followed when the path through it, with the n-gram standing in for the NNLM
 * on the arc and after it, is more than beam above the best estimate so far. The estimate is
 * fixed before any arc of the state is followed, so both passes over the arcs agree. */
static int arc_pruned(const struct wren_rescore_opts *o, const struct expander *e,
                      const struct wren_lattice *l0, const struct wren_lattice *l1, int32_t i,
                      int64_t j, const double *beta)
{
    const struct wren_lat_arc *a = &l1->arcs[j];
    double hmm = l0->arcs[j].g, ng = (double)a->g - hmm;
    double c = e->x[i].alpha + hmm + o->lm_weight * ng + (a->word ? o->wip : 0) + o->acwt * a->a +
               beta[a->dst];
    return c > e->cut;
}

/* Expand the kept states of lattice state s (all arcs and the final weight scored at once). */
static int expand_state(struct wren_rescorer *r, const struct wren_rescore_opts *o,
                        struct expander *e, const struct wren_lattice *l0,
                        const struct wren_lattice *l1, int32_t s, const double *beta,
                        struct wren_rescore_stats *st)
{
    int32_t nkeep = 0;
    e->cut = frontier_best(e, s) + o->beam;
    for (int32_t i = e->head[s]; i >= 0; i = e->x[i].next) {
        struct xstate *x = &e->x[i];
        if (x->alpha + beta[s] > e->cut || !x->lm) {
            wren_nnlm_state_free(x->lm);
            x->lm = NULL;
        } else {
            nkeep++;
        }
    }
    if (!nkeep) return 0;
    int64_t narc = l1->off[s + 1] - l1->off[s];
    int is_final = l1->final_g[s] != INFINITY;
    size_t cap = (size_t)nkeep * (size_t)(narc + is_final);
    struct wren_nnlm_state **in = wren_xmalloc(sizeof *in * (cap ? cap : 1));
    struct wren_nnlm_state **next = wren_xmalloc(sizeof *next * (cap ? cap : 1));
    int *words = wren_xmalloc(sizeof *words * (cap ? cap : 1));
    float *lp = wren_xmalloc(sizeof *lp * (cap ? cap : 1));
    int n = 0;
    for (int32_t i = e->head[s]; i >= 0; i = e->x[i].next) {
        if (!e->x[i].lm) continue;
        for (int64_t j = l1->off[s]; j < l1->off[s + 1]; j++) {
            if (!l1->arcs[j].word || arc_pruned(o, e, l0, l1, i, j, beta)) continue;
            int oov;
            in[n] = e->x[i].lm;
            words[n++] = wren_rescorer_nn_id(r, l1->arcs[j].word, &oov);
        }
        if (is_final) { in[n] = e->x[i].lm; words[n++] = WREN_NNLM_EOS; }
    }
    if (n && wren_nnlm_state_score_many(r->nnlm, n, in, words, lp, next)) {
        free(in); free(next); free(words); free(lp);
        return -1;
    }
    st->tokens += n;
    int32_t buf[65];
    int q = 0;
    double wn = o->lm_weight * o->lambda, wg = o->lm_weight * (1.0 - o->lambda);
    for (int32_t i = e->head[s]; i >= 0; i = e->x[i].next) {
        if (!e->x[i].lm) continue;
        for (int64_t j = l1->off[s]; j < l1->off[s + 1]; j++) {
            const struct wren_lat_arc *a = &l1->arcs[j];
            if (arc_pruned(o, e, l0, l1, i, j, beta)) continue;
            double hmm = l0->arcs[j].g, ng = (double)a->g - hmm, g = hmm + wg * ng;
            int32_t hid = e->x[i].hid;
            struct wren_nnlm_state *lm;
            if (a->word) {
                int oov;
                int id = wren_rescorer_nn_id(r, a->word, &oov);
                g += wn * (-(double)lp[q] + r->unk_split * oov) + o->wip + o->oov_penalty * oov;
                lm = next[q++];
                hist_extend(&e->hs, hid, id, buf);
                hid = hist_intern(&e->hs, buf);
            } else {
                lm = wren_nnlm_state_copy(e->x[i].lm);
            }
            int32_t d = expander_get(e, a->dst, hid);   /* may move e->x */
            wren_lat_builder_add_arc(e->b, e->x[i].out, e->x[d].out, a->word, (float)g, a->a,
                                     l1->tids + a->str, a->len);
            expander_relax(e, d, e->x[i].alpha + g + o->acwt * a->a, lm, beta);
            st->hyps++;
        }
        if (is_final) {
            double hmm = l0->final_g[s], ng = (double)l1->final_g[s] - hmm;
            double g = hmm + wg * ng + wn * -(double)lp[q];
            wren_nnlm_state_free(next[q++]);
            wren_lat_builder_set_final(e->b, e->x[i].out, (float)g, l1->final_a[s],
                                       l1->tids + l1->final_str[s], l1->final_len[s]);
        }
        wren_nnlm_state_free(e->x[i].lm);
        e->x[i].lm = NULL;
    }
    free(in); free(next); free(words); free(lp);
    return 0;
}

static void expander_free(struct expander *e)
{
    for (int32_t i = 0; i < e->n; i++) wren_nnlm_state_free(e->x[i].lm);
    free(e->x); free(e->head);
    free(e->map.key); free(e->map.val);
    free(e->hs.w); free(e->hs.slot);
    free(e->heap);
    wren_lat_builder_free(e->b);
}

static int expand(struct wren_rescorer *r, const struct wren_rescore_opts *o,
                  const struct wren_lattice *l0, const struct wren_lattice *l1, const double *beta,
                  struct wren_lattice *out, struct wren_rescore_stats *st)
{
    struct expander e = { 0 };
    e.hs.k = o->history > 64 ? 64 : o->history;
    e.head = wren_xmalloc(sizeof *e.head * (size_t)l1->n_states);
    for (int32_t s = 0; s < l1->n_states; s++) e.head[s] = -1;
    e.b = wren_lat_builder_create();
    int32_t h0[65] = { 0 };
    int32_t x0 = expander_get(&e, l1->start, hist_intern(&e.hs, h0));
    int32_t start = e.x[x0].out;
    expander_relax(&e, x0, 0.0, wren_nnlm_state_begin(r->nnlm), beta);
    int rc = 0;
    for (int32_t s = l1->start; s < l1->n_states && !rc; s++)
        rc = expand_state(r, o, &e, l0, l1, s, beta, st);
    if (!rc) {
        wren_lattice_free(out);   /* the empty lattice wren_rescore_lattice began with */
        wren_lat_builder_finish(e.b, start, out);
        wren_lattice_connect_sort(out);
    }
    expander_free(&e);
    return rc;
}

int wren_rescore_lattice(struct wren_rescorer *r, const struct wren_rescore_opts *o,
                         const struct wren_lattice *in, struct wren_lattice *out,
                         struct wren_rescore_stats *st)
{
    wren_lattice_init(out);
    if (in->start < 0) return 0;
    struct wren_lattice l0, l1;
    if (wren_lattice_lm_rescore(in, r->words, r->first, 1.0f, r->ngram, 0.0f, &l0)) return -1;
    if (wren_lattice_lm_rescore(in, r->words, r->first, 1.0f, r->ngram, 1.0f, &l1)) {
        wren_lattice_free(&l0);
        return -1;
    }
    int rc = 0;
    if (!same_structure(&l0, &l1)) {
        rc = wren_error("internal: the n-gram expansions of one lattice differ");
    } else if (l1.start >= 0) {
        double *beta = backward(o, &l0, &l1);
        rc = expand(r, o, &l0, &l1, beta, out, st);
        if (!rc && out->start < 0) {
            /* the beam lost every complete path: expand again without pruning */
            struct wren_rescore_opts wide = *o;
            wide.beam = INFINITY;
            wren_lattice_free(out);
            rc = expand(r, &wide, &l0, &l1, beta, out, st);
        }
        free(beta);
    }
    wren_lattice_free(&l0);
    wren_lattice_free(&l1);
    return rc;
}
