/* test_utils.c — options, tables, inputs and atomic outputs. */
#include "testutil.h"
#include "utils/wren-util.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

START_TEST(test_opts_forms)
{
    int beam_i = 0, flag = 0;
    double lmw = 1.0;
    const char *name = NULL;
    struct wren_opt t[] = {
        { "beam", WREN_OPT_INT, &beam_i, "beam" },
        { "lm-weight", WREN_OPT_DOUBLE, &lmw, "weight" },
        { "name", WREN_OPT_STRING, &name, "name" },
        { "lattice", WREN_OPT_BOOL, &flag, "flag" },
        WREN_OPT_TABLE_END,
    };
    char *argv[] = { "cmd", "a", "--beam=13", "-lm-weight", "0.5", "--lattice", "b", "--name", "x", "-", "--", "--c", NULL };
    char **pos; int npos;
    ck_assert_int_eq(wren_opts_parse(t, 12, argv, &pos, &npos), 0);
    ck_assert_int_eq(beam_i, 13);
    ck_assert(lmw == 0.5);
    ck_assert_int_eq(flag, 1);
    ck_assert_str_eq(name, "x");
    ck_assert_int_eq(npos, 4);
    ck_assert_str_eq(pos[0], "a");
    ck_assert_str_eq(pos[1], "b");
    ck_assert_str_eq(pos[2], "-");
    ck_assert_str_eq(pos[3], "--c");
    free(pos);
}
END_TEST

START_TEST(test_opts_errors)
{
    int n = 0;
    struct wren_opt t[] = { { "n", WREN_OPT_INT, &n, "n" }, WREN_OPT_TABLE_END };
    char **pos; int npos;
    char *a1[] = { "cmd", "--n=abc", NULL };
    ck_assert_int_eq(wren_opts_parse(t, 2, a1, &pos, &npos), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "--n"));
    char *a2[] = { "cmd", "--bogus", NULL };
    ck_assert_int_eq(wren_opts_parse(t, 2, a2, &pos, &npos), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "bogus"));
    char *a3[] = { "cmd", "--n", NULL };
    ck_assert_int_eq(wren_opts_parse(t, 2, a3, &pos, &npos), -1);
    char *a4[] = { "cmd", "--help", NULL };
    ck_assert_int_eq(wren_opts_parse(t, 2, a4, &pos, &npos), 1);
}
END_TEST

START_TEST(test_opts_alias_and_lists)
{
    float penalty = 0;
    const char *grid = "0,1";
    struct wren_opt t[] = {
        { "word-penalty", WREN_OPT_FLOAT, &penalty, "cost per word" },
        { "wip", WREN_OPT_ALIAS, (void *)"word-penalty", NULL },
        { "grid", WREN_OPT_STRING, &grid, "a list" },
        WREN_OPT_TABLE_END,
    };
    char *argv[] = { "x", "--wip", "2.5", NULL };
    char **pos; int npos;
    ck_assert_int_eq(wren_opts_parse(t, 3, argv, &pos, &npos), 0);
    free(pos);
    ck_assert(penalty == 2.5f);           /* the old name sets the new option */
    char *argv2[] = { "x", "--word-penalty=-1", NULL };
    ck_assert_int_eq(wren_opts_parse(t, 2, argv2, &pos, &npos), 0);
    free(pos);
    ck_assert(penalty == -1.0f);
    double *v; int n;
    ck_assert_int_eq(wren_opts_parse_doubles("grid", "-2,0.5,1e1", &v, &n), 0);
    ck_assert_int_eq(n, 3);
    ck_assert(v[0] == -2.0 && v[1] == 0.5 && v[2] == 10.0);
    free(v);
    ck_assert_int_eq(wren_opts_parse_doubles("grid", "1,,2", &v, &n), -1);
    ck_assert_ptr_null(v);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "--grid"));
    ck_assert_int_eq(wren_opts_parse_doubles("grid", "1,x", &v, &n), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "'x'"));
    ck_assert_int_eq(wren_opts_parse_doubles("grid", "", &v, &n), -1);
    ck_assert_int_eq(wren_opts_parse_doubles("grid", "nan", &v, &n), -1);
}
END_TEST

START_TEST(test_table_read_and_duplicates)
{
    char *dir = test_tmpdir();
    char *p = test_write_file(dir, "text", "u1 hello world\n\nu2\nu3   spaced   out  \n");
    struct wren_table t;
    ck_assert_int_eq(wren_table_read(p, &t), 0);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_str_eq(t.e[0].value, "hello world");
    ck_assert_str_eq(t.e[1].value, "");
    ck_assert_int_eq(t.e[2].line, 4);
    ck_assert_str_eq(wren_table_find(&t, "u3")->value, "spaced   out");
    ck_assert_ptr_null(wren_table_find(&t, "u4"));
    wren_table_free(&t);
    char *q = test_write_file(dir, "dup", "a x\nb y\na z\n");
    ck_assert_int_eq(wren_table_read(q, &t), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), ":3: duplicate key 'a'"));
    free(p); free(q); free(dir);
}
END_TEST

