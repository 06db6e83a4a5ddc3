/* test_nnlm_sparse.c — the CSR form of masked NNLM layers (nnlm/sparse.c): the kernel
 * against a double-precision product for every code path (gathered rows, blocks with a
 * partial last block, several column panels), a magnitude-pruned model trained on real text
 * (Brown corpus) scoring the same with CSR as with the dense masked path (batched sentences
 * and KV-cache states), the CSR file form (smaller file, identical weights and masks after a
 * round trip, old weight + mask files still loading), stale CSR never used after the weights
 * change, and corrupt CSR tensors rejected with one line naming the file and the tensor. */
#include "testutil.h"

#include "utils/matrix.h"
#include "nnlm/nnlm-internal.h"
#include "nnlm/sparse.h"
#include "prune/wren-prune.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdint.h>
#include <sys/stat.h>

static char *dir, *dev_txt, *model_path, *pruned_path;

/* (unchecked fixture: runs once, in the parent process of the forked tests) A small model (2 blocks, d_model 32, FFN 320 so that fc2 has two column panels) briefly
 * trained on Brown text, and its magnitude-pruned version (prunable size 0.4: density 0.2). */
static void setup_once(void)
{
    if (pruned_path) return;
    dir = test_tmpdir();
    size_t n = strlen(dir) + 32;
    char *train = malloc(n);
    dev_txt = malloc(n); model_path = malloc(n); pruned_path = malloc(n);
    snprintf(train, n, "%s/train.txt", dir);
    snprintf(dev_txt, n, "%s/dev.txt", dir);
    snprintf(model_path, n, "%s/dense.safetensors", dir);
    snprintf(pruned_path, n, "%s/pruned.safetensors", dir);
    test_brown_split(dir, 900, 700, 100, train, dev_txt);
    struct wren_nnlm_train_opts t;
    wren_nnlm_train_opts_default(&t);
    t.train = train;
    t.out = model_path;
    t.vocab_size = 800;
    t.layers = 2; t.d_model = 32; t.heads = 4; t.ffn = 320; t.context = 24;
    t.batch = 16; t.steps = 120; t.valid_every = 120; t.lr = 3e-3; t.dropout = 0;
    t.threads = 1;
    ck_assert_msg(wren_nnlm_train(&t, NULL, NULL) == 0, "%s", wren_error_msg());
    free(train);
    struct wren_nnlm *m = wren_nnlm_load(model_path);
    ck_assert_ptr_nonnull(m);
    struct wren_prune_ref ref;
    wren_prune_ref_init(m, &ref);
    struct wren_nnlm *p = wren_prune_unstructured(m, NULL, WREN_PRUNE_MAGNITUDE, 0, 0.4, &ref);
    ck_assert_msg(p != NULL, "%s", wren_error_msg());
    ck_assert_int_eq(wren_nnlm_save(p, pruned_path), 0);
    wren_nnlm_free(p);
    wren_nnlm_free(m);
}

static float frand(uint64_t *s)
{
    *s = wren_nn_hash64(*s);
    return (float)nnlm_uniform(*s) * 2.0f - 1.0f;
}

/* ---------------------------------------------------------------- the kernel */

