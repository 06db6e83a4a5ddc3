/* ngram-runs.h — one order's count records during counting: an in-memory buffer that is sorted
 * and collapsed (equal n-grams summed) when full, spilled as a sorted run to an anonymous temp
 * file when collapsing no longer frees enough room, and merged (k-way, summing counts) at the
 * end. Internal to ngram-counts.c. Not for: anything that is not a (words, count) record. */
#ifndef WREN_NGRAM_RUNS_H
#define WREN_NGRAM_RUNS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct wren_ngram_buf {
    int n, width;            /* n words + 1 count */
    uint32_t *rec;
    size_t len, cap;         /* in records */
    FILE **runs;             /* unlinked temp files, each a sorted collapsed run */
    int nruns;
    const char *tmpdir;
};

void wren_ngram_buf_init(struct wren_ngram_buf *b, int n, size_t cap, const char *tmpdir);
/* Add one record (n word ids, count). */
int  wren_ngram_buf_add(struct wren_ngram_buf *b, const uint32_t *rec);
/* Sort, merge the runs and return the distinct records (caller frees *rec). */
int  wren_ngram_buf_finish(struct wren_ngram_buf *b, uint32_t **rec, size_t *n);
void wren_ngram_buf_free(struct wren_ngram_buf *b);

/* Sort records by their n words and sum the counts of equal ones, in place; returns the new
 * number of records. Counts saturate at UINT32_MAX. */
size_t wren_ngram_collapse(uint32_t *rec, size_t len, int n);

#endif
