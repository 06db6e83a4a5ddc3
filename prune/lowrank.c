/* lowrank.c — replace each linear layer W by U V from a truncated SVD of a scaled matrix
 * A = Dr W Dc (magnitude: plain; activation: Dc = input activation RMS, data-aware SVD;
 * taylor/fisher: Dr = row importance from gradients, Fisher-weighted SVD), with the ranks of
 * all layers chosen by one global budget. Input layers may be dense, masked or factored.
 * With r->embedding the tied embedding/output matrix E [V,D] joins the budget as one more
 * layer (out = V words, in = D; its input is the final LayerNorm output h, logits = h E^T) with
 * a fixed share (target^emb_exponent of its dense size, by default the target fraction; the
 * blocks share the rest):
 * activation scales its columns by the RMS of h; taylor/fisher scale its columns (not rows:
 * words unseen in the calibration text would get no weight) by the gradient column norms.
 * Not for: element-wise or structured pruning. */
#include "prune/wren-prune.h"

#include "utils/matrix.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK (OpenBLAS ships it), column-major. */
extern void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s,
                    float *u, const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork,
                    int *iwork, int *info);

struct layer {
    char base[64];           /* "blocks.<b>.<lin>" or "tok_emb" */
    int emb;                 /* the tied embedding */
    int out, in, k;          /* k = min(out, in) */
    float *W;                /* effective weight [out, in] */
    float *dr, *dc;          /* scalings */
    float *sv, *P, *Q;       /* singular values; P [out,k] row-major of A's left vectors; Q [in,k] */
    double sum_sq;
    int rank;
    size_t cost;             /* current stored cost */
};

static float *tensor(struct wren_nnlm *m, const struct layer *y, const char *suf, int *r, int *c)
{
    char name[96];
    snprintf(name, sizeof name, "%s.%s", y->base, suf);
    return wren_nnlm_tensor(m, name, r, c);
}

/* Column scaling of the embedding: activation RMS of h, or gradient column norms (of
 * tok_emb.weight, or of tok_emb.V [r,D] when it is factored). */
static int emb_scaling(struct wren_nnlm *m, const struct wren_nnlm_calib *c, int crit, struct layer *y)
{
    double mean = 0;
    if (crit == WREN_PRUNE_ACTIVATION) {
        const float *a = wren_nnlm_calib_act_sq_output(c);
        double tok = (double)wren_nnlm_calib_tokens(c);
        if (!a || tok <= 0) return wren_error("no activation statistics for the output layer");
        for (int j = 0; j < y->in; j++) mean += (y->dc[j] = (float)sqrt(a[j] / tok));
    } else {
        int w = wren_nnlm_emb_rank(m) == 0, rows = 0;
        const char *name = w ? "tok_emb.weight" : "tok_emb.V";
        tensor(m, y, w ? "weight" : "V", &rows, NULL);
        const float *g = crit == WREN_PRUNE_TAYLOR ? wren_nnlm_calib_grad(c, name) : wren_nnlm_calib_grad_sq(c, name);
        if (!g) return wren_error("no gradient statistics for %s", name);
        for (int j = 0; j < y->in; j++) {
            double t = 0;
            for (int i = 0; i < rows; i++) {
                double x = g[(size_t)i * y->in + j];
                t += crit == WREN_PRUNE_TAYLOR ? x * x : x;
            }
            mean += (y->dc[j] = (float)sqrt(t));
        }
    }
    double eps = 1e-3 * (mean / y->in) + 1e-12;
    for (int j = 0; j < y->in; j++) y->dc[j] = (float)(y->dc[j] + eps);
    return 0;
}

