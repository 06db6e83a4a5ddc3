/* test_ngram_make.c — n-gram count files (lm/ngram-countfile.h): counts written by
 * `ngram-count -write` read back unchanged; shards of a real text counted apart and merged from
 * disk give the counts and the model of the whole text; equal n-grams of several files are
 * summed; a closed vocabulary applied when merging equals one applied when counting; malformed
 * files fail with one line naming file:line. */
#include "testutil.h"
#include "lm/arpa.h"
#include "lm/ngram.h"
#include "lm/ngram-counts.h"
#include "lm/ngram-countfile.h"
#include "lm/ngram-estimate.h"
#include "utils/error.h"
#include "utils/log.h"

/* Lines FIRST..LAST of the normalised Brown corpus into DIR/NAME (NULL if the corpus is
 * missing). */
static char *real_text(const char *dir, const char *name, int first, int last)
{
    char *corpus = test_shared_path("data/text/lm-corpus/brown.txt.xz");
    if (access(corpus, R_OK) != 0) { free(corpus); return NULL; }
    size_t n = strlen(dir) + strlen(name) + 2;
    char *out = malloc(n);
    snprintf(out, n, "%s/%s", dir, name);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "export LC_ALL=C; xz -dc '%s' | tr 'A-Z' 'a-z' | sed -e \"s/[^a-z' ]/ /g\" "
             "-e 's/  */ /g' -e 's/^ //' -e 's/ $//' | grep -av '^$' | sed -n '%d,%dp' > '%s'",
             corpus, first, last, out);
    ck_assert_int_eq(system(cmd), 0);
    free(corpus);
    return out;
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static struct wren_ngram_counts *count(const char *const *texts, int ntexts, int order,
                                       const char *vocab)
{
    struct wren_ngram_count_cfg cfg = { .order = order, .vocab = vocab, .mem_bytes = 64u << 20 };
    struct wren_ngram_counts *c = NULL;
    ck_assert_msg(wren_ngram_count_text(&cfg, texts, ntexts, &c) == 0, "%s", wren_error_msg());
    return c;
}

static struct wren_ngram_counts *read_counts(const char *const *paths, int n, int order,
                                             const char *vocab)
{
    struct wren_ngram_read_cfg cfg = { .order = order, .vocab = vocab };
    struct wren_ngram_counts *c = NULL;
    ck_assert_msg(wren_ngram_counts_read(&cfg, paths, n, &c) == 0, "%s", wren_error_msg());
    return c;
}

static void assert_same_counts(const struct wren_ngram_counts *a,
                               const struct wren_ngram_counts *b)
{
    ck_assert_int_eq(a->order, b->order);
    ck_assert_int_eq(a->nwords, b->nwords);
    for (int i = 0; i < a->nwords; i++) ck_assert_str_eq(a->words[i], b->words[i]);
    for (int n = 1; n <= a->order; n++) {
        ck_assert_uint_eq(a->n[n], b->n[n]);
        ck_assert(!memcmp(a->rec[n], b->rec[n], a->n[n] * (n + 1) * sizeof(uint32_t)));
    }
    ck_assert_int_eq(a->sentences, b->sentences);
    ck_assert_int_eq(a->tokens, b->tokens);
}

static void assert_same_models(const struct wren_arpa *a, const struct wren_arpa *b)
{
    ck_assert_int_eq(wren_arpa_order(a), wren_arpa_order(b));
    for (int n = 1; n <= wren_arpa_order(a); n++) {
        ck_assert_uint_eq(wren_arpa_count(a, n), wren_arpa_count(b, n));
        for (size_t i = 0; i < wren_arpa_count(a, n); i++) {
            const int *wa, *wb;
            float pa, pb, ba, bb;
            wren_arpa_ngram(a, n, i, &wa, &pa, &ba);
            wren_arpa_ngram(b, n, i, &wb, &pb, &bb);
            for (int k = 0; k < n; k++)
                ck_assert_str_eq(wren_arpa_word(a, wa[k]), wren_arpa_word(b, wb[k]));
            ck_assert(pa == pb && ba == bb);   /* bit for bit, not just close */
        }
    }
}

