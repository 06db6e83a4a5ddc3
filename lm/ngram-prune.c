/* ngram-prune.c — Stolcke relative-entropy pruning and back-off renormalisation
 * (see ngram-prune.h). */
#include "lm/ngram-prune.h"
#include "lm/arpa-impl.h"
#include "lm/ngram-sort.h"

#include "utils/error.h"
#include "utils/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double p10(float lp) { return lp <= -99.0f ? 0.0 : pow(10.0, lp); }

/* log10 P(h) of a context, as a sentence prefix (<s> itself has probability one). */
static double context_logprob(const struct wren_arpa *a, const int *h, int n)
{
    double lp = 0;
    for (int i = 0; i < n; i++) {
        if (i == 0 && h[0] == wren_arpa_word_id(a, "<s>")) continue;
        lp += wren_arpa_logprob(a, h, i, h[i]);
    }
    return lp;
}

/* Sums over the children [lo, hi) of context h at order n: P(w|h) and P(w|h'). */
static void child_sums(const struct wren_arpa *a, int n, size_t lo, size_t hi, double *num,
                       double *den)
{
    const struct wren_arpa_level *L = &a->lev[n];
    double sp = 0, sq = 0;
    for (size_t i = lo; i < hi; i++) {
        const int *w = L->w + i * n;
        sp += p10(L->p[i]);
        sq += p10(wren_arpa_logprob(a, w + 1, n - 2, w[n - 1]));
    }
    *num = 1 - sp;
    *den = 1 - sq;
}

static size_t group_end(const struct wren_arpa_level *L, int n, size_t lo)
{
    size_t hi = lo + 1;
    while (hi < L->n && !memcmp(L->w + lo * n, L->w + hi * n, (n - 1) * sizeof(int32_t))) hi++;
    return hi;
}

/* Cost (relative perplexity increase) of removing each n-gram of order n; delta[i]. */
static void order_costs(const struct wren_arpa *a, int n, float *delta)
{
    const struct wren_arpa_level *L = &a->lev[n];
    for (size_t lo = 0; lo < L->n;) {
        size_t hi = group_end(L, n, lo);
        const int *h = L->w + lo * n;
        long hi_idx = wren_arpa_find(a, h, n - 1);
        double bow = hi_idx >= 0 ? a->lev[n - 1].b[hi_idx] : 0;   /* log10 */
        double num, den;
        child_sums(a, n, lo, hi, &num, &den);
        double ph = pow(10.0, context_logprob(a, h, n - 1));
        for (size_t i = lo; i < hi; i++) {
            const int *w = L->w + i * n;
            double p = p10(L->p[i]);
            double q = p10(wren_arpa_logprob(a, w + 1, n - 2, w[n - 1]));
            double d = -1;
            if (p > 0 && q > 0 && den + q > 0 && num + p > 0) {
                double nbow = log10((num + p) / (den + q));
                double dh = -ph * (p * (log10(q) + nbow - log10(p)) + num * (nbow - bow));
                d = pow(10.0, dh) - 1;
            }
            delta[i] = (float)d;   /* < 0: cannot be evaluated; prune it only if asked to */
        }
        lo = hi;
    }
}

/* Mark kept n-grams for a threshold, with prefix closure; returns the total kept. */
static size_t mark(const struct wren_arpa *a, float **delta, unsigned char **keep, double thr,
                   int min_order)
{
    size_t total = a->lev[1].n;
    for (int n = 2; n <= a->order; n++) memset(keep[n], 0, a->lev[n].n);
    for (int n = a->order; n >= 2; n--) {
        const struct wren_arpa_level *L = &a->lev[n];
        for (size_t i = 0; i < L->n; i++) {
            if (n < min_order || delta[n][i] >= thr) keep[n][i] = 1;
            if (!keep[n][i]) continue;
            total++;
            if (n > 2) {
                long j = wren_arpa_find(a, L->w + i * n, n - 1);
                if (j >= 0) keep[n - 1][j] = 1;
            }
        }
    }
    return total;
}

