/* fuzz_table.c — libFuzzer harness for Kaldi-style tables (utils/table.c): wav.scp, text,
 * utt2spk, segments ("key value..." a line, unique keys). Every value is split into fields as
 * the segments and spk2utt readers do, and every key is looked up. */
#include "fuzz-util.h"

#include "utils/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wren_table t;
    if (wren_table_read(fuzz_write(0, "wav.scp", data, size), &t) < 0) return 0;
    for (size_t i = 0; i < t.n && i < 256; i++) {
        if (wren_table_find(&t, t.e[i].key) != &t.e[i]) {
            fprintf(stderr, "key '%s' of line %d not found\n", t.e[i].key, t.e[i].line);
            abort();
        }
        char *v = strdup(t.e[i].value), *fields[8];
        if (!v) abort();
        int n = wren_split_ws(v, fields, 8);
        for (int k = 0; k < n && k < 8; k++)
            if (!*fields[k]) abort();   /* a field is never empty */
        free(v);
    }
    wren_table_free(&t);
    return 0;
}
