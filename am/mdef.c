/* mdef.c — reading a CMU Sphinx model definition (mdef), binary ("BMDF", either byte order)
 * or text (format "0.3"), into one in-memory form: CI phone names and filler flags, for every
 * phone (CI phones first, then triphones) its base/left/right/word position, senone ids and
 * transition matrix, and a hash from (base, left, right, position) to triphone id.
 * Not for: Gaussians, weights or scoring (am.c), or choosing back-off triphones (the search). */
#include "am/mdef.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am/am-internal.h"
#include "utils/error.h"
#include "utils/hashmap.h"
#include "utils/io.h"

#define MDEF_MAX_CIPHONES 4096
#define MDEF_MAX_EMIT 32

struct wren_mdef {
    int n_ci, n_phone, n_emit, n_ci_sen, n_sen, n_tmat;
    char **ciname;           /* n_ci names */
    int n_ciname;            /* slots allocated in ciname (n_ci once loaded) */
    unsigned char *filler;   /* n_ci */
    int *base, *left, *right;/* n_phone; left/right -1 for CI phones */
    char *wpos;              /* n_phone: 'b','e','i','s' or '-' */
    int *tmat;               /* n_phone */
    int *sen;                /* n_phone * n_emit */
    int *sen2ci;             /* n_sen */
    int sil;
    struct wren_u64map triphones;   /* tri_key -> phone id */
};

static const char WPOS_CODES[] = "ibes";   /* sphinx's word position numbering */

static int wpos_index(char w)
{
    const char *p = w ? strchr(WPOS_CODES, w) : NULL;
    return p ? (int)(p - WPOS_CODES) : -1;
}

static uint64_t tri_key(const struct wren_mdef *m, int base, int left, int right, int wi)
{
    uint64_t n = (uint64_t)m->n_ci;
    return ((((uint64_t)base * n + (uint64_t)left) * n + (uint64_t)right) * 4u + (uint64_t)wi);
}

static void mdef_alloc_phones(struct wren_mdef *m)
{
    size_t n = (size_t)m->n_phone;
    m->base = wren_xcalloc(n, sizeof(int));
    m->left = wren_xcalloc(n, sizeof(int));
    m->right = wren_xcalloc(n, sizeof(int));
    m->wpos = wren_xcalloc(n, 1);
    m->tmat = wren_xcalloc(n, sizeof(int));
    m->sen = wren_xcalloc(n * (size_t)m->n_emit, sizeof(int));
    m->ciname = wren_xcalloc((size_t)m->n_ci, sizeof(char *));
    m->n_ciname = m->n_ci;
    m->filler = wren_xcalloc((size_t)m->n_ci, 1);
}

void wren_mdef_free(struct wren_mdef *m)
{
    if (!m)
        return;
    if (m->ciname)
        for (int i = 0; i < m->n_ciname; i++)
            free(m->ciname[i]);
    free(m->ciname);
    free(m->filler);
    free(m->base);
    free(m->left);
    free(m->right);
    free(m->wpos);
    free(m->tmat);
    free(m->sen);
    free(m->sen2ci);
    wren_u64map_free(&m->triphones);
    free(m);
}

