/* structured.c — remove whole attention heads (q,k,v rows and o columns of a head) and FFN
 * neurons (fc1 row, fc2 column), and with r->embedding (--embedding) also residual-stream
 * channels c of [0, d_model) (column c of the tied embedding/output matrix and of the learned
 * positions, entry c of every LayerNorm, input column c of q/k/v/fc1, output row and bias entry
 * c of o/fc2), lowest normalised group score first over all blocks, and rebuild the model as
 * smaller dense matrices. Not for: scores (criteria.c), masks. */
#include "prune/wren-prune.h"

#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { Q, K, V, O, FC1, FC2 };
enum { HEAD, NEURON, CHANNEL, NTYPES };

struct group { int block, type, index; double score; };   /* CHANNEL: block -1 */

static int cmp_group(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    if (x->type != y->type) return x->type - y->type;
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

/* acc[j] += sum over rows of column j of s [rows, cols]. */
static void add_col_sums(double *acc, const float *s, int rows, int cols)
{
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++) acc[j] += s[(size_t)r * cols + j];
}

/* acc[i] += sum of row i of s [rows, cols]. */
static void add_row_sums(double *acc, const float *s, int rows, int cols)
{
    for (int r = 0; r < rows; r++) acc[r] += sum_rows(s, cols, r, r + 1);
}

/* dst [nr, nc] = src [.., cols] at rows ri[] (NULL: 0..nr-1) and columns ci[] (NULL: all). */
static void copy_sub(float *dst, const float *src, int cols, const int *ri, int nr, const int *ci, int nc)
{
    for (int i = 0; i < nr; i++) {
        const float *row = src + (size_t)(ri ? ri[i] : i) * cols;
        float *d = dst + (size_t)i * nc;
        if (!ci) memcpy(d, row, (size_t)nc * sizeof *d);
        else for (int j = 0; j < nc; j++) d[j] = row[ci[j]];
    }
}

/* Vector: dst[i] = src[idx[i]]; skipped if either is missing. */
static void copy_vec(float *dst, const float *src, const int *idx, int n)
{
    if (dst && src) for (int i = 0; i < n; i++) dst[i] = src[idx ? idx[i] : i];
}

static float *tensor(struct wren_nnlm *m, int b, int l, const char *suf, int *r, int *c)
{
    char name[96];
    snprintf(name, sizeof name, "blocks.%d.%s.%s", b, wren_nnlm_linear_names[l], suf);
    return wren_nnlm_tensor(m, name, r, c);
}

static float *ln(struct wren_nnlm *m, int b, int which, const char *suf)
{
    char name[96];
    snprintf(name, sizeof name, "blocks.%d.ln%d.%s", b, which, suf);
    return wren_nnlm_tensor(m, name, NULL, NULL);
}

/* Fill block b of out from block b of m keeping the given heads / neurons and the residual
 * channels ck[0..nc) (ck NULL: all channels, the width is unchanged). */
static void fill_block(struct wren_nnlm *out, struct wren_nnlm *m, int b, const unsigned char *hk,
                       int H, const unsigned char *nk, int F, int dh, const int *ck, int nc)
{
    int *rows = wren_xmalloc((size_t)(H * dh > F ? H * dh : F) * sizeof *rows), n = 0, r, c, r2, c2;
    for (int h = 0; h < H; h++)
        if (hk[h]) for (int d = 0; d < dh; d++) rows[n++] = h * dh + d;
    for (int l = Q; l <= V; l++) {
        const float *w = tensor(m, b, l, "weight", &r, &c);
        copy_sub(tensor(out, b, l, "weight", &r2, &c2), w, c, rows, n, ck, nc);
        copy_vec(tensor(out, b, l, "bias", &r2, &c2), tensor(m, b, l, "bias", &r, &c), rows, n);
    }
    const float *wo = tensor(m, b, O, "weight", &r, &c);
    copy_sub(tensor(out, b, O, "weight", &r2, &c2), wo, c, ck, nc, rows, n);
    copy_vec(tensor(out, b, O, "bias", &r2, &c2), tensor(m, b, O, "bias", &r, &c), ck, nc);
    n = 0;
    for (int j = 0; j < F; j++) if (nk[j]) rows[n++] = j;
    const float *w1 = tensor(m, b, FC1, "weight", &r, &c);
    copy_sub(tensor(out, b, FC1, "weight", &r2, &c2), w1, c, rows, n, ck, nc);
    copy_vec(tensor(out, b, FC1, "bias", &r2, &c2), tensor(m, b, FC1, "bias", &r, &c), rows, n);
    const float *w2 = tensor(m, b, FC2, "weight", &r, &c);
    copy_sub(tensor(out, b, FC2, "weight", &r2, &c2), w2, c, ck, nc, rows, n);
    copy_vec(tensor(out, b, FC2, "bias", &r2, &c2), tensor(m, b, FC2, "bias", &r, &c), ck, nc);
    for (int k = 1; k <= 2; k++) {
        copy_vec(ln(out, b, k, "weight"), ln(m, b, k, "weight"), ck, nc);
        copy_vec(ln(out, b, k, "bias"), ln(m, b, k, "bias"), ck, nc);
    }
    free(rows);
}

