/* test_search.c — the beam search on hand-built graphs with synthetic senone scores: known best
 * paths (epsilon arcs, ties, beams that prune, max-active), and on random small graphs the
 * lattice checked against brute-force enumeration of every path (n best word sequences with
 * their separate graph and acoustic costs). */
#include "testutil.h"

#include "am/am.h"
#include "feat/audio.h"
#include "am/decodable.h"
#include "graph/graph.h"
#include "decoder/decoder.h"
#include "lat/lattice.h"
#include "decoder/search.h"
#include "utils/wren-util.h"

#include <math.h>

/* ---------------------------------------------------------------- helpers */

struct toy {
    struct wren_hclg g;
    int32_t tid2sen[16];
    int n_tids, n_sen;
};

static void toy_build(struct toy *t, int n_states, const struct wren_hclg_edge *e, int ne,
                      const float *final, int n_tids, int n_sen)
{
    ck_assert_int_eq(wren_hclg_build(&t->g, n_states, 0, e, ne, final), 0);
    t->n_tids = n_tids;
    t->n_sen = n_sen;
    t->tid2sen[0] = -1;
    for (int i = 1; i <= n_tids; i++) t->tid2sen[i] = (i - 1) % n_sen;
}

static struct wren_decode_opts wide_opts(void)
{
    struct wren_decode_opts o;
    wren_decode_opts_default(&o);
    o.beam = 1000;
    o.lattice_beam = 1000;
    o.acwt = 1.0f;
    o.max_active = 100000;
    return o;
}

/* Decode; returns the word lattice (pruned with o->lattice_beam) in *wl and the best path. */
static int decode(struct toy *t, const float *ll, int T, const struct wren_decode_opts *o,
                  struct wren_lattice *wl, struct wren_path *best, struct wren_search_stats *st)
{
    struct wren_search *s = wren_search_create(&t->g, t->tid2sen, t->n_tids, t->n_sen, o);
    ck_assert_ptr_nonnull(s);
    struct wren_decodable *d = wren_decodable_matrix(ll, T, t->n_sen);
    wren_search_start(s);
    ck_assert_int_eq(wren_search_advance(s, d, -1), T);
    wren_search_finalize(s);
    if (st) wren_search_stats(s, st);
    struct wren_lattice sl;
    ck_assert_int_eq(wren_search_lattice(s, 1, &sl), 0);
    ck_assert_int_eq(wren_lattice_to_words(&sl, o->acwt, wl), 0);
    wren_lattice_prune(wl, o->acwt, o->lattice_beam);
    int rc = wren_lattice_best_path(wl, o->acwt, best);
    wren_lattice_free(&sl);
    wren_decodable_free(d);
    wren_search_free(s);
    return rc;
}

/* ---------------------------------------------------------------- brute force */

struct bf_hyp { int32_t w[32]; int n; double g, a, cost; };
struct bf {
    const struct toy *t;
    const float *ll;
    int T;
    float acwt;
    struct bf_hyp *h; int n, cap;
    int32_t w[32];
};

static void bf_record(struct bf *b, int nw, double g, double a)
{
    double cost = g + b->acwt * a;
    for (int i = 0; i < b->n; i++)
        if (b->h[i].n == nw && !memcmp(b->h[i].w, b->w, sizeof(int32_t) * (size_t)nw)) {
            if (cost < b->h[i].cost) { b->h[i].g = g; b->h[i].a = a; b->h[i].cost = cost; }
            return;
        }
    if (b->n == b->cap) { b->cap = b->cap ? b->cap * 2 : 64; b->h = realloc(b->h, sizeof *b->h * (size_t)b->cap); }
    struct bf_hyp *x = &b->h[b->n++];
    memcpy(x->w, b->w, sizeof(int32_t) * (size_t)nw);
    x->n = nw; x->g = g; x->a = a; x->cost = cost;
}

static void bf_dfs(struct bf *b, int32_t s, int f, int nw, double g, double a)
{
    const struct wren_hclg *G = &b->t->g;
    if (f == b->T && G->final[s] != INFINITY) bf_record(b, nw, g + G->final[s], a);
    for (int64_t i = G->off[s]; i < G->off[s + 1]; i++) {
        const struct wren_hclg_arc *arc = &G->arcs[i];
        if (arc->ilabel && f >= b->T) continue;
        int n2 = nw;
        if (arc->olabel) { ck_assert_int_lt(nw, 32); b->w[n2++] = arc->olabel; }
        double a2 = a;
        if (arc->ilabel) a2 -= b->ll[(size_t)f * (size_t)b->t->n_sen + (size_t)b->t->tid2sen[arc->ilabel]];
        bf_dfs(b, arc->next, f + (arc->ilabel != 0), n2, g + arc->weight, a2);
    }
}

