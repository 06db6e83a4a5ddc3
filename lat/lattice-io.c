/* lattice-io.c — Kaldi's compact-lattice text format for struct wren_lattice:
 *   utt-key
 *   src<TAB>dst<TAB>word<TAB>graph,acoustic,tid_tid_...
 *   state<TAB>graph,acoustic,tid_...        (final state; a bare "state" means weight 0,0,)
 *   <blank line>
 * The first arc line's source is the start state, as in OpenFst's text format. Word ids are
 * integers (words.txt). The framing is strict, as in Kaldi's archives: the key is one token on
 * its own line, a lattice ends at its blank line and only there, so a lattice cut short (end of
 * file before its blank line) or a blank line inside one (its next arc line would read as a
 * key) is an error, never a shorter lattice. Costs must be finite. Also atomic, optionally
 * gzip-compressed output files.
 * Not for: lattice algorithms (lattice.c). */
#include "lat/lattice.h"

#include "utils/error.h"
#include "utils/io.h"
#include "utils/table.h"

#include <zlib.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void write_weight(FILE *f, float g, float a, const int32_t *t, int32_t n)
{
    fprintf(f, "%.9g,%.9g,", (double)g, (double)a);   /* %.9g: floats round-trip exactly */
    for (int32_t i = 0; i < n; i++) fprintf(f, i ? "_%d" : "%d", t[i]);
}

static void write_state(FILE *f, const struct wren_lattice *l, int32_t s)
{
    for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
        const struct wren_lat_arc *a = &l->arcs[i];
        fprintf(f, "%d\t%d\t%d\t", s, a->dst, a->word);
        write_weight(f, a->g, a->a, l->tids + a->str, a->len);
        fputc('\n', f);
    }
    if (l->final_g[s] != INFINITY) {
        fprintf(f, "%d\t", s);
        write_weight(f, l->final_g[s], l->final_a[s], l->tids + l->final_str[s], l->final_len[s]);
        fputc('\n', f);
    }
}

int wren_lattice_write(FILE *f, const char *key, const struct wren_lattice *l)
{
    fprintf(f, "%s\n", key);
    if (l->start >= 0) {
        write_state(f, l, l->start);
        for (int32_t s = 0; s < l->n_states; s++)
            if (s != l->start) write_state(f, l, s);
    }
    fputc('\n', f);
    /* the stream's owner names the file (see wren_stream_check); stop early on a dead output */
    return ferror(f) ? wren_error("write error: %s", errno ? strerror(errno) : "input/output error") : 0;
}

/* "g,a,t1_t2" -> costs and tids appended to *t; -1 malformed, -2 a cost is NaN or infinite */
static int parse_weight(char *w, float *g, float *a, int32_t **t, size_t *nt, size_t *ct)
{
    char *c1 = strchr(w, ',');
    if (!c1) return -1;
    char *c2 = strchr(c1 + 1, ',');
    if (!c2) return -1;
    *c1 = *c2 = '\0';
    char *end;
    errno = 0;
    double x = strtod(w, &end);
    if (end == w || *end) return -1;
    double y = strtod(c1 + 1, &end);
    if (end == c1 + 1 || *end || errno) return -1;
    if (!isfinite(x) || !isfinite(y) || !isfinite((float)x) || !isfinite((float)y)) return -2;
    *g = (float)x;
    *a = (float)y;
    char *p = c2 + 1;
    while (*p) {   /* digits by hand: strtol (locale, sign, base) was a tenth of reading */
        int64_t v = 0;
        for (end = p; *end >= '0' && *end <= '9'; end++)
            if ((v = v * 10 + (*end - '0')) > INT32_MAX) return -1;
        if (end == p) return -1;
        if (*nt + 1 > *ct) { *ct = *ct ? *ct * 2 : 64; *t = wren_xrealloc(*t, *ct * sizeof **t); }
        (*t)[(*nt)++] = (int32_t)v;
        if (*end == '_') end++;
        else if (*end) return -1;
        p = end;
    }
    return 0;
}

struct pending { int32_t src, dst, word; float g, a; size_t str, len; };

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int32_t compact_id(const int32_t *ids, size_t n, int32_t s)
{
    return (int32_t)((const int32_t *)bsearch(&s, ids, n, sizeof *ids, cmp_i32) - ids);
}

/* State ids are labels: a lattice that names state 3000000 in a few lines must not make three
 * million states. When the ids are sparse they are renumbered densely, in the same order (the
 * reader sorts the lattice topologically afterwards anyway). Returns the new max_state. */
