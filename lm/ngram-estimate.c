/* ngram-estimate.c — the estimation driver (see ngram-estimate.h): per-order counts used by the
 * method (KN continuation counts or raw counts), cut-offs with prefix closure, probabilities
 * bottom-up context by context, and the resulting ARPA model. */
#include "lm/ngram-estimate.h"
#include "lm/ngram-sort.h"

#include "utils/error.h"
#include "utils/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Per-order working arrays, aligned with c->rec[n] (for n = 1: indexed by word id). */
struct level {
    size_t n;
    double *cnt;     /* count used by the method */
    double *prob;    /* interpolated P(w | h), linear */
    double *bow;     /* back-off weight when this n-gram is a context, linear (1 = none) */
    unsigned char *keep;
};

struct est {
    const struct wren_ngram_counts *c;
    struct wren_ngram_est_cfg *cfg;
    int order;
    struct level lev[WREN_NGRAM_MAX_ORDER + 1];
};

static const uint32_t *rec_words(const struct wren_ngram_counts *c, int n, size_t i)
{
    return c->rec[n] + i * (size_t)(n + 1);
}

/* Index of the n-gram w[0..n-1] in level n (word id for n = 1), or -1. */
static long find(const struct est *e, int n, const uint32_t *w)
{
    if (n == 1) return (long)w[0];
    return wren_ngram_counts_find(e->c, n, w);
}

static void alloc_levels(struct est *e)
{
    for (int n = 1; n <= e->order; n++) {
        struct level *L = &e->lev[n];
        L->n = n == 1 ? (size_t)e->c->nwords : e->c->n[n];
        L->cnt = wren_xcalloc(L->n + 1, sizeof *L->cnt);
        L->prob = wren_xcalloc(L->n + 1, sizeof *L->prob);
        L->bow = wren_xmalloc((L->n + 1) * sizeof *L->bow);
        for (size_t i = 0; i < L->n; i++) L->bow[i] = 1.0;
        L->keep = wren_xcalloc(L->n + 1, 1);
    }
}

static void free_levels(struct est *e)
{
    for (int n = 1; n <= e->order; n++) {
        struct level *L = &e->lev[n];
        free(L->cnt); free(L->prob); free(L->bow); free(L->keep);
    }
}

/* Raw counts, or for Kneser-Ney below the top order the number of distinct words seen before
 * the n-gram (n-grams starting with <s> have no left context and keep their raw count). */
static void used_counts(struct est *e)
{
    const struct wren_ngram_counts *c = e->c;
    int kn = e->cfg->method == WREN_NGRAM_KN;
    for (int n = 1; n <= e->order; n++) {
        struct level *L = &e->lev[n];
        int cont = kn && n < e->order;
        for (size_t i = 0; i < c->n[n]; i++) {
            const uint32_t *r = rec_words(c, n, i);
            if (!cont || r[0] == WREN_NGRAM_BOS) L->cnt[n == 1 ? r[0] : i] = r[n];
        }
        if (!cont) continue;
        for (size_t i = 0; i < c->n[n + 1]; i++) {
            const uint32_t *r = rec_words(c, n + 1, i);
            long j = find(e, n, r + 1);
            if (j >= 0 && r[1] != WREN_NGRAM_BOS) L->cnt[j] += 1.0;
        }
    }
}

/* Cut-offs, top order down; a kept n-gram keeps its prefix (ARPA needs contexts to exist). */
static void apply_cutoffs(struct est *e)
{
    const struct wren_ngram_counts *c = e->c;
    for (size_t w = 0; w < e->lev[1].n; w++) e->lev[1].keep[w] = 1;
    for (int n = e->order; n >= 2; n--) {
        struct level *L = &e->lev[n];
        double min = e->cfg->gtmin[n] > 1 ? e->cfg->gtmin[n] : 1;
        for (size_t i = 0; i < L->n; i++) {
            if (L->cnt[i] >= min) L->keep[i] = 1;
            if (L->keep[i] && n > 2) e->lev[n - 1].keep[find(e, n - 1, rec_words(c, n, i))] = 1;
        }
    }
}

