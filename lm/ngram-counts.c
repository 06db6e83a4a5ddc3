/* ngram-counts.c — streamed n-gram counting (see ngram-counts.h): tokenising sentences, the
 * in-memory record buffers and the vocabulary. Run files and their merge are in ngram-runs.c. */
#include "lm/ngram-counts.h"
#include "lm/ngram-runs.h"
#include "lm/ngram-sort.h"
#include "lm/arpa-impl.h"

#include "utils/error.h"
#include "utils/io.h"
#include "utils/log.h"

#include <stdlib.h>
#include <string.h>

struct counter {
    const struct wren_ngram_count_cfg *cfg;
    struct wren_arpa *vocab;   /* a unigram-less model used as a string -> id table */
    int closed;                /* words outside the vocabulary file map to <unk> */
    struct wren_ngram_buf buf[WREN_NGRAM_MAX_ORDER + 1];
    uint32_t *sent;            /* ids of the current sentence */
    size_t sentcap;
    struct wren_ngram_counts *out;
};

int wren_ngram_vocab_load(struct wren_arpa *vocab, const char *path)
{
    struct wren_input in;
    if (wren_input_open(&in, path) < 0) return -1;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in.f) >= 0) {
        char *w = strtok(line, " \t\r\n");
        if (w) wren_arpa_add_word(vocab, w);
    }
    free(line);
    return wren_input_close(&in);
}

struct wren_arpa *wren_ngram_vocab_new(void)
{
    char *special[3] = { "<s>", "</s>", "<unk>" };
    return wren_arpa_new(1, 3, special);
}

static uint32_t word_id(struct counter *k, const char *w)
{
    if (!k->closed) return (uint32_t)wren_arpa_add_word(k->vocab, w);
    int id = wren_arpa_word_id(k->vocab, w);
    if (id < 0) { k->out->oovs++; return WREN_NGRAM_UNK; }
    return (uint32_t)id;
}

/* Emit every n-gram (n = 1..order) of the sentence in k->sent[0..len-1]. */
static int emit_sentence(struct counter *k, size_t len)
{
    uint32_t rec[WREN_NGRAM_MAX_ORDER + 1];
    for (int n = 1; n <= k->cfg->order; n++) {
        for (size_t i = 0; i + n <= len; i++) {
            memcpy(rec, k->sent + i, n * sizeof *rec);
            rec[n] = 1;
            if (wren_ngram_buf_add(&k->buf[n], rec) < 0) return -1;
        }
    }
    return 0;
}

static int count_line(struct counter *k, char *line)
{
    size_t len = 0;
    for (char *w = strtok(line, " \t\r\n"); w; w = strtok(NULL, " \t\r\n")) {
        if (len + 2 >= k->sentcap) {
            k->sentcap = k->sentcap ? 2 * k->sentcap : 256;
            k->sent = wren_xrealloc(k->sent, k->sentcap * sizeof *k->sent);
        }
        if (len == 0) k->sent[len++] = WREN_NGRAM_BOS;
        if (!strcmp(w, "<s>") || !strcmp(w, "</s>")) continue;   /* markers already in text */
        k->sent[len++] = word_id(k, w);
        k->out->tokens++;
    }
    if (len == 0) return 0;    /* empty line: no sentence */
    k->sent[len++] = WREN_NGRAM_EOS;
    k->out->sentences++;
    return emit_sentence(k, len);
}

static int count_file(struct counter *k, const char *path, struct wren_progress *pr)
{
    struct wren_input in;
    if (wren_input_open(&in, path) < 0) return -1;
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, in.f) >= 0) {
        rc = count_line(k, line);
        if ((k->out->sentences & 0x3fff) == 0) wren_progress_update(pr, (double)k->out->tokens);
    }
    free(line);
    if (wren_input_close(&in) < 0) rc = -1;
    return rc;
}

static void init_counter(struct counter *k, const struct wren_ngram_count_cfg *cfg)
{
    memset(k, 0, sizeof *k);
    k->cfg = cfg;
    k->vocab = wren_ngram_vocab_new();
    k->out = wren_xcalloc(1, sizeof *k->out);
    k->out->order = cfg->order;
    /* record buffers share the budget in proportion to their record width */
    size_t widths = 0;
    for (int n = 1; n <= cfg->order; n++) widths += (size_t)(n + 1);
    for (int n = 1; n <= cfg->order; n++) {
        size_t cap = cfg->mem_bytes / 2 / (widths * sizeof(uint32_t));
        wren_ngram_buf_init(&k->buf[n], n, cap < 4096 ? 4096 : cap, cfg->tmpdir);
    }
}

