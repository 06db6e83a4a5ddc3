/* rescore-expand.c — the pruned NNLM expansion of one lattice as a resumable object, so that
 * several lattices can be expanded side by side with their NNLM requests scored together
 * (rescore-lattice.c drives it). The lattice is expanded state by state in topological order;
 * an expanded state is a (lattice state, last k NNLM words) pair carrying the NNLM state of its
 * best incoming path; histories that agree on their last k words merge; expanded states (and
 * arcs) whose forward cost + backward heuristic is more than beam above the best estimate over
 * the frontier (created states of lattice states not yet expanded) are dropped. Expanding one
 * lattice state is two phases: collect appends the (history, word) pairs of all arcs leaving
 * its kept states (and </s> for a final state) to a request batch; consume takes their scores
 * and next states and builds the output arcs. Between the two nothing of this expansion
 * changes, so the result does not depend on what else is in the batch (up to the last float
 * bits of GEMMs over different batch sizes).
 * Not for: the n-gram expansions and the backward heuristic (rescore-lattice.c), n-best. */
#include "rescore/rescore.h"
#include "rescore/rescore-internal.h"

#include "utils/error.h"
#include "utils/hashmap.h"
#include "utils/heap.h"
#include "nnlm/nnlm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- interned histories (struct wren_tuples of k + 1): length, then up to k NNLM ids,
 * newest last ---- */

/* The history after appending id to history hid (into buf, k + 1 entries). */
static void hist_extend(const struct wren_tuples *t, int32_t hid, int32_t id, int32_t *buf)
{
    int k = (int)t->len - 1;
    const int32_t *h = wren_tuples_get(t, (uint32_t)hid);
    int len = h[0], keep = len < k ? len : k - 1;
    memset(buf, 0, sizeof *buf * (size_t)(k + 1));
    memcpy(buf + 1, h + 1 + len - keep, sizeof *buf * (size_t)keep);
    buf[1 + keep] = id;
    buf[0] = keep + 1;
}

struct xstate {
    int32_t s, hid, out, next;     /* next: the following expanded state of the same s */
    double alpha;
    struct wren_nnlm_state *lm;
};

struct wren_lat_expander {
    struct wren_rescorer *r;
    struct wren_rescore_opts o;
    const struct wren_lattice *l0, *l1;   /* hmm and hmm + n-gram graph costs, same structure */
    const double *beta;                   /* backward heuristic per lattice state */
    struct wren_rescore_stats *st;
    struct xstate *x; int32_t n, cap;
    int32_t *head;                 /* per lattice state: first expanded state, -1 */
    struct wren_u64map map;        /* (lattice state, history) -> expanded state */
    struct wren_tuples hs;         /* histories */
    struct wren_lat_builder *b;
    int32_t start;                 /* output start state */
    struct wren_heap frontier;     /* struct fentry: estimates alpha + beta, least first */
    double cut;                    /* best frontier estimate + beam when the current state's
                                      expansion began */
    int32_t s;                     /* the lattice state being expanded (next to expand when
                                      no requests are pending) */
    int q0, nq;                    /* its requests: nq entries from q0 of the request batch */
};

/* The frontier: estimates of created states whose lattice state is not yet expanded. Entries
 * are never updated (an improvement pushes a new, lower one); entries of expanded lattice
 * states are dropped lazily, so the top is the best estimate over the frontier. */
struct fentry { double est; int32_t s; };

static int fentry_less(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    return ((const struct fentry *)a)->est < ((const struct fentry *)b)->est;
}

/* Best estimate over the frontier when lattice state s is about to be expanded. */
static double frontier_best(struct wren_lat_expander *e, int32_t s)
{
    while (wren_heap_size(&e->frontier) && ((const struct fentry *)wren_heap_top(&e->frontier))->s < s)
        wren_heap_pop(&e->frontier, NULL);
    return wren_heap_size(&e->frontier) ? ((const struct fentry *)wren_heap_top(&e->frontier))->est : INFINITY;
}

