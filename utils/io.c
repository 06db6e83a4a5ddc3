/* io.c — inputs (files, pipes, compressed files) and atomic outputs. */
#include "utils/io.h"

#include "utils/error.h"
#include "utils/fault.h"
#include "utils/log.h"

#include <dirent.h>
#include <signal.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Quote a path for the shell: 'it'\''s' */
static char *shell_quote(const char *s)
{
    size_t n = 3;
    for (const char *p = s; *p; p++) n += (*p == '\'') ? 4 : 1;
    char *q = wren_xmalloc(n), *o = q;
    *o++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') { memcpy(o, "'\\''", 4); o += 4; }
        else *o++ = *p;
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

int wren_input_open(struct wren_input *in, const char *spec)
{
    memset(in, 0, sizeof *in);
    in->name = wren_xstrdup(spec);
    size_t n = strlen(spec);
    while (n > 0 && spec[n - 1] == ' ') n--;
    if (n > 0 && spec[n - 1] == '|') {
        char *cmd = wren_xstrdup(spec);
        cmd[n - 1] = '\0';
        fflush(NULL);
        in->f = popen(cmd, "r");
        free(cmd);
        in->is_pipe = 1;
    } else if (!strcmp(spec, "-")) {
        in->f = stdin;
    } else if (ends_with(spec, ".gz") || ends_with(spec, ".xz")) {
        if (access(spec, R_OK) != 0) {
            wren_error("%s: cannot open: %s", spec, strerror(errno));
            free(in->name);
            in->name = NULL;
            return -1;
        }
        char *q = shell_quote(spec);
        size_t len = strlen(q) + 32;
        char *cmd = wren_xmalloc(len);
        /* the decompressor's own complaint is replaced by one line at close (see there) */
        snprintf(cmd, len, "%s -dc %s 2>/dev/null", ends_with(spec, ".gz") ? "gzip" : "xz", q);
        fflush(NULL);
        in->f = popen(cmd, "r");
        in->is_pipe = 1;
        free(cmd);
        free(q);
    } else {
        struct stat st;
        if (stat(spec, &st) == 0 && S_ISDIR(st.st_mode)) {
            wren_error("%s: is a directory, not a file", spec);
            free(in->name);
            in->name = NULL;
            return -1;
        }
        in->f = fopen(spec, "rb");
    }
    if (!in->f) {
        wren_error("%s: cannot open: %s", spec, strerror(errno));
        free(in->name);
        in->name = NULL;
        return -1;
    }
    return 0;
}

int wren_input_close(struct wren_input *in)
{
    int rc = 0;
    if (in->f && in->is_pipe) {
        int st = pclose(in->f);
        int compressed = ends_with(in->name, ".gz") || ends_with(in->name, ".xz");
        if (compressed && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) != 0)
            rc = wren_error("%s: cannot decompress: not %s data, or truncated or corrupt", in->name,
                            ends_with(in->name, ".gz") ? "gzip" : "xz");
        else if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            rc = wren_error("%s: command failed (exit status %d)", in->name,
                            st == -1 ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)));
    } else if (in->f && in->f != stdin) {
        fclose(in->f);
    }
    free(in->name);
    memset(in, 0, sizeof *in);
    return rc;
}

int wren_read_all(const char *spec, char **data, size_t *len)
{
    struct wren_input in;
    if (wren_input_open(&in, spec)) return -1;
    size_t cap = 1 << 16, n = 0;
    char *buf = wren_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) buf = wren_xrealloc(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - n - 1, in.f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(in.f);
    if (wren_input_close(&in) || bad) {
        free(buf);
        if (bad) return wren_error("%s: read error", spec);
        return -1;
    }
    buf[n] = '\0';
    *data = buf;
    if (len) *len = n;
    return 0;
}

/* A killed run leaves PATH.tmp.PID behind (no commit, no abort). Remove those of PATH whose
 * process is gone; a live process's temp file is its output in progress and stays. */
static void remove_stale_temps(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? wren_xstrdup(path) : wren_xstrdup(".");
    if (slash) dir[slash - path + (slash == path)] = '\0';   /* "/x" -> "/" */
    const char *base = slash ? slash + 1 : path;
    size_t bl = strlen(base);
    DIR *d = opendir(dir);
    if (!d) { free(dir); return; }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strncmp(n, base, bl) != 0 || strncmp(n + bl, ".tmp.", 5) != 0) continue;
        char *end;
        errno = 0;
        long pid = strtol(n + bl + 5, &end, 10);
        if (end == n + bl + 5 || *end || pid <= 0 || errno || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;   /* alive, or not ours to judge */
        char *stale = wren_path_join(dir, n);
        if (unlink(stale) == 0) wren_vlog("%s: removed %s, left by a killed run (pid %ld)", path, stale, pid);
        free(stale);
    }
    closedir(d);
    free(dir);
}

