/* test_lattice.c — lattices: the word lattice of a hand-built state-level lattice (segments,
 * times, separate costs, duplicate word sequences merged in n-best), pruning, oracle against a
 * reference, and Kaldi compact-lattice text: round trip, Kaldi's short forms, gzip, bad lines. */
#include "testutil.h"

#include "lm/arpa.h"
#include "fstext/fst.h"
#include "lat/lattice.h"
#include "utils/wren-util.h"

#include <math.h>
#include <unistd.h>

/* State-level lattice: two alignments of "5 6" (through 2 and through 5) and "5 7". */
static void state_lattice(struct wren_lattice *l)
{
    struct wren_lat_builder *b = wren_lat_builder_create();
    for (int i = 0; i < 7; i++) wren_lat_builder_add_state(b);
    int32_t t1 = 1, t2 = 2, t3 = 3, t4 = 4, t9 = 9;
    wren_lat_builder_add_arc(b, 0, 1, 5, 1.0f, 10.0f, &t1, 1);   /* word 5 */
    wren_lat_builder_add_arc(b, 1, 2, 0, 0.5f, 10.0f, &t2, 1);
    wren_lat_builder_add_arc(b, 1, 5, 0, 0.5f, 12.0f, &t9, 1);   /* worse alignment */
    wren_lat_builder_add_arc(b, 2, 3, 6, 2.0f, 10.0f, &t3, 1);   /* word 6 */
    wren_lat_builder_add_arc(b, 5, 3, 6, 2.0f, 10.0f, &t3, 1);
    wren_lat_builder_add_arc(b, 2, 3, 7, 3.0f, 11.0f, &t3, 1);   /* word 7 */
    wren_lat_builder_add_arc(b, 3, 4, 0, 0.25f, 10.0f, &t4, 1);
    wren_lat_builder_set_final(b, 4, 0.5f, 0.0f, NULL, 0);
    wren_lat_builder_finish(b, 0, l);
    wren_lat_builder_free(b);
    wren_lattice_connect_sort(l);
}

/* A builder over another lattice's strings records a string inside them by offset (no copy, so
 * arcs can share one), copies one from elsewhere, and the result reads the same strings back;
 * connect_sort keeps them. */
START_TEST(test_builder_over)
{
    int32_t src[6] = { 11, 12, 13, 14, 15, 16 }, other[2] = { 21, 22 }, more[2] = { 17, 18 };
    struct wren_lat_builder *b = wren_lat_builder_create_over(src, 6);
    for (int i = 0; i < 4; i++) wren_lat_builder_add_state(b);
    wren_lat_builder_add_arc(b, 0, 1, 5, 1.0f, 2.0f, src + 1, 3);   /* 12 13 14 */
    wren_lat_builder_add_arc(b, 0, 2, 6, 1.0f, 2.0f, src + 1, 3);   /* the same string */
    wren_lat_builder_add_arc(b, 1, 3, 0, 1.0f, 2.0f, src + 4, 2);   /* 15 16: ends at the edge */
    wren_lat_builder_add_arc(b, 2, 3, 0, 1.0f, 2.0f, more, 2);      /* from elsewhere: copied */
    wren_lat_builder_add_arc(b, 3, 3, 0, 1.0f, 2.0f, other, 2);     /* a self-loop, dropped below */
    wren_lat_builder_set_final(b, 3, 0.5f, 0.0f, other, 2);
    struct wren_lattice l;
    wren_lat_builder_finish(b, 0, &l);
    wren_lat_builder_free(b);
    ck_assert_int_eq(l.arcs[0].str, 1);
    ck_assert_int_eq(l.arcs[1].str, 1);
    ck_assert_int_eq(l.arcs[2].str, 4);
    ck_assert_int_ge(l.arcs[3].str, 6);
    wren_lattice_connect_sort(&l);
    ck_assert_int_eq(l.n_states, 4);
    ck_assert_int_eq(l.n_arcs, 4);
    const int32_t want[4][3] = { { 12, 13, 14 }, { 12, 13, 14 }, { 15, 16, 0 }, { 17, 18, 0 } };
    int seen = 0;
    for (int64_t i = 0; i < l.n_arcs; i++) {
        const struct wren_lat_arc *a = &l.arcs[i];
        int k = a->word == 5 ? 0 : a->word == 6 ? 1 : l.tids[a->str] == 15 ? 2 : 3;
        seen |= 1 << k;
        ck_assert_int_eq(a->len, k < 2 ? 3 : 2);
        ck_assert_int_ge(a->str, 0);
        ck_assert_int_le(a->str + a->len, l.n_tids);
        for (int j = 0; j < a->len; j++) ck_assert_int_eq(l.tids[a->str + j], want[k][j]);
    }
    ck_assert_int_eq(seen, 15);
    int32_t f = -1;
    for (int32_t s = 0; s < l.n_states; s++) if (l.final_g[s] != INFINITY) f = s;
    ck_assert_int_ge(f, 0);
    ck_assert_int_eq(l.final_len[f], 2);
    ck_assert_int_eq(l.tids[l.final_str[f]], 21);
    ck_assert_int_eq(l.tids[l.final_str[f] + 1], 22);
    wren_lattice_free(&l);
}
END_TEST

/* Padding a lattice onto the audio's frames: each frame the VAD dropped becomes the filler tid
 * (9) where it was, on every path (two paths of different alignments); a map that does not
 * increase is refused. */
