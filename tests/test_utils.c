/* test_utils.c — options, tables, inputs and atomic outputs, hash tables and the heap. */
#include "testutil.h"
#include "utils/wren-util.h"
#include "utils/hashmap.h"
#include "utils/heap.h"
#include "utils/sysmem.h"

#include <stdint.h>

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

START_TEST(test_opts_usage_defaults)
{
    const char *unset = NULL, *set = "/a/b", *runtime = NULL;
    struct wren_opt t[] = {
        { "unset", WREN_OPT_STRING, &unset, "a file" },
        { "set", WREN_OPT_STRING, &set, "a folder" },
        { "runtime", WREN_OPT_STRING, &runtime, "a model (default: the graph's)" },
        WREN_OPT_TABLE_END,
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    wren_opts_usage(f, "cmd X", "Does X.", t);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "a file (default: none)\n"));
    ck_assert_ptr_nonnull(strstr(buf, "a folder (default: /a/b)\n"));
    /* decided at run time, as its help says: no "(default: none)" after it */
    ck_assert_ptr_nonnull(strstr(buf, "a model (default: the graph's)\n"));
    free(buf);
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
    /* the items as written, e.g. for file names */
    char **items;
    ck_assert_int_eq(wren_opts_parse_list("sizes", "0.50,1e-1", &v, &items, &n), 0);
    ck_assert_int_eq(n, 2);
    ck_assert(v[0] == 0.5 && v[1] == 0.1);
    ck_assert_str_eq(items[0], "0.50");
    ck_assert_str_eq(items[1], "1e-1");
    free(v); free(items[0]); free(items[1]); free(items);
    ck_assert_int_eq(wren_opts_parse_list("sizes", "0.5,x", &v, &items, &n), -1);
    ck_assert_ptr_null(items);
}
END_TEST

START_TEST(test_opts_repeated)
{
    struct wren_opt_strings evals = { 0 };
    int w = 0;
    const struct wren_opt t[] = {
        { "eval", WREN_OPT_STRINGS, &evals, "repeatable" },
        { "window", WREN_OPT_INT, &w, "w" },
        WREN_OPT_TABLE_END,
    };
    char *argv[] = { "x", "--eval", "a.txt", "-window", "3", "--eval=b.txt", "in", "-eval", "c.txt", NULL };
    char **pos; int npos;
    ck_assert_int_eq(wren_opts_parse(t, 9, argv, &pos, &npos), 0);
    ck_assert_int_eq(evals.n, 3);
    ck_assert_str_eq(evals.v[0], "a.txt");
    ck_assert_str_eq(evals.v[1], "b.txt");
    ck_assert_str_eq(evals.v[2], "c.txt");
    ck_assert_int_eq(w, 3);
    ck_assert_int_eq(npos, 1);
    ck_assert_str_eq(pos[0], "in");
    free(pos);
    free(evals.v);
}
END_TEST