START_TEST(test_kernel_matches_dense)
{
    int shapes[][2] = { { 7, 5 }, { 40, 300 }, { 33, 520 }, { 300, 64 } };   /* out, in */
    int ns[] = { 1, 5, 32, 70 };   /* gathered rows; whole blocks; blocks + a partial one */
    double dens[] = { 0.0, 0.07, 0.3, 1.0 };
    uint64_t seed = 99;
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (size_t d = 0; d < sizeof dens / sizeof *dens; d++) {
            int out = shapes[s][0], in = shapes[s][1];
            float *w = wren_fbuf_alloc((size_t)out * in), *b = wren_fbuf_alloc((size_t)out);
            unsigned char *mask = malloc((size_t)out * in);
            for (size_t k = 0; k < (size_t)out * in; k++) {
                w[k] = frand(&seed);
                mask[k] = (frand(&seed) + 1.0f) * 0.5f < dens[d];
                if (!mask[k]) w[k] = 0;
            }
            for (int r = 0; r < out; r++) b[r] = frand(&seed);
            struct nnlm_csr *c = wren_nn_csr_build(w, mask, out, in);
            size_t nnz = 0;
            for (size_t k = 0; k < (size_t)out * in; k++) nnz += mask[k];
            ck_assert_int_eq(c->nnz, (int)nnz);
            for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++) {
                int n = ns[ni];
                float *x = wren_fbuf_alloc((size_t)n * in), *y = wren_fbuf_alloc((size_t)n * out);
                for (size_t k = 0; k < (size_t)n * in; k++) x[k] = frand(&seed);
                for (int pass = 0; pass < 2; pass++) {
                    wren_nn_csr_matmul(c, x, n, pass ? NULL : b, y);
                    for (int i = 0; i < n; i++)
                        for (int r = 0; r < out; r++) {
                            double ref = pass ? 0.0 : b[r], mag = fabs(ref);
                            for (int j = 0; j < in; j++) {
                                ref += (double)w[(size_t)r * in + j] * x[(size_t)i * in + j];
                                mag += fabs((double)w[(size_t)r * in + j] * x[(size_t)i * in + j]);
                            }
                            double got = y[(size_t)i * out + r];
                            ck_assert_msg(fabs(got - ref) <= 1e-5 * (mag + 1.0),
                                          "%dx%d density %g n %d row %d out %d: %g vs %g", out, in,
                                          dens[d], n, i, r, got, ref);
                        }
                }
                wren_fbuf_free(x);
                wren_fbuf_free(y);
            }
            wren_nn_csr_free(c);
            wren_fbuf_free(w);
            wren_fbuf_free(b);
            free(mask);
        }
}
END_TEST

/* ---------------------------------------------------------------- a pruned model */

struct sents { int n; int **w; int *len; size_t ntok; };

static struct sents read_dev(const struct wren_nnlm *m)
{
    struct nnlm_corpus c;
    ck_assert_int_eq(wren_nn_corpus_read(dev_txt, m->vocab, &c), 0);
    struct sents s = { (int)c.nsent, NULL, NULL, 0 };
    s.w = malloc((size_t)s.n * sizeof *s.w);
    s.len = malloc((size_t)s.n * sizeof *s.len);
    for (int i = 0; i < s.n; i++) {
        size_t end = i + 1 < s.n ? c.sent[i + 1] : c.ntok;
        s.len[i] = (int)(end - c.sent[i] - 2);
        s.w[i] = malloc(((size_t)s.len[i] + 1) * sizeof **s.w);
        memcpy(s.w[i], c.tok + c.sent[i] + 1, (size_t)s.len[i] * sizeof **s.w);
        s.ntok += (size_t)s.len[i] + 1;
    }
    wren_nn_corpus_free(&c);
    return s;
}

static void free_sents(struct sents *s)
{
    for (int i = 0; i < s->n; i++) free(s->w[i]);
    free(s->w);
    free(s->len);
}

static float *score(struct wren_nnlm *m, const struct sents *s)
{
    float *lp = malloc(s->ntok * sizeof *lp);
    ck_assert_int_eq(wren_nnlm_score_sentences(m, s->n, (const int *const *)s->w, s->len, lp, NULL), 0);
    return lp;
}

/* Scores of the first 3 words of every sentence through KV-cache states, all sentences'
 * histories extended together (score_many over n states). */
static float *score_states(struct wren_nnlm *m, const struct sents *s, int k)
{
    int n = s->n;
    float *lp = calloc((size_t)n * k, sizeof *lp);
    struct wren_nnlm_state **st = malloc((size_t)n * sizeof *st), **nx = malloc((size_t)n * sizeof *nx);
    int *wd = malloc((size_t)n * sizeof *wd);
    for (int i = 0; i < n; i++) st[i] = wren_nnlm_state_begin(m);
    for (int j = 0; j < k; j++) {
        for (int i = 0; i < n; i++) wd[i] = j < s->len[i] ? s->w[i][j] : WREN_NNLM_EOS;
        float *out = malloc((size_t)n * sizeof *out);
        ck_assert_int_eq(wren_nnlm_state_score_many(m, n, st, wd, out, nx), 0);
        for (int i = 0; i < n; i++) {
            lp[(size_t)i * k + j] = out[i];
            wren_nnlm_state_free(st[i]);
            st[i] = nx[i];
        }
        free(out);
    }
    for (int i = 0; i < n; i++) wren_nnlm_state_free(st[i]);
    free(st); free(nx); free(wd);
    return lp;
}

