/* test_nnlm_selfnorm.c — self-normalised NNLMs and unnormalised scoring: finite-difference
 * gradient checks of the objective with the (log Z)^2 term (output layer alone, and the whole
 * model with a factored embedding and masked/factored layers); unnormalised scores equal the
 * normalised ones plus log Z, and log Z is the log-sum-exp of the unnormalised scores over the
 * vocabulary, on the batched, one-state and many-state paths for dense, factored-embedding and
 * masked models; the self_norm metadata round trip; training on real text with --self-norm
 * drives log Z towards 0 compared with the same training without it; resuming with another
 * weight is refused; pruning's fine-tuning keeps the term. */
#include "testutil.h"

#include "utils/matrix.h"
#include "nnlm/nnlm-internal.h"
#include "prune/wren-prune.h"
#include "rescore/rescore.h"
#include "utils/wren-util.h"
#define FD_SEED 777
#include "fdcheck.h"

#include <math.h>
#include <stdint.h>

static void fill(float *p, size_t n, uint64_t seed, float scale)
{
    for (size_t i = 0; i < n; i++) {
        seed = wren_nn_hash64(seed);
        p[i] = scale * ((float)nnlm_uniform(seed) * 2.0f - 1.0f);
    }
}


/* ---------------------------------------------------------------- gradients */

struct out_ctx { float *h, *E, *b, *logits; int *tgt; int n, D, V; float a; };
static double out_objective(void *c)
{
    struct out_ctx *t = c;
    double loss = 0;
    struct nnlm_out_obj obj = { t->a, 0, NULL, 0, NULL };
    wren_nn_output_fwd_bwd(t->h, t->tgt, t->n, t->D, t->V, t->E, t->b, 1.0f, &loss, NULL, NULL, NULL,
                        NULL, t->logits, 2, &obj);
    return loss + t->a * obj.zsq;
}

START_TEST(test_grad_output_selfnorm)
{
    enum { n = 5, D = 4, V = 9 };
    float h[n * D], E[V * D], b[V], dh[n * D], dE[V * D] = { 0 }, db[V] = { 0 }, logits[2 * V];
    float lp[n], logz[n];
    int tgt[n] = { 3, -1, 0, 8, 3 };
    fill(h, n * D, 17, 1); fill(E, V * D, 18, 1); fill(b, V, 19, 1);
    for (int v = 0; v < V; v++) b[v] += 1.5f;   /* log Z well away from 0: the term matters */
    struct out_ctx c = { h, E, b, logits, tgt, n, D, V, 0.7f };
    double loss = 0;
    struct nnlm_out_obj obj = { 0.7f, 0, logz, 0, NULL };
    wren_nn_output_fwd_bwd(h, tgt, n, D, V, E, b, 1.0f, &loss, lp, dh, dE, db, logits, 2, &obj);
    /* log Z per row is the log-sum-exp of the row's logits, computed here in double */
    double zsq = 0;
    for (int i = 0; i < n; i++) {
        if (tgt[i] < 0) continue;
        double s = 0;
        for (int v = 0; v < V; v++) {
            double z = b[v];
            for (int j = 0; j < D; j++) z += (double)h[i * D + j] * E[v * D + j];
            s += exp(z);
        }
        ck_assert_double_eq_tol(logz[i], log(s), 1e-4);
        zsq += log(s) * log(s);
    }
    ck_assert(zsq > 1.0);
    ck_assert_double_eq_tol(obj.zsq, zsq, 1e-3);
    ck_assert_double_eq_tol(loss + 0.7 * obj.zsq, out_objective(&c), 1e-4);
    fd_check("self-norm output dh", out_objective, &c, h, dh, n * D, n * D, 1e-2, 1e-2);
    fd_check("self-norm output dE", out_objective, &c, E, dE, V * D, V * D, 1e-2, 1e-2);
    fd_check("self-norm output dbias", out_objective, &c, b, db, V, V, 1e-2, 1e-2);
    /* the term changes the gradient: without it dbias differs */
    float dh0[n * D], dE0[V * D] = { 0 }, db0[V] = { 0 };
    double l0 = 0;
    wren_nn_output_fwd_bwd(h, tgt, n, D, V, E, b, 1.0f, &l0, NULL, dh0, dE0, db0, logits, 2, NULL);
    ck_assert_double_eq_tol(l0, loss, 1e-5);   /* the returned loss is the cross-entropy alone */
    double diff = 0;
    for (int v = 0; v < V; v++) diff += fabs(db0[v] - db[v]);
    ck_assert(diff > 0.1);
}
END_TEST

