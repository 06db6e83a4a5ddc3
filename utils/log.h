/* log.h — messages and progress on stderr. Progress lines (utterances, tokens/s, ETA) are
 * redrawn in place only when stderr is a terminal; in logs they are printed every few seconds. */
#ifndef WREN_LOG_H
#define WREN_LOG_H

#include "utils/error.h"

/* Verbosity: 0 errors only, 1 normal (default), 2 verbose. Set by the global -v / --quiet. */
extern int wren_verbosity;

void wren_log(const char *fmt, ...) WREN_PRINTF(1, 2);   /* printed at verbosity >= 1 */
void wren_vlog(const char *fmt, ...) WREN_PRINTF(1, 2);  /* printed at verbosity >= 2 */
void wren_warn(const char *fmt, ...) WREN_PRINTF(1, 2);  /* always printed, "warning: " prefix */

/* Monotonic wall-clock seconds. */
double wren_now(void);
/* CPU seconds of this process (all its threads: BLAS threads count), not of its children. */
double wren_cpu_seconds(void);
/* User + system CPU seconds of this process and of its children it has waited for (forked
 * workers). */
double wren_cpu_seconds_with_children(void);
/* Peak resident memory of this process in bytes (0 if unknown). */
size_t wren_peak_rss(void);

struct wren_progress {
    const char *what;     /* e.g. "utterances" */
    double total;         /* 0 if unknown */
    double start, last;
};
void wren_progress_start(struct wren_progress *p, const char *what, double total);
/* Report that `done` units are finished; rate-limited, prints rate and ETA. */
void wren_progress_update(struct wren_progress *p, double done);
void wren_progress_end(struct wren_progress *p, double done);

#endif
