/* table.c — Kaldi-style "key value" tables. */
#include "utils/table.h"

#include "utils/error.h"
#include "utils/io.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *wren_strtrim(char *s)
{
    while (*s && isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

int wren_split_ws(char *s, char **fields, int max)
{
    int n = 0;
    for (;;) {
        while (*s && isspace((unsigned char)*s)) *s++ = '\0';
        if (!*s) break;
        if (n < max) fields[n] = s;
        n++;
        while (*s && !isspace((unsigned char)*s)) s++;
    }
    return n;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct wren_table_entry *)a)->key, ((const struct wren_table_entry *)b)->key);
}

int wren_table_read(const char *path, struct wren_table *t)
{
    memset(t, 0, sizeof *t);
    struct wren_input in;
    if (wren_input_open(&in, path)) return -1;
    size_t cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    int lineno = 0, rc = 0;
    while ((len = getline(&line, &lcap, in.f)) >= 0) {
        lineno++;
        if ((size_t)len != strlen(line)) { rc = wren_error("%s:%d: NUL byte in a text table", path, lineno); break; }
        char *s = line;
        if (lineno == 1 && !strncmp(s, "\xEF\xBB\xBF", 3)) s += 3;   /* a UTF-8 byte-order mark */
        s = wren_strtrim(s);
        if (!*s) continue;
        char *v = s;
        while (*v && !isspace((unsigned char)*v)) v++;
        if (*v) *v++ = '\0';
        v = wren_strtrim(v);
        if (t->n == cap) t->e = wren_xrealloc(t->e, (cap = cap ? cap * 2 : 64) * sizeof *t->e);
        t->e[t->n].key = wren_xstrdup(s);
        t->e[t->n].value = wren_xstrdup(v);
        t->e[t->n].line = lineno;
        t->n++;
    }
    free(line);
    if (wren_input_close(&in) && rc == 0) rc = -1;
    if (rc == 0 && t->n > 1) {
        /* detect duplicate keys on a sorted copy, keep file order in t->e */
        struct wren_table_entry *s = wren_xmalloc(t->n * sizeof *s);
        memcpy(s, t->e, t->n * sizeof *s);
        qsort(s, t->n, sizeof *s, cmp_entry);
        for (size_t i = 1; i < t->n; i++)
            if (!strcmp(s[i].key, s[i - 1].key)) {
                int a = s[i - 1].line < s[i].line ? s[i - 1].line : s[i].line;
                int b = s[i - 1].line < s[i].line ? s[i].line : s[i - 1].line;
                rc = wren_error("%s:%d: duplicate key '%s' (first on line %d)", path, b, s[i].key, a);
                break;
            }
        free(s);
    }
    if (rc) {
        wren_table_free(t);
        return -1;
    }
    t->path = wren_xstrdup(path);
    return 0;
}

void wren_table_free(struct wren_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].key);
        free(t->e[i].value);
    }
    free(t->e);
    free(t->path);
    memset(t, 0, sizeof *t);
}

const struct wren_table_entry *wren_table_find(struct wren_table *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->e[i].key, key)) return &t->e[i];
    return NULL;
}