int wren_ngram_kn_discounts(const double nk[5], double d[4])
{
    double y = (nk[1] + 2 * nk[2] > 0) ? nk[1] / (nk[1] + 2 * nk[2]) : 0.5;
    if (y <= 0) y = 0.5;
    int fallback = 0;
    d[0] = 0;
    for (int k = 1; k <= 3; k++) {
        double v = (nk[k] > 0 && nk[k + 1] > 0) ? k - (k + 1) * y * nk[k + 1] / nk[k] : -1;
        if (!(v > 0 && v <= k)) { v = y < k ? y : k; fallback = 1; }
        d[k] = v;
    }
    return fallback;
}

static void kn_discounts(struct est *e, int n)
{
    struct level *L = &e->lev[n];
    double nk[5] = { 0 };
    for (size_t i = 0; i < L->n; i++) {
        if (n == 1 && i == WREN_NGRAM_BOS) continue;
        double v = L->cnt[i];
        if (v >= 1 && v <= 4) nk[(int)v] += 1;
    }
    if (wren_ngram_kn_discounts(nk, e->cfg->discount[n]))
        wren_vlog("ngram-count: order %d: count-of-counts %g %g %g %g do not give three "
                  "discounts; using absolute discounting where they fail", n, nk[1], nk[2],
                  nk[3], nk[4]);
    double *d = e->cfg->discount[n];
    wren_vlog("ngram-count: order %d KN discounts D1=%.4f D2=%.4f D3+=%.4f", n, d[1], d[2], d[3]);
}

static double kn_discount(const struct est *e, int n, double cnt)
{
    const double *d = e->cfg->discount[n];
    return cnt <= 0 ? 0 : cnt < 2 ? d[1] : cnt < 3 ? d[2] : d[3];
}

/* An n-gram's own share of its context's mass (before interpolation): den = the context's
 * total count, extra = distinct followers (Witten-Bell) or k |V| (add-k). */
static double direct(const struct est *e, int n, double cnt, double den, double extra)
{
    switch (e->cfg->method) {
    case WREN_NGRAM_KN: return (cnt - kn_discount(e, n, cnt)) / den;
    case WREN_NGRAM_WB: return cnt / (den + extra);          /* extra = distinct followers */
    default:            return (cnt + e->cfg->addk) / (den + extra);   /* extra = k |V| */
    }
}

static int unigrams(struct est *e)
{
    struct level *L = &e->lev[1];
    double total = 0, types = 0, dsum = 0;
    double V = (double)L->n - 1;   /* <s> is never predicted */
    for (size_t w = 0; w < L->n; w++) {
        if (w == WREN_NGRAM_BOS) continue;
        total += L->cnt[w];
        types += L->cnt[w] > 0;
        if (e->cfg->method == WREN_NGRAM_KN) dsum += kn_discount(e, 1, L->cnt[w]);
    }
    if (total <= 0) return wren_error("no words in the training text");
    double extra = e->cfg->method == WREN_NGRAM_WB ? types : e->cfg->addk * V;
    double gamma = e->cfg->method == WREN_NGRAM_KN ? dsum / total
                 : e->cfg->method == WREN_NGRAM_WB ? types / (total + types) : 0;
    for (size_t w = 0; w < L->n; w++)
        L->prob[w] = w == WREN_NGRAM_BOS ? 0 : direct(e, 1, L->cnt[w], total, extra) + gamma / V;
    return 0;
}

/* P(w[n-1] | w[0..n-2]) from the levels already estimated, backing off where not kept. */
static double lower_prob(const struct est *e, int n, const uint32_t *w)
{
    if (n == 1) return e->lev[1].prob[w[0]];
    long i = find(e, n, w);
    if (i >= 0 && e->lev[n].keep[i]) return e->lev[n].prob[i];
    long h = find(e, n - 1, w);
    double bow = (h >= 0 && e->lev[n - 1].keep[h]) ? e->lev[n - 1].bow[h] : 1.0;
    return bow * lower_prob(e, n - 1, w + 1);
}

