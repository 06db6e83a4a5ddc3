/* test_nnlm_validate.c — the NNLM loader refuses corrupt or self-contradicting safetensors
 * files with one error naming the file and the position: a real model is saved, its bytes are
 * corrupted one way per test (NaN/inf weights, header length off by one, overlapping offsets,
 * gaps, trailing bytes, bad ln_eps, metadata contradicting the tensor shapes), and the load must
 * fail. Also: files the writer makes (dense, masked/CSR, with optimiser copies) still load, and
 * evaluation refuses an empty text and a model whose forward pass overflows.
 * Not for: the safetensors layout itself or the maths (test_nnlm.c). */
#include "testutil.h"

#include "utils/matrix.h"
#include "nnlm/nnlm-internal.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdint.h>

/* A saved file split into its header JSON (padding stripped) and data section. */
struct sfile { char *hdr; unsigned char *data; size_t dlen; };

static struct wren_nnlm_vocab *tiny_vocab(const char *dir)
{
    char *p = test_write_file(dir, "vocab", "the\ncat\nsat\non\nmat\ndog\nran\na\nhat\n");
    struct wren_nnlm_vocab *v = wren_nnlm_vocab_read(p);
    ck_assert_ptr_nonnull(v);
    free(p);
    return v;
}

/* A small real model (2 blocks, 2 heads of 4, FFN 12, learned positions). */
static struct wren_nnlm *tiny_model(const char *dir)
{
    struct wren_nnlm_vocab *v = tiny_vocab(dir);
    struct wren_nnlm_arch a = { 2, 8, 2, 12, 8, "learned", 1 };
    struct wren_nnlm *m = wren_nnlm_create(&a, v, 5);
    ck_assert_ptr_nonnull(m);
    wren_nnlm_vocab_free(v);
    return m;
}

static struct sfile split_file(const char *path)
{
    char *raw;
    size_t len;
    ck_assert_int_eq(wren_read_all(path, &raw, &len), 0);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = (hl << 8) | (unsigned char)raw[i];
    ck_assert(8 + hl <= len);
    struct sfile s;
    s.hdr = strndup(raw + 8, hl);
    size_t n = strlen(s.hdr);
    while (n && s.hdr[n - 1] == ' ') s.hdr[--n] = 0;
    s.dlen = len - 8 - hl;
    s.data = malloc(s.dlen + 64);   /* room for appended bytes */
    memcpy(s.data, raw + 8 + hl, s.dlen);
    free(raw);
    return s;
}

/* Write hdr (padded with spaces to 8 bytes, as the writer does) and data; the stored header
 * length is the true one plus len_delta. */
static void write_file(const char *path, const char *hdr, const unsigned char *data, size_t dlen,
                       long len_delta)
{
    size_t n = strlen(hdr), padded = (n + 7) / 8 * 8;
    uint64_t stored = (uint64_t)((long)padded + len_delta);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 8; i++) fputc((int)((stored >> (8 * i)) & 0xff), f);
    fputs(hdr, f);
    for (size_t i = n; i < padded; i++) fputc(' ', f);
    fwrite(data, 1, dlen, f);
    fclose(f);
}

/* hdr with the first occurrence of from replaced by to (caller frees). */
static char *replace(const char *hdr, const char *from, const char *to)
{
    const char *p = strstr(hdr, from);
    ck_assert_msg(p != NULL, "'%s' not in the header", from);
    size_t n = strlen(hdr) - strlen(from) + strlen(to) + 1;
    char *r = malloc(n);
    snprintf(r, n, "%.*s%s%s", (int)(p - hdr), hdr, to, p + strlen(from));
    return r;
}

/* The data_offsets of tensor name in hdr; *at receives the text "[a,b]" for replace(). */
static void offsets(const char *hdr, const char *name, unsigned long *a, unsigned long *b, char *at, size_t nat)
{
    char key[160];
    snprintf(key, sizeof key, "\"%s\":{", name);
    const char *p = strstr(hdr, key);
    ck_assert_msg(p != NULL, "no tensor %s", name);
    p = strstr(p, "\"data_offsets\":[");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(sscanf(p, "\"data_offsets\":[%lu,%lu]", a, b), 2);
    snprintf(at, nat, "\"data_offsets\":[%lu,%lu]", *a, *b);
}