START_TEST(test_pad_frames)
{
    int32_t ab[2] = { 1, 2 }, a[1] = { 1 }, bc[2] = { 2, 3 }, c[1] = { 3 }, d[1] = { 4 };
    struct wren_lat_builder *b = wren_lat_builder_create();
    for (int i = 0; i < 4; i++) wren_lat_builder_add_state(b);
    wren_lat_builder_add_arc(b, 0, 1, 5, 1.0f, 2.0f, ab, 2);   /* frames 0-1, then 2 */
    wren_lat_builder_add_arc(b, 1, 3, 6, 1.0f, 2.0f, c, 1);
    wren_lat_builder_add_arc(b, 0, 2, 5, 1.5f, 2.0f, a, 1);    /* frame 0, then 1-2 */
    wren_lat_builder_add_arc(b, 2, 3, 6, 1.0f, 2.0f, bc, 2);
    wren_lat_builder_set_final(b, 3, 0.5f, 1.0f, d, 1);        /* frame 3 */
    struct wren_lattice l, p;
    wren_lat_builder_finish(b, 0, &l);
    wren_lat_builder_free(b);
    /* searched frames 0..3 are audio frames 2, 5, 6, 8 of 10: 2 dropped before, 2 after frame 0,
     * 1 after frame 2, 1 after frame 3 */
    const int kept[5] = { 2, 5, 6, 8, 10 };
    ck_assert_int_eq(wren_lattice_pad_frames(&l, kept, 4, 9, &p), 0);
    ck_assert_int_eq(p.n_states, 4);
    ck_assert_int_eq(p.n_arcs, 4);
    ck_assert_int_eq(wren_lattice_frames(&p), 10);
    const int32_t want_ab[6] = { 9, 9, 1, 9, 9, 2 }, want_c[2] = { 3, 9 }, want_a[5] = { 9, 9, 1, 9, 9 },
                  want_bc[3] = { 2, 3, 9 }, want_d[2] = { 4, 9 };
    /* arcs by state, in the order added: ab, a (state 0), c (state 1), bc (state 2) */
    const int32_t *want[4] = { want_ab, want_a, want_c, want_bc }, want_len[4] = { 6, 5, 2, 3 };
    for (int64_t i = 0; i < p.n_arcs; i++) {
        const struct wren_lat_arc *x = &p.arcs[i];
        const int32_t *w = want[i], n = want_len[i];
        ck_assert_int_eq(x->len, n);
        for (int32_t j = 0; j < n; j++) ck_assert_int_eq(p.tids[x->str + j], w[j]);
    }
    ck_assert_int_eq(p.final_len[3], 2);
    for (int j = 0; j < 2; j++) ck_assert_int_eq(p.tids[p.final_str[3] + j], want_d[j]);
    /* the costs are the lattice's */
    struct wren_path bp, pp;
    ck_assert_int_eq(wren_lattice_best_path(&l, 1.0f, &bp), 0);
    ck_assert_int_eq(wren_lattice_best_path(&p, 1.0f, &pp), 0);
    ck_assert_double_eq(bp.g, pp.g);
    ck_assert_double_eq(bp.a, pp.a);
    ck_assert_int_eq(pp.n_tids, 10);
    wren_path_free(&bp);
    wren_path_free(&pp);
    wren_lattice_free(&p);
    const int bad[5] = { 2, 5, 5, 8, 10 }, short_total[5] = { 2, 5, 6, 8, 8 };
    ck_assert_int_eq(wren_lattice_pad_frames(&l, bad, 4, 9, &p), -1);
    ck_assert_int_eq(p.start, -1);
    ck_assert_int_eq(wren_lattice_pad_frames(&l, short_total, 4, 9, &p), -1);
    wren_lattice_free(&l);
}
END_TEST

START_TEST(test_word_lattice)
{
    struct wren_lattice sl, wl;
    state_lattice(&sl);
    ck_assert_int_eq(sl.n_states, 6);    /* state 6 was never connected */
    ck_assert_int_eq(wren_lattice_to_words(&sl, 0.1f, &wl), 0);
    struct wren_path p;
    ck_assert_int_eq(wren_lattice_best_path(&wl, 0.1f, &p), 0);
    ck_assert_int_eq(p.n_words, 2);
    ck_assert_int_eq(p.words[0], 5);
    ck_assert_int_eq(p.words[1], 6);
    ck_assert_double_eq_tol(p.g, 1 + 0.5 + 2 + 0.25 + 0.5, 1e-6);
    ck_assert_double_eq_tol(p.a, 40, 1e-5);
    ck_assert_int_eq(p.n_tids, 4);
    int32_t want[4] = { 1, 2, 3, 4 };
    ck_assert_mem_eq(p.tids, want, sizeof want);
    ck_assert_int_eq(p.word_start[0], 0);
    ck_assert_int_eq(p.word_frames[0], 2);
    ck_assert_int_eq(p.word_start[1], 2);
    ck_assert_int_eq(p.word_frames[1], 2);
    wren_path_free(&p);
    /* n-best: "5 6" once (its two alignments are one word sequence), then "5 7" */
    struct wren_path *nb;
    int n = wren_lattice_nbest(&wl, 0.1f, 10, 100000, &nb);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(nb[1].words[1], 7);
    ck_assert_double_eq_tol(nb[1].g, 1 + 0.5 + 3 + 0.25 + 0.5, 1e-6);
    ck_assert_double_eq_tol(nb[1].a, 41, 1e-5);
    for (int i = 0; i < n; i++) wren_path_free(&nb[i]);
    free(nb);
    /* pruning with a beam below "5 7"'s margin (1 + 0.1) removes it */
    wren_lattice_prune(&wl, 0.1f, 1.05f);
    n = wren_lattice_nbest(&wl, 0.1f, 10, 100000, &nb);
    ck_assert_int_eq(n, 1);
    wren_path_free(&nb[0]);
    free(nb);
    wren_lattice_free(&sl);
    wren_lattice_free(&wl);
}
END_TEST

