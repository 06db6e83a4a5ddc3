/* fuzz_arpa.c — libFuzzer harness for ARPA n-gram language models (lm/arpa-read.c); a model that
 * loads is queried for every n-gram's probability. */
#include "fuzz-util.h"

#include "lm/arpa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wren_arpa *a;
    if (wren_arpa_read(fuzz_write(0, "lm.arpa", data, size), &a) < 0) return 0;
    volatile float sum = 0;
    for (int o = 1; o <= wren_arpa_order(a); o++) {
        size_t n = wren_arpa_count(a, o);
        for (size_t i = 0; i < n && i < 1024; i++) {
            const int *w;
            float lp, bo;
            wren_arpa_ngram(a, o, i, &w, &lp, &bo);
            sum += wren_arpa_logprob(a, w, o - 1, w[o - 1]) + (float)wren_arpa_find(a, w, o);
        }
    }
    (void)sum;
    wren_arpa_free(a);
    return 0;
}
