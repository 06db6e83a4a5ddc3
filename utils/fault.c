/* fault.c — the out-of-memory exit and the fault-injection counters behind fault.h. Failing
 * writes use a glibc fopencookie stream over the real file descriptor, so that stdio's own
 * error reporting (ferror, fflush, fclose) is what the code under test sees. */
/* fopencookie is a GNU extension: this file alone asks for it. */
#define _GNU_SOURCE
#include "utils/fault.h"

#include "utils/error.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- the out-of-memory exit ---- */

/* Temp files of open atomic outputs; a fixed table so that registering never allocates.
 * Outputs are opened and closed by one thread at a time (the commands' main threads). */
enum { MAX_EXIT_UNLINK = 64 };
static const char *exit_unlink[MAX_EXIT_UNLINK];

void wren_exit_unlink_add(const char *path)
{
    for (int i = 0; i < MAX_EXIT_UNLINK; i++)
        if (!exit_unlink[i]) { exit_unlink[i] = path; return; }
    /* More than 64 outputs open at once: the others are left as temp names on an OOM exit
     * (never a partial file under a final name). */
}

void wren_exit_unlink_forget(const char *path)
{
    for (int i = 0; i < MAX_EXIT_UNLINK; i++)
        if (exit_unlink[i] == path) exit_unlink[i] = NULL;
}

/* A forked child (a decode --nj worker) does not remove its parent's files: the parent cleans
 * up after a failed worker (a worker's exit removed the folder the others were writing to). */
static void forget_all_in_child(void)
{
    memset(exit_unlink, 0, sizeof exit_unlink);
}

void wren_oom(size_t n)
{
    fprintf(stderr, "wren: out of memory allocating %zu bytes\n", n);
    /* newest first: a folder registered before its files is emptied before its rmdir */
    for (int i = MAX_EXIT_UNLINK - 1; i >= 0; i--)
        if (exit_unlink[i] && unlink(exit_unlink[i]) != 0) rmdir(exit_unlink[i]);
    exit(WREN_EXIT_INTERNAL);
}

/* ---- fault injection ---- */

int wren_fault_on;
static long fail_alloc_at, fail_write_at;
static int counting;
/* The counters, in memory shared with forked children (decode --nj workers), so that the N-th
 * event is counted over the whole process tree and exactly one process fails (with per-process
 * counters every worker inherited the parent's count and all failed alike). */
struct counters { atomic_long alloc, write; };
static struct counters local_counters, *cnt = &local_counters;

static void report(void)
{
    fprintf(stderr, "wren-fault: %ld allocations, %ld writes\n", (long)atomic_load(&cnt->alloc),
            (long)atomic_load(&cnt->write));
}

struct fault_file { int fd; int in_use; };
/* The streams' cookies come from a fixed table, never from malloc: on the out-of-memory exit
 * the outputs still open are never closed, and a malloc'd cookie showed as a leak under LSan
 * (so did stdout's when it was malloc'd). Slot 0 is stdout's. */
enum { MAX_FAULT_FILES = 64 };
static struct fault_file fault_files[MAX_FAULT_FILES];
static FILE *fault_stream(struct fault_file *ff, const char *mode);

/* Runs before main (and before any thread): reads the settings and, when writes are counted
 * or failed, puts stdout on a counted stream too, so that reports printed to stdout fail like
 * files do. */
__attribute__((constructor)) static void init(void)
{
    pthread_atfork(NULL, NULL, forget_all_in_child);
    const char *s;
    if ((s = getenv("WREN_FAULT_ALLOC"))) fail_alloc_at = atol(s);
    if ((s = getenv("WREN_FAULT_WRITE"))) fail_write_at = atol(s);
    if ((s = getenv("WREN_FAULT_COUNT")) && *s && strcmp(s, "0")) counting = 1;
    if (counting) atexit(report);
    wren_fault_on = fail_alloc_at > 0 || fail_write_at > 0 || counting;
    if (wren_fault_on) {
        void *m = mmap(NULL, sizeof *cnt, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED) cnt = m;   /* never unmapped: it lives as long as the process */
    }
    if (fail_write_at || counting) {
        struct fault_file *ff = &fault_files[0];
        *ff = (struct fault_file){ dup(STDOUT_FILENO), 1 };
        FILE *f = ff->fd >= 0 ? fault_stream(ff, "w") : NULL;
        if (f) stdout = f;
        else if (ff->fd >= 0) close(ff->fd);
    }
}

int wren_fault_alloc_hook(void)
{
    long k = atomic_fetch_add(&cnt->alloc, 1) + 1;
    return k == fail_alloc_at;
}

static int write_fails(void)
{
    long k = atomic_fetch_add(&cnt->write, 1) + 1;
    return k == fail_write_at;
}


static ssize_t ff_write(void *c, const char *buf, size_t n)
{
    struct fault_file *ff = c;
    if (write_fails()) { errno = ENOSPC; return -1; }
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(ff->fd, buf + done, n - done);
        if (w < 0) { if (errno == EINTR) continue; return done ? (ssize_t)done : -1; }
        done += (size_t)w;
    }
    return (ssize_t)n;
}

static ssize_t ff_read(void *c, char *buf, size_t n)
{
    struct fault_file *ff = c;
    return read(ff->fd, buf, n);
}

static int ff_seek(void *c, off64_t *pos, int whence)
{
    struct fault_file *ff = c;
    off64_t r = lseek64(ff->fd, *pos, whence);
    if (r < 0) return -1;
    *pos = r;
    return 0;
}

static int ff_close(void *c)
{
    struct fault_file *ff = c;
    int rc = close(ff->fd);
    ff->in_use = 0;
    return rc;
}

/* A stdio stream over ff->fd whose writes are counted and may fail. */
static FILE *fault_stream(struct fault_file *ff, const char *mode)
{
    FILE *f = fopencookie(ff, mode, (cookie_io_functions_t){ ff_read, ff_write, ff_seek, ff_close });
    if (!f) return NULL;
    /* glibc: fileno() of a cookie stream is -1; give it the real descriptor so that fsync and
     * dup (gzip outputs) work as on a plain file. Reads and writes still go to the cookie. */
    f->_fileno = ff->fd;
    setvbuf(f, NULL, _IOFBF, 1024);   /* small buffer: more write call sites */
    return f;
}

FILE *wren_fault_fopen_out(const char *path, const char *mode)
{
    if (!wren_fault_on) return fopen(path, mode);
    if (write_fails()) { errno = ENOSPC; return NULL; }
    FILE *real = fopen(path, mode);   /* the mode's flags, parsed by libc */
    if (!real) return NULL;
    int fd = dup(fileno(real));
    fclose(real);
    if (fd < 0) return NULL;
    /* outputs are opened by one thread at a time (fault.h), so the table needs no lock */
    struct fault_file *ff = NULL;
    for (int i = 1; i < MAX_FAULT_FILES && !ff; i++)
        if (!fault_files[i].in_use) ff = &fault_files[i];
    if (!ff) { errno = EMFILE; close(fd); return NULL; }
    *ff = (struct fault_file){ fd, 1 };
    FILE *f = fault_stream(ff, mode);
    if (!f) { ff->in_use = 0; close(fd); }
    return f;
}