START_TEST(test_oracle)
{
    struct wren_lattice sl, wl;
    state_lattice(&sl);
    ck_assert_int_eq(wren_lattice_to_words(&sl, 0.1f, &wl), 0);
    struct wren_path p;
    int32_t r1[] = { 5, 7 };
    ck_assert_int_eq(wren_lattice_oracle(&wl, r1, 2, &p), 0);
    ck_assert_int_eq(p.n_words, 2);
    ck_assert_int_eq(p.words[1], 7);
    wren_path_free(&p);
    int32_t r2[] = { 8, 5, 7, 9 };                 /* two deletions */
    ck_assert_int_eq(wren_lattice_oracle(&wl, r2, 4, &p), 2);
    wren_path_free(&p);
    int32_t r3[] = { -1 };                         /* OOV: one substitution */
    ck_assert_int_eq(wren_lattice_oracle(&wl, r3, 1, &p), 2);   /* 1 sub + 1 ins */
    wren_path_free(&p);
    ck_assert_int_eq(wren_lattice_oracle(&wl, NULL, 0, &p), 2);  /* two insertions */
    wren_path_free(&p);
    wren_lattice_free(&sl);
    wren_lattice_free(&wl);
}
END_TEST

static char *to_text(const char *key, const struct wren_lattice *l)
{
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(wren_lattice_write(f, key, l), 0);
    fclose(f);
    return buf;
}

START_TEST(test_text_round_trip)
{
    struct wren_lattice sl, wl, back;
    state_lattice(&sl);
    ck_assert_int_eq(wren_lattice_to_words(&sl, 0.1f, &wl), 0);
    char *t1 = to_text("utt1", &wl);
    /* the arc of "5 7" as Kaldi writes it: word, then graph,acoustic,tids */
    ck_assert_ptr_nonnull(strstr(t1, "\t7\t3.25,21,3_4\n"));
    char *dir = test_tmpdir();
    char *path = test_write_file(dir, "lat.txt", t1);
    FILE *f = fopen(path, "r");
    int line = 0;
    char *key;
    ck_assert_int_eq(wren_lattice_read(f, path, &line, &key, &back), 1);
    ck_assert_str_eq(key, "utt1");
    char *t2 = to_text(key, &back);
    ck_assert_str_eq(t1, t2);
    free(key);
    wren_lattice_free(&back);
    ck_assert_int_eq(wren_lattice_read(f, path, &line, &key, &back), 0);
    wren_lattice_free(&back);
    fclose(f);
    /* gzip output through the atomic writer, read back through wren_input (.gz) */
    char gz[512];
    snprintf(gz, sizeof gz, "%s/lat.txt.gz", dir);
    struct wren_text_out *o;
    ck_assert_int_eq(wren_text_out_open(gz, &o), 0);
    ck_assert_int_eq(wren_lattice_write(wren_text_out_file(o), "utt1", &wl), 0);
    ck_assert_int_eq(wren_lattice_write(wren_text_out_file(o), "utt2", &wl), 0);
    ck_assert_int_eq(wren_text_out_commit(o), 0);
    FILE *raw = fopen(gz, "rb");
    unsigned char magic[2];
    ck_assert_int_eq(fread(magic, 1, 2, raw), 2);
    fclose(raw);
    ck_assert(magic[0] == 0x1f && magic[1] == 0x8b);
    struct wren_input in;
    ck_assert_int_eq(wren_input_open(&in, gz), 0);
    line = 0;
    int n = 0;
    while (wren_lattice_read(in.f, gz, &line, &key, &back) == 1) {
        char *t3 = to_text("utt1", &back);
        ck_assert_str_eq(t1, t3);
        free(t3);
        free(key);
        wren_lattice_free(&back);
        n++;
    }
    wren_lattice_free(&back);
    ck_assert_int_eq(wren_input_close(&in), 0);
    ck_assert_int_eq(n, 2);
    free(t1); free(t2); free(path); free(dir);
    wren_lattice_free(&sl);
    wren_lattice_free(&wl);
}
END_TEST

/* Kaldi's short forms: an arc with weight One has no weight column, a final state with weight
 * One is a bare number; states need not be numbered in order; the key line may end in a space. */
START_TEST(test_kaldi_forms)
{
    char *dir = test_tmpdir();
    char *path = test_write_file(dir, "k.txt",
        "uttA \n"
        "3\t7\t12\t1.5,20.25,4_4_5\n"
        "7\t2\t0\n"
        "2\n"
        "7\t0.5,1,6\n"
        "\n");
    FILE *f = fopen(path, "r");
    int line = 0;
    char *key;
    struct wren_lattice l;
    ck_assert_int_eq(wren_lattice_read(f, path, &line, &key, &l), 1);
    fclose(f);
    ck_assert_str_eq(key, "uttA");
    ck_assert_int_eq(l.n_states, 3);
    struct wren_path *nb;
    int n = wren_lattice_nbest(&l, 1.0f, 5, 1000, &nb);
    ck_assert_int_eq(n, 1);                      /* both ends spell "12" */
    ck_assert_double_eq_tol(nb[0].g, 1.5, 1e-6);
    ck_assert_double_eq_tol(nb[0].a, 20.25, 1e-6);
    ck_assert_int_eq(nb[0].n_tids, 3);
    wren_path_free(&nb[0]);
    free(nb);
    free(key);
    wren_lattice_free(&l);
    free(path);
    /* a bad weight: the error names file and line */
    path = test_write_file(dir, "bad.txt", "u\n0\t1\t3\t1.0;2.0\n1\n\n");
    f = fopen(path, "r");
    line = 0;
    ck_assert_int_eq(wren_lattice_read(f, path, &line, &key, &l), -1);
    fclose(f);
    char want[600];
    snprintf(want, sizeof want, "%s:2: bad lattice line", path);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), want));
    wren_lattice_free(&l);
    free(path);
    free(dir);
}
END_TEST

/* Read every lattice of the archive TEXT (plain, or gzip'd first when GZ); returns the last
 * wren_lattice_read result (0 at a clean end, -1 on error) and counts the lattices read. */