/* Written counts read back give the same table; a .gz file too. */
START_TEST(test_write_read_round_trip)
{
    char *dir = test_tmpdir();
    char *text = real_text(dir, "t.txt", 1, 2000);
    if (!text) { free(dir); return; }
    const char *texts[1] = { text };
    struct wren_ngram_counts *c = count(texts, 1, 4, NULL);
    char *plain = path_in(dir, "c.counts"), *gz = path_in(dir, "c.counts.gz");
    ck_assert_int_eq(wren_ngram_counts_write(c, plain, 0), 0);
    ck_assert_int_eq(wren_ngram_counts_write(c, gz, 0), 0);
    /* the first line is the <s> unigram: one per sentence */
    FILE *f = fopen(plain, "r");
    char line[256];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "<s>\t2000\n");
    fclose(f);
    const char *p1[1] = { plain }, *p2[1] = { gz };
    struct wren_ngram_counts *r1 = read_counts(p1, 1, 4, NULL), *r2 = read_counts(p2, 1, 4, NULL);
    assert_same_counts(c, r1);
    assert_same_counts(c, r2);
    /* a lower order keeps only orders 1..2 of the file */
    struct wren_ngram_counts *r3 = read_counts(p1, 1, 2, NULL);
    ck_assert_uint_eq(r3->n[2], c->n[2]);
    ck_assert(!memcmp(r3->rec[2], c->rec[2], c->n[2] * 3 * sizeof(uint32_t)));
    wren_ngram_counts_free(c); wren_ngram_counts_free(r1);
    wren_ngram_counts_free(r2); wren_ngram_counts_free(r3);
    free(plain); free(gz); free(text); free(dir);
}
END_TEST

/* Three shards counted apart and merged = the whole text counted at once: counts and the
 * modified-KN model (which needs counts-of-counts and continuation counts of the sum). */
START_TEST(test_shards_merge_to_whole)
{
    char *dir = test_tmpdir();
    char *s[3] = { real_text(dir, "s1", 1, 1200), real_text(dir, "s2", 1201, 2100),
                   real_text(dir, "s3", 2101, 3000) };
    if (!s[0]) { free(dir); return; }
    const char *texts[3] = { s[0], s[1], s[2] };
    struct wren_ngram_counts *whole = count(texts, 3, 4, NULL);
    char *cf[3];
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d.counts", i);
        cf[i] = path_in(dir, name);
        struct wren_ngram_counts *part = count(texts + i, 1, 4, NULL);
        ck_assert_int_eq(wren_ngram_counts_write(part, cf[i], 0), 0);
        ck_assert_int_lt((long)part->n[4], (long)whole->n[4]);
        wren_ngram_counts_free(part);
    }
    const char *paths[3] = { cf[2], cf[0], cf[1] };   /* any order of files */
    struct wren_ngram_counts *merged = read_counts(paths, 3, 4, NULL);
    assert_same_counts(whole, merged);

    struct wren_ngram_est_cfg e1 = { .method = WREN_NGRAM_KN }, e2 = e1;
    for (int n = 0; n <= WREN_NGRAM_MAX_ORDER; n++) e1.gtmin[n] = e2.gtmin[n] = 1;
    struct wren_arpa *a, *b;
    ck_assert_int_eq(wren_ngram_estimate(whole, &e1, &a), 0);
    ck_assert_int_eq(wren_ngram_estimate(merged, &e2, &b), 0);
    for (int n = 1; n <= 4; n++)
        for (int k = 1; k <= 3; k++) ck_assert(e1.discount[n][k] == e2.discount[n][k]);
    assert_same_models(a, b);
    wren_arpa_free(a); wren_arpa_free(b);

    /* a closed vocabulary applied while merging = applied while counting */
    char *voc = test_write_file(dir, "vocab", "the\nof\nand\nto\na\nin\nhe\nis\nzzzunseen\n");
    struct wren_ngram_counts *wv = count(texts, 3, 3, voc);
    struct wren_ngram_counts *mv = read_counts(paths, 3, 3, voc);
    assert_same_counts(wv, mv);
    ck_assert_int_eq(wv->nwords, 3 + 9);
    ck_assert_int_eq(wv->oovs, mv->oovs);
    wren_ngram_counts_free(wv); wren_ngram_counts_free(mv);
    wren_ngram_counts_free(whole); wren_ngram_counts_free(merged);
    for (int i = 0; i < 3; i++) { free(cf[i]); free(s[i]); }
    free(voc); free(dir);
}
END_TEST