static int load_layer(struct wren_nnlm *m, const struct wren_nnlm_calib *c, int crit, int b, int l,
                      struct layer *y)
{
    int r, cc, r2, c2;
    if (b < 0) { snprintf(y->base, sizeof y->base, "tok_emb"); y->emb = 1; }
    else snprintf(y->base, sizeof y->base, "blocks.%d.%s", b, wren_nnlm_linear_names[l]);
    const float *w = tensor(m, y, "weight", &r, &cc);
    const float *gU = NULL;
    if (w) {
        y->out = r; y->in = cc;
        y->W = wren_xmalloc((size_t)r * cc * sizeof *y->W);
        memcpy(y->W, w, (size_t)r * cc * sizeof *y->W);
    } else {
        const float *U = tensor(m, y, "U", &r, &cc), *V = tensor(m, y, "V", &r2, &c2);
        if (!U || !V) return wren_error("%s has no weight", y->base);
        y->out = r; y->in = c2;
        y->W = wren_xmalloc((size_t)r * c2 * sizeof *y->W);
        wren_gemm(0, 0, r, c2, cc, 1.0f, U, cc, V, c2, 0.0f, y->W, c2);
    }
    y->k = y->out < y->in ? y->out : y->in;
    y->dr = wren_xmalloc((size_t)y->out * sizeof *y->dr);
    y->dc = wren_xmalloc((size_t)y->in * sizeof *y->dc);
    for (int i = 0; i < y->out; i++) y->dr[i] = 1;
    for (int j = 0; j < y->in; j++) y->dc[j] = 1;
    if (crit == WREN_PRUNE_MAGNITUDE) return 0;
    if (!c) return wren_error("criterion needs calibration statistics (--calib-text)");
    if (y->emb) return emb_scaling(m, c, crit, y);
    if (crit == WREN_PRUNE_ACTIVATION) {
        const float *a = wren_nnlm_calib_act_sq(c, b, l);
        double tok = (double)wren_nnlm_calib_tokens(c);
        if (!a || tok <= 0) return wren_error("no activation statistics for block %d", b);
        double mean = 0;
        for (int j = 0; j < y->in; j++) mean += sqrt(a[j] / tok);
        double eps = 1e-3 * (mean / y->in) + 1e-12;
        for (int j = 0; j < y->in; j++) y->dc[j] = (float)(sqrt(a[j] / tok) + eps);
        return 0;
    }
    /* taylor: mean gradient; fisher: mean squared gradient. Row importance sqrt(sum_j g_ij^2)
     * (fisher: sqrt(sum_j E[g^2]_ij)). For a factored layer the gradient of W is not
     * available; the gradient of U (G V^T, the gradient projected on V's row space) stands in. */
    char name[96];
    int gl = w ? 1 : 0, gcols = y->in;
    snprintf(name, sizeof name, "blocks.%d.%s.%s", b, wren_nnlm_linear_names[l], gl ? "weight" : "U");
    if (!gl) tensor(m, y, "U", &r, &gcols);
    gU = crit == WREN_PRUNE_TAYLOR ? wren_nnlm_calib_grad(c, name) : wren_nnlm_calib_grad_sq(c, name);
    if (!gU) return wren_error("no gradient statistics for %s", name);
    double mean = 0;
    for (int i = 0; i < y->out; i++) {
        double t = 0;
        for (int j = 0; j < gcols; j++) {
            double g = gU[(size_t)i * gcols + j];
            t += crit == WREN_PRUNE_TAYLOR ? g * g : g;
        }
        y->dr[i] = (float)sqrt(t);
        mean += y->dr[i];
    }
    double eps = 1e-3 * (mean / y->out) + 1e-12;
    for (int i = 0; i < y->out; i++) y->dr[i] = (float)(y->dr[i] + eps);
    return 0;
}

