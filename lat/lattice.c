/* lattice.c — lattice structure and the algorithms on it (see lattice.h): building, connecting
 * and topological sorting, the word lattice, beam pruning, best path, n-best, oracle, density.
 * Text I/O is in lattice-io.c. Not for: the search (search.c) or LM rescoring.
 *
 * The word lattice (wren_lattice_to_words) is built by "segment Viterbi", not by Kaldi's
 * lattice determinisation. Anchors are the start state, every state with a word arc leaving it,
 * and every final state. A word-lattice arc is a path that starts at an anchor, whose first arc
 * may carry a word (or none), and whose other arcs carry none, ending at the next anchor; of all
 * such paths between the same two anchors with the same word only the best (by g + acwt*a) is
 * kept, with its graph and acoustic costs summed separately and its transition ids as the arc's
 * string. Every word sequence of the state-level lattice stays in the word lattice with its best
 * alignment through each segment, and no path gets a cost that no state-level path has; but,
 * unlike a determinised lattice, one word sequence can appear more than once (with different
 * word boundary times), so n-best extraction removes duplicate word sequences itself. We chose it
 * because it is simple enough to be clearly correct, linear in the lattice for bounded segment
 * fan-in, and keeps word times exact; Kaldi-style determinisation (pair semiring with strings)
 * would make lattices smaller and is left for later. */
#include "lat/lattice.h"

#include "utils/error.h"
#include "utils/heap.h"
#include "utils/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- builder */

struct b_arc {
    int32_t src;
    struct wren_lat_arc arc;
};

struct wren_lat_builder {
    struct b_arc *arcs; size_t n_arcs, cap_arcs;
    int32_t n_states; size_t cap_states;
    float *fg, *fa; int64_t *fstr; int32_t *flen;
    int32_t *tids; size_t n_tids, cap_tids;
    /* wren_lat_builder_create_over: the source array that tids[0 .. n_base) copies; a string
     * inside it is recorded by its offset instead of being copied again */
    uintptr_t base; size_t n_base;
};

static void *grow(void *p, size_t *cap, size_t need, size_t elt)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    *cap = c;
    return wren_xrealloc(p, c * elt);
}

struct wren_lat_builder *wren_lat_builder_create(void)
{
    return wren_xcalloc(1, sizeof(struct wren_lat_builder));
}

struct wren_lat_builder *wren_lat_builder_create_over(const int32_t *tids, int64_t n)
{
    struct wren_lat_builder *b = wren_lat_builder_create();
    if (n <= 0) return b;
    b->tids = wren_xmalloc((size_t)n * sizeof *b->tids);
    memcpy(b->tids, tids, (size_t)n * sizeof *b->tids);
    b->n_tids = b->cap_tids = b->n_base = (size_t)n;
    b->base = (uintptr_t)tids;
    return b;
}

void wren_lat_builder_free(struct wren_lat_builder *b)
{
    if (!b) return;
    free(b->arcs);
    free(b->fg); free(b->fa); free(b->fstr); free(b->flen);
    free(b->tids);
    free(b);
}

int32_t wren_lat_builder_add_state(struct wren_lat_builder *b)
{
    size_t need = (size_t)b->n_states + 1;
    if (need > b->cap_states) {
        size_t c = b->cap_states ? b->cap_states * 2 : 64;
        b->fg = wren_xrealloc(b->fg, c * sizeof *b->fg);
        b->fa = wren_xrealloc(b->fa, c * sizeof *b->fa);
        b->fstr = wren_xrealloc(b->fstr, c * sizeof *b->fstr);
        b->flen = wren_xrealloc(b->flen, c * sizeof *b->flen);
        b->cap_states = c;
    }
    int32_t s = b->n_states++;
    b->fg[s] = INFINITY;
    b->fa[s] = 0;
    b->fstr[s] = 0;
    b->flen[s] = 0;
    return s;
}

static int64_t push_tids(struct wren_lat_builder *b, const int32_t *t, int32_t len)
{
    int64_t at = (int64_t)b->n_tids;
    if (len <= 0) return at;
    /* inside the source array (compared as integers: they may be unrelated pointers) */
    uintptr_t p = (uintptr_t)t;
    if (b->n_base && p >= b->base && (p - b->base) % sizeof *t == 0 &&
        (p - b->base) / sizeof *t + (size_t)len <= b->n_base)
        return (int64_t)((p - b->base) / sizeof *t);
    b->tids = grow(b->tids, &b->cap_tids, b->n_tids + (size_t)len, sizeof *b->tids);
    memcpy(b->tids + b->n_tids, t, sizeof *t * (size_t)len);
    b->n_tids += (size_t)len;
    return at;
}

