/* matrix.c — float buffers and OpenBLAS GEMM wrappers (see matrix.h). Not for: model code. */
#include "utils/matrix.h"

#include "utils/error.h"
#include "utils/fault.h"
#include "utils/log.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

float *wren_fbuf_alloc(size_t n)
{
    size_t bytes = (n ? n : 1) * sizeof(float);
    bytes = (bytes + 63) & ~(size_t)63;
    void *p = NULL;
    if (wren_fault_alloc_fails() || posix_memalign(&p, 64, bytes) != 0 || !p)
        wren_oom(bytes);
    memset(p, 0, bytes);
    return p;
}

void wren_fbuf_free(float *p)
{
    free(p);
}

struct wren_mat *wren_mat_create(int rows, int cols)
{
    struct wren_mat *m = wren_xmalloc(sizeof *m);
    m->rows = rows;
    m->cols = cols;
    m->data = wren_fbuf_alloc((size_t)rows * (size_t)cols);
    return m;
}

void wren_mat_free(struct wren_mat *m)
{
    if (!m) return;
    wren_fbuf_free(m->data);
    free(m);
}

void wren_gemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {   /* BLAS leaves C untouched when k == 0; honour beta ourselves */
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[(size_t)i * ldc + j] *= beta;
        return;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void wren_gemv(int ta, int m, int n, float alpha, const float *a, int lda, const float *x,
               float beta, float *y)
{
    if (m <= 0 || n <= 0) return;
    cblas_sgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, m, n, alpha, a, lda, x, 1, beta,
                y, 1);
}

void wren_dgemm(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
                const double *b, int ldb, double beta, double *c, int ldc)
{
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[(size_t)i * ldc + j] *= beta;
        return;
    }
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void wren_dsyrk_upper(int n, int k, const double *a, int lda, double *c, int ldc)
{
    if (n <= 0 || k <= 0) return;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, k, 1.0, a, lda, 1.0, c, ldc);
}

