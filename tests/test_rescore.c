/* test_rescore.c — unit tests of lm/rescore: n-best rescoring against direct sentence scoring,
 * prefix sharing, pruned lattice rescoring against exhaustive n-best, lambda = 0 with the
 * first-pass LM, empty lattices, batched lattice rescoring (several lattices side by side)
 * against one at a time, and bad input through `wren rescore`. A hand-built lattice and random
 * lattices (lattice.h builder, written as compact-lattice text) and a tiny random NNLM. */
#include "testutil.h"

#include "lm/arpa.h"
#include "utils/error.h"
#include "fstext/fst.h"
#include "lat/lattice.h"
#include "nnlm/nnlm.h"
#include "rescore/rescore.h"

#include <math.h>

int wren_cmd_rescore(int argc, char **argv);

static const char *WORDS = "<eps> 0\na 1\nb 2\nc 3\nd 4\nzz 5\n";
static const char *VOCAB = "a\nb\nc\nd\n";
static const char *ARPA =
    "\\data\\\nngram 1=7\nngram 2=6\n\n\\1-grams:\n"
    "-0.9 <unk> -0.1\n-99 <s> -0.5\n-0.8 </s>\n-0.7 a -0.2\n-0.6 b -0.3\n-0.9 c -0.1\n-0.5 d -0.4\n\n"
    "\\2-grams:\n-0.2 <s> a\n-0.4 a c\n-0.3 b d\n-0.1 c a\n-0.2 d </s>\n-0.5 a </s>\n\n\\end\\\n";

struct fixture {
    char *dir;
    struct wren_nnlm *nnlm;
    struct wren_arpa *lm;
    struct wren_symtab *words;
    struct wren_rescorer *r;
};

static void fixture_open(struct fixture *f)
{
    f->dir = test_tmpdir();
    char *vp = test_write_file(f->dir, "vocab.txt", VOCAB);
    char *ap = test_write_file(f->dir, "lm.arpa", ARPA);
    char *wp = test_write_file(f->dir, "words.txt", WORDS);
    struct wren_nnlm_vocab *v = wren_nnlm_vocab_read(vp);
    ck_assert_ptr_nonnull(v);
    struct wren_nnlm_arch a;
    wren_nnlm_arch_default(&a);
    a.n_layers = 2; a.d_model = 16; a.n_heads = 2; a.d_ffn = 24; a.context = 16;
    f->nnlm = wren_nnlm_create(&a, v, 7);
    ck_assert_ptr_nonnull(f->nnlm);
    /* spread the random output distribution so that the NNLM changes rankings */
    int rows, cols;
    float *e = wren_nnlm_tensor(f->nnlm, "tok_emb.weight", &rows, &cols);
    ck_assert_ptr_nonnull(e);
    for (int i = 0; i < rows * cols; i++) e[i] *= 20.0f;
    ck_assert_int_eq(wren_arpa_read(ap, &f->lm), 0);
    ck_assert_int_eq(wren_symtab_read_text(wp, &f->words), 0);
    f->r = wren_rescorer_create(f->nnlm, f->lm, f->lm, f->words);
    wren_nnlm_vocab_free(v);
    free(vp); free(ap); free(wp);
}

static void fixture_close(struct fixture *f)
{
    wren_rescorer_free(f->r);
    wren_nnlm_free(f->nnlm);
    wren_arpa_free(f->lm);
    wren_symtab_free(f->words);
    free(f->dir);
}