void wren_lat_builder_add_arc(struct wren_lat_builder *b, int32_t src, int32_t dst, int32_t word,
                              float g, float a, const int32_t *tids, int32_t len)
{
    b->arcs = grow(b->arcs, &b->cap_arcs, b->n_arcs + 1, sizeof *b->arcs);
    struct b_arc *x = &b->arcs[b->n_arcs++];
    x->src = src;
    x->arc = (struct wren_lat_arc){ dst, word, g, a, push_tids(b, tids, len), len };
}

void wren_lat_builder_set_final(struct wren_lat_builder *b, int32_t s, float g, float a,
                                const int32_t *tids, int32_t len)
{
    b->fg[s] = g;
    b->fa[s] = a;
    b->fstr[s] = push_tids(b, tids, len);
    b->flen[s] = len;
}

void wren_lattice_init(struct wren_lattice *l)
{
    memset(l, 0, sizeof *l);
    l->start = -1;
    l->off = wren_xcalloc(1, sizeof *l->off);
}

void wren_lattice_free(struct wren_lattice *l)
{
    if (!l) return;
    free(l->off); free(l->arcs);
    free(l->final_g); free(l->final_a); free(l->final_str); free(l->final_len);
    free(l->tids);
    memset(l, 0, sizeof *l);
    l->start = -1;
}

void wren_lat_builder_finish(struct wren_lat_builder *b, int32_t start, struct wren_lattice *out)
{
    int32_t n = b->n_states;
    memset(out, 0, sizeof *out);
    out->n_states = n;
    out->start = n > 0 ? start : -1;
    out->n_arcs = (int64_t)b->n_arcs;
    out->off = wren_xcalloc((size_t)n + 1, sizeof *out->off);
    out->arcs = wren_xmalloc(sizeof *out->arcs * (b->n_arcs ? b->n_arcs : 1));
    /* counting sort by source, keeping insertion order */
    for (size_t i = 0; i < b->n_arcs; i++) out->off[b->arcs[i].src + 1]++;
    for (int32_t s = 0; s < n; s++) out->off[s + 1] += out->off[s];
    int64_t *pos = wren_xmalloc(sizeof *pos * ((size_t)n + 1));
    memcpy(pos, out->off, sizeof *pos * ((size_t)n + 1));
    for (size_t i = 0; i < b->n_arcs; i++) out->arcs[pos[b->arcs[i].src]++] = b->arcs[i].arc;
    free(pos);
    size_t ns = n ? (size_t)n : 1;
    out->final_g = wren_xmalloc(ns * sizeof(float));
    out->final_a = wren_xmalloc(ns * sizeof(float));
    out->final_str = wren_xmalloc(ns * sizeof(int64_t));
    out->final_len = wren_xmalloc(ns * sizeof(int32_t));
    if (n) {
        memcpy(out->final_g, b->fg, (size_t)n * sizeof(float));
        memcpy(out->final_a, b->fa, (size_t)n * sizeof(float));
        memcpy(out->final_str, b->fstr, (size_t)n * sizeof(int64_t));
        memcpy(out->final_len, b->flen, (size_t)n * sizeof(int32_t));
    }
    out->tids = b->tids ? b->tids : wren_xmalloc(sizeof(int32_t));
    out->n_tids = (int64_t)b->n_tids;
    b->tids = NULL;
    b->n_tids = b->cap_tids = 0;
    b->base = 0;
    b->n_base = 0;
    b->n_arcs = 0;
    b->n_states = 0;
}

/* ---------------------------------------------------------------- connect + sort */

static void copy_arc(struct wren_lat_builder *b, const struct wren_lattice *l, int32_t src,
                     int32_t dst, const struct wren_lat_arc *a)
{
    wren_lat_builder_add_arc(b, src, dst, a->word, a->g, a->a, l->tids + a->str, a->len);
}