static int read_archive(const char *dir, const char *text, int gz, int *count)
{
    char *path = test_write_file(dir, "a.txt", text);
    char spec[600];
    snprintf(spec, sizeof spec, "%s%s", path, gz ? ".gz" : "");
    if (gz) {
        char cmd[1400];
        snprintf(cmd, sizeof cmd, "gzip -f '%s'", path);
        ck_assert_int_eq(system(cmd), 0);
    }
    struct wren_input in;
    ck_assert_int_eq(wren_input_open(&in, spec), 0);
    int line = 0, r;
    char *key;
    struct wren_lattice l;
    *count = 0;
    while ((r = wren_lattice_read(in.f, spec, &line, &key, &l)) == 1) {
        (*count)++;
        free(key);
        wren_lattice_free(&l);
    }
    wren_lattice_free(&l);
    char *msg = strdup(wren_error_msg());
    wren_input_close(&in);
    wren_error("%s", msg);   /* the reader's message, as the commands keep it */
    free(msg);
    unlink(spec);
    free(path);
    return r;
}

static void expect_read_error(const char *dir, const char *text, int gz, int nread, const char *where,
                              const char *what)
{
    int n;
    ck_assert_msg(read_archive(dir, text, gz, &n) == -1, "accepted: %s", text);
    ck_assert_int_eq(n, nread);
    const char *msg = wren_error_msg();
    ck_assert_msg(strstr(msg, "/a.txt") && strstr(msg, where) && strstr(msg, what), "'%s' lacks the file, '%s' or '%s'",
                  msg, where, what);
    ck_assert_msg(!strchr(msg, '\n'), "not one line: %s", msg);
}

/* Kaldi's archive framing, strictly: a lattice ends at its blank line and only there. A blank
 * line inside a lattice, an archive cut after a key or inside a lattice (plain or gzip'd), and
 * NaN or infinite costs are errors naming the file and line, not shorter lattices. */
START_TEST(test_strict_framing)
{
    char *dir = test_tmpdir();
    const char *good = "u1\n0\t1\t5\t1.5,2,3_3\n1\t0.25,0,\n\n\nu2 \n0\t1\t6\t1,2,4\n1\n\n";
    for (int gz = 0; gz < 2; gz++) {
        int n;
        ck_assert_int_eq(read_archive(dir, good, gz, &n), 0);
        ck_assert_int_eq(n, 2);
        /* a blank line inside u1: its next arc line is no key */
        expect_read_error(dir, "u1\n0\t1\t5\t1.5,2,3\n\n1\t2\t6\t1,2,4\n2\n\n", gz, 1,
                          ":4: ", "expected an utterance key");
        /* cut after a key, after an arc line, inside an arc line */
        expect_read_error(dir, "u1\n0\t1\t5\t1.5,2,3\n1\n\nu2\n", gz, 1, ":5: ",
                          "lattice 'u2' is truncated");
        expect_read_error(dir, "u1\n0\t1\t5\t1.5,2,3\n1\n", gz, 0, ":3: ", "lattice 'u1' is truncated");
        expect_read_error(dir, "u1\n0\t1\t5\t1.5,2,3\n1\t2\t6", gz, 0, ":3: ", "lattice 'u1' is truncated");
    }
    expect_read_error(dir, "u1\n0\t1\t5\tnan,2,3\n1\n\n", 0, 0, ":2: ", "NaN or infinite cost");
    expect_read_error(dir, "u1\n0\t1\t5\t1,-inf,3\n1\n\n", 0, 0, ":2: ", "NaN or infinite cost");
    expect_read_error(dir, "u1\n0\t1\t5\t1,2,3\n1\tinf,0,\n\n", 0, 0, ":3: ", "NaN or infinite cost");
    expect_read_error(dir, "u1\n0\t1\t5\t1,1e39,3\n1\n\n", 0, 0, ":2: ", "NaN or infinite cost");
    rmdir(dir);
    free(dir);
}
END_TEST

/* A gzip'd archive cut short: the stream ends inside a lattice, which is an error. */
START_TEST(test_truncated_gzip)
{
    char *dir = test_tmpdir();
    char text[20000] = "";
    for (int u = 0; u < 50; u++) {
        char k[200];
        snprintf(k, sizeof k, "utt%d\n0\t1\t%d\t1.5,2,3_3\n1\t2\t7\t0.5,1,4\n2\n\n", u, u + 1);
        strcat(text, k);
    }
    char *path = test_write_file(dir, "t.txt", text);
    char cmd[4000];
    snprintf(cmd, sizeof cmd, "gzip -9 < '%s' > '%s.full' && head -c $(( $(stat -c %%s '%s.full') / 2 )) '%s.full' > '%s.gz' && rm '%s.full'",
             path, path, path, path, path, path);
    ck_assert_int_eq(system(cmd), 0);
    char spec[600];
    snprintf(spec, sizeof spec, "%s.gz", path);
    struct wren_input in;
    ck_assert_int_eq(wren_input_open(&in, spec), 0);
    int line = 0, r, n = 0;
    char *key;
    struct wren_lattice l;
    while ((r = wren_lattice_read(in.f, spec, &line, &key, &l)) == 1) { n++; free(key); wren_lattice_free(&l); }
    wren_lattice_free(&l);
    ck_assert_int_eq(r, -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "is truncated"));
    ck_assert_int_lt(n, 50);
    ck_assert_int_eq(wren_input_close(&in), -1);   /* and gzip says so too */
    unlink(spec);
    unlink(path);
    rmdir(dir);
    free(path);
    free(dir);
}
END_TEST

/* LM-cost replacement: unigram out, bigram in; paths that share a state but not a history
 * get their own states. Expected costs worked out by hand from the ARPA files. */
