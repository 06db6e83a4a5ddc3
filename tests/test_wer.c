/* test_wer.c — WER alignment and scoring on hand-made cases. The expected counts and listings
 * marked "sclite" were produced by NIST sclite 2.4.10 (Debian sctk) on the same words
 * (`sclite -r ref.trn trn -h hyp.trn trn -i spu_id -o pralign stdout`), not by Wren. */
#include "testutil.h"
#include "score/wer.h"

#include <math.h>

#define MAXW 32

/* Align two space-separated strings; returns the ops as a string of C/S/D/I letters. */
static char *align_str(const char *ref, const char *hyp, struct wren_wer_counts *c)
{
    char *r = strdup(ref), *h = strdup(hyp);
    char *rw[MAXW], *hw[MAXW];
    int nr = wren_split_ws(r, rw, MAXW), nh = wren_split_ws(h, hw, MAXW);
    enum wren_wer_op *ops;
    int n = wren_wer_align((const char *const *)rw, nr, (const char *const *)hw, nh, &ops);
    char *s = malloc((size_t)n + 1);
    memset(c, 0, sizeof *c);
    for (int i = 0; i < n; i++) {
        s[i] = "CSDI"[ops[i]];
        if (ops[i] == WREN_WER_COR) c->corr++;
        else if (ops[i] == WREN_WER_SUB) c->sub++;
        else if (ops[i] == WREN_WER_DEL) c->del++;
        else c->ins++;
    }
    s[n] = '\0';
    free(ops); free(r); free(h);
    return s;
}

static void check_align(const char *ref, const char *hyp, const char *want, long c, long s, long d, long i)
{
    struct wren_wer_counts k;
    char *got = align_str(ref, hyp, &k);
    ck_assert_msg(!strcmp(got, want), "align '%s' / '%s': got %s, want %s", ref, hyp, got, want);
    ck_assert_int_eq(k.corr, c);
    ck_assert_int_eq(k.sub, s);
    ck_assert_int_eq(k.del, d);
    ck_assert_int_eq(k.ins, i);
    free(got);
}

START_TEST(test_align_basic)
{
    check_align("the cat sat", "the cat sat", "CCC", 3, 0, 0, 0);
    check_align("the cat sat", "", "DDD", 0, 0, 3, 0);
    check_align("", "a b", "II", 0, 0, 0, 2);
    check_align("", "", "", 0, 0, 0, 0);
    check_align("the cat sat", "the dog sat", "CSC", 2, 1, 0, 0);
    /* sclite: REF a B c D e * / HYP a X c * e F */
    check_align("a b c d e", "a x c e f", "CSCDCI", 3, 1, 1, 1);
    /* sclite: REF x Y z * / HYP x Z z Y */
    check_align("x y z", "x z z y", "CSCI", 2, 1, 0, 1);
}
END_TEST

/* Cases where sclite's costs (sub 4, ins/del 3) differ from unit-cost Levenshtein. */
START_TEST(test_align_sclite_ties)
{
    /* sclite: 2 0 3 3 — Levenshtein (Kaldi) would say 5 substitutions */
    check_align("b b c c c", "a a a b b", "IIICCDDD", 2, 0, 3, 3);
    /* sclite: REF A b * / HYP * b C — a del+ins pair beats two subs (6 < 8) */
    check_align("a b", "b c", "DCI", 1, 0, 1, 1);
    /* sclite: REF C C C b * a * / HYP * * * b A a B */
    check_align("c c c b a", "b a a b", "DDDCICI", 2, 0, 3, 2);
}
END_TEST

static struct wren_wer_result *score(const char *dir, const char *ref, const char *hyp, const char *mode)
{
    char *rp = test_write_file(dir, "ref", ref), *hp = test_write_file(dir, "hyp", hyp);
    struct wren_wer_opts o;
    wren_wer_opts_default(&o);
    o.mode = mode;
    struct wren_wer_result *r = wren_wer_score(&o, rp, hp);
    free(rp); free(hp);
    return r;
}

static char *summary(const struct wren_wer_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    wren_wer_print_summary(f, r);
    fclose(f);
    return buf;
}

