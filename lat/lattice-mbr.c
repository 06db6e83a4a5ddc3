/* lattice-mbr.c — minimum-Bayes-risk decoding of word lattices and word confidences.
 *
 * The expected word error of a hypothesis R = r_1..r_N under the lattice's path posteriors
 * (P(path) ~ exp(-(g + acwt * a))) is approximated by the edit-distance recursion of Xu, Povey,
 * Mangu and Zhu (2011), the method of Kaldi's lattice-mbr-decode:
 *   A(start, i) = i;  for an arc q = (s -> d, word w):
 *     A_q(0) = A(s, 0) + [w != eps]
 *     A_q(i) = min{ A(s, i-1) + [w != r_i],  A(s, i) + [w != eps],  A_q(i-1) + 1 }
 *   A(d, i) = sum over arcs q into d of P(q | d) A_q(i)   (P(q|d) = exp(alpha(s) - cost(q) - alpha(d)))
 * Final weights are epsilon arcs into one super-final state; the expected loss is A(F, N).
 * Differentiating A(F, N) back through the recursion (each min is a fixed choice) routes the
 * posterior mass of every state to the hypothesis positions: each unit of mass that aligns a
 * lattice word w with slot k of the hypothesis (odd slots 2i-1 hold r_i, even slots 2i the gaps
 * between them) adds to gamma[k][w]; a deletion adds to gamma[2i-1][eps]. Every odd slot's
 * masses sum to 1. The update keeps in each slot its most probable word (epsilon in a gap
 * unless a word has more mass than the rest), which gives a new R; this repeats while the
 * expected loss falls (Goel and Byrne's risk, minimised by coordinate steps from the MAP path).
 * The confidence of a word of the result is its mass in its slot — its lattice posterior at
 * that position — and its times are the mass-weighted mean times of the arcs that carry it.
 *
 * Not for: confusion networks as files, lattice I/O (lattice-io.c), n-best (lattice.c). */
#include "lat/lattice.h"

#include "utils/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Mass of one word in one slot, with mass-weighted start and end frames. */
struct slot_word { int32_t word; double mass, t0, t1; };
struct slot { struct slot_word *w; int n, cap; };

static void slot_add(struct slot *s, int32_t word, double mass, double t0, double t1)
{
    if (!(mass > 0)) return;
    for (int i = 0; i < s->n; i++)
        if (s->w[i].word == word) { s->w[i].mass += mass; s->w[i].t0 += mass * t0; s->w[i].t1 += mass * t1; return; }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4;
        s->w = wren_xrealloc(s->w, sizeof *s->w * (size_t)s->cap);
    }
    s->w[s->n++] = (struct slot_word){ word, mass, mass * t0, mass * t1 };
}

/* The lattice as the recursion sees it: log weights, forward scores, state times. */
struct mbr_lat {
    const uint8_t *filler; /* per tid: silence or noise, trimmed off a word's edges (may be NULL) */
    const struct wren_lattice *l;
    int32_t *src;          /* per arc */
    double *lw;            /* per arc: -(g + acwt a) */
    double *lf;            /* per state: final log weight (-inf: not final) */
    double *alpha;         /* per state: log forward score */
    double total;          /* log total over complete paths */
    int32_t *time;         /* per state: frames from the start */
};

static void mbr_lat_free(struct mbr_lat *m)
{
    free(m->src); free(m->lw); free(m->lf); free(m->alpha); free(m->time);
}