void wren_lattice_connect_sort(struct wren_lattice *l)
{
    int32_t n = l->n_states;
    if (l->start < 0 || n == 0) {
        wren_lattice_free(l);
        wren_lattice_init(l);
        return;
    }
    uint8_t *color = wren_xcalloc((size_t)n, 1);        /* 0 white, 1 grey, 2 black */
    uint8_t *back = wren_xcalloc((size_t)(l->n_arcs ? l->n_arcs : 1), 1);
    int32_t *order = wren_xmalloc(sizeof *order * (size_t)n);   /* post-order */
    int32_t n_order = 0;
    int32_t *st_s = wren_xmalloc(sizeof *st_s * (size_t)n);
    int64_t *st_i = wren_xmalloc(sizeof *st_i * (size_t)n);
    int32_t sp = 0;
    st_s[sp] = l->start; st_i[sp] = l->off[l->start]; sp++;
    color[l->start] = 1;
    while (sp) {
        int32_t s = st_s[sp - 1];
        if (st_i[sp - 1] < l->off[s + 1]) {
            int64_t i = st_i[sp - 1]++;
            int32_t d = l->arcs[i].dst;
            if (color[d] == 1) back[i] = 1;
            else if (color[d] == 0) {
                color[d] = 1;
                st_s[sp] = d; st_i[sp] = l->off[d]; sp++;
            }
        } else {
            color[s] = 2;
            order[n_order++] = s;
            sp--;
        }
    }
    /* co-accessibility in post-order (successors first) */
    uint8_t *coacc = wren_xcalloc((size_t)n, 1);
    for (int32_t k = 0; k < n_order; k++) {
        int32_t s = order[k];
        if (l->final_g[s] != INFINITY) coacc[s] = 1;
        for (int64_t i = l->off[s]; i < l->off[s + 1] && !coacc[s]; i++)
            if (!back[i] && coacc[l->arcs[i].dst]) coacc[s] = 1;
    }
    int32_t *newid = wren_xmalloc(sizeof *newid * (size_t)n);
    for (int32_t s = 0; s < n; s++) newid[s] = -1;
    /* the arcs keep their strings where they are (strings of dropped arcs stay unreferenced) */
    struct wren_lat_builder *b = wren_lat_builder_create_over(l->tids, l->n_tids);
    for (int32_t k = n_order - 1; k >= 0; k--)
        if (coacc[order[k]]) newid[order[k]] = wren_lat_builder_add_state(b);
    for (int32_t k = n_order - 1; k >= 0; k--) {
        int32_t s = order[k];
        if (newid[s] < 0) continue;
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            const struct wren_lat_arc *a = &l->arcs[i];
            if (back[i] || newid[a->dst] < 0) continue;
            copy_arc(b, l, newid[s], newid[a->dst], a);
        }
        if (l->final_g[s] != INFINITY)
            wren_lat_builder_set_final(b, newid[s], l->final_g[s], l->final_a[s],
                                       l->tids + l->final_str[s], l->final_len[s]);
    }
    int32_t start = newid[l->start];
    struct wren_lattice out;
    wren_lat_builder_finish(b, start, &out);
    wren_lat_builder_free(b);
    if (start < 0) {
        wren_lattice_free(&out);
        wren_lattice_init(&out);
    }
    wren_lattice_free(l);
    *l = out;
    free(color); free(back); free(order); free(st_s); free(st_i); free(coacc); free(newid);
}

void wren_lattice_add_word_penalty(struct wren_lattice *l, float penalty)
{
    for (int64_t i = 0; i < l->n_arcs; i++)
        if (l->arcs[i].word) l->arcs[i].g += penalty;
}

void wren_lattice_scale_acoustic(struct wren_lattice *l, float s)
{
    for (int64_t i = 0; i < l->n_arcs; i++) l->arcs[i].a *= s;
    for (int32_t q = 0; q < l->n_states; q++)
        if (l->final_g[q] != INFINITY) l->final_a[q] *= s;
}

/* ---------------------------------------------------------------- word lattice */

/* States come out of the segment search's heap in increasing order (topological, as the
 * input is sorted). */
static int state_less(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    return *(const int32_t *)a < *(const int32_t *)b;
}

struct seg_ctx {
    const struct wren_lattice *in;
    float acwt;
    const uint8_t *anchor;
    const int32_t *newid;
    double *dist;
    int64_t *bp;
    uint8_t *queued;
    int32_t *touched; size_t n_touched, cap_touched;
    struct wren_heap h;        /* int32_t states */
    int32_t *str; size_t cap_str;
    struct wren_lat_builder *b;
};