/* The tensors outside the blocks that have a D dimension: columns ck of tok_emb and pos_emb,
 * entries ck of ln_f. (out.bias [V] has the same shape and was copied by the reshape.) */
static void fill_outer(struct wren_nnlm *out, struct wren_nnlm *m, const int *ck, int nc)
{
    int r, c, r2, c2;
    static const char *const mats[] = { "tok_emb.weight", "pos_emb.weight" };
    for (int i = 0; i < 2; i++) {
        const float *s = wren_nnlm_tensor(m, mats[i], &r, &c);
        float *d = wren_nnlm_tensor(out, mats[i], &r2, &c2);
        if (s && d) copy_sub(d, s, c, NULL, r, ck, nc);
    }
    copy_vec(wren_nnlm_tensor(out, "ln_f.weight", NULL, NULL), wren_nnlm_tensor(m, "ln_f.weight", NULL, NULL), ck, nc);
    copy_vec(wren_nnlm_tensor(out, "ln_f.bias", NULL, NULL), wren_nnlm_tensor(m, "ln_f.bias", NULL, NULL), ck, nc);
}

/* Per-column score sums of the tied embedding E [V,D] into acc[D]: the criterion applied to E
 * as to a linear layer — magnitude |E|, activation |E_vc| * RMS of the output layer's input h_c,
 * taylor |E g|, fisher E^2 E[g^2] (g: the gradient of tok_emb.weight, both of its uses). */
static int emb_col_scores(struct wren_nnlm *m, const struct wren_nnlm_calib *c, int crit, double *acc,
                          int *vocab)
{
    int Vn, D;
    const float *E = wren_nnlm_tensor(m, "tok_emb.weight", &Vn, &D);
    if (!E) return wren_error("structured --embedding needs a dense tok_emb.weight (the embedding "
                              "is factored; use --method lowrank --embedding)");
    const float *g = NULL, *aq = NULL;
    double tok = c ? (double)wren_nnlm_calib_tokens(c) : 0;
    if (crit != WREN_PRUNE_MAGNITUDE && !c) return wren_error("criterion needs calibration statistics (--calib-text)");
    if (crit == WREN_PRUNE_ACTIVATION) aq = wren_nnlm_calib_act_sq_output(c);
    if (crit == WREN_PRUNE_TAYLOR) g = wren_nnlm_calib_grad(c, "tok_emb.weight");
    if (crit == WREN_PRUNE_FISHER) g = wren_nnlm_calib_grad_sq(c, "tok_emb.weight");
    if (crit != WREN_PRUNE_MAGNITUDE && !g && !(aq && tok > 0))
        return wren_error("no calibration statistics for tok_emb.weight");
    for (int v = 0; v < Vn; v++)
        for (int j = 0; j < D; j++) {
            size_t i = (size_t)v * D + j;
            double x = E[i];
            switch (crit) {
            case WREN_PRUNE_ACTIVATION: acc[j] += fabs(x) * sqrt(aq[j] / tok); break;
            case WREN_PRUNE_TAYLOR: acc[j] += fabs(x * g[i]); break;
            case WREN_PRUNE_FISHER: acc[j] += x * x * g[i]; break;
            default: acc[j] += fabs(x); break;
            }
        }
    *vocab = Vn;
    return 0;
}

