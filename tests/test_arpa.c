/* test_arpa.c — the ARPA reader, writer and back-off lookup (lm/arpa.h), and perplexity
 * (lm/ngram-eval.h) on a hand-written model whose figures are worked out in the comments. */
#include "testutil.h"
#include "lm/arpa.h"
#include "lm/arpa-impl.h"
#include "lm/ngram-eval.h"
#include "utils/error.h"

#include <math.h>

/* A tiny bigram model. Back-off: P(w|h) = P(h w) if listed, else bow(h) * P(w). */
static const char *tiny =
    "written by hand for test_arpa\n"
    "\n\\data\\\nngram 1=5\nngram  2 = 2\n\n"
    "\\1-grams:\n"
    "-1\t</s>\n"
    "-99\t<s>\t-0.5\n"
    "-0.5 a -0.2\n"              /* spaces instead of tabs are accepted */
    "-1.5\tb\n"
    "-2\t<unk>\n"
    "\n\\2-grams:\n"
    "-0.3\t<s> a\n"
    "-0.4\ta b\n"
    "\n\\end\\\n";

static struct wren_arpa *read_tiny(char **dir)
{
    *dir = test_tmpdir();
    char *p = test_write_file(*dir, "tiny.arpa", tiny);
    struct wren_arpa *a = NULL;
    ck_assert_msg(wren_arpa_read(p, &a) == 0, "%s", wren_error_msg());
    free(p);
    return a;
}

START_TEST(test_read_tiny)
{
    char *dir;
    struct wren_arpa *a = read_tiny(&dir);
    ck_assert_int_eq(wren_arpa_order(a), 2);
    ck_assert_uint_eq(wren_arpa_count(a, 1), 5);
    ck_assert_uint_eq(wren_arpa_count(a, 2), 2);
    ck_assert_uint_eq(wren_arpa_count(a, 3), 0);
    ck_assert_uint_eq(wren_arpa_vocab_size(a), 5);
    int s = wren_arpa_word_id(a, "<s>"), wa = wren_arpa_word_id(a, "a"),
        wb = wren_arpa_word_id(a, "b"), e = wren_arpa_word_id(a, "</s>");
    ck_assert_int_eq(e, 0);      /* ids in the order of the \1-grams: section */
    ck_assert_int_eq(wa, 2);
    ck_assert_int_eq(wren_arpa_word_id(a, "zzz"), -1);
    ck_assert_str_eq(wren_arpa_word(a, wb), "b");
    ck_assert_ptr_null(wren_arpa_word(a, 99));
    /* enumeration: bigrams sorted by ids, (<s>=1, a=2) before (a=2, b=3) */
    const int *w;
    float lp, bo;
    wren_arpa_ngram(a, 2, 0, &w, &lp, &bo);
    ck_assert_int_eq(w[0], s);
    ck_assert_int_eq(w[1], wa);
    ck_assert(fabsf(lp + 0.3f) < 1e-6f && bo == 0.0f);
    wren_arpa_ngram(a, 1, (size_t)wa, &w, &lp, &bo);
    ck_assert(fabsf(bo + 0.2f) < 1e-6f);
    /* lookups: listed bigram; backed off: bow(a) + P(</s>) = -0.2 - 1; bow(b) missing = 0 */
    int h[1] = { wa };
    ck_assert(fabsf(wren_arpa_logprob(a, h, 1, wb) + 0.4f) < 1e-6f);
    ck_assert(fabsf(wren_arpa_logprob(a, h, 1, e) + 1.2f) < 1e-6f);
    h[0] = wb;
    ck_assert(fabsf(wren_arpa_logprob(a, h, 1, wa) + 0.5f) < 1e-6f);
    h[0] = s;
    ck_assert(fabsf(wren_arpa_logprob(a, h, 1, wb) + 2.0f) < 1e-6f);   /* -0.5 - 1.5 */
    /* unknown word: the <unk> unigram, after bow(<s>) */
    ck_assert(fabsf(wren_arpa_logprob(a, h, 1, -1) + 2.5f) < 1e-6f);
    ck_assert_int_ge(wren_arpa_find(a, (int[]){ wa, wb }, 2), 0);
    ck_assert_int_eq(wren_arpa_find(a, (int[]){ wb, wa }, 2), -1);
    wren_arpa_free(a);
    free(dir);
}
END_TEST