static void seg_relax(struct seg_ctx *c, int64_t i, double base)
{
    const struct wren_lat_arc *a = &c->in->arcs[i];
    double cost = base + a->g + c->acwt * a->a;
    int32_t d = a->dst;
    if (cost < c->dist[d]) {
        if (c->dist[d] == INFINITY) {
            c->touched = grow(c->touched, &c->cap_touched, c->n_touched + 1, sizeof *c->touched);
            c->touched[c->n_touched++] = d;
        }
        c->dist[d] = cost;
        c->bp[d] = i;
        if (!c->queued[d]) { c->queued[d] = 1; wren_heap_push(&c->h, &d); }
    }
}

/* Emit the best segment from anchor `from` to anchor `to` (traced back through bp). */
static void seg_emit(struct seg_ctx *c, int32_t from, int32_t to, int32_t word)
{
    const struct wren_lattice *in = c->in;
    double g = 0, a = 0;
    size_t n = 0;
    /* collect arcs backwards, then the strings forwards */
    int32_t x = to;
    int64_t *path = NULL; size_t np = 0, cp = 0;
    do {
        int64_t i = c->bp[x];
        path = grow(path, &cp, np + 1, sizeof *path);
        path[np++] = i;
        g += in->arcs[i].g;
        a += in->arcs[i].a;
        n += (size_t)in->arcs[i].len;
        /* find the source of arc i: it is the state whose arc range holds i */
        int32_t lo = 0, hi = in->n_states - 1;
        while (lo < hi) {
            int32_t mid = lo + (hi - lo + 1) / 2;
            if (in->off[mid] <= i) lo = mid; else hi = mid - 1;
        }
        x = lo;
    } while (x != from);
    c->str = grow(c->str, &c->cap_str, n + 1, sizeof *c->str);
    size_t k = 0;
    for (size_t j = np; j-- > 0;) {
        const struct wren_lat_arc *arc = &in->arcs[path[j]];
        memcpy(c->str + k, in->tids + arc->str, sizeof *c->str * (size_t)arc->len);
        k += (size_t)arc->len;
    }
    free(path);
    wren_lat_builder_add_arc(c->b, c->newid[from], c->newid[to], word, (float)g, (float)a, c->str, (int32_t)k);
}

static void seg_reset(struct seg_ctx *c)
{
    for (size_t i = 0; i < c->n_touched; i++) {
        c->dist[c->touched[i]] = INFINITY;
        c->queued[c->touched[i]] = 0;
    }
    c->n_touched = 0;
    wren_heap_clear(&c->h);
}

static void segments_from(struct seg_ctx *c, int32_t A)
{
    const struct wren_lattice *in = c->in;
    /* distinct first-arc words, in order of appearance */
    for (int64_t i = in->off[A]; i < in->off[A + 1]; i++) {
        int32_t w = in->arcs[i].word;
        int seen = 0;
        for (int64_t j = in->off[A]; j < i && !seen; j++) seen = in->arcs[j].word == w;
        if (seen) continue;
        for (int64_t j = i; j < in->off[A + 1]; j++)
            if (in->arcs[j].word == w) seg_relax(c, j, 0.0);
        while (wren_heap_size(&c->h)) {
            int32_t x;
            wren_heap_pop(&c->h, &x);
            if (c->anchor[x]) {
                seg_emit(c, A, x, w);
                continue;
            }
            for (int64_t j = in->off[x]; j < in->off[x + 1]; j++) seg_relax(c, j, c->dist[x]);
        }
        seg_reset(c);
    }
}

