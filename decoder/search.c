/* search.c — the lattice-generating beam search (see search.h): tokens per frame with forward
 * links, as Kaldi's LatticeFasterDecoder organises them. Each frame: cut-off from the beam and
 * max-active, mark the senones the surviving tokens need, score them, expand emitting arcs into
 * the next frame, then epsilon arcs within it; every prune_interval frames prune links and
 * tokens whose best path through them is worse than the lattice beam.
 * Not for: the graph loading (search-graph.c) or anything about words (lattice.c). */
#include "decoder/search.h"

#include "decoder/search-pool.h"
#include "utils/error.h"
#include "utils/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- flat graph */

static int cmp_edge(const void *x, const void *y)
{
    const struct wren_hclg_edge *a = x, *b = y;
    if (a->src != b->src) return a->src < b->src ? -1 : 1;
    int ea = a->ilabel == 0, eb = b->ilabel == 0;      /* emitting first */
    if (ea != eb) return ea - eb;
    return 0;
}

int wren_hclg_build(struct wren_hclg *g, int32_t n_states, int32_t start,
                    const struct wren_hclg_edge *e, int64_t n_edges, const float *final)
{
    memset(g, 0, sizeof *g);
    if (n_states <= 0 || start < 0 || start >= n_states)
        return wren_error("graph: start state %d out of range (%d states)", start, n_states);
    for (int64_t i = 0; i < n_edges; i++) {
        if (e[i].src < 0 || e[i].src >= n_states || e[i].dst < 0 || e[i].dst >= n_states)
            return wren_error("graph: arc %lld: state out of range", (long long)i);
        if (e[i].ilabel < 0 || e[i].olabel < 0)
            return wren_error("graph: arc %lld: negative label", (long long)i);
        if (!(e[i].weight == e[i].weight) || e[i].weight == -INFINITY)
            return wren_error("graph: arc %lld: bad weight", (long long)i);
    }
    struct wren_hclg_edge *s = wren_xmalloc(sizeof *s * (size_t)(n_edges ? n_edges : 1));
    if (n_edges) memcpy(s, e, sizeof *s * (size_t)n_edges);
    qsort(s, (size_t)n_edges, sizeof *s, cmp_edge);
    g->n_states = n_states;
    g->start = start;
    g->n_arcs = n_edges;
    g->off = wren_xcalloc((size_t)n_states + 1, sizeof *g->off);
    g->eps = wren_xcalloc((size_t)n_states, sizeof *g->eps);
    g->arcs = wren_xmalloc(sizeof *g->arcs * (size_t)(n_edges ? n_edges : 1));
    g->final = wren_xmalloc(sizeof *g->final * (size_t)n_states);
    int64_t i = 0;
    for (int32_t st = 0; st < n_states; st++) {
        g->off[st] = i;
        g->eps[st] = -1;
        for (; i < n_edges && s[i].src == st; i++) {
            if (s[i].ilabel == 0 && g->eps[st] < 0) g->eps[st] = i;
            g->arcs[i] = (struct wren_hclg_arc){ s[i].ilabel, s[i].olabel, s[i].weight, s[i].dst };
            if (s[i].ilabel > g->max_ilabel) g->max_ilabel = s[i].ilabel;
            if (s[i].olabel > g->max_olabel) g->max_olabel = s[i].olabel;
        }
        if (g->eps[st] < 0) g->eps[st] = i;
        g->final[st] = final ? final[st] : INFINITY;
    }
    g->off[n_states] = i;
    free(s);
    return 0;
}

void wren_hclg_free(struct wren_hclg *g)
{
    if (!g) return;
    free(g->off);
    free(g->eps);
    free(g->arcs);
    free(g->final);
    memset(g, 0, sizeof *g);
}

/* ---------------------------------------------------------------- tokens and links */

struct link;
struct tok {
    float tot;            /* best cost from the start to here (with per-frame offsets) */
    float extra;          /* how much worse than the best path the best path through here is */
    struct link *links;   /* forward links */
    struct tok *next;     /* in the frame's list */
    int32_t state;
    int32_t id;           /* scratch: lattice state id */
};

struct link {
    struct tok *to;
    int32_t ilabel, olabel;
    float g, a;           /* graph cost, scaled acoustic cost (with the frame's offset) */
    struct link *next;
};

struct frame {
    struct tok *toks;
    int must_prune_links, must_prune_toks;
};

