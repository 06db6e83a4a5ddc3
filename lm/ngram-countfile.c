/* ngram-countfile.c — writing count files and merging them from disk (see ngram-countfile.h):
 * the writer walks the canonical count table in trie order; the reader keeps one line per input
 * in a binary heap, sums equal n-grams and appends them to per-order record arrays. */
#include "lm/ngram-countfile.h"
#include "lm/ngram-runs.h"
#include "lm/ngram-sort.h"
#include "lm/arpa-impl.h"

#include "utils/error.h"
#include "utils/heap.h"
#include "utils/io.h"
#include "utils/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* ---- writer ---- */

/* A count file: plain, or gzip (.gz) compressed here and written through the atomic output's
 * stream (zlib's own gz writer wrote to a dup'd descriptor, out of reach of stdio's error
 * flags and the write-fault hooks of utils/fault.h). */
struct out {
    struct wren_atomic a;
    int gz;
    z_stream z;
    char buf[1 << 16];
    unsigned char zbuf[1 << 16];
    size_t len;
    int err;             /* errno of the first failed write; -1: compression failed */
};

static void out_write(struct out *o, const void *p, size_t n)
{
    errno = 0;
    if (n && fwrite(p, 1, n, o->a.f) != n) o->err = errno ? errno : EIO;
}

/* Write out the buffered text (compressed when gz); finish: end the gzip stream. */
static void out_flush(struct out *o, int finish)
{
    if (o->err) { o->len = 0; return; }
    if (!o->gz) {
        out_write(o, o->buf, o->len);
        o->len = 0;
        return;
    }
    o->z.next_in = (unsigned char *)o->buf;
    o->z.avail_in = (uInt)o->len;
    int rc;
    do {   /* zlib's idiom: until the input is used up (or, finishing, the stream ended) */
        o->z.next_out = o->zbuf;
        o->z.avail_out = sizeof o->zbuf;
        rc = deflate(&o->z, finish ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_ERROR) { o->err = -1; break; }
        out_write(o, o->zbuf, sizeof o->zbuf - o->z.avail_out);
    } while (!o->err && (finish ? rc != Z_STREAM_END : o->z.avail_out == 0));
    o->len = 0;
}

static void out_put(struct out *o, const char *s, size_t n)
{
    while (n > 0) {
        if (o->len == sizeof o->buf) out_flush(o, 0);
        size_t k = sizeof o->buf - o->len < n ? sizeof o->buf - o->len : n;
        memcpy(o->buf + o->len, s, k);
        o->len += k; s += k; n -= k;
    }
}

static void put_record(struct out *o, const struct wren_ngram_counts *c, const size_t *len,
                       const uint32_t *r, int n)
{
    char num[16];
    for (int k = 0; k < n; k++) {
        if (k) out_put(o, " ", 1);
        out_put(o, c->words[r[k]], len[r[k]]);
    }
    char *p = num + sizeof num;   /* "\t<count>\n", digits from the right */
    *--p = '\n';
    uint32_t v = r[n];
    do { *--p = (char)('0' + v % 10); v /= 10; } while (v);
    *--p = '\t';
    out_put(o, p, (size_t)(num + sizeof num - p));
}

/* Compare an a-gram and a b-gram in trie order (a prefix first). */
static int trie_cmp(const uint32_t *x, int a, const uint32_t *y, int b)
{
    int c = wren_ngram_keycmp(x, y, a < b ? a : b);
    return c ? c : (a > b) - (a < b);
}

static void write_all(struct out *o, const struct wren_ngram_counts *c, const size_t *len,
                      int only)
{
    size_t pos[WREN_NGRAM_MAX_ORDER + 1] = { 0 };
    int lo = only ? only : 1, hi = only ? only : c->order;
    for (;;) {   /* merge of the orders (at most 5 cursors), smallest in trie order first */
        int best = 0;
        for (int n = lo; n <= hi; n++)
            if (pos[n] < c->n[n] && (best == 0 ||
                trie_cmp(c->rec[n] + pos[n] * (n + 1), n,
                         c->rec[best] + pos[best] * (best + 1), best) < 0))
                best = n;
        if (best == 0 || o->err) break;
        put_record(o, c, len, c->rec[best] + pos[best] * (best + 1), best);
        pos[best]++;
    }
}