/* Loading path must fail with a message naming the file and containing each of want[]. */
static void expect_refused(const char *path, const char *const *want, int nwant)
{
    struct wren_nnlm *m = wren_nnlm_load(path);
    const char *msg = wren_error_msg();
    ck_assert_msg(m == NULL, "%s loaded although corrupt", path);
    ck_assert_msg(strstr(msg, path) != NULL, "error does not name the file: %s", msg);
    for (int i = 0; i < nwant; i++)
        ck_assert_msg(strstr(msg, want[i]) != NULL, "error lacks '%s': %s", want[i], msg);
    ck_assert_ptr_null(strchr(msg, '\n'));   /* one line */
}
#define REFUSED(path, ...)                                                                     \
    do {                                                                                       \
        const char *w_[] = { __VA_ARGS__ };                                                    \
        expect_refused(path, w_, (int)(sizeof w_ / sizeof *w_));                               \
    } while (0)

/* Test fixture: a saved tiny model at dir/m.safetensors and its parts. */
struct fx { char *dir, path[512], bad[512]; struct sfile s; };

static void fx_init(struct fx *f)
{
    f->dir = test_tmpdir();
    snprintf(f->path, sizeof f->path, "%s/m.safetensors", f->dir);
    snprintf(f->bad, sizeof f->bad, "%s/bad.safetensors", f->dir);
    struct wren_nnlm *m = tiny_model(f->dir);
    ck_assert_int_eq(wren_nnlm_save(m, f->path), 0);
    wren_nnlm_free(m);
    f->s = split_file(f->path);
}

static void fx_free(struct fx *f)
{
    free(f->s.hdr);
    free(f->s.data);
    free(f->dir);
}

/* The file is refused once the header's text from is replaced by to. */
static void meta_refused(struct fx *f, const char *from, const char *to, const char *want)
{
    char *h = replace(f->s.hdr, from, to);
    write_file(f->bad, h, f->s.data, f->s.dlen, 0);
    free(h);
    REFUSED(f->bad, want);
}

START_TEST(test_writer_output_loads)
{
    struct fx f;
    fx_init(&f);
    struct wren_nnlm *m = wren_nnlm_load(f.path);
    ck_assert_msg(m != NULL, "%s", wren_error_msg());
    /* rewritten through the helpers unchanged: still loads (the helpers are not the cause below) */
    write_file(f.bad, f.s.hdr, f.s.data, f.s.dlen, 0);
    struct wren_nnlm *m2 = wren_nnlm_load(f.bad);
    ck_assert_msg(m2 != NULL, "%s", wren_error_msg());
    wren_nnlm_free(m2);
    /* a masked (CSR-stored) fc1 and a copy under a prefix (the optimiser state of a checkpoint) */
    struct wren_nnlm_block_shape bs[2];
    for (int i = 0; i < 2; i++) wren_nnlm_get_block_shape(m, i, &bs[i]);
    bs[0].storage[NNLM_FC1] = NNLM_MASKED;
    struct wren_nnlm *r = wren_nnlm_reshape(m, bs);
    ck_assert_ptr_nonnull(r);
    int rows, cols;
    unsigned char *mask = wren_nnlm_tensor_mask(r, "blocks.0.ffn.fc1.mask", &rows, &cols);
    ck_assert_ptr_nonnull(mask);
    for (int i = 0; i < rows * cols; i++) mask[i] = i % 3 != 0;
    wren_nnlm_apply_masks(r);
    const char *pre[] = { "adam_m." };
    float *bufs[] = { r->params };
    ck_assert_int_eq(wren_nn_save_ext(r, f.path, 1, pre, bufs, 0, NULL, NULL), 0);
    m2 = wren_nnlm_load(f.path);
    ck_assert_msg(m2 != NULL, "%s", wren_error_msg());
    ck_assert_int_eq(m2->blk[0].lin[NNLM_FC1].kind, NNLM_MASKED);
    wren_nnlm_free(m2);
    float *extra[1] = { NULL };
    m2 = wren_nn_load_ext(f.path, 1, pre, extra, 0, NULL, NULL);
    ck_assert_msg(m2 != NULL, "%s", wren_error_msg());
    ck_assert(memcmp(extra[0], m2->params, m2->nparams * sizeof(float)) == 0);
    wren_fbuf_free(extra[0]);
    wren_nnlm_free(m2);
    /* NaN in the CSR values of the masked layer */
    struct sfile s = split_file(f.path);
    unsigned long a, b;
    char at[96];
    offsets(s.hdr, "blocks.0.ffn.fc1.values", &a, &b, at, sizeof at);
    float nan = NAN;
    memcpy(s.data + a + 4 * 7, &nan, 4);
    write_file(f.bad, s.hdr, s.data, s.dlen, 0);
    REFUSED(f.bad, "blocks.0.ffn.fc1.values", "element 7", "NaN");
    free(s.hdr);
    free(s.data);
    wren_nnlm_free(r);
    wren_nnlm_free(m);
    fx_free(&f);
}
END_TEST

