/* nnlm-bench.c — speed of the Transformer LM: training tokens/s and achieved GFLOP/s as a
 * fraction of OpenBLAS SGEMM peak measured in the same run, and inference tokens/s with the
 * KV cache (one word at a time) and batched (whole sentences), normalised and unnormalised
 * (wren_nnlm_set_unnormalized: raw logits, no softmax) with the CPU-time ratio of the two.
 * Both wall-clock and process CPU time are reported, so that figures stay meaningful on a
 * shared machine. --steps 0 skips the training figures.
 * usage: nnlm-bench [--vocab V --d-model D --layers L --heads H --ffn F --context C --batch B
 *                    --steps K --threads T]. Not for: correctness (tests/test_nnlm.c). */
#include "utils/matrix.h"
#include "nnlm/nnlm-internal.h"
#include "utils/wren-util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static struct wren_nnlm_vocab *synthetic_vocab(int V, const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/vocab", dir);
    FILE *f = fopen(path, "w");
    for (int i = 3; i < V; i++) fprintf(f, "w%d\n", i);
    fclose(f);
    struct wren_nnlm_vocab *v = wren_nnlm_vocab_read(path);
    remove(path);
    return v;
}

/* Time the three scoring paths on the same sentences (tokens per second, wall and CPU):
 * word by word one history at a time, all histories in lockstep (one score_many call per
 * position), and whole sentences packed into GEMM batches. cpu[3] receives the CPU seconds. */
static void infer(struct wren_nnlm *m, int sents, int slen, int **w, int *len, const char *tag,
                  double cpu[3])
{
    long ntok = (long)sents * (slen + 1);
    double w0 = wren_now(), c0 = cpu_now();
    for (int i = 0; i < sents; i++) {
        struct wren_nnlm_state *st = wren_nnlm_state_begin(m);
        for (int j = 0; j <= slen; j++) {
            float lp;
            struct wren_nnlm_state *nx = NULL;
            wren_nnlm_state_score(m, st, j < slen ? w[i][j] : WREN_NNLM_EOS, &lp, j < slen ? &nx : NULL);
            wren_nnlm_state_free(st);
            st = nx;
        }
    }
    double wt = wren_now() - w0;
    cpu[0] = cpu_now() - c0;
    printf("infer_kv_cache_single%s tokens_per_s %.0f (per cpu-second %.0f)\n", tag, ntok / wt, ntok / cpu[0]);
    w0 = wren_now();
    c0 = cpu_now();
    {
        struct wren_nnlm_state **st = malloc((size_t)sents * sizeof *st), **nx = malloc((size_t)sents * sizeof *nx);
        int *wd = malloc((size_t)sents * sizeof *wd);
        float *lps = malloc((size_t)sents * sizeof *lps);
        for (int i = 0; i < sents; i++) st[i] = wren_nnlm_state_begin(m);
        for (int j = 0; j <= slen; j++) {
            for (int i = 0; i < sents; i++) wd[i] = j < slen ? w[i][j] : WREN_NNLM_EOS;
            wren_nnlm_state_score_many(m, sents, st, wd, lps, j < slen ? nx : NULL);
            for (int i = 0; i < sents; i++) { wren_nnlm_state_free(st[i]); st[i] = j < slen ? nx[i] : NULL; }
        }
        free(st); free(nx); free(wd); free(lps);
    }
    wt = wren_now() - w0;
    cpu[1] = cpu_now() - c0;
    printf("infer_kv_cache_batched%s (%d histories per call) tokens_per_s %.0f (per cpu-second %.0f)\n",
           tag, sents, ntok / wt, ntok / cpu[1]);
    w0 = wren_now();
    c0 = cpu_now();
    double *sl = malloc((size_t)sents * sizeof *sl);
    wren_nnlm_score_sentences(m, sents, (const int *const *)w, len, NULL, sl);
    wt = wren_now() - w0;
    cpu[2] = cpu_now() - c0;
    printf("infer_batched_sentences%s tokens_per_s %.0f (per cpu-second %.0f)\n", tag, ntok / wt, ntok / cpu[2]);
    free(sl);
}