struct model_ctx { struct wren_nnlm *m; struct nnlm_fb *fb; struct nnlm_batch *b; };
static double model_objective(void *c)
{
    struct model_ctx *t = c;
    long nt;
    double zsq = 0;
    t->b->zsq = &zsq;
    double l = wren_nn_forward_backward(t->m, t->fb, t->b, NULL, 0.0f, 5, 3, &nt, NULL);
    return (l + t->b->self_norm * zsq) / (double)nt;
}

static void check_model_grad(int factored_emb)
{
    char *dir = test_tmpdir();
    struct wren_nnlm_vocab *v = fd_tiny_vocab(dir);
    struct wren_nnlm *m = fd_test_model(v, factored_emb ? 1 : 0, 91);
    enum { B = 2, T = 8 };
    int tok[B * T] = { 0, 3, 4, 5, 1, 0, 3, 9, 0, 10, 6, 7, 8, 3, 4, 1 };
    int tgt[B * T] = { 3, 4, 5, 1, -1, 3, 9, 2, 10, 6, 7, 8, 3, 4, 1, -1 };
    int pos[B * T], seg[B * T];
    for (int r = 0; r < B; r++) {
        int last = 0;
        for (int i = 0; i < T; i++) {
            if (tok[r * T + i] == 0) last = i;
            seg[r * T + i] = last;
            pos[r * T + i] = i - last;
        }
    }
    double zsq = 0;
    struct nnlm_batch b = { .B = B, .T = T, .tok = tok, .tgt = tgt, .pos = pos, .seg = seg,
                            .self_norm = 0.25f, .zsq = &zsq };
    struct nnlm_fb *fb = wren_nn_fb_create(m, B, T, 1);
    float *grad = wren_fbuf_alloc(m->nparams);
    long nt;
    wren_nn_forward_backward(m, fb, &b, grad, 0.0f, 5, 3, &nt, NULL);
    ck_assert_int_eq(nt, 14);
    ck_assert_msg(zsq / nt > 0.5, "mean (log Z)^2 %g: too small to test the term", zsq / nt);
    struct model_ctx c = { m, fb, &b };
    ck_assert_int_gt(fd_check_tensors(m, grad, model_objective, &c, 5e-3), 20);
    wren_fbuf_free(grad);
    wren_nn_fb_free(fb);
    wren_nnlm_free(m);
    wren_nnlm_vocab_free(v);
    free(dir);
}

START_TEST(test_grad_model_selfnorm_dense_emb) { check_model_grad(0); }
END_TEST

START_TEST(test_grad_model_selfnorm_factored_emb) { check_model_grad(1); }
END_TEST

/* ---------------------------------------------------------------- unnormalised scoring */

static void random_sentences(int n, int V, int maxlen, uint64_t seed, int **w, int *len)
{
    for (int i = 0; i < n; i++) {
        seed = wren_nn_hash64(seed);
        len[i] = 1 + (int)(seed % (uint64_t)maxlen);
        w[i] = malloc((size_t)len[i] * sizeof(int));
        for (int j = 0; j < len[i]; j++) { seed = wren_nn_hash64(seed); w[i][j] = 2 + (int)(seed % (uint64_t)(V - 2)); }
    }
}

/* On every scoring path: unnormalised = normalised + log Z (1e-4), and at the first state
 * log Z = log sum_v exp(unnormalised score of v). */