struct wren_nnlm *wren_prune_structured(struct wren_nnlm *m, const struct wren_nnlm_calib *c,
                                        int criterion, double target, const struct wren_prune_ref *r)
{
    int L = wren_nnlm_num_blocks(m), D = wren_nnlm_d_model(m), dh = wren_nnlm_head_dim(m);
    int chan = r->embedding, Vn = 0;
    if (chan) {
        int C, cc;
        if (wren_nnlm_emb_rank(m) > 0) {
            wren_error("structured --embedding needs a dense tok_emb.weight (the embedding is "
                       "factored; use --method lowrank --embedding)");
            return NULL;
        }
        if (wren_nnlm_tensor_mask(m, "tok_emb.mask", NULL, NULL)) {   /* kept columns would lose their masks */
            wren_error("structured --embedding needs a dense tok_emb.weight (the embedding is "
                       "masked by unstructured --embedding)");
            return NULL;
        }
        if (!wren_nnlm_tensor(m, "pos_emb.weight", &C, &cc)) {
            wren_error("structured --embedding needs learned position embeddings (the sinusoidal "
                       "table depends on d_model)");
            return NULL;
        }
    }
    struct wren_nnlm_block_shape *bs = wren_xcalloc((size_t)L, sizeof *bs);
    int ng = 0, cap = chan ? D : 0;
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
    double typesum[NTYPES] = { 0 };
    int typen[NTYPES] = { 0 };
    double *csum = wren_xcalloc((size_t)D, sizeof *csum);   /* channel score sums */
    double cparams = 0;                                      /* parameters one channel removes */
    size_t cur = 0;
    if (chan) {
        if (emb_col_scores(m, c, criterion, csum, &Vn)) { free(csum); free(g); free(bs); return NULL; }
        cur += (size_t)Vn * D;
        cparams = Vn;
    }
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
            free(csum); free(g); free(bs);
            return NULL;
        }
        for (int h = 0; h < bs[b].n_heads; h++) {
            double t = sum_rows(s[Q], D, h * dh, (h + 1) * dh) + sum_rows(s[K], D, h * dh, (h + 1) * dh) +
                       sum_rows(s[V], D, h * dh, (h + 1) * dh) + sum_cols(s[O], D, in[O], h * dh, (h + 1) * dh);
            g[ng] = (struct group){ b, HEAD, h, t / (4.0 * D * dh) };
            typesum[HEAD] += g[ng++].score; typen[HEAD]++;
        }
        for (int j = 0; j < bs[b].d_ffn; j++) {
            double t = sum_rows(s[FC1], D, j, j + 1) + sum_cols(s[FC2], D, in[FC2], j, j + 1);
            g[ng] = (struct group){ b, NEURON, j, t / (2.0 * D) };
            typesum[NEURON] += g[ng++].score; typen[NEURON]++;
        }
        if (chan) {   /* input columns of q/k/v/fc1, output rows of o/fc2 */
            for (int l = Q; l <= V; l++) add_col_sums(csum, s[l], o[l], in[l]);
            add_col_sums(csum, s[FC1], o[FC1], in[FC1]);
            add_row_sums(csum, s[O], o[O], in[O]);
            add_row_sums(csum, s[FC2], o[FC2], in[FC2]);
            cparams += 3.0 * o[Q] + in[O] + o[FC1] + in[FC2];
        }
        for (int l = 0; l < WREN_NNLM_NLIN; l++) free(s[l]);
    }
    for (int j = 0; chan && j < D; j++) {
        g[ng] = (struct group){ -1, CHANNEL, j, csum[j] / cparams };
        typesum[CHANNEL] += g[ng++].score; typen[CHANNEL]++;
    }
    free(csum);
    for (int i = 0; i < ng; i++) {   /* each type's mean score is 1 */
        double mean = typesum[g[i].type] / (typen[g[i].type] ? typen[g[i].type] : 1);
        if (mean > 0) g[i].score /= mean;
    }
    qsort(g, (size_t)ng, sizeof *g, cmp_group);
    unsigned char **hk = wren_xcalloc((size_t)L, sizeof *hk), **nk = wren_xcalloc((size_t)L, sizeof *nk);
    unsigned char *chk = wren_xmalloc((size_t)D);
    memset(chk, 1, (size_t)D);
    int *H0 = wren_xcalloc((size_t)L, sizeof *H0), *F0 = wren_xcalloc((size_t)L, sizeof *F0);
    for (int b = 0; b < L; b++) {
        H0[b] = bs[b].n_heads; F0[b] = bs[b].d_ffn;
        hk[b] = wren_xmalloc((size_t)H0[b]); memset(hk[b], 1, (size_t)H0[b]);
        nk[b] = wren_xmalloc((size_t)F0[b]); memset(nk[b], 1, (size_t)F0[b]);
    }
    /* Costs in the prunable accounting (linear weights, plus V*D of the embedding with
     * --embedding; biases, LayerNorms and positions are not prunable parameters): a head
     * 4*Dk*dh, a neuron 2*Dk, a channel V + sum_b (4*H_b*dh + 2*F_b), with the CURRENT widths. */
    /* The residual width is independent of the attention's inner width (heads * head_dim), so
     * channels may go below head_dim; 8 keeps LayerNorm statistics meaningful. */
    int Dk = D, Dmin = chan ? (D < 8 ? D : 8) : D;
    size_t ccost = (size_t)Vn;
    for (int b = 0; b < L; b++) ccost += (size_t)4 * bs[b].n_heads * dh + (size_t)2 * bs[b].d_ffn;
    double budget = target * (double)r->prunable_dense;
    /* lowest score first; pass 0 skips a head or channel whose removal would overshoot the
     * target by more than one neuron's cost (cheaper neurons finish the job), pass 1 takes
     * anything left */
    for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < ng && (double)cur > budget; i++) {
        int b = g[i].block;
        size_t cost = g[i].type == HEAD ? (size_t)4 * Dk * dh : g[i].type == NEURON ? (size_t)2 * Dk : ccost;
        if (pass == 0 && g[i].type != NEURON && (double)cur - (double)cost < budget - 2.0 * Dk) continue;
        if (g[i].type == HEAD && bs[b].n_heads > 1 && hk[b][g[i].index]) {
            hk[b][g[i].index] = 0; bs[b].n_heads--; cur -= cost; ccost -= (size_t)4 * dh;
        } else if (g[i].type == NEURON && bs[b].d_ffn > 1 && nk[b][g[i].index]) {
            nk[b][g[i].index] = 0; bs[b].d_ffn--; cur -= cost; ccost -= 2;
        } else if (g[i].type == CHANNEL && Dk > Dmin && chk[g[i].index]) {
            chk[g[i].index] = 0; Dk--; cur -= cost;
        }
    }
    struct wren_nnlm *out = NULL;
    if ((double)cur > budget + 1e-9)
        wren_error("structured pruning cannot reach size %g: keeping one head and one FFN neuron per "
                   "block%s leaves %.4f of the prunable parameters", target,
                   chan ? " and 8 residual channels" : "", (double)cur / (double)r->prunable_dense);
    else out = wren_nnlm_reshape_dim(m, bs, -1, Dk);
    if (out) {
        /* Removing residual channels also makes every LayerNorm normalise over the kept channels
         * only (mean and variance change): an approximation that fine-tuning recovers. */
        int *ck = NULL, nc = D;
        if (Dk < D) {
            ck = wren_xmalloc((size_t)Dk * sizeof *ck);
            nc = 0;
            for (int j = 0; j < D; j++) if (chk[j]) ck[nc++] = j;
            fill_outer(out, m, ck, nc);
        }
        for (int b = 0; b < L; b++) fill_block(out, m, b, hk[b], H0[b], nk[b], F0[b], dh, ck, nc);
        free(ck);
    }
    for (int b = 0; b < L; b++) { free(hk[b]); free(nk[b]); }
    free(hk); free(nk); free(chk); free(H0); free(F0); free(g); free(bs);
    return out;
}
