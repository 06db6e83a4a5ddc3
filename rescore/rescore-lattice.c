/* rescore-lattice.c — pruned NNLM lattice rescoring (the idea of Kaldi's
 * lattice-lmrescore-kaldi-rnnlm-pruned, written for Wren's lattices), batched over lattices:
 *  1. the first-pass LM share is replaced by the n-gram with wren_lattice_lm_rescore2 (the code
 *     path of `wren lattice lmrescore`), one expansion written with n-gram scale 0 and 1: the
 *     same expanded lattice twice, graph costs "hmm" and "hmm + ngram", so every arc's HMM and
 *     n-gram parts are known apart;
 *  2. backward costs of that lattice (hmm + lm_weight * ngram + wip + acwt * acoustic) are the
 *     heuristic for the rest of a path;
 *  3. the lattice is expanded with NNLM states level by level (rescore-expand.c). Up to
 *     o->lattice_batch lattices are expanded side by side: in one step every unfinished
 *     lattice expands its next level of states, and the (history, word) requests of all of them
 *     are scored with one wren_nnlm_state_score_many call (GEMMs over the whole batch instead
 *     of a few rows each). Each lattice's expansion is exactly the one-at-a-time one; a slot
 *     whose lattice is done takes the next lattice, the longest first.
 * Not for: n-best rescoring (rescore.c), reading/writing lattices (lat/lattice-io.c). */
#include "rescore/rescore.h"
#include "rescore/rescore-internal.h"

#include "utils/error.h"
#include "nnlm/nnlm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* One lattice being rescored: its n-gram expansions, heuristic and current expander. */
struct lat_job {
    struct wren_lattice l0, l1;
    double *beta;
    struct wren_lat_expander *e;
    int wide;                      /* the expander runs without pruning (second attempt) */
    struct wren_lattice *out;
    struct wren_rescore_stats *st;
};

static void job_free(struct lat_job *j)
{
    if (!j) return;
    wren_lat_expander_free(j->e);
    free(j->beta);
    wren_lattice_free(&j->l0);
    wren_lattice_free(&j->l1);
    free(j);
}

/* Start rescoring in (out must be initialised). *job is NULL when there is nothing to expand
 * (out stays empty). */
static int job_start(struct wren_rescorer *r, const struct wren_rescore_opts *o,
                     const struct wren_lattice *in, struct wren_lattice *out,
                     struct wren_rescore_stats *st, struct lat_job **job)
{
    *job = NULL;
    if (in->start < 0) return 0;
    struct lat_job *j = wren_xcalloc(1, sizeof *j);
    /* l0 and l1 stay zeroed (freeable): wren_lattice_lm_rescore overwrites its output without
     * freeing it, so an initialised (allocated) lattice here would leak */
    j->out = out; j->st = st;
    if (wren_lattice_lm_rescore2(in, r->words, r->first, 1.0f, r->ngram, 0.0f, 1.0f, &j->l0, &j->l1)) {
        job_free(j);
        return -1;
    }
    if (!same_structure(&j->l0, &j->l1)) {
        job_free(j);
        return wren_error("internal: the n-gram expansions of one lattice differ");
    }
    if (j->l1.start < 0) { job_free(j); return 0; }
    j->beta = backward(o, &j->l0, &j->l1);
    j->e = wren_lat_expander_create(r, o, &j->l0, &j->l1, j->beta, st);
    *job = j;
    return 0;
}

/* Append the job's next requests to q: 1, or 0 when its lattice is done (written to out). */
static int job_collect(struct wren_rescorer *r, const struct wren_rescore_opts *o,
                       struct lat_job *j, struct wren_nnlm_requests *q)
{
    for (;;) {
        if (wren_lat_expander_collect(j->e, q)) return 1;
        wren_lattice_free(j->out);
        wren_lat_expander_finish(j->e, j->out);
        wren_lat_expander_free(j->e);
        j->e = NULL;
        if (j->out->start >= 0 || j->wide) return 0;
        /* the beam lost every complete path: expand again without pruning */
        struct wren_rescore_opts wide = *o;
        wide.beam = INFINITY;
        j->wide = 1;
        wren_lattice_free(j->out);
        j->e = wren_lat_expander_create(r, &wide, &j->l0, &j->l1, j->beta, j->st);
    }
}

/* Longest lattices first: the batch keeps its width until the end instead of finishing with a
 * few long lattices scored almost one at a time (the number of steps of a lattice is at most its
 * number of levels, which grows with its number of states). */
struct by_size { int32_t states; int idx; };

static int by_size_cmp(const void *a, const void *b)
{
    const struct by_size *x = a, *y = b;
    if (x->states != y->states) return x->states > y->states ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

int wren_rescore_lattices(struct wren_rescorer *r, const struct wren_rescore_opts *o, int n,
                          const struct wren_lattice *in, struct wren_lattice *out,
                          struct wren_rescore_stats *st, int *failed)
{
    int k = o->lattice_batch > 0 ? o->lattice_batch : 1;
    if (k > n) k = n;
    struct lat_job **slot = wren_xcalloc(k > 0 ? (size_t)k : 1, sizeof *slot);
    int *slot_of = wren_xmalloc(sizeof *slot_of * (size_t)(k > 0 ? k : 1));   /* lattice index */
    struct wren_nnlm_requests q = { 0 };
    int next_in = 0, rc = 0;
    struct by_size *order = wren_xmalloc(sizeof *order * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) order[i] = (struct by_size){ in[i].n_states, i };
    qsort(order, (size_t)n, sizeof *order, by_size_cmp);
    *failed = -1;
    for (int i = 0; i < n; i++) wren_lattice_init(&out[i]);
    for (;;) {
        int active = 0;
        for (int s = 0; s < k && !rc; s++) {
            while (!slot[s] && next_in < n && !rc) {
                slot_of[s] = order[next_in++].idx;
                rc = job_start(r, o, &in[slot_of[s]], &out[slot_of[s]], &st[slot_of[s]], &slot[s]);
                if (rc) *failed = slot_of[s];
            }
            if (rc || !slot[s]) continue;
            if (job_collect(r, o, slot[s], &q)) {
                active++;
            } else {
                job_free(slot[s]);
                slot[s] = NULL;
                s--;   /* refill this slot */
            }
        }
        if (rc || !active) break;
        if (wren_rescore_runs_nnlm(o)) {
            r->nnlm_calls++;
            if (wren_nnlm_state_score_many(r->nnlm, q.n, q.states, q.words, q.lp, q.next)) {
                rc = -1;
                break;
            }
        } else {
            /* the expansion is kept (same lattices), the network skipped */
            for (int i = 0; i < q.n; i++) { q.lp[i] = 0.0f; q.next[i] = wren_nnlm_state_copy(q.states[i]); }
        }
        for (int s = 0; s < k; s++)
            if (slot[s]) wren_lat_expander_consume(slot[s]->e, &q);
        q.n = 0;
    }
    for (int s = 0; s < k; s++) job_free(slot[s]);
    free(slot);
    free(slot_of);
    free(order);
    wren_nnlm_requests_free(&q);
    if (rc)
        for (int i = 0; i < n; i++) wren_lattice_free(&out[i]);
    return rc;
}

int wren_rescore_lattice(struct wren_rescorer *r, const struct wren_rescore_opts *o,
                         const struct wren_lattice *in, struct wren_lattice *out,
                         struct wren_rescore_stats *st)
{
    struct wren_rescore_opts one = *o;
    int failed;
    one.lattice_batch = 1;
    return wren_rescore_lattices(r, &one, 1, in, out, st, &failed);
}