static int cmp_hyp(const void *x, const void *y)
{
    const struct bf_hyp *a = x, *b = y;
    return a->cost < b->cost ? -1 : a->cost > b->cost;
}

/* ---------------------------------------------------------------- tests */

/* Two words, each one HMM state with a self-loop; word labels on epsilon arcs at the start.
 * Scores favour senone 0 (word 1) in every frame, but word 1's LM cost is higher. */
START_TEST(test_two_words_epsilon)
{
    struct wren_hclg_edge e[] = {
        { 0, 1, 0, 1, 2.0f },   /* eps:w1 */
        { 0, 2, 0, 2, 0.5f },   /* eps:w2 */
        { 1, 1, 1, 0, 0.1f }, { 1, 3, 2, 0, 0.2f },   /* senone 0 */
        { 2, 2, 3, 0, 0.1f }, { 2, 3, 4, 0, 0.2f },   /* senone 1 */
    };
    float final[4] = { INFINITY, INFINITY, INFINITY, 0.0f };
    struct toy t;
    /* tid -> senone: 1,2 -> 0 ; 3,4 -> 1 */
    toy_build(&t, 4, e, 6, final, 4, 2);
    t.tid2sen[1] = 0; t.tid2sen[2] = 0; t.tid2sen[3] = 1; t.tid2sen[4] = 1;
    float ll[4 * 2] = { -1, -2, -1, -2, -1, -2, -1, -2 };
    struct wren_decode_opts o = wide_opts();
    struct wren_lattice wl;
    struct wren_path p;
    ck_assert_int_eq(decode(&t, ll, 4, &o, &wl, &p, NULL), 0);
    /* w1: g = 2 + 3*0.1 + 0.2 = 2.5, a = 4 ; w2: g = 0.5 + 0.5 = 1.0, a = 8 */
    ck_assert_int_eq(p.n_words, 1);
    ck_assert_int_eq(p.words[0], 1);
    ck_assert_double_eq_tol(p.g, 2.5, 1e-5);
    ck_assert_double_eq_tol(p.a, 4.0, 1e-5);
    ck_assert_int_eq(p.n_tids, 4);
    ck_assert_int_eq(p.tids[3], 2);
    wren_path_free(&p);
    /* with acwt 0.2: w1 = 2.5 + 0.8 = 3.3, w2 = 1 + 1.6 = 2.6 -> w2 */
    o.acwt = 0.2f;
    wren_lattice_free(&wl);
    ck_assert_int_eq(decode(&t, ll, 4, &o, &wl, &p, NULL), 0);
    ck_assert_int_eq(p.words[0], 2);
    ck_assert_double_eq_tol(p.g, 1.0, 1e-5);
    ck_assert_double_eq_tol(p.a, 8.0, 1e-5);
    /* both words are in the lattice, costs apart */
    struct wren_path *nb;
    int n = wren_lattice_nbest(&wl, o.acwt, 5, 100000, &nb);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(nb[1].words[0], 1);
    ck_assert_double_eq_tol(nb[1].g, 2.5, 1e-5);
    ck_assert_double_eq_tol(nb[1].a, 4.0, 1e-5);
    for (int i = 0; i < n; i++) wren_path_free(&nb[i]);
    free(nb);
    wren_path_free(&p);
    wren_lattice_free(&wl);
    wren_hclg_free(&t.g);
}
END_TEST

/* A tie: two words with identical graph and acoustic costs are both kept, at equal cost. */
START_TEST(test_tie)
{
    struct wren_hclg_edge e[] = {
        { 0, 1, 1, 5, 1.0f }, { 0, 2, 1, 6, 1.0f },
        { 1, 3, 1, 0, 0.0f }, { 2, 3, 1, 0, 0.0f },
    };
    float final[4] = { INFINITY, INFINITY, INFINITY, 0.5f };
    struct toy t;
    toy_build(&t, 4, e, 4, final, 1, 1);
    float ll[2] = { -3, -3 };
    struct wren_decode_opts o = wide_opts();
    struct wren_lattice wl;
    struct wren_path p, *nb;
    ck_assert_int_eq(decode(&t, ll, 2, &o, &wl, &p, NULL), 0);
    ck_assert_int_eq(p.n_words, 1);
    ck_assert(p.words[0] == 5 || p.words[0] == 6);
    int n = wren_lattice_nbest(&wl, o.acwt, 5, 100000, &nb);
    ck_assert_int_eq(n, 2);
    ck_assert_int_ne(nb[0].words[0], nb[1].words[0]);
    for (int i = 0; i < 2; i++) {
        ck_assert_double_eq_tol(nb[i].g, 1.5, 1e-6);
        ck_assert_double_eq_tol(nb[i].a, 6.0, 1e-6);
        wren_path_free(&nb[i]);
    }
    free(nb);
    wren_path_free(&p);
    wren_lattice_free(&wl);
    wren_hclg_free(&t.g);
}
END_TEST

