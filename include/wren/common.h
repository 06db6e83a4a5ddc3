/* wren/common.h — what every part of Wren's public API shares: the library version and the
 * error convention. Functions that can fail return 0 on success and -1 on error (or NULL where
 * they return a pointer), after recording a one-line message that names the file and position
 * where there is one; wren_error_msg() reads it. The message is per thread. */
#ifndef WREN_COMMON_H
#define WREN_COMMON_H

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library the program runs with, e.g. "0.1.0". */
const char *wren_version(void);

/* The message of the last failed call of this thread ("" if none). Valid until the next call
 * that fails. */
const char *wren_error_msg(void);
void wren_error_clear(void);

#ifdef __cplusplus
}
#endif
#endif