START_TEST(test_nan_inf_weights)
{
    struct fx f;
    fx_init(&f);
    unsigned long a, b;
    char at[96];
    offsets(f.s.hdr, "blocks.0.attn.q.weight", &a, &b, at, sizeof at);
    unsigned char keep[4];
    memcpy(keep, f.s.data + a + 4 * 13, 4);
    float x = NAN;
    memcpy(f.s.data + a + 4 * 13, &x, 4);
    write_file(f.bad, f.s.hdr, f.s.data, f.s.dlen, 0);
    REFUSED(f.bad, "'blocks.0.attn.q.weight'", "element 13 (row 1, col 5)", "NaN");
    memcpy(f.s.data + a + 4 * 13, keep, 4);
    offsets(f.s.hdr, "out.bias", &a, &b, at, sizeof at);
    x = -INFINITY;
    memcpy(f.s.data + a + 4 * 2, &x, 4);
    write_file(f.bad, f.s.hdr, f.s.data, f.s.dlen, 0);
    REFUSED(f.bad, "'out.bias'", "element 2", "infinite");
    fx_free(&f);
}
END_TEST

START_TEST(test_header_length_off_by_one)
{
    struct fx f;
    fx_init(&f);
    /* +1: the header swallows the first data byte and every tensor is shifted; -1: the data
     * section starts on the header's last byte (a padding space or its closing brace) */
    for (long d = -1; d <= 1; d += 2) {
        write_file(f.bad, f.s.hdr, f.s.data, f.s.dlen, d);
        REFUSED(f.bad, "header length");
    }
    /* a header of exactly 8k bytes (no padding) at -1 loses its closing brace */
    char *h = malloc(strlen(f.s.hdr) + 16);
    strcpy(h, f.s.hdr);
    h[strlen(h) - 1] = 0;
    while ((strlen(h) + 1) % 8) strcat(h, " ");
    strcat(h, "}");
    write_file(f.bad, h, f.s.data, f.s.dlen, 0);
    struct wren_nnlm *m = wren_nnlm_load(f.bad);   /* inner spaces: still valid */
    ck_assert_msg(m != NULL, "%s", wren_error_msg());
    wren_nnlm_free(m);
    write_file(f.bad, h, f.s.data, f.s.dlen, -1);
    REFUSED(f.bad, "safetensors header");
    free(h);
    fx_free(&f);
}
END_TEST