/* SVD of A = Dr W Dc. */
static int svd_layer(struct layer *y)
{
    int m = y->in, n = y->out, k = y->k, info = 0, lwork = -1;
    /* row-major A [out,in] is column-major A^T [in,out] */
    float *a = wren_xmalloc((size_t)m * n * sizeof *a);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) a[(size_t)i * m + j] = y->dr[i] * y->W[(size_t)i * m + j] * y->dc[j];
    float *u = wren_xmalloc((size_t)m * k * sizeof *u), *vt = wren_xmalloc((size_t)k * n * sizeof *vt);
    y->sv = wren_xmalloc((size_t)k * sizeof *y->sv);
    int *iw = wren_xmalloc((size_t)8 * k * sizeof *iw);
    float q;
    sgesdd_("S", &m, &n, a, &m, y->sv, u, &m, vt, &k, &q, &lwork, iw, &info);
    lwork = (int)q + 1;
    float *work = wren_xmalloc((size_t)lwork * sizeof *work);
    if (info == 0) sgesdd_("S", &m, &n, a, &m, y->sv, u, &m, vt, &k, work, &lwork, iw, &info);
    free(work); free(iw); free(a);
    if (info != 0) { free(u); free(vt); return wren_error("SVD failed (LAPACK info %d)", info); }
    /* A = (A^T)^T = vt^T S u^T: left vectors of A are vt's rows, right vectors u's columns */
    y->P = wren_xmalloc((size_t)n * k * sizeof *y->P);
    y->Q = wren_xmalloc((size_t)m * k * sizeof *y->Q);
    for (int i = 0; i < n; i++)
        for (int r = 0; r < k; r++) y->P[(size_t)i * k + r] = vt[r + (size_t)i * k];
    for (int j = 0; j < m; j++)
        for (int r = 0; r < k; r++) y->Q[(size_t)j * k + r] = u[j + (size_t)r * m];
    y->sum_sq = 0;
    for (int r = 0; r < k; r++) y->sum_sq += (double)y->sv[r] * y->sv[r];
    free(u); free(vt);
    return 0;
}

static size_t rank_cost(const struct layer *y, int r)
{
    size_t f = (size_t)r * (size_t)(y->out + y->in), d = (size_t)y->out * y->in;
    return f < d ? f : d;
}

struct cand { int layer, r; double score; };

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    if (x->layer != y->layer) return x->layer - y->layer;
    return x->r - y->r;
}

/* Choose ranks: every layer at least 1, then greedy by relative energy per parameter. */
static void choose_ranks(struct layer *ly, int nl, double budget)
{
    size_t nc = 0, used = 0;
    for (int i = 0; i < nl; i++) { ly[i].rank = 1; used += rank_cost(&ly[i], 1); nc += (size_t)ly[i].k - 1; }
    struct cand *c = wren_xmalloc((nc + 1) * sizeof *c);
    size_t n = 0;
    for (int i = 0; i < nl; i++)
        for (int r = 2; r <= ly[i].k; r++) {
            double e = ly[i].sum_sq > 0 ? (double)ly[i].sv[r - 1] * ly[i].sv[r - 1] / ly[i].sum_sq : 0;
            c[n++] = (struct cand){ i, r, e / (ly[i].out + ly[i].in) };
        }
    qsort(c, n, sizeof *c, cmp_cand);
    for (size_t t = 0; t < n; t++) {
        struct layer *y = &ly[c[t].layer];
        if (c[t].r != y->rank + 1) continue;          /* an earlier rank was refused */
        size_t add = rank_cost(y, c[t].r) - rank_cost(y, y->rank);
        if ((double)(used + add) > budget) continue;
        used += add;
        y->rank = c[t].r;
    }
    free(c);
}

static void fill_layer(struct wren_nnlm *out, struct layer *y, int dense)
{
    int r, c;
    if (dense) {
        memcpy(tensor(out, y, "weight", &r, &c), y->W, (size_t)y->out * y->in * sizeof *y->W);
        return;
    }
    float *U = tensor(out, y, "U", &r, &c), *V = tensor(out, y, "V", &r, &c);
    int R = y->rank, k = y->k;
    for (int i = 0; i < y->out; i++)
        for (int q = 0; q < R; q++) U[(size_t)i * R + q] = y->P[(size_t)i * k + q] * y->sv[q] / y->dr[i];
    for (int q = 0; q < R; q++)
        for (int j = 0; j < y->in; j++) V[(size_t)q * y->in + j] = y->Q[(size_t)j * k + q] / y->dc[j];
}