static int mbr_lat_init(struct mbr_lat *m, const struct wren_lattice *l, float acwt)
{
    memset(m, 0, sizeof *m);
    m->l = l;
    size_t ns = (size_t)l->n_states, na = (size_t)l->n_arcs;
    m->src = wren_xmalloc(sizeof *m->src * (na ? na : 1));
    m->lw = wren_xmalloc(sizeof *m->lw * (na ? na : 1));
    m->lf = wren_xmalloc(sizeof *m->lf * ns);
    m->alpha = wren_xmalloc(sizeof *m->alpha * ns);
    m->time = wren_xmalloc(sizeof *m->time * ns);
    for (int32_t s = 0; s < l->n_states; s++) {
        m->alpha[s] = -INFINITY;
        m->time[s] = -1;
        m->lf[s] = l->final_g[s] == INFINITY ? -INFINITY
                                              : -((double)l->final_g[s] + acwt * (double)l->final_a[s]);
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            if (l->arcs[i].dst <= s) {
                mbr_lat_free(m);
                return wren_error("lattice is not topologically sorted (arc %d -> %d)", s, l->arcs[i].dst);
            }
            m->src[i] = s;
            m->lw[i] = -((double)l->arcs[i].g + acwt * (double)l->arcs[i].a);
        }
    }
    m->alpha[l->start] = 0;
    m->time[l->start] = 0;
    m->total = -INFINITY;
    for (int32_t s = l->start; s < l->n_states; s++) {
        if (m->alpha[s] == -INFINITY) continue;
        m->total = wren_lat_log_add(m->total, m->alpha[s] + m->lf[s]);
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            int32_t d = l->arcs[i].dst;
            m->alpha[d] = wren_lat_log_add(m->alpha[d], m->alpha[s] + m->lw[i]);
            if (m->time[d] < 0) m->time[d] = m->time[s] + l->arcs[i].len;
        }
    }
    if (!(m->total > -INFINITY) || !isfinite(m->total)) {
        mbr_lat_free(m);
        return wren_error("lattice has no complete path of finite cost");
    }
    return 0;
}

enum { CH_SUB = 0, CH_INS = 1, CH_DEL = 2 };

/* One arc's (or final weight's) step of the recursion: out[0..n] from a = A(s, .); choices
 * recorded in ch[0..n]. */
static void arc_step(const double *a, int32_t w, const int32_t *r, int n, double *out, unsigned char *ch)
{
    double ins = w ? 1.0 : 0.0;
    out[0] = a[0] + ins;
    ch[0] = CH_INS;
    for (int i = 1; i <= n; i++) {
        double sub = a[i - 1] + (w != r[i - 1] ? 1.0 : 0.0);
        double in = a[i] + ins, del = out[i - 1] + 1.0;
        out[i] = sub; ch[i] = CH_SUB;
        if (in < out[i]) { out[i] = in; ch[i] = CH_INS; }
        if (del < out[i]) { out[i] = del; ch[i] = CH_DEL; }
    }
}

/* The frames of arc q (from state time t0 to t1) without the silence and noise at its edges
 * (all of them if the arc is nothing else, or without a filler mask). */
static void word_frames(const struct mbr_lat *m, int64_t q, double *t0, double *t1)
{
    const struct wren_lat_arc *a = &m->l->arcs[q];
    if (!m->filler || !a->word) return;
    const int32_t *t = m->l->tids + a->str;
    int b = 0, e = a->len;
    while (b < e && m->filler[t[b]]) b++;
    while (e > b && m->filler[t[e - 1]]) e--;
    if (b < e) { *t1 -= a->len - e; *t0 += b; }
}

/* Back-propagate mass b[0..n] (consumed) of one arc s -> (d) with word w through its choices
 * into B(s, .), adding the alignment masses to the slots. */
static void arc_back(double *b, const unsigned char *ch, int32_t w, int n, double *bs,
                     struct slot *slots, double t0, double t1)
{
    for (int i = n; i >= 1; i--) {
        if (b[i] == 0) continue;
        switch (ch[i]) {
        case CH_SUB: bs[i - 1] += b[i]; slot_add(&slots[2 * i - 1], w, b[i], t0, t1); break;
        case CH_INS: bs[i] += b[i]; if (w) slot_add(&slots[2 * i], w, b[i], t0, t1); break;
        default: b[i - 1] += b[i]; slot_add(&slots[2 * i - 1], 0, b[i], t0, t0); break;
        }
    }
    bs[0] += b[0];
    if (w) slot_add(&slots[0], w, b[0], t0, t1);
}