START_TEST(test_overlap_gap_trailing)
{
    struct fx f;
    fx_init(&f);
    unsigned long a, b;
    char at[96], to[96];
    /* overlap: one tensor moved 4 bytes back into its predecessor */
    offsets(f.s.hdr, "blocks.0.ln1.bias", &a, &b, at, sizeof at);
    snprintf(to, sizeof to, "\"data_offsets\":[%lu,%lu]", a - 4, b - 4);
    char *h = replace(f.s.hdr, at, to);
    write_file(f.bad, h, f.s.data, f.s.dlen, 0);
    free(h);
    REFUSED(f.bad, "overlap", "blocks.0.ln1.bias");
    /* gap: the last tensor moved 4 bytes on, 4 bytes more data */
    offsets(f.s.hdr, "out.bias", &a, &b, at, sizeof at);
    ck_assert_uint_eq(b, f.s.dlen);
    snprintf(to, sizeof to, "\"data_offsets\":[%lu,%lu]", a + 4, b + 4);
    h = replace(f.s.hdr, at, to);
    memmove(f.s.data + a + 4, f.s.data + a, b - a);
    write_file(f.bad, h, f.s.data, f.s.dlen + 4, 0);
    free(h);
    REFUSED(f.bad, "belong to no tensor", "out.bias");
    memmove(f.s.data + a, f.s.data + a + 4, b - a);
    /* trailing bytes after the last tensor */
    memset(f.s.data + f.s.dlen, 0, 4);
    write_file(f.bad, f.s.hdr, f.s.data, f.s.dlen + 4, 0);
    REFUSED(f.bad, "4 trailing bytes");
    /* a tensor named twice */
    h = replace(f.s.hdr, "\"blocks.0.ln1.bias\"", "\"blocks.0.ln1.weight\"");
    write_file(f.bad, h, f.s.data, f.s.dlen, 0);
    free(h);
    REFUSED(f.bad, "twice");
    /* non-integer offsets */
    offsets(f.s.hdr, "out.bias", &a, &b, at, sizeof at);
    snprintf(to, sizeof to, "\"data_offsets\":[%lu.5,%lu.5]", a, b);
    h = replace(f.s.hdr, at, to);
    write_file(f.bad, h, f.s.data, f.s.dlen, 0);
    free(h);
    REFUSED(f.bad, "out.bias");
    fx_free(&f);
}
END_TEST

START_TEST(test_bad_ln_eps)
{
    struct fx f;
    fx_init(&f);
    const char *eps = strstr(f.s.hdr, "\"ln_eps\":\"");
    ck_assert_ptr_nonnull(eps);
    char from[64];
    snprintf(from, sizeof from, "%.*s", (int)(strchr(eps + 10, '"') - eps + 1), eps);
    const char *bad[] = { "nan", "-1e-05", "0", "inf", "1e-5x", "" };
    for (int i = 0; i < 6; i++) {
        char to[64];
        snprintf(to, sizeof to, "\"ln_eps\":\"%s\"", bad[i]);
        meta_refused(&f, from, to, "ln_eps");
    }
    fx_free(&f);
}
END_TEST

START_TEST(test_metadata_contradicts_shapes)
{
    struct fx f;
    fx_init(&f);
    meta_refused(&f, "\"n_layers\":\"2\"", "\"n_layers\":\"1\"", "'blocks.1.");   /* unused block */
    meta_refused(&f, "\"n_heads\":\"2\"", "\"n_heads\":\"1\"", "heads");
    meta_refused(&f, "\"d_ffn\":\"12\"", "\"d_ffn\":\"6\"", "FFN units");
    meta_refused(&f, "\"d_model\":\"8\"", "\"d_model\":\"16\"", "metadata implies");
    meta_refused(&f, "\"head_dim\":\"4\"", "\"head_dim\":\"3\"", "heads");
    meta_refused(&f, "\"context\":\"8\"", "\"context\":\"9\"", "pos_emb.weight");
    meta_refused(&f, "\"pos\":\"learned\"", "\"pos\":\"sinusoidal\"", "'pos_emb.weight' is not part");
    meta_refused(&f, "\"vocab_size\":\"12\"", "\"vocab_size\":\"11\"", "vocab");
    meta_refused(&f, "\"attn_reset\":\"1\"", "\"attn_reset\":\"2\"", "attn_reset");
    meta_refused(&f, "\"format\":\"wren-nnlm-1\"", "\"format\":\"wren-nnlm-9\"", "format");
    meta_refused(&f, "\"out.bias\":{\"dtype\":\"F32\"", "\"out.bias\":{\"dtype\":\"I32\"", "dtype");
    fx_free(&f);
}
END_TEST

