/* lattice-det.c — determinisation of a word lattice on Kaldi's lattice semiring: weights are
 * (graph, acoustic) pairs compared by graph + acwt * acoustic, and every weight carries a
 * transition-id string. The result has one path per word sequence, with the graph and
 * acoustic costs and the alignment of that word sequence's best path (as Kaldi's
 * DeterminizeLattice): subsets hold (state, residual weight, residual string); the arc taken
 * into a subset carries the best weight and the longest common prefix of the strings.
 * Epsilon-word arcs are followed inside subsets. The input must be acyclic and sorted.
 * A guard on the output size returns -1 (caller keeps the input) instead of blowing up.
 * Not for: pruning or paths (lattice.c). */
#include "lat/lattice.h"

#include "utils/error.h"
#include "utils/hashmap.h"
#include "utils/heap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct elem {
    int32_t state;
    double g, a;
    int64_t str;     /* into the string pool */
    int32_t len;
};

struct subset {
    struct elem *e;
    int n;
    uint64_t hash;
    int32_t id;      /* output state */
    double alpha;    /* best cost from the start to this subset */
    double rest;     /* min over elements of residual + best cost to the end */
    int done;
};

struct qent { double prio; int64_t set; };

struct det {
    const struct wren_lattice *in;
    float acwt;
    int32_t *pool; int64_t n_pool, cap_pool, max_pool;
    struct subset *sets; int64_t n_sets, cap_sets;
    struct wren_hashmap index;   /* set ids by their subsets */
    struct wren_heap states;     /* closure: int32_t states to expand, least first */
    struct wren_lat_builder *b;
    int64_t max_states;
    /* scratch */
    struct elem *tmp; int64_t cap_tmp;
    int32_t *best_at; /* per input state: index into tmp, -1 */
};

/* Append pool[a .. a+na) followed by b[0..nb) (b outside the pool); returns the offset. */
static int64_t pool_put(struct det *d, int64_t a, int32_t na, const int32_t *b, int32_t nb)
{
    if (!d->pool || d->n_pool + na + nb > d->cap_pool) {   /* never NULL: callers add offsets */
        int64_t c = d->cap_pool ? d->cap_pool : 1 << 16;
        while (c < d->n_pool + na + nb) c *= 2;
        d->pool = wren_xrealloc(d->pool, (size_t)c * sizeof *d->pool);
        d->cap_pool = c;
    }
    int64_t at = d->n_pool;
    if (na) memmove(d->pool + at, d->pool + a, sizeof(int32_t) * (size_t)na);
    if (nb) memcpy(d->pool + at + na, b, sizeof *b * (size_t)nb);
    d->n_pool += na + nb;
    return at;
}

/* -1 if x is better than y (lower cost; ties: shorter, then smaller string). */
static int elem_cmp(const struct det *d, const struct elem *x, const struct elem *y)
{
    double cx = x->g + d->acwt * x->a, cy = y->g + d->acwt * y->a;
    if (cx < cy) return -1;
    if (cx > cy) return 1;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    int c = memcmp(d->pool + x->str, d->pool + y->str, sizeof(int32_t) * (size_t)x->len);
    return c < 0 ? -1 : c > 0;
}

/* Add a candidate to the scratch subset, keeping the best per state. */
static void add_cand(struct det *d, int64_t *n, struct elem e)
{
    int32_t k = d->best_at[e.state];
    if (k >= 0) {
        if (elem_cmp(d, &e, &d->tmp[k]) < 0) d->tmp[k] = e;
        return;
    }
    if (*n + 1 > d->cap_tmp) {
        d->cap_tmp = d->cap_tmp ? d->cap_tmp * 2 : 256;
        d->tmp = wren_xrealloc(d->tmp, (size_t)d->cap_tmp * sizeof *d->tmp);
    }
    d->best_at[e.state] = (int32_t)*n;
    d->tmp[(*n)++] = e;
}

static int cmp_state(const void *x, const void *y)
{
    const struct elem *a = x, *b = y;
    return (a->state > b->state) - (a->state < b->state);
}

static int state_less(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    return *(const int32_t *)a < *(const int32_t *)b;
}

/* Follow epsilon-word arcs from tmp[0..n) (best_at set for its states): states are taken in
 * increasing order (the input is sorted, so arcs go to larger states), hence each is expanded
 * once, with its best residual. Clears best_at. */
