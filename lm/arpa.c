/* arpa.c — the in-memory back-off n-gram model behind arpa.h: storage per order (sorted word-id
 * tuples, log10 probs and back-offs, a hash index), building, lookup with back-off, and the
 * ARPA writer. The reader is in arpa-read.c. Not for: estimation or pruning (ngram-*.c). */
#include "lm/arpa.h"
#include "lm/arpa-impl.h"

#include "utils/error.h"
#include "utils/io.h"
#include "lm/ngram-sort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ARPA_LOG0 (-99.0f)

/* ---- vocabulary ---- */

static uint64_t word_hash_of(const void *ctx, uint32_t id)
{
    return wren_hash_str(((const struct wren_arpa *)ctx)->words[id]);
}

static int word_eq(const void *ctx, uint32_t id, const void *key)
{
    return !strcmp(((const struct wren_arpa *)ctx)->words[id], key);
}

int wren_arpa_word_id(const struct wren_arpa *a, const char *w)
{
    if (!a->windex.slot) return -1;
    return (int)wren_hashmap_find(&a->windex, wren_hash_str(w), w, word_eq, a);
}

int wren_arpa_add_word(struct wren_arpa *a, const char *w)
{
    wren_hashmap_reserve(&a->windex, (size_t)a->nwords + 1, word_hash_of, a);
    size_t at = wren_hashmap_probe(&a->windex, wren_hash_str(w), w, word_eq, a);
    if (wren_hashmap_id_at(&a->windex, at) >= 0) return (int)wren_hashmap_id_at(&a->windex, at);
    if (a->nwords == a->wcap) {
        a->wcap = a->wcap ? 2 * a->wcap : 1024;
        a->words = wren_xrealloc(a->words, a->wcap * sizeof *a->words);
    }
    a->words[a->nwords] = wren_xstrdup(w);
    wren_hashmap_put_at(&a->windex, at, (uint32_t)a->nwords);
    return a->nwords++;
}

/* ---- construction ---- */

struct wren_arpa *wren_arpa_new(int order, int nwords, char **words)
{
    if (order < 1 || order > WREN_ARPA_MAX_ORDER) return NULL;
    struct wren_arpa *a = wren_xcalloc(1, sizeof *a);
    a->order = order;
    wren_hashmap_init(&a->windex, (size_t)nwords);
    for (int i = 0; i < nwords; i++) wren_arpa_add_word(a, words[i]);
    a->unk = -1;
    return a;
}

int wren_arpa_add(struct wren_arpa *a, int order, const int *words, float logprob, float backoff)
{
    if (order < 1 || order > a->order) return wren_error("n-gram order %d out of range", order);
    if (!isfinite(logprob) || !isfinite(backoff))   /* an estimator bug, never a model */
        return wren_error("%d-gram with a non-finite value (log prob %g, back-off %g)", order,
                          (double)logprob, (double)backoff);
    struct wren_arpa_level *L = &a->lev[order];
    if (L->n == L->cap) {
        L->cap = L->cap ? L->cap + L->cap / 2 : 1024;
        L->w = wren_xrealloc(L->w, L->cap * order * sizeof *L->w);
        L->p = wren_xrealloc(L->p, L->cap * sizeof *L->p);
        L->b = wren_xrealloc(L->b, L->cap * sizeof *L->b);
    }
    memcpy(L->w + L->n * order, words, order * sizeof *words);
    L->p[L->n] = logprob;
    L->b[L->n] = backoff;
    L->n++;
    return 0;
}

/* Sort level n by word tuple (permuting probs and back-offs along). */
static void level_sort(struct wren_arpa_level *L, int n)
{
    int width = n + 1;
    uint32_t *rec = wren_xmalloc(L->n * width * sizeof *rec);
    for (size_t i = 0; i < L->n; i++) {
        memcpy(rec + i * width, L->w + i * n, n * sizeof *rec);
        rec[i * width + n] = (uint32_t)i;
    }
    wren_ngram_sort(rec, L->n, width, n);
    float *p = wren_xmalloc(L->n * sizeof *p), *b = wren_xmalloc(L->n * sizeof *b);
    for (size_t i = 0; i < L->n; i++) {
        uint32_t j = rec[i * width + n];
        memcpy(L->w + i * n, rec + i * width, n * sizeof *rec);
        p[i] = L->p[j];
        b[i] = L->b[j];
    }
    free(L->p); free(L->b); free(rec);
    L->p = p; L->b = b;
}

/* Lexicographic order of two word tuples of length n (as wren_ngram_sort orders them: ids are
 * compared as unsigned). */
static int tuple_cmp(const int32_t *x, const int32_t *y, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (x[k] != y[k]) return (uint32_t)x[k] < (uint32_t)y[k] ? -1 : 1;
    return 0;
}

