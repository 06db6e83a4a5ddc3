/* unstructured.c — element-wise pruning with masks: keep the highest-scoring weights, either
 * the same density in every matrix (per-layer) or one threshold over all matrices (global).
 * Under the index accounting a masked matrix costs 2*nnz, so size s keeps density s/2. With
 * r->embedding (--embedding) the tied embedding/output matrix tok_emb [V,D] is one more masked
 * matrix (tok_emb.mask), scored as the output layer.
 * Not for: scores (criteria.c), structured or low-rank pruning. */
#include "prune/wren-prune.h"

#include "utils/wren-util.h"

#include <stdlib.h>
#include <string.h>

static int cmp_desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x < y) - (x > y);
}

/* The k-th largest of n values (k >= 1). */
static float kth_largest(const float *v, size_t n, size_t k)
{
    float *c = wren_xmalloc(n * sizeof *c);
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_desc);
    float t = c[k - 1];
    free(c);
    return t;
}

/* Keep exactly k highest entries of s in mask (ties broken by position). */
static void keep_top(const float *s, size_t n, size_t k, float thr, unsigned char *mask)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) mask[i] = 0;
    for (size_t i = 0; i < n && kept < k; i++)
        if (s[i] > thr) { mask[i] = 1; kept++; }
    for (size_t i = 0; i < n && kept < k; i++)
        if (s[i] == thr && !mask[i]) { mask[i] = 1; kept++; }
}

struct wren_nnlm *wren_prune_unstructured(struct wren_nnlm *m, const struct wren_nnlm_calib *c,
                                          int criterion, int global, double target,
                                          const struct wren_prune_ref *r)
{
    /* matrices 0 .. nb-1 are the blocks' linear layers; nb (with --embedding) is tok_emb */
    int L = wren_nnlm_num_blocks(m), nb = L * WREN_NNLM_NLIN, nl = nb + (r->embedding ? 1 : 0);
    float **sc = wren_xcalloc((size_t)nl, sizeof *sc);
    size_t *len = wren_xcalloc((size_t)nl, sizeof *len), total = 0;
    struct wren_nnlm *out = NULL;
    for (int i = 0; i < nl; i++) {
        int o, in;
        sc[i] = i == nb ? wren_prune_embedding_scores(m, c, criterion, &o, &in)
                        : wren_prune_scores(m, c, criterion, i / WREN_NNLM_NLIN, i % WREN_NNLM_NLIN, &o, &in);
        if (!sc[i]) goto done;
        len[i] = (size_t)o * in;
        total += len[i];
    }
    /* nnz budget: 2*nnz <= target * dense reference */
    size_t budget = (size_t)(target * (double)r->prunable_dense / 2.0);
    if (budget < (size_t)nl) budget = (size_t)nl;
    struct wren_nnlm_block_shape *bs = wren_xcalloc((size_t)L, sizeof *bs);
    for (int b = 0; b < L; b++) {
        wren_nnlm_get_block_shape(m, b, &bs[b]);
        for (int l = 0; l < WREN_NNLM_NLIN; l++) bs[b].storage[l] = WREN_NNLM_MASKED;
    }
    out = wren_nnlm_reshape_emb(m, bs, r->embedding ? WREN_NNLM_EMB_MASKED : -1);
    free(bs);
    if (!out) goto done;
    float gthr = 0;
    float *all = NULL;
    if (global) {
        all = wren_xmalloc(total * sizeof *all);
        size_t off = 0;
        for (int i = 0; i < nl; i++) { memcpy(all + off, sc[i], len[i] * sizeof *all); off += len[i]; }
        gthr = kth_largest(all, total, budget < total ? budget : total);
    }
    size_t gleft = budget - (size_t)nl;   /* every layer keeps at least one weight */
    for (int i = 0; i < nl; i++) {
        char name[96];
        int rr, cc;
        if (i == nb) snprintf(name, sizeof name, "tok_emb.mask");
        else snprintf(name, sizeof name, "blocks.%d.%s.mask", i / WREN_NNLM_NLIN,
                      wren_nnlm_linear_names[i % WREN_NNLM_NLIN]);
        unsigned char *mk = wren_nnlm_tensor_mask(out, name, &rr, &cc);
        if (!mk) { wren_error("%s missing after reshape", name); wren_nnlm_free(out); out = NULL; goto done2; }
        size_t k;
        float thr;
        if (global) {
            size_t above = 0;
            for (size_t j = 0; j < len[i]; j++) above += sc[i][j] >= gthr;
            size_t extra = above > 1 ? above - 1 : 0;   /* beyond the reserved one */
            if (extra > gleft) extra = gleft;
            gleft -= extra;
            k = 1 + extra;
            thr = gthr;
        } else {
            k = (size_t)((double)budget * (double)len[i] / (double)total);
            if (k < 1) k = 1;
            if (k > len[i]) k = len[i];
            thr = kth_largest(sc[i], len[i], k);
        }
        if (global && k < len[i]) {
            /* the k best of this layer are all >= gthr except ties; take the layer's own k-th */
            thr = kth_largest(sc[i], len[i], k);
        }
        keep_top(sc[i], len[i], k, thr, mk);
    }
    wren_nnlm_apply_masks(out);
done2:
    free(all);
done:
    for (int i = 0; i < nl; i++) free(sc[i]);
    free(sc);
    free(len);
    return out;
}