/* Checks shared by both formats, then the derived tables (sen2ci, triphone map, SIL). */
static int mdef_finish(struct wren_mdef *m, const char *path)
{
    /* Counts no phone can use are corruption (and would only waste memory). */
    if ((long long)m->n_sen > (long long)m->n_phone * m->n_emit || m->n_tmat > m->n_phone)
        return wren_error("%s: %d senones / %d transition matrices for %d phones of %d states: "
                          "inconsistent header", path, m->n_sen, m->n_tmat, m->n_phone, m->n_emit);
    for (int p = 0; p < m->n_phone; p++) {
        if (m->tmat[p] < 0 || m->tmat[p] >= m->n_tmat)
            return wren_error("%s: phone %d: transition matrix %d out of range 0..%d", path, p,
                              m->tmat[p], m->n_tmat - 1);
        for (int j = 0; j < m->n_emit; j++) {
            int s = m->sen[(size_t)p * (size_t)m->n_emit + (size_t)j];
            if (s < 0 || s >= m->n_sen)
                return wren_error("%s: phone %d: senone %d out of range 0..%d", path, p, s,
                                  m->n_sen - 1);
        }
    }
    m->sen2ci = wren_xmalloc((size_t)m->n_sen * sizeof(int));
    for (int s = 0; s < m->n_sen; s++)
        m->sen2ci[s] = -1;
    for (int p = 0; p < m->n_phone; p++)
        for (int j = 0; j < m->n_emit; j++) {
            int s = m->sen[(size_t)p * (size_t)m->n_emit + (size_t)j];
            if (m->sen2ci[s] < 0)
                m->sen2ci[s] = m->base[p];
        }
    size_t n_tri = (size_t)(m->n_phone - m->n_ci);
    wren_u64map_init(&m->triphones, n_tri);
    for (int p = m->n_ci; p < m->n_phone; p++) {
        uint64_t key = tri_key(m, m->base[p], m->left[p], m->right[p], wpos_index(m->wpos[p]));
        int is_new;
        int64_t *phone = wren_u64map_put(&m->triphones, key, &is_new);
        if (!is_new)
            return wren_error("%s: duplicate triphone %s %s %s %c (phones %d and %d)", path,
                              m->ciname[m->base[p]], m->ciname[m->left[p]],
                              m->ciname[m->right[p]], m->wpos[p], (int)*phone, p);
        *phone = p;
    }
    m->sil = wren_mdef_ciphone_id(m, "SIL");
    return 0;
}

/* ---------- binary format ---------- */

static int16_t get_i16(const unsigned char *p, int swap)
{
    uint16_t u;
    memcpy(&u, p, 2);
    if (swap)
        u = (uint16_t)((u >> 8) | (u << 8));
    return (int16_t)u;
}

static int32_t get_i32(const unsigned char *p, int swap)
{
    uint32_t u;
    memcpy(&u, p, 4);
    if (swap)
        u = wren_bswap32(u);
    int32_t v;
    memcpy(&v, &u, 4);
    return v;
}

static int bin_read_counts(struct wren_byte_reader *r, struct wren_mdef *m, int32_t *n_sseq,
                           int32_t *n_cd_tree)
{
    int32_t v[10];
    static const char *names[10] = { "n_ciphone", "n_phone", "n_emit_state", "n_ci_sen",
                                     "n_sen", "n_tmat", "n_sseq", "n_ctx", "n_cd_tree", "sil" };
    for (int i = 0; i < 10; i++)
        if (wren_byte_reader_i32(r, &v[i], names[i]) < 0)
            return -1;
    m->n_ci = v[0];
    m->n_phone = v[1];
    m->n_emit = v[2];
    m->n_ci_sen = v[3];
    m->n_sen = v[4];
    m->n_tmat = v[5];
    *n_sseq = v[6];
    *n_cd_tree = v[8];
    if (m->n_emit == 0)
        return wren_error("%s: heterogeneous topologies (n_emit_state 0) are not supported",
                          r->path);
    if (m->n_ci <= 0 || m->n_ci > MDEF_MAX_CIPHONES || m->n_phone < m->n_ci ||
        m->n_emit < 0 || m->n_emit > MDEF_MAX_EMIT || m->n_sen <= 0 ||
        m->n_ci_sen < 0 || m->n_ci_sen > m->n_sen || m->n_tmat <= 0 || *n_sseq <= 0 ||
        *n_cd_tree < 0 || v[7] != 3)
        return wren_error("%s: bad header counts (n_ciphone %d, n_phone %d, n_emit_state %d, "
                          "n_sen %d, n_tmat %d, n_sseq %d, n_ctx %d)", r->path, m->n_ci,
                          m->n_phone, m->n_emit, m->n_sen, m->n_tmat, *n_sseq, v[7]);
    /* Every phone needs 12 bytes: a count beyond the file size is corruption. */
    if ((size_t)m->n_phone > r->len / 12 || (size_t)*n_cd_tree > r->len / 8)
        return wren_error("%s: truncated or corrupt: header counts (n_phone %d, n_cd_tree %d) "
                          "exceed the file size",
                          r->path, m->n_phone, *n_cd_tree);
    return 0;
}