int wren_lattice_to_words(const struct wren_lattice *in, float acwt, struct wren_lattice *out)
{
    int32_t n = in->n_states;
    if (in->start < 0 || n == 0) {
        wren_lattice_init(out);
        return 0;
    }
    for (int32_t s = 0; s < n; s++)
        for (int64_t i = in->off[s]; i < in->off[s + 1]; i++)
            if (in->arcs[i].dst <= s) {
                wren_lattice_init(out);
                return wren_error("lattice: not topologically sorted (arc %d -> %d)", s, in->arcs[i].dst);
            }
    uint8_t *anchor = wren_xcalloc((size_t)n, 1);
    int32_t *newid = wren_xmalloc(sizeof *newid * (size_t)n);
    struct seg_ctx c = { 0 };
    wren_heap_init(&c.h, sizeof(int32_t), state_less, NULL);
    c.b = wren_lat_builder_create();
    for (int32_t s = 0; s < n; s++) {
        anchor[s] = s == in->start || in->final_g[s] != INFINITY;
        for (int64_t i = in->off[s]; i < in->off[s + 1] && !anchor[s]; i++)
            if (in->arcs[i].word) anchor[s] = 1;
        newid[s] = anchor[s] ? wren_lat_builder_add_state(c.b) : -1;
        if (in->final_g[s] != INFINITY)
            wren_lat_builder_set_final(c.b, newid[s], in->final_g[s], in->final_a[s],
                                       in->tids + in->final_str[s], in->final_len[s]);
    }
    c.in = in;
    c.acwt = acwt;
    c.anchor = anchor;
    c.newid = newid;
    c.dist = wren_xmalloc(sizeof *c.dist * (size_t)n);
    for (int32_t s = 0; s < n; s++) c.dist[s] = INFINITY;
    c.bp = wren_xmalloc(sizeof *c.bp * (size_t)n);
    c.queued = wren_xcalloc((size_t)n, 1);
    for (int32_t s = 0; s < n; s++)
        if (anchor[s]) segments_from(&c, s);
    wren_lat_builder_finish(c.b, newid[in->start], out);
    wren_lat_builder_free(c.b);
    free(anchor); free(newid); free(c.dist); free(c.bp); free(c.queued); free(c.touched);
    wren_heap_free(&c.h); free(c.str);
    wren_lattice_connect_sort(out);
    return 0;
}

/* ---------------------------------------------------------------- forward/backward */

static double arc_cost(const struct wren_lat_arc *a, float acwt) { return (double)a->g + acwt * (double)a->a; }

static double final_cost(const struct wren_lattice *l, int32_t s, float acwt)
{
    if (l->final_g[s] == INFINITY) return INFINITY;
    return (double)l->final_g[s] + acwt * (double)l->final_a[s];
}

/* Lattices handed to these functions are sorted (state ids increase along arcs): every
 * constructor here sorts, and the reader sorts what it reads. */
static double *forward(const struct wren_lattice *l, float acwt, int64_t *bp)
{
    double *al = wren_xmalloc(sizeof *al * (size_t)(l->n_states ? l->n_states : 1));
    for (int32_t s = 0; s < l->n_states; s++) { al[s] = INFINITY; if (bp) bp[s] = -1; }
    if (l->start >= 0) al[l->start] = 0;
    for (int32_t s = 0; s < l->n_states; s++) {
        if (al[s] == INFINITY) continue;
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            double c = al[s] + arc_cost(&l->arcs[i], acwt);
            int32_t d = l->arcs[i].dst;
            if (c < al[d]) { al[d] = c; if (bp) bp[d] = i; }
        }
    }
    return al;
}

static double *backward(const struct wren_lattice *l, float acwt)
{
    double *be = wren_xmalloc(sizeof *be * (size_t)(l->n_states ? l->n_states : 1));
    for (int32_t s = l->n_states - 1; s >= 0; s--) {
        double b = final_cost(l, s, acwt);
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            double c = arc_cost(&l->arcs[i], acwt) + be[l->arcs[i].dst];
            if (c < b) b = c;
        }
        be[s] = b;
    }
    return be;
}

void wren_lattice_prune(struct wren_lattice *l, float acwt, float beam)
{
    if (l->start < 0) return;
    double *al = forward(l, acwt, NULL), *be = backward(l, acwt);
    double best = be[l->start];
    double lim = best + beam + 1e-4 + 1e-7 * fabs(best);   /* sums in another order round differently */
    struct wren_lat_builder *b = wren_lat_builder_create();
    for (int32_t s = 0; s < l->n_states; s++) wren_lat_builder_add_state(b);
    for (int32_t s = 0; s < l->n_states; s++) {
        if (al[s] + be[s] > lim) continue;
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            const struct wren_lat_arc *a = &l->arcs[i];
            if (al[s] + arc_cost(a, acwt) + be[a->dst] <= lim) copy_arc(b, l, s, a->dst, a);
        }
        if (al[s] + final_cost(l, s, acwt) <= lim)
            wren_lat_builder_set_final(b, s, l->final_g[s], l->final_a[s], l->tids + l->final_str[s],
                                       l->final_len[s]);
    }
    struct wren_lattice out;
    wren_lat_builder_finish(b, l->start, &out);
    wren_lat_builder_free(b);
    free(al); free(be);
    wren_lattice_free(l);
    *l = out;
    wren_lattice_connect_sort(l);
}

/* ---------------------------------------------------------------- paths */

