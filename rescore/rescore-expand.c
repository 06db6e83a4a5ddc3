/* rescore-expand.c — the pruned NNLM expansion of one lattice as a resumable object, so that
 * several lattices can be expanded side by side with their NNLM requests scored together
 * (rescore-lattice.c drives it). An expanded state is a (lattice state, last k NNLM words) pair
 * carrying the NNLM state of its best incoming path; histories that agree on their last k words
 * merge. The lattice is expanded level by level, a level being the lattice states whose longest
 * path from the start has the same number of arcs: every arc goes to a higher level, so when a
 * level begins, the paths into its states are complete and all its states can be expanded in
 * one step, their NNLM requests scored together. (Expanding one state at a time in topological
 * order made thousands of steps of a few requests each on n-gram-expanded lattices of at most
 * ~20 levels.) Expanded states (and arcs) whose forward cost + backward heuristic is more than
 * beam above the best estimate over the frontier (created states of levels not yet expanded)
 * when the level began are dropped. Expanding a level is two phases: collect appends the
 * (history, word) pairs of all arcs leaving its kept states (and </s> for a final state) to a
 * request batch; consume takes their scores and next states and builds the output arcs.
 * Between the two nothing of this expansion changes, so the result does not depend on what
 * else is in the batch (up to the last float bits of GEMMs over different batch sizes).
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
    int32_t *level;                /* per lattice state: arcs on its longest path from start */
    int32_t *by_level, *level_off; /* lattice states level by level (topological within one);
                                      level d is by_level[level_off[d] .. level_off[d + 1]) */
    int32_t n_levels;
    struct wren_u64map map;        /* (lattice state, history) -> expanded state */
    struct wren_tuples hs;         /* histories */
    struct wren_lat_builder *b;
    int32_t start;                 /* output start state */
    struct wren_heap frontier;     /* struct fentry: estimates alpha + beta, least first */
    double cut;                    /* best frontier estimate + beam when the current level's
                                      expansion began */
    int32_t d;                     /* the level being expanded (next to expand when no requests
                                      are pending) */
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