START_TEST(test_lm_rescore)
{
    char *dir = test_tmpdir();
    char *bi = test_write_file(dir, "bi.arpa",
        "\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n-1.0 </s>\n-99 <s> -0.5\n-0.5 a -0.3\n-0.7 b -0.2\n\n"
        "\\2-grams:\n-0.2 <s> a\n-0.4 a b\n\n\\end\\\n");
    char *uni = test_write_file(dir, "uni.arpa",
        "\\data\\\nngram 1=4\n\n\\1-grams:\n-1.0 </s>\n-99 <s>\n-0.5 a\n-0.7 b\n\n\\end\\\n");
    char *wt = test_write_file(dir, "words.txt", "<eps> 0\na 1\nb 2\n<s> 3\n</s> 4\n");
    struct wren_arpa *B, *U;
    struct wren_symtab *W;
    ck_assert_int_eq(wren_arpa_read(bi, &B), 0);
    ck_assert_int_eq(wren_arpa_read(uni, &U), 0);
    ck_assert_int_eq(wren_symtab_read_text(wt, &W), 0);
    struct wren_lat_builder *b = wren_lat_builder_create();
    for (int i = 0; i < 3; i++) wren_lat_builder_add_state(b);
    int32_t t = 1;
    wren_lat_builder_add_arc(b, 0, 1, 1, 10.0f, 5.0f, &t, 1);   /* a */
    wren_lat_builder_add_arc(b, 0, 1, 2, 11.0f, 5.0f, &t, 1);   /* b */
    wren_lat_builder_add_arc(b, 1, 2, 2, 12.0f, 5.0f, &t, 1);   /* b */
    wren_lat_builder_set_final(b, 2, 1.0f, 0, NULL, 0);
    struct wren_lattice l, r;
    wren_lat_builder_finish(b, 0, &l);
    wren_lat_builder_free(b);
    ck_assert_int_eq(wren_lattice_lm_rescore(&l, W, U, 1.0f, B, 1.0f, &r), 0);
    ck_assert_int_eq(r.n_states, 4);    /* state 1 split by history */
    struct wren_path *nb;
    int n = wren_lattice_nbest(&r, 1.0f, 5, 1000, &nb);
    ck_assert_int_eq(n, 2);
    const double ln10 = 2.302585092994046;
    for (int i = 0; i < n; i++) {
        int ab = nb[i].words[0] == 1;
        double before = ab ? 23.0 : 24.0;
        double uni_c = (ab ? 2.2 : 2.4) * ln10, bi_c = (ab ? 1.8 : 3.3) * ln10;
        ck_assert_double_eq_tol(nb[i].g, before - uni_c + bi_c, 1e-4);
        ck_assert_double_eq_tol(nb[i].a, 10.0, 1e-6);
        wren_path_free(&nb[i]);
    }
    free(nb);
    wren_lattice_free(&r);
    /* same LM out and in: costs unchanged */
    ck_assert_int_eq(wren_lattice_lm_rescore(&l, W, B, 1.0f, B, 1.0f, &r), 0);
    n = wren_lattice_nbest(&r, 1.0f, 5, 1000, &nb);
    ck_assert_int_eq(n, 2);
    for (int i = 0; i < n; i++) {
        ck_assert_double_eq_tol(nb[i].g, nb[i].words[0] == 1 ? 23.0 : 24.0, 1e-4);
        wren_path_free(&nb[i]);
    }
    free(nb);
    wren_lattice_free(&r);
    /* two scales from one expansion are the lattices of two calls, bit for bit */
    struct wren_lattice r0, r1, s0, s1;
    ck_assert_int_eq(wren_lattice_lm_rescore(&l, W, U, 1.0f, B, 0.0f, &r0), 0);
    ck_assert_int_eq(wren_lattice_lm_rescore(&l, W, U, 1.0f, B, 0.7f, &r1), 0);
    ck_assert_int_eq(wren_lattice_lm_rescore2(&l, W, U, 1.0f, B, 0.0f, 0.7f, &s0, &s1), 0);
    const struct wren_lattice *one[2] = { &r0, &r1 }, *two[2] = { &s0, &s1 };
    for (int k = 0; k < 2; k++) {
        const struct wren_lattice *x = one[k], *y = two[k];
        ck_assert_int_eq(x->n_states, y->n_states);
        ck_assert_int_eq(x->n_arcs, y->n_arcs);
        ck_assert_int_eq(x->start, y->start);
        for (int64_t i = 0; i < x->n_arcs; i++) {
            ck_assert_int_eq(x->arcs[i].dst, y->arcs[i].dst);
            ck_assert_int_eq(x->arcs[i].word, y->arcs[i].word);
            ck_assert(x->arcs[i].g == y->arcs[i].g && x->arcs[i].a == y->arcs[i].a);
        }
        for (int32_t st = 0; st < x->n_states; st++)
            ck_assert(x->final_g[st] == y->final_g[st] || (isinf(x->final_g[st]) && isinf(y->final_g[st])));
    }
    ck_assert(r0.arcs[0].g != r1.arcs[0].g || r0.arcs[1].g != r1.arcs[1].g);   /* the scale matters */
    wren_lattice_free(&r0); wren_lattice_free(&r1); wren_lattice_free(&s0); wren_lattice_free(&s1);
    wren_lattice_free(&l);
    wren_arpa_free(B); wren_arpa_free(U); wren_symtab_free(W);
    free(bi); free(uni); free(wt); free(dir);
}
END_TEST

/* Three word sequences with posteriors 0.4 ("1 2"), 0.3 ("1 3"), 0.3 ("4 3"): the best path is
 * "1 2" with 0.9 expected errors, "1 3" has 0.7 (the MBR answer); word 1 has posterior 0.7 in
 * its position and word 3 0.6. */
