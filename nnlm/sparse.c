/* sparse.c — CSR form of masked (unstructurally pruned) NNLM linear layers: building it from
 * weight + mask, the inference kernel y = x W^T + b over the non-zeros, the density crossover
 * at which it replaces OpenBLAS SGEMM, the CSR cache of a model, and the CSR tensors on disk.
 * Not for: training (the backward pass uses the dense weight + mask, layers.c), choosing the
 * mask (prune/).
 *
 * Kernel. Rows of x are taken NB at a time and transposed into xt [in][NB], so that one kept
 * weight w[r][j] contributes w * xt[j][0..NB) to a row of NB accumulators held in vector
 * registers: one contiguous NB-float load and NB/16 FMAs per non-zero, no gathers. The
 * accumulators are written to yt [out][NB] and transposed into y with the bias. An AVX-512 and
 * an AVX2+FMA version are chosen at run time; portable C elsewhere. */
#include "nnlm/sparse.h"

#include "utils/matrix.h"
#include "nnlm/nnlm-internal.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NB 32   /* rows of x per block: xt [in][32] of a 256-wide layer is 32 KiB (L1) */
#define TILE 16   /* transposes work on NB x TILE tiles */
#define NNLM_CSR_GATHER_ROWS 8   /* fewer rows of x: gathered dot products instead of blocks */

struct nnlm_csr *wren_nn_csr_build(const float *w, const unsigned char *mask, int rows, int cols)
{
    struct nnlm_csr *c = wren_xcalloc(1, sizeof *c);
    size_t n = (size_t)rows * cols, nnz = 0;
    for (size_t i = 0; i < n; i++) nnz += mask ? mask[i] != 0 : w[i] != 0.0f;
    c->rows = rows;
    c->cols = cols;
    c->nnz = (int)nnz;
    c->rowptr = wren_xmalloc(((size_t)rows + 1) * sizeof *c->rowptr);
    c->col = wren_xmalloc((nnz ? nnz : 1) * sizeof *c->col);
    c->val = wren_xmalloc((nnz ? nnz : 1) * sizeof *c->val);
    int k = 0;
    for (int r = 0; r < rows; r++) {
        c->rowptr[r] = k;
        const float *wr = w + (size_t)r * cols;
        const unsigned char *mr = mask ? mask + (size_t)r * cols : NULL;
        for (int j = 0; j < cols; j++)
            if (mr ? mr[j] != 0 : wr[j] != 0.0f) {
                c->col[k] = (uint16_t)j;
                c->val[k] = wr[j];
                k++;
            }
    }
    c->rowptr[rows] = k;
    c->npanel = (cols + NNLM_CSR_PANEL - 1) / NNLM_CSR_PANEL;
    if (c->npanel < 1) c->npanel = 1;
    int np1 = c->npanel + 1;
    c->pstart = wren_xmalloc((size_t)rows * np1 * sizeof *c->pstart);
    for (int r = 0; r < rows; r++) {
        int32_t *ps = c->pstart + (size_t)r * np1;
        int q = c->rowptr[r];
        for (int p = 0; p < c->npanel; p++) {
            ps[p] = q;
            while (q < c->rowptr[r + 1] && c->col[q] < (p + 1) * NNLM_CSR_PANEL) q++;
        }
        ps[c->npanel] = c->rowptr[r + 1];
    }
    return c;
}

void wren_nn_csr_free(struct nnlm_csr *c)
{
    if (!c) return;
    free(c->rowptr);
    free(c->col);
    free(c->val);
    free(c->pstart);
    free(c);
}

/* ---------------------------------------------------------------- kernel */

/* yt[r][0..NB) (+)= sum over row r's non-zeros in panel p of val * xt[col][0..NB), every
 * row r; the first panel overwrites, later ones add. */
