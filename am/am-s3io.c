/* am-s3io.c — reading Sphinx-3 binary parameter files (means, variances, mixture_weights,
 * transition_matrices): the text header ("s3", key/value lines, "endhdr"; or the older
 * version line + comment block), the byte-order magic that says whether to swap, bounds-checked
 * reads of 32-bit values, and sphinx's rolling checksum. Not for: interpreting the arrays
 * (gauden.c, am-mixw.c, am.c) or the sendump/mdef formats, which have their own layouts. */
#include <stdlib.h>
#include <string.h>

#include "am/am-internal.h"
#include "utils/error.h"
#include "utils/io.h"

#define S3_BYTE_ORDER_MAGIC 0x11223344u
#define S3_MAX_HEADER 65536

/* Next header line starting at s->pos; returns its length (without '\n'), -1 if none. */
static long s3_line(struct wren_s3 *s, char **line)
{
    size_t limit = s->len < S3_MAX_HEADER ? s->len : S3_MAX_HEADER;
    if (s->pos >= limit)
        return -1;
    char *start = s->buf + s->pos;
    char *nl = memchr(start, '\n', limit - s->pos);
    if (!nl)
        return -1;
    *line = start;
    s->pos = (size_t)(nl - s->buf) + 1;
    return (long)(nl - start);
}

static int s3_read_new_header(struct wren_s3 *s)
{
    char *line;
    long n;
    while ((n = s3_line(s, &line)) >= 0) {
        char key[64] = "", val[256] = "";
        char tmp[400];
        size_t k = (size_t)n < sizeof(tmp) - 1 ? (size_t)n : sizeof(tmp) - 1;
        memcpy(tmp, line, k);
        tmp[k] = 0;
        int got = sscanf(tmp, "%63s %255s", key, val);
        if (got >= 1 && strcmp(key, "endhdr") == 0)
            return 0;
        if (got >= 1 && key[0] == '#')
            continue;
        if (got != 2)
            return wren_error("%s: byte %zu: bad header line (expected \"key value\")", s->path,
                              (size_t)(line - s->buf));
        if (strcmp(key, "chksum0") == 0)
            s->has_chksum = 1;
    }
    return wren_error("%s: header has no \"endhdr\" line (not a Sphinx parameter file?)",
                      s->path);
}

static int s3_read_old_header(struct wren_s3 *s)
{
    /* Old format: a version line, then a comment block closed by "*end_comment*". */
    char *line;
    long n;
    while ((n = s3_line(s, &line)) >= 0)
        if (n == 13 && memcmp(line, "*end_comment*", 13) == 0)
            return 0;
    return wren_error("%s: not a Sphinx parameter file (no \"s3\" header)", s->path);
}

int wren_s3_open(struct wren_s3 *s, const char *path)
{
    memset(s, 0, sizeof(*s));
    s->path = path;
    if (wren_read_all(path, &s->buf, &s->len) < 0)
        return -1;
    int rc;
    if (s->len >= 3 && memcmp(s->buf, "s3\n", 3) == 0) {
        s->pos = 3;
        rc = s3_read_new_header(s);
    } else {
        rc = s3_read_old_header(s);
    }
    if (rc < 0) {
        wren_s3_close(s);
        return -1;
    }
    if (s->len - s->pos < 4) {
        wren_error("%s: truncated after the header (no byte-order marker)", path);
        wren_s3_close(s);
        return -1;
    }
    uint32_t magic;
    memcpy(&magic, s->buf + s->pos, 4);
    if (magic == S3_BYTE_ORDER_MAGIC) {
        s->swap = 0;
    } else if (wren_bswap32(magic) == S3_BYTE_ORDER_MAGIC) {
        s->swap = 1;
    } else {
        wren_error("%s: byte %zu: bad byte-order marker 0x%08x (expected 0x11223344)", path,
                   s->pos, magic);
        wren_s3_close(s);
        return -1;
    }
    s->pos += 4;
    return 0;
}

static uint32_t s3_checksum(uint32_t sum, uint32_t v)
{
    return ((sum << 20) | (sum >> 12)) + v;
}

static int s3_read32(struct wren_s3 *s, void *dst, size_t n, const char *what)
{
    if (!wren_s3_has(s, n, 4))
        return wren_error("%s: truncated at byte %zu: %zu values of %s expected, %zu bytes left",
                          s->path, s->pos, n, what, s->len - s->pos);
    uint32_t *out = dst;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, s->buf + s->pos + 4 * i, 4);
        if (s->swap)
            u = wren_bswap32(u);
        s->chksum = s3_checksum(s->chksum, u);
        out[i] = u;
    }
    s->pos += 4 * n;
    return 0;
}

int wren_s3_i32(struct wren_s3 *s, int32_t *v, size_t n, const char *what)
{
    return s3_read32(s, v, n, what);
}

int wren_s3_f32(struct wren_s3 *s, float *v, size_t n, const char *what)
{
    _Static_assert(sizeof(float) == 4, "float must be 32-bit");
    return s3_read32(s, v, n, what);
}

int wren_s3_has(const struct wren_s3 *s, size_t n_items, size_t item_size)
{
    size_t left = s->len - s->pos;
    return item_size == 0 || n_items <= left / item_size;
}

int wren_s3_finish(struct wren_s3 *s)
{
    if (s->has_chksum) {
        if (s->len - s->pos < 4)
            return wren_error("%s: truncated: checksum missing at byte %zu", s->path, s->pos);
        uint32_t c;
        memcpy(&c, s->buf + s->pos, 4);
        if (s->swap)
            c = wren_bswap32(c);
        if (c != s->chksum)
            return wren_error("%s: checksum mismatch (file 0x%08x, computed 0x%08x): corrupt "
                              "data", s->path, c, s->chksum);
        s->pos += 4;
    }
    if (s->pos != s->len)
        return wren_error("%s: %zu bytes of unexpected data after byte %zu (sizes in the "
                          "header do not match the file)", s->path, s->len - s->pos, s->pos);
    return 0;
}

void wren_s3_close(struct wren_s3 *s)
{
    free(s->buf);
    s->buf = NULL;
}

int wren_byte_reader_i32(struct wren_byte_reader *r, int32_t *v, const char *what)
{
    if (r->len - r->pos < 4)
        return wren_error("%s: truncated at byte %zu reading %s", r->path, r->pos, what);
    uint32_t u;
    memcpy(&u, r->buf + r->pos, 4);
    if (r->swap)
        u = wren_bswap32(u);
    memcpy(v, &u, 4);
    r->pos += 4;
    return 0;
}