START_TEST(test_eval_refuses_meaningless_figures)
{
    struct fx f;
    fx_init(&f);
    struct wren_nnlm *m = wren_nnlm_load(f.path);
    ck_assert_ptr_nonnull(m);
    struct wren_nnlm_eval_opts o;
    wren_nnlm_eval_opts_default(&o);
    struct wren_nnlm_eval_result r;
    FILE *devnull = fopen("/dev/null", "w");
    char *empty = test_write_file(f.dir, "empty.txt", "\n  \n");
    ck_assert_int_eq(wren_nnlm_eval_text(m, empty, &o, devnull, &r), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), empty));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "no sentences"));
    /* finite weights whose forward pass overflows: with output biases of -3e38 ("the") and
     * +3e38 ("cat") log p(the) = -3e38 - 3e38 is -inf as a float */
    char *text = test_write_file(f.dir, "text.txt", "\nthe cat sat\n");
    ck_assert_int_eq(wren_nnlm_eval_text(m, text, &o, devnull, &r), 0);
    ck_assert(isfinite(r.ppl) && r.ppl > 1);
    int rows, cols;
    float *ob = wren_nnlm_tensor(m, "out.bias", &rows, &cols);
    ck_assert_ptr_nonnull(ob);
    ob[wren_nnlm_vocab_id(wren_nnlm_get_vocab(m), "the")] = -3e38f;
    ob[wren_nnlm_vocab_id(wren_nnlm_get_vocab(m), "cat")] = 3e38f;
    for (int kv = 0; kv <= 1; kv++) {
        o.kv = kv;
        ck_assert_int_eq(wren_nnlm_eval_text(m, text, &o, devnull, &r), -1);
        char want[600];
        snprintf(want, sizeof want, "%s:2: token 1 (the)", text);
        ck_assert_msg(strstr(wren_error_msg(), want) != NULL, "%s", wren_error_msg());
    }
    fclose(devnull);
    free(text);
    free(empty);
    wren_nnlm_free(m);
    fx_free(&f);
}
END_TEST

START_TEST(test_train_refuses_empty_valid)
{
    char *dir = test_tmpdir();
    char *train = test_write_file(dir, "train.txt", "the cat sat\na dog ran\n");
    char *valid = test_write_file(dir, "valid.txt", "");
    char out[512];
    snprintf(out, sizeof out, "%s/out.safetensors", dir);
    struct wren_nnlm_train_opts o;
    wren_nnlm_train_opts_default(&o);
    o.train = train;
    o.valid = valid;
    o.out = out;
    o.layers = 1; o.d_model = 8; o.heads = 2; o.ffn = 8; o.context = 8; o.steps = 2;
    ck_assert_int_eq(wren_nnlm_train(&o, NULL, NULL), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), valid));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "no sentences"));
    ck_assert_int_ne(access(out, F_OK), 0);
    free(train);
    free(valid);
    free(dir);
}
END_TEST

int main(void)
{
    wren_blas_set_threads(1);
    Suite *s = suite_create("nnlm_validate");
    TCase *t = tcase_create("load");
    tcase_add_test(t, test_writer_output_loads);
    tcase_add_test(t, test_nan_inf_weights);
    tcase_add_test(t, test_header_length_off_by_one);
    tcase_add_test(t, test_overlap_gap_trailing);
    tcase_add_test(t, test_bad_ln_eps);
    tcase_add_test(t, test_metadata_contradicts_shapes);
    suite_add_tcase(s, t);
    TCase *e = tcase_create("eval");
    tcase_add_test(e, test_eval_refuses_meaningless_figures);
    tcase_add_test(e, test_train_refuses_empty_valid);
    suite_add_tcase(s, e);
    return test_run_suite(s);
}
