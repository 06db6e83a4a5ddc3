/* test_ngram.c — n-gram counting and estimation (lm/ngram*.h): modified Kneser-Ney, Witten-Bell
 * and add-k worked out by hand on tiny corpora (the arithmetic is in the comments), then
 * properties on real text: every context's distribution sums to one, spilling to disk gives
 * the same counts as counting in memory, cut-offs and pruning keep ARPA's prefix rule and meet
 * their targets. */
#include "testutil.h"
#include "lm/arpa.h"
#include "lm/ngram.h"
#include "lm/ngram-counts.h"
#include "lm/ngram-estimate.h"
#include "utils/error.h"
#include "utils/log.h"

#include <math.h>

static struct wren_arpa *build(const char *dir, const char *text, int order,
                               void (*set)(struct wren_ngram_count_opts *))
{
    char *p = test_write_file(dir, "train.txt", text);
    struct wren_ngram_count_opts o;
    wren_ngram_count_opts_default(&o);
    o.order = order;
    o.text = p;
    if (set) set(&o);
    struct wren_arpa *a = NULL;
    ck_assert_msg(wren_ngram_build(&o, &a) == 0, "%s", wren_error_msg());
    free(p);
    return a;
}

/* P(w | h...) as a plain probability; words given as strings, history oldest first. */
static double prob(const struct wren_arpa *a, const char *w, int nh, const char *h1)
{
    int h[1] = { nh ? wren_arpa_word_id(a, h1) : 0 };
    return pow(10.0, wren_arpa_logprob(a, h, nh, wren_arpa_word_id(a, w)));
}

#define CLOSE(x, y) ck_assert_msg(fabs((x) - (y)) < 2e-6 * fabs(y) + 1e-9, "%.9g != %.9g", (double)(x), (double)(y))

/* Discounts from count-of-counts (Chen & Goodman): n = (-, 10, 5, 3, 2):
 * Y = 10/(10+10) = 0.5; D1 = 1 - 2*.5*5/10 = 0.5; D2 = 2 - 3*.5*3/5 = 1.1;
 * D3+ = 3 - 4*.5*2/3 = 1.6667. With n4 = 0, D3+ falls back to min(Y, 3) = 0.5. */
START_TEST(test_kn_discounts)
{
    double d[4];
    ck_assert_int_eq(wren_ngram_kn_discounts((double[]){ 0, 10, 5, 3, 2 }, d), 0);
    CLOSE(d[1], 0.5);
    CLOSE(d[2], 1.1);
    CLOSE(d[3], 3 - 4 * 0.5 * 2.0 / 3);
    ck_assert_int_eq(wren_ngram_kn_discounts((double[]){ 0, 10, 5, 3, 0 }, d), 1);
    CLOSE(d[3], 0.5);
}
END_TEST

/* Unigram KN on one sentence "a b b c c c d d d d": counts a 1, b 2, c 3, d 4, </s> 1
 * (order 1: raw counts). n1 = 2, n2 = n3 = n4 = 1: Y = 2/4 = .5, D1 = 1 - 2*.5*1/2 = .5,
 * D2 = 2 - 3*.5 = .5, D3+ = 3 - 4*.5 = 1. Total 11; V = 6 (a b c d </s> <unk>);
 * gamma = (.5*2 + .5*1 + 1*2)/11 = 3.5/11, spread as 3.5/66 over V.
 * P(a) = .5/11 + 3.5/66 = 6.5/66, P(b) = 1.5/11 + 3.5/66 = 12.5/66, P(c) = 15.5/66,
 * P(d) = 21.5/66, P(</s>) = 6.5/66, P(<unk>) = 3.5/66 (sum 66/66). */
START_TEST(test_kn_unigram_by_hand)
{
    char *dir = test_tmpdir();
    struct wren_arpa *a = build(dir, "a b b c c c d d d d\n", 1, NULL);
    ck_assert_uint_eq(wren_arpa_vocab_size(a), 7);   /* + <s> */
    CLOSE(prob(a, "a", 0, NULL), 6.5 / 66);
    CLOSE(prob(a, "b", 0, NULL), 12.5 / 66);
    CLOSE(prob(a, "c", 0, NULL), 15.5 / 66);
    CLOSE(prob(a, "d", 0, NULL), 21.5 / 66);
    CLOSE(prob(a, "</s>", 0, NULL), 6.5 / 66);
    CLOSE(prob(a, "<unk>", 0, NULL), 3.5 / 66);
    wren_arpa_free(a);
    free(dir);
}
END_TEST

