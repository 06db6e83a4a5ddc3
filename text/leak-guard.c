/* leak-guard.c — remove training lines sharing a long word window with evaluation sentences
 * (see leak-guard.h). Not for: normalisation rules (text-norm.c) or n-gram counting. */
#include "text/leak-guard.h"

#include "text/text-norm.h"
#include "utils/hashmap.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct wren_leak_guard {
    struct wren_leak_guard_opts o;
    struct wren_textnorm *tn;
    struct wren_u64map windows, sentences;   /* hashes of word windows, of short sentences */
    struct wren_leak_stats st;
    struct wren_tn_buf norm;
    uint64_t *wh;              /* word hashes of the current text */
    size_t whcap;
};

void wren_leak_guard_opts_default(struct wren_leak_guard_opts *o)
{
    memset(o, 0, sizeof *o);
    o->window = 8;
    o->casing = "lower";
}

int wren_leak_guard_opts_table(struct wren_leak_guard_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "window", WREN_OPT_INT, &o->window, "a shared window of this many words is a leak" },
        { "ids", WREN_OPT_BOOL, &o->ids, "evaluation files are Kaldi text (first field: utterance id)" },
        { "paragraphs", WREN_OPT_BOOL, &o->paragraphs, "training text: treat runs of non-blank lines as one unit" },
        { "case", WREN_OPT_STRING, &o->casing, "case folding of both sides (lower or upper)" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(tab) == WREN_LEAK_GUARD_NOPTS + 1, "WREN_LEAK_GUARD_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}

struct wren_leak_guard *wren_leak_guard_create(const struct wren_leak_guard_opts *o)
{
    if (o->window < 1 || o->window > 1000) { wren_error("--window must be between 1 and 1000, not %d", o->window); return NULL; }
    struct wren_textnorm_opts no;
    wren_textnorm_opts_default(&no);
    no.casing = o->casing;
    struct wren_textnorm *tn = wren_textnorm_create(&no);   /* split: one sentence a line */
    if (!tn) return NULL;
    struct wren_leak_guard *g = wren_xcalloc(1, sizeof *g);
    g->o = *o;
    wren_u64map_init(&g->windows, 0);
    wren_u64map_init(&g->sentences, 0);
    g->tn = tn;
    return g;
}

void wren_leak_guard_free(struct wren_leak_guard *g)
{
    if (!g) return;
    wren_textnorm_free(g->tn);
    wren_u64map_free(&g->windows);
    wren_u64map_free(&g->sentences);
    wren_tn_buf_free(&g->norm);
    free(g->wh);
    free(g);
}

static uint64_t word_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ULL; }
    return h;
}

static uint64_t seq_hash(const uint64_t *w, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ w[i]) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h;
}

/* Normalise text into g->norm (sentences on lines) and hash its words into g->wh; sentence
 * ends are recorded as word counts in *ends (caller frees). Returns the number of words. */
static size_t normalise(struct wren_leak_guard *g, const char *text, size_t **ends, size_t *nends)
{
    g->norm.n = 0;
    if (g->norm.s) g->norm.s[0] = '\0';
    wren_textnorm_unit(g->tn, text, &g->norm);
    size_t nw = 0, ne = 0, ecap = 8;
    size_t *e = wren_xmalloc(ecap * sizeof *e);
    const char *s = g->norm.s ? g->norm.s : "";
    while (*s) {
        if (*s == '\n') {
            if (ne == ecap) e = wren_xrealloc(e, (ecap *= 2) * sizeof *e);
            e[ne++] = nw;
            s++;
            continue;
        }
        if (*s == ' ') { s++; continue; }
        const char *w = s;
        while (*s && *s != ' ' && *s != '\n') s++;
        if (nw == g->whcap) g->wh = wren_xrealloc(g->wh, (g->whcap = g->whcap ? 2 * g->whcap : 256) * sizeof *g->wh);
        g->wh[nw++] = word_hash(w, (size_t)(s - w));
    }
    *ends = e;
    *nends = ne;
    return nw;
}