START_TEST(test_opts_copy_pieces)
{
    int a = 0, b = 0, c = 0;
    const struct wren_opt one[] = { { "a", WREN_OPT_INT, &a, "a" }, { "b", WREN_OPT_INT, &b, "b" }, WREN_OPT_TABLE_END };
    const struct wren_opt two[] = { { "c", WREN_OPT_INT, &c, "c" }, WREN_OPT_TABLE_END };
    struct wren_opt t[WREN_OPTS_LEN(one) + WREN_OPTS_LEN(two)];
    int n = wren_opts_copy(t, one);
    ck_assert_int_eq(n, 2);
    n += wren_opts_copy(t + n, two);
    ck_assert_int_eq(n, 3);
    ck_assert_ptr_null(t[3].name);       /* one END, after the last piece */
    char *argv[] = { "x", "--a=1", "--c", "3", NULL };
    char **pos; int npos;
    ck_assert_int_eq(wren_opts_parse(t, 4, argv, &pos, &npos), 0);
    free(pos);
    ck_assert(a == 1 && b == 0 && c == 3);
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
    /* a byte-order mark opening the file is not part of the first key (only there) */
    char *r = test_write_file(dir, "bom", "\xEF\xBB\xBFu1 a\n\xEF\xBB\xBFu2 b\n");
    ck_assert_int_eq(wren_table_read(r, &t), 0);
    ck_assert_str_eq(t.e[0].key, "u1");
    ck_assert_str_eq(t.e[1].key, "\xEF\xBB\xBFu2");
    wren_table_free(&t);
    free(p); free(q); free(r); free(dir);
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

/* ---- hash tables ---- */

/* A small deterministic generator (the tests must not depend on libc's rand). */
static uint64_t next_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

struct str_entries { char **s; size_t n; };

static uint64_t str_hash_of(const void *ctx, uint32_t id)
{
    return wren_hash_str(((const struct str_entries *)ctx)->s[id]);
}

static int str_eq(const void *ctx, uint32_t id, const void *key)
{
    return !strcmp(((const struct str_entries *)ctx)->s[id], key);
}

/* Intern key into e through m; returns its id. */
static int64_t str_intern(struct wren_hashmap *m, struct str_entries *e, const char *key)
{
    wren_hashmap_reserve(m, e->n + 1, str_hash_of, e);
    size_t at = wren_hashmap_probe(m, wren_hash_str(key), key, str_eq, e);
    if (wren_hashmap_id_at(m, at) >= 0) return wren_hashmap_id_at(m, at);
    e->s[e->n] = strdup(key);
    wren_hashmap_put_at(m, at, (uint32_t)e->n);
    return (int64_t)e->n++;
}

START_TEST(test_path_stem_and_key)
{
    char *s = wren_path_stem("a/b.c.wav");
    ck_assert_str_eq(s, "b.c");
    free(s);
    s = wren_path_stem(".hidden");   /* a leading dot is not an extension */
    ck_assert_str_eq(s, ".hidden");
    free(s);
    s = wren_path_key("dir x/my talk\tnow.wav");   /* the folder's space is not in the key */
    ck_assert_str_eq(s, "my_talk_now");
    free(s);
    s = wren_path_key("caf\xc3\xa9\x01.flac");   /* UTF-8 kept, a control byte replaced */
    ck_assert_str_eq(s, "caf\xc3\xa9_");
    free(s);
}
END_TEST

START_TEST(test_hashmap_index)
{
    enum { N = 20000 };
    struct str_entries e = { calloc(N, sizeof(char *)), 0 };
    struct wren_hashmap m;
    wren_hashmap_init(&m, 0);
    size_t slots0 = m.mask + 1;
    char key[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "w%d", i * 7);
        ck_assert_int_eq(str_intern(&m, &e, key), i);
    }
    ck_assert_uint_gt(m.mask + 1, slots0);          /* it grew */
    ck_assert_uint_le(2 * m.n, m.mask + 1);          /* at most half full */
    for (int i = 0; i < N; i++) {                    /* interning again finds the same ids */
        snprintf(key, sizeof key, "w%d", i * 7);
        ck_assert_int_eq(str_intern(&m, &e, key), i);
        snprintf(key, sizeof key, "w%d", i * 7 + 1);
        ck_assert_int_eq(wren_hashmap_find(&m, wren_hash_str(key), key, str_eq, &e), -1);
    }
    ck_assert_uint_eq(m.n, N);
    /* remove every third id; the others stay findable through the shifted probe runs */
    for (int i = 0; i < N; i += 3) {
        size_t at = wren_hashmap_probe(&m, wren_hash_str(e.s[i]), e.s[i], str_eq, &e);
        ck_assert_int_eq(wren_hashmap_id_at(&m, at), i);
        wren_hashmap_remove_at(&m, at, str_hash_of, &e);
    }
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(wren_hashmap_find(&m, wren_hash_str(e.s[i]), e.s[i], str_eq, &e), i % 3 ? i : -1);
    ck_assert_uint_eq(m.n, N - (N + 2) / 3);
    wren_hashmap_free(&m);
    /* a zeroed map gets its slots from the first reserve */
    struct wren_hashmap z = { 0 };
    wren_hashmap_reserve(&z, 1, str_hash_of, &e);
    ck_assert_int_eq(wren_hashmap_find(&z, wren_hash_str(e.s[0]), e.s[0], str_eq, &e), -1);
    wren_hashmap_free(&z);
    for (size_t i = 0; i < e.n; i++) free(e.s[i]);
    free(e.s);
}
END_TEST