/* Corpus for the bigram cases: "a b", "a b", "a c", "b c". */
static const char *corpus4 = "a b\na b\na c\nb c\n";

/* Bigram KN. Bigram counts: <s> a 3, <s> b 1, a b 2, a c 1, b c 1, b </s> 2, c </s> 2.
 * Order 2 count-of-counts n1 = 3, n2 = 3, n3 = 1, n4 = 0: Y = 3/9 = 1/3, D1 = 1 - 2/3*3/3 = 1/3,
 * D2 = 2 - 1*1/3 = 5/3, D3+ falls back to Y = 1/3.
 * Unigrams use continuation counts (distinct left words): a 1 ({<s>}), b 2, c 2, </s> 2;
 * n1 = 1, n2 = 3, n3 = 0: Y = 1/7, D1 = 1 - 2/7*3 = 1/7, D2 and D3+ fall back to 1/7.
 * Total 7, V = 5 (a b c </s> <unk>), gamma = 4*(1/7)/7 = 4/49, 4/245 per word:
 * P(a) = (6/7)/7 + 4/245 = 34/245; P(b) = P(c) = P(</s>) = (13/7)/7 + 4/245 = 69/245;
 * P(<unk>) = 4/245.
 * Context a (a b 2, a c 1; total 3): alpha(b) = (2 - 5/3)/3 = 1/9, alpha(c) = (1 - 1/3)/3 = 2/9,
 * gamma(a) = 2/3. P(b|a) = 1/9 + 2/3 * 69/245 = 659/2205; P(</s>|a) = 2/3 * 69/245 = 46/245.
 * Context <s> (<s> a 3, <s> b 1; total 4): alpha(a) = (3 - 1/3)/4 = 2/3, alpha(b) = (1-1/3)/4
 * = 1/6, gamma = 1/6: P(a|<s>) = 2/3 + 1/6 * 34/245 = 169/245. */
START_TEST(test_kn_bigram_by_hand)
{
    char *dir = test_tmpdir();
    struct wren_arpa *a = build(dir, corpus4, 2, NULL);
    CLOSE(prob(a, "a", 0, NULL), 34.0 / 245);
    CLOSE(prob(a, "b", 0, NULL), 69.0 / 245);
    CLOSE(prob(a, "<unk>", 0, NULL), 4.0 / 245);
    CLOSE(prob(a, "b", 1, "a"), 659.0 / 2205);
    CLOSE(prob(a, "</s>", 1, "a"), 46.0 / 245);
    CLOSE(prob(a, "a", 1, "<s>"), 169.0 / 245);
    ck_assert_uint_eq(wren_arpa_count(a, 2), 7);
    wren_arpa_free(a);
    free(dir);
}
END_TEST

static void set_wb(struct wren_ngram_count_opts *o) { o->wbdiscount = 1; }
static void set_addk(struct wren_ngram_count_opts *o) { o->addk = 1; }

/* Witten-Bell on corpus4, raw counts: a 3, b 3, c 2, </s> 4; total 12, 4 types, V = 5.
 * P(w) = c/16 + (4/16)/5: P(a) = 19/80, P(c) = 14/80, P(</s>) = 24/80, P(<unk>) = 4/80.
 * Context a: a b 2, a c 1, total 3, 2 types: P(b|a) = 2/5 + 2/5 * 19/80 = 0.495;
 * P(a|a) = 2/5 * 19/80 = 0.095. */
START_TEST(test_wb_by_hand)
{
    char *dir = test_tmpdir();
    struct wren_arpa *a = build(dir, corpus4, 2, set_wb);
    CLOSE(prob(a, "a", 0, NULL), 19.0 / 80);
    CLOSE(prob(a, "c", 0, NULL), 14.0 / 80);
    CLOSE(prob(a, "</s>", 0, NULL), 24.0 / 80);
    CLOSE(prob(a, "<unk>", 0, NULL), 4.0 / 80);
    CLOSE(prob(a, "b", 1, "a"), 0.495);
    CLOSE(prob(a, "a", 1, "a"), 0.095);
    wren_arpa_free(a);
    free(dir);
}
END_TEST