static void check_unnormalized(struct wren_nnlm *m, const char *what)
{
    enum { n = 7 };
    int V = m->c.vocab_size, *w[n], len[n], start[n + 1];
    random_sentences(n, V, 11, 31, w, len);   /* some exceed the context of 8: sliding history */
    start[0] = 0;
    for (int i = 0; i < n; i++) start[i + 1] = start[i] + len[i] + 1;
    int total = start[n];
    float *lp = malloc(sizeof(float) * (size_t)total), *lz = malloc(sizeof(float) * (size_t)total);
    float *lu = malloc(sizeof(float) * (size_t)total), *lz0 = malloc(sizeof(float) * (size_t)total);
    ck_assert_int_eq(wren_nnlm_unnormalized(m), 0);
    ck_assert_int_eq(wren_nn_score_sentences(m, n, (const int *const *)w, len, lp, NULL, lz), 0);
    wren_nnlm_set_unnormalized(m, 1);
    ck_assert_int_eq(wren_nn_score_sentences(m, n, (const int *const *)w, len, lu, NULL, lz0), 0);
    int far = 0;
    for (int k = 0; k < total; k++) {
        ck_assert(lz0[k] == 0.0f);
        far += fabsf(lz[k]) > 0.5f;
        ck_assert_msg(fabsf(lu[k] - (lp[k] + lz[k])) < 1e-4f, "%s batched token %d: unnormalised %g, "
                      "normalised %g + log Z %g", what, k, lu[k], lp[k], lz[k]);
    }
    ck_assert_msg(far > total / 2, "%s: log Z near 0 already, the test would not see it", what);
    /* one state at a time, normalised and unnormalised on the same states */
    for (int i = 0; i < n; i++) {
        struct wren_nnlm_state *s = wren_nnlm_state_begin(m);
        for (int j = 0; j <= len[i]; j++) {
            int word = j < len[i] ? w[i][j] : WREN_NNLM_EOS;
            float u, l;
            struct wren_nnlm_state *nx = NULL;
            wren_nnlm_set_unnormalized(m, 1);
            ck_assert_int_eq(wren_nnlm_state_score(m, s, word, &u, NULL), 0);
            wren_nnlm_set_unnormalized(m, 0);
            ck_assert_int_eq(wren_nnlm_state_score(m, s, word, &l, j < len[i] ? &nx : NULL), 0);
            float z = wren_nn_state_logz(s);
            ck_assert_msg(fabsf(l - lp[start[i] + j]) < 1e-4f, "%s", what);
            ck_assert_msg(fabsf(z - lz[start[i] + j]) < 1e-4f, "%s kv log Z %g vs batched %g", what, z,
                          lz[start[i] + j]);
            ck_assert_msg(fabsf(u - (l + z)) < 1e-4f, "%s kv %d/%d: %g vs %g + %g", what, i, j, u, l, z);
            wren_nnlm_state_free(s);
            s = nx;
        }
    }
    /* many states in lockstep, unnormalised: the batched unnormalised values */
    wren_nnlm_set_unnormalized(m, 1);
    struct wren_nnlm_state *st[n], *in[n], *nx[n];
    int words[n], idx[n];
    float got[n];
    for (int i = 0; i < n; i++) st[i] = wren_nnlm_state_begin(m);
    for (int j = 0; j <= 11; j++) {
        int k = 0;
        for (int i = 0; i < n; i++)
            if (j <= len[i]) { idx[k] = i; in[k] = st[i]; words[k] = j < len[i] ? w[i][j] : WREN_NNLM_EOS; k++; }
        if (k == 0) break;
        ck_assert_int_eq(wren_nnlm_state_score_many(m, k, in, words, got, nx), 0);
        for (int t = 0; t < k; t++) {
            int i = idx[t];
            ck_assert_msg(fabsf(got[t] - lu[start[i] + j]) < 2e-4f, "%s many %d/%d: %g vs %g", what, i, j,
                          got[t], lu[start[i] + j]);
            wren_nnlm_state_free(st[i]);
            st[i] = j < len[i] ? nx[t] : NULL;
            if (j == len[i]) wren_nnlm_state_free(nx[t]);
        }
    }
    /* log Z is the log-sum-exp of the unnormalised scores of the whole vocabulary */
    struct wren_nnlm_state *b0 = wren_nnlm_state_begin(m);
    double s = 0;
    for (int v = 0; v < V; v++) { float u; ck_assert_int_eq(wren_nnlm_state_score(m, b0, v, &u, NULL), 0); s += exp(u); }
    wren_nnlm_set_unnormalized(m, 0);
    float l0;
    wren_nnlm_state_score(m, b0, w[0][0], &l0, NULL);
    ck_assert_msg(fabs(log(s) - wren_nn_state_logz(b0)) < 1e-4, "%s: log sum exp %g vs log Z %g", what, log(s),
                  wren_nn_state_logz(b0));
    wren_nnlm_state_free(b0);
    for (int i = 0; i < n; i++) { free(w[i]); wren_nnlm_state_free(st[i]); }
    free(lp); free(lz); free(lu); free(lz0);
}