START_TEST(test_hash_functions)
{
    const char *s = "the quick brown fox";
    ck_assert_uint_eq(wren_hash_str(s), wren_hash_bytes(s, strlen(s)));
    ck_assert_uint_eq(wren_hash_str(""), wren_hash_bytes("", 0));
    ck_assert_uint_ne(wren_hash_str("ab"), wren_hash_str("ba"));
    int32_t a[3] = { 1, 2, 3 }, b[3] = { 1, 3, 2 };
    ck_assert_uint_ne(wren_hash_i32s(a, 3), wren_hash_i32s(b, 3));
    ck_assert_uint_ne(wren_hash_i32s(a, 2), wren_hash_i32s(a, 3));
    /* the low bits of consecutive integers spread over a small table */
    int used[64] = { 0 }, distinct = 0;
    for (uint64_t x = 0; x < 64; x++) used[wren_hash_u64(x) & 63] = 1;
    for (int i = 0; i < 64; i++) distinct += used[i];
    ck_assert_int_gt(distinct, 32);
}
END_TEST

START_TEST(test_bytemap)
{
    struct wren_bytemap *m = wren_bytemap_new();
    ck_assert_int_eq(wren_bytemap_get(m, "x", 1, -7), -7);
    ck_assert_int_eq(wren_bytemap_put(m, "", 0, 5), 5);            /* the empty key is a key */
    ck_assert_int_eq(wren_bytemap_get(m, "", 0, -1), 5);
    const unsigned char k1[] = { 0, 1, 0 }, k2[] = { 0, 1 };       /* bytes, not strings */
    ck_assert_int_eq(wren_bytemap_put(m, k1, 3, 10), 10);
    ck_assert_int_eq(wren_bytemap_put(m, k2, 2, 20), 20);
    ck_assert_int_eq(wren_bytemap_put(m, k1, 3, 99), 10);           /* present: the old value */
    ck_assert_int_eq(wren_bytemap_get(m, k2, 2, -1), 20);
    int32_t seq[4];
    for (int i = 0; i < 5000; i++) {                                /* grow with id tuples */
        for (int k = 0; k < 4; k++) seq[k] = i * 4 + k;
        ck_assert_int_eq(wren_bytemap_put(m, seq, sizeof seq, i), i);
    }
    for (int i = 0; i < 5000; i++) {
        for (int k = 0; k < 4; k++) seq[k] = i * 4 + k;
        ck_assert_int_eq(wren_bytemap_get(m, seq, sizeof seq, -1), i);
        ck_assert_int_eq(wren_bytemap_get(m, seq, 3 * sizeof *seq, -1), -1);
    }
    ck_assert_uint_eq(wren_bytemap_size(m), 5003);
    wren_bytemap_free(m);
}
END_TEST

START_TEST(test_tuples)
{
    struct wren_tuples t;
    wren_tuples_init(&t, 3);
    int32_t x[3];
    for (int round = 0; round < 2; round++)          /* the second round finds the same ids */
        for (int i = 0; i < 3000; i++) {
            x[0] = i % 7; x[1] = i; x[2] = -i;
            ck_assert_uint_eq(wren_tuples_intern(&t, x), (uint32_t)i);
        }
    ck_assert_uint_eq(t.n, 3000);
    const int32_t *y = wren_tuples_get(&t, 1234);
    ck_assert_int_eq(y[0], 1234 % 7);
    ck_assert_int_eq(y[1], 1234);
    ck_assert_int_eq(y[2], -1234);
    wren_tuples_free(&t);
}
END_TEST

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

START_TEST(test_u64map)
{
    enum { N = 30000 };
    uint64_t *keys = malloc(N * sizeof *keys), st = 42;
    for (int i = 0; i < N; i++) keys[i] = next_rand(&st) % (N * 4);   /* with repeats */
    keys[0] = 0;
    keys[1] = UINT64_MAX;                                              /* the empty marker too */
    struct wren_u64map m;
    wren_u64map_init(&m, 0);
    for (int i = 0; i < N; i++) {
        int is_new;
        int64_t *v = wren_u64map_put(&m, keys[i], &is_new);
        if (is_new) ck_assert_int_eq(*v, 0);
        *v += 1;                                                       /* count the key */
    }
    /* against a sorted copy: counts, size, absent keys */
    uint64_t *sorted = malloc(N * sizeof *sorted);
    memcpy(sorted, keys, N * sizeof *sorted);
    qsort(sorted, N, sizeof *sorted, cmp_u64);
    size_t distinct = 0;
    for (int i = 0; i < N;) {
        int j = i;
        while (j < N && sorted[j] == sorted[i]) j++;
        const int64_t *v = wren_u64map_get(&m, sorted[i]);
        ck_assert_ptr_nonnull(v);
        ck_assert_int_eq(*v, j - i);
        distinct++;
        i = j;
    }
    ck_assert_uint_eq(wren_u64map_size(&m), distinct);
    ck_assert_ptr_null(wren_u64map_get(&m, N * 4 + 1));
    /* remove the even keys, then every odd key is still there */
    for (size_t i = 0; i < N; i++)
        if (sorted[i] % 2 == 0 && (i == 0 || sorted[i] != sorted[i - 1])) ck_assert(wren_u64map_remove(&m, sorted[i]));
    ck_assert(!wren_u64map_remove(&m, 0));
    for (int i = 0; i < N; i++)
        ck_assert((wren_u64map_get(&m, keys[i]) != NULL) == (keys[i] % 2 == 1));
    wren_u64map_free(&m);
    free(keys);
    free(sorted);
}
END_TEST