/* Add-1 on corpus4: P(w) = (c + 1)/(12 + 5): P(a) = 4/17, P(</s>) = 5/17, P(<unk>) = 1/17.
 * Context a: P(b|a) = (2+1)/(3+5) = 3/8, P(c|a) = 2/8; the unseen rest (3/8) is spread in
 * proportion to the unigrams: bow(a) = (3/8)/(1 - 4/17 - 3/17) = 51/80, so
 * P(</s>|a) = 51/80 * 5/17 = 3/16 and P(a|a) = 51/80 * 4/17 = 3/20. */
START_TEST(test_addk_by_hand)
{
    char *dir = test_tmpdir();
    struct wren_arpa *a = build(dir, corpus4, 2, set_addk);
    CLOSE(prob(a, "a", 0, NULL), 4.0 / 17);
    CLOSE(prob(a, "</s>", 0, NULL), 5.0 / 17);
    CLOSE(prob(a, "<unk>", 0, NULL), 1.0 / 17);
    CLOSE(prob(a, "b", 1, "a"), 3.0 / 8);
    CLOSE(prob(a, "</s>", 1, "a"), 3.0 / 16);
    CLOSE(prob(a, "a", 1, "a"), 3.0 / 20);
    wren_arpa_free(a);
    free(dir);
}
END_TEST

/* A few thousand real sentences, lower-cased and stripped of punctuation by a simple pipeline
 * (the real normaliser is `wren text-norm`). Returns the file path or NULL if the corpus is
 * missing. lines: "head -N" or "sed -n A,Bp". */
static char *real_text(const char *dir, const char *name, const char *lines)
{
    char *corpus = test_shared_path("data/text/lm-corpus/brown.txt.xz");
    if (access(corpus, R_OK) != 0) { free(corpus); return NULL; }
    size_t n = strlen(dir) + strlen(name) + 2;
    char *out = malloc(n);
    snprintf(out, n, "%s/%s", dir, name);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "export LC_ALL=C; xz -dc '%s' | tr 'A-Z' 'a-z' | sed -e \"s/[^a-z' ]/ /g\" -e 's/  */ /g' "
             "-e 's/^ //' -e 's/ $//' | grep -av '^$' | %s > '%s'", corpus, lines, out);
    ck_assert_int_eq(system(cmd), 0);
    free(corpus);
    return out;
}

/* Sum over the vocabulary (without <s>) of P(w | h) for a context h of n words. */
static double context_sum(const struct wren_arpa *a, const int *h, int n)
{
    double s = 0;
    int bos = wren_arpa_word_id(a, "<s>");
    for (int w = 0; w < (int)wren_arpa_vocab_size(a); w++)
        if (w != bos) s += pow(10.0, wren_arpa_logprob(a, h, n, w));
    return s;
}

/* The contexts of the first 40 n-grams of each order (and unseen pairs) sum to one. */
static void check_normalised(const struct wren_arpa *a, const char *what)
{
    ck_assert(fabs(context_sum(a, NULL, 0) - 1) < 1e-4);
    for (int n = 2; n <= wren_arpa_order(a); n++) {
        size_t step = wren_arpa_count(a, n) / 40 + 1;
        for (size_t i = 0; i < wren_arpa_count(a, n); i += step) {
            const int *w;
            wren_arpa_ngram(a, n, i, &w, NULL, NULL);
            double s = context_sum(a, w, n - 1);
            ck_assert_msg(fabs(s - 1) < 1e-3, "%s: %d-gram context %zu sums to %.6f", what, n,
                          i, s);
        }
    }
    int h[2] = { wren_arpa_word_id(a, "the"), wren_arpa_word_id(a, "the") };   /* unseen */
    ck_assert(fabs(context_sum(a, h, 2) - 1) < 1e-3);
}

/* Every n-gram's prefix is itself in the model (the ARPA rule back-off lookups rely on). */
static void check_prefixes(const struct wren_arpa *a)
{
    for (int n = 2; n <= wren_arpa_order(a); n++)
        for (size_t i = 0; i < wren_arpa_count(a, n); i++) {
            const int *w;
            wren_arpa_ngram(a, n, i, &w, NULL, NULL);
            ck_assert_int_ge(wren_arpa_find(a, w, n - 1), 0);
        }
}