/* Counts of "a b" written by hand in two files (one with an n-gram twice): summed. */
START_TEST(test_sum_by_hand)
{
    char *dir = test_tmpdir();
    const char *one = "<s>\t1\n<s> a\t1\n</s>\t1\na\t1\na b\t1\nb\t1\nb </s>\t1\n";
    const char *two = "<s>\t2\n<s> a\t2\n</s>\t2\na\t1\na\t1\na b\t2\nb\t2\nb </s>\t2\n";
    char *f1 = test_write_file(dir, "one", one), *f2 = test_write_file(dir, "two", two);
    const char *paths[2] = { f1, f2 };
    struct wren_ngram_counts *c = read_counts(paths, 2, 2, NULL);
    ck_assert_int_eq(c->nwords, 5);               /* <s> </s> <unk> a b */
    ck_assert_str_eq(c->words[3], "a");
    ck_assert_uint_eq(c->n[1], 4);                /* <unk> has no count */
    ck_assert_uint_eq(c->n[2], 3);
    uint32_t ab[2] = { 3, 4 };
    long i = wren_ngram_counts_find(c, 2, ab);
    ck_assert_int_ge(i, 0);
    ck_assert_uint_eq(c->rec[2][3 * i + 2], 3);
    ck_assert_int_eq(c->sentences, 3);
    ck_assert_int_eq(c->tokens, 6);
    wren_ngram_counts_free(c);
    free(f1); free(f2); free(dir);
}
END_TEST

/* Reading FILE (text) must fail with an error that contains want. */
static void expect_error(const char *dir, const char *text, int order, const char *want)
{
    char *f = test_write_file(dir, "bad.counts", text);
    const char *paths[1] = { f };
    struct wren_ngram_read_cfg cfg = { .order = order };
    struct wren_ngram_counts *c = (void *)1;
    ck_assert_int_eq(wren_ngram_counts_read(&cfg, paths, 1, &c), -1);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(wren_error_msg(), want) != NULL, "'%s' lacks '%s'",
                  wren_error_msg(), want);
    ck_assert(strchr(wren_error_msg(), '\n') == NULL);
    free(f);
}

START_TEST(test_malformed)
{
    char *dir = test_tmpdir();
    char buf[512];
    snprintf(buf, sizeof buf, "%s/bad.counts:2: bad count \"x\"", dir);
    expect_error(dir, "a\t3\nb\tx\n", 1, buf);
    snprintf(buf, sizeof buf, "%s/bad.counts:3: bad count \"0\"", dir);
    expect_error(dir, "a\t3\n\nb\t0\n", 1, buf);
    snprintf(buf, sizeof buf, "%s/bad.counts:1: bad count \"-2\"", dir);
    expect_error(dir, "a\t-2\n", 1, buf);
    snprintf(buf, sizeof buf, "%s/bad.counts:1: bad count \"99999999999\"", dir);
    expect_error(dir, "a\t99999999999\n", 1, buf);
    snprintf(buf, sizeof buf, "%s/bad.counts:2: one field \"b\"", dir);
    expect_error(dir, "a\t3\nb\n", 1, buf);
    snprintf(buf, sizeof buf, "%s/bad.counts:1: more than 5 words", dir);
    expect_error(dir, "a b c d e f\t1\n", 2, buf);
    snprintf(buf, sizeof buf, "%s/bad.counts:2: not sorted: \"a\" after \"b\"", dir);
    expect_error(dir, "b\t3\na\t2\n", 1, buf);
    snprintf(buf, sizeof buf, "%s/bad.counts:3: not sorted: \"a\" after \"a b\"", dir);
    expect_error(dir, "a\t3\na b\t2\na\t1\n", 2, buf);
    snprintf(buf, sizeof buf, "%s/bad.counts:2: not sorted: \"<s>\" after \"a\"", dir);
    expect_error(dir, "a\t3\n<s>\t2\n", 1, buf);
    /* only bigrams (as -write-order 2 writes): no unigrams */
    expect_error(dir, "a b\t1\n", 2, "no 1-grams");
    /* a bigram whose suffix unigram is missing */
    expect_error(dir, "a\t1\na b\t1\n", 2, "the 2-gram \"a b\" is there but not the 1-gram \"b\"");
    expect_error(dir, "a\t1\n", 2, "no 2-grams");
    free(dir);
}
END_TEST

int main(void)
{
    wren_verbosity = 0;
    Suite *s = suite_create("ngram_make");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_write_read_round_trip);
    tcase_add_test(tc, test_shards_merge_to_whole);
    tcase_add_test(tc, test_sum_by_hand);
    tcase_add_test(tc, test_malformed);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
