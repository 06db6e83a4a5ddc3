/* wren-util.h — the public header of libwren's utility module: errors, logging, options,
 * inputs/atomic outputs and Kaldi-style tables. */
#ifndef WREN_UTIL_H
#define WREN_UTIL_H
#include "utils/error.h"
#include "utils/io.h"
#include "utils/log.h"
#include "utils/opts.h"
#include "utils/table.h"
#endif