static const char *g_text;
static void set_kn3(struct wren_ngram_count_opts *o) { o->text = g_text; }
static void set_wb3(struct wren_ngram_count_opts *o) { o->text = g_text; o->wbdiscount = 1; }
static void set_cut(struct wren_ngram_count_opts *o) { o->text = g_text; o->gtmin[2] = 2; o->gtmin[3] = 2; }
static void set_target(struct wren_ngram_count_opts *o) { o->text = g_text; o->prune_target = 40000; }
static void set_thresh(struct wren_ngram_count_opts *o) { o->text = g_text; o->prune = 1e-6; }

static struct wren_arpa *build_real(const char *dir, void (*set)(struct wren_ngram_count_opts *))
{
    struct wren_ngram_count_opts o;
    wren_ngram_count_opts_default(&o);
    o.order = 3;
    set(&o);
    (void)dir;
    struct wren_arpa *a = NULL;
    ck_assert_msg(wren_ngram_build(&o, &a) == 0, "%s", wren_error_msg());
    return a;
}

static size_t total(const struct wren_arpa *a)
{
    size_t t = 0;
    for (int n = 1; n <= wren_arpa_order(a); n++) t += wren_arpa_count(a, n);
    return t;
}

START_TEST(test_real_models_normalised)
{
    char *dir = test_tmpdir();
    char *text = real_text(dir, "train.txt", "head -n 4000");
    if (!text) { free(dir); return; }   /* corpus missing: nothing to check */
    g_text = text;
    struct wren_arpa *kn = build_real(dir, set_kn3);
    check_normalised(kn, "kn");
    check_prefixes(kn);
    struct wren_arpa *wb = build_real(dir, set_wb3);
    check_normalised(wb, "wb");
    struct wren_arpa *cut = build_real(dir, set_cut);
    check_normalised(cut, "cutoff");
    check_prefixes(cut);
    ck_assert_uint_lt(wren_arpa_count(cut, 3), wren_arpa_count(kn, 3) / 2);
    ck_assert_uint_eq(wren_arpa_count(cut, 1), wren_arpa_count(kn, 1));
    struct wren_arpa *pt = build_real(dir, set_target);
    check_normalised(pt, "prune-target");
    check_prefixes(pt);
    ck_assert_uint_le(total(pt), 40000);
    ck_assert_uint_ge(total(pt), 39000);
    struct wren_arpa *pr = build_real(dir, set_thresh);
    check_normalised(pr, "prune");
    check_prefixes(pr);
    ck_assert_uint_lt(total(pr), total(kn));
    wren_arpa_free(kn); wren_arpa_free(wb); wren_arpa_free(cut); wren_arpa_free(pt);
    wren_arpa_free(pr);
    free(text);
    free(dir);
}
END_TEST

/* Held-out perplexity: KN beats Witten-Bell beats add-0.01 on the same training text, and a
 * pruned model is worse than the full one but not by much. Dev text: lines 5001-6000. */
START_TEST(test_heldout_ordering)
{
    char *dir = test_tmpdir();
    char *text = real_text(dir, "train.txt", "head -n 4000");
    char *dev = real_text(dir, "dev.txt", "sed -n 5001,6000p");
    if (!text || !dev) { free(text); free(dev); free(dir); return; }
    g_text = text;
    struct wren_arpa *m[3] = { build_real(dir, set_kn3), build_real(dir, set_wb3),
                               build_real(dir, set_target) };
    double ppl[3];
    for (int i = 0; i < 3; i++) {
        struct wren_ngram_ppl p;
        ck_assert_int_eq(wren_ngram_ppl_file(m[i], dev, 0, 0, NULL, &p), 0);
        ck_assert_int_gt(p.oovs, 0);
        ck_assert_int_eq(p.zeroprobs, 0);
        ppl[i] = wren_ngram_ppl_value(&p);
        wren_arpa_free(m[i]);
    }
    ck_assert_msg(ppl[0] < ppl[1], "KN %.1f vs WB %.1f", ppl[0], ppl[1]);
    ck_assert_msg(ppl[2] > ppl[0] && ppl[2] < 1.15 * ppl[0], "pruned %.1f vs %.1f", ppl[2], ppl[0]);
    free(text); free(dev); free(dir);
}
END_TEST