void wren_path_free(struct wren_path *p)
{
    if (!p) return;
    free(p->words); free(p->word_start); free(p->word_frames); free(p->tids);
    memset(p, 0, sizeof *p);
}

void wren_path_word_span(const struct wren_path *p, int i, const uint8_t *filler, int32_t n_filler,
                         int32_t *start, int32_t *frames)
{
    int32_t b = p->word_start[i], e = b + p->word_frames[i];
    if (filler) {
        int32_t b2 = b, e2 = e;
        while (b2 < e2 && p->tids[b2] <= n_filler && filler[p->tids[b2]]) b2++;
        while (e2 > b2 && p->tids[e2 - 1] <= n_filler && filler[p->tids[e2 - 1]]) e2--;
        if (b2 < e2) { b = b2; e = e2; }
    }
    *start = b;
    *frames = e - b;
}

/* Fill *p from arcs[0..n) (indices into l->arcs, in path order) ending in final state `fin`. */
static void make_path(const struct wren_lattice *l, const int64_t *arcs, int n, int32_t fin,
                      struct wren_path *p)
{
    memset(p, 0, sizeof *p);
    int nw = 0, nt = 0;
    for (int k = 0; k < n; k++) { nw += l->arcs[arcs[k]].word != 0; nt += l->arcs[arcs[k]].len; }
    nt += l->final_len[fin];
    p->words = wren_xmalloc(sizeof *p->words * (size_t)(nw + 1));
    p->word_start = wren_xmalloc(sizeof *p->word_start * (size_t)(nw + 1));
    p->word_frames = wren_xmalloc(sizeof *p->word_frames * (size_t)(nw + 1));
    p->tids = wren_xmalloc(sizeof *p->tids * (size_t)(nt + 1));
    int t = 0;
    for (int k = 0; k < n; k++) {
        const struct wren_lat_arc *a = &l->arcs[arcs[k]];
        if (a->word) {
            p->words[p->n_words] = a->word;
            p->word_start[p->n_words] = t;
            p->word_frames[p->n_words] = a->len;
            p->n_words++;
        }
        memcpy(p->tids + t, l->tids + a->str, sizeof *p->tids * (size_t)a->len);
        t += a->len;
        p->g += a->g;
        p->a += a->a;
    }
    memcpy(p->tids + t, l->tids + l->final_str[fin], sizeof *p->tids * (size_t)l->final_len[fin]);
    t += l->final_len[fin];
    p->n_tids = t;
    p->g += l->final_g[fin];
    p->a += l->final_a[fin];
}

static int32_t arc_src(const struct wren_lattice *l, int64_t i)
{
    int32_t lo = 0, hi = l->n_states - 1;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo + 1) / 2;
        if (l->off[mid] <= i) lo = mid; else hi = mid - 1;
    }
    return lo;
}

int wren_lattice_best_path(const struct wren_lattice *l, float acwt, struct wren_path *p)
{
    memset(p, 0, sizeof *p);
    if (l->start < 0) return wren_error("lattice is empty");
    int64_t *bp = wren_xmalloc(sizeof *bp * (size_t)l->n_states);
    double *al = forward(l, acwt, bp);
    double best = INFINITY;
    int32_t fin = -1;
    for (int32_t s = 0; s < l->n_states; s++) {
        double c = al[s] + final_cost(l, s, acwt);
        if (c < best) { best = c; fin = s; }
    }
    if (fin < 0) { free(bp); free(al); return wren_error("lattice has no complete path"); }
    int n = 0;
    for (int32_t s = fin; s != l->start; s = arc_src(l, bp[s])) n++;
    int64_t *arcs = wren_xmalloc(sizeof *arcs * (size_t)(n + 1));
    int k = n;
    for (int32_t s = fin; s != l->start; s = arc_src(l, bp[s])) arcs[--k] = bp[s];
    make_path(l, arcs, n, fin, p);
    free(arcs); free(bp); free(al);
    return 0;
}

struct nb_entry {
    int32_t state;       /* -1: complete path (final weight taken) */
    int32_t from;        /* final state for complete entries */
    int64_t arc;         /* arc taken to get here (-1 at start / completion) */
    int64_t parent;
    double cost;         /* cost so far */
    double prio;
};

/* The n-best heap holds indices of entries, least priority first; ctx is the address of the
 * (growing) entry array. */
static int nb_less(const void *a, const void *b, const void *ctx)
{
    const struct nb_entry *e = *(const struct nb_entry *const *)ctx;
    return e[*(const int64_t *)a].prio < e[*(const int64_t *)b].prio;
}

