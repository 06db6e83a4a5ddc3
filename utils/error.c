/* error.c — the per-thread last-error message and the allocation helpers that exit on OOM
 * (the exit itself, and the fault-injection hook, are in fault.c). */
#include "utils/error.h"

#include "utils/fault.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char err_buf[1024];

int wren_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_buf, sizeof err_buf, fmt, ap);
    va_end(ap);
    return -1;
}

int wren_error_prefix(const char *fmt, ...)
{
    char old[sizeof err_buf];
    memcpy(old, err_buf, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err_buf, sizeof err_buf, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    size_t used = (size_t)n < sizeof err_buf ? (size_t)n : sizeof err_buf - 1;
    size_t room = sizeof err_buf - used;
    if (room > 3) {
        memcpy(err_buf + used, ": ", 2);
        size_t m = strnlen(old, room - 3);
        memcpy(err_buf + used + 2, old, m);
        err_buf[used + 2 + m] = '\0';
    }
    return -1;
}

const char *wren_error_msg(void) { return err_buf; }
void wren_error_clear(void) { err_buf[0] = '\0'; }

void *wren_xmalloc(size_t n)
{
    void *p = wren_fault_alloc_fails() ? NULL : malloc(n ? n : 1);
    if (!p) wren_oom(n);
    return p;
}

void *wren_xcalloc(size_t count, size_t size)
{
    void *p = wren_fault_alloc_fails() ? NULL : calloc(count ? count : 1, size ? size : 1);
    if (!p) wren_oom(count * size);
    return p;
}

void *wren_xrealloc(void *p, size_t n)
{
    void *q = wren_fault_alloc_fails() ? NULL : realloc(p, n ? n : 1);
    if (!q) wren_oom(n);
    return q;
}

char *wren_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = wren_xmalloc(n);
    memcpy(d, s, n);
    return d;
}