static int cmp_float(const void *x, const void *y)
{
    float a = *(const float *)x, b = *(const float *)y;
    return (a > b) - (a < b);
}

/* The smallest threshold among the costs that keeps at most target n-grams. */
static double target_threshold(const struct wren_arpa *a, float **delta, unsigned char **keep,
                               size_t target, int min_order)
{
    size_t m = 0;
    for (int n = min_order; n <= a->order; n++) m += a->lev[n].n;
    float *all = wren_xmalloc((m + 1) * sizeof *all);
    m = 0;
    for (int n = min_order; n <= a->order; n++)
        for (size_t i = 0; i < a->lev[n].n; i++) all[m++] = delta[n][i];
    qsort(all, m, sizeof *all, cmp_float);
    size_t lo = 0, hi = m;     /* find the smallest index k with kept(all[k]) <= target */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mark(a, delta, keep, all[mid], min_order) <= target) hi = mid;
        else lo = mid + 1;
    }
    double thr = lo < m ? all[lo] : INFINITY;
    /* ties: a threshold strictly above every cost prunes everything prunable */
    if (lo < m && mark(a, delta, keep, thr, min_order) > target) thr = nextafterf(all[lo], INFINITY);
    free(all);
    return thr;
}

static struct wren_arpa *copy_kept(const struct wren_arpa *in, unsigned char **keep)
{
    struct wren_arpa *a = wren_arpa_new(in->order, in->nwords, in->words);
    for (int n = 1; n <= in->order; n++) {
        const struct wren_arpa_level *L = &in->lev[n];
        for (size_t i = 0; i < L->n; i++)
            if (n == 1 || keep[n][i]) wren_arpa_add(a, n, L->w + i * n, L->p[i], 0.0f);
    }
    return a;
}

void wren_ngram_recompute_bows(struct wren_arpa *a)
{
    for (int n = 1; n < a->order; n++) memset(a->lev[n].b, 0, a->lev[n].n * sizeof(float));
    for (int n = 2; n <= a->order; n++) {
        const struct wren_arpa_level *L = &a->lev[n];
        for (size_t lo = 0; lo < L->n;) {
            size_t hi = group_end(L, n, lo);
            double num, den;
            child_sums(a, n, lo, hi, &num, &den);
            long h = wren_arpa_find(a, L->w + lo * n, n - 1);
            if (h >= 0) {
                float b = 0.0f;
                if (num > 1e-12 && den > 1e-12) b = (float)log10(num / den);
                else if (num <= 1e-12) b = -99.0f;
                a->lev[n - 1].b[h] = b;
            }
            lo = hi;
        }
    }
}

int wren_ngram_prune(const struct wren_arpa *in, const struct wren_ngram_prune_cfg *cfg,
                     struct wren_arpa **out)
{
    *out = NULL;
    int min_order = cfg->min_order < 2 ? 2 : cfg->min_order;
    float *delta[WREN_ARPA_MAX_ORDER + 1] = { 0 };
    unsigned char *keep[WREN_ARPA_MAX_ORDER + 1] = { 0 };
    for (int n = 2; n <= in->order; n++) {
        delta[n] = wren_xmalloc((in->lev[n].n + 1) * sizeof **delta);
        keep[n] = wren_xcalloc(in->lev[n].n + 1, 1);
        order_costs(in, n, delta[n]);
    }
    double thr = cfg->threshold;
    if (cfg->target > 0) thr = target_threshold(in, delta, keep, cfg->target, min_order);
    size_t kept = mark(in, delta, keep, thr, min_order);
    wren_log("ngram-count: pruning with threshold %.3g keeps %zu n-grams", thr, kept);
    struct wren_arpa *a = copy_kept(in, keep);
    for (int n = 2; n <= in->order; n++) { free(delta[n]); free(keep[n]); }
    if (wren_arpa_finish(a, "ngram-prune") < 0) { wren_arpa_free(a); return -1; }
    wren_ngram_recompute_bows(a);
    *out = a;
    return 0;
}