static int bin_read_names(struct wren_byte_reader *r, struct wren_mdef *m)
{
    size_t start = r->pos;
    for (int i = 0; i < m->n_ci; i++) {
        const unsigned char *nul = memchr(r->buf + r->pos, 0, r->len - r->pos);
        if (!nul)
            return wren_error("%s: truncated in CI phone name %d at byte %zu", r->path, i,
                              r->pos);
        size_t n = (size_t)(nul - (r->buf + r->pos));
        if (n == 0)
            return wren_error("%s: empty CI phone name %d at byte %zu", r->path, i, r->pos);
        m->ciname[i] = wren_xmalloc(n + 1);
        memcpy(m->ciname[i], r->buf + r->pos, n + 1);
        r->pos += n + 1;
    }
    size_t used = r->pos - start;
    r->pos = start + ((used + 3) & ~(size_t)3);
    if (r->pos > r->len)
        return wren_error("%s: truncated after CI phone names", r->path);
    return 0;
}

static int bin_read_phones(struct wren_byte_reader *r, struct wren_mdef *m, int32_t n_sseq,
                           const uint16_t **sseq_out)
{
    size_t need = (size_t)m->n_phone * 12;
    if (r->len - r->pos < need)
        return wren_error("%s: truncated in the phone table (%d phones)", r->path, m->n_phone);
    const unsigned char *ph = r->buf + r->pos;
    r->pos += need;
    int32_t sseq_size = 0;
    if (wren_byte_reader_i32(r, &sseq_size, "senone sequence size") < 0)
        return -1;
    if (sseq_size != n_sseq * m->n_emit || r->len - r->pos < (size_t)sseq_size * 2)
        return wren_error("%s: senone sequence table size %d does not match n_sseq %d x %d "
                          "states or is truncated", r->path, sseq_size, n_sseq, m->n_emit);
    const unsigned char *sq = r->buf + r->pos;
    r->pos += (size_t)sseq_size * 2;
    (void)sseq_out;
    for (int p = 0; p < m->n_phone; p++) {
        const unsigned char *e = ph + (size_t)p * 12;
        int32_t ssid = get_i32(e, r->swap);
        m->tmat[p] = get_i32(e + 4, r->swap);
        if (ssid < 0 || ssid >= n_sseq)
            return wren_error("%s: phone %d: senone sequence %d out of range 0..%d", r->path, p,
                              ssid, n_sseq - 1);
        for (int j = 0; j < m->n_emit; j++)
            m->sen[(size_t)p * (size_t)m->n_emit + (size_t)j] =
                (uint16_t)get_i16(sq + ((size_t)ssid * (size_t)m->n_emit + (size_t)j) * 2,
                                  r->swap);
        if (p < m->n_ci) {
            m->base[p] = p;
            m->left[p] = m->right[p] = -1;
            m->wpos[p] = '-';
            m->filler[p] = e[8] ? 1 : 0;
            continue;
        }
        int wi = e[8], b = e[9], l = e[10], rr = e[11];
        if (wi > 3 || b >= m->n_ci || l >= m->n_ci || rr >= m->n_ci)
            return wren_error("%s: phone %d: bad context (wpos %d, phones %d %d %d)", r->path,
                              p, wi, b, l, rr);
        m->base[p] = b;
        m->left[p] = l;
        m->right[p] = rr;
        m->wpos[p] = WPOS_CODES[wi];
    }
    return 0;
}