struct wren_search {
    const struct wren_hclg *g;
    const int32_t *tid2senone;
    int n_senones;
    struct wren_decode_opts o;

    struct wren_pool tok_pool, link_pool;
    struct frame *frames;          /* frames[0..n_frames] (n_frames decoded => n_frames + 1 lists) */
    int n_frames, cap_frames;
    float *cost_offset;            /* per decoded frame */
    struct tok **map;              /* state -> token of the newest frame */
    uint8_t *active;               /* senone mask */
    float *scores;
    float *tmp_costs; size_t cap_costs;
    int32_t *queue; size_t cap_queue;
    int decoding_finalized;
    /* final costs of the last frame's tokens (valid when decoding_finalized) */
    float final_best, final_relative;
    int any_final;

    struct wren_search_stats st;
    double active_sum;
    int64_t n_toks_alive;
};

static void *xgrow(void *p, size_t *cap, size_t need, size_t elt)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    *cap = c;
    return wren_xrealloc(p, c * elt);
}

struct wren_search *wren_search_create(const struct wren_hclg *g, const int32_t *tid2senone,
                                       int32_t n_tids, int n_senones,
                                       const struct wren_decode_opts *opts)
{
    if (wren_decode_opts_check(opts)) return NULL;
    if (g->max_ilabel > n_tids) {
        wren_error("graph has transition id %d but the transition table has %d", g->max_ilabel, n_tids);
        return NULL;
    }
    for (int32_t t = 1; t <= n_tids; t++)
        if (tid2senone[t] < 0 || tid2senone[t] >= n_senones) {
            wren_error("transition id %d maps to senone %d, model has %d", t, tid2senone[t], n_senones);
            return NULL;
        }
    struct wren_search *s = wren_xcalloc(1, sizeof *s);
    s->g = g;
    s->tid2senone = tid2senone;
    s->n_senones = n_senones;
    s->o = *opts;
    wren_pool_init(&s->tok_pool, sizeof(struct tok));
    wren_pool_init(&s->link_pool, sizeof(struct link));
    s->map = wren_xcalloc((size_t)g->n_states, sizeof *s->map);
    s->active = wren_xcalloc((size_t)n_senones + 1, 1);
    s->scores = wren_xcalloc((size_t)n_senones + 1, sizeof *s->scores);
    return s;
}

static void clear_all(struct wren_search *s)
{
    if (s->frames && s->cap_frames && !s->decoding_finalized) {
        struct frame *last = &s->frames[s->n_frames];
        for (struct tok *t = last->toks; t; t = t->next) s->map[t->state] = NULL;
    }
    wren_pool_reset(&s->tok_pool);
    wren_pool_reset(&s->link_pool);
    s->n_frames = 0;
    if (s->frames) memset(s->frames, 0, sizeof *s->frames * (size_t)s->cap_frames);
    s->decoding_finalized = 0;
    memset(&s->st, 0, sizeof s->st);
    s->active_sum = 0;
}

void wren_search_set_beam(struct wren_search *s, float beam, int max_active)
{
    s->o.beam = beam;
    s->o.max_active = max_active;
}

void wren_search_free(struct wren_search *s)
{
    if (!s) return;
    clear_all(s);
    wren_pool_free(&s->tok_pool);
    wren_pool_free(&s->link_pool);
    free(s->frames);
    free(s->cost_offset);
    free(s->map);
    free(s->active);
    free(s->scores);
    free(s->tmp_costs);
    free(s->queue);
    free(s);
}

static struct frame *frame_at(struct wren_search *s, int f)
{
    if (f >= s->cap_frames) {
        int c = s->cap_frames ? s->cap_frames * 2 : 256;
        while (c <= f) c *= 2;
        s->frames = wren_xrealloc(s->frames, sizeof *s->frames * (size_t)c);
        memset(s->frames + s->cap_frames, 0, sizeof *s->frames * (size_t)(c - s->cap_frames));
        s->cost_offset = wren_xrealloc(s->cost_offset, sizeof *s->cost_offset * (size_t)c);
        s->cap_frames = c;
    }
    return &s->frames[f];
}

/* Find the token of `state` in the newest frame f, or add one; *changed tells whether its
 * cost went down (or it is new). */