void wren_ngram_vocab_take(struct wren_arpa *vocab, struct wren_ngram_counts *c)
{
    c->nwords = vocab->nwords;
    c->words = vocab->words;      /* take the strings over */
    vocab->words = NULL;
    vocab->nwords = 0;
    wren_arpa_free(vocab);
}

static void finish_counter(struct counter *k, struct wren_ngram_counts *c)
{
    wren_ngram_vocab_take(k->vocab, c);
    free(k->sent);
}

int wren_ngram_count_text(const struct wren_ngram_count_cfg *cfg, const char *const *texts,
                          int ntexts, struct wren_ngram_counts **out)
{
    *out = NULL;
    if (cfg->order < 1 || cfg->order > WREN_NGRAM_MAX_ORDER)
        return wren_error("n-gram order %d out of range 1..%d", cfg->order, WREN_NGRAM_MAX_ORDER);
    struct counter k;
    init_counter(&k, cfg);
    int rc = 0;
    if (cfg->vocab) {
        k.closed = 1;
        rc = wren_ngram_vocab_load(k.vocab, cfg->vocab);
    }
    struct wren_progress pr;
    wren_progress_start(&pr, "words counted", 0);
    for (int i = 0; rc == 0 && i < ntexts; i++) rc = count_file(&k, texts[i], &pr);
    wren_progress_end(&pr, (double)k.out->tokens);
    for (int n = 1; n <= cfg->order; n++) {
        if (rc == 0) rc = wren_ngram_buf_finish(&k.buf[n], &k.out->rec[n], &k.out->n[n]);
        k.out->spills += k.buf[n].nruns;
        wren_ngram_buf_free(&k.buf[n]);
    }
    finish_counter(&k, k.out);
    if (rc < 0) { wren_ngram_counts_free(k.out); return -1; }
    wren_ngram_counts_canonical(k.out);
    *out = k.out;
    return 0;
}

void wren_ngram_counts_free(struct wren_ngram_counts *c)
{
    if (!c) return;
    for (int i = 0; i < c->nwords; i++) free(c->words[i]);
    free(c->words);
    for (int n = 1; n <= WREN_NGRAM_MAX_ORDER; n++) free(c->rec[n]);
    free(c);
}

static int cmp_word_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void wren_ngram_counts_canonical(struct wren_ngram_counts *c)
{
    int nw = c->nwords;
    if (nw <= 3) return;
    /* sort (spelling, old id) pairs of the ordinary words by spelling */
    struct pair { char *w; uint32_t id; } *p = wren_xmalloc((size_t)nw * sizeof *p);
    for (int i = 0; i < nw; i++) p[i] = (struct pair){ c->words[i], (uint32_t)i };
    qsort(p + 3, (size_t)nw - 3, sizeof *p, cmp_word_ptr);   /* w is the first member */
    uint32_t *newid = wren_xmalloc((size_t)nw * sizeof *newid);
    for (int i = 0; i < nw; i++) {
        newid[p[i].id] = (uint32_t)i;
        c->words[i] = p[i].w;
    }
    free(p);
    for (int n = 1; n <= c->order; n++) {
        uint32_t *r = c->rec[n];
        size_t width = (size_t)n + 1;
        for (size_t i = 0; i < c->n[n]; i++)
            for (int k = 0; k < n; k++) r[i * width + k] = newid[r[i * width + k]];
        c->n[n] = wren_ngram_collapse(r, c->n[n], n);
    }
    free(newid);
}

long wren_ngram_counts_find(const struct wren_ngram_counts *c, int n, const uint32_t *words)
{
    if (n < 1 || n > c->order) return -1;
    const uint32_t *rec = c->rec[n];
    size_t lo = 0, hi = c->n[n], width = (size_t)n + 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = wren_ngram_keycmp(rec + mid * width, words, n);
        if (cmp == 0) return (long)mid;
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}