/* Expected loss of r[0..n) and its slot statistics (2n + 1 slots, caller frees). */
static double mbr_stats(const struct mbr_lat *m, const int32_t *r, int n, struct slot **slots_out)
{
    const struct wren_lattice *l = m->l;
    size_t w = (size_t)n + 1, ns = (size_t)l->n_states, na = (size_t)l->n_arcs;
    double *A = wren_xmalloc(sizeof *A * ns * w);
    double *B = wren_xcalloc(ns * w, sizeof *B);
    unsigned char *ch = wren_xmalloc(na * w + w);
    unsigned char *chf = wren_xmalloc(ns * w);
    double *tmp = wren_xmalloc(sizeof *tmp * w), *F = wren_xcalloc(w, sizeof *F);
    for (size_t k = 0; k < ns * w; k++) A[k] = 0;
    for (int i = 0; i <= n; i++) A[(size_t)l->start * w + (size_t)i] = i;
    /* forward: push each state's finished vector along its arcs */
    for (int32_t s = l->start; s < l->n_states; s++) {
        if (m->alpha[s] == -INFINITY) continue;
        const double *as = A + (size_t)s * w;
        for (int64_t q = l->off[s]; q < l->off[s + 1]; q++) {
            int32_t d = l->arcs[q].dst;
            double p = exp(m->alpha[s] + m->lw[q] - m->alpha[d]);
            arc_step(as, l->arcs[q].word, r, n, tmp, ch + (size_t)q * w);
            for (size_t i = 0; i < w; i++) A[(size_t)d * w + i] += p * tmp[i];
        }
        if (m->lf[s] > -INFINITY) {
            double p = exp(m->alpha[s] + m->lf[s] - m->total);
            arc_step(as, 0, r, n, tmp, chf + (size_t)s * w);
            for (size_t i = 0; i < w; i++) F[i] += p * tmp[i];
        }
    }
    double loss = F[n];
    /* backward: the super-final mass 1 at position n, routed back state by state */
    struct slot *slots = wren_xcalloc(2 * (size_t)n + 1, sizeof *slots);
    for (int32_t s = l->n_states - 1; s >= l->start; s--) {
        if (m->alpha[s] == -INFINITY) continue;
        double *bs = B + (size_t)s * w, t0 = m->time[s];
        if (m->lf[s] > -INFINITY) {
            memset(tmp, 0, sizeof *tmp * w);
            tmp[n] = exp(m->alpha[s] + m->lf[s] - m->total);
            arc_back(tmp, chf + (size_t)s * w, 0, n, bs, slots, t0, t0);
        }
        for (int64_t q = l->off[s]; q < l->off[s + 1]; q++) {
            int32_t d = l->arcs[q].dst;
            double p = exp(m->alpha[s] + m->lw[q] - m->alpha[d]);
            const double *bd = B + (size_t)d * w;
            for (size_t i = 0; i < w; i++) tmp[i] = p * bd[i];
            double a0 = t0, a1 = m->time[d];
            word_frames(m, q, &a0, &a1);
            arc_back(tmp, ch + (size_t)q * w, l->arcs[q].word, n, bs, slots, a0, a1);
        }
    }
    /* mass left at the start state at position i: r_1..r_i deleted */
    const double *b0 = B + (size_t)l->start * w;
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= i; j++) slot_add(&slots[2 * j - 1], 0, b0[i], 0, 0);
    free(A); free(B); free(ch); free(chf); free(tmp); free(F);
    *slots_out = slots;
    return loss;
}

static void slots_free(struct slot *s, int n)
{
    if (!s) return;
    for (int i = 0; i < 2 * n + 1; i++) free(s[i].w);
    free(s);
}

/* The most probable entry of a slot (eps in a gap unless a word outweighs the rest): index
 * into s->w, or -1 for epsilon. */
static int slot_best(const struct slot *s, int gap)
{
    double total = 0, best = 0;
    int bi = -1;
    for (int i = 0; i < s->n; i++) {
        total += s->w[i].mass;
        if (s->w[i].word && s->w[i].mass > best) { best = s->w[i].mass; bi = i; }
    }
    double eps = gap ? 1.0 - (total) : 0;
    for (int i = 0; i < s->n; i++) if (!s->w[i].word) eps += s->w[i].mass;
    return bi >= 0 && best > eps ? bi : -1;
}