START_TEST(test_write_roundtrip)
{
    char *dir;
    struct wren_arpa *a = read_tiny(&dir);
    char out[512];
    snprintf(out, sizeof out, "%s/out.arpa", dir);
    ck_assert_int_eq(wren_arpa_write(a, out), 0);
    struct wren_arpa *b = NULL;
    ck_assert_msg(wren_arpa_read(out, &b) == 0, "%s", wren_error_msg());
    for (int n = 1; n <= 2; n++) {
        ck_assert_uint_eq(wren_arpa_count(a, n), wren_arpa_count(b, n));
        for (size_t i = 0; i < wren_arpa_count(a, n); i++) {
            const int *wa, *wb;
            float pa, pb, ba, bb;
            wren_arpa_ngram(a, n, i, &wa, &pa, &ba);
            wren_arpa_ngram(b, n, i, &wb, &pb, &bb);
            for (int k = 0; k < n; k++)
                ck_assert_str_eq(wren_arpa_word(a, wa[k]), wren_arpa_word(b, wb[k]));
            ck_assert(pa == pb && ba == bb);
        }
    }
    wren_arpa_free(a);
    wren_arpa_free(b);
    free(dir);
}
END_TEST

/* Each malformed file must fail with "file:line: ..." naming the right line. */
START_TEST(test_malformed)
{
    static const struct { const char *text, *expect; } cases[] = {
        { "hello\nworld\n", "bad.arpa:2: no \\data\\" },
        { "\\data\\\nngram 1=2\n\n\\1-grams:\n-1\ta\n", "bad.arpa:5: end of file inside" },
        { "\\data\\\nngram 1=2\n\n\\1-grams:\n-1\ta\n\n\\end\\\n", "bad.arpa:7: 1 1-grams where the header says 2" },
        { "\\data\\\nngram 1=1\n\n\\1-grams:\nx\ta\n\\end\\\n", "bad.arpa:5: bad log probability" },
        { "\\data\\\nngram 1=1\n\n\\1-grams:\n-1\ta\tzz\n\\end\\\n", "bad.arpa:5: bad back-off" },
        { "\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1\ta\n\\2-grams:\n-1\ta q\n\\end\\\n", "bad.arpa:7: word \"q\" has no unigram" },
        { "\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1\ta\n\\2-grams:\n-1\ta\n\\end\\\n", "bad.arpa:7: too few fields" },
        { "\\data\\\nngram 1=1\n\\1-grams:\n-1\ta\n\\2-grams:\n", "bad.arpa:5: expected \\end\\" },
        { "\\data\\\nngram 2=1\n", "bad.arpa:2: expected \"ngram 1=" },
        { "\\data\\\nngram 1=2\n\\1-grams:\n-1\ta\n-1\ta\n\\end\\\n", "bad.arpa:5: duplicate unigram" },
        { "", "no \\data\\" },
        /* values that are not finite as floats: 1e40 overflows to inf, and an inf back-off
         * made every later probability inf (logprob= inf ppl= 0) */
        { "\\data\\\nngram 1=2\n\\1-grams:\n-1\ta\n-1\tb\t1e40\n\\end\\\n", "bad.arpa:5: bad back-off weight \"1e40\"" },
        { "\\data\\\nngram 1=2\n\\1-grams:\n-1\ta\t-1e40\n-1\tb\n\\end\\\n", "bad.arpa:4: bad back-off weight \"-1e40\"" },
        { "\\data\\\nngram 1=2\n\\1-grams:\n-1e39\ta\n-1\tb\n\\end\\\n", "bad.arpa:4: bad log probability \"-1e39\"" },
        { "\\data\\\nngram 1=2\n\\1-grams:\n-1\ta\nnan\tb\n\\end\\\n", "bad.arpa:5: bad log probability \"nan\"" },
        { "\\data\\\nngram 1=2\n\\1-grams:\n-1\ta\n-1\tb\tinf\n\\end\\\n", "bad.arpa:5: bad back-off weight \"inf\"" },
        { "\\data\\\nngram 1=2\n\\1-grams:\n-1\ta\n-1\tb\t-nan\n\\end\\\n", "bad.arpa:5: bad back-off weight \"-nan\"" },
    };
    char *dir = test_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *p = test_write_file(dir, "bad.arpa", cases[i].text);
        struct wren_arpa *a = (struct wren_arpa *)1;
        ck_assert_int_eq(wren_arpa_read(p, &a), -1);
        ck_assert_ptr_null(a);
        ck_assert_msg(strstr(wren_error_msg(), cases[i].expect) != NULL, "case %zu: got \"%s\"",
                      i, wren_error_msg());
        free(p);
    }
    struct wren_arpa *a;
    ck_assert_int_eq(wren_arpa_read("/nonexistent/x.arpa", &a), -1);
    ck_assert(strstr(wren_error_msg(), "/nonexistent/x.arpa") != NULL);
    free(dir);
}
END_TEST

