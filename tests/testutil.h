/* testutil.h — helpers shared by the Check unit tests: where the shared corpus is, temp dirs. */
#ifndef WREN_TESTUTIL_H
#define WREN_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Path under ../shared (env WREN_SHARED, set by `make check`); caller frees. */
static inline char *test_shared_path(const char *rel)
{
    const char *root = getenv("WREN_SHARED");
    if (!root) root = "../shared";
    size_t n = strlen(root) + strlen(rel) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", root, rel);
    return p;
}

/* The temporary directories this test program made, each with the process that made it: Check
 * runs every test in a forked child, and a child must not remove its parent's directories. */
static struct { char *path; pid_t pid; } *test_tmpdirs;
static size_t test_n_tmpdirs;

static inline void test_tmpdirs_remove(void)
{
    for (size_t i = 0; i < test_n_tmpdirs; i++) {
        if (test_tmpdirs[i].pid == getpid()) {
            char cmd[64 + 4096];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_tmpdirs[i].path);
            if (system(cmd) != 0) fprintf(stderr, "testutil: could not remove %s\n", test_tmpdirs[i].path);
        }
        free(test_tmpdirs[i].path);
    }
    free(test_tmpdirs);
    test_tmpdirs = NULL;
    test_n_tmpdirs = 0;
}

/* A fresh temporary directory for one test; caller frees the string. It is removed when the
 * process that made it exits normally (a passing test); a failing test's stays to be looked at
 * (Check ends a failed test's process with _exit). */
static inline char *test_tmpdir(void)
{
    char tmpl[] = "/tmp/wren-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(d);
    static pid_t registered;   /* atexit once per process (a forked child inherits the parent's) */
    if (registered != getpid()) {
        if (!registered) ck_assert_int_eq(atexit(test_tmpdirs_remove), 0);
        registered = getpid();
    }
    void *grown = realloc(test_tmpdirs, (test_n_tmpdirs + 1) * sizeof *test_tmpdirs);
    ck_assert_ptr_nonnull(grown);
    test_tmpdirs = grown;
    test_tmpdirs[test_n_tmpdirs].path = strdup(d);
    test_tmpdirs[test_n_tmpdirs].pid = getpid();
    test_n_tmpdirs++;
    return strdup(d);
}

/* Real text for the NNLM tests: the first raw_lines lines of the shared Brown corpus, lower-cased,
 * letters and apostrophes only, sentences of 3+ words (DIR/all.txt); its first ntrain sentences
 * are written to TRAIN and the next ndev to DEV. */
static inline void test_brown_split(const char *dir, int raw_lines, int ntrain, int ndev, const char *train,
                                    const char *dev)
{
    char *brown = test_shared_path("data/text/lm-corpus/brown.txt.xz");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "xz -dc '%s' | head -%d | tr A-Z a-z | sed \"s/[^a-z' ]/ /g\" | awk 'NF>2' > '%s/all.txt'"
             " && head -%d '%s/all.txt' > '%s' && sed -n %d,%dp '%s/all.txt' > '%s'",
             brown, raw_lines, dir, ntrain, dir, train, ntrain + 1, ntrain + ndev, dir, dev);
    ck_assert_int_eq(system(cmd), 0);
    free(brown);
}

/* Write text to DIR/NAME; returns the path (caller frees). */
static inline char *test_write_file(const char *dir, const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return p;
}

/* Run a suite and return the process exit code. */
static inline int test_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
