/* ngram-runs.c — count buffers, sorted run files and their k-way merge (see ngram-runs.h). */
#include "lm/ngram-runs.h"
#include "lm/ngram-sort.h"

#include "utils/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t sat_add(uint32_t a, uint32_t b)
{
    return (a > UINT32_MAX - b) ? UINT32_MAX : a + b;
}

size_t wren_ngram_collapse(uint32_t *rec, size_t len, int n)
{
    if (len == 0) return 0;
    int width = n + 1;
    wren_ngram_sort(rec, len, width, n);
    size_t out = 0;
    for (size_t i = 1; i < len; i++) {
        uint32_t *cur = rec + out * width, *r = rec + i * width;
        if (wren_ngram_keycmp(cur, r, n) == 0) cur[n] = sat_add(cur[n], r[n]);
        else { out++; memmove(rec + out * width, r, width * sizeof *r); }
    }
    return out + 1;
}

void wren_ngram_buf_init(struct wren_ngram_buf *b, int n, size_t cap, const char *tmpdir)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    b->width = n + 1;
    b->cap = cap;
    b->rec = wren_xmalloc(cap * b->width * sizeof *b->rec);
    b->tmpdir = tmpdir;
}

static FILE *temp_file(const char *dir)
{
    if (!dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    size_t len = strlen(dir) + 32;
    char *path = wren_xmalloc(len);
    snprintf(path, len, "%s/wren-counts-XXXXXX", dir);
    int fd = mkstemp(path);
    FILE *f = NULL;
    if (fd < 0) wren_error("%s: cannot create a temporary file: %s", dir, strerror(errno));
    else {
        unlink(path);   /* anonymous: disappears when closed, even after a crash */
        f = fdopen(fd, "w+b");
        if (!f) { close(fd); wren_error("%s: fdopen: %s", dir, strerror(errno)); }
    }
    free(path);
    return f;
}

static int spill(struct wren_ngram_buf *b)
{
    FILE *f = temp_file(b->tmpdir);
    if (!f) return -1;
    if (fwrite(b->rec, b->width * sizeof *b->rec, b->len, f) != b->len || fflush(f) != 0) {
        fclose(f);
        return wren_error("writing a count run file failed (disk full?): %s", strerror(errno));
    }
    rewind(f);
    b->runs = wren_xrealloc(b->runs, (b->nruns + 1) * sizeof *b->runs);
    b->runs[b->nruns++] = f;
    b->len = 0;
    return 0;
}

int wren_ngram_buf_add(struct wren_ngram_buf *b, const uint32_t *rec)
{
    if (b->len == b->cap) {
        b->len = wren_ngram_collapse(b->rec, b->len, b->n);
        if (b->len > b->cap / 2 && spill(b) < 0) return -1;
    }
    memcpy(b->rec + b->len * b->width, rec, b->width * sizeof *rec);
    b->len++;
    return 0;
}

/* A run being merged: a window of records read from its file. */
struct cursor {
    FILE *f;
    uint32_t *buf;
    size_t len, pos;
};

static int cursor_fill(struct cursor *c, int width, size_t chunk)
{
    c->len = fread(c->buf, width * sizeof *c->buf, chunk, c->f);
    c->pos = 0;
    if (c->len == 0 && ferror(c->f)) return wren_error("reading a count run file failed");
    return 0;
}

static int merge_runs(struct wren_ngram_buf *b, uint32_t **out, size_t *nout)
{
    const size_t chunk = 1 << 14;
    int k = b->nruns, width = b->width, n = b->n;
    struct cursor *cur = wren_xcalloc(k, sizeof *cur);
    size_t cap = b->cap, len = 0;
    uint32_t *res = wren_xmalloc(cap * width * sizeof *res);
    int rc = 0;
    for (int i = 0; i < k && rc == 0; i++) {
        cur[i].f = b->runs[i];
        cur[i].buf = wren_xmalloc(chunk * width * sizeof *cur[i].buf);
        rc = cursor_fill(&cur[i], width, chunk);
    }
    while (rc == 0) {
        int best = -1;   /* linear scan: k is small (runs are large) */
        for (int i = 0; i < k; i++)
            if (cur[i].pos < cur[i].len &&
                (best < 0 || wren_ngram_keycmp(cur[i].buf + cur[i].pos * width,
                                               cur[best].buf + cur[best].pos * width, n) < 0))
                best = i;
        if (best < 0) break;
        const uint32_t *r = cur[best].buf + cur[best].pos * width;
        if (len > 0 && wren_ngram_keycmp(res + (len - 1) * width, r, n) == 0) {
            res[(len - 1) * width + n] = sat_add(res[(len - 1) * width + n], r[n]);
        } else {
            if (len == cap) { cap += cap / 2; res = wren_xrealloc(res, cap * width * sizeof *res); }
            memcpy(res + len * width, r, width * sizeof *r);
            len++;
        }
        if (++cur[best].pos == cur[best].len) rc = cursor_fill(&cur[best], width, chunk);
    }
    for (int i = 0; i < k; i++) free(cur[i].buf);
    free(cur);
    if (rc < 0) { free(res); return -1; }
    *out = wren_xrealloc(res, (len ? len : 1) * width * sizeof *res);
    *nout = len;
    return 0;
}

int wren_ngram_buf_finish(struct wren_ngram_buf *b, uint32_t **rec, size_t *n)
{
    b->len = wren_ngram_collapse(b->rec, b->len, b->n);
    if (b->nruns == 0) {
        *rec = wren_xrealloc(b->rec, (b->len ? b->len : 1) * b->width * sizeof *b->rec);
        *n = b->len;
        b->rec = NULL;
        return 0;
    }
    if (b->len > 0 && spill(b) < 0) return -1;
    free(b->rec);
    b->rec = NULL;
    return merge_runs(b, rec, n);
}

void wren_ngram_buf_free(struct wren_ngram_buf *b)
{
    free(b->rec);
    for (int i = 0; i < b->nruns; i++) fclose(b->runs[i]);
    free(b->runs);
    memset(b, 0, sizeof *b);
}