/* SRILM-style perplexity, by hand on the tiny model:
 *   "a b":   P(a|<s>) -0.3, P(b|a) -0.4, P(</s>|b) = bow(b) 0 + -1         -> -1.7
 *   "b x a": P(b|<s>) = -0.5 + -1.5 = -2; x is an OOV (skipped, and the next word backs off
 *            past it): P(a) -0.5; P(</s>|a) = -0.2 + -1 = -1.2                 -> -3.7
 * logprob -5.4; words 5 (</s> not counted), OOVs 1, sentences 2;
 * ppl = 10^(5.4 / (5 - 1 + 2)) = 10^0.9, ppl1 = 10^(5.4 / 4) = 10^1.35. */
START_TEST(test_ppl_by_hand)
{
    char *dir;
    struct wren_arpa *a = read_tiny(&dir);
    char *text = test_write_file(dir, "t.txt", "a b\n\n<s> b x a </s>\n");
    struct wren_ngram_ppl p;
    ck_assert_int_eq(wren_ngram_ppl_file(a, text, 0, 0, NULL, &p), 0);
    ck_assert_int_eq(p.sentences, 2);
    ck_assert_int_eq(p.words, 5);
    ck_assert_int_eq(p.oovs, 1);
    ck_assert_int_eq(p.zeroprobs, 0);
    ck_assert(fabs(p.logprob + 5.4) < 1e-5);
    ck_assert(fabs(wren_ngram_ppl_value(&p) - pow(10, 0.9)) < 1e-4);
    ck_assert(fabs(wren_ngram_ppl1_value(&p) - pow(10, 1.35)) < 1e-4);
    /* -inf (log 0 as some toolkits write it) still reads, as -99 */
    char *inf = test_write_file(dir, "inf.arpa", "\\data\\\nngram 1=2\n\\1-grams:\n-inf\t<s>\t-0.5\n-1\t</s>\n\\end\\\n");
    struct wren_arpa *b = NULL;
    ck_assert_msg(wren_arpa_read(inf, &b) == 0, "%s", wren_error_msg());
    int s = wren_arpa_word_id(b, "<s>");
    ck_assert(wren_arpa_logprob(b, NULL, 0, s) == -99.0f);
    wren_arpa_free(b);
    free(inf);
    /* an empty text has no perplexity: an error, not ppl= nan or 0 */
    char *empty = test_write_file(dir, "empty.txt", "\n\n");
    ck_assert_int_eq(wren_ngram_ppl_file(a, empty, 0, 0, NULL, &p), -1);
    ck_assert_msg(strstr(wren_error_msg(), empty) != NULL, "%s", wren_error_msg());
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "no sentences"));
    free(empty);
    /* -order 1: unigrams only: (a -0.5, b -1.5, </s> -1) + (b -1.5, a -0.5, </s> -1) = -6 */
    ck_assert_int_eq(wren_ngram_ppl_file(a, text, 1, 0, NULL, &p), 0);
    ck_assert_msg(fabs(p.logprob + 6.0) < 1e-5, "logprob %g", p.logprob);
    free(text);
    wren_arpa_free(a);
    free(dir);
}
END_TEST

/* Building a model in memory: duplicates are refused at finish. */
START_TEST(test_build_duplicate)
{
    char *words[] = { "</s>", "<s>", "a" };
    struct wren_arpa *a = wren_arpa_new(2, 3, words);
    for (int i = 0; i < 3; i++) ck_assert_int_eq(wren_arpa_add(a, 1, &i, -1.0f, 0.0f), 0);
    ck_assert_int_eq(wren_arpa_add(a, 2, (int[]){ 1, 2 }, -0.5f, 0.0f), 0);
    ck_assert_int_eq(wren_arpa_add(a, 2, (int[]){ 1, 2 }, -0.6f, 0.0f), 0);
    ck_assert_int_eq(wren_arpa_add(a, 3, (int[]){ 1, 2, 2 }, -0.6f, 0.0f), -1);
    ck_assert_int_eq(wren_arpa_add(a, 1, (int[]){ 2 }, -1.0f, INFINITY), -1);   /* never stored */
    ck_assert_int_eq(wren_arpa_add(a, 1, (int[]){ 2 }, NAN, 0.0f), -1);
    ck_assert_int_eq(wren_arpa_finish(a, "mem"), -1);
    ck_assert(strstr(wren_error_msg(), "mem: duplicate 2-gram") != NULL);
    wren_arpa_free(a);
}
END_TEST

