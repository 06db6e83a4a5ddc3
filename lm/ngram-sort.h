/* ngram-sort.h — sorting fixed-width n-gram records (arrays of uint32 words) by their leading
 * key words, lexicographically. Internal to the n-gram module (counting, ARPA indexing).
 * Not for: anything but flat uint32 records. */
#ifndef WREN_NGRAM_SORT_H
#define WREN_NGRAM_SORT_H

#include <stddef.h>
#include <stdint.h>

/* Sort n records of `width` uint32 words each by words [0, keylen) (word 0 most significant),
 * stably (LSD radix sort, 16 bits a pass, skipping passes where the digit is constant).
 * Uses a temporary buffer of the same size. */
void wren_ngram_sort(uint32_t *rec, size_t n, int width, int keylen);

/* Compare two keys of keylen words: <0, 0, >0. */
static inline int wren_ngram_keycmp(const uint32_t *a, const uint32_t *b, int keylen)
{
    for (int i = 0; i < keylen; i++)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}

#endif