/* Save and load (masked layers then run their CSR kernel, the metadata goes through the file). */
static struct wren_nnlm *round_trip(struct wren_nnlm *m, const char *dir, const char *name, float self_norm)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s.safetensors", dir, name);
    m->c.self_norm = self_norm;
    ck_assert_int_eq(wren_nnlm_save(m, p), 0);
    wren_nnlm_free(m);
    struct wren_nnlm *r = wren_nnlm_load(p);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(wren_nnlm_self_norm(r) == self_norm, "self_norm %g after load, saved %g",
                  wren_nnlm_self_norm(r), self_norm);
    return r;
}

START_TEST(test_unnormalized_is_logit)
{
    char *dir = test_tmpdir();
    struct wren_nnlm_vocab *v = fd_tiny_vocab(dir);
    /* dense: a fresh model, larger weights */
    struct wren_nnlm_arch a = { 2, 8, 2, 12, 8, "learned", 1 };
    struct wren_nnlm *d = wren_nnlm_create(&a, v, 4);
    for (size_t i = 0; i < d->nparams; i++) d->params[i] *= 8.0f;
    for (int i = 0; i < d->c.vocab_size; i++) d->out_b[i] = 1.0f;
    d = round_trip(d, dir, "dense", 0.0f);
    check_unnormalized(d, "dense");
    /* factored embedding (and factored/masked layers) */
    struct wren_nnlm *f = round_trip(fd_test_model(v, 1, 91), dir, "factored", 0.125f);
    ck_assert_int_eq(wren_nnlm_emb_rank(f), 3);
    check_unnormalized(f, "factored");
    /* masked: most of fc1 and fc2 of block 1 masked (CSR kernel after loading) */
    struct wren_nnlm_block_shape sh[2];
    wren_nnlm_get_block_shape(d, 0, &sh[0]);
    wren_nnlm_get_block_shape(d, 1, &sh[1]);
    sh[1].storage[NNLM_FC1] = WREN_NNLM_MASKED;
    sh[1].storage[NNLM_FC2] = WREN_NNLM_MASKED;
    struct wren_nnlm *k = wren_nnlm_reshape(d, sh);
    ck_assert_ptr_nonnull(k);
    const char *mn[] = { "blocks.1.ffn.fc1.mask", "blocks.1.ffn.fc2.mask" };
    for (int t = 0; t < 2; t++) {
        int rows, cols;
        unsigned char *mk = wren_nnlm_tensor_mask(k, mn[t], &rows, &cols);
        ck_assert_ptr_nonnull(mk);
        for (int i = 0; i < rows * cols; i++) mk[i] = i % 5 == 0;
    }
    wren_nnlm_apply_masks(k);
    k = round_trip(k, dir, "masked", 0.5f);
    check_unnormalized(k, "masked");
    /* states are pooled per model for reuse: one may still be freed after its model */
    struct wren_nnlm_state *late = wren_nnlm_state_begin(d), *late2 = NULL;
    float l;
    ck_assert_int_eq(wren_nnlm_state_score(d, late, 3, &l, &late2), 0);
    wren_nnlm_state_free(late);
    wren_nnlm_free(d);
    wren_nnlm_state_free(late2);
    wren_nnlm_free(f);
    wren_nnlm_free(k);
    wren_nnlm_vocab_free(v);
    free(dir);
}
END_TEST