int wren_ngram_counts_write(const struct wren_ngram_counts *c, const char *path, int order)
{
    if (order < 0 || order > c->order)
        return wren_error("-write-order %d: must be 0 (all) or 1..%d", order, c->order);
    struct out *o = wren_xcalloc(1, sizeof *o);
    if (wren_atomic_open(&o->a, path, "wb") < 0) { free(o); return -1; }
    size_t n = strlen(path);
    if (n > 3 && !strcmp(path + n - 3, ".gz")) {
        if (deflateInit2(&o->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            wren_atomic_abort(&o->a);
            free(o);
            return wren_error("%s: cannot start gzip compression", path);
        }
        o->gz = 1;
    }
    size_t *len = wren_xmalloc((size_t)(c->nwords ? c->nwords : 1) * sizeof *len);
    for (int i = 0; i < c->nwords; i++) len[i] = strlen(c->words[i]);
    write_all(o, c, len, order);
    free(len);
    out_flush(o, 1);
    if (o->gz) deflateEnd(&o->z);
    int rc;
    if (o->err) {
        rc = o->err < 0 ? wren_error("%s: gzip compression failed", path)
                        : wren_error("%s: write error: %s", path, strerror(o->err));
        wren_atomic_abort(&o->a);
    } else {
        rc = wren_atomic_commit(&o->a);
    }
    free(o);
    return rc;
}

/* ---- reader ---- */

/* Rank of the sentence markers and <unk> before all other words. */
static int special(const char *w)
{
    if (w[0] != '<') return 3;
    if (!strcmp(w, "<s>")) return 0;
    if (!strcmp(w, "</s>")) return 1;
    if (!strcmp(w, "<unk>")) return 2;
    return 3;
}

static int word_cmp(const char *a, const char *b)
{
    int sa = special(a), sb = special(b);
    if (sa != sb) return sa < sb ? -1 : 1;
    return sa < 3 ? 0 : strcmp(a, b);
}

static int ngram_cmp(char *const *a, int na, char *const *b, int nb)
{
    int m = na < nb ? na : nb;
    for (int k = 0; k < m; k++) {
        int c = word_cmp(a[k], b[k]);
        if (c) return c;
    }
    return (na > nb) - (na < nb);
}

/* "w1 w2 ..." of an n-gram into buf (cut short if long), for messages. */
static const char *show(char *buf, size_t size, char *const *w, int n)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < n && k + 1 < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%s", i ? " " : "", w[i]);
    return buf;
}

/* One input file: its current line parsed into words and a count. */
struct src {
    struct wren_input in;
    const char *path;
    long line;
    char *buf[2];        /* buf[cur]: the current line; the other one is read into */
    size_t cap[2];
    char *w[2][WREN_NGRAM_MAX_ORDER];
    int n[2], cur, live;
    uint32_t cnt;
};

/* Split line into words and a count; 0 = ok, 1 = blank line, -1 = error. */
static int parse_line(struct src *s, int slot, uint32_t *cnt)
{
    char *tok[WREN_NGRAM_MAX_ORDER + 2];
    int nt = 0;
    for (char *t = strtok(s->buf[slot], " \t\r\n"); t; t = strtok(NULL, " \t\r\n")) {
        if (nt == WREN_NGRAM_MAX_ORDER + 1)
            return wren_error("%s:%ld: more than %d words: n-grams of at most %d words are "
                              "supported", s->path, s->line, WREN_NGRAM_MAX_ORDER,
                              WREN_NGRAM_MAX_ORDER);
        tok[nt++] = t;
    }
    if (nt == 0) return 1;
    if (nt < 2)
        return wren_error("%s:%ld: one field \"%s\": expected words, a tab and a count "
                          "(\"w1 w2<TAB>5\")", s->path, s->line, tok[0]);
    const char *num = tok[nt - 1];
    char *end;
    errno = 0;
    unsigned long long v = strtoull(num, &end, 10);
    if (num[0] < '0' || num[0] > '9' || *end || errno || v == 0 || v > UINT32_MAX)
        return wren_error("%s:%ld: bad count \"%s\" (expected an integer 1..%u after the "
                          "words)", s->path, s->line, num, (unsigned)UINT32_MAX);
    *cnt = (uint32_t)v;
    s->n[slot] = nt - 1;
    for (int k = 0; k < nt - 1; k++) s->w[slot][k] = tok[k];
    return 0;
}

/* Read the next n-gram of s (s->live = 0 at the end); checks the order of the lines. */
static int src_next(struct src *s)
{
    int slot = 1 - s->cur;
    for (;;) {
        errno = 0;
        if (getline(&s->buf[slot], &s->cap[slot], s->in.f) < 0) {
            if (ferror(s->in.f))
                return wren_error("%s:%ld: read error: %s", s->path, s->line, strerror(errno));
            s->live = 0;
            return 0;
        }
        s->line++;
        uint32_t cnt = 0;
        int rc = parse_line(s, slot, &cnt);
        if (rc < 0) return -1;
        if (rc > 0) continue;
        if (s->live && ngram_cmp(s->w[s->cur], s->n[s->cur], s->w[slot], s->n[slot]) > 0) {
            char a[200], b[200];
            return wren_error("%s:%ld: not sorted: \"%s\" after \"%s\" (count files must be in "
                              "the order ngram-count -write writes, see --help)", s->path,
                              s->line, show(a, sizeof a, s->w[slot], s->n[slot]),
                              show(b, sizeof b, s->w[s->cur], s->n[s->cur]));
        }
        s->cur = slot;
        s->cnt = cnt;
        s->live = 1;
        return 0;
    }
}