static void rows_c(const struct nnlm_csr *c, int p, const float *xt, float *yt)
{
    int np1 = c->npanel + 1;
    for (int r = 0; r < c->rows; r++) {
        float acc[NB];
        if (p) memcpy(acc, yt + (size_t)r * NB, sizeof acc);
        else memset(acc, 0, sizeof acc);
        const int32_t *ps = c->pstart + (size_t)r * np1 + p;
        for (int k = ps[0]; k < ps[1]; k++) {
            const float *xp = xt + (size_t)c->col[k] * NB;
            float v = c->val[k];
            for (int t = 0; t < NB; t++) acc[t] += v * xp[t];
        }
        memcpy(yt + (size_t)r * NB, acc, sizeof acc);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86_KERNELS 1

__attribute__((target("avx512f"))) static void rows_avx512(const struct nnlm_csr *c, int p,
                                                           const float *xt, float *yt)
{
    int np1 = c->npanel + 1;
    for (int r = 0; r < c->rows; r++) {
        float *o = yt + (size_t)r * NB;
        __m512 a0 = p ? _mm512_load_ps(o) : _mm512_setzero_ps();
        __m512 a1 = p ? _mm512_load_ps(o + 16) : _mm512_setzero_ps();
        __m512 b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps();
        const int32_t *ps = c->pstart + (size_t)r * np1 + p;
        int k = ps[0], e = ps[1];
        for (; k + 1 < e; k += 2) {
            const float *xp = xt + (size_t)c->col[k] * NB, *xq = xt + (size_t)c->col[k + 1] * NB;
            __m512 v = _mm512_set1_ps(c->val[k]), u = _mm512_set1_ps(c->val[k + 1]);
            a0 = _mm512_fmadd_ps(v, _mm512_load_ps(xp), a0);
            a1 = _mm512_fmadd_ps(v, _mm512_load_ps(xp + 16), a1);
            b0 = _mm512_fmadd_ps(u, _mm512_load_ps(xq), b0);
            b1 = _mm512_fmadd_ps(u, _mm512_load_ps(xq + 16), b1);
        }
        if (k < e) {
            const float *xp = xt + (size_t)c->col[k] * NB;
            __m512 v = _mm512_set1_ps(c->val[k]);
            a0 = _mm512_fmadd_ps(v, _mm512_load_ps(xp), a0);
            a1 = _mm512_fmadd_ps(v, _mm512_load_ps(xp + 16), a1);
        }
        _mm512_store_ps(o, _mm512_add_ps(a0, b0));
        _mm512_store_ps(o + 16, _mm512_add_ps(a1, b1));
    }
}

__attribute__((target("avx2,fma"))) static void rows_avx2(const struct nnlm_csr *c, int p,
                                                          const float *xt, float *yt)
{
    int np1 = c->npanel + 1;
    for (int r = 0; r < c->rows; r++) {
        float *o = yt + (size_t)r * NB;
        __m256 a0 = p ? _mm256_load_ps(o) : _mm256_setzero_ps();
        __m256 a1 = p ? _mm256_load_ps(o + 8) : _mm256_setzero_ps();
        __m256 a2 = p ? _mm256_load_ps(o + 16) : _mm256_setzero_ps();
        __m256 a3 = p ? _mm256_load_ps(o + 24) : _mm256_setzero_ps();
        const int32_t *ps = c->pstart + (size_t)r * np1 + p;
        for (int k = ps[0]; k < ps[1]; k++) {
            const float *xp = xt + (size_t)c->col[k] * NB;
            __m256 v = _mm256_set1_ps(c->val[k]);
            a0 = _mm256_fmadd_ps(v, _mm256_load_ps(xp), a0);
            a1 = _mm256_fmadd_ps(v, _mm256_load_ps(xp + 8), a1);
            a2 = _mm256_fmadd_ps(v, _mm256_load_ps(xp + 16), a2);
            a3 = _mm256_fmadd_ps(v, _mm256_load_ps(xp + 24), a3);
        }
        _mm256_store_ps(o, a0);
        _mm256_store_ps(o + 8, a1);
        _mm256_store_ps(o + 16, a2);
        _mm256_store_ps(o + 24, a3);
    }
}
#endif

typedef void (*rows_fn)(const struct nnlm_csr *, int, const float *, float *);

static rows_fn pick_kernel(void)
{
#ifdef HAVE_X86_KERNELS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return rows_avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return rows_avx2;
#endif
    return rows_c;
}

/* Few rows: one sparse dot product per output, gathering x (no transposes, no padding). */
static void matmul_gather(const struct nnlm_csr *c, const float *x, int n, const float *bias,
                          float *y)
{
    for (int i = 0; i < n; i++) {
        const float *xr = x + (size_t)i * c->cols;
        float *yr = y + (size_t)i * c->rows;
        for (int r = 0; r < c->rows; r++) {
            float s0 = 0, s1 = 0;
            int k = c->rowptr[r], e = c->rowptr[r + 1];
            for (; k + 1 < e; k += 2) {
                s0 += c->val[k] * xr[c->col[k]];
                s1 += c->val[k + 1] * xr[c->col[k + 1]];
            }
            if (k < e) s0 += c->val[k] * xr[c->col[k]];
            yr[r] = s0 + s1 + (bias ? bias[r] : 0.0f);
        }
    }
}

void wren_nn_csr_matmul(const struct nnlm_csr *c, const float *x, int n, const float *bias, float *y)
{
    static rows_fn kernel;
    if (!kernel) kernel = pick_kernel();
    if (n < NNLM_CSR_GATHER_ROWS) { matmul_gather(c, x, n, bias, y); return; }
    int in = c->cols, out = c->rows;
    float *xt = wren_fbuf_alloc((size_t)in * NB), *yt = wren_fbuf_alloc((size_t)out * NB);
    for (int i0 = 0; i0 < n; i0 += NB) {
        int nb = n - i0 < NB ? n - i0 : NB;
        for (int j0 = 0; j0 < in; j0 += TILE) {   /* transpose in tiles that stay in L1 */
            int j1 = j0 + TILE < in ? j0 + TILE : in;
            for (int t = 0; t < nb; t++) {
                const float *xr = x + (size_t)(i0 + t) * in;
                for (int j = j0; j < j1; j++) xt[(size_t)j * NB + t] = xr[j];
            }
        }
        if (nb < NB)
            for (int j = 0; j < in; j++) memset(xt + (size_t)j * NB + nb, 0, (size_t)(NB - nb) * sizeof(float));
        for (int p = 0; p < c->npanel; p++)
            kernel(c, p, xt, yt);
        for (int r0 = 0; r0 < out; r0 += TILE) {
            int r1 = r0 + TILE < out ? r0 + TILE : out;
            for (int t = 0; t < nb; t++) {
                float *yr = y + (size_t)(i0 + t) * out;
                for (int r = r0; r < r1; r++) yr[r] = yt[(size_t)r * NB + t] + (bias ? bias[r] : 0.0f);
            }
        }
    }
    wren_fbuf_free(xt);
    wren_fbuf_free(yt);
}

/* ---------------------------------------------------------------- policy */

/* Crossover measured with bench/nnlm-sparse-bench (one thread, OpenBLAS SGEMM + bias vs this
 * kernel, random masks, fastest of repeated calls; Xeon Sapphire Rapids VM, AVX-512 kernel,
 * 25 Nov 2026): the density below which CSR is faster, per shape out x in and rows n:
 *              n=1    16    64   128   256   512
 *   256x256   0.08 >0.60 >0.60  0.57  0.48  0.46
 *  1280x256  >0.60 >0.60 >0.60  0.59  0.50  0.48
 *   256x1280  0.08  0.59 >0.60  0.57  0.49  0.48
 * (n=1: gathered dot products against SGEMM with m=1, which OpenBLAS runs slowly for the
 * 1280-row shape.) One threshold per regime, just under the smallest crossover measured. */
double wren_nn_csr_max_density(int n, int rows, int cols)
{
    (void)rows;
    (void)cols;
    return n < NNLM_CSR_GATHER_ROWS ? 0.07 : 0.45;
}

static int g_policy = -2;   /* -2: not set yet, take WREN_NNLM_SPARSE */
void wren_nn_sparse_set_policy(int policy) { g_policy = policy; }

int wren_nn_sparse_linear_fwd(const struct nnlm_linear *l, const float *x, int n, float *y)
{
    const struct nnlm_csr *c = l->csr;
    if (g_policy == -2) {
        const char *e = getenv("WREN_NNLM_SPARSE");
        g_policy = e && !strcmp(e, "0") ? 0 : e && !strcmp(e, "1") ? 1 : -1;
    }
    if (l->kind != NNLM_MASKED || !c || c->stale || g_policy == 0) return 0;
    if (g_policy < 0 &&
        (double)c->nnz > wren_nn_csr_max_density(n, l->out, l->in) * (double)l->out * l->in)
        return 0;
    wren_nn_csr_matmul(c, x, n, l->b, y);
    return 1;
}

void wren_nn_sparse_prepare(struct wren_nnlm *m)
{
    for (int i = 0; i < m->c.n_layers; i++)
        for (int j = 0; j < NNLM_NLIN; j++) {
            struct nnlm_linear *l = &m->blk[i].lin[j];
            wren_nn_csr_free(l->csr);
            l->csr = NULL;
            if (l->kind == NNLM_MASKED && l->in <= NNLM_CSR_MAX_IN)
                l->csr = wren_nn_csr_build(l->w, l->mask, l->out, l->in);
        }
}

void wren_nn_sparse_invalidate(const struct wren_nnlm *m)
{
    for (int i = 0; i < m->c.n_layers; i++)
        for (int j = 0; j < NNLM_NLIN; j++)
            if (m->blk[i].lin[j].csr) m->blk[i].lin[j].csr->stale = 1;
}

void wren_nn_sparse_release(struct wren_nnlm *m)
{
    if (!m->blk) return;
    for (int i = 0; i < m->c.n_layers; i++)
        for (int j = 0; j < NNLM_NLIN; j++) {
            wren_nn_csr_free(m->blk[i].lin[j].csr);
            m->blk[i].lin[j].csr = NULL;
        }
}

/* ---------------------------------------------------------------- file form */

int wren_nn_csr_in_file(const struct st_file *f, const char *base)
{
    char name[160];
    snprintf(name, sizeof name, "%s.rowptr", base);
    for (int i = 0; i < wren_st_count(f); i++)
        if (!strcmp(wren_st_name(f, i), name)) return 1;
    return 0;
}

/* A 1-D tensor base+suffix of dtype dt; its length in *len. */
static const void *vec_tensor(const struct st_file *f, const char *path, const char *base,
                              const char *suffix, const char *dt, long *len)
{
    char name[160];
    snprintf(name, sizeof name, "%s.%s", base, suffix);
    const char *d;
    int nd;
    long sh[4];
    const void *data;
    size_t nb;
    if (wren_st_tensor(f, name, &d, &nd, sh, &data, &nb)) {
        wren_error("%s: tensor '%s' is missing (CSR layer %s needs rowptr, cols and values)", path,
                   name, base);
        return NULL;
    }
    if (strcmp(d, dt) || nd != 1) {
        wren_error("%s: tensor '%s' must be a 1-D %s vector, not %d-D %s", path, name, dt, nd, d);
        return NULL;
    }
    *len = sh[0];
    return data;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int wren_nn_csr_read(const struct st_file *f, const char *path, const char *base, int out, int in,
                  float *w, unsigned char *mask)
{
    long nr, nc, nv;
    const unsigned char *rp = vec_tensor(f, path, base, "rowptr", "I32", &nr);
    if (!rp) return -1;
    const unsigned char *cp = vec_tensor(f, path, base, "cols", "U16", &nc);
    if (!cp) return -1;
    const unsigned char *vp = vec_tensor(f, path, base, "values", "F32", &nv);
    if (!vp) return -1;
    if (nr != (long)out + 1)
        return wren_error("%s: tensor '%s.rowptr' has %ld entries, expected %d (rows + 1)", path,
                          base, nr, out + 1);
    if (nc != nv)
        return wren_error("%s: tensors '%s.cols' (%ld) and '%s.values' (%ld) differ in length",
                          path, base, nc, base, nv);
    if (nc > (long)out * in)
        return wren_error("%s: tensor '%s.values' has %ld entries, more than %d x %d", path, base,
                          nc, out, in);
    long prev = (int32_t)le32(rp);
    if (prev != 0) return wren_error("%s: tensor '%s.rowptr' does not start at 0", path, base);
    memset(w, 0, (size_t)out * in * sizeof *w);
    memset(mask, 0, (size_t)out * in);
    for (int r = 0; r < out; r++) {
        long end = (int32_t)le32(rp + 4 * ((size_t)r + 1));
        if (end < prev || end > nc)
            return wren_error("%s: tensor '%s.rowptr': entry %d = %ld is %s", path, base, r + 1,
                              end, end < prev ? "smaller than the one before (not monotone)"
                                              : "beyond the number of values (nnz mismatch)");
        long last = -1;
        for (long k = prev; k < end; k++) {
            long j = (long)cp[2 * k] | (long)cp[2 * k + 1] << 8;
            if (j >= in)
                return wren_error("%s: tensor '%s.cols': entry %ld (row %d) = %ld, out of range [0,%d)",
                                  path, base, k, r, j, in);
            if (j <= last)
                return wren_error("%s: tensor '%s.cols': entry %ld (row %d) = %ld, columns of a row "
                                  "must increase", path, base, k, r, j);
            last = j;
            float v;
            memcpy(&v, vp + 4 * k, sizeof v);   /* little-endian host (as the F32 tensors) */
            if (!isfinite(v))
                return wren_error("%s: tensor '%s.values': element %ld (row %d, col %ld) is %s", path,
                                  base, k, r, j, isnan(v) ? "NaN" : "infinite");
            w[(size_t)r * in + j] = v;
            mask[(size_t)r * in + j] = 1;
        }
        prev = end;
    }
    if (prev != nc)
        return wren_error("%s: tensor '%s.rowptr' ends at %ld but there are %ld values (nnz mismatch)",
                          path, base, prev, nc);
    return 0;
}

static void keep_add(void ***keep, int *nkeep, void *p)
{
    *keep = wren_xrealloc(*keep, ((size_t)*nkeep + 1) * sizeof **keep);
    (*keep)[(*nkeep)++] = p;
}

int wren_nn_csr_write(struct st_writer *wr, const char *base, const float *w,
                   const unsigned char *mask, int out, int in, void ***keep, int *nkeep)
{
    if (in > NNLM_CSR_MAX_IN) return -1;
    struct nnlm_csr *c = wren_nn_csr_build(w, mask, out, in);
    char name[160];
    long len = (long)out + 1;
    snprintf(name, sizeof name, "%s.rowptr", base);
    wren_st_writer_add(wr, name, "I32", 1, &len, c->rowptr, (size_t)len * 4);
    len = c->nnz;
    snprintf(name, sizeof name, "%s.cols", base);
    wren_st_writer_add(wr, name, "U16", 1, &len, c->col, (size_t)len * 2);
    snprintf(name, sizeof name, "%s.values", base);
    wren_st_writer_add(wr, name, "F32", 1, &len, c->val, (size_t)len * 4);
    keep_add(keep, nkeep, c->rowptr);
    keep_add(keep, nkeep, c->col);
    keep_add(keep, nkeep, c->val);
    free(c->pstart);
    free(c);
    return 0;
}

void wren_nn_csr_keep_free(void **keep, int nkeep)
{
    for (int i = 0; i < nkeep; i++) free(keep[i]);
    free(keep);
}