/* A garden path: word 1 looks better for the first frames, word 2 wins at the end. A wide beam
 * finds word 2; max-active 1 (greedy) and a narrow beam lose it, and prune tokens. */
START_TEST(test_beam_prunes)
{
    struct wren_hclg_edge e[] = {
        { 0, 1, 1, 1, 0.0f }, { 1, 1, 1, 0, 0.0f }, { 1, 3, 2, 0, 0.0f },
        { 0, 2, 3, 2, 0.0f }, { 2, 2, 3, 0, 0.0f }, { 2, 3, 4, 0, 0.0f },
    };
    float final[4] = { INFINITY, INFINITY, INFINITY, 0.0f };
    struct toy t;
    toy_build(&t, 4, e, 6, final, 4, 4);
    const int T = 6;
    float ll[6 * 4];
    for (int f = 0; f < T; f++) {
        float *r = ll + f * 4;
        r[0] = -1; r[2] = -2;      /* word 1 better by 1 per frame ... */
        r[1] = -40; r[3] = -1;     /* ... but its last state is terrible */
    }
    struct wren_decode_opts o = wide_opts();
    struct wren_lattice wl;
    struct wren_path p;
    struct wren_search_stats wide, narrow;
    ck_assert_int_eq(decode(&t, ll, T, &o, &wl, &p, &wide), 0);
    ck_assert_int_eq(p.words[0], 2);
    wren_path_free(&p); wren_lattice_free(&wl);
    o.max_active = 1;
    o.min_active = 0;
    o.beam_delta = 0;
    ck_assert_int_eq(decode(&t, ll, T, &o, &wl, &p, &narrow), 0);
    ck_assert_int_eq(p.words[0], 1);
    ck_assert(narrow.tokens < wide.tokens);
    wren_path_free(&p); wren_lattice_free(&wl);
    o = wide_opts();
    o.beam = 0.5f;
    ck_assert_int_eq(decode(&t, ll, T, &o, &wl, &p, &narrow), 0);
    ck_assert_int_eq(p.words[0], 1);
    wren_path_free(&p); wren_lattice_free(&wl);
    wren_hclg_free(&t.g);
}
END_TEST

/* No final state reachable: the best partial path is returned (all end tokens final). */
START_TEST(test_no_final)
{
    struct wren_hclg_edge e[] = { { 0, 1, 1, 7, 0.0f }, { 1, 1, 1, 0, 0.0f }, { 1, 2, 1, 0, 0.0f } };
    float final[3] = { INFINITY, INFINITY, 0.0f };
    struct toy t;
    toy_build(&t, 3, e, 3, final, 1, 1);
    float ll[1] = { -1 };
    struct wren_decode_opts o = wide_opts();
    struct wren_search *s = wren_search_create(&t.g, t.tid2sen, 1, 1, &o);
    struct wren_decodable *d = wren_decodable_matrix(ll, 1, 1);
    wren_search_start(s);
    ck_assert_int_eq(wren_search_advance(s, d, -1), 1);
    ck_assert_int_eq(wren_search_reached_final(s), 0);
    wren_search_finalize(s);
    struct wren_lattice sl, wl;
    struct wren_path p;
    ck_assert_int_eq(wren_search_lattice(s, 1, &sl), 0);
    ck_assert_int_eq(wren_lattice_to_words(&sl, 1, &wl), 0);
    ck_assert_int_eq(wren_lattice_best_path(&wl, 1, &p), 0);
    ck_assert_int_eq(p.n_words, 1);
    ck_assert_int_eq(p.words[0], 7);
    wren_path_free(&p);
    wren_lattice_free(&sl); wren_lattice_free(&wl);
    wren_decodable_free(d);
    wren_search_free(s);
    wren_hclg_free(&t.g);
}
END_TEST