/* 0 -a|b-> 1 -c|d|zz-> 2 -a|eps-> 3 final, plus 0 -d-> 3 and 1 -b-> 3: 3*2*2+... paths. */
static void build_lattice(struct wren_lattice *l)
{
    struct wren_lat_builder *b = wren_lat_builder_create();
    for (int i = 0; i < 4; i++) wren_lat_builder_add_state(b);
    int32_t t = 1;
    wren_lat_builder_add_arc(b, 0, 1, 1, 1.0f, 20.0f, &t, 1);
    wren_lat_builder_add_arc(b, 0, 1, 2, 1.5f, 18.0f, &t, 1);
    wren_lat_builder_add_arc(b, 0, 3, 4, 4.0f, 60.0f, &t, 1);
    wren_lat_builder_add_arc(b, 1, 2, 3, 0.7f, 15.0f, &t, 1);
    wren_lat_builder_add_arc(b, 1, 2, 4, 0.9f, 14.0f, &t, 1);
    wren_lat_builder_add_arc(b, 1, 2, 5, 2.0f, 12.0f, &t, 1);
    wren_lat_builder_add_arc(b, 1, 3, 2, 2.5f, 30.0f, &t, 1);
    wren_lat_builder_add_arc(b, 2, 3, 1, 0.3f, 11.0f, &t, 1);
    wren_lat_builder_add_arc(b, 2, 3, 0, 0.2f, 13.0f, &t, 1);
    wren_lat_builder_set_final(b, 3, 0.5f, 1.0f, NULL, 0);
    wren_lat_builder_finish(b, 0, l);
    wren_lat_builder_free(b);
}

static int same_words(const int32_t *a, int na, const int32_t *b, int nb)
{
    return na == nb && (na == 0 || !memcmp(a, b, sizeof *a * (size_t)na));
}

START_TEST(test_nbest_equals_sentence_scoring)
{
    struct fixture f;
    fixture_open(&f);
    struct wren_lattice l;
    build_lattice(&l);
    struct wren_rescore_opts o;
    wren_rescore_opts_default(&o);
    struct wren_rescore_hyp *h;
    struct wren_rescore_stats st = { 0 };
    int n = wren_rescore_nbest(f.r, &o, &l, &h, &st);
    ck_assert_int_eq(n, 15);   /* 2*3*2 + (a|b) b + d */
    double *direct = malloc(sizeof *direct * (size_t)n);
    ck_assert_int_eq(wren_rescore_sentence_costs(f.r, n, h, direct), 0);
    int oov = 0;
    for (int i = 0; i < n; i++) {
        ck_assert_msg(fabs(h[i].nnlm - direct[i]) < 1e-3 * (1 + fabs(direct[i])),
                      "hyp %d: shared %f direct %f", i, h[i].nnlm, direct[i]);
        oov += h[i].n_oov;
    }
    ck_assert_int_eq(oov, 4);   /* the paths through zz */
    /* prefix sharing: fewer tokens than one per word and </s> of every hypothesis */
    ck_assert_int_lt(st.tokens, st.naive_tokens);
    long naive = 0;
    for (int i = 0; i < n; i++) naive += h[i].n_words + 1;
    ck_assert_int_eq(st.naive_tokens, naive);
    /* the n-gram cost under the first-pass LM removes the LM share exactly: hmm + ngram = g */
    struct wren_path *p;
    int np = wren_lattice_nbest(&l, o.acwt, 100, 100000, &p);
    ck_assert_int_eq(np, n);
    for (int i = 0; i < n; i++) {
        ck_assert(same_words(p[i].words, p[i].n_words, h[i].words, h[i].n_words));
        ck_assert(fabs(h[i].hmm + h[i].ngram - p[i].g) < 1e-4);
        wren_path_free(&p[i]);
    }
    free(p);
    free(direct);
    wren_rescore_hyps_free(h, n);
    wren_lattice_free(&l);
    fixture_close(&f);
}
END_TEST

/* lambda = 0, LM weight 1, first-pass LM as the n-gram: the first-pass best path. */
START_TEST(test_lambda0_reproduces_first_pass)
{
    struct fixture f;
    fixture_open(&f);
    struct wren_lattice l, out;
    build_lattice(&l);
    struct wren_rescore_opts o;
    wren_rescore_opts_default(&o);
    o.lambda = 0;
    struct wren_path fp, lp;
    ck_assert_int_eq(wren_lattice_best_path(&l, o.acwt, &fp), 0);
    struct wren_rescore_hyp *h;
    struct wren_rescore_stats st = { 0 };
    int n = wren_rescore_nbest(f.r, &o, &l, &h, &st);
    int b = wren_rescore_best(&o, h, n);
    ck_assert(same_words(fp.words, fp.n_words, h[b].words, h[b].n_words));
    ck_assert(fabs(wren_rescore_hyp_cost(&o, &h[b]) - (fp.g + o.acwt * fp.a)) < 1e-3);
    ck_assert_int_eq(wren_rescore_lattice(f.r, &o, &l, &out, &st), 0);
    ck_assert_int_eq(wren_lattice_best_path(&out, o.acwt, &lp), 0);
    ck_assert(same_words(fp.words, fp.n_words, lp.words, lp.n_words));
    ck_assert(fabs((lp.g + o.acwt * lp.a) - (fp.g + o.acwt * fp.a)) < 1e-3);
    wren_path_free(&fp); wren_path_free(&lp);
    wren_rescore_hyps_free(h, n);
    wren_lattice_free(&out);
    wren_lattice_free(&l);
    fixture_close(&f);
}
END_TEST