static int32_t compact_states(struct pending *arcs, size_t na, int32_t *fin, size_t nf, int32_t *start,
                              int32_t max_state)
{
    size_t n = 2 * na + nf;
    if ((size_t)max_state < 2 * n + 16) return max_state;
    int32_t *ids = wren_xmalloc(sizeof *ids * (n ? n : 1));
    size_t k = 0;
    for (size_t i = 0; i < na; i++) { ids[k++] = arcs[i].src; ids[k++] = arcs[i].dst; }
    for (size_t i = 0; i < nf; i++) ids[k++] = fin[i];
    qsort(ids, k, sizeof *ids, cmp_i32);
    size_t u = 0;
    for (size_t i = 0; i < k; i++) if (!u || ids[i] != ids[u - 1]) ids[u++] = ids[i];
    for (size_t i = 0; i < na; i++) {
        arcs[i].src = compact_id(ids, u, arcs[i].src);
        arcs[i].dst = compact_id(ids, u, arcs[i].dst);
    }
    for (size_t i = 0; i < nf; i++) fin[i] = compact_id(ids, u, fin[i]);
    *start = compact_id(ids, u, *start);
    free(ids);
    return (int32_t)u - 1;
}

static int parse_state(const char *s, int32_t *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 0 || v >= INT32_MAX) return -1;
    *out = (int32_t)v;
    return 0;
}

int wren_lattice_read(FILE *f, const char *name, int *line, char **key, struct wren_lattice *l)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    *key = NULL;
    wren_lattice_init(l);
    /* key line (blank lines between lattices are skipped, as Kaldi's reader skips whitespace) */
    for (;;) {
        len = getline(&buf, &cap, f);
        if (len < 0) {
            free(buf);
            return ferror(f) ? wren_error("%s:%d: read error", name, *line) : 0;
        }
        (*line)++;
        char *k = wren_strtrim(buf);
        if (!*k) continue;
        if (k[strcspn(k, " \t\r\v\f")]) {
            wren_error("%s:%d: expected an utterance key, found '%.40s' (a blank line inside the "
                       "previous lattice?)", name, *line, k);
            free(buf);
            return -1;
        }
        *key = wren_xstrdup(k);
        break;
    }
    struct pending *arcs = NULL; size_t na = 0, ca = 0;
    int32_t *fin = NULL; size_t nf = 0, cf = 0;   /* final states; weights in fw */
    struct pending *fw = NULL;
    int32_t *tids = NULL; size_t nt = 0, ct = 0;
    int32_t start = -1, max_state = -1;
    int rc = 0;   /* 1 once the terminating blank line is read */
    while ((len = getline(&buf, &cap, f)) >= 0) {
        (*line)++;
        if (buf[len - 1] != '\n') {
            rc = wren_error("%s:%d: lattice '%s' is truncated (end of file inside a line)", name, *line, *key);
            break;
        }
        char *s = wren_strtrim(buf);
        if (!*s) { rc = 1; break; }
        char *fld[5];
        int n = wren_split_ws(s, fld, 5);
        struct pending p = { 0 };
        p.str = nt;
        int bad = 0;
        if (n == 3 || n == 4) {
            bad = parse_state(fld[0], &p.src) || parse_state(fld[1], &p.dst) || parse_state(fld[2], &p.word);
            if (!bad && n == 4) bad = parse_weight(fld[3], &p.g, &p.a, &tids, &nt, &ct);
            p.len = nt - p.str;
            if (!bad) {
                if (ca < na + 1) { ca = ca ? ca * 2 : 64; arcs = wren_xrealloc(arcs, ca * sizeof *arcs); }
                arcs[na++] = p;
                if (start < 0) start = p.src;
                if (p.src > max_state) max_state = p.src;
                if (p.dst > max_state) max_state = p.dst;
            }
        } else if (n == 1 || n == 2) {
            bad = parse_state(fld[0], &p.src);
            if (!bad && n == 2) bad = parse_weight(fld[1], &p.g, &p.a, &tids, &nt, &ct);
            p.len = nt - p.str;
            if (!bad) {
                if (cf < nf + 1) {
                    cf = cf ? cf * 2 : 16;
                    fin = wren_xrealloc(fin, cf * sizeof *fin);
                    fw = wren_xrealloc(fw, cf * sizeof *fw);
                }
                fin[nf] = p.src;
                fw[nf++] = p;
                if (start < 0) start = p.src;
                if (p.src > max_state) max_state = p.src;
            }
        } else {
            bad = -1;
        }
        if (bad == -2) {
            rc = wren_error("%s:%d: NaN or infinite cost in lattice '%s'", name, *line, *key);
            break;
        }
        if (bad) {
            rc = wren_error("%s:%d: bad lattice line (expected 'src dst word g,a,tids' or 'state g,a,tids')",
                            name, *line);
            break;
        }
    }
    if (rc == 0) {   /* the loop ended without its blank line */
        if (ferror(f)) rc = wren_error("%s:%d: read error", name, *line);
        else rc = wren_error("%s:%d: lattice '%s' is truncated (end of file before its terminating blank line)",
                             name, *line, *key);
    }
    if (rc == 1) {
        max_state = compact_states(arcs, na, fin, nf, &start, max_state);
        struct wren_lat_builder *b = wren_lat_builder_create();
        int32_t none = 0;   /* a lattice without any tids has tids == NULL: no offsets from it */
        const int32_t *t0 = tids ? tids : &none;
        for (int32_t s = 0; s <= max_state; s++) wren_lat_builder_add_state(b);
        for (size_t i = 0; i < na; i++)
            wren_lat_builder_add_arc(b, arcs[i].src, arcs[i].dst, arcs[i].word, arcs[i].g, arcs[i].a,
                                     t0 + arcs[i].str, (int32_t)arcs[i].len);
        for (size_t i = 0; i < nf; i++)
            wren_lat_builder_set_final(b, fin[i], fw[i].g, fw[i].a, t0 + fw[i].str, (int32_t)fw[i].len);
        wren_lattice_free(l);
        wren_lat_builder_finish(b, start, l);
        wren_lat_builder_free(b);
        wren_lattice_connect_sort(l);
    } else {
        free(*key);
        *key = NULL;
    }
    free(buf); free(arcs); free(fin); free(fw); free(tids);
    return rc;
}

