/* error.h — Wren's error convention: library functions return 0 on success and -1 on error,
 * after recording a one-line message (naming the file and position where there is one) that the
 * caller reads with wren_error_msg(). Not for: logging progress (see log.h). */
#ifndef WREN_ERROR_H
#define WREN_ERROR_H

#include <stddef.h>

#include "wren/common.h"   /* wren_error_msg, wren_error_clear */

#if defined(__GNUC__)
#define WREN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WREN_PRINTF(a, b)
#endif

/* Exit codes of every command: 0 ok, 1 bad input or usage, 2 internal error. */
enum { WREN_EXIT_OK = 0, WREN_EXIT_INPUT = 1, WREN_EXIT_INTERNAL = 2 };

/* Record the current error (replaces any earlier one); always returns -1 so that
 * `return wren_error("...")` reads naturally. */
int wren_error(const char *fmt, ...) WREN_PRINTF(1, 2);
/* Prefix the current error with more context, e.g. the file being read. Returns -1. */
int wren_error_prefix(const char *fmt, ...) WREN_PRINTF(1, 2);

/* Allocation that cannot fail: on out-of-memory prints a message and exits with code 2. */
void *wren_xmalloc(size_t n);
void *wren_xcalloc(size_t count, size_t size);
void *wren_xrealloc(void *p, size_t n);
char *wren_xstrdup(const char *s);

#endif