START_TEST(test_score_files_kaldi_lines)
{
    char *dir = test_tmpdir();
    struct wren_wer_result *r = score(dir, "spk1-u1 alpha b c dd e\nspk1-u2 x y z\nspk2-u3 the cat sat\n",
                                      "spk1-u2 x z z y\nspk1-u1 alpha xxxxx c e f\nspk2-u3\n", "all");
    ck_assert_ptr_nonnull(r);
    char *s = summary(r);
    /* sclite on these files: C 5 S 2 D 4 I 2 of 11 words (Err 72.7) */
    ck_assert_str_eq(s, "%WER 72.73 [ 8 / 11, 2 ins, 4 del, 2 sub ]\n%SER 100.00 [ 3 / 3 ]\n"
                        "Scored 3 sentences, 0 not present in hyp.\n");
    free(s);
    char *ap = wren_path_join(dir, "ali");
    ck_assert_int_eq(wren_wer_write_alignments(r, ap), 0);
    char *text;
    ck_assert_int_eq(wren_read_all(ap, &text, NULL), 0);
    /* sclite's pralign listing of the same files */
    ck_assert_str_eq(text,
        "id: (spk1-u1)\nScores: (#C #S #D #I) 3 1 1 1\n"
        "REF:  alpha B     c DD e * \nHYP:  alpha XXXXX c ** e F \nEval:       S       D    I \n\n"
        "id: (spk1-u2)\nScores: (#C #S #D #I) 2 1 0 1\nREF:  x Y z * \nHYP:  x Z z Y \nEval:   S   I \n\n"
        "id: (spk2-u3)\nScores: (#C #S #D #I) 0 0 3 0\nREF:  THE CAT SAT \nHYP:  *** *** *** \nEval: D   D   D   \n\n");
    free(text);
    char *u2s = test_write_file(dir, "utt2spk", "spk1-u1 spk1\nspk1-u2 spk1\nspk2-u3 spk2\n");
    char *buf = NULL; size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(wren_wer_print_per_spk(f, r, u2s), 0);
    fclose(f);
    /* sclite: spk1 2 snt 8 wrd, Corr 62.5 Sub 25.0 Del 12.5 Ins 25.0 Err 62.5; spk2 Del 100 */
    ck_assert_ptr_nonnull(strstr(buf, "spk1                  2       8 |   62.5   25.0   12.5   25.0   62.5  100.0"));
    ck_assert_ptr_nonnull(strstr(buf, "spk2                  1       3 |    0.0    0.0  100.0    0.0  100.0  100.0"));
    ck_assert_ptr_nonnull(strstr(buf, "Sum/Avg               3      11 |   45.5   18.2   36.4   18.2   72.7  100.0"));
    free(buf);
    wren_wer_result_free(r);
    free(ap); free(u2s); free(dir);
}
END_TEST

START_TEST(test_missing_and_unknown_utts)
{
    char *dir = test_tmpdir();
    struct wren_wer_result *r = score(dir, "a one two three\nb four five\n", "b four five\n", "all");
    ck_assert_ptr_nonnull(r);
    char *s = summary(r);
    ck_assert_str_eq(s, "%WER 60.00 [ 3 / 5, 0 ins, 3 del, 0 sub ] [PARTIAL]\n%SER 50.00 [ 1 / 2 ]\n"
                        "Scored 2 sentences, 1 not present in hyp.\n");
    free(s);
    wren_wer_result_free(r);
    r = score(dir, "a one two three\nb four five\n", "b four five\n", "present");
    s = summary(r);
    ck_assert_str_eq(s, "%WER 0.00 [ 0 / 2, 0 ins, 0 del, 0 sub ] [PARTIAL]\n%SER 0.00 [ 0 / 1 ]\n"
                        "Scored 1 sentences, 1 not present in hyp.\n");
    free(s);
    wren_wer_result_free(r);
    r = score(dir, "a one two three\nb four five\n", "a one two three\nb four five\nc six\n", "all");
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "hyp:3: utterance 'c' is not in the reference"));
    r = score(dir, "a one\na two\n", "a one\n", "all");
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "ref:2: duplicate key 'a'"));
    r = score(dir, "a one\n", "a one\n", "strict");
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "--mode"));
    free(dir);
}
END_TEST