int wren_atomic_open(struct wren_atomic *a, const char *path, const char *mode)
{
    memset(a, 0, sizeof *a);
    if (!strcmp(path, "-")) {
        a->f = stdout;
        return 0;
    }
    /* Devices and FIFOs (/dev/null, a named pipe) are written in place: renaming a temp file
     * over them would replace the device with a regular file. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) return wren_error("%s: is a directory", path);
        a->f = fopen(path, mode);
        if (!a->f) return wren_error("%s: cannot write: %s", path, strerror(errno));
        a->special = 1;
        a->path = wren_xstrdup(path);
        return 0;
    }
    remove_stale_temps(path);
    size_t n = strlen(path) + 32;
    a->path = wren_xstrdup(path);
    a->tmp = wren_xmalloc(n);
    snprintf(a->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    a->f = wren_fault_fopen_out(a->tmp, mode);
    if (!a->f) {
        wren_error("%s: cannot write: %s", path, strerror(errno));
        free(a->path);
        free(a->tmp);
        memset(a, 0, sizeof *a);
        return -1;
    }
    wren_exit_unlink_add(a->tmp);
    return 0;
}

/* The reason a stream failed: errno when the failing call set it, else a generic word (the
 * error flag may be left from an earlier write whose errno is gone). */
static const char *write_errstr(int err)
{
    return err ? strerror(err) : "input/output error";
}

int wren_stream_check(FILE *f, const char *name)
{
    errno = 0;
    if (fflush(f) != 0 || ferror(f))
        return wren_error("%s: write error: %s", name, write_errstr(errno));
    return 0;
}

int wren_atomic_commit(struct wren_atomic *a)
{
    int rc = 0;
    if (a->special) {
        rc = wren_stream_check(a->f, a->path);
        errno = 0;
        if (fclose(a->f) != 0 && rc == 0) rc = wren_error("%s: write error: %s", a->path, write_errstr(errno));
        free(a->path);
        memset(a, 0, sizeof *a);
        return rc;
    }
    if (!a->path) {
        rc = wren_stream_check(a->f, "standard output");
        memset(a, 0, sizeof *a);
        return rc;
    }
    rc = wren_stream_check(a->f, a->path);
    if (rc == 0 && fsync(fileno(a->f)) != 0)
        rc = wren_error("%s: write error: %s", a->path, strerror(errno));
    errno = 0;
    if (fclose(a->f) != 0 && rc == 0) rc = wren_error("%s: write error: %s", a->path, write_errstr(errno));
    if (rc == 0 && rename(a->tmp, a->path) != 0)
        rc = wren_error("%s: cannot rename %s into place: %s", a->path, a->tmp, strerror(errno));
    if (rc != 0) unlink(a->tmp);
    wren_exit_unlink_forget(a->tmp);
    free(a->path);
    free(a->tmp);
    memset(a, 0, sizeof *a);
    return rc;
}

void wren_atomic_abort(struct wren_atomic *a)
{
    if (a->special) {
        fclose(a->f);
    } else if (a->path && a->f) {
        fclose(a->f);
        unlink(a->tmp);
        wren_exit_unlink_forget(a->tmp);
    } else if (a->f) {
        fflush(a->f);
    }
    free(a->path);
    free(a->tmp);
    memset(a, 0, sizeof *a);
}

int wren_path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int wren_path_same(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    if (!realpath(a, ra) || !realpath(b, rb)) return !strcmp(a, b);
    return !strcmp(ra, rb);
}

int wren_mkdir_p(const char *path)
{
    char *p = wren_xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            wren_error("%s: cannot create directory: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = 0;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) rc = wren_error("%s: cannot create directory: %s", p, strerror(errno));
    free(p);
    return rc;
}

char *wren_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = wren_xmalloc(n);
    snprintf(s, n, "%s%s%s", dir, (*dir && dir[strlen(dir) - 1] != '/') ? "/" : "", name);
    return s;
}

char *wren_path_stem(const char *path)
{
    const char *b = strrchr(path, '/');
    char *s = wren_xstrdup(b ? b + 1 : path), *dot = strrchr(s, '.');
    if (dot && dot != s) *dot = '\0';
    return s;
}

char *wren_path_key(const char *path)
{
    char *s = wren_path_stem(path);
    for (unsigned char *c = (unsigned char *)s; *c; c++)
        if (isspace(*c) || iscntrl(*c)) *c = '_';
    return s;
}
