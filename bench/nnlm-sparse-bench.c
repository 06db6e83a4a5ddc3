/* nnlm-sparse-bench.c — where the CSR kernel of masked NNLM layers (nnlm/sparse.c) beats
 * OpenBLAS SGEMM: for each layer shape and number of input rows n, the time of y = x W^T + b
 * dense (SGEMM + bias, as wren_nn_linear_fwd) and with CSR at several densities (random masks),
 * their ratio, and the measured crossover density (interpolated where the ratio crosses 1).
 * One thread unless --threads. usage: nnlm-sparse-bench [--threads T --seconds S].
 * Not for: correctness (tests/test_nnlm_sparse.c). */
#include "utils/matrix.h"
#include "nnlm/nnlm-internal.h"
#include "nnlm/sparse.h"
#include "utils/wren-util.h"

#include <stdlib.h>
#include <string.h>

static float *rnd(size_t n, uint64_t seed)
{
    float *p = wren_fbuf_alloc(n);
    for (size_t i = 0; i < n; i++) p[i] = (float)nnlm_uniform(wren_nn_hash64(seed + i)) - 0.5f;
    return p;
}

/* Seconds per call: the fastest of the calls made in about `sec` (the minimum is the figure
 * least disturbed by other processes on a shared machine). */
struct job { int sparse; const struct nnlm_csr *c; const float *w, *x, *b; float *y; int n, out, in; };
static void run(const struct job *j)
{
    if (j->sparse) { wren_nn_csr_matmul(j->c, j->x, j->n, j->b, j->y); return; }
    wren_gemm(0, 1, j->n, j->out, j->in, 1.0f, j->x, j->in, j->w, j->in, 0.0f, j->y, j->out);
    for (int i = 0; i < j->n; i++)
        for (int r = 0; r < j->out; r++) j->y[(size_t)i * j->out + r] += j->b[r];
}
static double time_job(const struct job *j, double sec)
{
    run(j);
    double best = 1e30, start = wren_now(), t;
    long calls = 0;
    do {
        double t0 = wren_now();
        run(j);
        t = wren_now();
        if (t - t0 < best) best = t - t0;
        calls++;
    } while (t - start < sec || calls < 5);
    return best;
}

int main(int argc, char **argv)
{
    wren_threads_env(argv);
    int threads = 1;
    double sec = 0.15;
    struct wren_opt t[] = {
        { "threads", WREN_OPT_INT, &threads, "OpenBLAS threads" },
        { "seconds", WREN_OPT_DOUBLE, &sec, "seconds per measurement (fastest call counts)" },
        WREN_OPT_TABLE_END,
    };
    char **pos;
    int npos;
    if (wren_opts_parse(t, argc, argv, &pos, &npos)) { wren_opts_usage(stderr, "nnlm-sparse-bench [options]", "", t); return 1; }
    free(pos);
    wren_blas_set_threads(threads);
    int shapes[][2] = { { 256, 256 }, { 1280, 256 }, { 256, 1280 } };   /* out, in */
    int ns[] = { 1, 8, 16, 64, 128, 256, 512, 1024 };
    double dens[] = { 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05 };
    int nd = (int)(sizeof dens / sizeof *dens);
    printf("# time of y = x W^T + b: dense SGEMM vs CSR (ratio = dense/CSR, > 1: CSR faster), threads %d\n",
           threads);
    printf("%-10s %4s %9s", "out x in", "n", "dense_us");
    for (int d = 0; d < nd; d++) printf("  d=%-4.2f", dens[d]);
    printf("  crossover\n");
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int out = shapes[s][0], in = shapes[s][1];
        float *w = rnd((size_t)out * in, 1), *b = rnd((size_t)out, 2), *x = rnd((size_t)1024 * in, 3);
        float *y = wren_fbuf_alloc((size_t)1024 * out);
        unsigned char *mask = wren_xmalloc((size_t)out * in);
        for (size_t in_ = 0; in_ < sizeof ns / sizeof *ns; in_++) {
            int n = ns[in_];
            struct job dj = { 0, NULL, w, x, b, y, n, out, in };
            double td = time_job(&dj, sec);
            printf("%4dx%-5d %4d %9.1f", out, in, n, td * 1e6);
            double prev_r = 0, cross = -1;
            for (int d = 0; d < nd; d++) {
                for (size_t k = 0; k < (size_t)out * in; k++)
                    mask[k] = nnlm_uniform(wren_nn_hash64(77 + k)) < dens[d];
                struct nnlm_csr *c = wren_nn_csr_build(w, mask, out, in);
                struct job sj = { 1, c, w, x, b, y, n, out, in };
                double r = td / time_job(&sj, sec);
                printf("  %6.2f", r);
                if (cross < 0 && r >= 1.0)
                    cross = d == 0 ? dens[0] : dens[d] + (dens[d - 1] - dens[d]) * (r - 1.0) / (r - prev_r);
                prev_r = r;
                wren_nn_csr_free(c);
            }
            if (cross < 0) printf("  <%.2f\n", dens[nd - 1]);
            else printf("  %s%.2f\n", cross >= dens[0] ? ">=" : "", cross);
            fflush(stdout);
        }
        wren_fbuf_free(w); wren_fbuf_free(b); wren_fbuf_free(x); wren_fbuf_free(y); free(mask);
    }
    return 0;
}