/* History k >= longest path and no pruning: every path of the rescored lattice costs exactly
 * what n-best rescoring gives its word sequence, so both have the same best path and score. */
START_TEST(test_lattice_exact_with_long_history)
{
    struct fixture f;
    fixture_open(&f);
    struct wren_lattice l, out;
    build_lattice(&l);
    struct wren_rescore_opts o;
    wren_rescore_opts_default(&o);
    o.lambda = 0.7f; o.lm_weight = 3.0f; o.wip = 0.4f; o.oov_penalty = 1.5f;
    o.history = 4; o.beam = INFINITY;
    struct wren_rescore_hyp *h;
    struct wren_rescore_stats st = { 0 }, lst = { 0 };
    int n = wren_rescore_nbest(f.r, &o, &l, &h, &st);
    ck_assert_int_eq(wren_rescore_lattice(f.r, &o, &l, &out, &lst), 0);
    struct wren_path *p;
    int np = wren_lattice_nbest(&out, o.acwt, 1000, 1000000, &p);
    ck_assert_int_eq(np, n);
    for (int i = 0; i < np; i++) {
        int j = 0;
        while (j < n && !same_words(p[i].words, p[i].n_words, h[j].words, h[j].n_words)) j++;
        ck_assert_int_lt(j, n);
        double want = wren_rescore_hyp_cost(&o, &h[j]), got = p[i].g + o.acwt * p[i].a;
        ck_assert_msg(fabs(want - got) < 2e-3 * (1 + fabs(want)), "path %d: lattice %f n-best %f", i, got, want);
    }
    int b = wren_rescore_best(&o, h, n);
    ck_assert(same_words(p[0].words, p[0].n_words, h[b].words, h[b].n_words));
    /* the NNLM changed the ranking with these settings (else this test shows little) */
    struct wren_path fp;
    ck_assert_int_eq(wren_lattice_best_path(&l, o.acwt, &fp), 0);
    ck_assert_msg(!same_words(fp.words, fp.n_words, h[b].words, h[b].n_words), "ranking unchanged");
    wren_path_free(&fp);
    /* a short history merges states: fewer tokens than the exact expansion */
    struct wren_rescore_opts o1 = o;
    o1.history = 1;
    struct wren_lattice out1;
    struct wren_rescore_stats st1 = { 0 };
    ck_assert_int_eq(wren_rescore_lattice(f.r, &o1, &l, &out1, &st1), 0);
    ck_assert_int_lt(st1.tokens, lst.tokens);
    wren_lattice_free(&out1);
    for (int i = 0; i < np; i++) wren_path_free(&p[i]);
    free(p);
    wren_rescore_hyps_free(h, n);
    wren_lattice_free(&out);
    wren_lattice_free(&l);
    fixture_close(&f);
}
END_TEST

/* A random lattice over the test words (with epsilons and the OOV zz): states in topological
 * order, an arc to the next state from each and up to 3 more forward, some finals. */
