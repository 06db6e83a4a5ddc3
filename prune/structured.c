/* structured.c — remove whole attention heads (q,k,v rows and o columns of a head) and FFN
 * neurons (fc1 row, fc2 column), lowest normalised group score first over all blocks, and
 * rebuild the model as smaller dense matrices. Not for: scores (criteria.c), masks. */
#include "wren-prune.h"

#include "wren-util.h"

#include <stdlib.h>
#include <string.h>

enum { Q, K, V, O, FC1, FC2 };

struct group { int block, type, index; double score; };   /* type 0 head, 1 neuron */

static int cmp_group(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    if (x->block != y->block) return x->block - y->block;
    return x->index - y->index;
}

static double sum_rows(const float *s, int cols, int r0, int r1)
{
    double t = 0;
    for (int r = r0; r < r1; r++)
        for (int j = 0; j < cols; j++) t += s[(size_t)r * cols + j];
    return t;
}

static double sum_cols(const float *s, int rows, int cols, int c0, int c1)
{
    double t = 0;
    for (int r = 0; r < rows; r++)
        for (int j = c0; j < c1; j++) t += s[(size_t)r * cols + j];
    return t;
}

/* Copy rows keep[] of src [.., cols] into dst. */
static void copy_rows(float *dst, const float *src, int cols, const int *keep, int n)
{
    for (int i = 0; i < n; i++) memcpy(dst + (size_t)i * cols, src + (size_t)keep[i] * cols, cols * sizeof *dst);
}

static void copy_cols(float *dst, const float *src, int rows, int cols, const int *keep, int n)
{
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < n; i++) dst[(size_t)r * n + i] = src[(size_t)r * cols + keep[i]];
}

static float *tensor(struct wren_nnlm *m, int b, int l, const char *suf, int *r, int *c)
{
    char name[96];
    snprintf(name, sizeof name, "blocks.%d.%s.%s", b, wren_nnlm_linear_names[l], suf);
    return wren_nnlm_tensor(m, name, r, c);
}

/* Fill block b of out from block b of m keeping the given heads / neurons. */
static void fill_block(struct wren_nnlm *out, struct wren_nnlm *m, int b, const unsigned char *hk,
                       int H, const unsigned char *nk, int F, int dh)
{
    int *rows = wren_xmalloc((size_t)(H * dh > F ? H * dh : F) * sizeof *rows), n = 0, r, c, r2, c2;
    for (int h = 0; h < H; h++)
        if (hk[h]) for (int d = 0; d < dh; d++) rows[n++] = h * dh + d;
    for (int l = Q; l <= V; l++) {
        const float *w = tensor(m, b, l, "weight", &r, &c), *bi = tensor(m, b, l, "bias", &r2, &c2);
        copy_rows(tensor(out, b, l, "weight", &r2, &c2), w, c, rows, n);
        float *ob = tensor(out, b, l, "bias", &r2, &c2);
        if (bi && ob) for (int i = 0; i < n; i++) ob[i] = bi[rows[i]];
    }
    const float *wo = tensor(m, b, O, "weight", &r, &c);
    copy_cols(tensor(out, b, O, "weight", &r2, &c2), wo, r, c, rows, n);
    n = 0;
    for (int j = 0; j < F; j++) if (nk[j]) rows[n++] = j;
    const float *w1 = tensor(m, b, FC1, "weight", &r, &c), *b1 = tensor(m, b, FC1, "bias", &r2, &c2);
    copy_rows(tensor(out, b, FC1, "weight", &r2, &c2), w1, c, rows, n);
    float *ob = tensor(out, b, FC1, "bias", &r2, &c2);
    if (b1 && ob) for (int i = 0; i < n; i++) ob[i] = b1[rows[i]];
    const float *w2 = tensor(m, b, FC2, "weight", &r, &c);
    copy_cols(tensor(out, b, FC2, "weight", &r2, &c2), w2, r, c, rows, n);
    free(rows);
}