/* ---------------------------------------------------------------- training on real text */

static char *dir_shared, *train_txt, *dev_txt;
static void brown_once(void)
{
    if (dir_shared) return;
    dir_shared = test_tmpdir();
    size_t n = strlen(dir_shared) + 32;
    train_txt = malloc(n); dev_txt = malloc(n);
    snprintf(train_txt, n, "%s/train.txt", dir_shared);
    snprintf(dev_txt, n, "%s/dev.txt", dir_shared);
    test_brown_split(dir_shared, 1400, 1000, 200, train_txt, dev_txt);
}

static void small_opts(struct wren_nnlm_train_opts *t, const char *out)
{
    wren_nnlm_train_opts_default(t);
    t->train = train_txt;
    t->out = out;
    t->vocab_size = 1000;
    t->layers = 1; t->d_model = 32; t->heads = 4; t->ffn = 64; t->context = 16;
    t->batch = 16; t->steps = 200; t->valid_every = 200; t->lr = 3e-3; t->dropout = 0;
    t->threads = 1;
}

static void eval_dev(struct wren_nnlm *m, int unnormalized, int kv, struct wren_nnlm_eval_result *r)
{
    struct wren_nnlm_eval_opts eo;
    wren_nnlm_eval_opts_default(&eo);
    eo.unnormalized = unnormalized;
    eo.kv = kv;
    ck_assert_int_eq(wren_nnlm_eval_text(m, dev_txt, &eo, NULL, r), 0);
}

START_TEST(test_selfnorm_training_lowers_log_z)
{
    brown_once();
    char plain[600], sn[600];
    snprintf(plain, sizeof plain, "%s/plain.safetensors", dir_shared);
    snprintf(sn, sizeof sn, "%s/sn.safetensors", dir_shared);
    struct wren_nnlm_train_opts t;
    wren_verbosity = 0;
    small_opts(&t, plain);
    ck_assert(t.self_norm == 0.1);      /* the default: what the recipes train with */
    t.self_norm = 0;
    ck_assert_msg(wren_nnlm_train(&t, NULL, NULL) == 0, "%s", wren_error_msg());
    small_opts(&t, sn);
    t.self_norm = 0.5;
    ck_assert_msg(wren_nnlm_train(&t, NULL, NULL) == 0, "%s", wren_error_msg());
    struct wren_nnlm *a = wren_nnlm_load(plain), *b = wren_nnlm_load(sn);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert(wren_nnlm_self_norm(a) == 0.0f);
    ck_assert(wren_nnlm_self_norm(b) == 0.5f);
    /* rescoring's default: unnormalised exactly for the self-normalised model; an explicit
     * --unnormalized true/false wins */
    struct wren_rescore_opts ro;
    wren_rescore_opts_default(&ro);
    ck_assert_int_eq(wren_rescore_unnormalized(&ro, a), 0);
    ck_assert_int_eq(wren_rescore_unnormalized(&ro, b), 1);
    ro.unnormalized = 0;
    ck_assert_int_eq(wren_rescore_unnormalized(&ro, b), 0);
    ro.unnormalized = 1;
    ck_assert_int_eq(wren_rescore_unnormalized(&ro, a), 1);
    struct wren_nnlm_eval_result ra, rb, rbu, rbk, rbku;
    eval_dev(a, 0, 0, &ra);
    eval_dev(b, 0, 0, &rb);
    ck_assert_msg(fabs(rb.log_z_mean) < 0.5 * fabs(ra.log_z_mean) && ra.log_z_sd > 0 && rb.log_z_sd > 0,
                  "log Z mean %g (sd %g) with --self-norm, %g (sd %g) without", rb.log_z_mean, rb.log_z_sd,
                  ra.log_z_mean, ra.log_z_sd);
    ck_assert_msg(rb.ppl < 1.25 * ra.ppl, "ppl %g with --self-norm, %g without", rb.ppl, ra.ppl);
    /* unnormalised: log Z taken as 0, so log10 totals differ by exactly the sum of log Z */
    eval_dev(b, 1, 0, &rbu);
    ck_assert(rbu.log_z_mean == 0 && rbu.log_z_sd == 0);
    long ntok = rb.words + rb.sentences;
    ck_assert_msg(fabs(rbu.logprob10 - (rb.logprob10 + rb.log_z_mean * ntok / log(10.0))) < 1e-3 * ntok,
                  "unnormalised logprob10 %g, normalised %g, mean log Z %g", rbu.logprob10, rb.logprob10,
                  rb.log_z_mean);
    ck_assert_int_eq(wren_nnlm_unnormalized(b), 0);   /* eval restores the flag */
    /* the KV path gives the same figures */
    eval_dev(b, 0, 1, &rbk);
    eval_dev(b, 1, 1, &rbku);
    ck_assert_double_eq_tol(rbk.log_z_mean, rb.log_z_mean, 1e-4);
    ck_assert_double_eq_tol(rbk.log_z_sd, rb.log_z_sd, 1e-4);
    ck_assert_double_eq_tol(rbku.logprob10, rbu.logprob10, 1e-2);
    /* resuming the self-normalised run's checkpoint with another weight is refused */
    small_opts(&t, sn);
    t.self_norm = 0.25;
    t.resume = 1;
    ck_assert_int_eq(wren_nnlm_train(&t, NULL, NULL), -1);
    t.self_norm = 0.5;
    ck_assert_msg(wren_nnlm_train(&t, NULL, NULL) == 0, "%s", wren_error_msg());
    t.self_norm = -1;
    t.resume = 0;
    ck_assert_int_eq(wren_nnlm_train(&t, NULL, NULL), -1);
    wren_nnlm_free(a);
    wren_nnlm_free(b);
}
END_TEST