/* Find or create (s, hid); returns its index. */
static int32_t expander_get(struct wren_lat_expander *e, int32_t s, int32_t hid)
{
    int is_new;
    int64_t *v = wren_u64map_put(&e->map, (uint64_t)(uint32_t)s << 32 | (uint32_t)hid, &is_new);
    if (!is_new) return (int32_t)*v;
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
static void expander_relax(struct wren_lat_expander *e, int32_t i, double alpha,
                           struct wren_nnlm_state *lm)
{
    struct xstate *x = &e->x[i];
    if (alpha < x->alpha) {
        x->alpha = alpha;
        wren_nnlm_state_free(x->lm);
        x->lm = lm;
        wren_heap_push(&e->frontier, &(struct fentry){ alpha + e->beta[x->s], x->s });
    } else {
        wren_nnlm_state_free(lm);
    }
}

/* An arc is not followed when the path through it, with the n-gram standing in for the NNLM
 * on the arc and after it, is more than beam above the best estimate so far. The estimate is
 * fixed before any arc of the state is followed, so both phases agree. */
static int arc_pruned(const struct wren_lat_expander *e, int32_t i, int64_t j)
{
    const struct wren_rescore_opts *o = &e->o;
    const struct wren_lat_arc *a = &e->l1->arcs[j];
    double hmm = e->l0->arcs[j].g, ng = (double)a->g - hmm;
    double c = e->x[i].alpha + hmm + o->lm_weight * ng + (a->word ? o->wip : 0) + o->acwt * a->a +
               e->beta[a->dst];
    return c > e->cut;
}

struct wren_lat_expander *wren_lat_expander_create(struct wren_rescorer *r,
                                                   const struct wren_rescore_opts *o,
                                                   const struct wren_lattice *l0,
                                                   const struct wren_lattice *l1,
                                                   const double *beta,
                                                   struct wren_rescore_stats *st)
{
    struct wren_lat_expander *e = wren_xcalloc(1, sizeof *e);
    e->r = r; e->o = *o; e->l0 = l0; e->l1 = l1; e->beta = beta; e->st = st;
    wren_tuples_init(&e->hs, (size_t)(o->history > 64 ? 64 : o->history) + 1);
    wren_u64map_init(&e->map, 0);
    wren_heap_init(&e->frontier, sizeof(struct fentry), fentry_less, NULL);
    e->head = wren_xmalloc(sizeof *e->head * (size_t)l1->n_states);
    for (int32_t s = 0; s < l1->n_states; s++) e->head[s] = -1;
    e->b = wren_lat_builder_create();
    int32_t h0[65] = { 0 };
    int32_t x0 = expander_get(e, l1->start, (int32_t)wren_tuples_intern(&e->hs, h0));
    e->start = e->x[x0].out;
    expander_relax(e, x0, 0.0, wren_nnlm_state_begin(r->nnlm));
    e->s = l1->start;
    return e;
}

static void requests_reserve(struct wren_nnlm_requests *q, size_t more)
{
    if ((size_t)q->n + more <= (size_t)q->cap) return;
    size_t cap = q->cap ? (size_t)q->cap : 256;
    while (cap < (size_t)q->n + more) cap *= 2;
    q->states = wren_xrealloc(q->states, sizeof *q->states * cap);
    q->words = wren_xrealloc(q->words, sizeof *q->words * cap);
    q->lp = wren_xrealloc(q->lp, sizeof *q->lp * cap);
    q->next = wren_xrealloc(q->next, sizeof *q->next * cap);
    q->cap = (int)cap;
}

void wren_nnlm_requests_free(struct wren_nnlm_requests *q)
{
    free(q->states); free(q->words); free(q->lp); free(q->next);
    memset(q, 0, sizeof *q);
}

/* Prune the expanded states of lattice state s and append the requests of the kept ones.
 * Returns the number of kept states. */
static int32_t collect_state(struct wren_lat_expander *e, struct wren_nnlm_requests *q)
{
    const struct wren_lattice *l1 = e->l1;
    int32_t s = e->s, nkeep = 0;
    e->cut = frontier_best(e, s) + e->o.beam;
    for (int32_t i = e->head[s]; i >= 0; i = e->x[i].next) {
        struct xstate *x = &e->x[i];
        if (x->alpha + e->beta[s] > e->cut || !x->lm) {
            wren_nnlm_state_free(x->lm);
            x->lm = NULL;
        } else {
            nkeep++;
        }
    }
    e->q0 = q->n;
    e->nq = 0;
    if (!nkeep) return 0;
    int64_t narc = l1->off[s + 1] - l1->off[s];
    int is_final = l1->final_g[s] != INFINITY;
    requests_reserve(q, (size_t)nkeep * (size_t)(narc + is_final));
    for (int32_t i = e->head[s]; i >= 0; i = e->x[i].next) {
        if (!e->x[i].lm) continue;
        for (int64_t j = l1->off[s]; j < l1->off[s + 1]; j++) {
            if (!l1->arcs[j].word || arc_pruned(e, i, j)) continue;
            int oov;
            q->states[q->n] = e->x[i].lm;
            q->words[q->n++] = wren_rescorer_nn_id(e->r, l1->arcs[j].word, &oov);
        }
        if (is_final) { q->states[q->n] = e->x[i].lm; q->words[q->n++] = WREN_NNLM_EOS; }
    }
    e->nq = q->n - e->q0;
    e->st->tokens += e->nq;
    return nkeep;
}

/* Build the output of lattice state e->s from the scores of its requests (lp, next: its own
 * entries, nq of them) and move on to the next lattice state. */
static void consume_state(struct wren_lat_expander *e, const float *lp,
                          struct wren_nnlm_state **next)
{
    const struct wren_rescore_opts *o = &e->o;
    const struct wren_lattice *l0 = e->l0, *l1 = e->l1;
    struct wren_rescorer *r = e->r;
    int32_t s = e->s, buf[65];
    int is_final = l1->final_g[s] != INFINITY, q = 0;
    struct wren_rescore_lm_weights w = wren_rescore_lm_weights(o);
    double wn = w.nnlm, wg = w.ngram;
    for (int32_t i = e->head[s]; i >= 0; i = e->x[i].next) {
        if (!e->x[i].lm) continue;
        for (int64_t j = l1->off[s]; j < l1->off[s + 1]; j++) {
            const struct wren_lat_arc *a = &l1->arcs[j];
            if (arc_pruned(e, i, j)) continue;
            double hmm = l0->arcs[j].g, ng = (double)a->g - hmm, g = hmm + wg * ng;
            int32_t hid = e->x[i].hid;
            struct wren_nnlm_state *lm;
            if (a->word) {
                int oov;
                int id = wren_rescorer_nn_id(r, a->word, &oov);
                g += wn * (-(double)lp[q] + r->unk_split * oov) + o->wip + o->oov_penalty * oov;
                lm = next[q++];
                hist_extend(&e->hs, hid, id, buf);
                hid = (int32_t)wren_tuples_intern(&e->hs, buf);
            } else {
                lm = wren_nnlm_state_copy(e->x[i].lm);
            }
            int32_t d = expander_get(e, a->dst, hid);   /* may move e->x */
            wren_lat_builder_add_arc(e->b, e->x[i].out, e->x[d].out, a->word, (float)g, a->a,
                                     l1->tids + a->str, a->len);
            expander_relax(e, d, e->x[i].alpha + g + o->acwt * a->a, lm);
            e->st->hyps++;
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
    e->nq = 0;
    e->s++;
}

int wren_lat_expander_collect(struct wren_lat_expander *e, struct wren_nnlm_requests *q)
{
    while (e->s < e->l1->n_states) {
        if (!collect_state(e, q)) { e->s++; continue; }
        if (e->nq) return 1;
        consume_state(e, NULL, NULL);   /* kept states with epsilon arcs only */
    }
    return 0;
}

void wren_lat_expander_consume(struct wren_lat_expander *e, const struct wren_nnlm_requests *q)
{
    consume_state(e, q->lp + e->q0, q->next + e->q0);
}

void wren_lat_expander_finish(struct wren_lat_expander *e, struct wren_lattice *out)
{
    wren_lat_builder_finish(e->b, e->start, out);
    wren_lattice_connect_sort(out);
}

void wren_lat_expander_free(struct wren_lat_expander *e)
{
    if (!e) return;
    for (int32_t i = 0; i < e->n; i++) wren_nnlm_state_free(e->x[i].lm);
    free(e->x); free(e->head);
    wren_u64map_free(&e->map);
    wren_tuples_free(&e->hs);
    wren_heap_free(&e->frontier);
    wren_lat_builder_free(e->b);
    free(e);
}