START_TEST(test_mbr)
{
    struct wren_lat_builder *b = wren_lat_builder_create();
    for (int i = 0; i < 5; i++) wren_lat_builder_add_state(b);
    int32_t t[4] = { 1, 1, 1, 1 };
    wren_lat_builder_add_arc(b, 0, 1, 1, (float)-log(0.4), 0, t, 3);
    wren_lat_builder_add_arc(b, 0, 2, 1, (float)-log(0.3), 0, t, 3);
    wren_lat_builder_add_arc(b, 0, 3, 4, (float)-log(0.3), 0, t, 3);
    wren_lat_builder_add_arc(b, 1, 4, 2, 0, 0, t, 4);
    wren_lat_builder_add_arc(b, 2, 4, 3, 0, 0, t, 4);
    wren_lat_builder_add_arc(b, 3, 4, 3, 0, 0, t, 4);
    wren_lat_builder_set_final(b, 4, 0, 0, NULL, 0);
    struct wren_lattice l;
    wren_lat_builder_finish(b, 0, &l);
    wren_lat_builder_free(b);
    struct wren_mbr_result r;
    ck_assert_int_eq(wren_lattice_mbr(&l, 0.1f, 10, &r), 0);
    ck_assert_int_eq(r.n_words, 2);
    ck_assert_int_eq(r.words[0].word, 1);
    ck_assert_int_eq(r.words[1].word, 3);
    ck_assert_double_eq_tol(r.map_loss, 0.9, 1e-6);
    ck_assert_double_eq_tol(r.loss, 0.7, 1e-6);
    ck_assert_int_eq(r.iterations, 1);
    ck_assert_double_eq_tol(r.words[0].conf, 0.7, 1e-6);
    ck_assert_double_eq_tol(r.words[1].conf, 0.6, 1e-6);
    ck_assert_int_eq(r.words[0].start, 0);
    ck_assert_int_eq(r.words[0].frames, 3);
    ck_assert_int_eq(r.words[1].start, 3);
    ck_assert_int_eq(r.words[1].frames, 4);   /* both arcs carrying word 3 are 4 frames long */
    wren_mbr_result_free(&r);
    /* a deletion wins: "5" with posterior 0.45 against the empty sequence with 0.55 */
    b = wren_lat_builder_create();
    for (int i = 0; i < 2; i++) wren_lat_builder_add_state(b);
    wren_lat_builder_add_arc(b, 0, 1, 5, (float)-log(0.45), 0, t, 2);
    wren_lat_builder_add_arc(b, 0, 1, 0, (float)-log(0.55), 0, t, 2);
    wren_lat_builder_set_final(b, 1, 0, 0, NULL, 0);
    struct wren_lattice l2;
    wren_lat_builder_finish(b, 0, &l2);
    wren_lat_builder_free(b);
    ck_assert_int_eq(wren_lattice_mbr(&l2, 1.0f, 10, &r), 0);
    ck_assert_int_eq(r.n_words, 0);
    ck_assert_double_eq_tol(r.loss, 0.45, 1e-6);
    wren_mbr_result_free(&r);
    /* same sequence with the word at 0.55: kept, confidence 0.55 */
    wren_lattice_free(&l2);
    b = wren_lat_builder_create();
    for (int i = 0; i < 2; i++) wren_lat_builder_add_state(b);
    wren_lat_builder_add_arc(b, 0, 1, 5, (float)-log(0.55), 0, t, 2);
    wren_lat_builder_add_arc(b, 0, 1, 0, (float)-log(0.45), 0, t, 2);
    wren_lat_builder_set_final(b, 1, 0, 0, NULL, 0);
    wren_lat_builder_finish(b, 0, &l2);
    wren_lat_builder_free(b);
    ck_assert_int_eq(wren_lattice_mbr(&l2, 1.0f, 10, &r), 0);
    ck_assert_int_eq(r.n_words, 1);
    ck_assert_double_eq_tol(r.words[0].conf, 0.55, 1e-6);
    wren_mbr_result_free(&r);
    wren_lattice_free(&l2);
    wren_lattice_free(&l);
}
END_TEST

/* A lattice of the given arcs (probabilities as graph costs -ln p, no acoustic cost), states
 * 0..n_states-1, the last one final; every arc's tids from t (at least its frames long). */
struct arc_def { int32_t src, dst, word; double p; int frames; const int32_t *t; };
static void lattice_of(struct wren_lattice *l, int n_states, const struct arc_def *a, int n)
{
    struct wren_lat_builder *b = wren_lat_builder_create();
    for (int i = 0; i < n_states; i++) wren_lat_builder_add_state(b);
    for (int i = 0; i < n; i++)
        wren_lat_builder_add_arc(b, a[i].src, a[i].dst, a[i].word, (float)-log(a[i].p), 0, a[i].t, a[i].frames);
    wren_lat_builder_set_final(b, n_states - 1, 0, 0, NULL, 0);
    wren_lat_builder_finish(b, 0, l);
    wren_lat_builder_free(b);
}

/* MBR word times: "1 2" with 1 over frames 0-10 (0.4) or 0-18 (0.35), and "4 2" (0.25) with 2
 * from frame 5. The MBR words are the best path's, so they get its exact times (0-10, 10-20),
 * as wren decode's best path has them. With 0.3, 0.3 and 0.4 the best path is "4 2" and MBR
 * "1 2": posterior-weighted means, word 1's end (14) past word 2's start (10.4 -> 10); the
 * overlap is split at its middle, frame 12. Then the silence at a word's edges: word 7 over tids
 * 2 2 1 1 1 2, tid 2 a filler, spans frames 2..5 when trimmed, 0..6 otherwise. */
/* r is "1 2", word 1 from frame 0 for f1 frames, then word 2 for f2 frames */
static void assert_one_two(const struct wren_mbr_result *r, int32_t f1, int32_t f2)
{
    ck_assert_int_eq(r->n_words, 2);
    ck_assert_int_eq(r->words[0].word, 1);
    ck_assert_int_eq(r->words[1].word, 2);
    ck_assert_int_eq(r->words[0].start, 0);
    ck_assert_int_eq(r->words[0].frames, f1);
    ck_assert_int_eq(r->words[1].start, f1);
    ck_assert_int_eq(r->words[1].frames, f2);
}