/* One context's group: records [lo, hi) of order n sharing their first n-1 words. */
static void group(struct est *e, int n, size_t lo, size_t hi)
{
    const struct wren_ngram_counts *c = e->c;
    struct level *L = &e->lev[n];
    double den = 0, types = 0;
    for (size_t i = lo; i < hi; i++) { den += L->cnt[i]; types += L->cnt[i] > 0; }
    if (den <= 0) return;
    double V = (double)e->lev[1].n - 1;
    double extra = e->cfg->method == WREN_NGRAM_WB ? types : e->cfg->addk * V;
    double kept_alpha = 0, kept_low = 0;
    for (size_t i = lo; i < hi; i++) {
        if (!L->keep[i]) continue;
        const uint32_t *r = rec_words(c, n, i);
        L->prob[i] = direct(e, n, L->cnt[i], den, extra);
        kept_alpha += L->prob[i];
        double low = lower_prob(e, n - 1, r + 1);
        kept_low += low;
        L->cnt[i] = low;   /* cnt no longer needed: keep the lower-order prob for pass two */
    }
    if (kept_alpha == 0) return;
    long h = find(e, n - 1, rec_words(c, n, lo));
    double gamma;
    if (e->cfg->method == WREN_NGRAM_ADDK) {
        gamma = kept_low < 1 ? (1 - kept_alpha) / (1 - kept_low) : 0;
        if (gamma < 0) gamma = 0;
    } else {
        gamma = 1 - kept_alpha;
        for (size_t i = lo; i < hi; i++)
            if (L->keep[i]) L->prob[i] += gamma * L->cnt[i];
    }
    e->lev[n - 1].bow[h] = gamma;
}

static void higher_order(struct est *e, int n)
{
    const struct wren_ngram_counts *c = e->c;
    size_t N = c->n[n], lo = 0;
    while (lo < N) {
        size_t hi = lo + 1;
        while (hi < N && wren_ngram_keycmp(rec_words(c, n, lo), rec_words(c, n, hi), n - 1) == 0)
            hi++;
        group(e, n, lo, hi);
        lo = hi;
    }
}

static float log10f_safe(double p) { return p > 0 ? (float)log10(p) : -99.0f; }

static struct wren_arpa *emit(const struct est *e)
{
    const struct wren_ngram_counts *c = e->c;
    struct wren_arpa *a = wren_arpa_new(e->order, c->nwords, c->words);
    for (int n = 1; n <= e->order; n++) {
        const struct level *L = &e->lev[n];
        for (size_t i = 0; i < L->n; i++) {
            if (!L->keep[i]) continue;
            int ids[WREN_NGRAM_MAX_ORDER];
            uint32_t w = (uint32_t)i;
            const uint32_t *r = n == 1 ? &w : rec_words(c, n, i);
            for (int k = 0; k < n; k++) ids[k] = (int)r[k];
            float bow = n < e->order ? log10f_safe(L->bow[i]) : 0.0f;
            if (wren_arpa_add(a, n, ids, log10f_safe(L->prob[i]), bow) < 0) {   /* not finite */
                wren_arpa_free(a);
                return NULL;
            }
        }
    }
    return a;
}

int wren_ngram_estimate(const struct wren_ngram_counts *c, struct wren_ngram_est_cfg *cfg,
                        struct wren_arpa **out)
{
    *out = NULL;
    struct est e = { .c = c, .cfg = cfg, .order = c->order };
    alloc_levels(&e);
    used_counts(&e);
    apply_cutoffs(&e);
    if (cfg->method == WREN_NGRAM_KN)
        for (int n = 1; n <= e.order; n++) kn_discounts(&e, n);
    int rc = unigrams(&e);
    for (int n = 2; rc == 0 && n <= e.order; n++) higher_order(&e, n);
    struct wren_arpa *a = rc == 0 ? emit(&e) : NULL;
    if (!a) rc = -1;
    free_levels(&e);
    if (rc == 0 && wren_arpa_finish(a, "ngram-count") < 0) rc = -1;
    if (rc < 0) { wren_arpa_free(a); return -1; }
    *out = a;
    return 0;
}