/* Pruning fine-tunes with the objective the model was trained with (its metadata). */
START_TEST(test_prune_finetune_keeps_selfnorm)
{
    brown_once();
    char sn[600], prefix[600], out[700];
    snprintf(sn, sizeof sn, "%s/sn-prune.safetensors", dir_shared);
    struct wren_nnlm_train_opts t;
    wren_verbosity = 0;
    small_opts(&t, sn);
    t.steps = 60;
    t.self_norm = 0.3;
    ck_assert_msg(wren_nnlm_train(&t, NULL, NULL) == 0, "%s", wren_error_msg());
    struct wren_prune_opts o;
    wren_prune_opts_default(&o);
    snprintf(prefix, sizeof prefix, "%s/pruned", dir_shared);
    o.model = sn; o.out_prefix = prefix; o.method = "lowrank"; o.criterion = "magnitude";
    o.schedule = "oneshot"; o.sizes = "0.5"; o.valid_text = dev_txt;
    o.finetune_text = train_txt; o.finetune_tokens = 4 * 16 * 16;
    ck_assert_msg(wren_prune_run(&o) == 0, "%s", wren_error_msg());
    snprintf(out, sizeof out, "%s-0.5.safetensors", prefix);
    struct wren_nnlm *p = wren_nnlm_load(out);
    ck_assert_ptr_nonnull(p);
    ck_assert_msg(wren_nnlm_self_norm(p) == 0.3f, "pruned and fine-tuned model: self_norm %g",
                  wren_nnlm_self_norm(p));
    wren_nnlm_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nnlm-selfnorm");
    TCase *g = tcase_create("gradients");
    tcase_add_test(g, test_grad_output_selfnorm);
    tcase_add_test(g, test_grad_model_selfnorm_dense_emb);
    tcase_add_test(g, test_grad_model_selfnorm_factored_emb);
    suite_add_tcase(s, g);
    TCase *sc = tcase_create("unnormalised scoring");
    tcase_add_test(sc, test_unnormalized_is_logit);
    suite_add_tcase(s, sc);
    TCase *tr = tcase_create("training");
    tcase_set_timeout(tr, 600);
    tcase_add_test(tr, test_selfnorm_training_lowers_log_z);
    tcase_add_test(tr, test_prune_finetune_keeps_selfnorm);
    suite_add_tcase(s, tr);
    return test_run_suite(s);
}