static struct tok *find_or_add(struct wren_search *s, int f, int32_t state, float tot, int *changed)
{
    struct tok *t = s->map[state];
    if (!t) {
        t = wren_pool_get(&s->tok_pool);
        t->tot = tot;
        t->extra = 0;
        t->links = NULL;
        t->state = state;
        struct frame *fr = frame_at(s, f);
        t->next = fr->toks;
        fr->toks = t;
        s->map[state] = t;
        s->st.tokens++;
        if (changed) *changed = 1;
    } else if (t->tot > tot) {
        t->tot = tot;
        if (changed) *changed = 1;
    } else if (changed) {
        *changed = 0;
    }
    return t;
}

static void add_link(struct wren_search *s, struct tok *from, struct tok *to, int32_t il, int32_t ol,
                     float g, float a)
{
    struct link *l = wren_pool_get(&s->link_pool);
    *l = (struct link){ to, il, ol, g, a, from->links };
    from->links = l;
    s->st.links++;
}

static void delete_links(struct wren_search *s, struct tok *t)
{
    struct link *l = t->links;
    while (l) {
        struct link *n = l->next;
        wren_pool_put(&s->link_pool, l);
        l = n;
    }
    t->links = NULL;
}

/* Process epsilon arcs within the newest frame f, starting from every token there. */
static void process_nonemitting(struct wren_search *s, int f, float cutoff)
{
    const struct wren_hclg *g = s->g;
    size_t nq = 0;
    for (struct tok *t = s->frames[f].toks; t; t = t->next)
        if (g->eps[t->state] < g->off[t->state + 1]) {
            s->queue = xgrow(s->queue, &s->cap_queue, nq + 1, sizeof *s->queue);
            s->queue[nq++] = t->state;
        }
    while (nq) {
        int32_t state = s->queue[--nq];
        struct tok *t = s->map[state];
        float cur = t->tot;
        if (cur >= cutoff) continue;
        /* re-expanding a token whose cost improved: its old epsilon links are stale */
        delete_links(s, t);
        for (int64_t i = g->eps[state]; i < g->off[state + 1]; i++) {
            const struct wren_hclg_arc *arc = &g->arcs[i];
            float gc = arc->weight + (arc->olabel ? s->o.word_penalty : 0.0f);
            float tot = cur + gc;
            if (tot < cutoff) {
                int changed;
                struct tok *nt = find_or_add(s, f, arc->next, tot, &changed);
                add_link(s, t, nt, 0, arc->olabel, gc, 0);
                if (changed && g->eps[arc->next] < g->off[arc->next + 1]) {
                    s->queue = xgrow(s->queue, &s->cap_queue, nq + 1, sizeof *s->queue);
                    s->queue[nq++] = arc->next;
                }
            }
        }
    }
}

static float kth_smallest(float *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                float t = a[i]; a[i] = a[j]; a[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return a[k];
    }
    return a[k];
}

/* The cut-off for expanding frame f's tokens (beam, max-active, min-active), as Kaldi's
 * GetCutoff. */
static float get_cutoff(struct wren_search *s, int f, float *adaptive_beam, struct tok **best)
{
    float best_cost = INFINITY;
    size_t n = 0;
    *best = NULL;
    for (struct tok *t = s->frames[f].toks; t; t = t->next) {
        s->tmp_costs = xgrow(s->tmp_costs, &s->cap_costs, n + 1, sizeof *s->tmp_costs);
        s->tmp_costs[n++] = t->tot;
        if (t->tot < best_cost) { best_cost = t->tot; *best = t; }
    }
    s->active_sum += (double)n;
    float beam_cutoff = best_cost + s->o.beam;
    float max_cut = INFINITY, min_cut = INFINITY;
    if (n > (size_t)s->o.max_active) max_cut = kth_smallest(s->tmp_costs, n, (size_t)s->o.max_active);
    if (max_cut < beam_cutoff) {
        *adaptive_beam = max_cut - best_cost + s->o.beam_delta;
        return max_cut;
    }
    if (n > (size_t)s->o.min_active) {
        min_cut = s->o.min_active == 0 ? best_cost
                                       : kth_smallest(s->tmp_costs, n, (size_t)s->o.min_active);
    }
    if (min_cut != INFINITY && min_cut > beam_cutoff) {
        *adaptive_beam = min_cut - best_cost + s->o.beam_delta;
        return min_cut;
    }
    *adaptive_beam = s->o.beam;
    return beam_cutoff;
}