static void random_lattice(unsigned *seed, int n_states, struct wren_lattice *l)
{
    struct wren_lat_builder *b = wren_lat_builder_create();
    for (int i = 0; i < n_states; i++) wren_lat_builder_add_state(b);
    int32_t t = 1;
    for (int s = 0; s + 1 < n_states; s++) {
        int narc = 1 + rand_r(seed) % 4;
        for (int k = 0; k < narc; k++) {
            int d = k ? s + 1 + rand_r(seed) % 3 : s + 1;
            if (d >= n_states) d = n_states - 1;
            int w = rand_r(seed) % 6;
            wren_lat_builder_add_arc(b, s, d, w, (float)(rand_r(seed) % 300) / 100.0f,
                                     5.0f + (float)(rand_r(seed) % 2500) / 100.0f, &t, 1);
        }
        if (s > n_states / 2 && rand_r(seed) % 4 == 0)
            wren_lat_builder_set_final(b, s, 1.0f, 2.0f, NULL, 0);
    }
    wren_lat_builder_set_final(b, n_states - 1, 0.5f, 1.0f, NULL, 0);
    wren_lat_builder_finish(b, 0, l);
    wren_lat_builder_free(b);
    wren_lattice_connect_sort(l);
}

/* Same states, arcs, words and finals; graph costs within tol (relative); acoustic equal. */
static void assert_same_lattice(const struct wren_lattice *a, const struct wren_lattice *b, int idx,
                                double tol)
{
    ck_assert_msg(a->n_states == b->n_states && a->n_arcs == b->n_arcs && a->start == b->start,
                  "lattice %d: %d/%ld states/arcs one at a time, %d/%ld batched", idx, a->n_states,
                  (long)a->n_arcs, b->n_states, (long)b->n_arcs);
    for (int32_t s = 0; s <= a->n_states; s++) ck_assert_int_eq(a->off[s], b->off[s]);
    for (int64_t i = 0; i < a->n_arcs; i++) {
        ck_assert_int_eq(a->arcs[i].dst, b->arcs[i].dst);
        ck_assert_int_eq(a->arcs[i].word, b->arcs[i].word);
        ck_assert_msg(fabs((double)a->arcs[i].g - b->arcs[i].g) <= tol * (1 + fabs((double)a->arcs[i].g)),
                      "lattice %d arc %ld: %f vs %f", idx, (long)i, (double)a->arcs[i].g, (double)b->arcs[i].g);
        ck_assert(a->arcs[i].a == b->arcs[i].a);
    }
    for (int32_t s = 0; s < a->n_states; s++) {
        ck_assert_int_eq(a->final_g[s] == INFINITY, b->final_g[s] == INFINITY);
        if (a->final_g[s] != INFINITY)
            ck_assert(fabs((double)a->final_g[s] - b->final_g[s]) <= tol * (1 + fabs((double)a->final_g[s])));
    }
}

/* Lattices rescored side by side (batches of 1, 3 and more than there are lattices; an empty
 * lattice among them; lattices of different sizes, so slots are refilled) are the lattices of
 * one-at-a-time rescoring: same structure and best paths, costs up to float rounding, same
 * NNLM tokens; and the beam prunes with these settings (else the comparison shows little). */
