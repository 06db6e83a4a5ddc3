/* test_graph.c — unit tests of graph building (graph.h, lexicon.h): toy models (a text mdef
 * with three CI phones and a few triphones with their own senones, hand-made transition
 * matrices), toy lexicons and ARPA grammars. The built HCLG, read back from its files and
 * mapped through transitions.txt to senones, must accept the senone sequences worked out by
 * hand (right triphones in context, back-off to CI phones, self-loops, skips) with the
 * expected costs and words, and reject wrong ones; homophones are disambiguated; bad inputs
 * give file:line errors. */
#include <math.h>

#include "testutil.h"
#include "lm/arpa.h"
#include "utils/error.h"
#include "fstext/fst.h"
#include "graph/graph.h"
#include "graph/lexicon.h"
#include "am/mdef.h"

#define LN10 2.302585092994046

/* SIL (filler, senones 0-2), AH (3-5), B (6-8); triphones with senones 9.. */
static const char *MDEF =
    "0.3\n3 n_base\n5 n_tri\n32 n_state_map\n24 n_tied_state\n9 n_tied_ci_state\n3 n_tied_tmat\n"
    "#\n# base lft rt p attrib tmat ... state ids ...\n"
    "SIL - - - filler 0 0 1 2 N\n"
    "AH - - - n/a 1 3 4 5 N\n"
    "B - - - n/a 2 6 7 8 N\n"
    "B SIL AH b n/a 2 9 10 11 N\n"
    "AH B SIL e n/a 1 12 13 14 N\n"
    "AH SIL SIL s n/a 1 15 16 17 N\n"
    "B AH SIL e n/a 2 18 19 20 N\n"
    "AH B B i n/a 1 21 22 23 N\n";

/* Every state: self-loop .6, next .3, skip .1; the last state: self .7, exit .3. */
static const float TMAT[12] = { 0.6f, 0.3f, 0.1f, 0.0f,
                                0.0f, 0.6f, 0.3f, 0.1f,
                                0.0f, 0.0f, 0.7f, 0.3f };

struct toy {
    char *dir, *out;
    struct wren_mdef *mdef;
    struct wren_graph_model model;
    const float *tm[3];
    struct wren_fst *hclg;       /* input labels: senone + 1 */
    struct wren_symtab *words;
    struct wren_mkgraph_stats st;
};

static void toy_init(struct toy *t)
{
    memset(t, 0, sizeof *t);
    t->dir = test_tmpdir();
    char *p = test_write_file(t->dir, "mdef", MDEF);
    ck_assert_msg(wren_mdef_load(p, &t->mdef) == 0, "%s", wren_error_msg());
    free(p);
    for (int i = 0; i < 3; i++) t->tm[i] = TMAT;
    t->model = (struct wren_graph_model){ t->mdef, 3, t->tm };
    size_t n = strlen(t->dir) + 8;
    t->out = malloc(n);
    snprintf(t->out, n, "%s/graph", t->dir);
}

