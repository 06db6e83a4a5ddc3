/* graph-lm.c — the record of the LM a graph was built with (graph-lm.h). */
#include "lm/graph-lm.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "utils/error.h"
#include "utils/io.h"
#include "utils/table.h"
#include "utils/wren-util.h"

/* CRC-32 and byte count of the file at PATH. */
static int fingerprint(const char *path, unsigned long *crc, long long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return wren_error("%s: cannot open: %s", path, strerror(errno));
    enum { BUF = 1 << 16 };
    unsigned char *buf = wren_xmalloc(BUF);
    uLong c = crc32(0L, Z_NULL, 0);
    long long n = 0;
    size_t k;
    while ((k = fread(buf, 1, BUF, f)) > 0) {
        c = crc32(c, buf, (uInt)k);
        n += (long long)k;
    }
    int bad = ferror(f);
    fclose(f);
    free(buf);
    if (bad) return wren_error("%s: read error after %lld bytes", path, n);
    *crc = (unsigned long)c;
    *size = n;
    return 0;
}

int wren_graph_lm_record(const char *graph_dir, const char *arpa)
{
    struct stat st;
    if (stat(arpa, &st) || !S_ISREG(st.st_mode)) return 0;
    char abs[PATH_MAX];
    if (!realpath(arpa, abs)) return wren_error("%s: cannot resolve the LM's path: %s", arpa, strerror(errno));
    unsigned long crc;
    long long size;
    if (fingerprint(abs, &crc, &size)) return -1;
    char *p = wren_path_join(graph_dir, "lm.txt");
    struct wren_atomic a;
    int rc = wren_atomic_open(&a, p, "w");
    if (!rc) {
        fprintf(a.f, "%08lx %lld %s\n", crc, size, abs);
        rc = wren_atomic_commit(&a);
    }
    free(p);
    return rc;
}

int wren_graph_lm_resolve(const char *graph_dir, const char *opt, char **out)
{
    *out = NULL;
    char *p = wren_path_join(graph_dir, "lm.txt");
    if (!wren_path_exists(p)) { free(p); return 0; }
    char *data;
    size_t len;
    if (wren_read_all(p, &data, &len)) { free(p); return -1; }
    char *line = wren_strtrim(data), *end;
    int rc = -1;
    errno = 0;
    unsigned long crc = strtoul(line, &end, 16);
    char *rest = end;
    long long size = (end > line && *end == ' ') ? strtoll(end + 1, &rest, 10) : -1;
    if (errno || size < 0 || *rest != ' ' || rest[1] != '/' || strchr(rest, '\n')) {
        wren_error("%s:1: expected one line 'CRC32 BYTES /path/of/the.arpa', the LM the graph was built with", p);
        goto done;
    }
    const char *lm = rest + 1;
    unsigned long c;
    long long n;
    if (!wren_path_exists(lm)) {
        wren_error("%s: the graph's LM %s is gone (moved? give --%s)", p, lm, opt);
        goto done;
    }
    if (fingerprint(lm, &c, &n)) goto done;
    if (c != crc || n != size) {
        wren_error("%s: the graph's LM %s has changed since the graph was built (%lld bytes, CRC-32 %08lx; "
                   "recorded %lld, %08lx): its costs are not the lattices' (give --%s)",
                   p, lm, n, c, size, crc, opt);
        goto done;
    }
    *out = wren_xstrdup(lm);
    rc = 0;
done:
    free(data);
    free(p);
    return rc;
}
