/* arpa-impl.h — the layout of struct wren_arpa, shared by arpa.c (storage, lookup, writer) and
 * arpa-read.c (parser). Internal to the n-gram module: other modules use arpa.h only. */
#ifndef WREN_ARPA_IMPL_H
#define WREN_ARPA_IMPL_H

#include "lm/arpa.h"
#include "utils/hashmap.h"

#include <stdint.h>

#define WREN_ARPA_MAX_ORDER 9

struct wren_arpa_level {
    size_t n, cap;
    int32_t *w;       /* n * order word ids, sorted once finished */
    float *p, *b;     /* log10 prob, log10 back-off */
    struct wren_hashmap index;   /* n-gram index by its word tuple (built by wren_arpa_finish) */
};

struct wren_arpa {
    int order;
    int nwords, wcap;
    char **words;
    struct wren_hashmap windex;  /* word id by its spelling */
    int unk;          /* id of <unk> if it has a unigram, else -1 */
    int prefix_closed;  /* every n-gram's (n-1)-word prefix is an n-gram (set by wren_arpa_finish) */
    struct wren_arpa_level lev[WREN_ARPA_MAX_ORDER + 1];   /* lev[1..order] */
};

/* Id of w, adding it to the vocabulary if new. */
int wren_arpa_add_word(struct wren_arpa *a, const char *w);

#endif