/* The same scores one state at a time (wren_nnlm_state_score: the single-vector path). */
static float *score_chain(struct wren_nnlm *m, const struct sents *s, int k)
{
    float *lp = calloc((size_t)s->n * k, sizeof *lp);
    for (int i = 0; i < s->n; i++) {
        struct wren_nnlm_state *st = wren_nnlm_state_begin(m), *nx;
        for (int j = 0; j < k; j++) {
            int w = j < s->len[i] ? s->w[i][j] : WREN_NNLM_EOS;
            ck_assert_int_eq(wren_nnlm_state_score(m, st, w, &lp[(size_t)i * k + j], &nx), 0);
            wren_nnlm_state_free(st);
            st = nx;
        }
        wren_nnlm_state_free(st);
    }
    return lp;
}

static double max_diff(const float *a, const float *b, size_t n)
{
    double d = 0;
    for (size_t i = 0; i < n; i++) d = fmax(d, fabs((double)a[i] - b[i]));
    return d;
}

START_TEST(test_pruned_model_same_scores)
{
    setup_once();
    struct wren_nnlm *m = wren_nnlm_load(pruned_path);
    ck_assert_msg(m != NULL, "%s", wren_error_msg());
    int masked = 0;
    for (int l = 0; l < m->c.n_layers; l++)
        for (int j = 0; j < NNLM_NLIN; j++) {
            const struct nnlm_linear *li = &m->blk[l].lin[j];
            if (li->kind != NNLM_MASKED) continue;
            masked++;
            ck_assert_ptr_nonnull(li->csr);   /* built at load */
            ck_assert(!li->csr->stale);
        }
    ck_assert_int_eq(masked, 2 * NNLM_NLIN);
    struct sents s = read_dev(m);
    ck_assert_int_gt(s.n, 50);
    wren_nn_sparse_set_policy(0);
    float *dense = score(m, &s), *dense_st = score_states(m, &s, 3), *dense_ch = score_chain(m, &s, 3);
    wren_nn_sparse_set_policy(1);
    float *csr = score(m, &s), *csr_st = score_states(m, &s, 3), *csr_ch = score_chain(m, &s, 3);
    wren_nn_sparse_set_policy(-1);
    float *deflt = score(m, &s);
    double d1 = max_diff(dense, csr, s.ntok), d2 = max_diff(dense_st, csr_st, (size_t)s.n * 3);
    double d3 = max_diff(dense_ch, csr_ch, (size_t)s.n * 3);
    ck_assert_msg(d1 <= 1e-4 && d2 <= 1e-4 && d3 <= 1e-4, "CSR vs dense: sentences %g, states %g, "
                  "single states %g", d1, d2, d3);
    ck_assert(max_diff(dense, deflt, s.ntok) <= 1e-4);
    double tot = 0;
    for (size_t i = 0; i < s.ntok; i++) tot += dense[i];
    ck_assert(isfinite(tot) && tot < 0);
    /* the CSR path is really taken: spoiling the CSR values of one layer changes the scores
     * with CSR forced, and not on the dense path */
    struct nnlm_csr *c = m->blk[1].lin[NNLM_FC1].csr;
    for (int k = 0; k < c->nnz; k++) c->val[k] = 0;
    wren_nn_sparse_set_policy(1);
    float *spoilt = score(m, &s), *spoilt_ch = score_chain(m, &s, 3);
    wren_nn_sparse_set_policy(0);
    float *dense2 = score(m, &s);
    wren_nn_sparse_set_policy(-1);
    ck_assert(max_diff(dense, spoilt, s.ntok) > 1e-3);
    ck_assert(max_diff(dense_ch, spoilt_ch, (size_t)s.n * 3) > 1e-3);   /* single states use CSR too */
    ck_assert(max_diff(dense, dense2, s.ntok) == 0);
    /* write access to the weights makes the CSR copies stale: never used afterwards */
    int rows, cols;
    float *w = wren_nnlm_tensor(m, "blocks.1.ffn.fc1.weight", &rows, &cols);
    ck_assert_ptr_nonnull(w);
    ck_assert(c->stale);
    wren_nn_sparse_set_policy(1);
    float *after = score(m, &s);
    wren_nn_sparse_set_policy(-1);
    ck_assert(max_diff(dense, after, s.ntok) == 0);
    wren_nn_sparse_prepare(m);   /* rebuilt from the weights: CSR again, same scores */
    ck_assert(!m->blk[1].lin[NNLM_FC1].csr->stale);
    wren_nn_sparse_set_policy(1);
    float *again = score(m, &s);
    wren_nn_sparse_set_policy(-1);
    ck_assert(max_diff(dense, again, s.ntok) <= 1e-4);
    free(dense); free(dense_st); free(csr); free(csr_st); free(deflt); free(spoilt); free(dense2);
    free(dense_ch); free(csr_ch); free(spoilt_ch);
    free(after); free(again);
    free_sents(&s);
    wren_nnlm_free(m);
}
END_TEST

