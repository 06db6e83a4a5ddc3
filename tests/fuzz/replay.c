/* replay.c — a main() for the fuzz harnesses in builds without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on each file named on the command line (the committed seed
 * corpora and the crash regressions under tests/fuzz/regress/), so that the normal and the
 * ASan+UBSan test suites check every input the fuzzers once failed on. Not for: fuzzing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { perror(argv[i]); return 2; }
        size_t cap = 4096, n = 0, got;
        uint8_t *buf = malloc(cap);
        while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0)
            if ((n += got) == cap) buf = realloc(buf, cap *= 2);
        if (!buf || ferror(f)) { perror(argv[i]); return 2; }
        fclose(f);
        /* a copy of exactly n bytes, so that ASan sees reads past the input's end */
        uint8_t *exact = malloc(n ? n : 1);
        if (!exact) return 2;
        for (size_t k = 0; k < n; k++) exact[k] = buf[k];
        free(buf);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
    }
    printf("replayed %d inputs\n", argc - 1);
    return 0;
}