/* Best estimate over the frontier when level d is about to be expanded. */
static double frontier_best(struct wren_lat_expander *e, int32_t d)
{
    while (wren_heap_size(&e->frontier) &&
           e->level[((const struct fentry *)wren_heap_top(&e->frontier))->s] < d)
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
 * fixed before any arc of the level is followed, so both phases agree. */
static int arc_pruned(const struct wren_lat_expander *e, int32_t i, int64_t j)
{
    const struct wren_rescore_opts *o = &e->o;
    const struct wren_lat_arc *a = &e->l1->arcs[j];
    double hmm = e->l0->arcs[j].g, ng = (double)a->g - hmm;
    double c = e->x[i].alpha + hmm + o->lm_weight * ng + (a->word ? o->wip : 0) + o->acwt * a->a +
               e->beta[a->dst];
    return c > e->cut;
}

/* Levels of the lattice states (longest path from the start in arcs; the states are in
 * topological order, so one forward pass finds them) and the states grouped by level, a
 * counting sort that keeps the topological order within a level. */
static void levels_init(struct wren_lat_expander *e)
{
    const struct wren_lattice *l1 = e->l1;
    size_t n = (size_t)l1->n_states;
    e->level = wren_xcalloc(n ? n : 1, sizeof *e->level);
    e->n_levels = n ? 1 : 0;
    for (int32_t s = 0; s < l1->n_states; s++)
        for (int64_t j = l1->off[s]; j < l1->off[s + 1]; j++) {
            int32_t t = l1->arcs[j].dst;
            if (e->level[t] < e->level[s] + 1) e->level[t] = e->level[s] + 1;
            if (e->level[t] + 1 > e->n_levels) e->n_levels = e->level[t] + 1;
        }
    e->level_off = wren_xcalloc((size_t)e->n_levels + 1, sizeof *e->level_off);
    for (int32_t s = 0; s < l1->n_states; s++) e->level_off[e->level[s] + 1]++;
    for (int32_t d = 0; d < e->n_levels; d++) e->level_off[d + 1] += e->level_off[d];
    int32_t *fill = wren_xmalloc(sizeof *fill * ((size_t)e->n_levels + 1));
    memcpy(fill, e->level_off, sizeof *fill * ((size_t)e->n_levels + 1));
    e->by_level = wren_xmalloc(sizeof *e->by_level * (n ? n : 1));
    for (int32_t s = 0; s < l1->n_states; s++) e->by_level[fill[e->level[s]]++] = s;
    free(fill);
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
    levels_init(e);
    e->b = wren_lat_builder_create_over(l1->tids, l1->n_tids);   /* arcs keep l1's strings */
    int32_t h0[65] = { 0 };
    int32_t x0 = expander_get(e, l1->start, (int32_t)wren_tuples_intern(&e->hs, h0));
    e->start = e->x[x0].out;
    expander_relax(e, x0, 0.0, wren_nnlm_state_begin(r->nnlm));
    e->d = 0;
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

/* Prune the expanded states of lattice state s against e->cut and append the requests of the
 * kept ones to q. */
static void collect_state(struct wren_lat_expander *e, int32_t s, struct wren_nnlm_requests *q)
{
    const struct wren_lattice *l1 = e->l1;
    int32_t nkeep = 0;
    for (int32_t i = e->head[s]; i >= 0; i = e->x[i].next) {
        struct xstate *x = &e->x[i];
        if (x->alpha + e->beta[s] > e->cut || !x->lm) {
            wren_nnlm_state_free(x->lm);
            x->lm = NULL;
        } else {
            nkeep++;
        }
    }
    if (!nkeep) return;
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
}

/* Fix the cut for level e->d and append the requests of all its states. */
static void collect_level(struct wren_lat_expander *e, struct wren_nnlm_requests *q)
{
    e->cut = frontier_best(e, e->d) + e->o.beam;
    e->q0 = q->n;
    for (int32_t k = e->level_off[e->d]; k < e->level_off[e->d + 1]; k++)
        collect_state(e, e->by_level[k], q);
    e->nq = q->n - e->q0;
    if (wren_rescore_runs_nnlm(&e->o)) e->st->tokens += e->nq;
}

/* Build the output of lattice state s from the scores of its requests: lp and next from entry
 * *qpos on, in the order collect_state appended them; *qpos moves past them. */
static void consume_state(struct wren_lat_expander *e, int32_t s, const float *lp,
                          struct wren_nnlm_state **next, int *qpos)
{
    const struct wren_rescore_opts *o = &e->o;
    const struct wren_lattice *l0 = e->l0, *l1 = e->l1;
    struct wren_rescorer *r = e->r;
    int32_t buf[65];
    int is_final = l1->final_g[s] != INFINITY, q = *qpos;
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
    *qpos = q;
}

/* Build the output of every state of level e->d and move on to the next level. */
static void consume_level(struct wren_lat_expander *e, const float *lp, struct wren_nnlm_state **next)
{
    int q = 0;
    for (int32_t k = e->level_off[e->d]; k < e->level_off[e->d + 1]; k++)
        consume_state(e, e->by_level[k], lp, next, &q);
    e->nq = 0;
    e->d++;
}

int wren_lat_expander_collect(struct wren_lat_expander *e, struct wren_nnlm_requests *q)
{
    while (e->d < e->n_levels) {
        collect_level(e, q);
        if (e->nq) return 1;
        consume_level(e, NULL, NULL);   /* nothing kept, or kept states with epsilon arcs only */
    }
    return 0;
}

void wren_lat_expander_consume(struct wren_lat_expander *e, const struct wren_nnlm_requests *q)
{
    consume_level(e, q->lp + e->q0, q->next + e->q0);
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
    free(e->x); free(e->head); free(e->level); free(e->by_level); free(e->level_off);
    wren_u64map_free(&e->map);
    wren_tuples_free(&e->hs);
    wren_heap_free(&e->frontier);
    wren_lat_builder_free(e->b);
    free(e);
}
