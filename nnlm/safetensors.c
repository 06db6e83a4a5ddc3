/* safetensors.c — reading and writing the safetensors format (huggingface/safetensors):
 * 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets},
 * "__metadata__": {string: string}}, then the raw little-endian tensor bytes, offsets relative
 * to the end of the header. Wren writes tensors back to back in the order given and pads the
 * header with spaces to a multiple of 8 bytes. Not for: knowing what the tensors mean. */
#include "nnlm/nnlm-internal.h"

#include "utils/wren-util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- a small JSON reader */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };
struct jval {
    enum jtype type;
    double num;
    char *str;
    int n;
    char **keys;        /* J_OBJ */
    struct jval *items; /* J_ARR, J_OBJ */
};

struct jparser { const char *s, *end, *start; const char *path; };

static int jerr(struct jparser *p, const char *what)
{
    return wren_error("%s: safetensors header: %s at byte %ld", p->path, what,
                      (long)(p->s - p->start) + 8L);
}

static void jskip(struct jparser *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')) p->s++;
}

static void jfree(struct jval *v)
{
    if (v->type == J_STR) free(v->str);
    if (v->type == J_ARR || v->type == J_OBJ) {
        for (int i = 0; i < v->n; i++) {
            jfree(&v->items[i]);
            if (v->keys) free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
    }
    memset(v, 0, sizeof *v);
}

static void put_utf8(char **o, unsigned cp)
{
    unsigned char *u = (unsigned char *)*o;
    if (cp < 0x80) { *u++ = (unsigned char)cp; }
    else if (cp < 0x800) { *u++ = (unsigned char)(0xC0 | (cp >> 6)); *u++ = (unsigned char)(0x80 | (cp & 63)); }
    else if (cp < 0x10000) { *u++ = (unsigned char)(0xE0 | (cp >> 12)); *u++ = (unsigned char)(0x80 | ((cp >> 6) & 63)); *u++ = (unsigned char)(0x80 | (cp & 63)); }
    else { *u++ = (unsigned char)(0xF0 | (cp >> 18)); *u++ = (unsigned char)(0x80 | ((cp >> 12) & 63)); *u++ = (unsigned char)(0x80 | ((cp >> 6) & 63)); *u++ = (unsigned char)(0x80 | (cp & 63)); }
    *o = (char *)u;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned x = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        x <<= 4;
        if (c >= '0' && c <= '9') x |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') x |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') x |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = x;
    return 0;
}

static int jstring(struct jparser *p, char **out)
{
    if (p->s >= p->end || *p->s != '"') return jerr(p, "expected a string");
    p->s++;
    const char *start = p->s;
    while (p->s < p->end && *p->s != '"') p->s += (*p->s == '\\') ? 2 : 1;
    if (p->s >= p->end) return jerr(p, "unterminated string");
    char *o = wren_xmalloc((size_t)(p->s - start) * 2 + 1), *q = o;
    for (const char *c = start; c < p->s; c++) {
        if (*c != '\\') { *q++ = *c; continue; }
        c++;
        switch (*c) {
        case 'n': *q++ = '\n'; break;
        case 't': *q++ = '\t'; break;
        case 'r': *q++ = '\r'; break;
        case 'b': *q++ = '\b'; break;
        case 'f': *q++ = '\f'; break;
        case 'u': {
            unsigned cp;
            if (p->s - c < 5 || hex4(c + 1, &cp)) { free(o); return jerr(p, "bad \\u escape"); }
            c += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p->s - c >= 7 && c[1] == '\\' && c[2] == 'u') {
                unsigned lo;
                if (!hex4(c + 3, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    c += 6;
                }
            }
            put_utf8(&q, cp);
            break;
        }
        default: *q++ = *c;
        }
    }
    *q = 0;
    p->s++;
    *out = o;
    return 0;
}