/* ---- heap ---- */

static int less_double(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    return *(const double *)a < *(const double *)b;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

START_TEST(test_heap_order)
{
    enum { N = 20000 };
    double *x = malloc(N * sizeof *x), *out = malloc(N * sizeof *out);
    uint64_t st = 7;
    for (int i = 0; i < N; i++) x[i] = (double)(next_rand(&st) % 5000) / 7.0;   /* with ties */
    struct wren_heap h;
    wren_heap_init(&h, sizeof(double), less_double, NULL);
    /* interleave: push two, pop one, then drain */
    int nout = 0;
    double last = -1;
    for (int i = 0; i < N; i++) {
        wren_heap_push(&h, &x[i]);
        if (i % 2) {
            double y;
            wren_heap_pop(&h, &y);
            out[nout++] = y;
        }
    }
    while (wren_heap_size(&h)) {
        double y = *(const double *)wren_heap_top(&h);
        wren_heap_pop(&h, &out[nout]);
        ck_assert(out[nout] == y);
        ck_assert(out[nout] >= last);   /* the drain comes out sorted */
        last = out[nout++];
    }
    ck_assert_int_eq(nout, N);
    /* the same multiset as went in */
    qsort(x, N, sizeof *x, cmp_double);
    qsort(out, N, sizeof *out, cmp_double);
    ck_assert(memcmp(x, out, N * sizeof *x) == 0);
    /* push everything, pop everything: qsort's order */
    for (int i = 0; i < N; i++) wren_heap_push(&h, &x[N - 1 - i]);
    for (int i = 0; i < N; i++) {
        double y;
        wren_heap_pop(&h, &y);
        ck_assert(y == x[i]);
    }
    wren_heap_free(&h);
    free(x);
    free(out);
}
END_TEST

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* A k-way merge: the heap holds run numbers, ordered by each run's current value (ties: the
 * lower run), and the top run advances in place. */
struct runs { const int *v[8]; int len[8], pos[8]; };

static int less_run(const void *a, const void *b, const void *ctx)
{
    const struct runs *r = ctx;
    int x = *(const int *)a, y = *(const int *)b;
    int vx = r->v[x][r->pos[x]], vy = r->v[y][r->pos[y]];
    return vx != vy ? vx < vy : x < y;
}

START_TEST(test_heap_merge)
{
    enum { K = 8, LEN = 500 };
    int data[K][LEN], all[K * LEN], merged[K * LEN], n = 0;
    uint64_t st = 3;
    struct runs r = { 0 };
    struct wren_heap h;
    wren_heap_init(&h, sizeof(int), less_run, &r);
    for (int k = 0; k < K; k++) {
        int v = 0;
        for (int i = 0; i < LEN; i++) { v += (int)(next_rand(&st) % 10); data[k][i] = v; }
        r.v[k] = data[k];
        r.len[k] = LEN - 40 * k;   /* runs of different lengths */
        r.pos[k] = 0;
        wren_heap_push(&h, &k);
    }
    int total = 0;
    for (int k = 0; k < K; k++) {
        memcpy(all + total, data[k], (size_t)r.len[k] * sizeof *all);
        total += r.len[k];
    }
    while (wren_heap_size(&h)) {
        int k = *(int *)wren_heap_top(&h);
        merged[n++] = r.v[k][r.pos[k]++];
        if (r.pos[k] == r.len[k]) wren_heap_pop(&h, NULL);
        else wren_heap_top_changed(&h);
    }
    ck_assert_int_eq(n, total);
    qsort(all, (size_t)total, sizeof *all, cmp_int);
    ck_assert(memcmp(all, merged, (size_t)total * sizeof *all) == 0);
    wren_heap_free(&h);
}
END_TEST