/* ---------------------------------------------------------------- files */

static long file_size(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (long)st.st_size;
}

/* Copy src to dst tensor by tensor, with the metadata, changing CSR layer `base`:
 * mode 0 none; 1 rowptr not monotone; 2 a column out of range; 3 one value fewer than
 * columns; 4 rowptr ending before nnz; 5 rowptr of the wrong length; 6 cols as I32;
 * 7 no values tensor; 8 the old form (weight + mask, no CSR tensors). */
static void rewrite(const char *src, const char *dst, const char *base, int mode, int in)
{
    struct st_file *f = wren_st_open(src);
    ck_assert_ptr_nonnull(f);
    struct st_writer *w = wren_st_writer_create();
    const char *keys[] = { "format", "arch", "vocab_size", "d_model", "n_layers", "n_heads", "head_dim",
                           "d_ffn", "context", "pos", "attn_reset", "ln_eps", "vocab" };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (wren_st_meta(f, keys[i])) wren_st_writer_meta(w, keys[i], wren_st_meta(f, keys[i]));
    void *keep[64];
    int nkeep = 0;
    size_t bl = strlen(base);
    for (int i = 0; i < wren_st_count(f); i++) {
        const char *name = wren_st_name(f, i), *dt;
        int nd;
        long sh[4];
        const void *data;
        size_t nb;
        if (!strcmp(name, "__metadata__")) continue;
        ck_assert_msg(wren_st_tensor(f, name, &dt, &nd, sh, &data, &nb) == 0, "%s", wren_error_msg());
        unsigned char *copy = malloc(nb + 8);
        memcpy(copy, data, nb);
        keep[nkeep++] = copy;
        const char *suf = !strncmp(name, base, bl) && name[bl] == '.' ? name + bl + 1 : "";
        int32_t *rp = (int32_t *)(void *)copy;
        if (mode == 1 && !strcmp(suf, "rowptr")) rp[2] = rp[1] - 1;
        if (mode == 2 && !strcmp(suf, "cols")) { copy[2] = (unsigned char)in; copy[3] = (unsigned char)(in >> 8); }
        if (mode == 3 && !strcmp(suf, "values")) { sh[0]--; nb -= 4; }
        if (mode == 4 && !strcmp(suf, "rowptr")) rp[sh[0] - 1] -= 1;
        if (mode == 5 && !strcmp(suf, "rowptr")) { sh[0]--; nb -= 4; }
        if (mode == 6 && !strcmp(suf, "cols")) { dt = "I32"; sh[0] /= 2; nb = (size_t)sh[0] * 4; }
        if (mode == 7 && !strcmp(suf, "values")) continue;
        if (mode == 8 && *suf && strcmp(suf, "bias")) continue;
        wren_st_writer_add(w, name, dt, nd, sh, copy, nb);
    }
    if (mode == 8) {   /* the layer as weight + mask */
        long out = 0;
        const char *dt;
        int nd;
        long sh[4];
        const void *data;
        size_t nb;
        char nm[160];
        snprintf(nm, sizeof nm, "%s.rowptr", base);
        ck_assert_int_eq(wren_st_tensor(f, nm, &dt, &nd, sh, &data, &nb), 0);
        out = sh[0] - 1;
        float *wt = wren_fbuf_alloc((size_t)out * in);
        unsigned char *mk = malloc((size_t)out * in);
        ck_assert_int_eq(wren_nn_csr_read(f, src, base, (int)out, in, wt, mk), 0);
        long shape[2] = { out, in };
        snprintf(nm, sizeof nm, "%s.weight", base);
        wren_st_writer_add(w, nm, "F32", 2, shape, wt, (size_t)out * in * 4);
        snprintf(nm, sizeof nm, "%s.mask", base);
        wren_st_writer_add(w, nm, "U8", 2, shape, mk, (size_t)out * in);
        ck_assert_int_eq(wren_st_writer_write(w, dst), 0);
        wren_fbuf_free(wt);
        free(mk);
    } else {
        ck_assert_int_eq(wren_st_writer_write(w, dst), 0);
    }
    for (int i = 0; i < nkeep; i++) free(keep[i]);
    wren_st_close(f);
}