static void toy_free(struct toy *t)
{
    wren_fst_free(t->hclg);
    wren_symtab_free(t->words);
    wren_mdef_free(t->mdef);
    free(t->dir);
    free(t->out);
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Build and load the graph with input labels mapped from transition ids to senone + 1. */
static int toy_build_opts(struct toy *t, const char *dict, const char *arpa,
                          const struct wren_mkgraph_opts *o)
{
    char *d = test_write_file(t->dir, "dict", dict), *l = test_write_file(t->dir, "lm.arpa", arpa);
    int rc = wren_mkgraph(&t->model, d, l, t->out, o, &t->st);
    free(d);
    free(l);
    if (rc < 0) return -1;
    char *f = path_in(t->out, "HCLG.fst"), *tr = path_in(t->out, "transitions.txt");
    char *w = path_in(t->out, "words.txt");
    ck_assert_int_eq(wren_fst_read(f, &t->hclg), 0);
    ck_assert_int_eq(wren_symtab_read_text(w, &t->words), 0);
    struct wren_transition *tt;
    int ntid;
    ck_assert_int_eq(wren_graph_read_transitions(tr, &tt, &ntid), 0);
    ck_assert_int_eq(ntid, t->st.n_tids);
    int *imap = malloc((size_t)(ntid + 1) * sizeof(int));
    imap[0] = 0;
    for (int i = 1; i <= ntid; i++) {
        imap[i] = tt[i].senone + 1;
        ck_assert_int_lt(tt[i].senone, 24);
        /* the transition's phone is the CI phone owning the senone */
        ck_assert_int_eq(tt[i].phone, wren_mdef_senone_ciphone(t->mdef, tt[i].senone));
    }
    /* every input label of the graph is a transition id or epsilon */
    for (int s = 0; s < wren_fst_num_states(t->hclg); s++) {
        const struct wren_arc *a;
        size_t n;
        wren_fst_arcs(t->hclg, s, &a, &n);
        for (size_t k = 0; k < n; k++) ck_assert(a[k].ilabel >= 0 && a[k].ilabel <= ntid);
    }
    wren_fst_relabel(t->hclg, imap, ntid + 1, NULL, 0);
    free(imap);
    free(tt);
    free(f);
    free(tr);
    free(w);
    return 0;
}

static int toy_build(struct toy *t, const char *dict, const char *arpa, float sil_prob)
{
    struct wren_mkgraph_opts o;
    wren_mkgraph_opts_default(&o);
    o.sil_prob = sil_prob;
    o.self_loop_scale = 1.0f;   /* the expected costs of these tests are unscaled HMM costs; the
                                   scaled ones (the default 0.1) have their own test */
    return toy_build_opts(t, dict, arpa, &o);
}

/* Best cost of a senone sequence (-1 ends it) and the words on that path ("" if rejected). */
static float best(const struct toy *t, const int *sen, char *words, size_t wlen)
{
    struct wren_fst *lin = wren_fst_new(), *c = NULL, *sp = NULL;
    int s = wren_fst_add_state(lin);
    wren_fst_set_start(lin, s);
    for (int i = 0; sen[i] >= 0; i++) {
        int n = wren_fst_add_state(lin);
        wren_fst_add_arc(lin, s, sen[i] + 1, sen[i] + 1, 0, n);
        s = n;
    }
    wren_fst_set_final(lin, s, 0);
    ck_assert_int_eq(wren_fst_compose(lin, t->hclg, &c), 0);
    ck_assert_int_eq(wren_fst_shortest_path(c, 1, &sp), 0);
    float cost = INFINITY;
    words[0] = 0;
    int st = wren_fst_start(sp);
    if (st >= 0) {
        cost = 0;
        for (;;) {
            const struct wren_arc *a;
            size_t n;
            wren_fst_arcs(sp, st, &a, &n);
            if (n == 0) break;
            cost += a[0].weight;
            if (a[0].olabel) {
                const char *w = wren_symtab_symbol(t->words, a[0].olabel);
                if (words[0]) strncat(words, " ", wlen - strlen(words) - 1);
                strncat(words, w ? w : "?", wlen - strlen(words) - 1);
            }
            st = a[0].nextstate;
        }
        cost += wren_fst_final(sp, st);
    }
    wren_fst_free(lin);
    wren_fst_free(c);
    wren_fst_free(sp);
    return cost;
}

static const char *UNIGRAM =
    "\\data\\\nngram 1=4\n\n\\1-grams:\n-1.0 </s>\n-99 <s>\n-0.5 a\n-0.3 ba\n\n\\end\\\n";

static double lc(double p) { return -log(p); }

START_TEST(test_triphones_in_context)
{
    struct toy t;
    toy_init(&t);
    ck_assert_msg(toy_build(&t, "a AH\nba B AH\n", UNIGRAM, 0.0f) == 0, "%s", wren_error_msg());
    char w[256];
    double lm_ba = (0.3 + 1.0) * LN10, lm_a = (0.5 + 1.0) * LN10;
    /* "ba": B(SIL,AH,b) then AH(B,SIL,e), each state once. */
    int s1[] = { 9, 10, 11, 12, 13, 14, -1 };
    ck_assert_float_eq_tol(best(&t, s1, w, sizeof w), lm_ba + 6 * lc(0.3), 1e-3);
    ck_assert_str_eq(w, "ba");
    /* self-loops on B's first and AH's last state */
    int s2[] = { 9, 9, 9, 10, 11, 12, 13, 14, 14, -1 };
    ck_assert_float_eq_tol(best(&t, s2, w, sizeof w),
                           lm_ba + 6 * lc(0.3) + 2 * lc(0.6) + lc(0.7), 1e-3);
    /* a skip over B's middle state */
    int s3[] = { 9, 11, 12, 13, 14, -1 };
    ck_assert_float_eq_tol(best(&t, s3, w, sizeof w), lm_ba + lc(0.1) + 4 * lc(0.3), 1e-3);
    /* "a" alone: AH(SIL,SIL,s) */
    int s4[] = { 15, 16, 17, -1 };
    ck_assert_float_eq_tol(best(&t, s4, w, sizeof w), lm_a + 3 * lc(0.3), 1e-3);
    ck_assert_str_eq(w, "a");
    /* "ba a": AH(B,AH,e) and AH(AH,SIL,s) are not in the mdef: both back off to CI AH */
    int s5[] = { 9, 10, 11, 3, 4, 5, 3, 4, 5, -1 };
    float c5 = best(&t, s5, w, sizeof w);
    ck_assert_str_eq(w, "ba a");
    ck_assert_float_eq_tol(c5, (0.3 + 0.5 + 1.0) * LN10 + 9 * lc(0.3), 1e-3);
    /* wrong: CI senones where the triphone exists; wrong order; silence (sil_prob 0) */
    int r1[] = { 6, 7, 8, 12, 13, 14, -1 };
    int r2[] = { 12, 13, 14, 9, 10, 11, -1 };
    int r3[] = { 0, 1, 2, 15, 16, 17, -1 };
    int r4[] = { 9, 10, -1 };
    ck_assert(isinf(best(&t, r1, w, sizeof w)));
    ck_assert(isinf(best(&t, r2, w, sizeof w)));
    ck_assert(isinf(best(&t, r3, w, sizeof w)));
    ck_assert(isinf(best(&t, r4, w, sizeof w)));
    ck_assert_int_eq(t.st.words_kept, 2);
    ck_assert_int_eq(t.st.words_dropped, 0);
    /* the flat copy has the same states and arcs */
    char *fp = path_in(t.out, "HCLG.wgraph");
    struct wren_graph_flat g;
    ck_assert_int_eq(wren_graph_map_flat(fp, &g), 0);
    ck_assert_int_eq(g.num_states, (uint32_t)t.st.hclg_states);
    ck_assert_int_eq(g.num_arcs, (uint64_t)t.st.hclg_arcs);
    ck_assert_int_eq(g.start, wren_fst_start(t.hclg));
    for (uint32_t s = 0; s < g.num_states; s++) {
        ck_assert_uint_eq(g.arc_start[s + 1] - g.arc_start[s], wren_fst_num_arcs(t.hclg, (int)s));
        for (uint64_t k = g.arc_start[s] + 1; k < g.arc_start[s + 1]; k++)
            ck_assert_int_le(g.arcs[k - 1].ilabel, g.arcs[k].ilabel);
    }
    wren_graph_unmap_flat(&g);
    free(fp);
    toy_free(&t);
}
END_TEST

START_TEST(test_optional_silence)
{
    struct toy t;
    toy_init(&t);
    ck_assert_msg(toy_build(&t, "a AH\nba B AH\n", UNIGRAM, 0.5f) == 0, "%s", wren_error_msg());
    char w[256];
    double lm_ba = (0.3 + 1.0) * LN10, sil3 = 3 * lc(0.3);
    int s1[] = { 9, 10, 11, 12, 13, 14, -1 };
    ck_assert_float_eq_tol(best(&t, s1, w, sizeof w), lm_ba + 6 * lc(0.3) + 2 * lc(0.5), 1e-3);
    int s2[] = { 0, 1, 2, 9, 10, 11, 12, 13, 14, 0, 1, 2, -1 };
    ck_assert_float_eq_tol(best(&t, s2, w, sizeof w),
                           lm_ba + 6 * lc(0.3) + 2 * lc(0.5) + 2 * sil3, 1e-3);
    ck_assert_str_eq(w, "ba");
    /* silence between words: contexts across SIL are SIL: AH(SIL,SIL,s) */
    int s3[] = { 9, 10, 11, 12, 13, 14, 0, 1, 2, 15, 16, 17, -1 };
    ck_assert_float_eq_tol(best(&t, s3, w, sizeof w),
                           (0.3 + 0.5 + 1.0) * LN10 + 9 * lc(0.3) + sil3 + 3 * lc(0.5), 1e-3);
    ck_assert_str_eq(w, "ba a");
    int r1[] = { 0, 1, 2, 0, 1, 2, 15, 16, 17, -1 };   /* two silences in a row */
    ck_assert(isinf(best(&t, r1, w, sizeof w)));
    toy_free(&t);
}
END_TEST

/* --transition-scale / --self-loop-scale (Kaldi's): a self-loop costs sls * -ln a_ii, a forward
 * transition ts * -ln(a_ij / (1 - a_ii)) + sls * -ln(1 - a_ii); the toy rows are
 * (.6 self, .3 next, .1 skip) for states 0 and 1 and (.7 self, .3 exit) for state 2. */
START_TEST(test_transition_scales)
{
    const double ts = 0.5, sls = 0.1;
    struct toy t;
    toy_init(&t);
    struct wren_mkgraph_opts o;
    wren_mkgraph_opts_default(&o);
    o.sil_prob = 0;
    o.transition_scale = (float)ts;
    o.self_loop_scale = (float)sls;
    ck_assert_msg(toy_build_opts(&t, "a AH\nba B AH\n", UNIGRAM, &o) == 0, "%s", wren_error_msg());
    char w[256];
    double lm_ba = (0.3 + 1.0) * LN10;
    double next = ts * lc(0.3 / 0.4) + sls * lc(0.4), exit = sls * lc(0.3);
    double phone = 2 * next + exit;
    int s1[] = { 9, 10, 11, 12, 13, 14, -1 };
    ck_assert_float_eq_tol(best(&t, s1, w, sizeof w), lm_ba + 2 * phone, 1e-3);
    ck_assert_str_eq(w, "ba");
    /* self-loops: two on B's first state, one on AH's last */
    int s2[] = { 9, 9, 9, 10, 11, 12, 13, 14, 14, -1 };
    ck_assert_float_eq_tol(best(&t, s2, w, sizeof w),
                           lm_ba + 2 * phone + sls * (2 * lc(0.6) + lc(0.7)), 1e-3);
    /* the skip over B's middle state */
    int s3[] = { 9, 11, 12, 13, 14, -1 };
    ck_assert_float_eq_tol(best(&t, s3, w, sizeof w),
                           lm_ba + ts * lc(0.1 / 0.4) + sls * lc(0.4) + exit + phone, 1e-3);
    toy_free(&t);
    /* scales 1 give the plain -ln a_ij (as test_triphones_in_context) */
    toy_init(&t);
    o.transition_scale = o.self_loop_scale = 1.0f;
    ck_assert_int_eq(toy_build_opts(&t, "a AH\nba B AH\n", UNIGRAM, &o), 0);
    ck_assert_float_eq_tol(best(&t, s2, w, sizeof w),
                           lm_ba + 6 * lc(0.3) + 2 * lc(0.6) + lc(0.7), 1e-3);
    toy_free(&t);
    /* --noise-prob needs a noise phone (the toy's only filler is SIL), and a sum < 1 */
    toy_init(&t);
    o.noise_prob = 0.1f;
    ck_assert_int_eq(toy_build_opts(&t, "a AH\nba B AH\n", UNIGRAM, &o), -1);
    ck_assert_msg(strstr(wren_error_msg(), "no noise phone"), "%s", wren_error_msg());
    o.sil_prob = 0.95f;
    ck_assert_int_eq(toy_build_opts(&t, "a AH\nba B AH\n", UNIGRAM, &o), -1);
    ck_assert_msg(strstr(wren_error_msg(), "must be < 1"), "%s", wren_error_msg());
    toy_free(&t);
}
END_TEST

START_TEST(test_bigram_backoff)
{
    struct toy t;
    toy_init(&t);
    const char *arpa =
        "\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n-1.0 </s>\n-99 <s> -0.25\n-0.5 a -0.1\n"
        "-0.3 ba -0.2\n\n\\2-grams:\n-0.05 <s> ba\n-0.15 ba </s>\n\n\\end\\\n";
    ck_assert_msg(toy_build(&t, "a AH\nba B AH\n", arpa, 0.0f) == 0, "%s", wren_error_msg());
    char w[256];
    int s1[] = { 9, 10, 11, 12, 13, 14, -1 };
    /* <s> ba (bigram) ba </s> (bigram) */
    ck_assert_float_eq_tol(best(&t, s1, w, sizeof w), (0.05 + 0.15) * LN10 + 6 * lc(0.3), 1e-3);
    int s2[] = { 15, 16, 17, -1 };
    /* <s> a: back-off 0.25 + 0.5; a </s>: back-off 0.1 + 1.0 */
    ck_assert_float_eq_tol(best(&t, s2, w, sizeof w),
                           (0.25 + 0.5 + 0.1 + 1.0) * LN10 + 3 * lc(0.3), 1e-3);
    ck_assert_str_eq(w, "a");
    toy_free(&t);
}
END_TEST

START_TEST(test_homophones)
{
    struct toy t;
    toy_init(&t);
    const char *arpa = "\\data\\\nngram 1=5\n\n\\1-grams:\n-1.0 </s>\n-99 <s>\n-0.5 a\n"
                       "-0.3 ba\n-0.2 bah\n\n\\end\\\n";
    ck_assert_msg(toy_build(&t, "a AH\nba B AH\nbah B AH\n", arpa, 0.0f) == 0, "%s",
                  wren_error_msg());
    ck_assert_int_ge(t.st.n_disambig, 2);
    char w[256];
    int s1[] = { 9, 10, 11, 12, 13, 14, -1 };
    ck_assert_float_eq_tol(best(&t, s1, w, sizeof w), (0.2 + 1.0) * LN10 + 6 * lc(0.3), 1e-3);
    ck_assert_str_eq(w, "bah");
    toy_free(&t);
    /* and the other way round */
    toy_init(&t);
    const char *arpa2 = "\\data\\\nngram 1=5\n\n\\1-grams:\n-1.0 </s>\n-99 <s>\n-0.5 a\n"
                        "-0.1 ba\n-0.2 bah\n\n\\end\\\n";
    ck_assert_int_eq(toy_build(&t, "a AH\nba B AH\nbah B AH\n", arpa2, 0.0f), 0);
    ck_assert_float_eq_tol(best(&t, s1, w, sizeof w), (0.1 + 1.0) * LN10 + 6 * lc(0.3), 1e-3);
    ck_assert_str_eq(w, "ba");
    /* two words in a row: AH(B,B,e) backs off to the word-internal AH(B,B,i), B(AH,AH,b) to
     * CI B; the cheaper homophone is chosen for both words */
    int s2[] = { 9, 10, 11, 21, 22, 23, 6, 7, 8, 12, 13, 14, -1 };
    ck_assert_float_eq_tol(best(&t, s2, w, sizeof w), (0.1 + 0.1 + 1.0) * LN10 + 12 * lc(0.3),
                           1e-3);
    ck_assert_str_eq(w, "ba ba");
    toy_free(&t);
}
END_TEST

START_TEST(test_dropped_words_and_alternates)
{
    struct toy t;
    toy_init(&t);
    const char *arpa = "\\data\\\nngram 1=5\n\n\\1-grams:\n-1.0 </s>\n-99 <s>\n-0.5 a\n"
                       "-0.3 ba\n-0.2 zzz\n\n\\end\\\n";
    /* an alternate pronunciation "ba(2) AH" and a trailing comment */
    ck_assert_msg(toy_build(&t, "a AH\nba B AH # the usual one\nba(2) AH\n", arpa, 0.0f) == 0,
                  "%s", wren_error_msg());
    ck_assert_int_eq(t.st.words_dropped, 1);
    ck_assert_int_eq(t.st.words_kept, 2);
    ck_assert_int_eq(wren_symtab_find(t.words, "zzz"), -1);
    ck_assert_int_ge(wren_symtab_find(t.words, "ba"), 1);
    char w[256];
    int s1[] = { 15, 16, 17, -1 };   /* AH alone: "a" (0.5) or "ba(2)" (0.3): ba wins */
    ck_assert_float_eq_tol(best(&t, s1, w, sizeof w), (0.3 + 1.0) * LN10 + 3 * lc(0.3), 1e-3);
    ck_assert_str_eq(w, "ba");
    toy_free(&t);
}
END_TEST

static void expect_build_error(const char *dict, const char *arpa, const char *needle)
{
    struct toy t;
    toy_init(&t);
    ck_assert_int_eq(toy_build(&t, dict, arpa, 0.5f), -1);
    ck_assert_msg(strstr(wren_error_msg(), needle), "error '%s' lacks '%s'", wren_error_msg(),
                  needle);
    toy_free(&t);
}

START_TEST(test_bad_inputs)
{
    expect_build_error("a AH\nba\n", UNIGRAM, "dict:2: word 'ba' has no phones");
    expect_build_error("a AH\nba B AH\nbe B ZZ\n",
                       "\\data\\\nngram 1=3\n\n\\1-grams:\n-1 </s>\n-99 <s>\n-1 be\n\n\\end\\\n",
                       "dict:3: phone 'ZZ' of word 'be' is not in the model");
    expect_build_error("a AH\nbx B@\n", UNIGRAM, "dict:2: bad phone 'B@'");
    expect_build_error("a AH\nba(2 B AH\nba() B\n", UNIGRAM, "dict:3: malformed alternate");
    /* no LM word has a pronunciation */
    expect_build_error("xx AH\n", UNIGRAM, "no word of the LM");
    /* empty LM */
    expect_build_error("a AH\n", "\\data\\\nngram 1=0\n\n\\1-grams:\n\n\\end\\\n", "");
    /* a lexicon that is not there */
    struct toy t;
    toy_init(&t);
    struct wren_mkgraph_opts o;
    wren_mkgraph_opts_default(&o);
    char *l = test_write_file(t.dir, "lm.arpa", UNIGRAM);
    ck_assert_int_eq(wren_mkgraph(&t.model, "/nonexistent/dict", l, t.out, &o, &t.st), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "/nonexistent/dict"));
    free(l);
    toy_free(&t);
}
END_TEST