/* Files of a fake system tree under dir: each name's folders made, then the text written. */
static void fake_files(const char *dir, const char *const *files)
{
    for (; files[0]; files += 2) {
        char cmd[1024], *p;
        snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s%s')\"", dir, files[0]);
        ck_assert_int_eq(system(cmd), 0);
        p = test_write_file(dir, files[0] + 1, files[1]);
        free(p);
    }
}

/* The memory a process may take: MemAvailable, lowered by the room under a cgroup v2 or v1 limit
 * (its own folder, else the hierarchy's root); "max" and v1's huge number are no limit; an
 * exhausted cgroup leaves 1 byte; nothing readable gives 0; the running system gives a size. */
START_TEST(test_mem_available)
{
    const uint64_t MB = 1048576;
    const char *meminfo[] = { "/proc/meminfo", "MemTotal:  16000000 kB\nMemFree: 100 kB\nMemAvailable:    8000000 kB\n", NULL };
    const char *v2_own[] = { "/proc/self/cgroup", "0::/job/42\n",
                             "/sys/fs/cgroup/job/42/memory.max", "2147483648\n",
                             "/sys/fs/cgroup/job/42/memory.current", "1073741824\n", NULL };
    const char *v2_max[] = { "/proc/self/cgroup", "0::/\n", "/sys/fs/cgroup/memory.max", "max\n",
                             "/sys/fs/cgroup/memory.current", "5\n", NULL };
    const char *v1_root[] = { "/proc/self/cgroup", "5:cpu,cpuacct:/a\n4:memory:/process_api/x\n0::/\n",
                              "/sys/fs/cgroup/memory/memory.limit_in_bytes", "1000000000\n",
                              "/sys/fs/cgroup/memory/memory.usage_in_bytes", "400000000\n", NULL };
    const char *v1_none[] = { "/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n", NULL };
    const char *full[] = { "/sys/fs/cgroup/memory/memory.usage_in_bytes", "1000000001\n", NULL };

    char *d = test_tmpdir();
    ck_assert_uint_eq(wren_mem_available(d), 0);                   /* nothing to read */
    fake_files(d, meminfo);
    ck_assert_uint_eq(wren_mem_available(d), UINT64_C(8000000) * 1024);
    fake_files(d, v2_own);
    ck_assert_uint_eq(wren_mem_available(d), 1024 * MB);          /* 2 GB limit, 1 GB used */
    free(d);

    d = test_tmpdir();
    fake_files(d, meminfo);
    fake_files(d, v2_max);
    ck_assert_uint_eq(wren_mem_available(d), UINT64_C(8000000) * 1024);
    fake_files(d, v1_root);                                         /* own folder absent: the root's */
    ck_assert_uint_eq(wren_mem_available(d), UINT64_C(600000000));
    fake_files(d, v1_none);
    ck_assert_uint_eq(wren_mem_available(d), UINT64_C(8000000) * 1024);
    fake_files(d, v1_root);
    fake_files(d, full);
    ck_assert_uint_eq(wren_mem_available(d), 1);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    ck_assert_int_eq(system(cmd), 0);
    free(d);

    ck_assert_uint_gt(wren_mem_available(""), 16 * MB);           /* this machine's */
    ck_assert_uint_gt(wren_mem_available(NULL), 16 * MB);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("utils");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_opts_forms);
    tcase_add_test(tc, test_opts_usage_defaults);
    tcase_add_test(tc, test_opts_errors);
    tcase_add_test(tc, test_opts_alias_and_lists);
    tcase_add_test(tc, test_opts_copy_pieces);
    tcase_add_test(tc, test_opts_repeated);
    tcase_add_test(tc, test_table_read_and_duplicates);
    tcase_add_test(tc, test_input_pipe_and_missing);
    tcase_add_test(tc, test_atomic_commit_and_abort);
    tcase_add_test(tc, test_atomic_device_written_in_place);
    tcase_add_test(tc, test_atomic_write_error_names_file);
    tcase_add_test(tc, test_atomic_removes_stale_temps);
    tcase_add_test(tc, test_path_stem_and_key);
    tcase_add_test(tc, test_hashmap_index);
    tcase_add_test(tc, test_hash_functions);
    tcase_add_test(tc, test_bytemap);
    tcase_add_test(tc, test_u64map);
    tcase_add_test(tc, test_tuples);
    tcase_add_test(tc, test_heap_order);
    tcase_add_test(tc, test_heap_merge);
    tcase_add_test(tc, test_mem_available);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
