/* fdcheck.h — the finite-difference gradient check of the NNLM tests (test_nnlm, test_nnlm_selfnorm,
 * test_prune_distill): central differences of a loss at sampled coordinates against the analytic
 * gradient, and the vocabulary and model those checks run on. Each test file defines FD_SEED
 * before including it, which picks its coordinates.
 * Not for: anything outside the tests. */
#ifndef WREN_TESTS_FDCHECK_H
#define WREN_TESTS_FDCHECK_H

#include "testutil.h"               /* test_write_file */
#include "nnlm/nnlm-internal.h"   /* wren_nn_hash64, the model internals */

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef FD_SEED
#error "define FD_SEED (the coordinate sampler's seed) before including fdcheck.h"
#endif

typedef double (*lossfn)(void *ctx);

/* Central differences of f against the analytic gradient g at `samples` coordinates of x[0..n)
 * (all of them, cyclically, when samples >= n); a relative error of tol or more fails. */
static inline void fd_check(const char *what, lossfn f, void *ctx, float *x, const float *g, size_t n,
                     int samples, double eps, double tol)
{
    for (int k = 0; k < samples; k++) {
        size_t i = samples >= (int)n ? (size_t)k % n : (size_t)(wren_nn_hash64((uint64_t)FD_SEED + (uint64_t)k) % n);
        float keep = x[i];
        x[i] = keep + (float)eps;
        double lp = f(ctx);
        x[i] = keep - (float)eps;
        double lm = f(ctx);
        x[i] = keep;
        double num = (lp - lm) / (2 * eps);
        double err = fabs(num - g[i]) / fmax(1e-2, fabs(num) + fabs(g[i]));
        ck_assert_msg(err < tol, "%s: coordinate %zu: numeric %.6g analytic %.6g (rel err %.3g)",
                      what, i, num, (double)g[i], err);
    }
}

/* fd_check on up to 16 coordinates of every trainable tensor of the test models of test_nnlm_selfnorm
 * and test_prune_distill (masks and the masked blocks.0.ffn.fc1 skipped; the embedding's check
 * starts at the rows of words their batch sees). Returns the number of tensors checked. */
static inline int fd_check_tensors(struct wren_nnlm *m, const float *grad, lossfn f, void *ctx, double eps)
{
    int checked = 0;
    for (int i = 0; i < m->ntensors; i++) {
        const struct nnlm_tensor *t = &m->t[i];
        if (t->is_mask || strstr(t->name, "blocks.0.ffn.fc1.weight")) continue;   /* masked */
        float *x = m->params + t->off;
        const float *g = grad + t->off;
        if (!strcmp(t->name, "tok_emb.weight")) x += 3 * 8, g += 3 * 8;   /* rows of seen words */
        if (!strcmp(t->name, "tok_emb.U")) x += 3 * 3, g += 3 * 3;
        fd_check(t->name, f, ctx, x, g, t->n < 16 ? t->n : 16, 8, eps, 3e-2);
        checked++;
    }
    return checked;
}

/* The nine-word vocabulary of the NNLM gradient tests (written to dir). */
static inline struct wren_nnlm_vocab *fd_tiny_vocab(const char *dir)
{
    char *p = test_write_file(dir, "vocab", "the\ncat\nsat\non\nmat\ndog\nran\na\nhat\n");
    struct wren_nnlm_vocab *v = wren_nnlm_vocab_read(p);
    ck_assert_ptr_nonnull(v);
    free(p);
    return v;
}

/* The test model of fd_check_tensors: block 0 with a factored attn.q and a masked fc1, block 1
 * plain; the tied embedding dense (emb 0), factored with rank 3 (1) or masked (2). Weights
 * larger than the default init (seeded by seed), logits of order 1. */
static inline struct wren_nnlm *fd_test_model(const struct wren_nnlm_vocab *v, int emb, uint64_t seed)
{
    struct nnlm_config c = { 0, 8, 2, 2, 4, 12, 8, 1, 1, 1e-5f, emb == 1 ? 3 : 0, 0.0f, 0.0f, 0.0f, emb == 2, 0.0f };
    struct nnlm_block_spec s[2];
    memset(s, 0, sizeof s);
    s[0].n_heads = 2; s[0].d_ffn = 12;
    s[0].kind[NNLM_Q] = NNLM_FACTORED; s[0].rank[NNLM_Q] = 3;
    s[0].kind[NNLM_FC1] = NNLM_MASKED;
    s[1].n_heads = 2; s[1].d_ffn = 12;
    struct wren_nnlm *m = wren_nn_alloc(&c, s, v);
    const struct nnlm_tensor *mk = wren_nn_find_tensor(m, "blocks.0.ffn.fc1.mask");
    ck_assert_ptr_nonnull(mk);
    for (size_t i = 0; i < mk->n; i++) mk->mask[i] = (i % 3) != 0;
    if (emb == 2) {
        ck_assert_ptr_nonnull(m->emb_mask);
        for (size_t i = 0; i < (size_t)m->c.vocab_size * 8; i++) m->emb_mask[i] = (i % 4) != 1;
    }
    wren_nn_init_weights(m, seed);
    for (size_t i = 0; i < m->nparams; i++) m->params[i] *= 4.0f;
    for (size_t i = 0; emb == 1 && i < (size_t)m->c.vocab_size * 3; i++) m->emb_u[i] *= 0.3f;
    for (size_t i = 0; emb == 1 && i < 3 * 8; i++) m->emb_v[i] *= 0.3f;
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < 8; i++) { m->blk[l].ln1_g[i] = 1.0f + 0.1f * i; m->blk[l].ln2_g[i] = 1.0f - 0.05f * i; }
    for (int w = 0; w < m->c.vocab_size; w++) m->out_b[w] = 0.5f + 0.1f * (float)(w % 5);
    wren_nn_apply_masks(m, m->params);
    return m;
}

#endif
