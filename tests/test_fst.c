/* test_fst.c — unit tests of fstext/fst.h (Wren's C API over OpenFst): building, file round
 * trips, in-place arc access, symbol tables, and the graph operations checked against each
 * other (equivalence of det/min results, composition by hand-computed path costs). */
#include <math.h>

#include "testutil.h"
#include "fstext/fst.h"
#include "utils/error.h"

/* a:x/1 then b:y/2 then final 0.5, plus a:x/3 c:z/0 alternative. */
static struct wren_fst *small_fst(void)
{
    struct wren_fst *f = wren_fst_new();
    int s0 = wren_fst_add_state(f), s1 = wren_fst_add_state(f), s2 = wren_fst_add_state(f);
    int s3 = wren_fst_add_state(f);
    ck_assert_int_eq(wren_fst_set_start(f, s0), 0);
    ck_assert_int_eq(wren_fst_add_arc(f, s0, 1, 11, 1.0f, s1), 0);
    ck_assert_int_eq(wren_fst_add_arc(f, s1, 2, 12, 2.0f, s2), 0);
    ck_assert_int_eq(wren_fst_add_arc(f, s0, 1, 11, 3.0f, s3), 0);
    ck_assert_int_eq(wren_fst_add_arc(f, s3, 3, 13, 0.0f, s2), 0);
    ck_assert_int_eq(wren_fst_set_final(f, s2, 0.5f), 0);
    return f;
}

START_TEST(test_build_and_arcs)
{
    struct wren_fst *f = small_fst();
    ck_assert_int_eq(wren_fst_num_states(f), 4);
    ck_assert_int_eq(wren_fst_start(f), 0);
    ck_assert_uint_eq(wren_fst_num_arcs(f, 0), 2);
    ck_assert_uint_eq(wren_fst_total_arcs(f), 4);
    ck_assert(isinf(wren_fst_final(f, 0)));
    ck_assert_float_eq(wren_fst_final(f, 2), 0.5f);
    const struct wren_arc *arcs;
    size_t n;
    ck_assert_int_eq(wren_fst_arcs(f, 0, &arcs, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(arcs[0].ilabel, 1);
    ck_assert_int_eq(arcs[0].olabel, 11);
    ck_assert_float_eq(arcs[0].weight, 1.0f);
    ck_assert_int_eq(arcs[0].nextstate, 1);
    ck_assert_int_eq(arcs[1].nextstate, 3);
    struct wren_arc a = { 5, 15, 7.0f, 2 };
    ck_assert_int_eq(wren_fst_set_arc(f, 0, 1, &a), 0);
    ck_assert_int_eq(wren_fst_arcs(f, 0, &arcs, &n), 0);
    ck_assert_int_eq(arcs[1].ilabel, 5);
    ck_assert_int_eq(arcs[1].nextstate, 2);
    /* Errors, not crashes, on bad states. */
    ck_assert_int_eq(wren_fst_add_arc(f, 0, 1, 1, 0, 99), -1);
    ck_assert_int_eq(wren_fst_set_start(f, -3), -1);
    ck_assert_int_eq(wren_fst_arcs(f, 42, &arcs, &n), -1);
    ck_assert_uint_eq(wren_fst_num_arcs(f, 42), 0);
    ck_assert_int_eq(wren_fst_is_acceptor(f), 0);
    wren_fst_free(f);
}
END_TEST

START_TEST(test_write_read_roundtrip)
{
    char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/a.fst", dir);
    struct wren_fst *f = small_fst(), *g = NULL;
    ck_assert_int_eq(wren_fst_write(f, path), 0);
    ck_assert_int_eq(wren_fst_read(path, &g), 0);
    ck_assert_int_eq(wren_fst_num_states(g), 4);
    ck_assert_uint_eq(wren_fst_total_arcs(g), 4);
    float c1, c2;
    int seq[] = { 1, 2 };
    ck_assert_int_eq(wren_fst_accept_cost(f, seq, 2, &c1), 0);
    ck_assert_int_eq(wren_fst_accept_cost(g, seq, 2, &c2), 0);
    ck_assert_float_eq_tol(c1, 3.5f, 1e-5);
    ck_assert_float_eq_tol(c2, 3.5f, 1e-5);
    /* Text round trip through fstprint's format. */
    snprintf(path, sizeof path, "%s/a.txt", dir);
    ck_assert_int_eq(wren_fst_write_text(f, path, NULL, NULL), 0);
    struct wren_fst *h = NULL;
    ck_assert_int_eq(wren_fst_read_text(path, NULL, NULL, &h), 0);
    ck_assert_uint_eq(wren_fst_total_arcs(h), 4);
    int seq2[] = { 1, 3 };
    ck_assert_int_eq(wren_fst_accept_cost(h, seq2, 2, &c1), 0);
    ck_assert_float_eq_tol(c1, 3.5f, 1e-5);
    wren_fst_free(f);
    wren_fst_free(g);
    wren_fst_free(h);
    free(dir);
}
END_TEST

START_TEST(test_read_errors)
{
    char *dir = test_tmpdir();
    char *p = test_write_file(dir, "junk.fst", "this is not an fst\n");
    struct wren_fst *f = (struct wren_fst *)1;
    ck_assert_int_eq(wren_fst_read(p, &f), -1);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "junk.fst"));
    ck_assert_int_eq(wren_fst_read("/nonexistent/x.fst", &f), -1);
    char *t = test_write_file(dir, "bad.txt", "0 1 2 3\n1 2 x 4\n");
    ck_assert_int_eq(wren_fst_read_text(t, NULL, NULL, &f), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "bad.txt:2"));
    free(p);
    free(t);
    free(dir);
}
END_TEST