/* The n-grams of one level, as the index sees them. */
struct level_keys { const int32_t *w; size_t n; };

static int ngram_eq(const void *ctx, uint32_t i, const void *key)
{
    const struct level_keys *k = ctx;
    return !memcmp(k->w + (size_t)i * k->n, key, k->n * sizeof *k->w);
}

static int level_index(struct wren_arpa_level *L, int n, const char *name,
                       const struct wren_arpa *a)
{
    struct level_keys k = { L->w, (size_t)n };
    wren_hashmap_free(&L->index);
    wren_hashmap_init(&L->index, L->n);
    for (size_t i = 0; i < L->n; i++) {
        const int32_t *w = L->w + i * n;
        size_t at = wren_hashmap_probe(&L->index, wren_hash_i32s(w, (size_t)n), w, ngram_eq, &k);
        if (wren_hashmap_id_at(&L->index, at) >= 0)
            return wren_error("%s: duplicate %d-gram \"%s ...\"", name, n, a->words[w[0]]);
        wren_hashmap_put_at(&L->index, at, (uint32_t)i);
    }
    return 0;
}

/* Whether every n-gram of level n has its (n-1)-word prefix in level n-1: both levels are
 * sorted lexicographically, so the prefixes come in order and one merge pass decides. */
static int prefixes_present(const struct wren_arpa *a, int n)
{
    const struct wren_arpa_level *L = &a->lev[n], *P = &a->lev[n - 1];
    size_t j = 0, m = (size_t)(n - 1);
    for (size_t i = 0; i < L->n; i++) {
        const int32_t *pre = L->w + i * n;
        while (j < P->n && tuple_cmp(P->w + j * m, pre, m) < 0) j++;
        if (j == P->n || tuple_cmp(P->w + j * m, pre, m) != 0) return 0;
    }
    return 1;
}

int wren_arpa_finish(struct wren_arpa *a, const char *name)
{
    for (int n = 1; n <= a->order; n++) {
        struct wren_arpa_level *L = &a->lev[n];
        if (L->n >= UINT32_MAX) return wren_error("%s: too many %d-grams", name, n);
        level_sort(L, n);
        if (level_index(L, n, name, a) < 0) return -1;
    }
    a->prefix_closed = 1;
    for (int n = 2; n <= a->order && a->prefix_closed; n++) a->prefix_closed = prefixes_present(a, n);
    a->unk = wren_arpa_word_id(a, "<unk>");
    if (a->unk >= 0 && wren_arpa_find(a, &a->unk, 1) < 0) a->unk = -1;
    return 0;
}

void wren_arpa_free(struct wren_arpa *a)
{
    if (!a) return;
    for (int n = 1; n <= WREN_ARPA_MAX_ORDER; n++) {
        struct wren_arpa_level *L = &a->lev[n];
        free(L->w); free(L->p); free(L->b); wren_hashmap_free(&L->index);
    }
    for (int i = 0; i < a->nwords; i++) free(a->words[i]);
    free(a->words);
    wren_hashmap_free(&a->windex);
    free(a);
}

/* ---- queries ---- */

int wren_arpa_order(const struct wren_arpa *a) { return a->order; }

size_t wren_arpa_count(const struct wren_arpa *a, int order)
{
    return (order >= 1 && order <= a->order) ? a->lev[order].n : 0;
}

size_t wren_arpa_vocab_size(const struct wren_arpa *a) { return (size_t)a->nwords; }

const char *wren_arpa_word(const struct wren_arpa *a, int id)
{
    return (id >= 0 && id < a->nwords) ? a->words[id] : NULL;
}

void wren_arpa_ngram(const struct wren_arpa *a, int order, size_t i, const int **words,
                     float *logprob, float *backoff)
{
    const struct wren_arpa_level *L = &a->lev[order];
    if (words) *words = L->w + i * order;
    if (logprob) *logprob = L->p[i];
    if (backoff) *backoff = L->b[i];
}

long wren_arpa_find(const struct wren_arpa *a, const int *words, int n)
{
    if (n < 1 || n > a->order) return -1;
    const struct wren_arpa_level *L = &a->lev[n];
    if (!L->index.slot) return -1;
    struct level_keys k = { L->w, (size_t)n };
    return (long)wren_hashmap_find(&L->index, wren_hash_i32s(words, (size_t)n), words, ngram_eq, &k);
}