/* The merge heap holds source indices (int), least current n-gram first; ctx is the sources. */
static int src_less(const void *a, const void *b, const void *ctx)
{
    const struct src *srcs = ctx;
    int i = *(const int *)a, j = *(const int *)b;
    const struct src *x = &srcs[i], *y = &srcs[j];
    int c = ngram_cmp(x->w[x->cur], x->n[x->cur], y->w[y->cur], y->n[y->cur]);
    return c ? c < 0 : i < j;
}

/* Advance the top source and restore the heap (dropping the source at its end). */
static int heap_pop_advance(struct wren_heap *hp, struct src *src)
{
    struct src *s = &src[*(const int *)wren_heap_top(hp)];
    if (src_next(s) < 0) return -1;
    if (!s->live) wren_heap_pop(hp, NULL);
    else wren_heap_top_changed(hp);
    return 0;
}

/* Records of one order, growing. */
struct grow {
    uint32_t *rec;
    size_t len, cap;
};

struct merger {
    const struct wren_ngram_read_cfg *cfg;
    struct wren_arpa *vocab;
    struct grow g[WREN_NGRAM_MAX_ORDER + 1];
    char *key;                       /* copy of the n-gram being summed */
    size_t keycap;
    char *kw[WREN_NGRAM_MAX_ORDER];
    int kn;
    long oovs;
};

static void set_key(struct merger *m, char *const *w, int n)
{
    size_t need = 0;
    for (int k = 0; k < n; k++) need += strlen(w[k]) + 1;
    if (need > m->keycap) { m->keycap = 2 * need; m->key = wren_xrealloc(m->key, m->keycap); }
    char *p = m->key;
    for (int k = 0; k < n; k++) {
        size_t l = strlen(w[k]) + 1;
        memcpy(p, w[k], l);
        m->kw[k] = p;
        p += l;
    }
    m->kn = n;
}

static void emit(struct merger *m, uint64_t cnt)
{
    int n = m->kn;
    if (n > m->cfg->order) return;
    struct grow *g = &m->g[n];
    size_t width = (size_t)n + 1;
    if (g->len == g->cap) {
        g->cap = g->cap ? g->cap + g->cap / 2 : 4096;
        g->rec = wren_xrealloc(g->rec, g->cap * width * sizeof *g->rec);
    }
    uint32_t *r = g->rec + g->len++ * width;
    for (int k = 0; k < n; k++) {
        int id = m->cfg->vocab ? wren_arpa_word_id(m->vocab, m->kw[k])
                               : wren_arpa_add_word(m->vocab, m->kw[k]);
        if (id < 0) { id = WREN_NGRAM_UNK; if (n == 1) m->oovs += (long)cnt; }
        r[k] = (uint32_t)id;
    }
    r[n] = cnt > UINT32_MAX ? UINT32_MAX : (uint32_t)cnt;
}

static int merge(struct merger *m, struct wren_heap *hp, struct src *src)
{
    while (wren_heap_size(hp) > 0) {
        const struct src *s = &src[*(const int *)wren_heap_top(hp)];
        set_key(m, s->w[s->cur], s->n[s->cur]);
        uint64_t sum = s->cnt;
        if (heap_pop_advance(hp, src) < 0) return -1;
        while (wren_heap_size(hp) > 0) {
            s = &src[*(const int *)wren_heap_top(hp)];
            if (ngram_cmp(s->w[s->cur], s->n[s->cur], m->kw, m->kn) != 0) break;
            sum += s->cnt;
            if (heap_pop_advance(hp, src) < 0) return -1;
        }
        emit(m, sum);
    }
    return 0;
}

static int not_closed(const struct wren_ngram_counts *c, int n, const uint32_t *r, int part)
{
    char a[200], b[200];
    char *w[WREN_NGRAM_MAX_ORDER];
    for (int k = 0; k < n; k++) w[k] = c->words[r[k]];
    show(a, sizeof a, w, n);
    show(b, sizeof b, w + part, n - 1);
    return wren_error("count files: the %d-gram \"%s\" is there but not the %d-gram \"%s\" "
                      "(every order 1..%d must be in the files, as ngram-count -write writes "
                      "them without -write-order)", n, a, n - 1, b, c->order);
}

