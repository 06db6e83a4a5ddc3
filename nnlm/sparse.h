/* sparse.h — compressed sparse row (CSR) form of the NNLM's masked (unstructurally pruned)
 * linear layers: the inference kernel y = x W^T + b that runs on the non-zeros only, the
 * choice between it and the dense SGEMM, and the on-disk CSR tensors of a masked layer.
 * Internal to nnlm/ (see nnlm-internal.h); not for training (the backward pass and the
 * optimiser keep the dense weight + mask, which stay the in-memory form of a masked layer).
 *
 * On disk a masked layer <name> [out,in] is three tensors (no <name>.weight / <name>.mask):
 *   <name>.rowptr  I32 [out+1]  rowptr[0] = 0, non-decreasing, rowptr[out] = nnz
 *   <name>.cols    U16 [nnz]    column of each kept weight, strictly increasing within a row
 *   <name>.values  F32 [nnz]    its value
 * 6 bytes per kept weight + 4 per row instead of 5 per weight (F32 weight + U8 mask), which
 * needs in <= 65536; wider layers keep the weight + mask form. Files with weight + mask load as
 * before. */
#ifndef WREN_NNLM_SPARSE_H
#define WREN_NNLM_SPARSE_H

#include <stddef.h>
#include <stdint.h>

struct nnlm_linear;

#define NNLM_CSR_MAX_IN 65536   /* widest layer whose columns fit the U16 indices */
#define NNLM_CSR_PANEL 256      /* columns per panel: x block of 256 x 32 floats stays in L1 */
struct st_file;
struct st_writer;

/* CSR of one weight matrix [rows = out, cols = in]. */
struct nnlm_csr {
    int rows, cols, nnz;
    int32_t *rowptr;   /* [rows+1] */
    uint16_t *col;     /* [nnz] */
    float *val;        /* [nnz] */
    int npanel;        /* column panels of NNLM_CSR_PANEL columns (the kernel's blocking) */
    int32_t *pstart;   /* [rows][npanel+1]: where each panel's entries of each row start */
    int stale;         /* the weights may have changed since it was built: do not use */
};

/* CSR of the entries of w [rows,cols] where mask is non-zero (mask NULL: where w != 0). */
struct nnlm_csr *wren_nn_csr_build(const float *w, const unsigned char *mask, int rows, int cols);
void wren_nn_csr_free(struct nnlm_csr *c);

/* y[n,rows] = x[n,cols] W^T (+ bias[rows] if not NULL), single-threaded. */
void wren_nn_csr_matmul(const struct nnlm_csr *c, const float *x, int n, const float *bias, float *y);

/* Largest density (nnz / (rows*cols)) at which the CSR kernel is used for n input rows of a
 * layer of this shape; measured crossover against OpenBLAS SGEMM (see sparse.c). */
double wren_nn_csr_max_density(int n, int rows, int cols);

/* For wren_nn_linear_fwd: if l is masked, has a fresh CSR and is sparse enough for n rows, compute
 * y = x W^T + b with the CSR kernel and return 1; else return 0 (caller runs the dense path).
 * Policy override for tests and benches: wren_nn_sparse_set_policy(0) never uses CSR,
 * (1) always when a CSR exists, (-1) by the measured crossover; the default is -1, or 0 / 1
 * if the environment has WREN_NNLM_SPARSE=0 / =1 (for benches: the dense masked path of the
 * same model file in the same run). */
int wren_nn_sparse_linear_fwd(const struct nnlm_linear *l, const float *x, int n, float *y);
void wren_nn_sparse_set_policy(int policy);

/* The CSR copies are an inference cache. wren_nnlm_load builds them (not for checkpoints);
 * anything that may change the weights marks them stale for good: wren_nn_apply_masks on the
 * parameters (every optimiser step), wren_nnlm_tensor / wren_nnlm_tensor_mask (write access)
 * and the backward pass of the layer. So a model being trained or pruned in memory runs the
 * dense masked path (only the very first forward pass of `nnlm-train --init PRUNED` may still
 * use CSR, on weights equal to the file's), and a model loaded from a file runs CSR.
 * Build (or rebuild) the CSR cache of every masked layer of m from its weights and masks. */
struct wren_nnlm;
void wren_nn_sparse_prepare(struct wren_nnlm *m);
/* The weights of m may change (write access, training): CSR caches are no longer used until
 * wren_nn_sparse_prepare. */
void wren_nn_sparse_invalidate(const struct wren_nnlm *m);
void wren_nn_sparse_release(struct wren_nnlm *m);   /* free the caches (wren_nnlm_free) */

/* ---- file form. base is the layer name without suffix ("blocks.0.attn.q"). */
/* 1 if the file stores layer base as CSR tensors. */
int wren_nn_csr_in_file(const struct st_file *f, const char *base);
/* Decode base's CSR tensors into w [out,in] (zeros where not stored) and mask (1 = stored).
 * Checks dtypes, shapes, rowptr monotone from 0 to nnz, columns in range and increasing;
 * -1 with wren_error("PATH: tensor 'NAME': what") otherwise. */
int wren_nn_csr_read(const struct st_file *f, const char *path, const char *base, int out, int in,
                  float *w, unsigned char *mask);
/* Add base's CSR tensors to the writer. The arrays are allocated into *keep (a growing list of
 * pointers, *nkeep entries) because the writer references them until it writes; the caller
 * frees them with wren_nn_csr_keep_free after wren_st_writer_write. Returns 0, or -1
 * (in > NNLM_CSR_MAX_IN: the caller writes weight + mask instead). */
int wren_nn_csr_write(struct st_writer *wr, const char *base, const float *w,
                   const unsigned char *mask, int out, int in, void ***keep, int *nkeep);
void wren_nn_csr_keep_free(void **keep, int nkeep);

#endif