START_TEST(test_lattice_batched_equals_one_at_a_time)
{
    struct fixture f;
    fixture_open(&f);
    enum { N = 9 };
    struct wren_lattice in[N], one[N], out[N];
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        if (i == 4) wren_lattice_init(&in[i]);
        else random_lattice(&seed, 4 + (i * 7) % 17, &in[i]);
    }
    struct wren_rescore_opts o;
    wren_rescore_opts_default(&o);
    o.lambda = 0.7f; o.lm_weight = 3.0f; o.wip = 0.4f; o.history = 2; o.beam = 6.0f;
    struct wren_rescore_stats st1[N], wide[N];
    long tokens1 = 0, tokens_wide = 0;
    for (int i = 0; i < N; i++) {
        st1[i] = (struct wren_rescore_stats){ 0 };
        ck_assert_int_eq(wren_rescore_lattice(f.r, &o, &in[i], &one[i], &st1[i]), 0);
        tokens1 += st1[i].tokens;
        struct wren_rescore_opts ow = o;
        struct wren_lattice lw;
        ow.beam = INFINITY;
        wide[i] = (struct wren_rescore_stats){ 0 };
        ck_assert_int_eq(wren_rescore_lattice(f.r, &ow, &in[i], &lw, &wide[i]), 0);
        tokens_wide += wide[i].tokens;
        wren_lattice_free(&lw);
    }
    ck_assert_msg(tokens1 < tokens_wide, "beam does not prune: %ld vs %ld tokens", tokens1, tokens_wide);
    ck_assert_int_eq(one[4].start, -1);
    const int batches[] = { 1, 3, 64 };
    for (int b = 0; b < 3; b++) {
        struct wren_rescore_opts ob = o;
        ob.lattice_batch = batches[b];
        struct wren_rescore_stats st[N];
        memset(st, 0, sizeof st);
        int failed = 7;
        ck_assert_int_eq(wren_rescore_lattices(f.r, &ob, N, in, out, st, &failed), 0);
        ck_assert_int_eq(failed, -1);
        for (int i = 0; i < N; i++) {
            assert_same_lattice(&one[i], &out[i], i, 1e-4);
            ck_assert_int_eq(st[i].tokens, st1[i].tokens);
            ck_assert_int_eq(st[i].hyps, st1[i].hyps);
            if (one[i].start < 0) { wren_lattice_free(&out[i]); continue; }
            struct wren_path p1, pb;
            ck_assert_int_eq(wren_lattice_best_path(&one[i], o.acwt, &p1), 0);
            ck_assert_int_eq(wren_lattice_best_path(&out[i], o.acwt, &pb), 0);
            ck_assert(same_words(p1.words, p1.n_words, pb.words, pb.n_words));
            ck_assert(fabs((p1.g + o.acwt * p1.a) - (pb.g + o.acwt * pb.a)) < 1e-3);
            wren_path_free(&p1); wren_path_free(&pb);
            wren_lattice_free(&out[i]);
        }
    }
    for (int i = 0; i < N; i++) { wren_lattice_free(&in[i]); wren_lattice_free(&one[i]); }
    fixture_close(&f);
}
END_TEST

/* A lattice is expanded level by level: the states at the same number of arcs from the start
 * are scored in one NNLM call. A confusion network of K positions with the words a, b, c, d at
 * each (its bigram expansion has a state per last word, so up to 4 states a position, and the
 * NNLM histories more) costs at most K + 1 calls (the last one for </s>), not one per expanded
 * state, and each call scores several requests. */
START_TEST(test_lattice_one_call_per_level)
{
    struct fixture f;
    fixture_open(&f);
    enum { K = 6 };
    struct wren_lat_builder *b = wren_lat_builder_create();
    for (int i = 0; i <= K; i++) wren_lat_builder_add_state(b);
    int32_t t = 1;
    for (int s = 0; s < K; s++)
        for (int w = 1; w <= 4; w++)
            wren_lat_builder_add_arc(b, s, s + 1, w, 0.5f * (float)w, 10.0f + (float)((s + w) % 3), &t, 1);
    wren_lat_builder_set_final(b, K, 0.0f, 0.0f, NULL, 0);
    struct wren_lattice in, out;
    wren_lat_builder_finish(b, 0, &in);
    wren_lat_builder_free(b);
    wren_lattice_connect_sort(&in);
    struct wren_rescore_opts o;
    wren_rescore_opts_default(&o);
    o.beam = INFINITY;
    struct wren_rescore_stats st = { 0 };
    long c0 = wren_rescorer_nnlm_calls(f.r);
    ck_assert_int_eq(wren_rescore_lattice(f.r, &o, &in, &out, &st), 0);
    long calls = wren_rescorer_nnlm_calls(f.r) - c0;
    ck_assert_int_ge(out.start, 0);
    ck_assert_msg(calls <= K + 1, "%ld NNLM calls for %d levels", calls, K + 1);
    ck_assert_msg(st.tokens >= 4 * calls, "%ld tokens in %ld calls", st.tokens, calls);
    wren_lattice_free(&in);
    wren_lattice_free(&out);
    fixture_close(&f);
}
END_TEST

/* N-best lists of several lattices in one prefix trie (an empty lattice among them) give every
 * lattice the hypotheses, costs (up to float rounding: GEMMs over another batch) and naive
 * token counts of one-at-a-time n-best rescoring; prefixes shared across lattices are scored
 * once, so the tokens add up to at most the one-at-a-time total. A lattice with no path to a
 * final state gets no hypotheses beside one that has them. */
