/* log.c — stderr messages, progress reporting, wall clock and peak memory. */
#include "utils/log.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int wren_verbosity = 1;

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
    fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void wren_log(const char *fmt, ...)
{
    if (wren_verbosity < 1) return;
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void wren_vlog(const char *fmt, ...)
{
    if (wren_verbosity < 2) return;
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void wren_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

double wren_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double wren_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double wren_cpu_seconds_with_children(void)
{
    struct rusage self, kids;
    if (getrusage(RUSAGE_SELF, &self) != 0 || getrusage(RUSAGE_CHILDREN, &kids) != 0) return 0;
    const struct timeval *tv[4] = { &self.ru_utime, &self.ru_stime, &kids.ru_utime, &kids.ru_stime };
    double s = 0;
    for (int i = 0; i < 4; i++) s += (double)tv[i]->tv_sec + 1e-6 * (double)tv[i]->tv_usec;
    return s;
}

size_t wren_peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (size_t)ru.ru_maxrss * 1024u;  /* Linux reports kilobytes */
}

void wren_progress_start(struct wren_progress *p, const char *what, double total)
{
    p->what = what;
    p->total = total;
    p->start = p->last = wren_now();
}

/* what's first word in the singular for one ("1 utterance", "1 word counted"). */
static void progress_noun(const char *what, double n, char *buf, size_t cap)
{
    size_t w = strcspn(what, " ");
    if (fabs(n - 1.0) < 0.5 && w > 1 && what[w - 1] == 's')
        snprintf(buf, cap, "%.*s%s", (int)(w - 1), what, what + w);
    else
        snprintf(buf, cap, "%s", what);
}

static void progress_print(struct wren_progress *p, double done, int final)
{
    double el = wren_now() - p->start, rate = el > 0 ? done / el : 0;
    int tty = isatty(STDERR_FILENO);
    char what[128];
    if (p->total > 0 && rate > 0 && !final) {
        progress_noun(p->what, p->total, what, sizeof what);
        fprintf(stderr, "%s%.0f/%.0f %s, %.1f/s, ETA %.0fs%s", tty ? "\r" : "", done, p->total,
                what, rate, (p->total - done) / rate, tty ? "   " : "\n");
    } else {
        progress_noun(p->what, done, what, sizeof what);
        fprintf(stderr, "%s%.0f %s, %.1f/s, %.1fs%s", tty ? "\r" : "", done, what, rate, el,
                (tty && !final) ? "   " : "\n");
    }
}

void wren_progress_update(struct wren_progress *p, double done)
{
    if (wren_verbosity < 1) return;
    double now = wren_now();
    double every = isatty(STDERR_FILENO) ? 0.5 : 10.0;
    if (now - p->last < every) return;
    p->last = now;
    progress_print(p, done, 0);
}

void wren_progress_end(struct wren_progress *p, double done)
{
    if (wren_verbosity < 1) return;
    progress_print(p, done, 1);
}
