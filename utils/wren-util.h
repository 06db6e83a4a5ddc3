/* wren-util.h — the public header of libwren's utility module: errors, logging, options,
 * inputs/atomic outputs and Kaldi-style tables. */
#ifndef WREN_UTIL_H
#define WREN_UTIL_H
#include "error.h"
#include "io.h"
#include "log.h"
#include "opts.h"
#include "table.h"
#endif