int main(int argc, char **argv)
{
    wren_threads_env(argv);
    int V = 20000, D = 320, L = 6, H = 5, F = 1280, C = 64, B = 32, steps = 4, threads = 1;
    int sents = 64, slen = 20;
    struct wren_opt t[] = {
        { "vocab", WREN_OPT_INT, &V, "vocabulary size" }, { "d-model", WREN_OPT_INT, &D, "width" },
        { "layers", WREN_OPT_INT, &L, "blocks" }, { "heads", WREN_OPT_INT, &H, "heads" },
        { "ffn", WREN_OPT_INT, &F, "FFN width" }, { "context", WREN_OPT_INT, &C, "context" },
        { "batch", WREN_OPT_INT, &B, "sequences per step" }, { "steps", WREN_OPT_INT, &steps, "timed training steps (0: none)" },
        { "threads", WREN_OPT_INT, &threads, "OpenBLAS threads" },
        { "sentences", WREN_OPT_INT, &sents, "sentences for the inference figures" },
        { "sentence-length", WREN_OPT_INT, &slen, "words per sentence" },
        WREN_OPT_TABLE_END,
    };
    char **pos;
    int npos;
    if (wren_opts_parse(t, argc, argv, &pos, &npos)) { wren_opts_usage(stderr, "nnlm-bench [options]", "", t); return 1; }
    free(pos);
    wren_blas_set_threads(threads);
    /* the reference: SGEMM peak on this machine, now */
    double w0 = wren_now(), c0 = cpu_now();
    double peak = wren_sgemm_gflops(1024, 2.0);
    double peak_cpu = peak * (wren_now() - w0) / (cpu_now() - c0 > 0 ? cpu_now() - c0 : 1);
    printf("sgemm_peak_gflops %.1f (per cpu-second %.1f) threads %d\n", peak, peak_cpu, threads);

    char dir[] = "/tmp/nnlm-bench-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    struct wren_nnlm_vocab *v = synthetic_vocab(V, dir);
    rmdir(dir);
    struct wren_nnlm_arch a = { L, D, H, F, C, "learned", 1 };
    struct wren_nnlm *m = wren_nnlm_create(&a, v, 1);
    if (!m) { fprintf(stderr, "nnlm-bench: %s\n", wren_error_msg()); return 1; }
    printf("model vocab %d d_model %d layers %d heads %d ffn %d context %d nonembedding_params %zu\n",
           V, D, L, H, F, C, wren_nnlm_nonembedding_params(m));

    /* training: random tokens, real forward + backward + AdamW-sized update cost excluded */
    size_t N = (size_t)B * C;
    int *tok = malloc(N * sizeof *tok), *tgt = malloc(N * sizeof *tgt), *ps = malloc(N * sizeof *ps), *seg = malloc(N * sizeof *seg);
    uint64_t s = 7;
    for (size_t i = 0; i < N; i++) {
        s = wren_nn_hash64(s);
        tok[i] = (i % C == 0) ? WREN_NNLM_BOS : 3 + (int)(s % (uint64_t)(V - 3));
        ps[i] = (int)(i % C);
        seg[i] = 0;
    }
    for (size_t i = 0; i < N; i++) tgt[i] = (i % C == (size_t)C - 1) ? WREN_NNLM_EOS : tok[i + 1];
    struct nnlm_batch b = { .B = B, .T = C, .tok = tok, .tgt = tgt, .pos = ps, .seg = seg };
    struct nnlm_fb *fb = wren_nn_fb_create(m, B, C, 1);
    float *grad = wren_fbuf_alloc(m->nparams);
    long nt;
    if (steps > 0) wren_nn_forward_backward(m, fb, &b, grad, 0.1f, 1, 1, &nt, NULL);   /* warm-up */
    w0 = wren_now();
    c0 = cpu_now();
    for (int k = 0; k < steps; k++) wren_nn_forward_backward(m, fb, &b, grad, 0.1f, 1, 2 + k, &nt, NULL);
    double wt = wren_now() - w0, ct = cpu_now() - c0;
    double fl = wren_nn_train_flops(m, B, C) * steps;
    if (steps > 0) printf("train tokens_per_s %.0f (per cpu-second %.0f) gflops %.1f (per cpu-second %.1f) "
           "fraction_of_sgemm_peak %.2f (cpu-time based %.2f)\n",
           N * steps / wt, N * steps / ct, fl / wt / 1e9, fl / ct / 1e9, fl / wt / 1e9 / peak,
           fl / ct / 1e9 / peak_cpu);
    wren_nn_fb_free(fb);
    wren_fbuf_free(grad);

    /* inference, normalised (log P) and unnormalised (raw logits, no softmax) */
    int **w = malloc((size_t)sents * sizeof *w), *len = malloc((size_t)sents * sizeof *len);
    for (int i = 0; i < sents; i++) {
        len[i] = slen;
        w[i] = malloc((size_t)slen * sizeof **w);
        for (int j = 0; j < slen; j++) { s = wren_nn_hash64(s); w[i][j] = 3 + (int)(s % (uint64_t)(V - 3)); }
    }
    double cpu[2][3];
    for (int un = 0; un < 2; un++) {
        wren_nnlm_set_unnormalized(m, un);
        infer(m, sents, slen, w, len, un ? "_unnormalized" : "", cpu[un]);
    }
    wren_nnlm_set_unnormalized(m, 0);
    printf("unnormalized_speedup_cpu kv_cache_single %.2f kv_cache_batched %.2f batched_sentences %.2f\n",
           cpu[0][0] / cpu[1][0], cpu[0][1] / cpu[1][1], cpu[0][2] / cpu[1][2]);
    free(tok); free(tgt); free(ps); free(seg);
    for (int i = 0; i < sents; i++) free(w[i]);
    free(w); free(len);
    wren_nnlm_free(m);
    wren_nnlm_vocab_free(v);
    return 0;
}