static int jvalue(struct jparser *p, struct jval *v, int depth)
{
    memset(v, 0, sizeof *v);
    jskip(p);
    if (depth > 16) return jerr(p, "nesting too deep");
    if (p->s >= p->end) return jerr(p, "unexpected end");
    char c = *p->s;
    if (c == '"') { v->type = J_STR; return jstring(p, &v->str); }
    if (c == '{' || c == '[') {
        int obj = c == '{';
        v->type = obj ? J_OBJ : J_ARR;
        p->s++;
        int cap = 0;
        jskip(p);
        if (p->s < p->end && *p->s == (obj ? '}' : ']')) { p->s++; return 0; }
        for (;;) {
            if (v->n == cap) {
                cap = cap ? cap * 2 : 8;
                v->items = wren_xrealloc(v->items, (size_t)cap * sizeof *v->items);
                if (obj) v->keys = wren_xrealloc(v->keys, (size_t)cap * sizeof *v->keys);
            }
            int bad = 0;
            if (obj) {
                jskip(p);
                if (jstring(p, &v->keys[v->n])) bad = 1;
                else {
                    jskip(p);
                    if (p->s >= p->end || *p->s != ':') { free(v->keys[v->n]); bad = jerr(p, "expected ':'"); }
                    else p->s++;
                }
            }
            if (!bad && jvalue(p, &v->items[v->n], depth + 1)) {
                if (obj) free(v->keys[v->n]);
                bad = 1;
            }
            if (bad) { jfree(v); return -1; }   /* a failed child has freed itself */
            v->n++;
            jskip(p);
            if (p->s < p->end && *p->s == ',') { p->s++; continue; }
            if (p->s < p->end && *p->s == (obj ? '}' : ']')) { p->s++; return 0; }
            jfree(v);
            return jerr(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    if (!strncmp(p->s, "true", 4) && p->end - p->s >= 4) { v->type = J_BOOL; v->num = 1; p->s += 4; return 0; }
    if (!strncmp(p->s, "false", 5) && p->end - p->s >= 5) { v->type = J_BOOL; p->s += 5; return 0; }
    if (!strncmp(p->s, "null", 4) && p->end - p->s >= 4) { v->type = J_NULL; p->s += 4; return 0; }
    char buf[64];
    int n = 0;
    while (p->s < p->end && n < 63 && strchr("+-0123456789.eE", *p->s)) buf[n++] = *p->s++;
    buf[n] = 0;
    char *e;
    v->num = strtod(buf, &e);
    if (n == 0 || *e) return jerr(p, "bad value");
    v->type = J_NUM;
    return 0;
}

static const struct jval *jget(const struct jval *o, const char *key)
{
    if (o->type != J_OBJ) return NULL;
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key)) return &o->items[i];
    return NULL;
}

/* ---------------------------------------------------------------- reading */

struct st_file {
    char *path;
    struct jval hdr;
    unsigned char *raw;   /* whole file */
    size_t size, data_off;
};

static size_t dtype_size(const char *d)
{
    if (!strcmp(d, "F32") || !strcmp(d, "I32") || !strcmp(d, "U32")) return 4;
    if (!strcmp(d, "F64") || !strcmp(d, "I64") || !strcmp(d, "U64")) return 8;
    if (!strcmp(d, "F16") || !strcmp(d, "BF16") || !strcmp(d, "I16") || !strcmp(d, "U16")) return 2;
    if (!strcmp(d, "U8") || !strcmp(d, "I8") || !strcmp(d, "BOOL")) return 1;
    return 0;
}

/* A non-negative integer-valued JSON number (shapes, offsets). */
static int is_count(const struct jval *v)
{
    return v->type == J_NUM && v->num >= 0 && v->num <= 9007199254740992.0 && v->num == floor(v->num);
}

struct span { double a, b; const char *name; };

static int span_cmp(const void *x, const void *y)
{
    const struct span *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : p->b > q->b;
}

/* The tensors must tile the data section exactly: sorted by offset, each starts where the one
 * before ends, the first at 0 and the last at the end of the file. A gap, an overlap or trailing
 * bytes mean a corrupt or mis-framed file (e.g. a header length off by one shifts every
 * tensor), never something to read past. Positions are reported as file byte offsets. */
static int check_coverage(const struct st_file *f, struct span *s, int n)
{
    size_t data_len = f->size - f->data_off;
    double base = (double)f->data_off;
    qsort(s, (size_t)n, sizeof *s, span_cmp);
    double end = 0;
    const char *prev = NULL;
    for (int i = 0; i < n; i++) {
        if (s[i].a > end && prev)
            return wren_error("%s: safetensors data bytes %.0f..%.0f (file offsets) between tensors "
                              "'%s' and '%s' belong to no tensor", f->path, base + end,
                              base + s[i].a - 1, prev, s[i].name);
        if (s[i].a > end)
            return wren_error("%s: safetensors data bytes %.0f..%.0f (file offsets) before the first "
                              "tensor '%s' belong to no tensor", f->path, base, base + s[i].a - 1,
                              s[i].name);
        if (s[i].a < end)
            return wren_error("%s: tensors '%s' and '%s' overlap at data byte %.0f (file offset %.0f)",
                              f->path, prev, s[i].name, s[i].a, base + s[i].a);
        end = s[i].b;
        prev = s[i].name;
    }
    if (end != (double)data_len)
        return wren_error("%s: %.0f trailing bytes at file offset %.0f after the last tensor%s%s%s "
                          "(header length or data_offsets wrong?)", f->path,
                          (double)data_len - end, base + end, prev ? " '" : "", prev ? prev : "",
                          prev ? "'" : "");
    return 0;
}

static int validate(struct st_file *f)
{
    size_t data_len = f->size - f->data_off;
    if (f->hdr.type != J_OBJ) return wren_error("%s: safetensors header is not a JSON object", f->path);
    struct span *spans = wren_xmalloc(((size_t)f->hdr.n + 1) * sizeof *spans);
    int nspans = 0, rc = 0;
    for (int i = 0; i < f->hdr.n && !rc; i++) {
        const char *name = f->hdr.keys[i];
        const struct jval *t = &f->hdr.items[i];
        for (int j = 0; j < i && !rc; j++)
            if (!strcmp(f->hdr.keys[j], name))
                rc = wren_error("%s: safetensors header names '%s' twice", f->path, name);
        if (rc) break;
        if (!strcmp(name, "__metadata__")) {
            if (t->type != J_OBJ) { rc = wren_error("%s: __metadata__ is not an object", f->path); break; }
            for (int j = 0; j < t->n && !rc; j++)
                if (t->items[j].type != J_STR)
                    rc = wren_error("%s: __metadata__ value '%s' is not a string", f->path, t->keys[j]);
            continue;
        }
        const struct jval *dt = jget(t, "dtype"), *sh = jget(t, "shape"), *off = jget(t, "data_offsets");
        if (!dt || dt->type != J_STR || !sh || sh->type != J_ARR || !off || off->type != J_ARR || off->n != 2) {
            rc = wren_error("%s: tensor '%s': needs dtype, shape and data_offsets", f->path, name);
            break;
        }
        size_t es = dtype_size(dt->str);
        if (!es) { rc = wren_error("%s: tensor '%s': unknown dtype '%s'", f->path, name, dt->str); break; }
        double count = 1;
        for (int j = 0; j < sh->n && !rc; j++) {
            if (!is_count(&sh->items[j]))
                rc = wren_error("%s: tensor '%s': shape entry %d is not a non-negative integer",
                                f->path, name, j);
            count *= sh->items[j].num;
        }
        if (rc) break;
        double a = off->items[0].num, b = off->items[1].num;
        if (!is_count(&off->items[0]) || !is_count(&off->items[1]) || b < a || b > (double)data_len) {
            rc = wren_error("%s: tensor '%s': data_offsets [%.0f, %.0f] outside the %zu data bytes "
                            "(header length or data_offsets wrong?)", f->path, name, a, b, data_len);
            break;
        }
        if (b - a != count * (double)es) {
            rc = wren_error("%s: tensor '%s': %.0f bytes for shape of %.0f %s elements", f->path,
                            name, b - a, count, dt->str);
            break;
        }
        spans[nspans++] = (struct span){ a, b, name };
    }
    if (!rc) rc = check_coverage(f, spans, nspans);
    free(spans);
    return rc;
}

struct st_file *wren_st_open(const char *path)
{
    char *data;
    size_t len;
    if (wren_read_all(path, &data, &len)) return NULL;
    struct st_file *f = wren_xcalloc(1, sizeof *f);
    f->path = wren_xstrdup(path);
    f->raw = (unsigned char *)data;
    f->size = len;
    if (len < 8) { wren_error("%s: too short for a safetensors file (%zu bytes)", path, len); wren_st_close(f); return NULL; }
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = (n << 8) | f->raw[i];
    if (n > len - 8 || n > (1u << 30)) {
        wren_error("%s: safetensors header length %llu exceeds the file size %zu", path,
                   (unsigned long long)n, len);
        wren_st_close(f);
        return NULL;
    }
    f->data_off = 8 + (size_t)n;
    struct jparser p = { (const char *)f->raw + 8, (const char *)f->raw + 8 + n,
                         (const char *)f->raw + 8, path };
    int rc = jvalue(&p, &f->hdr, 0);
    if (rc == 0) {   /* the JSON must fill the header exactly, up to the padding spaces */
        jskip(&p);
        if (p.s < p.end)
            rc = wren_error("%s: safetensors header: byte 0x%02x after the JSON object at byte %ld "
                            "(header length %llu wrong?)", path, (unsigned char)*p.s,
                            (long)(p.s - p.start) + 8L, (unsigned long long)n);
    }
    if (rc || validate(f)) { wren_st_close(f); return NULL; }
    return f;
}

void wren_st_close(struct st_file *f)
{
    if (!f) return;
    jfree(&f->hdr);
    free(f->raw);
    free(f->path);
    free(f);
}

const char *wren_st_meta(const struct st_file *f, const char *key)
{
    const struct jval *m = jget(&f->hdr, "__metadata__");
    const struct jval *v = m ? jget(m, key) : NULL;
    return v && v->type == J_STR ? v->str : NULL;
}

int wren_st_count(const struct st_file *f) { return f->hdr.n; }

const char *wren_st_name(const struct st_file *f, int i)
{
    return i >= 0 && i < f->hdr.n ? f->hdr.keys[i] : NULL;
}

int wren_st_tensor(const struct st_file *f, const char *name, const char **dtype, int *ndim,
              long *shape, const void **data, size_t *nbytes)
{
    const struct jval *t = strcmp(name, "__metadata__") ? jget(&f->hdr, name) : NULL;
    if (!t) return wren_error("%s: no tensor '%s'", f->path, name);
    const struct jval *sh = jget(t, "shape"), *off = jget(t, "data_offsets");
    if (sh->n > 4) return wren_error("%s: tensor '%s' has %d dimensions", f->path, name, sh->n);
    *dtype = jget(t, "dtype")->str;
    *ndim = sh->n;
    for (int j = 0; j < sh->n; j++) shape[j] = (long)sh->items[j].num;
    *data = f->raw + f->data_off + (size_t)off->items[0].num;
    *nbytes = (size_t)(off->items[1].num - off->items[0].num);
    return 0;
}

/* ---------------------------------------------------------------- writing */

struct st_entry { char *name, *dtype; int ndim; long shape[4]; const void *data; size_t nbytes; };
struct st_writer {
    int n, cap, nmeta, mcap;
    struct st_entry *e;
    char **mkey, **mval;
};

struct st_writer *wren_st_writer_create(void) { return wren_xcalloc(1, sizeof(struct st_writer)); }

void wren_st_writer_meta(struct st_writer *w, const char *key, const char *value)
{
    if (w->nmeta == w->mcap) {
        w->mcap = w->mcap ? 2 * w->mcap : 16;
        w->mkey = wren_xrealloc(w->mkey, (size_t)w->mcap * sizeof *w->mkey);
        w->mval = wren_xrealloc(w->mval, (size_t)w->mcap * sizeof *w->mval);
    }
    w->mkey[w->nmeta] = wren_xstrdup(key);
    w->mval[w->nmeta++] = wren_xstrdup(value);
}

void wren_st_writer_add(struct st_writer *w, const char *name, const char *dtype, int ndim,
                   const long *shape, const void *data, size_t nbytes)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 64;
        w->e = wren_xrealloc(w->e, (size_t)w->cap * sizeof *w->e);
    }
    struct st_entry *e = &w->e[w->n++];
    e->name = wren_xstrdup(name);
    e->dtype = wren_xstrdup(dtype);
    e->ndim = ndim;
    for (int i = 0; i < ndim; i++) e->shape[i] = shape[i];
    e->data = data;
    e->nbytes = nbytes;
}