static void closure(struct det *d, int64_t *n)
{
    const struct wren_lattice *in = d->in;
    wren_heap_clear(&d->states);
    for (int64_t i = 0; i < *n; i++) wren_heap_push(&d->states, &d->tmp[i].state);
    while (wren_heap_size(&d->states)) {
        int32_t q;
        wren_heap_pop(&d->states, &q);
        struct elem e = d->tmp[d->best_at[q]];
        for (int64_t j = in->off[q]; j < in->off[q + 1]; j++) {
            const struct wren_lat_arc *arc = &in->arcs[j];
            if (arc->word) continue;
            int32_t k = d->best_at[arc->dst];
            double cx = e.g + arc->g + d->acwt * (e.a + arc->a);
            if (k >= 0 && d->tmp[k].g + d->acwt * d->tmp[k].a <= cx) continue;
            struct elem x = { arc->dst, e.g + arc->g, e.a + arc->a, 0, e.len + arc->len };
            x.str = pool_put(d, e.str, e.len, in->tids + arc->str, arc->len);
            if (k >= 0) {
                d->tmp[k] = x;
            } else {
                add_cand(d, n, x);
                wren_heap_push(&d->states, &arc->dst);
            }
        }
    }
    for (int64_t i = 0; i < *n; i++) d->best_at[d->tmp[i].state] = -1;
}

static uint64_t subset_hash(const struct det *d, const struct elem *e, int n)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < n; i++) {
        uint64_t v[3] = { (uint64_t)(uint32_t)e[i].state, (uint64_t)llround(e[i].g * 1024),
                          (uint64_t)llround(e[i].a * 1024) };
        for (int k = 0; k < 3; k++) { h ^= v[k]; h *= 1099511628211ull; }
        for (int32_t k = 0; k < e[i].len; k++) { h ^= (uint32_t)d->pool[e[i].str + k]; h *= 1099511628211ull; }
        h ^= 0xff; h *= 1099511628211ull;
    }
    return h;
}

static int subset_eq(const struct det *d, const struct subset *s, const struct elem *e, int n)
{
    if (s->n != n) return 0;
    for (int i = 0; i < n; i++) {
        const struct elem *x = &s->e[i], *y = &e[i];
        if (x->state != y->state || x->len != y->len || llround(x->g * 1024) != llround(y->g * 1024) ||
            llround(x->a * 1024) != llround(y->a * 1024))
            return 0;
        if (memcmp(d->pool + x->str, d->pool + y->str, sizeof(int32_t) * (size_t)x->len)) return 0;
    }
    return 1;
}

/* A subset as the index looks it up. */
struct subset_key { const struct elem *e; int n; uint64_t hash; };

static uint64_t subset_hash_of(const void *ctx, uint32_t id)
{
    return ((const struct det *)ctx)->sets[id].hash;
}

static int subset_key_eq(const void *ctx, uint32_t id, const void *key)
{
    const struct det *d = ctx;
    const struct subset_key *k = key;
    return d->sets[id].hash == k->hash && subset_eq(d, &d->sets[id], k->e, k->n);
}

/* Find or add the subset tmp[0..n) (sorted); returns its set index, *is_new. */
static int64_t find_subset(struct det *d, int n, int *is_new)
{
    struct subset_key k = { d->tmp, n, subset_hash(d, d->tmp, n) };
    wren_hashmap_reserve(&d->index, (size_t)d->n_sets + 1, subset_hash_of, d);
    size_t at = wren_hashmap_probe(&d->index, k.hash, &k, subset_key_eq, d);
    if (wren_hashmap_id_at(&d->index, at) >= 0) { *is_new = 0; return wren_hashmap_id_at(&d->index, at); }
    if (d->n_sets + 1 > d->cap_sets) {
        d->cap_sets = d->cap_sets ? d->cap_sets * 2 : 256;
        d->sets = wren_xrealloc(d->sets, (size_t)d->cap_sets * sizeof *d->sets);
    }
    struct subset *s = &d->sets[d->n_sets];
    s->e = wren_xmalloc((size_t)(n ? n : 1) * sizeof *s->e);
    memcpy(s->e, d->tmp, (size_t)n * sizeof *s->e);
    s->n = n;
    s->hash = k.hash;
    s->id = wren_lat_builder_add_state(d->b);
    s->alpha = INFINITY;
    s->rest = INFINITY;
    s->done = 0;
    wren_hashmap_put_at(&d->index, at, (uint32_t)d->n_sets);
    *is_new = 1;
    return d->n_sets++;
}

