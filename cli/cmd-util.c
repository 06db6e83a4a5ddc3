/* cmd-util.c — shared subcommand boilerplate (see cmd-util.h). */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_COUNT */
#include "cli/cmd-util.h"

#include "lm/graph-lm.h"
#include "utils/io.h"
#include "utils/log.h"
#include "utils/sysmem.h"

#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

int wren_cmd_cpus(void)
{
    /* the affinity mask, not the machine's CPUs: under Slurm or taskset a job may use fewer */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 4096 ? (int)n : 1;
}

int wren_cmd_default_jobs(uint64_t job_bytes)
{
    int n = wren_cmd_cpus();
    uint64_t avail = wren_mem_available("");
    if (avail && job_bytes && avail / job_bytes < (uint64_t)n) {
        int m = avail / job_bytes > 0 ? (int)(avail / job_bytes) : 1;
        wren_vlog("%d jobs rather than one per CPU (%d): %.0f MB of memory available, %.0f MB a job", m,
                  n, avail / 1048576.0, job_bytes / 1048576.0);
        n = m;
    }
    return n;
}

int wren_cmd_parse(const char *cmd, const char *usage, const char *description,
                   const struct wren_opt *opts, int argc, char **argv,
                   int min_pos, int max_pos, char ***pos, int *npos, int *done)
{
    static const struct wren_opt none[] = { WREN_OPT_TABLE_END };
    if (!opts) opts = none;
    *done = 0;
    int rc = wren_opts_parse(opts, argc, argv, pos, npos);
    if (rc == 1) {
        wren_opts_usage(stdout, usage, description, opts);
        *done = 1;
        return WREN_EXIT_OK;
    }
    if (rc < 0) {
        fprintf(stderr, "wren %s: %s\nusage: %s\n", cmd, wren_error_msg(), usage);
        *done = 1;
        return WREN_EXIT_INPUT;
    }
    if (*npos < min_pos || (max_pos >= 0 && *npos > max_pos)) {
        /* too few: the least it takes ("at least" when it takes more); too many: the most */
        int few = *npos < min_pos, lim = few ? min_pos : max_pos;
        fprintf(stderr, "wren %s: expected %s%d argument%s, got %d\nusage: %s\n", cmd,
                min_pos == max_pos ? "" : few ? "at least " : "at most ", lim, lim == 1 ? "" : "s",
                *npos, usage);
        free(*pos);
        *pos = NULL;
        *done = 1;
        return WREN_EXIT_INPUT;
    }
    return WREN_EXIT_OK;
}

int wren_cmd_fail(const char *cmd)
{
    fprintf(stderr, "wren %s: %s\n", cmd, wren_error_msg());
    return WREN_EXIT_INPUT;
}

int wren_cmd_graph_defaults(const char *graph, const char *first_opt, const char **words, const char **first_lm,
                            const char **lm, char *owned[2])
{
    owned[0] = owned[1] = NULL;
    if (!graph) return 0;
    if (!*words) *words = owned[0] = wren_path_join(graph, "words.txt");
    char *rec = NULL;
    if (wren_graph_lm_resolve(graph, first_opt, &rec)) {
        if (!*first_lm) return -1;
        wren_error_clear();   /* FIRST_OPT was given: the record is not needed */
    }
    if (rec && *first_lm && !wren_path_same(rec, *first_lm))
        wren_warn("%s was built with the LM %s (its lm.txt), not --%s %s", graph, rec, first_opt, *first_lm);
    if (rec && !*first_lm) *first_lm = owned[1] = rec;
    else free(rec);
    if (lm && !*lm) {
        if (!*first_lm)
            return wren_error("%s records no LM (no lm.txt: a graph made before `wren mkgraph` recorded it): give --%s",
                              graph, first_opt);
        *lm = *first_lm;
    }
    return 0;
}
