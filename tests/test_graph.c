/* test_graph.c — unit tests of graph building (graph.h, lexicon.h): toy models (a text mdef
 * with three CI phones and a few triphones with their own senones, hand-made transition
 * matrices), toy lexicons and ARPA grammars. The built HCLG, read back from its files and
 * mapped through transitions.txt to senones, must accept the senone sequences worked out by
 * hand (right triphones in context, back-off to CI phones, self-loops, skips) with the
 * expected costs and words, and reject wrong ones; homophones are disambiguated; bad inputs
 * give file:line errors. */
#include <math.h>

#include "testutil.h"
#include "error.h"
#include "fst.h"
#include "graph.h"
#include "lexicon.h"
#include "mdef.h"

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
static int toy_build(struct toy *t, const char *dict, const char *arpa, float sil_prob)
{
    char *d = test_write_file(t->dir, "dict", dict), *l = test_write_file(t->dir, "lm.arpa", arpa);
    struct wren_mkgraph_opts o;
    wren_mkgraph_opts_default(&o);
    o.sil_prob = sil_prob;
    int rc = wren_mkgraph(&t->model, d, l, t->out, &o, &t->st);
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
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_lexicon_reader);
    tcase_add_test(tc, test_triphones_in_context);
    tcase_add_test(tc, test_optional_silence);
    tcase_add_test(tc, test_bigram_backoff);
    tcase_add_test(tc, test_homophones);
    tcase_add_test(tc, test_dropped_words_and_alternates);
    tcase_add_test(tc, test_bad_inputs);
    tcase_add_test(tc, test_en_us_small);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(graph_suite());
}
