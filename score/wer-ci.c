/* wer-ci.c — bootstrap confidence intervals of a WER and of a WER difference (see wer.h):
 * utterances are resampled with replacement (Bisani & Ney 2004) and the interval is read off
 * the sorted resampled WERs (percentile method). Not for: significance tests of a difference
 * (wren_wer_compare gives the p-values). */
#include "score/wer.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The [(1-level)/2, (1+level)/2] percentiles of v[0..n) (sorted here), nearest rank. */
static void percentile_interval(double *v, int n, double level, double *lo, double *hi)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double tail = (1.0 - level) / 2.0;
    int a = (int)floor(tail * (n - 1) + 0.5), b = (int)floor((1.0 - tail) * (n - 1) + 0.5);
    *lo = v[a];
    *hi = v[b];
}

static int check_args(int resamples, double level)
{
    if (resamples < 2) return wren_error("bootstrap interval: need at least 2 resamples (got %d)", resamples);
    if (!(level > 0 && level < 1)) return wren_error("bootstrap interval: level must be in (0, 1) (got %g)", level);
    return 0;
}

/* The interval of 100 * (sum err_b - sum err_a) / sum words over utterance resamples (err_a NULL:
 * of the WER of err_b alone). */
static int interval(const long *err_a, const long *err_b, const long *words, size_t n, int resamples,
                    unsigned seed, double level, double *lo, double *hi)
{
    if (check_args(resamples, level)) return -1;
    if (n == 0) return wren_error("bootstrap interval: no scored utterances");
    double *v = wren_xmalloc((size_t)resamples * sizeof *v);
    unsigned long long st = wren_wer_rng_seed(seed);
    int kept = 0;
    for (int k = 0; k < resamples; k++) {
        long da = 0, db = 0, w = 0;
        for (size_t i = 0; i < n; i++) {
            size_t j = (size_t)(wren_wer_rng_next(&st) % n);
            if (err_a) da += err_a[j];
            db += err_b[j];
            w += words[j];
        }
        if (w > 0) v[kept++] = 100.0 * (double)(db - da) / (double)w;   /* a resample of word-less utterances has no WER */
    }
    int rc = 0;
    if (kept < 2) rc = wren_error("bootstrap interval: the utterances hold too few reference words");
    else percentile_interval(v, kept, level, lo, hi);
    free(v);
    return rc;
}

int wren_wer_ci(const struct wren_wer_result *r, int resamples, unsigned seed, double level,
                double *lo, double *hi)
{
    size_t n = 0;
    struct wren_wer_counts c;
    while (wren_wer_utt(r, n, &c)) n++;
    long *err = wren_xmalloc((n + 1) * sizeof *err), *words = wren_xmalloc((n + 1) * sizeof *words);
    for (size_t i = 0; i < n; i++) {
        wren_wer_utt(r, i, &c);
        err[i] = wren_wer_errors(&c);
        words[i] = c.words;
    }
    int rc = interval(NULL, err, words, n, resamples, seed, level, lo, hi);
    free(err); free(words);
    return rc;
}

int wren_wer_diff_ci(const long *err_a, const long *err_b, const long *words, size_t n, int resamples,
                     unsigned seed, double level, double *lo, double *hi)
{
    return interval(err_a, err_b, words, n, resamples, seed, level, lo, hi);
}