/* Expand emitting arcs from frame f into frame f + 1; returns the cut-off for frame f + 1. */
static int process_emitting(struct wren_search *s, struct wren_decodable *d, int f, float *next_cut)
{
    const struct wren_hclg *g = s->g;
    float adaptive_beam;
    struct tok *best;
    float cur_cutoff = get_cutoff(s, f, &adaptive_beam, &best);
    /* clear the state map: frame f + 1 starts empty */
    for (struct tok *t = s->frames[f].toks; t; t = t->next) s->map[t->state] = NULL;
    frame_at(s, f + 1);
    /* the senones this frame needs */
    memset(s->active, 0, (size_t)s->n_senones);
    int64_t n_active = 0;
    for (struct tok *t = s->frames[f].toks; t; t = t->next) {
        if (t->tot > cur_cutoff) continue;
        for (int64_t i = g->off[t->state]; i < g->eps[t->state]; i++) {
            int32_t sen = s->tid2senone[g->arcs[i].ilabel];
            if (!s->active[sen]) { s->active[sen] = 1; n_active++; }
        }
    }
    if (d->score_frame(d, f, s->active, s->scores)) return -1;
    d->n_scored += n_active;
    d->n_possible += s->n_senones;
    const float acwt = s->o.acwt;
    float next_cutoff = INFINITY;
    float offset = 0;
    if (best) {
        offset = -best->tot;
        for (int64_t i = g->off[best->state]; i < g->eps[best->state]; i++) {
            const struct wren_hclg_arc *arc = &g->arcs[i];
            float gc = arc->weight + (arc->olabel ? s->o.word_penalty : 0.0f);
            float tot = best->tot + gc + offset - acwt * s->scores[s->tid2senone[arc->ilabel]];
            if (tot + adaptive_beam < next_cutoff) next_cutoff = tot + adaptive_beam;
        }
    }
    s->cost_offset[f] = offset;
    for (struct tok *t = s->frames[f].toks; t; t = t->next) {
        if (t->tot > cur_cutoff) continue;
        for (int64_t i = g->off[t->state]; i < g->eps[t->state]; i++) {
            const struct wren_hclg_arc *arc = &g->arcs[i];
            float ac = offset - acwt * s->scores[s->tid2senone[arc->ilabel]];
            float gc = arc->weight + (arc->olabel ? s->o.word_penalty : 0.0f);
            float tot = t->tot + ac + gc;
            if (tot >= next_cutoff) continue;
            if (tot + adaptive_beam < next_cutoff) next_cutoff = tot + adaptive_beam;
            struct tok *nt = find_or_add(s, f + 1, arc->next, tot, NULL);
            add_link(s, t, nt, arc->ilabel, arc->olabel, gc, ac);
        }
    }
    *next_cut = next_cutoff;
    return 0;
}

/* ---------------------------------------------------------------- lattice pruning */

static void prune_links(struct wren_search *s, int f, int *extra_changed, int *links_pruned, float delta)
{
    *extra_changed = *links_pruned = 0;
    float lbeam = s->o.lattice_beam;
    int changed = 1;
    while (changed) {
        changed = 0;
        for (struct tok *t = s->frames[f].toks; t; t = t->next) {
            float tok_extra = INFINITY;
            struct link **pp = &t->links;
            while (*pp) {
                struct link *l = *pp;
                float le = l->to->extra + ((t->tot + l->a + l->g) - l->to->tot);
                if (!(le <= lbeam)) {          /* also NaN from inf - inf */
                    *pp = l->next;
                    wren_pool_put(&s->link_pool, l);
                    *links_pruned = 1;
                } else {
                    if (le < 0) le = 0;
                    if (le < tok_extra) tok_extra = le;
                    pp = &l->next;
                }
            }
            if (fabsf(tok_extra - t->extra) > delta) changed = 1;
            t->extra = tok_extra;
        }
        if (changed) *extra_changed = 1;
    }
}

static void prune_toks(struct wren_search *s, int f)
{
    struct tok **pp = &s->frames[f].toks;
    while (*pp) {
        struct tok *t = *pp;
        if (t->extra == INFINITY) {
            *pp = t->next;
            delete_links(s, t);
            wren_pool_put(&s->tok_pool, t);
        } else {
            pp = &t->next;
        }
    }
}