static int same_words(const struct wren_path *p, const int32_t *w, int n)
{
    return p->n_words == n && (n == 0 || !memcmp(p->words, w, sizeof *w * (size_t)n));
}

int wren_lattice_nbest(const struct wren_lattice *l, float acwt, int n, int64_t max_expand,
                       struct wren_path **paths)
{
    *paths = NULL;
    if (l->start < 0 || n <= 0) return 0;
    double *be = backward(l, acwt);
    struct nb_entry *e = NULL; size_t ne = 0, ce = 0;
    struct wren_heap h;
    wren_heap_init(&h, sizeof(int64_t), nb_less, &e);
    struct wren_path *out = wren_xcalloc((size_t)n, sizeof *out);
    int found = 0;
    int64_t *arcs = NULL; size_t carcs = 0;
    int32_t *w = NULL; size_t cw = 0;
    e = grow(e, &ce, 1, sizeof *e);
    e[ne] = (struct nb_entry){ l->start, -1, -1, -1, 0, be[l->start] };
    wren_heap_push(&h, &(int64_t){ (int64_t)ne++ });
    while (wren_heap_size(&h) && found < n) {
        int64_t x;
        wren_heap_pop(&h, &x);
        struct nb_entry cur = e[x];
        if (cur.prio == INFINITY) break;
        if (cur.state < 0) {
            /* a complete path: its arcs by walking the parents */
            size_t na = 0;
            for (int64_t y = cur.parent; y >= 0 && e[y].arc >= 0; y = e[y].parent) na++;
            arcs = grow(arcs, &carcs, na + 1, sizeof *arcs);
            size_t k = na;
            for (int64_t y = cur.parent; y >= 0 && e[y].arc >= 0; y = e[y].parent) arcs[--k] = e[y].arc;
            int nw = 0;
            w = grow(w, &cw, na + 1, sizeof *w);
            for (size_t j = 0; j < na; j++) if (l->arcs[arcs[j]].word) w[nw++] = l->arcs[arcs[j]].word;
            int dup = 0;
            for (int j = 0; j < found && !dup; j++) dup = same_words(&out[j], w, nw);
            if (!dup) make_path(l, arcs, (int)na, cur.from, &out[found++]);
            continue;
        }
        if ((int64_t)ne >= max_expand) break;
        int32_t s = cur.state;
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            const struct wren_lat_arc *a = &l->arcs[i];
            double c = cur.cost + arc_cost(a, acwt);
            e = grow(e, &ce, ne + 1, sizeof *e);
            e[ne] = (struct nb_entry){ a->dst, -1, i, x, c, c + be[a->dst] };
            wren_heap_push(&h, &(int64_t){ (int64_t)ne++ });
        }
        if (l->final_g[s] != INFINITY) {
            double c = cur.cost + final_cost(l, s, acwt);
            e = grow(e, &ce, ne + 1, sizeof *e);
            e[ne] = (struct nb_entry){ -1, s, -1, x, c, c };
            wren_heap_push(&h, &(int64_t){ (int64_t)ne++ });
        }
    }
    free(be); free(e); wren_heap_free(&h); free(arcs); free(w);
    if (!found) { free(out); out = NULL; }
    *paths = out;
    return found;
}

/* ---------------------------------------------------------------- oracle */

