/* fuzz_text_norm.c — libFuzzer harness for text normalisation (text/text-norm.c). The first byte
 * chooses the options (Kaldi ids, sentence splitting, case, paragraphs, a vocabulary); the whole
 * input is normalised as one unit and line by line, and normalised text must normalise to
 * itself (the module's documented promise). */
#include "fuzz-util.h"

#include "text/text-norm.h"

static const char vocab_text[] = "A\nTHE\nWELL-KNOWN\nTWENTY\nONE\nDON'T\nO'CLOCK\nMR.\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    struct wren_textnorm_opts o;
    wren_textnorm_opts_default(&o);
    unsigned flags = data[0];
    o.split = flags & 1;
    o.paragraphs = !!(flags & 2);
    o.ids = !!(flags & 16);
    if (flags & 4) o.casing = "upper";
    if (flags & 8) o.vocab = fuzz_write(1, "vocab.txt", vocab_text, sizeof vocab_text - 1);
    struct wren_textnorm *tn = wren_textnorm_create(&o);
    if (!tn) abort();   /* the options above are all valid */
    char *text = fuzz_strdup(data, size);
    struct wren_tn_buf out = { 0 }, again = { 0 };
    wren_textnorm_unit(tn, text, &out);
    if (!o.split && out.n) {
        /* idempotence: the output (one line) normalises to itself */
        char *first = fuzz_strdup((const uint8_t *)out.s, out.n);
        wren_textnorm_unit(tn, first, &again);
        if (again.n != out.n || memcmp(again.s, out.s, out.n) != 0) {
            fprintf(stderr, "not idempotent:\n%.*s%.*s", (int)out.n, out.s, (int)again.n, again.s);
            abort();
        }
        free(first);
    }
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        wren_textnorm_unit(tn, line, &out);
    free(text);
    wren_tn_buf_free(&out);
    wren_tn_buf_free(&again);
    wren_textnorm_free(tn);
    return 0;
}