/* Bad inputs: a graph arc to a missing state, a tid beyond the table, bad options. */
START_TEST(test_bad_inputs)
{
    struct wren_hclg g;
    struct wren_hclg_edge e[] = { { 0, 5, 1, 0, 0.0f } };
    ck_assert_int_eq(wren_hclg_build(&g, 2, 0, e, 1, NULL), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "out of range"));
    e[0].dst = 1;
    ck_assert_int_eq(wren_hclg_build(&g, 2, 0, e, 1, NULL), 0);
    int32_t map[2] = { -1, 0 };
    struct wren_decode_opts o;
    wren_decode_opts_default(&o);
    ck_assert_ptr_null(wren_search_create(&g, map, 0, 1, &o));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "transition id 1"));
    o.acwt = 0;
    ck_assert_ptr_null(wren_search_create(&g, map, 1, 1, &o));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "--acwt"));
    wren_hclg_free(&g);
}
END_TEST

/* The option table parses into the struct and is the one the command uses. */
START_TEST(test_opts_table)
{
    struct wren_decode_opts o;
    wren_decode_opts_default(&o);
    struct wren_opt t[WREN_DECODE_NOPTS + 1];
    ck_assert_int_eq(wren_decode_opts_table(&o, t), WREN_DECODE_NOPTS);
    ck_assert_ptr_null(t[WREN_DECODE_NOPTS].name);
    char *argv[] = { "decode", "--beam=9.5", "--max-active", "123", "--lattice-beam=4", "-acwt", "0.08", "x" };
    char **pos; int npos;
    ck_assert_int_eq(wren_opts_parse(t, 8, argv, &pos, &npos), 0);
    ck_assert_int_eq(npos, 1);
    free(pos);
    ck_assert_float_eq(o.beam, 9.5f);
    ck_assert_int_eq(o.max_active, 123);
    ck_assert_float_eq(o.lattice_beam, 4.0f);
    ck_assert_float_eq_tol(o.acwt, 0.08f, 1e-7);
}
END_TEST

/* Random small graphs with epsilon arcs: the lattice holds exactly the word sequences within
 * the lattice beam, each with the graph and acoustic costs of its best path. */
static uint32_t rng = 12345;
static uint32_t rnd(void) { rng = rng * 1103515245u + 12345u; return (rng >> 8) & 0xffffff; }
static float rndf(void) { return (float)rnd() / (float)0xffffff; }