/* The hypothesis that the slots vote for; *n receives its length. */
static int32_t *slots_vote(const struct slot *slots, int n_slots, int *n)
{
    int32_t *r = wren_xmalloc(sizeof *r * (size_t)(n_slots + 1));
    *n = 0;
    for (int k = 0; k < n_slots; k++) {
        int b = slot_best(&slots[k], k % 2 == 0);
        if (b >= 0) r[(*n)++] = slots[k].w[b].word;
    }
    return r;
}

void wren_mbr_result_free(struct wren_mbr_result *r)
{
    free(r->words);
    memset(r, 0, sizeof *r);
}

int wren_lattice_mbr(const struct wren_lattice *l, float acwt, int max_iter, struct wren_mbr_result *res)
{
    return wren_lattice_mbr_trimmed(l, acwt, max_iter, NULL, 0, res);
}

int wren_lattice_mbr_trimmed(const struct wren_lattice *l, float acwt, int max_iter, const uint8_t *tid_filler,
                             int32_t max_tid, struct wren_mbr_result *res)
{
    memset(res, 0, sizeof *res);
    if (l->start < 0) return 0;
    struct mbr_lat m;
    if (mbr_lat_init(&m, l, acwt)) return -1;
    m.filler = tid_filler;
    struct wren_path map;
    if (wren_lattice_best_path(l, acwt, &map)) { mbr_lat_free(&m); return -1; }
    int n = map.n_words;
    int32_t *r = wren_xmalloc(sizeof *r * (size_t)(n + 1));
    memcpy(r, map.words, sizeof *r * (size_t)n);
    struct slot *slots;
    double loss = mbr_stats(&m, r, n, &slots);
    res->map_loss = loss;
    for (int it = 0; it < max_iter; it++) {
        int n2;
        int32_t *r2 = slots_vote(slots, 2 * n + 1, &n2);
        if (n2 == n && !memcmp(r, r2, sizeof *r * (size_t)n)) { free(r2); break; }
        struct slot *slots2;
        double loss2 = mbr_stats(&m, r2, n2, &slots2);
        if (!(loss2 < loss)) { free(r2); slots_free(slots2, n2); break; }
        free(r); slots_free(slots, n);
        r = r2; n = n2; slots = slots2; loss = loss2;
        res->iterations = it + 1;
    }
    res->loss = loss;
    res->n_words = n;
    res->words = wren_xmalloc(sizeof *res->words * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        const struct slot *s = &slots[2 * i + 1];
        struct wren_mbr_word *o = &res->words[i];
        o->word = r[i];
        o->conf = 0; o->start = 0; o->frames = 0;
        for (int k = 0; k < s->n; k++) {
            if (s->w[k].word != r[i]) continue;
            double mass = s->w[k].mass;
            o->conf = (float)(mass > 1 ? 1 : mass);
            o->start = (int32_t)lround(s->w[k].t0 / mass);
            o->frames = (int32_t)lround(s->w[k].t1 / mass) - o->start;
        }
    }
    /* the hypothesis is the best path's, word for word: its exact times, not the means */
    int same = n == map.n_words && !memcmp(r, map.words, sizeof *r * (size_t)n);
    for (int i = 0; same && i < n; i++)
        wren_path_word_span(&map, i, tid_filler, max_tid, &res->words[i].start, &res->words[i].frames);
    wren_path_free(&map);
    /* the means of neighbouring words can overlap (a word's end averaged over other paths than
     * the next word's start): split each overlap at its middle, so times never go back */
    for (int i = 1; !same && i < n; i++) {
        struct wren_mbr_word *p = &res->words[i - 1], *c = &res->words[i];
        int32_t pe = p->start + p->frames, ce = c->start + c->frames;
        if (c->start >= pe) continue;
        int32_t mid = (c->start + pe) / 2;
        if (mid < p->start) mid = p->start;
        p->frames = mid - p->start;
        c->start = mid;
        c->frames = ce > mid ? ce - mid : 0;
    }
    free(r);
    slots_free(slots, n);
    mbr_lat_free(&m);
    return 0;
}