int wren_dchol(int n, const double *M, double *L)
{
    memset(L, 0, (size_t)n * (size_t)n * sizeof *L);
    double maxdiag = 0;
    for (int i = 0; i < n; i++) if (M[i * n + i] > maxdiag) maxdiag = M[i * n + i];
    for (int j = 0; j < n; j++) {
        double s = M[j * n + j];
        for (int k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
        if (!(s > 1e-10 * maxdiag)) return -1;
        L[j * n + j] = sqrt(s);
        for (int i = j + 1; i < n; i++) {
            double t = M[i * n + j];
            for (int k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
            L[i * n + j] = t / L[j * n + j];
        }
    }
    return 0;
}

void wren_dchol_solve(int n, const double *L, const double *b, double *x)
{
    for (int i = 0; i < n; i++) {   /* L y = b */
        double t = b[i];
        for (int k = 0; k < i; k++) t -= L[i * n + k] * x[k];
        x[i] = t / L[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {   /* L^T x = y */
        double t = x[i];
        for (int k = i + 1; k < n; k++) t -= L[k * n + i] * x[k];
        x[i] = t / L[i * n + i];
    }
}

int wren_mat_gemm(struct wren_mat *c, const struct wren_mat *a, int ta, const struct wren_mat *b,
                  int tb, float alpha, float beta)
{
    int m = ta ? a->cols : a->rows, k = ta ? a->rows : a->cols;
    int kb = tb ? b->cols : b->rows, n = tb ? b->rows : b->cols;
    if (k != kb || c->rows != m || c->cols != n)
        return wren_error("matrix product: shapes %dx%d%s * %dx%d%s do not give %dx%d", a->rows,
                          a->cols, ta ? "^T" : "", b->rows, b->cols, tb ? "^T" : "", c->rows,
                          c->cols);
    wren_gemm(ta, tb, m, n, k, alpha, a->data, a->cols, b->data, b->cols, beta, c->data, c->cols);
    return 0;
}

void wren_blas_set_threads(int n)
{
    if (n > 0) openblas_set_num_threads(n);
}

int wren_blas_threads(void)
{
    return openblas_get_num_threads();
}

/* Idle OpenBLAS threads spin for about 2^28 cycles before they sleep, and idle OpenMP threads
 * (libgomp's default policy) spin too. The training alternates GEMMs (OpenBLAS's threads) with
 * elementwise work (OpenMP's): with as many threads as cores, each pool's spinning threads take
 * the cores the other needs. OpenMP's therefore sleep at once, OpenBLAS's after 2^20 cycles
 * (~0.4 ms): long enough to catch the next of a run of small GEMMs (KV-cache scoring), short
 * enough to free the core during the elementwise work. Measured on 2 cores, bench/nnlm.sh with
 * 2 threads (training / KV-cache single / batched sentences, tokens/s): OpenBLAS's default
 * 2,321 / 922 / 6,746; 2^4 cycles 2,549 / 606 / 6,125; 2^20 cycles 2,545 / 923 / 6,771; both
 * pools spinning 1,272 / 61 / 1,315.
 * Both libraries read these variables when they are loaded, before main(), and neither has an
 * API to change them later (openblas_set_num_threads and omp_set_num_threads set counts, not
 * wait policies), so wren sets them and re-executes itself once. */

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The program the kernel runs is wren itself, not a tool running wren: under valgrind (or
 * an emulator) the kernel runs the tool, whose name is the process's comm, while
 * /proc/self/exe and argv[0] are made to name wren; re-executing would then start wren
 * outside the tool (or start the tool without its arguments). comm is the first 15 bytes of
 * the name the kernel executed. Fills EXE with wren's real path. */
static int kernel_runs_self(char **argv, char *exe, size_t cap)
{
    char comm[17] = { 0 };
    FILE *f = fopen("/proc/self/comm", "r");
    if (!f) return 0;
    int ok = fgets(comm, sizeof comm, f) != NULL;
    fclose(f);
    ssize_t n = readlink("/proc/self/exe", exe, cap - 1);
    if (!ok || n <= 0) return 0;
    exe[n] = '\0';
    comm[strcspn(comm, "\n")] = '\0';
    size_t cl = strlen(comm);
    if (cl == 0) return 0;
    return !strncmp(base_name(exe), comm, cl) || (argv[0] && !strncmp(base_name(argv[0]), comm, cl));
}

void wren_threads_env(char **argv)
{
    int changed = 0;
    if (!getenv("OMP_WAIT_POLICY")) { setenv("OMP_WAIT_POLICY", "passive", 1); changed = 1; }
    if (!getenv("OPENBLAS_THREAD_TIMEOUT")) { setenv("OPENBLAS_THREAD_TIMEOUT", "20", 1); changed = 1; }
    char exe[4096];
    if (changed && kernel_runs_self(argv, exe, sizeof exe))
        execv(exe, argv);   /* on failure, or under a tool: carry on with the defaults */
}

double wren_sgemm_gflops(int n, double seconds)
{
    struct wren_mat *a = wren_mat_create(n, n), *b = wren_mat_create(n, n), *c = wren_mat_create(n, n);
    for (size_t i = 0; i < (size_t)n * n; i++) {
        a->data[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
        b->data[i] = (float)((i * 40503u) % 1000) / 1000.0f - 0.5f;
    }
    wren_mat_gemm(c, a, 0, b, 0, 1.0f, 0.0f);   /* warm-up */
    double t0 = wren_now(), el = 0;
    long reps = 0;
    do {
        wren_mat_gemm(c, a, 0, b, 0, 1.0f, 0.0f);
        reps++;
        el = wren_now() - t0;
    } while (el < seconds);
    wren_mat_free(a);
    wren_mat_free(b);
    wren_mat_free(c);
    return 2.0 * n * (double)n * n * reps / el / 1e9;
}