static int mdef_parse_binary(const unsigned char *buf, size_t len, const char *path,
                             struct wren_mdef *m)
{
    struct wren_byte_reader r = { buf, len, 4, 0, path };
    if (memcmp(buf, "FDMB", 4) == 0)
        r.swap = 1;
    int32_t version, hdrlen, n_sseq, n_cd_tree;
    if (wren_byte_reader_i32(&r, &version, "version") < 0 || wren_byte_reader_i32(&r, &hdrlen, "header length") < 0)
        return -1;
    if (version < 0 || version > 1)
        return wren_error("%s: unsupported binary mdef version %d (bad byte order?)", path,
                          version);
    if (hdrlen < 0 || (size_t)hdrlen > len - r.pos)
        return wren_error("%s: bad format description length %d", path, hdrlen);
    r.pos += (size_t)hdrlen;
    if (bin_read_counts(&r, m, &n_sseq, &n_cd_tree) < 0)
        return -1;
    mdef_alloc_phones(m);
    if (bin_read_names(&r, m) < 0)
        return -1;
    if (len - r.pos < (size_t)n_cd_tree * 8)
        return wren_error("%s: truncated in the context tree", path);
    r.pos += (size_t)n_cd_tree * 8;   /* Wren builds its own triphone hash instead */
    return bin_read_phones(&r, m, n_sseq, NULL);
}

/* ---------- text format ---------- */

struct text_reader {
    char *p;         /* current position in the NUL-terminated buffer */
    int line;
    const char *path;
};

/* Next non-empty, non-comment line (NUL-terminated in place), or NULL at the end. */
static char *tr_line(struct text_reader *t)
{
    while (*t->p) {
        char *s = t->p;
        char *nl = strchr(s, '\n');
        if (nl) {
            *nl = 0;
            t->p = nl + 1;
        } else {
            t->p = s + strlen(s);
        }
        t->line++;
        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        if (*s && *s != '#')
            return s;
    }
    return NULL;
}

static int split_words(char *s, char **w, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(s, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
        if (n == max)
            return max + 1;
        w[n++] = tok;
    }
    return n;
}

static int parse_int(const char *s, int *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno || x < 0 || x > 0x7fffffff)
        return -1;
    *v = (int)x;
    return 0;
}

static int text_header(struct text_reader *t, int *counts)
{
    static const char *keys[6] = { "n_base", "n_tri", "n_state_map", "n_tied_state",
                                   "n_tied_ci_state", "n_tied_tmat" };
    char *s = tr_line(t);
    if (!s || strncmp(s, "0.3", 3) != 0 || (s[3] && s[3] != ' ' && s[3] != '\t' && s[3] != '\r'))
        return wren_error("%s:%d: not an mdef: expected binary \"BMDF\" or text version "
                          "\"0.3\"", t->path, t->line);
    for (int i = 0; i < 6; i++) {
        char *w[3];
        s = tr_line(t);
        if (!s)
            return wren_error("%s:%d: truncated header, expected \"N %s\"", t->path, t->line,
                              keys[i]);
        if (split_words(s, w, 2) != 2 || strcmp(w[1], keys[i]) != 0 ||
            parse_int(w[0], &counts[i]) < 0)
            return wren_error("%s:%d: expected \"N %s\"", t->path, t->line, keys[i]);
    }
    return 0;
}