struct wren_nnlm *wren_prune_lowrank(struct wren_nnlm *m, const struct wren_nnlm_calib *c,
                                     int criterion, double target, const struct wren_prune_ref *r)
{
    int L = wren_nnlm_num_blocks(m), nb = L * WREN_NNLM_NLIN, nl = nb + (r->embedding ? 1 : 0);
    struct layer *ly = wren_xcalloc((size_t)nl, sizeof *ly);
    struct wren_nnlm *out = NULL;
    struct wren_nnlm_block_shape *bs = wren_xcalloc((size_t)L, sizeof *bs);
    for (int i = 0; i < nl; i++)   /* the last one (i == nb) is the embedding */
        if (load_layer(m, c, criterion, i < nb ? i / WREN_NNLM_NLIN : -1, i % WREN_NNLM_NLIN, &ly[i]) ||
            svd_layer(&ly[i]))
            goto done;
    /* the budget covers the prunable matrices; the embedding, when not in it, keeps its size */
    if (r->embedding) {
        /* The embedding's share is fixed: the same fraction of its dense size as the whole target.
         * One greedy over all layers by relative energy per parameter cannot weigh the 20k-row
         * output matrix (V + D parameters a rank, a flat spectrum) against the blocks' matrices:
         * on the real NNLM at 0.5 it gave the embedding rank 1, a unigram-like model (dev
         * perplexity 1,432 after fine-tuning). The blocks share the rest with the global greedy. */
        struct layer *e = &ly[nb];
        double blocks_min = 0;
        for (int i = 0; i < nb; i++) blocks_min += (double)rank_cost(&ly[i], 1);
        double eb = pow(target, r->emb_exponent) * (double)e->out * (double)e->in,
               left = target * (double)r->prunable_dense - blocks_min;
        choose_ranks(e, 1, eb < left ? eb : left);   /* the blocks keep at least rank 1 each */
        choose_ranks(ly, nb, target * (double)r->prunable_dense - (double)rank_cost(e, e->rank));
    } else {
        choose_ranks(ly, nl, target * (double)r->prunable_dense);
    }
    for (int b = 0; b < L; b++) {
        wren_nnlm_get_block_shape(m, b, &bs[b]);
        for (int l = 0; l < WREN_NNLM_NLIN; l++) {
            struct layer *y = &ly[b * WREN_NNLM_NLIN + l];
            int dense = (size_t)y->rank * (size_t)(y->out + y->in) >= (size_t)y->out * y->in;
            bs[b].storage[l] = dense ? WREN_NNLM_DENSE : WREN_NNLM_FACTORED;
            bs[b].rank[l] = dense ? 0 : y->rank;
        }
    }
    int er = -1;   /* embedding: as in m unless it is in the budget */
    if (r->embedding) {
        const struct layer *e = &ly[nb];
        er = (size_t)e->rank * (size_t)(e->out + e->in) >= (size_t)e->out * e->in ? 0 : e->rank;
    }
    out = wren_nnlm_reshape_emb(m, bs, er);
    if (out) {
        for (int b = 0; b < L; b++)
            for (int l = 0; l < WREN_NNLM_NLIN; l++)
                fill_layer(out, &ly[b * WREN_NNLM_NLIN + l], bs[b].storage[l] == WREN_NNLM_DENSE);
        if (r->embedding) fill_layer(out, &ly[nb], er == 0);
    }
done:
    for (int i = 0; i < nl; i++) {
        free(ly[i].W); free(ly[i].dr); free(ly[i].dc); free(ly[i].sv); free(ly[i].P); free(ly[i].Q);
    }
    free(ly); free(bs);
    return out;
}