START_TEST(test_nbest_batched_equals_one_at_a_time)
{
    struct fixture f;
    fixture_open(&f);
    enum { N = 7 };
    struct wren_lattice in[N];
    unsigned seed = 777;
    for (int i = 0; i < N; i++) {
        if (i == 2) wren_lattice_init(&in[i]);
        else if (i == 5) build_lattice(&in[i]);
        else random_lattice(&seed, 4 + (i * 5) % 13, &in[i]);
    }
    struct wren_rescore_opts o;
    wren_rescore_opts_default(&o);
    o.lambda = 0.7f; o.lm_weight = 3.0f; o.wip = 0.4f; o.nbest = 20;
    struct wren_rescore_hyp *h1[N], *hb[N];
    int n1[N], nb[N], failed = 3;
    struct wren_rescore_stats st1[N], stb[N];
    long tokens1 = 0, tokensb = 0;
    memset(st1, 0, sizeof st1);
    memset(stb, 0, sizeof stb);
    for (int i = 0; i < N; i++) {
        n1[i] = wren_rescore_nbest(f.r, &o, &in[i], &h1[i], &st1[i]);
        ck_assert_int_ge(n1[i], 0);
        tokens1 += st1[i].tokens;
    }
    ck_assert_int_eq(n1[2], 0);
    ck_assert_int_eq(wren_rescore_nbest_many(f.r, &o, N, in, hb, nb, stb, &failed), 0);
    ck_assert_int_eq(failed, -1);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(nb[i], n1[i]);
        ck_assert_int_eq(stb[i].naive_tokens, st1[i].naive_tokens);
        ck_assert_int_eq(stb[i].hyps, st1[i].hyps);
        tokensb += stb[i].tokens;
        for (int j = 0; j < n1[i]; j++) {
            ck_assert(same_words(h1[i][j].words, h1[i][j].n_words, hb[i][j].words, hb[i][j].n_words));
            ck_assert_msg(fabs(h1[i][j].nnlm - hb[i][j].nnlm) < 1e-4 * (1 + fabs(h1[i][j].nnlm)),
                          "lattice %d hyp %d: one %f batched %f", i, j, h1[i][j].nnlm, hb[i][j].nnlm);
            ck_assert(h1[i][j].ngram == hb[i][j].ngram && h1[i][j].hmm == hb[i][j].hmm);
        }
        if (n1[i]) ck_assert_int_eq(wren_rescore_best(&o, h1[i], n1[i]), wren_rescore_best(&o, hb[i], nb[i]));
        wren_rescore_hyps_free(h1[i], n1[i]);
        wren_rescore_hyps_free(hb[i], nb[i]);
    }
    ck_assert_int_le(tokensb, tokens1);
    ck_assert_int_gt(tokensb, 0);
    /* a lattice with no path to a final state: no hypotheses, the other lattice unaffected */
    struct wren_lattice bad[2];
    build_lattice(&bad[0]);
    struct wren_lat_builder *b = wren_lat_builder_create();
    wren_lat_builder_add_state(b); wren_lat_builder_add_state(b);
    int32_t t = 1;
    wren_lat_builder_add_arc(b, 0, 1, 1, 1.0f, 2.0f, &t, 1);
    wren_lat_builder_finish(b, 0, &bad[1]);
    wren_lat_builder_free(b);
    memset(stb, 0, sizeof stb);
    ck_assert_int_eq(wren_rescore_nbest_many(f.r, &o, 2, bad, hb, nb, stb, &failed), 0);
    ck_assert_int_eq(nb[0], 15);
    ck_assert_int_eq(nb[1], 0);
    wren_rescore_hyps_free(hb[0], nb[0]);
    wren_rescore_hyps_free(hb[1], nb[1]);
    wren_lattice_free(&bad[0]); wren_lattice_free(&bad[1]);
    for (int i = 0; i < N; i++) wren_lattice_free(&in[i]);
    fixture_close(&f);
}
END_TEST