static int text_phone(struct text_reader *t, struct wren_mdef *m, int p, int is_ci, char *s)
{
    char *w[6 + MDEF_MAX_EMIT + 2];
    int nw = split_words(s, w, 6 + MDEF_MAX_EMIT + 1);
    if (nw != 6 + m->n_emit + 1 || strcmp(w[nw - 1], "N") != 0)
        return wren_error("%s:%d: expected base lft rt p attrib tmat, %d state ids and N",
                          t->path, t->line, m->n_emit);
    if (is_ci) {
        if (strcmp(w[1], "-") || strcmp(w[2], "-") || strcmp(w[3], "-"))
            return wren_error("%s:%d: CI phone line must have '-' contexts", t->path, t->line);
        if (wren_mdef_ciphone_id(m, w[0]) >= 0)
            return wren_error("%s:%d: duplicate base phone %s", t->path, t->line, w[0]);
        m->ciname[p] = wren_xstrdup(w[0]);
        m->base[p] = p;
        m->left[p] = m->right[p] = -1;
        m->wpos[p] = '-';
    } else {
        int b = wren_mdef_ciphone_id(m, w[0]), l = wren_mdef_ciphone_id(m, w[1]);
        int r = wren_mdef_ciphone_id(m, w[2]);
        if (b < 0 || l < 0 || r < 0)
            return wren_error("%s:%d: unknown phone in triphone %s %s %s", t->path, t->line,
                              w[0], w[1], w[2]);
        if (wpos_index(w[3][0]) < 0 || w[3][1])
            return wren_error("%s:%d: bad word position '%s'", t->path, t->line, w[3]);
        m->base[p] = b;
        m->left[p] = l;
        m->right[p] = r;
        m->wpos[p] = w[3][0];
    }
    int filler = strcmp(w[4], "filler") == 0;
    if (!filler && strcmp(w[4], "n/a") != 0)
        return wren_error("%s:%d: bad attribute '%s' (filler or n/a)", t->path, t->line, w[4]);
    if (is_ci)
        m->filler[p] = (unsigned char)filler;
    else if (filler != m->filler[m->base[p]])
        return wren_error("%s:%d: filler attribute differs from its base phone", t->path,
                          t->line);
    if (parse_int(w[5], &m->tmat[p]) < 0)
        return wren_error("%s:%d: bad transition matrix id '%s'", t->path, t->line, w[5]);
    for (int j = 0; j < m->n_emit; j++)
        if (parse_int(w[6 + j], &m->sen[(size_t)p * (size_t)m->n_emit + (size_t)j]) < 0)
            return wren_error("%s:%d: bad senone id '%s'", t->path, t->line, w[6 + j]);
    return 0;
}

static int mdef_parse_text(char *buf, const char *path, struct wren_mdef *m)
{
    struct text_reader t = { buf, 0, path };
    int c[6];
    if (text_header(&t, c) < 0)
        return -1;
    if (c[1] > 0x7fffffff - c[0])
        return wren_error("%s: n_tri %d out of range", path, c[1]);
    m->n_ci = c[0];
    m->n_phone = c[0] + c[1];
    m->n_sen = c[3];
    m->n_ci_sen = c[4];
    m->n_tmat = c[5];
    if (m->n_ci <= 0 || m->n_ci > MDEF_MAX_CIPHONES || m->n_phone < m->n_ci ||
        c[2] % m->n_phone != 0 || c[2] / m->n_phone < 2 ||
        c[2] / m->n_phone - 1 > MDEF_MAX_EMIT || m->n_sen <= 0 || m->n_ci_sen > m->n_sen ||
        m->n_tmat <= 0 || (size_t)m->n_phone > strlen(t.p) / 8)
        return wren_error("%s: inconsistent header counts (n_base %d, n_tri %d, n_state_map "
                          "%d, n_tied_state %d, n_tied_tmat %d)", path, c[0], c[1], c[2],
                          c[3], c[5]);
    m->n_emit = c[2] / m->n_phone - 1;
    mdef_alloc_phones(m);
    for (int p = 0; p < m->n_phone; p++) {
        char *s = tr_line(&t);
        if (!s)
            return wren_error("%s:%d: truncated: %d of %d phones read", path, t.line, p,
                              m->n_phone);
        m->n_ci = p < c[0] ? p : c[0];   /* names known so far, for lookups */
        if (text_phone(&t, m, p, p < c[0], s) < 0)
            return -1;
    }
    m->n_ci = c[0];
    if (tr_line(&t))
        return wren_error("%s:%d: more phone lines than the header's %d", path, t.line,
                          m->n_phone);
    return 0;
}