/* A random 4-gram model over 6 words: each n-gram is kept with probability 1/2, and with
 * `closed` only if its prefix was kept (the files SRILM and Wren write), else regardless (a
 * 4-gram may then extend an absent context, which the back-off must still find). */
static struct wren_arpa *random_model(int closed, unsigned seed)
{
    enum { V = 6 };
    char *words[V] = { "</s>", "<s>", "a", "b", "c", "<unk>" };
    struct wren_arpa *a = wren_arpa_new(4, V, words);
    unsigned char kept[V * V * V * V + 1] = { 0 }, kept_prev[V * V * V + 1];
    for (int w = 0; w < V; w++) ck_assert_int_eq(wren_arpa_add(a, 1, &w, -0.1f * (w + 1), -0.05f * w), 0);
    memset(kept_prev, 1, sizeof kept_prev);
    int count = V;
    for (int n = 2; n <= 4; n++) {
        count *= V;
        memset(kept, 0, sizeof kept);
        for (int t = 0; t < count; t++) {
            int g[4], x = t;
            for (int k = n - 1; k >= 0; k--) { g[k] = x % V; x /= V; }
            seed = seed * 1103515245u + 12345u;
            if (!((seed >> 16) & 1) || (closed && !kept_prev[t / V])) continue;
            kept[t] = 1;
            ck_assert_int_eq(wren_arpa_add(a, n, g, -0.01f * (float)(t % 97) - 0.3f, -0.02f * (float)(t % 13)), 0);
        }
        memcpy(kept_prev, kept, sizeof kept_prev);
    }
    ck_assert_int_eq(wren_arpa_finish(a, "random"), 0);
    return a;
}

/* wren_arpa_logprob_context gives wren_arpa_logprob's value bit for bit, for every history of
 * up to 3 words and every word (and an out-of-range id), on models with and without every
 * n-gram's prefix; and on the hand-written model its figures. */
START_TEST(test_context_lookup)
{
    for (int closed = 0; closed <= 1; closed++) {
        struct wren_arpa *a = random_model(closed, 7u + (unsigned)closed);
        ck_assert_int_eq(a->prefix_closed, closed);   /* the skipping is on exactly when safe */
        int h[3];
        for (int len = 0; len <= 3; len++) {
            int nh = 1;
            for (int k = 0; k < len; k++) nh *= 6;
            for (int t = 0; t < nh; t++) {
                for (int k = len - 1, x = t; k >= 0; k--, x /= 6) h[k] = x % 6;
                struct wren_arpa_context c;
                wren_arpa_context(a, h, len, &c);
                for (int w = -1; w < 6; w++) {
                    float x = wren_arpa_logprob(a, h, len, w), y = wren_arpa_logprob_context(a, &c, w);
                    ck_assert_msg(x == y, "closed %d history len %d #%d word %d: %g vs %g", closed, len, t, w,
                                  (double)x, (double)y);
                }
            }
        }
        wren_arpa_free(a);
    }
    char *dir;
    struct wren_arpa *a = read_tiny(&dir);
    int s = wren_arpa_word_id(a, "<s>"), wa = wren_arpa_word_id(a, "a"), wb = wren_arpa_word_id(a, "b");
    struct wren_arpa_context c;
    wren_arpa_context(a, &wa, 1, &c);
    ck_assert(fabsf(wren_arpa_logprob_context(a, &c, wb) + 0.4f) < 1e-6f);   /* listed: a b */
    wren_arpa_context(a, &s, 1, &c);
    ck_assert(fabsf(wren_arpa_logprob_context(a, &c, wb) + 2.0f) < 1e-6f);   /* bow(<s>) -0.5 + b -1.5 */
    wren_arpa_free(a);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arpa");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_read_tiny);
    tcase_add_test(tc, test_write_roundtrip);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_ppl_by_hand);
    tcase_add_test(tc, test_build_duplicate);
    tcase_add_test(tc, test_context_lookup);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