int wren_lattice_oracle(const struct wren_lattice *l, const int32_t *ref, int n_ref,
                        struct wren_path *p)
{
    memset(p, 0, sizeof *p);
    if (l->start < 0) {
        /* no lattice: every reference word is deleted */
        p->words = wren_xmalloc(sizeof *p->words);
        p->word_start = wren_xmalloc(sizeof(int32_t));
        p->word_frames = wren_xmalloc(sizeof(int32_t));
        p->tids = wren_xmalloc(sizeof(int32_t));
        return n_ref;
    }
    size_t N = (size_t)n_ref + 1, n = (size_t)l->n_states;
    int *cost = wren_xmalloc(sizeof *cost * n * N);
    int64_t *bp = wren_xmalloc(sizeof *bp * n * N);   /* arc index, or -1 deletion, -2 start */
    int32_t *bj = wren_xmalloc(sizeof *bj * n * N);   /* previous ref position */
    for (size_t i = 0; i < n * N; i++) { cost[i] = 1 << 29; bp[i] = -3; }
    cost[(size_t)l->start * N] = 0;
    bp[(size_t)l->start * N] = -2;
    for (int32_t s = 0; s < l->n_states; s++) {
        int *cs = cost + (size_t)s * N;
        for (size_t j = 0; j + 1 < N; j++)
            if (cs[j] + 1 < cs[j + 1]) {
                cs[j + 1] = cs[j] + 1;
                bp[(size_t)s * N + j + 1] = -1;
                bj[(size_t)s * N + j + 1] = (int32_t)j;
            }
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            const struct wren_lat_arc *a = &l->arcs[i];
            size_t d = (size_t)a->dst * N;
            for (size_t j = 0; j < N; j++) {
                if (cs[j] >= 1 << 29) continue;
                if (!a->word) {
                    if (cs[j] < cost[d + j]) { cost[d + j] = cs[j]; bp[d + j] = i; bj[d + j] = (int32_t)j; }
                    continue;
                }
                if (cs[j] + 1 < cost[d + j]) { cost[d + j] = cs[j] + 1; bp[d + j] = i; bj[d + j] = (int32_t)j; }
                if (j + 1 < N) {
                    int c = cs[j] + (a->word == ref[j] ? 0 : 1);
                    if (c < cost[d + j + 1]) { cost[d + j + 1] = c; bp[d + j + 1] = i; bj[d + j + 1] = (int32_t)j; }
                }
            }
        }
    }
    int best = 1 << 29;
    int32_t fin = -1;
    for (int32_t s = 0; s < l->n_states; s++)
        if (l->final_g[s] != INFINITY && cost[(size_t)s * N + N - 1] < best) {
            best = cost[(size_t)s * N + N - 1];
            fin = s;
        }
    if (fin < 0) {
        free(cost); free(bp); free(bj);
        return wren_error("lattice has no complete path");
    }
    /* trace back: collect the arcs of the path */
    int64_t *arcs = NULL; size_t na = 0, ca = 0;
    int32_t s = fin;
    size_t j = N - 1;
    while (bp[(size_t)s * N + j] != -2) {
        int64_t b = bp[(size_t)s * N + j];
        int32_t pj = bj[(size_t)s * N + j];
        if (b >= 0) {
            arcs = grow(arcs, &ca, na + 1, sizeof *arcs);
            arcs[na++] = b;
            s = arc_src(l, b);
        }
        j = (size_t)pj;
    }
    for (size_t k = 0; k < na / 2; k++) { int64_t t = arcs[k]; arcs[k] = arcs[na - 1 - k]; arcs[na - 1 - k] = t; }
    make_path(l, arcs, (int)na, fin, p);
    free(arcs); free(cost); free(bp); free(bj);
    return best;
}

/* ---------------------------------------------------------------- figures */

int32_t *wren_lattice_state_times(const struct wren_lattice *l)
{
    if (l->start < 0) return NULL;
    int32_t *time = wren_xmalloc((size_t)l->n_states * sizeof *time);
    for (int32_t s = 0; s < l->n_states; s++) time[s] = -1;
    time[l->start] = 0;
    for (int32_t s = l->start; s < l->n_states; s++) {
        if (time[s] < 0) continue;
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++)
            if (time[l->arcs[i].dst] < 0) time[l->arcs[i].dst] = time[s] + l->arcs[i].len;
    }
    return time;
}

int wren_lattice_frames(const struct wren_lattice *l)
{
    if (l->start < 0) return 0;
    int *len = wren_xcalloc((size_t)l->n_states, sizeof *len);
    int best = 0;
    for (int32_t s = 0; s < l->n_states; s++) {
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            int c = len[s] + l->arcs[i].len;
            if (c > len[l->arcs[i].dst]) len[l->arcs[i].dst] = c;
        }
        if (l->final_g[s] != INFINITY && len[s] + l->final_len[s] > best) best = len[s] + l->final_len[s];
    }
    free(len);
    return best;
}

void wren_lattice_density(const struct wren_lattice *l, int frames, double *arcs_per_frame, double *depth)
{
    double sum = 0;
    for (int64_t i = 0; i < l->n_arcs; i++) sum += l->arcs[i].len;
    for (int32_t s = 0; s < l->n_states; s++)
        if (l->final_g[s] != INFINITY) sum += l->final_len[s];
    *arcs_per_frame = frames > 0 ? (double)l->n_arcs / frames : 0;
    *depth = frames > 0 ? sum / frames : 0;
}