struct wren_text_out {
    struct wren_atomic a;
    int gz;
    char *buf;          /* gz: text collected in memory, compressed at commit */
    size_t len;
    FILE *mem;
};

int wren_text_out_open(const char *path, struct wren_text_out **out)
{
    struct wren_text_out *o = wren_xcalloc(1, sizeof *o);
    size_t n = strlen(path);
    o->gz = n > 3 && !strcmp(path + n - 3, ".gz");
    if (wren_atomic_open(&o->a, path, "wb")) { free(o); return -1; }
    if (o->gz) {
        o->mem = open_memstream(&o->buf, &o->len);
        if (!o->mem) { wren_atomic_abort(&o->a); free(o); return wren_error("%s: out of memory", path); }
    }
    *out = o;
    return 0;
}

FILE *wren_text_out_file(struct wren_text_out *o) { return o->gz ? o->mem : o->a.f; }

/* 0, or -1 when compression failed, -2 when writing to f failed (errno set). */
static int deflate_to(FILE *f, const char *buf, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    unsigned char out[1 << 16];
    z.next_in = (unsigned char *)buf;
    z.avail_in = (uInt)len;   /* lattices of one run stay far below 4 GB */
    int rc;
    do {
        z.next_out = out;
        z.avail_out = sizeof out;
        rc = deflate(&z, Z_FINISH);
        if (rc == Z_STREAM_ERROR) break;
        size_t have = sizeof out - z.avail_out;
        if (have && fwrite(out, 1, have, f) != have) {
            int err = errno;
            deflateEnd(&z);
            errno = err;
            return -2;
        }
    } while (rc != Z_STREAM_END);
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

int wren_text_out_commit(struct wren_text_out *o)
{
    int rc = 0;
    if (o->gz) {
        fclose(o->mem);
        int d = deflate_to(o->a.f, o->buf, o->len);
        const char *name = o->a.path ? o->a.path : "standard output";
        /* a failed write is a write error naming the file, not a compression failure */
        if (d == -2) rc = wren_error("%s: write error: %s", name, errno ? strerror(errno) : "input/output error");
        else if (d) rc = wren_error("%s: gzip compression failed", name);
        if (d) wren_atomic_abort(&o->a);
        free(o->buf);
    }
    if (!rc) rc = wren_atomic_commit(&o->a);
    free(o);
    return rc;
}

void wren_text_out_abort(struct wren_text_out *o)
{
    if (!o) return;
    if (o->gz) { fclose(o->mem); free(o->buf); }
    wren_atomic_abort(&o->a);
    free(o);
}