/* Append s to a growing buffer. */
struct sbuf { char *s; size_t n, cap; };
static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        while (b->n + n + 1 > b->cap) b->cap = b->cap ? 2 * b->cap : 4096;
        b->s = wren_xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}
static void sb_str(struct sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_json_string(struct sbuf *b, const char *s)
{
    sb_put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\') { esc[0] = '\\'; esc[1] = (char)c; sb_put(b, esc, 2); }
        else if (c == '\n') sb_put(b, "\\n", 2);
        else if (c < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", c); sb_put(b, esc, 6); }
        else sb_put(b, (const char *)&c, 1);
    }
    sb_put(b, "\"", 1);
}

static void st_writer_free(struct st_writer *w)
{
    for (int i = 0; i < w->n; i++) { free(w->e[i].name); free(w->e[i].dtype); }
    for (int i = 0; i < w->nmeta; i++) { free(w->mkey[i]); free(w->mval[i]); }
    free(w->e);
    free(w->mkey);
    free(w->mval);
    free(w);
}

int wren_st_writer_write(struct st_writer *w, const char *path)
{
    struct sbuf h = { 0 };
    char num[64];
    sb_str(&h, "{\"__metadata__\":{");
    for (int i = 0; i < w->nmeta; i++) {
        if (i) sb_str(&h, ",");
        sb_json_string(&h, w->mkey[i]);
        sb_str(&h, ":");
        sb_json_string(&h, w->mval[i]);
    }
    sb_str(&h, "}");
    size_t off = 0;
    for (int i = 0; i < w->n; i++) {
        struct st_entry *e = &w->e[i];
        sb_str(&h, ",");
        sb_json_string(&h, e->name);
        sb_str(&h, ":{\"dtype\":");
        sb_json_string(&h, e->dtype);
        sb_str(&h, ",\"shape\":[");
        for (int j = 0; j < e->ndim; j++) {
            snprintf(num, sizeof num, "%s%ld", j ? "," : "", e->shape[j]);
            sb_str(&h, num);
        }
        snprintf(num, sizeof num, "],\"data_offsets\":[%zu,%zu]}", off, off + e->nbytes);
        sb_str(&h, num);
        off += e->nbytes;
    }
    sb_str(&h, "}");
    while (h.n % 8) sb_str(&h, " ");
    struct wren_atomic a;
    if (wren_atomic_open(&a, path, "wb")) { free(h.s); st_writer_free(w); return -1; }
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)(((uint64_t)h.n >> (8 * i)) & 0xff);
    fwrite(len8, 1, 8, a.f);
    fwrite(h.s, 1, h.n, a.f);
    for (int i = 0; i < w->n; i++) fwrite(w->e[i].data, 1, w->e[i].nbytes, a.f);
    free(h.s);
    st_writer_free(w);
    return wren_atomic_commit(&a);
}
