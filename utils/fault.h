/* fault.h — what happens when memory or an output fails, and the hooks that make them fail on
 * purpose in tests (SQLite style). Not for: ordinary error reporting (see error.h).
 *
 * Out-of-memory policy: running out of memory is not a recoverable error in Wren (the ~500
 * wren_x* call sites cannot all unwind), so wren_xmalloc & co. call wren_oom(), which prints one
 * line "wren: out of memory allocating N bytes" on stderr, removes the temporary files of the
 * atomic outputs still open (utils/io.h), and exits with code 2. Nothing partial is left, under
 * the final name or any other.
 *
 * Fault injection, driven by environment variables read once at start-up (tests/fault/sweep.sh):
 *   WREN_FAULT_ALLOC=N  the N-th call of wren_xmalloc & co. (or wren_fbuf_alloc) fails
 *   WREN_FAULT_WRITE=N  the N-th write event fails with ENOSPC; events are opening an atomic
 *                       output's temp file and each 1 KiB buffer written to it or to stdout
 *   WREN_FAULT_COUNT=1  print "wren-fault: N allocations, M writes" on stderr at exit
 * Only that one call fails, counted over the process and its forked children (decode --nj
 * workers). Counts are deterministic in a single-threaded, single-process run. The hooks are
 * always compiled in, so the sweep tests the binary that ships: unset, they cost one predicted
 * branch per allocation and nothing per write (outputs are plain FILEs). Not covered:
 * allocations inside libraries (OpenBLAS, libsndfile, OpenFst's `new`), writes that bypass
 * utils/io.h (OpenFst's ofstream, count-run temp files). */
#ifndef WREN_FAULT_H
#define WREN_FAULT_H

#include <stddef.h>
#include <stdio.h>

/* The out-of-memory exit described above. */
void wren_oom(size_t n)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;

/* Temporary files to remove on the out-of-memory exit: utils/io.c registers each atomic
 * output's temp path while it is open, prune its intermediate models (fine-tuning's initial
 * model and checkpoint), decode --nj its workers' folder and files (a folder is removed, empty,
 * after the paths registered after it). The string is not copied: the caller keeps it alive
 * until it calls wren_exit_unlink_forget. */
void wren_exit_unlink_add(const char *path);
void wren_exit_unlink_forget(const char *path);

/* Fault injection is on (one of the variables above is set). */
extern int wren_fault_on;
int wren_fault_alloc_hook(void);
/* 1 if this allocation must fail (counts it). */
static inline int wren_fault_alloc_fails(void)
{
    return wren_fault_on && wren_fault_alloc_hook();
}
/* fopen for an output temp file; with fault injection on, the open may fail (ENOSPC) and the
 * stream's writes are counted and may fail; fileno() is still the real descriptor. */
FILE *wren_fault_fopen_out(const char *path, const char *mode);

#endif
