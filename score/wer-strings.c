/* wer-strings.c — the error counts of one hypothesis string against one reference string, for
 * the public API (include/wren/wer.h): split on whitespace, align (wer.c), count. No text
 * normalisation is applied (`wren wer`'s options are for files). */
#include <stdlib.h>
#include <string.h>

#include "score/wer.h"
#include "utils/error.h"

/* Split a copy of s on spaces, tabs and newlines; *buf and the returned array are the caller's. */
static char **split_words(const char *s, char **buf, int *n)
{
    *buf = wren_xstrdup(s ? s : "");
    size_t cap = 8;
    char **w = wren_xmalloc(cap * sizeof *w);
    *n = 0;
    for (char *save = NULL, *t = strtok_r(*buf, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if ((size_t)*n == cap) w = wren_xrealloc(w, (cap *= 2) * sizeof *w);
        w[(*n)++] = t;
    }
    return w;
}

int wren_wer_count_strings(const char *ref, const char *hyp, struct wren_wer_counts *c)
{
    if (!c) return wren_error("wren_wer_count_strings: no counts to fill");
    memset(c, 0, sizeof *c);
    char *rb, *hb;
    int nr, nh;
    char **r = split_words(ref, &rb, &nr), **h = split_words(hyp, &hb, &nh);
    enum wren_wer_op *ops = NULL;
    int nops = wren_wer_align((const char *const *)r, nr, (const char *const *)h, nh, &ops);
    wren_wer_counts_of_ops(ops, nops, nr, c);
    free(ops); free(r); free(h); free(rb); free(hb);
    return 0;
}
