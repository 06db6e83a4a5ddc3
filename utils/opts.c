/* opts.c — parse options against a table (see opts.h). */
#include "utils/opts.h"

#include "utils/error.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct wren_opt *find(const struct wren_opt *opts, const char *name, size_t len)
{
    for (const struct wren_opt *o = opts; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
            if (o->type != WREN_OPT_ALIAS) return o;
            const char *to = o->ptr;   /* one level: an alias names a real option */
            for (const struct wren_opt *t = opts; t->name; t++)
                if (t->type != WREN_OPT_ALIAS && !strcmp(t->name, to)) return t;
            return NULL;
        }
    return NULL;
}

int wren_opts_copy(struct wren_opt *dst, const struct wren_opt *src)
{
    int n = 0;
    while (src[n].name) { dst[n] = src[n]; n++; }
    dst[n] = src[n];
    return n;
}

static void free_items(char **items, int n)
{
    for (int i = 0; items && i < n; i++) free(items[i]);
    free(items);
}

int wren_opts_parse_list(const char *name, const char *value, double **out, char ***items, int *n)
{
    *out = NULL;
    *n = 0;
    if (items) *items = NULL;
    const char *p = value ? value : "";
    size_t cap = 1;
    for (const char *q = p; *q; q++) cap += *q == ',';
    double *x = wren_xmalloc(cap * sizeof *x);
    char **text = items ? wren_xcalloc(cap, sizeof *text) : NULL;
    int k = 0;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char tok[64], *end;
        if (len == 0 || len >= sizeof tok) {
            free(x); free_items(text, k);
            return wren_error(len ? "option --%s: item %.20s... is too long" : "option --%s: empty item in '%s'",
                              name, len ? p : (value ? value : ""));
        }
        memcpy(tok, p, len);
        tok[len] = '\0';
        errno = 0;
        double v = strtod(tok, &end);
        if (*end || errno || !isfinite(v)) {
            free(x); free_items(text, k);
            return wren_error("option --%s: '%s' is not a number", name, tok);
        }
        x[k] = v;
        if (text) text[k] = wren_xstrdup(tok);
        k++;
        if (!e) break;
        p = e + 1;
    }
    *out = x;
    *n = k;
    if (items) *items = text;
    return 0;
}

int wren_opts_parse_doubles(const char *name, const char *value, double **out, int *n)
{
    return wren_opts_parse_list(name, value, out, NULL, n);
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) *out = 1;
    else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) *out = 0;
    else return -1;
    return 0;
}

static int set_value(const struct wren_opt *o, const char *v)
{
    char *end;
    errno = 0;
    switch (o->type) {
    case WREN_OPT_BOOL:
        if (parse_bool(v, o->ptr)) return wren_error("option --%s: expected true or false, got '%s'", o->name, v);
        return 0;
    case WREN_OPT_INT: {
        long x = strtol(v, &end, 10);
        if (*v == '\0' || *end || errno || x < INT_MIN || x > INT_MAX)
            return wren_error("option --%s: expected an integer, got '%s'", o->name, v);
        *(int *)o->ptr = (int)x;
        return 0;
    }
    case WREN_OPT_LONG: {
        long x = strtol(v, &end, 10);
        if (*v == '\0' || *end || errno) return wren_error("option --%s: expected an integer, got '%s'", o->name, v);
        *(long *)o->ptr = x;
        return 0;
    }
    case WREN_OPT_FLOAT:
    case WREN_OPT_DOUBLE: {
        double x = strtod(v, &end);
        if (*v == '\0' || *end || errno || !isfinite(x))
            return wren_error("option --%s: expected a number, got '%s'", o->name, v);
        if (o->type == WREN_OPT_FLOAT) *(float *)o->ptr = (float)x;
        else *(double *)o->ptr = x;
        return 0;
    }
    case WREN_OPT_STRING:
        *(const char **)o->ptr = v;
        return 0;
    case WREN_OPT_STRINGS: {
        struct wren_opt_strings *l = o->ptr;
        l->v = wren_xrealloc(l->v, (size_t)(l->n + 1) * sizeof *l->v);
        l->v[l->n++] = v;
        return 0;
    }
    case WREN_OPT_ALIAS:
    case WREN_OPT_END:
        break;
    }
    return wren_error("option --%s: bad table entry", o->name);
}

