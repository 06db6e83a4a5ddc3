/* graph-h.c — the HMM transducer H (transition ids -> HMM ids) without self-loops, the table of
 * transition ids, and the late insertion of self-loops into the determinised, minimised graph.
 * A transition id is (CI phone, word position, transition matrix, emitting state i, senone of
 * i, destination j) and consumes one frame of the senone of i (a frame is spent when leaving a state, as in
 * Kaldi); the Sphinx topologies with skips need no special case. Self-loops are added Kaldi's
 * "reorder" way: on each graph state entered by a forward transition out of HMM state i
 * (states whose incoming arcs leave different HMM states are split first).
 * Not for: context dependency (graph-c.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "utils/error.h"
#include "graph/graph-internal.h"
#include "am/mdef.h"

void wren_graph_tids_free(struct graph_tids *t)
{
    free(t->t);
    free(t->tmat);
    free(t->from);
    free(t->to);
    free(t->wpos);
    free(t->selfloop_of);
    free(t->cost);
    wren_bytemap_free(t->index);
    memset(t, 0, sizeof *t);
}

static int tid_get(struct graph_tids *T, int base, int wpos, int tmat, int i, int senone, int j,
                   float cost)
{
    int key[6] = { base, wpos, tmat, i, senone, j };
    long id = wren_bytemap_get(T->index, key, sizeof key, -1);
    if (id >= 0) return (int)id;
    int n = ++T->n_tid;
    if (n + 1 > T->cap) {   /* geometric growth: one realloc per id was quadratic (~2 min under ASan) */
        T->cap = 2 * T->cap + 1024;
        size_t sz = (size_t)T->cap;
        T->t = wren_xrealloc(T->t, sz * sizeof *T->t);
        T->tmat = wren_xrealloc(T->tmat, sz * sizeof(int));
        T->from = wren_xrealloc(T->from, sz * sizeof(int));
        T->to = wren_xrealloc(T->to, sz * sizeof(int));
        T->wpos = wren_xrealloc(T->wpos, sz * sizeof(int));
        T->selfloop_of = wren_xrealloc(T->selfloop_of, sz * sizeof(int));
        T->cost = wren_xrealloc(T->cost, sz * sizeof(float));
    }
    T->t[n] = (struct wren_transition){ senone, base, i, i == j };
    T->tmat[n] = tmat;
    T->from[n] = i;
    T->to[n] = j;
    T->wpos[n] = wpos;
    T->selfloop_of[n] = 0;
    T->cost[n] = cost;
    return (int)wren_bytemap_put(T->index, key, sizeof key, n);
}

static float tcost(float p)
{
    return (float)-log((double)p);
}

/* The costs of leaving state i (row: its transition probabilities, exit last) scaled as
 * Kaldi's transition-scale / self-loop-scale: the self-loop costs sls * -ln a_ii; a forward
 * transition to j costs ts * -ln(a_ij / (1 - a_ii)) + sls * -ln(1 - a_ii), so with both scales
 * 1 every transition costs -ln a_ij. */
struct tscale { float ts, sls; };

static float fwd_cost(const float *row, int i, int j, struct tscale sc)
{
    double self = row[i] > 0 ? (double)row[i] : 0.0;
    if (self >= 1.0) return tcost(row[j]);          /* degenerate row: no renormalisation */
    double rest = 1.0 - self;
    return (float)(sc.ts * -log((double)row[j] / rest) + sc.sls * -log(rest));
}

/* Add the arcs of HMM h to H (hub state 0) and register its transition ids. */
static int add_hmm(struct wren_fst *H, const struct graph_hmms *hm, int h,
                   const struct wren_graph_model *model, struct tscale sc, struct graph_tids *T)
{
    int ne = hm->n_emit, tm = hm->tmat[h], base = hm->base[h], wp = hm->wpos[h];
    if (tm < 0 || tm >= model->n_tmat)
        return wren_error("HMM of phone %d uses transition matrix %d of %d", base, tm, model->n_tmat);
    const float *a = model->tmat[tm];
    const int *sen = hm->senones + (size_t)h * (size_t)ne;
    int node[65];
    node[0] = 0;
    node[ne] = 0;
    for (int i = 1; i < ne; i++) node[i] = wren_fst_add_state(H);
    for (int i = 0; i < ne; i++) {
        const float *row = a + (size_t)i * (size_t)(ne + 1);
        int self = 0;
        if (row[i] > 0) self = tid_get(T, base, wp, tm, i, sen[i], i, sc.sls * tcost(row[i]));
        for (int j = i + 1; j <= ne; j++) {
            if (!(row[j] > 0)) continue;
            float c = fwd_cost(row, i, j, sc);
            int tid = tid_get(T, base, wp, tm, i, sen[i], j, c);
            T->selfloop_of[tid] = self;
            wren_fst_add_arc(H, node[i], tid, i == 0 ? h : 0, c, node[j]);
        }
    }
    return 0;
}