/* Counting with a tiny budget spills sorted runs and merges them: same counts as in memory. */
START_TEST(test_spill_same_counts)
{
    char *dir = test_tmpdir();
    char *text = real_text(dir, "train.txt", "head -n 4000");
    if (!text) { free(dir); return; }
    const char *texts[1] = { text };
    struct wren_ngram_count_cfg big = { .order = 4, .mem_bytes = 256u << 20, .tmpdir = dir };
    struct wren_ngram_count_cfg small = { .order = 4, .mem_bytes = 1u << 20, .tmpdir = dir };
    struct wren_ngram_counts *a, *b;
    ck_assert_int_eq(wren_ngram_count_text(&big, texts, 1, &a), 0);
    ck_assert_int_eq(wren_ngram_count_text(&small, texts, 1, &b), 0);
    ck_assert_int_eq(a->spills, 0);
    ck_assert_int_gt(b->spills, 4);
    ck_assert_int_eq(a->tokens, b->tokens);
    ck_assert_int_eq(a->sentences, 4000);
    for (int n = 1; n <= 4; n++) {
        ck_assert_uint_eq(a->n[n], b->n[n]);
        ck_assert(!memcmp(a->rec[n], b->rec[n], a->n[n] * (n + 1) * sizeof(uint32_t)));
    }
    /* unigram counts add up to the tokens plus one </s> and one <s> per sentence */
    uint64_t sum = 0;
    for (size_t i = 0; i < a->n[1]; i++) sum += a->rec[1][2 * i + 1];
    ck_assert_uint_eq(sum, (uint64_t)a->tokens + 2 * 4000);
    wren_ngram_counts_free(a);
    wren_ngram_counts_free(b);
    free(text); free(dir);
}
END_TEST

/* A closed vocabulary maps other words to <unk>; bad options and inputs fail cleanly. */
START_TEST(test_vocab_and_errors)
{
    char *dir = test_tmpdir();
    char *voc = test_write_file(dir, "vocab", "a\nb\nzz\n");
    char *txt = test_write_file(dir, "t.txt", "a b c\nb a d\n");
    struct wren_ngram_count_cfg cfg = { .order = 2, .vocab = voc, .mem_bytes = 1u << 24 };
    const char *texts[1] = { txt };
    struct wren_ngram_counts *c;
    ck_assert_int_eq(wren_ngram_count_text(&cfg, texts, 1, &c), 0);
    ck_assert_int_eq(c->nwords, 6);      /* <s> </s> <unk> a b zz */
    ck_assert_int_eq(c->oovs, 2);
    uint32_t unk[1] = { WREN_NGRAM_UNK };
    long i = wren_ngram_counts_find(c, 1, unk);
    ck_assert_int_ge(i, 0);
    ck_assert_uint_eq(c->rec[1][2 * i + 1], 2);
    wren_ngram_counts_free(c);

    struct wren_ngram_count_opts o;
    wren_ngram_count_opts_default(&o);
    struct wren_arpa *a;
    o.order = 7; o.text = txt;
    ck_assert_int_eq(wren_ngram_build(&o, &a), -1);
    ck_assert(strstr(wren_error_msg(), "-order 7") != NULL);
    o.order = 2; o.text = "/nonexistent/text.txt";
    ck_assert_int_eq(wren_ngram_build(&o, &a), -1);
    ck_assert(strstr(wren_error_msg(), "/nonexistent/text.txt") != NULL);
    char *empty = test_write_file(dir, "empty.txt", "\n\n");
    o.text = empty;
    ck_assert_int_eq(wren_ngram_build(&o, &a), -1);
    ck_assert(strstr(wren_error_msg(), "no words") != NULL);
    free(voc); free(txt); free(empty); free(dir);
}
END_TEST

int main(void)
{
    wren_verbosity = 0;
    Suite *s = suite_create("ngram");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_kn_discounts);
    tcase_add_test(tc, test_kn_unigram_by_hand);
    tcase_add_test(tc, test_kn_bigram_by_hand);
    tcase_add_test(tc, test_wb_by_hand);
    tcase_add_test(tc, test_addk_by_hand);
    tcase_add_test(tc, test_real_models_normalised);
    tcase_add_test(tc, test_heldout_ordering);
    tcase_add_test(tc, test_spill_same_counts);
    tcase_add_test(tc, test_vocab_and_errors);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
