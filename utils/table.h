/* table.h — Kaldi-style tables: one "key value…" entry a line (wav.scp, text, utt2spk,
 * spk2utt, segments). Keys are unique; the value is the rest of the line, trimmed.
 * Also small string helpers used by every parser. Not for: binary archives. */
#ifndef WREN_TABLE_H
#define WREN_TABLE_H

#include <stddef.h>

struct wren_table_entry {
    char *key;
    char *value;     /* "" when the line has only a key (e.g. an empty transcript) */
    int line;        /* 1-based line number in the file */
};

struct wren_table {
    struct wren_table_entry *e;
    size_t n;
    char *path;
};

/* Read a table; blank lines are skipped, as is a UTF-8 byte-order mark at its start (an editor's,
 * which would otherwise be part of the first key); a duplicate key is an error naming file and line. */
int wren_table_read(const char *path, struct wren_table *t);
void wren_table_free(struct wren_table *t);
/* Entry with KEY, or NULL. Linear scan: for bulk joins sort both tables instead. */
const struct wren_table_entry *wren_table_find(struct wren_table *t, const char *key);

/* Trim ASCII white space at both ends, in place; returns s advanced past leading space. */
char *wren_strtrim(char *s);
/* Split s in place at runs of white space; stores up to max field pointers; returns the number
 * of fields found (which may exceed max: then only max are stored). */
int wren_split_ws(char *s, char **fields, int max);

#endif