/* Normalise tmp[0..n): take out the best weight and the common string prefix. */
static void normalise(struct det *d, int64_t n, double *g, double *a, int64_t *str, int32_t *len)
{
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++) if (elem_cmp(d, &d->tmp[i], &d->tmp[best]) < 0) best = i;
    *g = d->tmp[best].g;
    *a = d->tmp[best].a;
    int32_t p = d->tmp[0].len;
    for (int64_t i = 1; i < n; i++) {
        int32_t k = 0, m = d->tmp[i].len < p ? d->tmp[i].len : p;
        while (k < m && d->pool[d->tmp[i].str + k] == d->pool[d->tmp[0].str + k]) k++;
        p = k;
    }
    *str = d->tmp[0].str;
    *len = p;
    for (int64_t i = 0; i < n; i++) {
        d->tmp[i].g -= *g;
        d->tmp[i].a -= *a;
        d->tmp[i].str += p;
        d->tmp[i].len -= p;
    }
}

struct cand { int32_t word; struct elem e; };

static int cmp_cand(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;
    return (a->word > b->word) - (a->word < b->word);
}

static int qent_less(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    return ((const struct qent *)a)->prio < ((const struct qent *)b)->prio;
}

static double *best_to_end(const struct wren_lattice *l, float acwt)
{
    double *be = wren_xmalloc(sizeof *be * (size_t)l->n_states);
    for (int32_t s = l->n_states - 1; s >= 0; s--) {
        double b = l->final_g[s] == INFINITY ? INFINITY : l->final_g[s] + (double)acwt * l->final_a[s];
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            double c = l->arcs[i].g + (double)acwt * l->arcs[i].a + be[l->arcs[i].dst];
            if (c < b) b = c;
        }
        be[s] = b;
    }
    return be;
}

static double subset_rest(const struct det *d, const double *beta, const struct elem *e, int n)
{
    double r = INFINITY;
    for (int i = 0; i < n; i++) {
        double c = e[i].g + d->acwt * e[i].a + beta[e[i].state];
        if (c < r) r = c;
    }
    return r;
}