int wren_graph_build_h(const struct graph_hmms *hmms, const struct wren_graph_model *model,
                  int n_disambig, float transition_scale, float self_loop_scale,
                  struct wren_fst **out, struct graph_tids *tids)
{
    struct tscale sc = { transition_scale, self_loop_scale };
    *out = NULL;
    memset(tids, 0, sizeof *tids);
    tids->index = wren_bytemap_new();
    if (hmms->n_emit < 1 || hmms->n_emit > 64)
        return wren_error("unsupported number of emitting states %d", hmms->n_emit);
    struct wren_fst *H = wren_fst_new();
    wren_fst_add_state(H);
    wren_fst_set_start(H, 0);
    wren_fst_set_final(H, 0, 0.0f);
    for (int h = 1; h <= hmms->n_hmm; h++) {
        if (add_hmm(H, hmms, h, model, sc, tids) < 0) {
            wren_fst_free(H);
            return -1;
        }
    }
    for (int d = 0; d <= n_disambig + 1; d++)
        wren_fst_add_arc(H, 0, tids->n_tid + 1 + d, hmms->n_hmm + 1 + d, 0.0f, 0);
    *out = H;
    return 0;
}

/* ---- self-loops ---- */

static int arc_class(const struct graph_tids *T, int ilabel)
{
    return ilabel >= 1 && ilabel <= T->n_tid ? T->selfloop_of[ilabel] : 0;
}

struct split {
    int *primary;              /* class kept by the original state, -1 = no incoming yet */
    struct wren_bytemap *extra;   /* (state, class) -> duplicate state */
};

static int state_for(const struct split *sp, int t, int cls)
{
    if (sp->primary[t] == cls) return t;
    int key[2] = { t, cls };
    long d = wren_bytemap_get(sp->extra, key, sizeof key, -1);
    return d < 0 ? t : (int)d;
}

int wren_graph_add_selfloops(struct wren_fst *f, const struct graph_tids *T)
{
    int n = wren_fst_num_states(f), start = wren_fst_start(f);
    if (start < 0) return 0;
    struct split sp = { wren_xmalloc((size_t)n * sizeof(int)), wren_bytemap_new() };
    for (int s = 0; s < n; s++) sp.primary[s] = -1;
    sp.primary[start] = 0;
    /* Pass 1: the class of each state; a new class on a state makes a duplicate. */
    int *dup_of = NULL, ndup = 0, cap_dup = 0;
    for (int s = 0; s < n; s++) {
        const struct wren_arc *arcs;
        size_t na;
        wren_fst_arcs(f, s, &arcs, &na);
        for (size_t k = 0; k < na; k++) {
            int t = arcs[k].nextstate, cls = arc_class(T, arcs[k].ilabel);
            if (sp.primary[t] < 0) sp.primary[t] = cls;
            if (sp.primary[t] == cls) continue;
            int key[2] = { t, cls };
            if (wren_bytemap_get(sp.extra, key, sizeof key, -1) >= 0) continue;
            if (ndup == cap_dup) {
                cap_dup = 2 * cap_dup + 256;
                dup_of = wren_xrealloc(dup_of, (size_t)cap_dup * 2 * sizeof(int));
            }
            dup_of[2 * ndup] = t;
            dup_of[2 * ndup + 1] = cls;
            wren_bytemap_put(sp.extra, key, sizeof key, n + ndup);
            ndup++;
        }
    }
    /* Pass 2: create the duplicates with copies of the original's arcs and final weight. */
    for (int d = 0; d < ndup; d++) {
        int orig = dup_of[2 * d], s = wren_fst_add_state(f);
        const struct wren_arc *arcs;
        size_t na;
        wren_fst_arcs(f, orig, &arcs, &na);
        wren_fst_reserve_arcs(f, s, na + 1);
        for (size_t k = 0; k < na; k++) {
            wren_fst_arcs(f, orig, &arcs, &na);   /* stays valid: orig is not modified */
            wren_fst_add_arc(f, s, arcs[k].ilabel, arcs[k].olabel, arcs[k].weight,
                             arcs[k].nextstate);
        }
        wren_fst_set_final(f, s, wren_fst_final(f, orig));
    }
    /* Pass 3: redirect each arc to the copy of its target for its class; add self-loops. */
    int total = n + ndup;
    for (int s = 0; s < total; s++) {
        const struct wren_arc *arcs;
        size_t na;
        wren_fst_arcs(f, s, &arcs, &na);
        for (size_t k = 0; k < na; k++) {
            struct wren_arc a = arcs[k];
            int t = state_for(&sp, a.nextstate, arc_class(T, a.ilabel));
            if (t != a.nextstate) {
                a.nextstate = t;
                wren_fst_set_arc(f, s, k, &a);
                wren_fst_arcs(f, s, &arcs, &na);
            }
        }
        int cls = s < n ? sp.primary[s] : dup_of[2 * (s - n) + 1];
        if (cls > 0) wren_fst_add_arc(f, s, cls, 0, T->cost[cls], s);
    }
    free(dup_of);
    free(sp.primary);
    wren_bytemap_free(sp.extra);
    return 0;
}