int wren_mdef_load(const char *path, struct wren_mdef **out)
{
    *out = NULL;
    char *buf;
    size_t len;
    if (wren_read_all(path, &buf, &len) < 0)
        return -1;
    struct wren_mdef *m = wren_xcalloc(1, sizeof(*m));
    int rc;
    if (len >= 4 && (memcmp(buf, "BMDF", 4) == 0 || memcmp(buf, "FDMB", 4) == 0)) {
        rc = mdef_parse_binary((const unsigned char *)buf, len, path, m);
    } else if (memchr(buf, 0, len)) {
        rc = wren_error("%s: not an mdef: binary data without the \"BMDF\" marker", path);
    } else {
        rc = mdef_parse_text(buf, path, m);
    }
    free(buf);
    if (rc == 0)
        rc = mdef_finish(m, path);
    if (rc < 0) {
        wren_mdef_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

int wren_mdef_n_ciphones(const struct wren_mdef *m) { return m->n_ci; }
int wren_mdef_n_phones(const struct wren_mdef *m) { return m->n_phone; }
int wren_mdef_n_emit_states(const struct wren_mdef *m) { return m->n_emit; }
int wren_mdef_n_senones(const struct wren_mdef *m) { return m->n_sen; }
int wren_mdef_n_ci_senones(const struct wren_mdef *m) { return m->n_ci_sen; }
int wren_mdef_n_tmat(const struct wren_mdef *m) { return m->n_tmat; }
int wren_mdef_sil(const struct wren_mdef *m) { return m->sil; }

const char *wren_mdef_ciphone_name(const struct wren_mdef *m, int ci)
{
    return ci >= 0 && ci < m->n_ci ? m->ciname[ci] : NULL;
}

int wren_mdef_ciphone_id(const struct wren_mdef *m, const char *name)
{
    for (int i = 0; i < m->n_ci; i++)
        if (m->ciname[i] && strcmp(m->ciname[i], name) == 0)
            return i;
    return -1;
}

int wren_mdef_is_filler(const struct wren_mdef *m, int ci)
{
    return ci >= 0 && ci < m->n_ci && m->filler[ci];
}

int wren_mdef_triphone(const struct wren_mdef *m, int base, int left, int right, char wpos)
{
    int wi = wpos_index(wpos);
    if (wi < 0 || base < 0 || base >= m->n_ci || left < 0 || left >= m->n_ci || right < 0 ||
        right >= m->n_ci)
        return -1;
    /* As sphinx does, filler contexts are looked up as silence. */
    if (m->sil >= 0 && m->filler[left])
        left = m->sil;
    if (m->sil >= 0 && m->filler[right])
        right = m->sil;
    uint64_t key = tri_key(m, base, left, right, wi);
    const int64_t *phone = wren_u64map_get(&m->triphones, key);
    return phone ? (int)*phone : -1;
}

const int *wren_mdef_senones(const struct wren_mdef *m, int phone)
{
    if (phone < 0 || phone >= m->n_phone)
        return NULL;
    return m->sen + (size_t)phone * (size_t)m->n_emit;
}

int wren_mdef_tmat(const struct wren_mdef *m, int phone)
{
    return phone >= 0 && phone < m->n_phone ? m->tmat[phone] : -1;
}

int wren_mdef_phone_base(const struct wren_mdef *m, int phone)
{
    return phone >= 0 && phone < m->n_phone ? m->base[phone] : -1;
}

int wren_mdef_phone_left(const struct wren_mdef *m, int phone)
{
    return phone >= 0 && phone < m->n_phone ? m->left[phone] : -1;
}

int wren_mdef_phone_right(const struct wren_mdef *m, int phone)
{
    return phone >= 0 && phone < m->n_phone ? m->right[phone] : -1;
}

char wren_mdef_phone_wpos(const struct wren_mdef *m, int phone)
{
    return phone >= 0 && phone < m->n_phone ? m->wpos[phone] : '-';
}

int wren_mdef_senone_ciphone(const struct wren_mdef *m, int s)
{
    return s >= 0 && s < m->n_sen ? m->sen2ci[s] : -1;
}
