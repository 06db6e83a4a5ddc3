/* fuzz_lexicon.c — libFuzzer harness for CMUdict-style pronunciation lexicons
 * (graph/lexicon.c): "WORD PH1 PH2 ...", alternates "WORD(2)", comments. */
#include "fuzz-util.h"

#include "graph/lexicon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wren_lexicon *lex;
    if (wren_lexicon_read(fuzz_write(0, "lexicon.dict", data, size), &lex) < 0) return 0;
    volatile long sum = wren_lexicon_n_words(lex) + wren_lexicon_n_phones(lex);
    long n = wren_lexicon_n_prons(lex);
    for (long i = 0; i < n && i < 4096; i++) {
        int np;
        long line;
        const int *ph = wren_lexicon_pron(lex, i, &np, &line);
        for (int k = 0; k < np; k++) sum += (long)strlen(wren_lexicon_phone_name(lex, ph[k]));
    }
    (void)sum;
    wren_lexicon_free(lex);
    return 0;
}