START_TEST(test_random_vs_bruteforce)
{
    rng = 777u + (uint32_t)_i * 7919u;
    const int NS = 6, T = 5, NSEN = 3, NTID = 6;
    struct wren_hclg_edge e[64];
    int ne = 0;
    for (int s = 0; s < NS; s++) {
        int k = 1 + (int)(rnd() % 2);
        for (int j = 0; j < k; j++)
            e[ne++] = (struct wren_hclg_edge){ s, (int32_t)(rnd() % NS), 1 + (int32_t)(rnd() % NTID),
                                               rnd() % 3 == 0 ? 1 + (int32_t)(rnd() % 3) : 0, 2 * rndf() };
        if (s + 1 < NS && rnd() % 2)   /* epsilon arcs go forward only: no epsilon cycles */
            e[ne++] = (struct wren_hclg_edge){ s, s + 1 + (int32_t)(rnd() % (uint32_t)(NS - s - 1)), 0,
                                               rnd() % 2 ? 1 + (int32_t)(rnd() % 3) : 0, rndf() };
    }
    float final[6];
    for (int s = 0; s < NS; s++) final[s] = (s == NS - 1 || rnd() % 3 == 0) ? rndf() : INFINITY;
    struct toy t;
    toy_build(&t, NS, e, ne, final, NTID, NSEN);
    float ll[5 * 3];
    for (int i = 0; i < T * NSEN; i++) ll[i] = -4 * rndf();
    struct wren_decode_opts o = wide_opts();
    o.acwt = 0.5f;
    o.lattice_beam = 2.0f;
    o.prune_interval = 2;
    struct bf b = { .t = &t, .ll = ll, .T = T, .acwt = o.acwt };
    bf_dfs(&b, 0, 0, 0, 0, 0);
    struct wren_lattice wl;
    struct wren_path p;
    int rc = decode(&t, ll, T, &o, &wl, &p, NULL);
    if (b.n == 0) {
        /* no complete path: the search falls back on all end tokens (or has none) */
        if (rc == 0) wren_path_free(&p);
    } else {
        ck_assert_int_eq(rc, 0);
        qsort(b.h, (size_t)b.n, sizeof *b.h, cmp_hyp);
        double best = b.h[0].cost;
        ck_assert_double_eq_tol(p.g + o.acwt * p.a, best, 1e-3);
        int within = 0;
        while (within < b.n && b.h[within].cost <= best + o.lattice_beam - 1e-3) within++;
        struct wren_path *nb;
        int n = wren_lattice_nbest(&wl, o.acwt, 100, 1000000, &nb);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            double c = nb[i].g + o.acwt * nb[i].a;
            /* every lattice path is a real word sequence, at no less than its best cost;
             * those within the lattice beam have exactly their best path's costs */
            int found = 0;
            for (int j = 0; j < b.n && !found; j++)
                if (b.h[j].n == nb[i].n_words && !memcmp(b.h[j].w, nb[i].words, sizeof(int32_t) * (size_t)b.h[j].n)) {
                    found = 1;
                    ck_assert(c >= b.h[j].cost - 1e-3);
                    if (b.h[j].cost <= best + o.lattice_beam - 1e-3) {
                        ck_assert_double_eq_tol(nb[i].g, b.h[j].g, 1e-3);
                        ck_assert_double_eq_tol(nb[i].a, b.h[j].a, 1e-3);
                    }
                }
            ck_assert_msg(found, "lattice path %d not a real path", i);
            if (c <= best + o.lattice_beam - 1e-3) kept++;
        }
        ck_assert_int_eq(kept, within);
        /* the determinised lattice: deterministic on words, no epsilons, same n-best */
        struct wren_lattice dl;
        ck_assert_int_eq(wren_lattice_determinize(&wl, o.acwt, INFINITY, 100000, &dl), 0);
        for (int32_t q = 0; q < dl.n_states; q++)
            for (int64_t i = dl.off[q]; i < dl.off[q + 1]; i++) {
                ck_assert_int_ne(dl.arcs[i].word, 0);
                for (int64_t j = dl.off[q]; j < i; j++) ck_assert_int_ne(dl.arcs[j].word, dl.arcs[i].word);
            }
        struct wren_path *nd;
        int m = wren_lattice_nbest(&dl, o.acwt, 100, 1000000, &nd);
        ck_assert_int_eq(m, n);
        for (int i = 0; i < m; i++) {
            ck_assert_int_eq(nd[i].n_words, nb[i].n_words);
            ck_assert_double_eq_tol(nd[i].g + o.acwt * nd[i].a, nb[i].g + o.acwt * nb[i].a, 1e-3);
            ck_assert_int_eq(nd[i].n_tids, T);
            wren_path_free(&nd[i]);
        }
        free(nd);
        wren_lattice_free(&dl);
        /* pruned determinisation keeps exactly the word sequences within the beam */
        ck_assert_int_eq(wren_lattice_determinize(&wl, o.acwt, o.lattice_beam, 100000, &dl), 0);
        m = wren_lattice_nbest(&dl, o.acwt, 100, 1000000, &nd);
        int in_beam = 0;
        for (int i = 0; i < m; i++) {
            double c = nd[i].g + o.acwt * nd[i].a;
            if (c <= best + o.lattice_beam - 1e-3) {
                int f = -1;   /* the same word sequence among the in-beam ones (ties may reorder) */
                for (int j = 0; j < within && f < 0; j++)
                    if (nb[j].n_words == nd[i].n_words &&
                        !memcmp(nb[j].words, nd[i].words, sizeof(int32_t) * (size_t)nd[i].n_words)) f = j;
                ck_assert_int_ge(f, 0);
                ck_assert_double_eq_tol(nd[i].g, nb[f].g, 1e-3);
                ck_assert_double_eq_tol(nd[i].a, nb[f].a, 1e-3);
                in_beam++;
            }
            wren_path_free(&nd[i]);
        }
        free(nd);
        ck_assert_int_eq(in_beam, within);
        wren_lattice_free(&dl);
        for (int i = 0; i < n; i++) wren_path_free(&nb[i]);
        free(nb);
        wren_path_free(&p);
    }
    wren_lattice_free(&wl);
    free(b.h);
    wren_hclg_free(&t.g);
}
END_TEST

/* Frames arriving one at a time give the same result as all at once. */
/* The partial best path (a partial result's, through the lattice pruning of every
 * prune_interval frames) is the best path of the whole lattice so far, in its words and its
 * graph and acoustic costs. */
static void partial_is_best(struct wren_search *s)
{
    struct wren_lattice bl, all, bw, aw;
    struct wren_path bp, ap;
    ck_assert_int_eq(wren_search_best_path_lattice(s, &bl), 0);
    ck_assert_int_eq(wren_search_lattice(s, 0, &all), 0);
    ck_assert_int_eq(wren_lattice_to_words(&bl, 1, &bw), 0);
    ck_assert_int_eq(wren_lattice_to_words(&all, 1, &aw), 0);
    ck_assert_int_eq(wren_lattice_best_path(&bw, 1, &bp), 0);
    ck_assert_int_eq(wren_lattice_best_path(&aw, 1, &ap), 0);
    ck_assert_int_eq(bp.n_words, ap.n_words);
    if (bp.n_words) ck_assert_mem_eq(bp.words, ap.words, sizeof(int32_t) * (size_t)bp.n_words);
    ck_assert_double_eq_tol(bp.g, ap.g, 1e-4);
    ck_assert_double_eq_tol(bp.a, ap.a, 1e-3);
    wren_path_free(&bp); wren_path_free(&ap);
    wren_lattice_free(&bl); wren_lattice_free(&all); wren_lattice_free(&bw); wren_lattice_free(&aw);
}

