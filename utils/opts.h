/* opts.h — command-line options from one table per command. The one convention: a module
 * with options defines its options struct, a *_default() function, and
 *     int wren_MODULE_opts_table(struct wren_MODULE_opts *o, struct wren_opt *t);
 * which writes its options, bound to *o, to t followed by WREN_OPT_TABLE_END and returns how
 * many it wrote (t + that is where a caller appends more); WREN_MODULE_NOPTS is that number.
 * The function writes one const table (checked against WREN_MODULE_NOPTS at compile time) with
 * wren_opts_copy. A command puts its modules' tables and its own const table of options side by
 * side in one array (room: each piece's length with its END). The subcommand and the tests
 * share the module's table, so no option is parsed in two places, and list-valued options are
 * parsed here too (wren_opts_parse_doubles). Not for: subcommand dispatch. */
#ifndef WREN_OPTS_H
#define WREN_OPTS_H

#include <stdio.h>

enum wren_opt_type {
    WREN_OPT_END = 0,
    WREN_OPT_BOOL,    /* int*: --name, --name=true|false, --no-name */
    WREN_OPT_INT,     /* int* */
    WREN_OPT_LONG,    /* long* */
    WREN_OPT_FLOAT,   /* float* */
    WREN_OPT_DOUBLE,  /* double* */
    WREN_OPT_STRING,  /* const char**: points into argv */
    WREN_OPT_ALIAS,   /* an old name kept for scripts: ptr is the (const char *) name of the
                       * option it stands for, in the same table; --help lists it as such */
    WREN_OPT_STRINGS, /* struct wren_opt_strings*: a repeatable option (--eval A --eval B),
                       * each value appended (pointing into argv) */
};

/* The values of a repeatable option; the caller frees v (also when parsing failed). */
struct wren_opt_strings { const char **v; int n; };

struct wren_opt {
    const char *name;        /* without dashes, e.g. "beam" */
    enum wren_opt_type type;
    void *ptr;
    const char *help;        /* one line; the default is printed from *ptr (a string option
                              * left NULL whose help says "default: ..." itself: that alone) */
};

#define WREN_OPT_TABLE_END { NULL, WREN_OPT_END, NULL, NULL }
/* Entries of a table array, its WREN_OPT_TABLE_END included. */
#define WREN_OPTS_LEN(tab) (sizeof(tab) / sizeof((tab)[0]))

/* Copy the table src, its WREN_OPT_TABLE_END included, to dst; returns the number of options
 * copied (the END is at dst[that], where a caller appends the next piece). */
int wren_opts_copy(struct wren_opt *dst, const struct wren_opt *src);

/* Parse argv[1..argc-1]. Options may be written --name=value, --name value or -name value
 * (SRILM style, as in `ngram-count -order 3`); "--" ends options. Positional arguments are
 * returned in order in *pos (an array into argv, freed by the caller with free()).
 * Returns 0 on success, 1 if --help/-h was given, -1 on error (message in wren_error_msg()). */
int wren_opts_parse(const struct wren_opt *opts, int argc, char **argv, char ***pos, int *npos);

/* A list-valued option's value, "a,b,c": *out (caller frees) receives the n numbers; -1 with a
 * message naming --NAME if an item is not a finite number or the list is empty. */
int wren_opts_parse_doubles(const char *name, const char *value, double **out, int *n);
/* The same, and each item's text as written (*items, caller frees each and the array; NULL:
 * not wanted), e.g. to name files after the values as the user wrote them. */
int wren_opts_parse_list(const char *name, const char *value, double **out, char ***items, int *n);

/* Print "usage: USAGE", the description, then each option with its help and current value. */
void wren_opts_usage(FILE *f, const char *usage, const char *description,
                     const struct wren_opt *opts);

#endif