START_TEST(test_symtab)
{
    char *dir = test_tmpdir();
    struct wren_symtab *t = wren_symtab_new("words");
    ck_assert_int_eq(wren_symtab_add(t, "<eps>"), 0);
    ck_assert_int_eq(wren_symtab_add(t, "hello"), 1);
    ck_assert_int_eq(wren_symtab_add(t, "world"), 2);
    ck_assert_int_eq(wren_symtab_add(t, "hello"), 1);
    ck_assert_int_eq(wren_symtab_add_id(t, "#0", 10), 0);
    ck_assert_int_eq(wren_symtab_add_id(t, "other", 10), -1);
    ck_assert_int_eq(wren_symtab_find(t, "world"), 2);
    ck_assert_int_eq(wren_symtab_find(t, "nope"), -1);
    ck_assert_str_eq(wren_symtab_symbol(t, 10), "#0");
    ck_assert_ptr_null(wren_symtab_symbol(t, 5));
    ck_assert_int_eq(wren_symtab_size(t), 4);
    char path[512];
    snprintf(path, sizeof path, "%s/words.txt", dir);
    ck_assert_int_eq(wren_symtab_write_text(t, path), 0);
    struct wren_symtab *u = NULL;
    ck_assert_int_eq(wren_symtab_read_text(path, &u), 0);
    ck_assert_int_eq(wren_symtab_find(u, "#0"), 10);
    ck_assert_int_eq(wren_symtab_find(u, "<eps>"), 0);
    ck_assert_int_eq(wren_symtab_size(u), 4);
    char *bad = test_write_file(dir, "bad.txt", "<eps> 0\nfoo\n");
    struct wren_symtab *v = NULL;
    ck_assert_int_eq(wren_symtab_read_text(bad, &v), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "bad.txt:2"));
    char *dup = test_write_file(dir, "dup.txt", "<eps> 0\nfoo 1\nbar 1\n");
    ck_assert_int_eq(wren_symtab_read_text(dup, &v), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "dup.txt:3"));
    wren_symtab_free(t);
    wren_symtab_free(u);
    free(bad);
    free(dup);
    free(dir);
}
END_TEST

/* A non-deterministic acceptor over {1,2} with redundant paths: (1 2 | 1 1 2 | 1 2)* 
 * with weights; determinize + minimize must give an equivalent, smaller machine. */
