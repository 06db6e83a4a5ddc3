/* fmllr-io.c — the text table of fMLLR transforms: one Kaldi text-mode matrix per speaker,
 *   spk  [
 *     a_00 a_01 ... a_0,d-1 b_0
 *     ...
 *     a_d-1,0 ... b_d-1 ]
 * (what Kaldi's copy-matrix / transform-feats read as ark,t). Not for: estimating or applying
 * transforms (fmllr.c). */
#include "transform/fmllr.h"

#include "utils/error.h"
#include "utils/io.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int wren_fmllr_write(FILE *f, const char *key, const double *W, int dim)
{
    fprintf(f, "%s  [", key);
    for (int i = 0; i < dim; i++) {
        fputs("\n ", f);
        for (int j = 0; j <= dim; j++) fprintf(f, " %.9g", W[(size_t)i * (size_t)(dim + 1) + (size_t)j]);
        if (i == dim - 1) fputs(" ]", f);
    }
    fputc('\n', f);
    return ferror(f) ? wren_error("cannot write the transform of %s", key) : 0;
}

/* A whitespace-separated token reader that tracks line numbers. */
struct toks {
    char *p;
    int line;        /* line of the reading position */
    int tok_line;    /* line of the last token */
};

static char *next_tok(struct toks *t)
{
    while (*t->p && isspace((unsigned char)*t->p)) {
        if (*t->p == '\n') t->line++;
        t->p++;
    }
    if (!*t->p) return NULL;
    char *s = t->p;
    t->tok_line = t->line;
    while (*t->p && !isspace((unsigned char)*t->p)) t->p++;
    if (*t->p) {
        if (*t->p == '\n') t->line++;
        *t->p++ = 0;
    }
    return s;
}

static void table_add(struct wren_fmllr_table *t, const char *key, double *W)
{
    t->keys = wren_xrealloc(t->keys, (size_t)(t->n + 1) * sizeof *t->keys);
    t->W = wren_xrealloc(t->W, (size_t)(t->n + 1) * sizeof *t->W);
    t->keys[t->n] = wren_xstrdup(key);
    t->W[t->n++] = W;
}

int wren_fmllr_table_read(const char *path, int dim, struct wren_fmllr_table *t)
{
    memset(t, 0, sizeof *t);
    t->dim = dim;
    char *buf = NULL;
    if (wren_read_all(path, &buf, NULL)) return -1;
    struct toks tk = { buf, 1, 1 };
    size_t n_w = (size_t)dim * (size_t)(dim + 1);
    int rc = 0;
    char *key;
    while (!rc && (key = next_tok(&tk))) {
        int key_line = tk.tok_line;
        char *br = next_tok(&tk);
        if (!br || strcmp(br, "[")) {
            rc = wren_error("%s:%d: expected '[' after the key %s", path, key_line, key);
            break;
        }
        if (wren_fmllr_table_find(t, key)) {
            rc = wren_error("%s:%d: duplicate key %s", path, key_line, key);
            break;
        }
        double *W = wren_xmalloc(n_w * sizeof *W);
        int rows = 0, col = 0, prev_line = tk.tok_line;
        for (;;) {
            char *s = next_tok(&tk);
            if (!s) { rc = wren_error("%s:%d: matrix of %s not closed by ']'", path, tk.line, key); break; }
            int at = tk.tok_line;
            if (!strcmp(s, "]")) {
                if (rows != dim || col != dim + 1)
                    rc = wren_error("%s:%d: transform of %s is not %d x %d (%d rows, last of %d values)",
                                    path, at, key, dim, dim + 1, rows, col);
                break;
            }
            char *end;
            double v = strtod(s, &end);
            if (*end) { rc = wren_error("%s:%d: '%s' is not a number", path, at, s); break; }
            if (rows == 0 || at != prev_line) {        /* a new row */
                if (rows > 0 && col != dim + 1) {
                    rc = wren_error("%s:%d: row of %d values, expected %d", path, prev_line, col, dim + 1);
                    break;
                }
                if (++rows > dim) { rc = wren_error("%s:%d: transform of %s has more than %d rows", path, at, key, dim); break; }
                col = 0;
            }
            if (col >= dim + 1) { rc = wren_error("%s:%d: row of more than %d values", path, at, dim + 1); break; }
            W[(size_t)(rows - 1) * (size_t)(dim + 1) + (size_t)col++] = v;
            prev_line = at;
        }
        if (rc) free(W); else table_add(t, key, W);
    }
    free(buf);
    if (rc) wren_fmllr_table_free(t);
    return rc;
}

const double *wren_fmllr_table_find(const struct wren_fmllr_table *t, const char *key)
{
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->keys[i], key)) return t->W[i];
    return NULL;
}

void wren_fmllr_table_free(struct wren_fmllr_table *t)
{
    for (int i = 0; i < t->n; i++) { free(t->keys[i]); free(t->W[i]); }
    free(t->keys);
    free(t->W);
    memset(t, 0, sizeof *t);
}
