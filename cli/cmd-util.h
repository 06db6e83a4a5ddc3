/* cmd-util.h — the boilerplate every subcommand shares: parse its option table, print --help,
 * and report a failed library call as one line "wren CMD: message" on stderr. */
#ifndef WREN_CMD_UTIL_H
#define WREN_CMD_UTIL_H
#include <stdint.h>

#include "utils/wren-util.h"

/* Parse options; on --help prints usage and returns 0 with *done=1; on a usage error prints
 * it and returns WREN_EXIT_INPUT with *done=1. Checks min <= npos <= max (max<0: unbounded). */
int wren_cmd_parse(const char *cmd, const char *usage, const char *description,
                   const struct wren_opt *opts, int argc, char **argv,
                   int min_pos, int max_pos, char ***pos, int *npos, int *done);

/* Print "wren CMD: <wren_error_msg()>" and return WREN_EXIT_INPUT. */
int wren_cmd_fail(const char *cmd);

/* The CPUs this process may run on (its affinity mask; at least 1). */
int wren_cmd_cpus(void);

/* The default number of parallel jobs: one per CPU (wren_cmd_cpus), but no more than the memory
 * the process may still take holds at job_bytes each (utils/sysmem.h; not capped when that is
 * unknown); at least 1. */
int wren_cmd_default_jobs(uint64_t job_bytes);

#define WREN_CMD_GRAPH_HELP                                                                          \
    "the decoding graph's folder (wren mkgraph's OUT_DIR) whose lattices these are: its words.txt and "  \
    "the LM it was built with (its lm.txt) are the defaults of --words and --first-pass-lm"

/* --graph DIR of the commands that rescore that graph's lattices: *words defaults to
 * DIR/words.txt, *first_lm (the option FIRST_OPT) to the ARPA LM DIR/lm.txt records (`wren
 * mkgraph`; checked unchanged) and, when lm is not NULL, *lm to *first_lm. A FIRST_OPT naming
 * another file than the record gets a warning. The strings made here go to owned[0] and
 * owned[1] (NULL otherwise), for the caller to free. Nothing happens without DIR. 0, or -1 with
 * a message. */
int wren_cmd_graph_defaults(const char *graph, const char *first_opt, const char **words, const char **first_lm,
                            const char **lm, char *owned[2]);

#endif