int wren_opts_parse(const struct wren_opt *opts, int argc, char **argv, char ***pos, int *npos)
{
    char **p = wren_xcalloc((size_t)argc + 1, sizeof *p);
    int n = 0, only_pos = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0' || (a[1] >= '0' && a[1] <= '9') || (a[1] == '.')) {
            p[n++] = a;  /* positional: also "-" (stdin/stdout) and negative numbers */
            continue;
        }
        if (!strcmp(a, "--")) { only_pos = 1; continue; }
        if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "-help")) { free(p); *pos = NULL; *npos = 0; return 1; }
        const char *name = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct wren_opt *o = find(opts, name, len);
        if (!o && !eq && len > 3 && !strncmp(name, "no-", 3)) {
            const struct wren_opt *b = find(opts, name + 3, len - 3);
            if (b && b->type == WREN_OPT_BOOL) { *(int *)b->ptr = 0; continue; }
        }
        if (!o) { free(p); return wren_error("unknown option '%.*s' (see --help)", (int)(len + (size_t)(name - a)), a); }
        if (eq) {
            if (set_value(o, eq + 1)) { free(p); return -1; }
        } else if (o->type == WREN_OPT_BOOL) {
            /* a bare boolean flag takes an explicit value only when one follows */
            int v;
            if (i + 1 < argc && parse_bool(argv[i + 1], &v) == 0) { *(int *)o->ptr = v; i++; }
            else *(int *)o->ptr = 1;
        } else {
            if (i + 1 >= argc) { free(p); return wren_error("option --%s needs a value", o->name); }
            if (set_value(o, argv[++i])) { free(p); return -1; }
        }
    }
    *pos = p;
    *npos = n;
    return 0;
}

void wren_opts_usage(FILE *f, const char *usage, const char *description, const struct wren_opt *opts)
{
    fprintf(f, "usage: %s\n", usage);
    if (description && *description) fprintf(f, "\n%s\n", description);
    if (!opts || !opts->name) return;
    fprintf(f, "\noptions:\n");
    for (const struct wren_opt *o = opts; o->name; o++) {
        char def[256] = "";
        switch (o->type) {
        case WREN_OPT_BOOL:   /* a negative default means "decided at run time" (the help says how) */
            snprintf(def, sizeof def, "%s", *(int *)o->ptr < 0 ? "auto" : *(int *)o->ptr ? "true" : "false");
            break;
        case WREN_OPT_INT: snprintf(def, sizeof def, "%d", *(int *)o->ptr); break;
        case WREN_OPT_LONG: snprintf(def, sizeof def, "%ld", *(long *)o->ptr); break;
        case WREN_OPT_FLOAT: snprintf(def, sizeof def, "%g", (double)*(float *)o->ptr); break;
        case WREN_OPT_DOUBLE: snprintf(def, sizeof def, "%g", *(double *)o->ptr); break;
        case WREN_OPT_STRING: {
            const char *s = *(const char **)o->ptr;
            snprintf(def, sizeof def, "%s", s ? s : "");
            break;
        }
        case WREN_OPT_STRINGS: {   /* the values so far, comma separated */
            const struct wren_opt_strings *l = o->ptr;
            for (int i = 0, len = 0; i < l->n && len < (int)sizeof def; i++)
                len += snprintf(def + len, sizeof def - (size_t)len, "%s%s", i ? "," : "", l->v[i]);
            break;
        }
        case WREN_OPT_ALIAS:
            fprintf(f, "  --%-22s the old name of --%s\n", o->name, (const char *)o->ptr);
            continue;
        case WREN_OPT_END: break;
        }
        if (o->type == WREN_OPT_STRING && !*(const char **)o->ptr && o->help && strstr(o->help, "default: "))
            fprintf(f, "  --%-22s %s\n", o->name, o->help);   /* decided at run time: the help says how */
        else
            fprintf(f, "  --%-22s %s (default: %s)\n", o->name, o->help ? o->help : "", def[0] ? def : "none");
    }
}