static int has(const char *path, const char *name)
{
    struct st_file *f = wren_st_open(path);
    ck_assert_ptr_nonnull(f);
    int found = 0;
    for (int i = 0; i < wren_st_count(f); i++) found |= !strcmp(wren_st_name(f, i), name);
    wren_st_close(f);
    return found;
}

START_TEST(test_file_round_trip)
{
    setup_once();
    struct wren_nnlm *d = wren_nnlm_load(model_path), *m = wren_nnlm_load(pruned_path);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(m);
    /* the CSR form: no weight or mask tensors for masked layers; bytes scale with non-zeros */
    ck_assert(has(pruned_path, "blocks.0.attn.q.rowptr") && has(pruned_path, "blocks.1.ffn.fc2.values"));
    ck_assert(!has(pruned_path, "blocks.0.attn.q.weight") && !has(pruned_path, "blocks.0.attn.q.mask"));
    size_t nnz = 0, dense_n = 0, rowptrs = 0;
    for (int l = 0; l < m->c.n_layers; l++)
        for (int j = 0; j < NNLM_NLIN; j++) {
            const struct nnlm_linear *li = &m->blk[l].lin[j];
            for (size_t k = 0; k < (size_t)li->out * li->in; k++) nnz += li->mask[k] != 0;
            dense_n += (size_t)li->out * li->in;
            rowptrs += (size_t)li->out + 1;
        }
    long saved = file_size(model_path) - file_size(pruned_path);
    long expect = (long)(4 * dense_n) - (long)(6 * nnz + 4 * rowptrs);
    /* the rest of the file is identical but for rowptr's last entries and the JSON header */
    ck_assert_msg(labs(saved - expect) < 4096, "saved %ld bytes, expected about %ld", saved, expect);
    ck_assert_int_eq(m->file_bytes, file_size(pruned_path));   /* nnlm-info prints it */
    /* round trip: identical weights and masks */
    char p2[512], old[512];
    snprintf(p2, sizeof p2, "%s/again.safetensors", dir);
    ck_assert_int_eq(wren_nnlm_save(m, p2), 0);
    struct wren_nnlm *m2 = wren_nnlm_load(p2);
    ck_assert_ptr_nonnull(m2);
    ck_assert_uint_eq(m2->nparams, m->nparams);
    ck_assert(memcmp(m2->params, m->params, m->nparams * sizeof(float)) == 0);
    for (int i = 0; i < m->ntensors; i++)
        if (m->t[i].is_mask) ck_assert(memcmp(m->t[i].mask, m2->t[i].mask, m->t[i].n) == 0);
    ck_assert_uint_eq(wren_nnlm_stored_params(m2), wren_nnlm_stored_params(m));
    ck_assert_uint_eq(wren_nnlm_stored_params(m), wren_nnlm_stored_params(d) - dense_n + 2 * nnz);
    /* a file with one layer in the old weight + mask form loads to the same model */
    snprintf(old, sizeof old, "%s/old.safetensors", dir);
    rewrite(p2, old, "blocks.1.ffn.fc2", 8, m->blk[1].lin[NNLM_FC2].in);
    ck_assert(has(old, "blocks.1.ffn.fc2.mask") && !has(old, "blocks.1.ffn.fc2.rowptr"));
    struct wren_nnlm *m3 = wren_nnlm_load(old);
    ck_assert_msg(m3 != NULL, "%s", wren_error_msg());
    ck_assert(memcmp(m3->params, m->params, m->nparams * sizeof(float)) == 0);
    for (int i = 0; i < m->ntensors; i++)
        if (m->t[i].is_mask) ck_assert(memcmp(m->t[i].mask, m3->t[i].mask, m->t[i].n) == 0);
    ck_assert_ptr_nonnull(m3->blk[1].lin[NNLM_FC2].csr);
    /* and is written back as CSR */
    ck_assert_int_eq(wren_nnlm_save(m3, old), 0);
    ck_assert(!has(old, "blocks.1.ffn.fc2.mask") && has(old, "blocks.1.ffn.fc2.rowptr"));
    wren_nnlm_free(m3);
    wren_nnlm_free(m2);
    wren_nnlm_free(m);
    wren_nnlm_free(d);
}
END_TEST

