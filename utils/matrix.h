/* matrix.h — float buffers and GEMM helpers over OpenBLAS cblas (row-major, contiguous).
 * Every matrix product in Wren's neural code goes through wren_gemm so that it runs as one
 * OpenBLAS SGEMM. Not for: model logic, sparse kernels (prune/), or elementwise maths. */
#ifndef WREN_MATRIX_H
#define WREN_MATRIX_H

#include <stddef.h>

/* A row-major float matrix owning its data (64-byte aligned). */
struct wren_mat {
    int rows, cols;
    float *data;
};

/* Zeroed, 64-byte aligned float buffer of n elements; free with wren_fbuf_free. */
float *wren_fbuf_alloc(size_t n);
void wren_fbuf_free(float *p);

struct wren_mat *wren_mat_create(int rows, int cols);
void wren_mat_free(struct wren_mat *m);

/* C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, row-major with leading dimensions;
 * ta/tb non-zero mean "transpose". */
void wren_gemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);

/* y[m] = alpha * op(A) x + beta * y; A is m x n row-major (op = transpose if ta). */
void wren_gemv(int ta, int m, int n, float alpha, const float *a, int lda, const float *x,
               float beta, float *y);

/* Double precision, for the small statistics of adaptation: C = alpha op(A) op(B) + beta C as
 * wren_gemm, and the upper triangle of C[n,n] += A^T A for A k x n (row-major, leading dims). */
void wren_dgemm(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                const double *b, int ldb, double beta, double *c, int ldc);
void wren_dsyrk_upper(int n, int k, const double *a, int lda, double *c, int ldc);
/* Cholesky factor L (lower, n x n, row-major) of a symmetric positive definite M, for the
 * adaptation's small systems (n <= 41); -1 if a pivot falls below 1e-10 times M's largest
 * diagonal entry (not positive definite, or too close to singular). Then x = M^-1 b. */
int wren_dchol(int n, const double *M, double *L);
void wren_dchol_solve(int n, const double *L, const double *b, double *x);

/* Checked product of whole matrices: C = alpha op(A) op(B) + beta C. Returns -1 (with a
 * message) if the shapes do not agree. */
int wren_mat_gemm(struct wren_mat *c, const struct wren_mat *a, int ta, const struct wren_mat *b,
                  int tb, float alpha, float beta);

/* Threads OpenBLAS may use (n <= 0: leave OpenBLAS's own default). */
void wren_blas_set_threads(int n);
int wren_blas_threads(void);
/* Called first thing in main(): if OMP_WAIT_POLICY or OPENBLAS_THREAD_TIMEOUT is unset, sets it
 * (passive; 20) and re-executes the program once, by its real path, with the same argv (both
 * libraries read them only at load time). Returns when nothing needed setting, when the exec
 * failed, or when the kernel runs another program that runs this one (valgrind, an emulator):
 * then the process keeps the libraries' defaults rather than escape the tool. */
void wren_threads_env(char **argv);

/* Measure single-precision GEMM throughput on n x n matrices for about `seconds` of wall time;
 * returns GFLOP/s (2 n^3 per product). Used by benches as the peak reference. */
double wren_sgemm_gflops(int n, double seconds);

#endif