/* Every n-gram (n >= 2) needs its prefix and its suffix among the (n-1)-grams: the estimator
 * looks both up, and text counts always have them. Prefixes come in sorted order (one walk);
 * suffixes are searched. */
static int check_closed(const struct wren_ngram_counts *c)
{
    for (int n = 2; n <= c->order; n++) {
        const uint32_t *lo = c->rec[n - 1];
        size_t j = 0, nlo = c->n[n - 1];
        for (size_t i = 0; i < c->n[n]; i++) {
            const uint32_t *r = c->rec[n] + i * (size_t)(n + 1);
            while (j < nlo && wren_ngram_keycmp(lo + j * (size_t)n, r, n - 1) < 0) j++;
            if (j == nlo || wren_ngram_keycmp(lo + j * (size_t)n, r, n - 1) != 0)
                return not_closed(c, n, r, 0);
            if (wren_ngram_counts_find(c, n - 1, r + 1) < 0) return not_closed(c, n, r, 1);
        }
    }
    return 0;
}

static void stats(struct wren_ngram_counts *c)
{
    for (size_t i = 0; i < c->n[1]; i++) {
        uint32_t w = c->rec[1][2 * i], v = c->rec[1][2 * i + 1];
        if (w == WREN_NGRAM_BOS) c->sentences = v;
        else if (w != WREN_NGRAM_EOS) c->tokens += v;
    }
}

static int open_sources(struct src *src, const char *const *paths, int npaths, struct wren_heap *hp)
{
    for (int i = 0; i < npaths; i++) {
        src[i].path = paths[i];
        if (wren_input_open(&src[i].in, paths[i]) < 0) return -1;
        if (src_next(&src[i]) < 0) return -1;
        if (src[i].live) wren_heap_push(hp, &i);
    }
    return 0;
}

static int close_sources(struct src *src, int npaths)
{
    int rc = 0;
    for (int i = 0; i < npaths; i++) {
        if (src[i].in.f && wren_input_close(&src[i].in) < 0) rc = -1;
        free(src[i].buf[0]);
        free(src[i].buf[1]);
    }
    return rc;
}

int wren_ngram_counts_read(const struct wren_ngram_read_cfg *cfg, const char *const *paths,
                           int npaths, struct wren_ngram_counts **out)
{
    *out = NULL;
    if (cfg->order < 1 || cfg->order > WREN_NGRAM_MAX_ORDER)
        return wren_error("n-gram order %d out of range 1..%d", cfg->order, WREN_NGRAM_MAX_ORDER);
    if (npaths < 1) return wren_error("no count file to read");
    struct merger m = { .cfg = cfg, .vocab = wren_ngram_vocab_new() };
    int rc = cfg->vocab ? wren_ngram_vocab_load(m.vocab, cfg->vocab) : 0;
    struct src *src = wren_xcalloc((size_t)npaths, sizeof *src);
    struct wren_heap hp;
    wren_heap_init(&hp, sizeof(int), src_less, src);
    if (rc == 0) rc = open_sources(src, paths, npaths, &hp);
    if (rc == 0) rc = merge(&m, &hp, src);
    if (rc < 0) {   /* closing a decompressor we stopped reading fails too: keep 1st message */
        char *first = wren_xstrdup(wren_error_msg());
        close_sources(src, npaths);
        wren_error("%s", first);
        free(first);
    } else if (close_sources(src, npaths) < 0) {
        rc = -1;
    }
    free(src); wren_heap_free(&hp); free(m.key);
    struct wren_ngram_counts *c = wren_xcalloc(1, sizeof *c);
    c->order = cfg->order;
    c->oovs = m.oovs;
    wren_ngram_vocab_take(m.vocab, c);
    for (int n = 1; n <= cfg->order; n++) {
        size_t bytes = m.g[n].len * (size_t)(n + 1) * sizeof(uint32_t);   /* shrink to fit */
        c->rec[n] = wren_xrealloc(m.g[n].rec, bytes ? bytes : sizeof(uint32_t));
        c->n[n] = m.g[n].len;
    }
    if (rc == 0) {
        wren_ngram_counts_canonical(c);
        stats(c);
        for (int n = 1; n <= cfg->order && rc == 0; n++)
            if (c->n[n] == 0)
                rc = wren_error("count files: no %d-grams in them (counted with a lower -order, "
                                "or -write-order?)", n);
    }
    if (rc == 0) rc = check_closed(c);
    if (rc < 0) { wren_ngram_counts_free(c); return -1; }
    *out = c;
    return 0;
}
