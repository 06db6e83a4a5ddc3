/* ngram-sort.c — LSD radix sort of fixed-width uint32 records (see ngram-sort.h). */
#include "lm/ngram-sort.h"

#include "utils/error.h"

#include <stdlib.h>
#include <string.h>

/* One stable counting-sort pass on 16-bit digit `shift` of word `k`; returns 0 if skipped
 * because every record has the same digit. */
static int radix_pass(const uint32_t *src, uint32_t *dst, size_t n, int width, int k, int shift)
{
    static const size_t B = 65536;
    size_t *cnt = wren_xcalloc(B + 1, sizeof *cnt);
    for (size_t i = 0; i < n; i++) cnt[((src[i * width + k] >> shift) & 0xffff) + 1]++;
    for (size_t d = 0; d < B; d++)
        if (cnt[d + 1] == n) { free(cnt); return 0; }
    for (size_t d = 0; d < B; d++) cnt[d + 1] += cnt[d];
    for (size_t i = 0; i < n; i++) {
        size_t d = (src[i * width + k] >> shift) & 0xffff;
        memcpy(dst + cnt[d]++ * width, src + i * width, width * sizeof *src);
    }
    free(cnt);
    return 1;
}

void wren_ngram_sort(uint32_t *rec, size_t n, int width, int keylen)
{
    if (n < 2) return;
    uint32_t *tmp = wren_xmalloc(n * width * sizeof *tmp);
    uint32_t *src = rec, *dst = tmp;
    for (int k = keylen - 1; k >= 0; k--)
        for (int shift = 0; shift <= 16; shift += 16)
            if (radix_pass(src, dst, n, width, k, shift)) {
                uint32_t *t = src; src = dst; dst = t;
            }
    if (src != rec) memcpy(rec, src, n * width * sizeof *rec);
    free(tmp);
}
