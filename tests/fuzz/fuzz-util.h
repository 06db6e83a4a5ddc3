/* fuzz-util.h — shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): most of Wren's readers
 * take a path, so a harness writes each input to a file in one temporary directory of its own
 * process (removed at exit) and hands that path to the real reader. Not for: the library. */
#ifndef WREN_FUZZ_UTIL_H
#define WREN_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];
static char fuzz_path_buf[8][128];

static inline void fuzz_cleanup(void)
{
    for (int i = 0; i < 8; i++)
        if (fuzz_path_buf[i][0]) unlink(fuzz_path_buf[i]);
    if (fuzz_dir[0]) rmdir(fuzz_dir);
}

/* Write data to the file NAME in this process's temporary directory; returns its path (valid
 * until the next call with the same slot). Aborts if the file cannot be written: that is the
 * machine's fault, not the input's. */
static inline const char *fuzz_write(int slot, const char *name, const void *data, size_t size)
{
    if (!fuzz_dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/wren-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir)) { perror("mkdtemp"); abort(); }
        atexit(fuzz_cleanup);
    }
    char *p = fuzz_path_buf[slot];
    snprintf(p, sizeof fuzz_path_buf[slot], "%s/%s", fuzz_dir, name);
    FILE *f = fopen(p, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(p);
        abort();
    }
    return p;
}

/* A NUL-terminated copy of the input (for readers of strings). */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

#endif