static struct wren_fst *nondet_acceptor(void)
{
    struct wren_fst *f = wren_fst_new();
    for (int i = 0; i < 6; i++) wren_fst_add_state(f);
    wren_fst_set_start(f, 0);
    wren_fst_add_arc(f, 0, 1, 1, 1.0f, 1);
    wren_fst_add_arc(f, 1, 2, 2, 0.0f, 5);
    wren_fst_add_arc(f, 0, 1, 1, 0.5f, 2);
    wren_fst_add_arc(f, 2, 1, 1, 0.5f, 3);
    wren_fst_add_arc(f, 3, 2, 2, 0.0f, 5);
    wren_fst_add_arc(f, 0, 1, 1, 2.0f, 4);
    wren_fst_add_arc(f, 4, 2, 2, 0.0f, 5);
    wren_fst_add_arc(f, 5, 0, 0, 0.25f, 0);
    wren_fst_set_final(f, 5, 0.0f);
    return f;
}

START_TEST(test_determinize_minimize)
{
    struct wren_fst *f = nondet_acceptor();
    ck_assert_int_eq(wren_fst_rmepsilon(f), 0);
    struct wren_fst *d = NULL;
    ck_assert_int_eq(wren_fst_determinize(f, 0, 0, &d), 0);
    ck_assert_int_eq(wren_fst_is_ideterministic(d), 1);
    ck_assert_int_eq(wren_fst_equivalent(f, d, 1e-4f), -1);   /* f is not deterministic */
    struct wren_fst *m = wren_fst_copy(d);
    ck_assert_int_eq(wren_fst_minimize(m, 0, 0), 0);
    ck_assert_int_le(wren_fst_num_states(m), wren_fst_num_states(d));
    ck_assert_int_eq(wren_fst_equivalent(d, m, 1e-4f), 1);
    ck_assert_int_eq(wren_fst_randequivalent(f, m, 50, 1e-4f, 7), 1);
    /* Path costs: "1 2" best is 1.0 (the 2.0 alternative loses); "1 1 2" costs 1.0. */
    int s12[] = { 1, 2 }, s112[] = { 1, 1, 2 }, s11[] = { 1, 1 };
    float c;
    ck_assert_int_eq(wren_fst_accept_cost(m, s12, 2, &c), 0);
    ck_assert_float_eq_tol(c, 1.0f, 1e-5);
    ck_assert_int_eq(wren_fst_accept_cost(m, s112, 3, &c), 0);
    ck_assert_float_eq_tol(c, 1.0f, 1e-5);
    ck_assert_int_eq(wren_fst_accept_cost(m, s11, 2, &c), 0);
    ck_assert(isinf(c));
    /* A different machine is not equivalent. */
    struct wren_fst *other = wren_fst_copy(m);
    wren_fst_set_final(other, wren_fst_start(other), 0.0f);
    ck_assert_int_eq(wren_fst_equivalent(m, other, 1e-4f), 0);
    /* Log-semiring determinization sums the two "1 2" paths: -ln(e^-1 + e^-2). */
    struct wren_fst *dl = NULL;
    ck_assert_int_eq(wren_fst_determinize(f, 1, 0, &dl), 0);
    ck_assert_int_eq(wren_fst_accept_cost(dl, s12, 2, &c), 0);
    ck_assert_float_eq_tol(c, (float)-log(exp(-1.0) + exp(-2.0)), 2e-3);   /* delta 1/1024 */
    wren_fst_free(f);
    wren_fst_free(d);
    wren_fst_free(m);
    wren_fst_free(other);
    wren_fst_free(dl);
}
END_TEST