START_TEST(test_lexicon_reader)
{
    char *dir = test_tmpdir();
    char *p = test_write_file(dir, "d", ";;; comment\nhello HH AH L OW\nhello(2) HH EH L OW\n"
                                         "\nworld W ER L D # trailing\nx(y) EH K S\n");
    struct wren_lexicon *lex;
    ck_assert_int_eq(wren_lexicon_read(p, &lex), 0);
    ck_assert_int_eq(wren_lexicon_n_words(lex), 3);
    ck_assert_int_eq(wren_lexicon_n_prons(lex), 4);
    long first;
    int n, np;
    long line;
    ck_assert_int_eq(wren_lexicon_find(lex, "hello", &first, &n), 0);
    ck_assert_int_eq(n, 2);
    const int *ph = wren_lexicon_pron(lex, first + 1, &np, &line);
    ck_assert_int_eq(np, 4);
    ck_assert_int_eq(line, 3);
    ck_assert_str_eq(wren_lexicon_phone_name(lex, ph[1]), "EH");
    ck_assert_int_eq(wren_lexicon_find(lex, "world", &first, &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(wren_lexicon_find(lex, "x(y)", &first, &n), 0);   /* not an alternate */
    ck_assert_int_eq(wren_lexicon_find(lex, "nope", &first, &n), -1);
    wren_lexicon_free(lex);
    free(p);
    free(dir);
}
END_TEST


/* ---- random paths: each path of HCLG is an expansion of its own words ----
 * The reference is worked out here from the mdef independently of graph-c.c/graph-h.c: the
 * words' phones with word positions, triphones looked up in context (SIL at the edges) with
 * back-off to other positions then the CI phone, each phone's HMM as an acceptor over senones
 * (a frame of state i is spent on leaving it, to itself or to a later state). */
static int ref_phone(const struct wren_mdef *m, int base, int l, int r, char wpos)
{
    if (wren_mdef_is_filler(m, base)) return base;
    int p = wren_mdef_triphone(m, base, l, r, wpos);
    const char *order = "ibes";
    for (int k = 0; p < 0 && order[k]; k++)
        if (order[k] != wpos) p = wren_mdef_triphone(m, base, l, r, order[k]);
    return p < 0 ? base : p;
}

static void ref_append_hmm(struct wren_fst *f, int *s, const struct wren_mdef *m, int p)
{
    const int *sen = wren_mdef_senones(m, p);
    int node[4];
    node[0] = *s;
    for (int i = 1; i <= 3; i++) node[i] = wren_fst_add_state(f);
    for (int i = 0; i < 3; i++)
        for (int j = i; j <= 3; j++)
            if (TMAT[i * 4 + j] > 0)
                wren_fst_add_arc(f, node[i], sen[i] + 1, sen[i] + 1,
                                 (float)-log(TMAT[i * 4 + j]), node[j]);
    *s = node[3];
}

/* Reference acceptor of the senone sequences of a word sequence (no silence). */
static struct wren_fst *ref_words(const struct toy *t, const char *dict_words[],
                                  const char *dict_prons[], int ndict, int *wid, int nw)
{
    const struct wren_mdef *m = t->mdef;
    int sil = wren_mdef_sil(m), base[64], n = 0;
    char pos[64];
    for (int k = 0; k < nw; k++) {
        const char *w = wren_symtab_symbol(t->words, wid[k]);
        const char *pron = NULL;
        for (int d = 0; d < ndict; d++)
            if (!strcmp(dict_words[d], w)) pron = dict_prons[d];
        ck_assert_ptr_nonnull(pron);
        char buf[64];
        snprintf(buf, sizeof buf, "%s", pron);
        int first = n;
        for (char *ph = strtok(buf, " "); ph; ph = strtok(NULL, " ")) {
            base[n] = wren_mdef_ciphone_id(m, ph);
            pos[n++] = 'i';
        }
        if (n - first == 1) pos[first] = 's';
        else {
            pos[first] = 'b';
            pos[n - 1] = 'e';
        }
    }
    struct wren_fst *f = wren_fst_new();
    int s = wren_fst_add_state(f);
    wren_fst_set_start(f, s);
    for (int k = 0; k < n; k++) {
        int l = k ? base[k - 1] : sil, r = k + 1 < n ? base[k + 1] : sil;
        ref_append_hmm(f, &s, m, ref_phone(m, base[k], l, r, pos[k]));
    }
    wren_fst_set_final(f, s, 0.0f);
    return f;
}

static struct wren_fst *linear(const int *lab, int n, int offset)
{
    struct wren_fst *f = wren_fst_new();
    int s = wren_fst_add_state(f);
    wren_fst_set_start(f, s);
    for (int i = 0; i < n; i++) {
        int t2 = wren_fst_add_state(f);
        wren_fst_add_arc(f, s, lab[i] + offset, lab[i] + offset, 0.0f, t2);
        s = t2;
    }
    wren_fst_set_final(f, s, 0.0f);
    return f;
}

/* Best cost of the graph for exactly these senones and these words. */
static float pair_cost(const struct toy *t, const int *sen, int ns, const int *wid, int nw)
{
    struct wren_fst *in = linear(sen, ns, 1), *out = linear(wid, nw, 0), *a = NULL, *b = NULL;
    ck_assert_int_eq(wren_fst_compose(in, t->hclg, &a), 0);
    ck_assert_int_eq(wren_fst_compose(a, out, &b), 0);
    float c;
    ck_assert_int_eq(wren_fst_shortest_distance(b, &c), 0);
    wren_fst_free(in);
    wren_fst_free(out);
    wren_fst_free(a);
    wren_fst_free(b);
    return c;
}

START_TEST(test_random_paths)
{
    static const char *dw[] = { "a", "ba", "bab" }, *dp[] = { "AH", "B AH", "B AH B" };
    const char *arpa =
        "\\data\\\nngram 1=5\nngram 2=3\n\n\\1-grams:\n-0.8 </s>\n-99 <s> -0.2\n-0.5 a -0.1\n"
        "-0.6 ba -0.2\n-0.7 bab -0.3\n\n\\2-grams:\n-0.2 <s> bab\n-0.1 bab a\n-0.3 a </s>\n\n"
        "\\end\\\n";
    struct toy t;
    toy_init(&t);
    ck_assert_msg(toy_build(&t, "a AH\nba B AH\nbab B AH B\n", arpa, 0.0f) == 0, "%s",
                  wren_error_msg());
    char *ap = path_in(t.dir, "lm.arpa");
    struct wren_arpa *arpa_model;
    ck_assert_int_eq(wren_arpa_read(ap, &arpa_model), 0);
    free(ap);
    struct wren_fst *paths = NULL;
    ck_assert_int_eq(wren_fst_randgen(t.hclg, 200, 12345, &paths), 0);
    /* walk each path from the start (randgen's output is a tree of paths) */
    int start = wren_fst_start(paths), checked = 0;
    const struct wren_arc *first;
    size_t nfirst;
    wren_fst_arcs(paths, start, &first, &nfirst);
    for (size_t p = 0; p < nfirst; p++) {
        int sen[4096], ns = 0, wid[256], nw = 0;
        int st = start;
        const struct wren_arc *a = &first[p];
        for (;;) {
            if (a->ilabel) sen[ns++] = a->ilabel - 1;
            if (a->olabel) wid[nw++] = a->olabel;
            st = a->nextstate;
            size_t n;
            const struct wren_arc *next;
            wren_fst_arcs(paths, st, &next, &n);
            if (n == 0) break;
            ck_assert_uint_eq(n, 1);
            ck_assert_int_lt(ns, 4000);
            a = &next[0];
        }
        sen[ns] = -1;
        if (nw == 0) continue;
        /* the words' own expansion accepts the senones; the graph's best cost for them
         * is at most the LM cost of those words plus the reference's acoustic path cost */
        struct wren_fst *ref = ref_words(&t, dw, dp, 3, wid, nw);
        float rc;
        int lab[4096];
        for (int k = 0; k < ns; k++) lab[k] = sen[k] + 1;
        ck_assert_int_eq(wren_fst_accept_cost(ref, lab, (size_t)ns, &rc), 0);
        if (!isfinite(rc)) {
            char desc[1024] = "";
            for (int k = 0; k < nw; k++) {
                strcat(desc, wren_symtab_symbol(t.words, wid[k]));
                strcat(desc, " ");
            }
            strcat(desc, "/");
            for (int k = 0; k < ns && strlen(desc) < 900; k++)
                snprintf(desc + strlen(desc), 1024 - strlen(desc), " %d", sen[k]);
            ck_abort_msg("path %zu is not an expansion of its words: %s", p, desc);
        }
        /* the path's cost is the LM cost of its words (by back-off lookup in the ARPA model)
         * plus the HMM cost of its frames */
        double lm = 0;
        int hist[256], nh = 0;
        hist[nh++] = wren_arpa_word_id(arpa_model, "<s>");
        for (int k = 0; k <= nw; k++) {
            int w = k < nw ? wren_arpa_word_id(arpa_model, wren_symtab_symbol(t.words, wid[k]))
                           : wren_arpa_word_id(arpa_model, "</s>");
            lm += -LN10 * wren_arpa_logprob(arpa_model, hist, nh, w);
            hist[nh++] = w;
        }
        double pathcost = pair_cost(&t, sen, ns, wid, nw);
        ck_assert_msg(fabs(pathcost - (lm + rc)) < 2e-3, "path %zu: cost %f, expected LM %f + HMM %f",
                      p, pathcost, lm, rc);
        wren_fst_free(ref);
        checked++;
    }
    ck_assert_int_ge(checked, 100);
    wren_arpa_free(arpa_model);
    wren_fst_free(paths);
    toy_free(&t);
}
END_TEST

/* The real Debian model and CMUdict: a tiny LM builds, and the graph is consistent. */
START_TEST(test_en_us_small)
{
    const char *model = "/usr/share/pocketsphinx/model/en-us/en-us/mdef";
    const char *dict = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";
    if (access(model, R_OK) != 0 || access(dict, R_OK) != 0) return;
    struct toy t;
    toy_init(&t);
    wren_mdef_free(t.mdef);
    ck_assert_int_eq(wren_mdef_load(model, &t.mdef), 0);
    /* transition matrices are not needed to be real here: a 3-state Bakis for each tmat */
    int nt = wren_mdef_n_tmat(t.mdef);
    const float **tm = malloc((size_t)nt * sizeof *tm);
    for (int i = 0; i < nt; i++) tm[i] = TMAT;
    t.model = (struct wren_graph_model){ t.mdef, nt, tm };
    const char *arpa =
        "\\data\\\nngram 1=7\nngram 2=3\n\n\\1-grams:\n-1.0 </s>\n-99 <s> -0.3\n-1.2 hello -0.2\n"
        "-1.3 world -0.2\n-1.4 read -0.1\n-1.5 red\n-2.0 qqqxz\n\n\\2-grams:\n-0.1 <s> hello\n"
        "-0.2 hello world\n-0.3 world </s>\n\n\\end\\\n";
    char *l = test_write_file(t.dir, "lm.arpa", arpa);
    struct wren_mkgraph_opts o;
    wren_mkgraph_opts_default(&o);
    ck_assert_msg(wren_mkgraph(&t.model, dict, l, t.out, &o, &t.st) == 0, "%s", wren_error_msg());
    ck_assert_int_eq(t.st.words_dropped, 1);
    ck_assert_int_eq(t.st.words_kept, 4);
    ck_assert_int_ge(t.st.n_disambig, 2);   /* read R EH D = red R EH D: #1, #2 */
    ck_assert_int_gt(t.st.hclg_states, 10);
    free(l);
    free(tm);
    toy_free(&t);
}
END_TEST

static Suite *graph_suite(void)
{
    Suite *s = suite_create("graph");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_lexicon_reader);
    tcase_add_test(tc, test_triphones_in_context);
    tcase_add_test(tc, test_optional_silence);
    tcase_add_test(tc, test_transition_scales);
    tcase_add_test(tc, test_bigram_backoff);
    tcase_add_test(tc, test_homophones);
    tcase_add_test(tc, test_dropped_words_and_alternates);
    tcase_add_test(tc, test_random_paths);
    tcase_add_test(tc, test_bad_inputs);
    tcase_add_test(tc, test_en_us_small);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(graph_suite());
}