static void prune_active(struct wren_search *s, float delta)
{
    int cur = s->n_frames;   /* frames 0..cur have token lists */
    for (int f = cur - 1; f >= 0; f--) {
        struct frame *fr = &s->frames[f];
        if (fr->must_prune_links) {
            int ec, lp;
            prune_links(s, f, &ec, &lp, delta);
            if (ec && f > 0) s->frames[f - 1].must_prune_links = 1;
            if (lp) fr->must_prune_toks = 1;
            fr->must_prune_links = 0;
        }
        if (f + 1 < cur && s->frames[f + 1].must_prune_toks) {
            prune_toks(s, f + 1);
            s->frames[f + 1].must_prune_toks = 0;
        }
    }
}

/* Final costs of the last frame: best total with and without the final cost. */
static void compute_final(struct wren_search *s)
{
    float best = INFINITY, best_f = INFINITY;
    int any = 0;
    for (struct tok *t = s->frames[s->n_frames].toks; t; t = t->next) {
        float fc = s->g->final[t->state];
        if (t->tot < best) best = t->tot;
        if (fc != INFINITY) {
            any = 1;
            if (t->tot + fc < best_f) best_f = t->tot + fc;
        }
    }
    s->any_final = any;
    s->final_best = any ? best_f : best;
    s->final_relative = any ? best_f - best : INFINITY;
}

static float tok_final_cost(const struct wren_search *s, const struct tok *t)
{
    if (!s->any_final) return 0;
    return s->g->final[t->state];
}

void wren_search_finalize(struct wren_search *s)
{
    int last = s->n_frames;
    compute_final(s);
    /* tokens of the last frame may go now: the state map must not point at them */
    for (struct tok *t = s->frames[last].toks; t; t = t->next) s->map[t->state] = NULL;
    float lbeam = s->o.lattice_beam;
    int changed = 1;
    while (changed) {
        changed = 0;
        for (struct tok *t = s->frames[last].toks; t; t = t->next) {
            float te = t->tot + tok_final_cost(s, t) - s->final_best;
            struct link **pp = &t->links;
            while (*pp) {
                struct link *l = *pp;
                float le = l->to->extra + ((t->tot + l->a + l->g) - l->to->tot);
                if (!(le <= lbeam)) {
                    *pp = l->next;
                    wren_pool_put(&s->link_pool, l);
                } else {
                    if (le < 0) le = 0;
                    if (le < te) te = le;
                    pp = &l->next;
                }
            }
            if (!(te <= lbeam)) te = INFINITY;
            if (!(fabsf(t->extra - te) <= 1e-5f) && !(t->extra == te)) changed = 1;
            t->extra = te;
        }
    }
    for (int f = last - 1; f >= 0; f--) {
        int a, b;
        prune_links(s, f, &a, &b, 0);
        prune_toks(s, f + 1);
    }
    prune_toks(s, 0);
    s->decoding_finalized = 1;
}

/* ---------------------------------------------------------------- driving */

void wren_search_start(struct wren_search *s)
{
    clear_all(s);
    frame_at(s, 0);
    struct tok *t = find_or_add(s, 0, s->g->start, 0, NULL);
    (void)t;
    process_nonemitting(s, 0, INFINITY);
}

int wren_search_advance(struct wren_search *s, struct wren_decodable *d, int max_frames)
{
    int done = 0;
    if (s->decoding_finalized) return wren_error("search: utterance already finalized");
    while (max_frames < 0 || done < max_frames) {
        if (s->n_frames >= d->frames_ready(d)) break;
        if (s->n_frames > 0 && s->n_frames % s->o.prune_interval == 0)
            prune_active(s, s->o.lattice_beam * s->o.prune_scale);
        int f = s->n_frames;
        float cut;
        if (process_emitting(s, d, f, &cut)) return -1;
        s->n_frames = f + 1;
        s->frames[f].must_prune_links = 1;
        s->frames[f + 1].must_prune_links = 0;
        s->frames[f + 1].must_prune_toks = 0;
        process_nonemitting(s, f + 1, cut);
        done++;
    }
    return done;
}

int wren_search_frames(const struct wren_search *s) { return s->n_frames; }

int wren_search_reached_final(const struct wren_search *s)
{
    for (struct tok *t = s->frames[s->n_frames].toks; t; t = t->next)
        if (s->g->final[t->state] != INFINITY) return 1;
    return 0;
}

void wren_search_stats(const struct wren_search *s, struct wren_search_stats *st)
{
    *st = s->st;
    st->frames = s->n_frames;
    st->avg_active = s->n_frames ? s->active_sum / s->n_frames : 0;
}