START_TEST(test_input_pipe_and_missing)
{
    char *data; size_t n;
    ck_assert_int_eq(wren_read_all("printf 'abc' |", &data, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(data, "abc");
    free(data);
    ck_assert_int_eq(wren_read_all("exit 3 |", &data, &n), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "command failed"));
    ck_assert_int_eq(wren_read_all("/nonexistent/file", &data, &n), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "/nonexistent/file"));
}
END_TEST

START_TEST(test_atomic_commit_and_abort)
{
    char *dir = test_tmpdir();
    char *p = wren_path_join(dir, "out.txt");
    struct wren_atomic a;
    ck_assert_int_eq(wren_atomic_open(&a, p, "w"), 0);
    fputs("partial", a.f);
    ck_assert(!wren_path_exists(p));      /* nothing visible until commit */
    wren_atomic_abort(&a);
    ck_assert(!wren_path_exists(p));
    ck_assert_int_eq(wren_atomic_open(&a, p, "w"), 0);
    fputs("done\n", a.f);
    ck_assert_int_eq(wren_atomic_commit(&a), 0);
    char *data;
    ck_assert_int_eq(wren_read_all(p, &data, NULL), 0);
    ck_assert_str_eq(data, "done\n");
    free(data); free(p); free(dir);
}
END_TEST

START_TEST(test_atomic_device_written_in_place)
{
    struct wren_atomic a;
    ck_assert_int_eq(wren_atomic_open(&a, "/dev/null", "w"), 0);
    fputs("discarded\n", a.f);
    ck_assert_int_eq(wren_atomic_commit(&a), 0);
    struct stat st;
    ck_assert_int_eq(stat("/dev/null", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));          /* still the device, not a regular file */
    ck_assert_int_eq(wren_atomic_open(&a, "/tmp", "w"), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "/tmp: is a directory"));
}
END_TEST

/* A write error names the file: a device written in place (/dev/full) and standard output. */
START_TEST(test_atomic_write_error_names_file)
{
    struct wren_atomic a;
    ck_assert_int_eq(wren_atomic_open(&a, "/dev/full", "w"), 0);
    for (int i = 0; i < 10000; i++) fputs("more than a buffer\n", a.f);
    ck_assert_int_eq(wren_atomic_commit(&a), -1);
    ck_assert_msg(strstr(wren_error_msg(), "/dev/full: write error: No space left on device"),
                  "%s", wren_error_msg());
    FILE *full = fopen("/dev/full", "w");
    ck_assert_ptr_nonnull(full);
    fputs("x", full);
    ck_assert_int_eq(wren_stream_check(full, "standard output"), -1);
    ck_assert_str_eq(wren_error_msg(), "standard output: write error: No space left on device");
    fclose(full);
}
END_TEST

/* A temp file left by a killed run (its PID is gone) is removed by the next run writing the
 * same output; a live process's temp file and other outputs' temp files stay. */
START_TEST(test_atomic_removes_stale_temps)
{
    char *dir = test_tmpdir();
    pid_t dead = fork();
    ck_assert_int_ge(dead, 0);
    if (dead == 0) _exit(0);
    ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
    ck_assert_int_eq(kill(dead, 0), -1);       /* really gone */
    char name[64];
    snprintf(name, sizeof name, "out.txt.tmp.%ld", (long)dead);
    char *stale = test_write_file(dir, name, "half of an old run");
    snprintf(name, sizeof name, "out.txt.tmp.%ld", (long)getppid());
    char *live = test_write_file(dir, name, "a run in progress");
    snprintf(name, sizeof name, "other.txt.tmp.%ld", (long)dead);
    char *other = test_write_file(dir, name, "another output's");
    char *odd = test_write_file(dir, "out.txt.tmp.12x", "not a pid");
    char *p = wren_path_join(dir, "out.txt");
    struct wren_atomic a;
    ck_assert_int_eq(wren_atomic_open(&a, p, "w"), 0);
    ck_assert(!wren_path_exists(stale));
    ck_assert(wren_path_exists(live));
    ck_assert(wren_path_exists(other));
    ck_assert(wren_path_exists(odd));
    fputs("new\n", a.f);
    ck_assert_int_eq(wren_atomic_commit(&a), 0);
    ck_assert(wren_path_exists(live));
    unlink(live); unlink(other); unlink(odd); unlink(p);
    rmdir(dir);
    free(stale); free(live); free(other); free(odd); free(p); free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("utils");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_opts_forms);
    tcase_add_test(tc, test_opts_errors);
    tcase_add_test(tc, test_opts_alias_and_lists);
    tcase_add_test(tc, test_table_read_and_duplicates);
    tcase_add_test(tc, test_input_pipe_and_missing);
    tcase_add_test(tc, test_atomic_commit_and_abort);
    tcase_add_test(tc, test_atomic_device_written_in_place);
    tcase_add_test(tc, test_atomic_write_error_names_file);
    tcase_add_test(tc, test_atomic_removes_stale_temps);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