START_TEST(test_mbr_times)
{
    int32_t ones[20];
    for (int i = 0; i < 20; i++) ones[i] = 1;
    const struct arc_def overlap[] = {
        { 0, 1, 1, 0.4, 10, ones }, { 0, 2, 1, 0.35, 18, ones }, { 0, 3, 4, 0.25, 5, ones },
        { 1, 4, 2, 1, 10, ones }, { 2, 4, 2, 1, 2, ones }, { 3, 4, 2, 1, 15, ones },
    };
    struct wren_lattice l;
    lattice_of(&l, 5, overlap, 6);
    struct wren_mbr_result r;
    ck_assert_int_eq(wren_lattice_mbr(&l, 1.0f, 10, &r), 0);
    ck_assert_int_eq(r.iterations, 0);
    assert_one_two(&r, 10, 10);
    ck_assert_float_eq_tol(r.words[0].conf, 0.75, 1e-5);
    wren_mbr_result_free(&r);
    wren_lattice_free(&l);

    const struct arc_def off_best[] = {
        { 0, 1, 1, 0.3, 10, ones }, { 0, 2, 1, 0.3, 18, ones }, { 0, 3, 4, 0.4, 5, ones },
        { 1, 4, 2, 1, 10, ones }, { 2, 4, 2, 1, 2, ones }, { 3, 4, 2, 1, 15, ones },
    };
    lattice_of(&l, 5, off_best, 6);
    ck_assert_int_eq(wren_lattice_mbr(&l, 1.0f, 10, &r), 0);
    ck_assert_int_eq(r.iterations, 1);
    assert_one_two(&r, 12, 8);
    wren_mbr_result_free(&r);
    wren_lattice_free(&l);

    const int32_t ts[6] = { 2, 2, 1, 1, 1, 2 };
    const uint8_t filler[3] = { 0, 0, 1 };
    const struct arc_def one[] = { { 0, 1, 7, 1, 6, ts } };
    lattice_of(&l, 2, one, 1);
    ck_assert_int_eq(wren_lattice_mbr(&l, 1.0f, 10, &r), 0);
    ck_assert_int_eq(r.n_words, 1);
    ck_assert_int_eq(r.words[0].start, 0);
    ck_assert_int_eq(r.words[0].frames, 6);
    wren_mbr_result_free(&r);
    ck_assert_int_eq(wren_lattice_mbr_trimmed(&l, 1.0f, 10, filler, 2, &r), 0);
    ck_assert_int_eq(r.n_words, 1);
    ck_assert_int_eq(r.words[0].start, 2);
    ck_assert_int_eq(r.words[0].frames, 3);
    wren_mbr_result_free(&r);
    wren_lattice_free(&l);
}
END_TEST

/* State ids are labels: a lattice naming state 2000000000 in two lines has two states; the
 * reader used to allocate every state up to the largest id (a fuzzer found it with 2999909). */
START_TEST(test_sparse_state_ids)
{
    char text[] = "u\n0\t2000000000\t5\t1,2,\n2000000000\t0.5,0,\n\n";
    FILE *f = fmemopen(text, strlen(text), "r");
    int line = 0;
    char *key;
    struct wren_lattice l;
    ck_assert_int_eq(wren_lattice_read(f, "mem", &line, &key, &l), 1);
    ck_assert_int_eq(l.n_states, 2);
    ck_assert_int_eq(l.n_arcs, 1);
    struct wren_path p;
    ck_assert_int_eq(wren_lattice_best_path(&l, 1.0f, &p), 0);
    ck_assert_int_eq(p.n_words, 1);
    ck_assert_int_eq(p.words[0], 5);
    ck_assert_double_eq_tol(p.g, 1.5, 1e-6);
    wren_path_free(&p);
    wren_lattice_free(&l);
    free(key);
    fclose(f);
}
END_TEST

START_TEST(test_tid_posteriors)
{
    /* Three paths with probabilities 0.4 / 0.3 / 0.3 (acoustic costs scaled by acwt 0.5):
     * frames 0-1 carry tid 7 on the first two paths and tid 8 on the third; frame 2 tid 9 on
     * all (two arcs into one state); the final weight adds frame 3 (tid 10). */
    struct wren_lat_builder *b = wren_lat_builder_create();
    for (int i = 0; i < 4; i++) wren_lat_builder_add_state(b);
    int32_t a7[2] = { 7, 7 }, a8[2] = { 8, 8 }, t9 = 9, t10 = 10;
    wren_lat_builder_add_arc(b, 0, 1, 1, (float)-log(0.4), 0, a7, 2);
    wren_lat_builder_add_arc(b, 0, 2, 1, 0, (float)(-2 * log(0.3)), a7, 2);
    wren_lat_builder_add_arc(b, 0, 2, 2, (float)-log(0.3), 0, a8, 2);
    wren_lat_builder_add_arc(b, 1, 3, 0, 0, 0, &t9, 1);
    wren_lat_builder_add_arc(b, 2, 3, 0, 0, 0, &t9, 1);
    wren_lat_builder_set_final(b, 3, 0, 0, &t10, 1);
    struct wren_lattice l;
    wren_lat_builder_finish(b, 0, &l);
    wren_lat_builder_free(b);
    struct wren_tid_post *p;
    int64_t n;
    ck_assert_int_eq(wren_lattice_tid_posteriors(&l, 0.5f, 0.0f, &p, &n), 0);
    ck_assert_int_eq(n, 6);
    const int32_t fr[6] = { 0, 0, 1, 1, 2, 3 }, tid[6] = { 7, 8, 7, 8, 9, 10 };
    const double post[6] = { 0.7, 0.3, 0.7, 0.3, 1.0, 1.0 };
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(p[i].frame, fr[i]);
        ck_assert_int_eq(p[i].tid, tid[i]);
        ck_assert_double_eq_tol(p[i].post, post[i], 1e-5);
    }
    free(p);
    /* min_post 0.35 drops the arcs of posterior 0.3 (the second and third paths' first arcs),
     * not the 0.6 one they share into state 3 */
    ck_assert_int_eq(wren_lattice_tid_posteriors(&l, 0.5f, 0.35f, &p, &n), 0);
    ck_assert_int_eq(n, 4);
    ck_assert_int_eq(p[0].tid, 7);
    ck_assert_double_eq_tol(p[0].post, 0.4, 1e-5);
    ck_assert_int_eq(p[2].tid, 9);
    ck_assert_double_eq_tol(p[2].post, 1.0, 1e-5);
    free(p);
    wren_lattice_free(&l);
}
END_TEST