START_TEST(test_streaming_equals_batch)
{
    rng = 4242;
    struct wren_hclg_edge e[] = {
        { 0, 1, 0, 1, 0.3f }, { 0, 2, 0, 2, 0.2f },
        { 1, 1, 1, 0, 0.1f }, { 1, 0, 2, 0, 0.4f },
        { 2, 2, 3, 0, 0.1f }, { 2, 0, 4, 0, 0.3f },
    };
    float final[3] = { 0.0f, INFINITY, INFINITY };
    struct toy t;
    toy_build(&t, 3, e, 6, final, 4, 4);
    const int T = 60;
    float ll[60 * 4];
    for (int i = 0; i < T * 4; i++) ll[i] = -5 * rndf();
    struct wren_decode_opts o;
    wren_decode_opts_default(&o);
    o.acwt = 1.0f;
    o.beam = 6;
    o.prune_interval = 5;
    struct wren_lattice wl;
    struct wren_path p;
    ck_assert_int_eq(decode(&t, ll, T, &o, &wl, &p, NULL), 0);
    struct wren_search *s = wren_search_create(&t.g, t.tid2sen, 4, 4, &o);
    struct wren_decodable *d = wren_decodable_matrix_stream(4);
    wren_search_start(s);
    for (int f = 0; f < T; f++) {
        wren_decodable_matrix_push(d, ll + f * 4);
        ck_assert_int_eq(wren_search_advance(s, d, -1), 1);
        ck_assert_int_eq(wren_search_advance(s, d, -1), 0);
        partial_is_best(s);
    }
    wren_search_finalize(s);
    struct wren_lattice sl, wl2;
    struct wren_path p2;
    ck_assert_int_eq(wren_search_lattice(s, 1, &sl), 0);
    ck_assert_int_eq(wren_lattice_to_words(&sl, 1, &wl2), 0);
    wren_lattice_prune(&wl2, 1, o.lattice_beam);
    ck_assert_int_eq(wren_lattice_best_path(&wl2, 1, &p2), 0);
    ck_assert_int_eq(p.n_words, p2.n_words);
    ck_assert_int_gt(p.n_words, 3);
    ck_assert_mem_eq(p.words, p2.words, sizeof(int32_t) * (size_t)p.n_words);
    ck_assert_double_eq_tol(p.g, p2.g, 1e-4);
    ck_assert_int_eq(wl.n_arcs, wl2.n_arcs);
    wren_path_free(&p); wren_path_free(&p2);
    wren_lattice_free(&wl); wren_lattice_free(&wl2); wren_lattice_free(&sl);
    wren_decodable_free(d);
    wren_search_free(s);
    wren_hclg_free(&t.g);
}
END_TEST

/* The streaming API on real audio: a graph from wren_mkgraph with a small LM, audio fed in
 * chunks of 0.2 s with a partial result after each; the final result is the one-shot one. */