START_TEST(test_json_and_per_utt)
{
    char *dir = test_tmpdir();
    struct wren_wer_result *r = score(dir, "u1 a b c d\nu2 e f\n", "u1 a b x d\nu2 e f g\n", "all");
    char *buf = NULL; size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    wren_wer_print_json(f, r);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "\"wer\": 33.3333, \"errors\": 2, \"words\": 6, \"ins\": 1, \"del\": 0, \"sub\": 1"));
    ck_assert_int_eq(buf[strlen(buf) - 1], '\n');
    free(buf);
    char *pu = wren_path_join(dir, "per-utt");
    ck_assert_int_eq(wren_wer_write_per_utt(r, pu), 0);
    char *text;
    ck_assert_int_eq(wren_read_all(pu, &text, NULL), 0);
    ck_assert_ptr_nonnull(strstr(text, "\nu1 4 3 1 0 0 1 25.00\nu2 2 2 0 0 1 1 50.00\n"));
    free(text); free(pu);
    wren_wer_result_free(r);
    free(dir);
}
END_TEST

/* 40 utterances of 5 words: A is perfect, B has one substitution in 30 of them; both scored. */
static void score_perfect_and_flawed(const char *dir, struct wren_wer_result **a, struct wren_wer_result **b)
{
    char ref[4096] = "", ha[4096] = "", hb[4096] = "";
    for (int i = 0; i < 40; i++) {
        char line[128];
        snprintf(line, sizeof line, "u%02d w1 w2 w3 w4 w5\n", i);
        strcat(ref, line); strcat(ha, line);
        if (i < 30) snprintf(line, sizeof line, "u%02d w1 w2 zz w4 w5\n", i);
        strcat(hb, line);
    }
    char *rp = test_write_file(dir, "ref", ref), *ap = test_write_file(dir, "ha", ha), *bp = test_write_file(dir, "hb", hb);
    struct wren_wer_opts o;
    wren_wer_opts_default(&o);
    *a = wren_wer_score(&o, rp, ap);
    *b = wren_wer_score(&o, rp, bp);
    ck_assert_ptr_nonnull(*a);
    ck_assert_ptr_nonnull(*b);
    free(rp); free(ap); free(bp);
}

START_TEST(test_compare)
{
    char *dir = test_tmpdir();
    struct wren_wer_result *a, *b;
    score_perfect_and_flawed(dir, &a, &b);
    struct wren_wer_compare c;
    ck_assert_int_eq(wren_wer_compare(a, b, 2000, 1, 0, &c), 0);
    ck_assert_int_eq(c.a_better, 30);
    ck_assert_int_eq(c.b_better, 0);
    ck_assert(c.wer_a == 0.0);
    ck_assert(fabs(c.wer_b - 15.0) < 1e-9);
    ck_assert(c.p_mp < 1e-6);
    ck_assert(c.p_boot < 0.01);
    /* a system compared with itself: no evidence of a difference */
    ck_assert_int_eq(wren_wer_compare(b, b, 2000, 1, 0, &c), 0);
    ck_assert(c.p_mp == 1.0);
    ck_assert(c.p_boot == 1.0);
    wren_wer_result_free(a); wren_wer_result_free(b);
    free(dir);
}
END_TEST

/* Bootstrap intervals: B substitutes one of 5 words in 30 of 40 utterances (15 %WER); the
 * resampled WER is a binomial proportion of utterances over 5, so its spread is
 * 100 / 5 * sqrt(0.75 * 0.25 / 40) = 1.37 points and the 95 % interval about 15 +- 2.7. */