/* Two pieces' lattices in sequence: "1 | 2" (0.6 / 0.4), its final weight 0.5 carrying tid 9,
 * then "3 | 4 5" (0.7 / 0.3); an empty lattice between them is passed over. Then the same with
 * the pause before the second piece spanned by a gap tid. The result has the four
 * word sequences with the products of their probabilities, the first piece's final string in
 * its alignment, and the frames of both pieces. */
START_TEST(test_concat)
{
    int32_t t[4] = { 1, 2, 3, 4 };
    const struct arc_def b[] = { { 0, 2, 3, 0.7, 3, t }, { 0, 1, 4, 0.3, 1, t }, { 1, 2, 5, 1.0, 2, t } };
    struct wren_lattice parts[3];
    int32_t fin = 9;
    struct wren_lat_builder *x = wren_lat_builder_create();
    wren_lat_builder_add_state(x);
    wren_lat_builder_add_state(x);
    wren_lat_builder_add_arc(x, 0, 1, 1, (float)-log(0.6), 0, t, 2);
    wren_lat_builder_add_arc(x, 0, 1, 2, (float)-log(0.4), 0, t, 2);
    wren_lat_builder_set_final(x, 1, (float)-log(0.5), 0, &fin, 1);
    wren_lat_builder_finish(x, 0, &parts[0]);
    wren_lat_builder_free(x);
    wren_lattice_init(&parts[1]);
    lattice_of(&parts[2], 3, b, 3);
    struct wren_lattice l;
    wren_lattice_concat(parts, 3, NULL, 0, &l);
    ck_assert_int_eq(l.n_states, 5);
    ck_assert_int_eq(wren_lattice_frames(&l), 2 + 1 + 3);
    struct wren_path *nb;
    int k = wren_lattice_nbest(&l, 1.0f, 10, 1000, &nb);
    ck_assert_int_eq(k, 4);
    const int32_t w[4][3] = { { 1, 3 }, { 2, 3 }, { 1, 4, 5 }, { 2, 4, 5 } };
    const int nw[4] = { 2, 2, 3, 3 };
    const double pr[4] = { 0.6 * 0.7, 0.4 * 0.7, 0.6 * 0.3, 0.4 * 0.3 };
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(nb[i].n_words, nw[i]);
        for (int j = 0; j < nw[i]; j++) ck_assert_int_eq(nb[i].words[j], w[i][j]);
        ck_assert_double_eq_tol(nb[i].g, -log(pr[i] * 0.5), 1e-5);
        ck_assert_int_eq(nb[i].tids[2], 9);       /* the first piece's final string */
        wren_path_free(&nb[i]);
    }
    free(nb);
    wren_lattice_free(&l);
    /* with the frames where the parts start (0 and 10; the empty one's start is passed over):
     * the first part spans 3 frames with its final string, so the join spans 7 more of the gap
     * tid 5 and the second part's words start at frame 10 */
    const int64_t starts[3] = { 0, 4, 10 };
    wren_lattice_concat(parts, 3, starts, 5, &l);
    ck_assert_int_eq(wren_lattice_frames(&l), 13);
    struct wren_path bp;
    ck_assert_int_eq(wren_lattice_best_path(&l, 1.0f, &bp), 0);
    ck_assert_int_eq(bp.n_words, 2);
    ck_assert_int_eq(bp.word_start[1], 10);
    ck_assert_int_eq(bp.tids[2], 9);
    for (int f = 3; f < 10; f++) ck_assert_int_eq(bp.tids[f], 5);
    ck_assert_double_eq_tol(bp.g, -log(0.6 * 0.5 * 0.7), 1e-5);
    wren_path_free(&bp);
    wren_lattice_free(&l);
    /* one part: a copy; none: an empty lattice */
    wren_lattice_concat(&parts[2], 1, NULL, 0, &l);
    ck_assert_int_eq(l.n_states, 3);
    ck_assert_int_eq((int)l.n_arcs, 3);
    wren_lattice_free(&l);
    wren_lattice_concat(&parts[1], 1, NULL, 0, &l);
    ck_assert_int_eq(l.start, -1);
    wren_lattice_free(&l);
    for (int i = 0; i < 3; i++) wren_lattice_free(&parts[i]);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lattice");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_word_lattice);
    tcase_add_test(tc, test_builder_over);
    tcase_add_test(tc, test_pad_frames);
    tcase_add_test(tc, test_mbr);
    tcase_add_test(tc, test_mbr_times);
    tcase_add_test(tc, test_tid_posteriors);
    tcase_add_test(tc, test_concat);
    tcase_add_test(tc, test_sparse_state_ids);
    tcase_add_test(tc, test_oracle);
    tcase_add_test(tc, test_text_round_trip);
    tcase_add_test(tc, test_kaldi_forms);
    tcase_add_test(tc, test_strict_framing);
    tcase_add_test(tc, test_truncated_gzip);
    tcase_add_test(tc, test_lm_rescore);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