START_TEST(test_empty_lattice)
{
    struct fixture f;
    fixture_open(&f);
    struct wren_lattice l, out;
    wren_lattice_init(&l);
    struct wren_rescore_opts o;
    wren_rescore_opts_default(&o);
    struct wren_rescore_hyp *h;
    struct wren_rescore_stats st = { 0 };
    ck_assert_int_eq(wren_rescore_nbest(f.r, &o, &l, &h, &st), 0);
    ck_assert_int_eq(wren_rescore_lattice(f.r, &o, &l, &out, &st), 0);
    ck_assert_int_eq(out.start, -1);
    ck_assert_int_eq(st.tokens, 0);
    wren_lattice_free(&out);
    wren_lattice_free(&l);
    fixture_close(&f);
}
END_TEST

static int run_cmd(const char *dir, const char *model, const char *lat, const char *mode)
{
    char m[512], lm[512], w[512], hyp[512];
    snprintf(m, sizeof m, "--nnlm=%s", model);
    snprintf(lm, sizeof lm, "--lm=%s/lm.arpa", dir);
    snprintf(w, sizeof w, "--words=%s/words.txt", dir);
    snprintf(hyp, sizeof hyp, "%s/hyp.txt", dir);
    char md[64];
    snprintf(md, sizeof md, "--mode=%s", mode);
    char *argv[] = { "rescore", m, lm, w, md, (char *)lat, hyp, NULL };
    return wren_cmd_rescore(7, argv);
}

START_TEST(test_command_and_bad_input)
{
    struct fixture f;
    fixture_open(&f);
    char model[512];
    snprintf(model, sizeof model, "%s/m.safetensors", f.dir);
    ck_assert_int_eq(wren_nnlm_save(f.nnlm, model), 0);
    struct wren_lattice l, e;
    build_lattice(&l);
    wren_lattice_init(&e);
    char lat[512];
    snprintf(lat, sizeof lat, "%s/lat.txt", f.dir);
    FILE *fp = fopen(lat, "w");
    wren_lattice_write(fp, "u1", &l);
    wren_lattice_write(fp, "u2", &e);
    fclose(fp);
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(run_cmd(f.dir, model, lat, k ? "lattice" : "nbest"), 0);
        char hp[512], line[256];
        snprintf(hp, sizeof hp, "%s/hyp.txt", f.dir);
        FILE *h = fopen(hp, "r");
        ck_assert_ptr_nonnull(h);
        ck_assert_ptr_nonnull(fgets(line, sizeof line, h));
        ck_assert(!strncmp(line, "u1 ", 3));
        ck_assert_ptr_nonnull(fgets(line, sizeof line, h));
        ck_assert_str_eq(line, "u2\n");   /* the empty lattice passes through */
        fclose(h);
    }
    /* malformed arc line: error names the file and line */
    char *bad = test_write_file(f.dir, "bad.txt", "u1\n0 1 1 1.0,2.0,\n1 2 x y\n2\n\n");
    ck_assert_int_eq(run_cmd(f.dir, model, bad, "nbest"), 1);
    ck_assert_msg(strstr(wren_error_msg(), "bad.txt:3") != NULL, "message: %s", wren_error_msg());
    /* missing model */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/none.safetensors", f.dir);
    ck_assert_int_eq(run_cmd(f.dir, missing, lat, "lattice"), 1);
    ck_assert_msg(strstr(wren_error_msg(), "none.safetensors") != NULL, "message: %s", wren_error_msg());
    free(bad);
    wren_lattice_free(&e);
    wren_lattice_free(&l);
    fixture_close(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rescore");
    TCase *tc = tcase_create("rescore");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_nbest_equals_sentence_scoring);
    tcase_add_test(tc, test_lambda0_reproduces_first_pass);
    tcase_add_test(tc, test_lattice_exact_with_long_history);
    tcase_add_test(tc, test_lattice_batched_equals_one_at_a_time);
    tcase_add_test(tc, test_lattice_one_call_per_level);
    tcase_add_test(tc, test_nbest_batched_equals_one_at_a_time);
    tcase_add_test(tc, test_empty_lattice);
    tcase_add_test(tc, test_command_and_bad_input);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
