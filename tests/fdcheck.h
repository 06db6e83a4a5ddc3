/* fdcheck.h — the finite-difference gradient check of the NNLM tests (test_nnlm, test_nnlm_selfnorm,
 * test_prune_distill): central differences of a loss at sampled coordinates against the analytic
 * gradient. Each test file defines FD_SEED before including it, which picks its coordinates.
 * Not for: anything outside the tests. */
#ifndef WREN_TESTS_FDCHECK_H
#define WREN_TESTS_FDCHECK_H

#include "nnlm/nnlm-internal.h"   /* wren_nn_hash64 */

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#ifndef FD_SEED
#error "define FD_SEED (the coordinate sampler's seed) before including fdcheck.h"
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

#endif