int wren_search_lattice(struct wren_search *s, int use_final, struct wren_lattice *out)
{
    int last = s->n_frames;
    if (use_final && !s->decoding_finalized) compute_final(s);
    int any_final = use_final && s->any_final;
    if (use_final && !s->any_final) wren_vlog("search: no final state reached, using all end tokens");
    struct wren_lat_builder *b = wren_lat_builder_create();
    int32_t start = -1;
    for (int f = 0; f <= last; f++)
        for (struct tok *t = s->frames[f].toks; t; t = t->next) {
            t->id = wren_lat_builder_add_state(b);
            if (f == 0 && t->state == s->g->start) start = t->id;
        }
    const float inv = 1.0f / s->o.acwt;
    for (int f = 0; f <= last; f++)
        for (struct tok *t = s->frames[f].toks; t; t = t->next) {
            for (struct link *l = t->links; l; l = l->next) {
                float a = l->ilabel ? (l->a - s->cost_offset[f]) * inv : 0.0f;
                wren_lat_builder_add_arc(b, t->id, l->to->id, l->olabel, l->g, a,
                                         l->ilabel ? &l->ilabel : NULL, l->ilabel ? 1 : 0);
            }
            if (f == last) {
                float fc = any_final ? s->g->final[t->state] : 0.0f;
                if (fc != INFINITY) wren_lat_builder_set_final(b, t->id, fc, 0, NULL, 0);
            }
        }
    wren_lat_builder_finish(b, start, out);
    wren_lat_builder_free(b);
    wren_lattice_connect_sort(out);
    return 0;
}

int wren_search_best_path_lattice(struct wren_search *s, struct wren_lattice *out)
{
    int last = s->n_frames;
    int32_t n = 0;
    for (int f = 0; f <= last; f++)
        for (struct tok *t = s->frames[f].toks; t; t = t->next) t->id = n++;
    /* each token's best predecessor: the link through which its cost from the start is least */
    float *best = wren_xmalloc(sizeof *best * (size_t)(n ? n : 1));
    struct link **pl = wren_xcalloc((size_t)(n ? n : 1), sizeof *pl);
    struct tok **pt = wren_xcalloc((size_t)(n ? n : 1), sizeof *pt);
    int32_t *frame_of = wren_xmalloc(sizeof *frame_of * (size_t)(n ? n : 1));
    for (int32_t i = 0; i < n; i++) best[i] = INFINITY;
    struct tok *end = NULL;
    for (int f = 0; f <= last; f++)
        for (struct tok *t = s->frames[f].toks; t; t = t->next) {
            frame_of[t->id] = f;
            for (struct link *l = t->links; l; l = l->next) {
                float c = t->tot + l->g + l->a;
                if (c < best[l->to->id]) {
                    best[l->to->id] = c;
                    pl[l->to->id] = l;
                    pt[l->to->id] = t;
                }
            }
            if (f == last && (!end || t->tot < end->tot)) end = t;
        }
    /* back from the best last-frame token (at most n steps: no cycle of predecessors) */
    int32_t k = 0;
    for (struct tok *t = end; t && pl[t->id] && k < n; t = pt[t->id]) k++;
    struct link **path = wren_xmalloc(sizeof *path * (size_t)(k ? k : 1));
    struct tok **from = wren_xmalloc(sizeof *from * (size_t)(k ? k : 1));
    int32_t m = k;
    for (struct tok *t = end; m > 0; t = pt[t->id]) {
        m--;
        path[m] = pl[t->id];
        from[m] = pt[t->id];
    }
    struct wren_lat_builder *b = wren_lat_builder_create();
    int32_t start = -1;
    if (end) {
        const float inv = 1.0f / s->o.acwt;
        int32_t prev = start = wren_lat_builder_add_state(b);
        for (int32_t i = 0; i < k; i++) {
            const struct link *l = path[i];
            int f = frame_of[from[i]->id];
            float a = l->ilabel ? (l->a - s->cost_offset[f]) * inv : 0.0f;
            int32_t next = wren_lat_builder_add_state(b);
            wren_lat_builder_add_arc(b, prev, next, l->olabel, l->g, a, l->ilabel ? &l->ilabel : NULL,
                                     l->ilabel ? 1 : 0);
            prev = next;
        }
        wren_lat_builder_set_final(b, prev, 0.0f, 0, NULL, 0);
    }
    wren_lat_builder_finish(b, start, out);
    wren_lat_builder_free(b);
    free(best); free(pl); free(pt); free(frame_of); free(path); free(from);
    return 0;
}