int wren_lattice_determinize(const struct wren_lattice *in, float acwt, float beam, int64_t max_states,
                             struct wren_lattice *out)
{
    wren_lattice_init(out);
    if (in->start < 0) return 0;
    struct det d = { .in = in, .acwt = acwt, .max_states = max_states };
    d.max_pool = (int64_t)1 << 28;
    d.b = wren_lat_builder_create();
    d.best_at = wren_xmalloc((size_t)in->n_states * sizeof *d.best_at);
    for (int32_t s = 0; s < in->n_states; s++) d.best_at[s] = -1;
    double *beta = best_to_end(in, acwt);
    double limit = beta[in->start] + beam + 1e-4;
    struct wren_heap q;          /* struct qent: subsets to expand, best estimate first */
    wren_heap_init(&q, sizeof(struct qent), qent_less, NULL);
    wren_hashmap_init(&d.index, 512);
    wren_heap_init(&d.states, sizeof(int32_t), state_less, NULL);
    int64_t n = 0;
    add_cand(&d, &n, (struct elem){ in->start, 0, 0, 0, 0 });
    closure(&d, &n);
    qsort(d.tmp, (size_t)n, sizeof *d.tmp, cmp_state);
    int is_new;
    int64_t s0 = find_subset(&d, (int)n, &is_new);
    d.sets[s0].alpha = 0;
    d.sets[s0].rest = subset_rest(&d, beta, d.sets[s0].e, d.sets[s0].n);
    wren_heap_push(&q, &(struct qent){ d.sets[s0].rest, s0 });
    struct cand *c = NULL; size_t nc = 0, cc = 0;
    int rc = 0;
    while (wren_heap_size(&q) && !rc) {
        struct qent top;
        wren_heap_pop(&q, &top);
        if (d.sets[top.set].done) continue;
        d.sets[top.set].done = 1;
        if (d.n_sets > d.max_states || d.n_pool > d.max_pool) {
            rc = wren_error("lattice determinisation: more than %lld states, gave up", (long long)d.max_states);
            break;
        }
        /* copy: the sets array may move while we add to it */
        int ne = d.sets[top.set].n;
        double alpha = d.sets[top.set].alpha;
        struct elem *S = wren_xmalloc((size_t)(ne ? ne : 1) * sizeof *S);
        memcpy(S, d.sets[top.set].e, (size_t)ne * sizeof *S);
        int32_t src = d.sets[top.set].id;
        /* final weight: the best element that is final */
        int best = -1;
        double bc = INFINITY;
        for (int i = 0; i < ne; i++) {
            int32_t s = S[i].state;
            if (in->final_g[s] == INFINITY) continue;
            double cst = S[i].g + in->final_g[s] + acwt * (S[i].a + in->final_a[s]);
            if (cst < bc) { bc = cst; best = i; }
        }
        if (best >= 0 && alpha + bc <= limit) {
            int32_t s = S[best].state;
            int64_t at = pool_put(&d, S[best].str, S[best].len, in->tids + in->final_str[s], in->final_len[s]);
            wren_lat_builder_set_final(d.b, src, (float)(S[best].g + in->final_g[s]),
                                       (float)(S[best].a + in->final_a[s]), d.pool + at,
                                       S[best].len + in->final_len[s]);
        }
        /* word transitions */
        nc = 0;
        for (int i = 0; i < ne; i++)
            for (int64_t j = in->off[S[i].state]; j < in->off[S[i].state + 1]; j++) {
                const struct wren_lat_arc *arc = &in->arcs[j];
                if (!arc->word) continue;
                double tot = alpha + S[i].g + arc->g + acwt * (S[i].a + arc->a) + beta[arc->dst];
                if (tot > limit) continue;            /* pruned determinisation */
                if (nc + 1 > cc) { cc = cc ? cc * 2 : 64; c = wren_xrealloc(c, cc * sizeof *c); }
                int64_t at = pool_put(&d, S[i].str, S[i].len, in->tids + arc->str, arc->len);
                c[nc++] = (struct cand){ arc->word, { arc->dst, S[i].g + arc->g, S[i].a + arc->a, at, S[i].len + arc->len } };
            }
        if (nc) qsort(c, nc, sizeof *c, cmp_cand);
        for (size_t i = 0; i < nc;) {
            size_t j = i;
            n = 0;
            while (j < nc && c[j].word == c[i].word) add_cand(&d, &n, c[j++].e);
            closure(&d, &n);
            double g, a;
            int64_t str;
            int32_t len;
            normalise(&d, n, &g, &a, &str, &len);
            qsort(d.tmp, (size_t)n, sizeof *d.tmp, cmp_state);
            /* the prefix must survive pool growth: copy it out first */
            int32_t *pre = wren_xmalloc((size_t)(len ? len : 1) * sizeof *pre);
            memcpy(pre, d.pool + str, (size_t)len * sizeof *pre);
            int64_t k = find_subset(&d, (int)n, &is_new);
            double na = alpha + g + acwt * a;
            if (is_new) d.sets[k].rest = subset_rest(&d, beta, d.sets[k].e, d.sets[k].n);
            if (na < d.sets[k].alpha && !d.sets[k].done) {
                d.sets[k].alpha = na;
                wren_heap_push(&q, &(struct qent){ na + d.sets[k].rest, k });
            }
            wren_lat_builder_add_arc(d.b, src, d.sets[k].id, c[i].word, (float)g, (float)a, pre, len);
            free(pre);
            i = j;
        }
        free(S);
    }
    if (!rc) {
        wren_lattice_free(out);
        wren_lat_builder_finish(d.b, d.sets[s0].id, out);
        wren_lattice_connect_sort(out);
    }
    wren_lat_builder_free(d.b);
    for (int64_t i = 0; i < d.n_sets; i++) free(d.sets[i].e);
    free(d.sets); free(d.pool); free(d.tmp); free(d.best_at); free(c); free(beta);
    wren_hashmap_free(&d.index);
    wren_heap_free(&d.states);
    wren_heap_free(&q);
    return rc;
}