struct wren_nnlm *wren_prune_structured(struct wren_nnlm *m, const struct wren_nnlm_calib *c,
                                        int criterion, double target, const struct wren_prune_ref *r)
{
    int L = wren_nnlm_num_blocks(m), D = wren_nnlm_d_model(m), dh = wren_nnlm_head_dim(m);
    struct wren_nnlm_block_shape *bs = wren_xcalloc((size_t)L, sizeof *bs);
    int ng = 0, cap = 0;
    for (int b = 0; b < L; b++) {
        wren_nnlm_get_block_shape(m, b, &bs[b]);
        for (int l = 0; l < WREN_NNLM_NLIN; l++)
            if (bs[b].storage[l] != WREN_NNLM_DENSE) {
                wren_error("structured pruning needs dense linear layers (block %d %s is %s)", b,
                           wren_nnlm_linear_names[l], bs[b].storage[l] == WREN_NNLM_MASKED ? "masked" : "factored");
                free(bs);
                return NULL;
            }
        cap += bs[b].n_heads + bs[b].d_ffn;
    }
    struct group *g = wren_xcalloc((size_t)cap, sizeof *g);
    double typesum[2] = { 0, 0 };
    int typen[2] = { 0, 0 };
    size_t cur = 0;
    for (int b = 0; b < L; b++) {
        float *s[WREN_NNLM_NLIN] = { 0 };
        int o[WREN_NNLM_NLIN], in[WREN_NNLM_NLIN], ok = 1;
        for (int l = 0; l < WREN_NNLM_NLIN; l++) {
            s[l] = wren_prune_scores(m, c, criterion, b, l, &o[l], &in[l]);
            ok = ok && s[l];
            cur += (size_t)o[l] * in[l];
        }
        if (!ok) {
            for (int l = 0; l < WREN_NNLM_NLIN; l++) free(s[l]);
            free(g); free(bs);
            return NULL;
        }
        for (int h = 0; h < bs[b].n_heads; h++) {
            double t = sum_rows(s[Q], D, h * dh, (h + 1) * dh) + sum_rows(s[K], D, h * dh, (h + 1) * dh) +
                       sum_rows(s[V], D, h * dh, (h + 1) * dh) + sum_cols(s[O], D, in[O], h * dh, (h + 1) * dh);
            g[ng] = (struct group){ b, 0, h, t / (4.0 * D * dh) };
            typesum[0] += g[ng++].score; typen[0]++;
        }
        for (int j = 0; j < bs[b].d_ffn; j++) {
            double t = sum_rows(s[FC1], D, j, j + 1) + sum_cols(s[FC2], D, in[FC2], j, j + 1);
            g[ng] = (struct group){ b, 1, j, t / (2.0 * D) };
            typesum[1] += g[ng++].score; typen[1]++;
        }
        for (int l = 0; l < WREN_NNLM_NLIN; l++) free(s[l]);
    }
    for (int i = 0; i < ng; i++) {
        double mean = typesum[g[i].type] / (typen[g[i].type] ? typen[g[i].type] : 1);
        if (mean > 0) g[i].score /= mean;
    }
    qsort(g, (size_t)ng, sizeof *g, cmp_group);
    unsigned char **hk = wren_xcalloc((size_t)L, sizeof *hk), **nk = wren_xcalloc((size_t)L, sizeof *nk);
    int *H0 = wren_xcalloc((size_t)L, sizeof *H0), *F0 = wren_xcalloc((size_t)L, sizeof *F0);
    for (int b = 0; b < L; b++) {
        H0[b] = bs[b].n_heads; F0[b] = bs[b].d_ffn;
        hk[b] = wren_xmalloc((size_t)H0[b]); memset(hk[b], 1, (size_t)H0[b]);
        nk[b] = wren_xmalloc((size_t)F0[b]); memset(nk[b], 1, (size_t)F0[b]);
    }
    double budget = target * (double)r->prunable_dense;
    /* lowest score first; pass 0 skips a head whose removal would overshoot the target by more
     * than one neuron's cost (cheaper neurons finish the job), pass 1 takes anything left */
    for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < ng && (double)cur > budget; i++) {
        int b = g[i].block;
        if (pass == 0 && g[i].type == 0 && (double)cur - 4.0 * D * dh < budget - 2.0 * D) continue;
        if (g[i].type == 0 && bs[b].n_heads > 1 && hk[b][g[i].index]) {
            hk[b][g[i].index] = 0; bs[b].n_heads--; cur -= (size_t)4 * D * dh;
        } else if (g[i].type == 1 && bs[b].d_ffn > 1 && nk[b][g[i].index]) {
            nk[b][g[i].index] = 0; bs[b].d_ffn--; cur -= (size_t)2 * D;
        }
    }
    struct wren_nnlm *out = NULL;
    if ((double)cur > budget + 1e-9)
        wren_error("structured pruning cannot reach size %g: keeping one head and one FFN neuron per "
                   "block leaves %.4f of the prunable parameters", target,
                   (double)cur / (double)r->prunable_dense);
    else out = wren_nnlm_reshape(m, bs);
    if (out)
        for (int b = 0; b < L; b++) fill_block(out, m, b, hk[b], H0[b], nk[b], F0[b], dh);
    for (int b = 0; b < L; b++) { free(hk[b]); free(nk[b]); }
    free(hk); free(nk); free(H0); free(F0); free(g); free(bs);
    return out;
}
