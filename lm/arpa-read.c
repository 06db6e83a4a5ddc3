/* arpa-read.c — the ARPA parser: header "\data\" with "ngram N=count" lines, then one
 * "\N-grams:" section per order with "logprob w1 ... wN [backoff]" lines, then "\end\".
 * Tolerant of what other toolkits write (text before \data\, blank lines, tabs or spaces,
 * -inf, missing back-offs); strict about structure, with "file:line: ..." errors.
 * Not for: storage and lookup (arpa.c). */
#include "lm/arpa.h"
#include "lm/arpa-impl.h"

#include "utils/error.h"
#include "utils/io.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct reader {
    struct wren_input in;
    char *line;
    size_t cap;
    long lineno;
    const char *name;
};

/* Next line with trailing whitespace removed; returns 0 at EOF. */
static int next_line(struct reader *r)
{
    ssize_t len = getline(&r->line, &r->cap, r->in.f);
    if (len < 0) return 0;
    r->lineno++;
    while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r' ||
                       r->line[len - 1] == ' ' || r->line[len - 1] == '\t'))
        r->line[--len] = '\0';
    return 1;
}

static int is_blank(const char *s) { return s[strspn(s, " \t")] == '\0'; }

/* A log10 value. The literal -inf (log 0, as some toolkits write it) reads as -99 like
 * SRILM's; anything else must be finite as a float: 1e40 or -1e40 would overflow to +-inf and
 * a back-off of inf turns every probability behind it into inf. */
static int parse_float(const char *tok, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(tok, &end);
    if (end == tok || *end != '\0' || isnan(v)) return -1;
    if (isinf(v)) {
        if (v > 0) return -1;
        *out = -99.0f;
        return 0;
    }
    if (!isfinite((float)v)) return -1;
    *out = (float)v;
    return 0;
}

/* The header: from \data\ up to the first \N-grams: line. Fills counts[1..order]. */
static int read_header(struct reader *r, size_t *counts, int *order)
{
    int seen_data = 0;
    *order = 0;
    while (next_line(r)) {
        const char *s = r->line + strspn(r->line, " \t");
        if (!seen_data) {
            if (!strcmp(s, "\\data\\")) seen_data = 1;
            continue;
        }
        if (is_blank(s)) continue;
        int n;
        unsigned long long c;
        char tail;
        if (sscanf(s, "ngram %d = %llu %c", &n, &c, &tail) == 2) {
            if (n < 1 || n > WREN_ARPA_MAX_ORDER)
                return wren_error("%s:%ld: unsupported n-gram order %d (1..%d)", r->name,
                                  r->lineno, n, WREN_ARPA_MAX_ORDER);
            if (n != *order + 1)
                return wren_error("%s:%ld: expected \"ngram %d=...\"", r->name, r->lineno,
                                  *order + 1);
            counts[n] = (size_t)c;
            *order = n;
            continue;
        }
        if (sscanf(s, "\\%d-grams%c", &n, &tail) == 2 && tail == ':') {
            if (*order == 0)
                return wren_error("%s:%ld: no \"ngram N=count\" lines before the first section",
                                  r->name, r->lineno);
            if (n != 1)
                return wren_error("%s:%ld: expected the \\1-grams: section", r->name, r->lineno);
            return 0;
        }
        return wren_error("%s:%ld: unexpected line in the \\data\\ header: \"%.40s\"", r->name,
                          r->lineno, s);
    }
    return wren_error("%s:%ld: %s", r->name, r->lineno,
                      seen_data ? "end of file in the \\data\\ header" : "no \\data\\ line (not an ARPA file)");
}

/* One n-gram line of order n. */
static int read_ngram(struct reader *r, struct wren_arpa *a, int n)
{
    char *tok[WREN_ARPA_MAX_ORDER + 3];
    int nt = 0;
    for (char *p = strtok(r->line, " \t"); p; p = strtok(NULL, " \t")) {
        if (nt == n + 2)
            return wren_error("%s:%ld: too many fields for a %d-gram", r->name, r->lineno, n);
        tok[nt++] = p;
    }
    if (nt < n + 1)
        return wren_error("%s:%ld: too few fields for a %d-gram", r->name, r->lineno, n);
    float p, b = 0.0f;
    if (parse_float(tok[0], &p) < 0 || p > 1e-3f)
        return wren_error("%s:%ld: bad log probability \"%s\" (needs a finite number <= 0)", r->name,
                          r->lineno, tok[0]);
    if (nt == n + 2 && parse_float(tok[n + 1], &b) < 0)
        return wren_error("%s:%ld: bad back-off weight \"%s\" (needs a finite number)", r->name,
                          r->lineno, tok[n + 1]);
    int ids[WREN_ARPA_MAX_ORDER];
    for (int k = 0; k < n; k++) {
        if (n == 1) ids[k] = wren_arpa_add_word(a, tok[1 + k]);
        else if ((ids[k] = wren_arpa_word_id(a, tok[1 + k])) < 0)
            return wren_error("%s:%ld: word \"%s\" has no unigram", r->name, r->lineno,
                              tok[1 + k]);
    }
    if (n == 1 && (size_t)ids[0] != a->lev[1].n)
        return wren_error("%s:%ld: duplicate unigram \"%s\"", r->name, r->lineno, tok[1]);
    return wren_arpa_add(a, n, ids, p, b);
}

/* Section n (its header line already read); leaves the next section's header in r->line. */
static int read_section(struct reader *r, struct wren_arpa *a, int n, size_t count, int *more)
{
    *more = 0;
    while (next_line(r)) {
        const char *s = r->line + strspn(r->line, " \t");
        if (is_blank(s)) continue;
        if (s[0] == '\\') {
            if (a->lev[n].n != count)
                return wren_error("%s:%ld: %zu %d-grams where the header says %zu", r->name,
                                  r->lineno, a->lev[n].n, n, count);
            *more = 1;
            return 0;
        }
        if (read_ngram(r, a, n) < 0) return -1;
    }
    return wren_error("%s:%ld: end of file inside the \\%d-grams: section (truncated?)", r->name,
                      r->lineno, n);
}

static int read_body(struct reader *r, struct wren_arpa *a, const size_t *counts)
{
    for (int n = 1; n <= a->order; n++) {
        int more;
        if (read_section(r, a, n, counts[n], &more) < 0) return -1;
        const char *s = r->line + strspn(r->line, " \t");
        int m;
        char tail;
        if (n < a->order) {
            if (sscanf(s, "\\%d-grams%c", &m, &tail) != 2 || tail != ':' || m != n + 1)
                return wren_error("%s:%ld: expected \\%d-grams:", r->name, r->lineno, n + 1);
        } else if (strcmp(s, "\\end\\") != 0) {
            return wren_error("%s:%ld: expected \\end\\", r->name, r->lineno);
        }
    }
    return 0;
}

int wren_arpa_read(const char *path, struct wren_arpa **out)
{
    *out = NULL;
    struct reader r = { .name = path };
    if (wren_input_open(&r.in, path) < 0) return -1;
    size_t counts[WREN_ARPA_MAX_ORDER + 1] = { 0 };
    int order = 0, rc = read_header(&r, counts, &order);
    struct wren_arpa *a = NULL;
    if (rc == 0) {
        a = wren_arpa_new(order, 0, NULL);
        rc = read_body(&r, a, counts);
    }
    if (rc == 0) rc = wren_arpa_finish(a, path);
    free(r.line);
    if (wren_input_close(&r.in) < 0 && rc == 0) rc = -1;
    if (rc < 0) { wren_arpa_free(a); return -1; }
    *out = a;
    return 0;
}