float wren_arpa_logprob(const struct wren_arpa *a, const int *hist, int nhist, int w)
{
    int buf[WREN_ARPA_MAX_ORDER];
    if (w < 0 || wren_arpa_find(a, &w, 1) < 0) {
        if (a->unk < 0) return ARPA_LOG0;
        w = a->unk;
    }
    if (nhist > a->order - 1) { hist += nhist - (a->order - 1); nhist = a->order - 1; }
    /* longest match first: try hist[k..] w for k = 0.. */
    float bow = 0.0f;
    for (int k = 0; k <= nhist; k++) {
        int n = nhist - k + 1;
        if (n > 1) memcpy(buf, hist + k, (n - 1) * sizeof *buf);
        buf[n - 1] = w;
        long i = wren_arpa_find(a, buf, n);
        if (i >= 0) return bow + a->lev[n].p[i];
        if (n > 1) {
            long c = wren_arpa_find(a, hist + k, n - 1);
            if (c >= 0) bow += a->lev[n - 1].b[c];
        }
    }
    return ARPA_LOG0; /* not reached: the unigram exists */
}

_Static_assert(WREN_ARPA_CONTEXT_MAX >= WREN_ARPA_MAX_ORDER, "a context holds order - 1 words");

void wren_arpa_context(const struct wren_arpa *a, const int *hist, int nhist, struct wren_arpa_context *c)
{
    if (nhist > a->order - 1) { hist += nhist - (a->order - 1); nhist = a->order - 1; }
    if (nhist < 0) nhist = 0;
    c->n = nhist;
    memcpy(c->w, hist, (size_t)nhist * sizeof *hist);
    c->found[0] = 1;
    c->bow[0] = 0.0f;
    for (int L = 1; L <= nhist; L++) {
        long i = wren_arpa_find(a, hist + nhist - L, L);
        c->found[L] = i >= 0;
        c->bow[L] = i >= 0 ? a->lev[L].b[i] : 0.0f;
    }
}

float wren_arpa_logprob_context(const struct wren_arpa *a, const struct wren_arpa_context *c, int w)
{
    int buf[WREN_ARPA_MAX_ORDER];
    if (w < 0 || wren_arpa_find(a, &w, 1) < 0) {
        if (a->unk < 0) return ARPA_LOG0;
        w = a->unk;
    }
    /* longest context first, as wren_arpa_logprob */
    float bow = 0.0f;
    for (int L = c->n; L >= 0; L--) {
        /* no n-gram extends a context that is not itself an n-gram (and its back-off is 0) */
        if (L > 0 && !c->found[L] && a->prefix_closed) continue;
        memcpy(buf, c->w + c->n - L, (size_t)L * sizeof *buf);
        buf[L] = w;
        long i = wren_arpa_find(a, buf, L + 1);
        if (i >= 0) return bow + a->lev[L + 1].p[i];
        bow += c->bow[L];
    }
    return ARPA_LOG0; /* not reached: the unigram exists */
}

/* ---- writer ---- */

/* "%.6g" of a log10 probability into buf (at least 32 bytes); returns its length. */
static size_t format_float(char *buf, float v)
{
    int n = snprintf(buf, 32, "%.6g", v);
    return n > 0 ? (size_t)n : 0;
}

static void write_level(FILE *f, const struct wren_arpa *a, int n)
{
    const struct wren_arpa_level *L = &a->lev[n];
    size_t *len = wren_xmalloc(a->nwords * sizeof *len);
    for (int i = 0; i < a->nwords; i++) len[i] = strlen(a->words[i]);
    char line[4096];
    fprintf(f, "\\%d-grams:\n", n);
    for (size_t i = 0; i < L->n; i++) {
        size_t k = format_float(line, L->p[i]);
        for (int j = 0; j < n; j++) {
            int w = L->w[i * n + j];
            line[k++] = j ? ' ' : '\t';
            if (k + len[w] + 40 > sizeof line) { fwrite(line, 1, k, f); k = 0; }
            memcpy(line + k, a->words[w], len[w]);
            k += len[w];
        }
        if (n < a->order && L->b[i] != 0.0f) {
            line[k++] = '\t';
            k += format_float(line + k, L->b[i]);
        }
        line[k++] = '\n';
        fwrite(line, 1, k, f);
    }
    fputc('\n', f);
    free(len);
}

int wren_arpa_write(const struct wren_arpa *a, const char *path)
{
    struct wren_atomic out;
    if (wren_atomic_open(&out, path, "w") < 0) return -1;
    FILE *f = out.f;
    fprintf(f, "\n\\data\\\n");
    for (int n = 1; n <= a->order; n++) fprintf(f, "ngram %d=%zu\n", n, a->lev[n].n);
    fputc('\n', f);
    for (int n = 1; n <= a->order; n++) write_level(f, a, n);
    fprintf(f, "\\end\\\n");
    return wren_atomic_commit(&out);
}