START_TEST(test_compose_relabel)
{
    /* A: 1:10/1 ; B: 10:20/2 | 11:21/5  =>  A∘B accepts 1 with output 20, cost 3. */
    struct wren_fst *a = wren_fst_new(), *b = wren_fst_new(), *c = NULL;
    int a0 = wren_fst_add_state(a), a1 = wren_fst_add_state(a);
    wren_fst_set_start(a, a0);
    wren_fst_add_arc(a, a0, 1, 10, 1.0f, a1);
    wren_fst_set_final(a, a1, 0.0f);
    int b0 = wren_fst_add_state(b), b1 = wren_fst_add_state(b);
    wren_fst_set_start(b, b0);
    wren_fst_add_arc(b, b0, 11, 21, 5.0f, b1);
    wren_fst_add_arc(b, b0, 10, 20, 2.0f, b1);
    wren_fst_set_final(b, b1, 0.0f);
    ck_assert_int_eq(wren_fst_compose(a, b, &c), 0);
    int s1[] = { 1 };
    float cost;
    ck_assert_int_eq(wren_fst_accept_cost(c, s1, 1, &cost), 0);
    ck_assert_float_eq_tol(cost, 3.0f, 1e-5);
    const struct wren_arc *arcs;
    size_t n;
    wren_fst_arcs(c, wren_fst_start(c), &arcs, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(arcs[0].olabel, 20);
    /* Relabel input 1 -> 3 and output 20 -> 0, then project. */
    int imap[] = { 0, 3 };
    int omap[21] = { 0 };
    for (int i = 0; i < 21; i++) omap[i] = i;
    omap[20] = 0;
    ck_assert_int_eq(wren_fst_relabel(c, imap, 2, omap, 21), 0);
    wren_fst_arcs(c, wren_fst_start(c), &arcs, &n);
    ck_assert_int_eq(arcs[0].ilabel, 3);
    ck_assert_int_eq(arcs[0].olabel, 0);
    ck_assert_int_eq(wren_fst_invert(c), 0);
    wren_fst_arcs(c, wren_fst_start(c), &arcs, &n);
    ck_assert_int_eq(arcs[0].ilabel, 0);
    ck_assert_int_eq(arcs[0].olabel, 3);
    ck_assert_int_eq(wren_fst_project_output(c), 0);
    ck_assert_int_eq(wren_fst_is_acceptor(c), 1);
    /* Closure and concatenation: (3)+ accepts 3 3 3 at 3 * 3.0. */
    ck_assert_int_eq(wren_fst_closure_plus(c), 0);
    int s333[] = { 3, 3, 3 };
    ck_assert_int_eq(wren_fst_accept_cost(c, s333, 3, &cost), 0);
    ck_assert_float_eq_tol(cost, 9.0f, 1e-4);
    wren_fst_free(a);
    wren_fst_free(b);
    wren_fst_free(c);
}
END_TEST

START_TEST(test_stochasticity_and_push)
{
    struct wren_fst *f = wren_fst_new();
    int s0 = wren_fst_add_state(f), s1 = wren_fst_add_state(f);
    wren_fst_set_start(f, s0);
    wren_fst_add_arc(f, s0, 1, 1, (float)-log(0.3), s1);
    wren_fst_add_arc(f, s0, 2, 2, (float)-log(0.7), s1);
    wren_fst_set_final(f, s1, 0.0f);
    float mn, mx;
    ck_assert_int_eq(wren_fst_stochasticity(f, &mn, &mx), 0);
    ck_assert_float_eq_tol(mn, 0.0f, 1e-5);
    ck_assert_float_eq_tol(mx, 0.0f, 1e-5);
    wren_fst_set_final(f, s1, 1.0f);
    ck_assert_int_eq(wren_fst_stochasticity(f, &mn, &mx), 0);
    ck_assert_float_eq_tol(mx, 1.0f, 1e-5);
    ck_assert_int_eq(wren_fst_push_weights(f, 0, 1), 0);
    ck_assert_int_eq(wren_fst_stochasticity(f, &mn, &mx), 0);
    /* After pushing in the log semiring, all but the start state are stochastic. */
    ck_assert_float_eq_tol(mn, 0.0f, 1e-4);
    wren_fst_free(f);
}
END_TEST

static Suite *fst_suite(void)
{
    Suite *s = suite_create("fst");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_build_and_arcs);
    tcase_add_test(tc, test_write_read_roundtrip);
    tcase_add_test(tc, test_read_errors);
    tcase_add_test(tc, test_symtab);
    tcase_add_test(tc, test_determinize_minimize);
    tcase_add_test(tc, test_compose_relabel);
    tcase_add_test(tc, test_stochasticity_and_push);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(fst_suite());
}