int wren_leak_guard_add_eval(struct wren_leak_guard *g, const char *path)
{
    struct wren_input in;
    if (wren_input_open(&in, path)) return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    size_t W = (size_t)g->o.window;
    while ((len = getline(&line, &cap, in.f)) >= 0) {
        char *s = line;
        if (g->o.ids) {
            while (*s && isspace((unsigned char)*s)) s++;
            while (*s && !isspace((unsigned char)*s)) s++;
        }
        /* an evaluation line is one sentence: join what the splitter found */
        size_t *ends, ne;
        size_t nw = normalise(g, s, &ends, &ne);
        free(ends);
        if (nw == 0) continue;
        g->st.eval_sentences++;
        if (nw < W) { wren_u64map_put(&g->sentences, seq_hash(g->wh, nw), NULL); g->st.eval_short++; continue; }
        for (size_t i = 0; i + W <= nw; i++) wren_u64map_put(&g->windows, seq_hash(g->wh + i, W), NULL);
    }
    free(line);
    if (wren_input_close(&in)) return -1;
    g->st.eval_windows = (long)wren_u64map_size(&g->windows);
    return 0;
}

int wren_leak_guard_leaks(struct wren_leak_guard *g, const char *text)
{
    size_t *ends, ne;
    size_t nw = normalise(g, text, &ends, &ne);
    size_t W = (size_t)g->o.window;
    int leak = 0;
    for (size_t i = 0; !leak && wren_u64map_size(&g->windows) && i + W <= nw; i++) leak = wren_u64map_get(&g->windows, seq_hash(g->wh + i, W)) != NULL;
    for (size_t k = 0, from = 0; !leak && wren_u64map_size(&g->sentences) && k < ne; from = ends[k++]) {
        size_t n = ends[k] - from;
        if (n > 0 && n < W) leak = wren_u64map_get(&g->sentences, seq_hash(g->wh + from, n)) != NULL;
    }
    /* the whole unit as one sentence too (a line split by the sentence splitter) */
    if (!leak && wren_u64map_size(&g->sentences) && nw > 0 && nw < W) leak = wren_u64map_get(&g->sentences, seq_hash(g->wh, nw)) != NULL;
    free(ends);
    return leak;
}

void wren_leak_guard_stats(const struct wren_leak_guard *g, struct wren_leak_stats *st) { *st = g->st; }

static int is_blank(const char *s)
{
    for (; *s; s++) if (!isspace((unsigned char)*s)) return 0;
    return 1;
}

/* Decide on one unit (a line or a paragraph of lines) and write it unless it leaks. */
static void unit_done(struct wren_leak_guard *g, const char *unit, long nlines, FILE *out)
{
    if (nlines == 0) return;
    if (wren_leak_guard_leaks(g, unit)) g->st.removed += nlines;
    else { fputs(unit, out); g->st.kept += nlines; }
}

int wren_leak_guard_filter(struct wren_leak_guard *g, const char *in_path, const char *out_path,
                           struct wren_leak_stats *st)
{
    if (wren_u64map_size(&g->windows) == 0 && wren_u64map_size(&g->sentences) == 0) return wren_error("leak-guard: no evaluation sentences were given");
    struct wren_input in;
    if (wren_input_open(&in, in_path)) return -1;
    struct wren_atomic a;
    if (wren_atomic_open(&a, out_path, "w")) { wren_input_close(&in); return -1; }
    g->st.lines = g->st.removed = g->st.kept = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    struct wren_tn_buf para = { 0 };
    long plines = 0;
    int rc = 0;
    struct wren_progress p;
    wren_progress_start(&p, "lines", 0);
    while ((len = getline(&line, &cap, in.f)) >= 0) {
        g->st.lines++;
        if ((size_t)len != strlen(line)) { rc = wren_error("%s:%ld: NUL byte in text", in_path, g->st.lines); break; }
        if (len > 0 && line[len - 1] != '\n') { line = wren_xrealloc(line, (size_t)len + 2); strcpy(line + len, "\n"); }
        if (!g->o.paragraphs) {
            unit_done(g, line, 1, a.f);
        } else if (is_blank(line)) {
            unit_done(g, para.s, plines, a.f);
            para.n = 0;
            plines = 0;
            fputs(line, a.f);     /* paragraph breaks stay */
            g->st.kept++;
        } else {
            size_t ll = strlen(line);
            para.s = wren_xrealloc(para.s, para.n + ll + 1);
            memcpy(para.s + para.n, line, ll + 1);
            para.n += ll;
            plines++;
        }
        if ((g->st.lines & 0xffff) == 0) wren_progress_update(&p, (double)g->st.lines);
    }
    if (rc == 0 && plines) unit_done(g, para.s, plines, a.f);
    wren_progress_end(&p, (double)g->st.lines);
    free(line);
    wren_tn_buf_free(&para);
    if (wren_input_close(&in) && rc == 0) rc = -1;
    if (rc) { wren_atomic_abort(&a); return -1; }
    if (wren_atomic_commit(&a)) return -1;
    if (st) *st = g->st;
    return 0;
}