START_TEST(test_corrupt_csr)
{
    setup_once();
    struct wren_nnlm *m = wren_nnlm_load(pruned_path);
    ck_assert_ptr_nonnull(m);
    int in = m->blk[0].lin[NNLM_FC2].in;
    wren_nnlm_free(m);
    const char *expect[] = { NULL, "'blocks.0.ffn.fc2.rowptr'", "'blocks.0.ffn.fc2.cols'",
                             "'blocks.0.ffn.fc2.cols' (", "'blocks.0.ffn.fc2.rowptr'",
                             "'blocks.0.ffn.fc2.rowptr'", "'blocks.0.ffn.fc2.cols'",
                             "'blocks.0.ffn.fc2.values'" };
    const char *what[] = { NULL, "not monotone", "out of range", "differ in length", "nnz mismatch",
                           "rows + 1", "1-D U16", "missing" };
    char bad[512];
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    for (int mode = 1; mode <= 7; mode++) {
        rewrite(pruned_path, bad, "blocks.0.ffn.fc2", mode, in);
        wren_error_clear();
        struct wren_nnlm *b = wren_nnlm_load(bad);
        ck_assert_msg(b == NULL, "mode %d loaded", mode);
        const char *msg = wren_error_msg();
        ck_assert_msg(strstr(msg, bad) && strstr(msg, expect[mode]) && strstr(msg, what[mode]) &&
                      !strchr(msg, '\n'), "mode %d: %s", mode, msg);
    }
    /* the unchanged copy loads */
    rewrite(pruned_path, bad, "blocks.0.ffn.fc2", 0, in);
    struct wren_nnlm *ok = wren_nnlm_load(bad);
    ck_assert_msg(ok != NULL, "%s", wren_error_msg());
    wren_nnlm_free(ok);
    /* a truncated file */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "head -c %ld '%s' > '%s'", file_size(pruned_path) - 100, pruned_path, bad);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_ptr_null(wren_nnlm_load(bad));
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), bad));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nnlm-sparse");
    TCase *k = tcase_create("kernel");
    tcase_set_timeout(k, 300);
    tcase_add_test(k, test_kernel_matches_dense);
    suite_add_tcase(s, k);
    TCase *m = tcase_create("model");
    tcase_set_timeout(m, 600);
    tcase_add_unchecked_fixture(m, setup_once, NULL);
    tcase_add_test(m, test_pruned_model_same_scores);
    tcase_add_test(m, test_file_round_trip);
    tcase_add_test(m, test_corrupt_csr);
    suite_add_tcase(s, m);
    return test_run_suite(s);
}