#define MODEL "/usr/share/pocketsphinx/model/en-us/en-us"
#define DICT "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
#define WAV "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav"
START_TEST(test_stream_real_audio)
{
    if (access(MODEL "/mdef", R_OK) || access(WAV, R_OK) || access(DICT, R_OK)) return;  /* not installed */
#ifdef __SANITIZE_ADDRESS__
    /* building the graph (C expansion) takes minutes under the sanitizers; the e2e test
     * decodes real audio through the same decoder in the sanitizer build */
    return;
#endif
    char *dir = test_tmpdir();
    char *lm = test_write_file(dir, "lm.arpa",
        "\\data\\\nngram 1=10\n\n\\1-grams:\n-1 </s>\n-99 <s>\n-1 he\n-1 was\n-1 not\n-1 an\n-1 ill\n"
        "-1 disposed\n-1 young\n-1 man\n\n\\end\\\n");
    struct wren_am *am;
    ck_assert_int_eq(wren_am_load(MODEL, &am), 0);
    int nt = wren_am_n_tmat(am);
    const float **tm = malloc(sizeof *tm * (size_t)nt);
    for (int i = 0; i < nt; i++) tm[i] = wren_am_tmat(am, i);
    struct wren_graph_model gm = { wren_am_mdef(am), nt, tm };
    struct wren_mkgraph_opts mo;
    wren_mkgraph_opts_default(&mo);
    char gdir[512];
    snprintf(gdir, sizeof gdir, "%s/graph", dir);
    struct wren_mkgraph_stats ms;
    ck_assert_msg(wren_mkgraph(&gm, DICT, lm, gdir, &mo, &ms) == 0, "%s", wren_error_msg());
    free(tm);
    wren_am_free(am);
    struct wren_decode_opts o;
    wren_decode_opts_default(&o);
    struct wren_decoder *d;
    ck_assert_msg(wren_decoder_create(MODEL, gdir, &o, &d) == 0, "%s", wren_error_msg());
    struct wren_audio_opts ao;
    wren_audio_opts_default(&ao);
    struct wren_audio a;
    ck_assert_int_eq(wren_audio_read(WAV, &ao, &a), 0);
    /* one shot */
    struct wren_decode_result r1, r2, pr;
    wren_decoder_start(d);
    wren_decoder_feed(d, a.samples, a.n);
    struct wren_lattice l1, l0;
    ck_assert_int_eq(wren_decoder_finish(d, &r1, &l1), 0);
    ck_assert_int_ge(r1.n, 6);
    struct wren_decoder_stats st;
    wren_decoder_stats(d, &st);
    ck_assert_int_eq(st.reached_final, r1.reached_final);
    /* the lattice alone (adaptation's statistics passes): the same lattice, no result */
    wren_decoder_start(d);
    wren_decoder_feed(d, a.samples, a.n);
    ck_assert_int_eq(wren_decoder_finish(d, NULL, &l0), 0);
    ck_assert_int_eq(l0.n_states, l1.n_states);
    ck_assert_int_eq(l0.n_arcs, l1.n_arcs);
    ck_assert_int_eq(l0.start, l1.start);
    wren_decoder_stats(d, &st);
    ck_assert_int_eq(st.reached_final, r1.reached_final);
    wren_lattice_free(&l0);
    wren_lattice_free(&l1);
    wren_decoder_start(d);
    ck_assert_int_eq(wren_decoder_finish(d, NULL, NULL), -1);   /* nothing asked for */
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "neither a result nor a lattice"));
    /* chunks with partial results */
    wren_decoder_start(d);
    size_t chunk = (size_t)a.rate / 5;
    int last_frames = 0, max_words = 0;
    for (size_t at = 0; at < a.n; at += chunk) {
        size_t n = at + chunk > a.n ? a.n - at : chunk;
        ck_assert_int_eq(wren_decoder_feed(d, a.samples + at, n), 0);
        ck_assert_int_eq(wren_decoder_partial(d, &pr), 0);
        ck_assert_int_ge(pr.frames, last_frames);
        last_frames = pr.frames;
        if (pr.n > max_words) max_words = pr.n;
        wren_decode_result_free(&pr);
    }
    ck_assert_int_gt(last_frames, 0);
    ck_assert_int_ge(max_words, 3);          /* words showed up before the end */
    ck_assert_int_eq(wren_decoder_finish(d, &r2, NULL), 0);
    ck_assert_int_eq(r1.n, r2.n);
    for (int i = 0; i < r1.n; i++) ck_assert_int_eq(r1.w[i].word, r2.w[i].word);
    ck_assert_double_eq_tol(r1.graph_cost, r2.graph_cost, 1e-3);
    wren_decode_result_free(&r1);
    wren_decode_result_free(&r2);
    /* a stream of 100 s (the five LibriVox files, four times) through the public calls: each
     * time the part not yet cut passes 20 s it is cut where its last piece of speech starts, the
     * part before decoded and dropped; partials after a cut start with the words cut off, times
     * run from the start */
    size_t m = 0, cap = 0;
    float *longs = NULL;
    for (int rep = 0; rep < 4; rep++)
        for (int f = 0; f < 5; f++) {
            static const char *ids[5] = { "0870", "0880", "0890", "0920", "0930" };
            char path[256];
            snprintf(path, sizeof path, "/usr/share/pocketsphinx/test/data/librivox/"
                     "sense_and_sensibility_01_austen_64kb-%s.wav", ids[f]);
            struct wren_audio b;
            ck_assert_msg(wren_audio_read(path, &ao, &b) == 0, "%s", wren_error_msg());
            if (m + b.n > cap) longs = realloc(longs, (cap = 2 * (m + b.n)) * sizeof *longs);
            memcpy(longs + m, b.samples, b.n * sizeof *longs);
            m += b.n;
            wren_audio_free(&b);
        }
    ck_assert_double_gt((double)m / a.rate, 95.0);
    struct wren_transcript *whole, *streamed, *part;
    ck_assert_int_eq(wren_decoder_decode_samples(d, longs, m, &whole), 0);
    wren_decoder_start_utterance(d);
    const struct wren_stream_cut *cut = wren_decoder_stream_cut(d);
    int n_cuts = 0;
    for (size_t at = 0; at < m; at += chunk) {
        double before = cut->offset;
        ck_assert_int_eq(wren_decoder_accept_samples(d, longs + at, at + chunk > m ? m - at : chunk), 0);
        if (cut->n_cuts == n_cuts) continue;
        /* a cut: the part it ended was over 20 s, and not over a minute here (pauses every few s) */
        double part_sec = (double)(at + chunk) / a.rate - before;
        ck_assert_int_eq(cut->n_cuts, ++n_cuts);
        ck_assert_msg(part_sec > 20 && part_sec < WREN_DECODE_PIECE_SECONDS && cut->offset > before + 5,
                      "cut %d: part %g s, offset %g", n_cuts, part_sec, cut->offset);
    }
    ck_assert_msg(n_cuts >= 3, "%d cuts", n_cuts);
    int n_done = wren_transcript_num_words(cut->done);
    ck_assert_int_gt(n_done, 10);
    ck_assert_int_eq(wren_decoder_partial_transcript(d, &part), 0);   /* the part cut off, then the rest */
    ck_assert_int_gt(wren_transcript_num_words(part), n_done);
    for (int i = 0; i < n_done; i++) ck_assert_str_eq(wren_transcript_word(part, i), wren_transcript_word(cut->done, i));
    ck_assert_int_eq(wren_decoder_finish_utterance(d, &streamed), 0);
    ck_assert_ptr_null(cut->done);
    /* (this LM of eight words makes no sense of the speech; tests/python/test_wren.py compares the
     * words with an in-domain LM) */
    int nw = wren_transcript_num_words(whole), ns = wren_transcript_num_words(streamed);
    ck_assert_msg(abs(nw - ns) <= nw / 10, "streamed %d words, decode_samples %d", ns, nw);
    ck_assert_double_gt(wren_transcript_word_end(streamed, ns - 1), 60.0);
    for (int i = 1; i < ns; i++)
        ck_assert_double_ge(wren_transcript_word_start(streamed, i), wren_transcript_word_end(streamed, i - 1) - 0.011);
    wren_transcript_free(whole);
    wren_transcript_free(streamed);
    wren_transcript_free(part);
    /* a stream of 50 s is cut as it comes too, but its final transcript is decode_samples' */
    size_t m50 = m / 2;
    ck_assert_int_eq(wren_decoder_decode_samples(d, longs, m50, &whole), 0);
    wren_decoder_start_utterance(d);
    for (size_t at = 0; at < m50; at += chunk) {
        ck_assert_int_eq(wren_decoder_accept_samples(d, longs + at, at + chunk > m50 ? m50 - at : chunk), 0);
        if (at % (5 * chunk) == 0) {
            ck_assert_int_eq(wren_decoder_partial_transcript(d, &part), 0);
            wren_transcript_free(part);
        }
    }
    ck_assert_int_ge(cut->n_cuts, 1);
    ck_assert_int_eq(wren_decoder_finish_utterance(d, &streamed), 0);
    ck_assert_int_eq(wren_transcript_num_words(streamed), wren_transcript_num_words(whole));
    for (int i = 0; i < wren_transcript_num_words(whole); i++) {
        ck_assert_str_eq(wren_transcript_word(streamed, i), wren_transcript_word(whole, i));
        ck_assert_double_eq(wren_transcript_word_start(streamed, i), wren_transcript_word_start(whole, i));
    }
    wren_transcript_free(whole);
    wren_transcript_free(streamed);
    free(longs);
    wren_audio_free(&a);
    wren_decoder_free(d);
    free(lm);
    free(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("search");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_two_words_epsilon);
    tcase_add_test(tc, test_tie);
    tcase_add_test(tc, test_beam_prunes);
    tcase_add_test(tc, test_no_final);
    tcase_add_test(tc, test_bad_inputs);
    tcase_add_test(tc, test_opts_table);
    tcase_add_loop_test(tc, test_random_vs_bruteforce, 0, 200);
    tcase_add_test(tc, test_streaming_equals_batch);
    suite_add_tcase(s, tc);
    TCase *real = tcase_create("stream");
    tcase_set_timeout(real, 300);
    tcase_add_test(real, test_stream_real_audio);
    suite_add_tcase(s, real);
    return s;
}

int main(void) { return test_run_suite(suite()); }