START_TEST(test_bootstrap_intervals)
{
    char *dir = test_tmpdir();
    struct wren_wer_result *a, *b;
    score_perfect_and_flawed(dir, &a, &b);
    double lo, hi, lo50, hi50;
    ck_assert_int_eq(wren_wer_ci(b, 4000, 1, 0.95, &lo, &hi), 0);
    ck_assert(lo < 15.0 && hi > 15.0);
    ck_assert(hi - lo > 2 * 1.96 * 1.37 * 0.8 && hi - lo < 2 * 1.96 * 1.37 * 1.2);
    ck_assert_int_eq(wren_wer_ci(b, 4000, 1, 0.5, &lo50, &hi50), 0);
    ck_assert(lo50 >= lo && hi50 <= hi && hi50 - lo50 < hi - lo);
    /* a perfect system has no spread */
    ck_assert_int_eq(wren_wer_ci(a, 4000, 1, 0.95, &lo, &hi), 0);
    ck_assert(lo == 0.0 && hi == 0.0);
    /* the paired difference B - A: all of B's errors, so the same interval, and above 0 */
    struct wren_wer_compare c;
    ck_assert_int_eq(wren_wer_compare(a, b, 4000, 1, 0.95, &c), 0);
    ck_assert(c.diff_lo > 10.0 && c.diff_lo < 15.0 && c.diff_hi > 15.0 && c.diff_hi < 20.0);
    ck_assert_int_eq(wren_wer_compare(b, b, 4000, 1, 0.95, &c), 0);
    ck_assert(c.diff_lo == 0.0 && c.diff_hi == 0.0);
    /* levels outside (0, 1) and too few resamples are errors */
    ck_assert_int_ne(wren_wer_ci(b, 4000, 1, 1.0, &lo, &hi), 0);
    ck_assert_int_ne(wren_wer_ci(b, 1, 1, 0.95, &lo, &hi), 0);
    wren_wer_result_free(a); wren_wer_result_free(b);
    free(dir);
}
END_TEST

/* NCE by hand: confidences 0.9, 0.8 (correct), 0.3 (wrong): (H + sum log2) / H = 0.641182. */
START_TEST(test_conf_nce_and_calibration)
{
    float c3[3] = { 0.9f, 0.8f, 0.3f };
    unsigned char ok3[3] = { 1, 1, 0 };
    ck_assert_double_eq_tol(wren_conf_nce(c3, ok3, 3), 0.6411816, 1e-6);
    unsigned char all[3] = { 1, 1, 1 };
    ck_assert(isnan(wren_conf_nce(c3, all, 3)));
    /* over-confident confidences: words right 60 % of the time whatever the confidence says
     * (0.95 or 0.99), so their NCE is below 0; the calibration fitted to them brings every
     * confidence near 0.6 and the NCE to (about) 0, never below */
    enum { N = 1000 };
    float c[N];
    unsigned char ok[N];
    for (int i = 0; i < N; i++) { c[i] = i % 2 ? 0.95f : 0.99f; ok[i] = i % 10 < 6; }
    double raw = wren_conf_nce(c, ok, N);
    ck_assert(raw < 0);
    struct wren_conf_calib k;
    ck_assert_int_eq(wren_conf_fit(c, ok, N, &k), 0);
    for (int i = 0; i < N; i++) c[i] = (float)wren_conf_calibrate(&k, c[i]);
    double cal = wren_conf_nce(c, ok, N);
    ck_assert(cal > -1e-6 && cal > raw);
    ck_assert_double_eq_tol(c[0], 0.6, 0.01);
    /* informative confidences stay informative: correct words at 0.8, wrong ones at 0.4 */
    for (int i = 0; i < N; i++) { ok[i] = i % 4 != 0; c[i] = ok[i] ? 0.8f : 0.4f; }
    ck_assert_int_eq(wren_conf_fit(c, ok, N, &k), 0);
    ck_assert(k.a > 0);
    for (int i = 0; i < N; i++) c[i] = (float)wren_conf_calibrate(&k, c[i]);
    ck_assert(wren_conf_nce(c, ok, N) > 0.99);   /* they separate the classes perfectly */
    /* nothing to fit when no word is wrong */
    ck_assert_int_ne(wren_conf_fit(c3, all, 3, &k), 0);
}
END_TEST

int main(void)
{
Suite *s = suite_create("wer");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_align_basic);
    tcase_add_test(tc, test_align_sclite_ties);
    tcase_add_test(tc, test_score_files_kaldi_lines);
    tcase_add_test(tc, test_missing_and_unknown_utts);
    tcase_add_test(tc, test_json_and_per_utt);
    tcase_add_test(tc, test_compare);
    tcase_add_test(tc, test_bootstrap_intervals);
    tcase_add_test(tc, test_conf_nce_and_calibration);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
