/* wren.c — the `wren` program: git-style dispatch to subcommands listed in commands.def.
 * Not for: any work of its own; each subcommand is a thin wrapper over its module's library. */
#include "utils/matrix.h"
#include "utils/wren-util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define WREN_COMMAND(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef WREN_COMMAND

struct command {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
};

static const struct command commands[] = {
#define WREN_COMMAND(name, fn, summary) { name, fn, summary },
#include "commands.def"
#undef WREN_COMMAND
    { NULL, NULL, NULL },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: wren [-v|--quiet] <command> [options] args\n"
               "       wren help <command>\n\n"
               "Wren: speech recognition with WFST decoding and pruned neural LM rescoring.\n\n"
               "commands:\n");
    for (const struct command *c = commands; c->name; c++) fprintf(f, "  %-18s %s\n", c->name, c->summary);
}

static const struct command *find(const char *name)
{
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(c->name, name)) return c;
    return NULL;
}

/* Every command's standard output is checked here, once: a full disk or a closed pipe must not
 * pass as success (the commands write to stdout with plain printf). Only reported when the
 * command itself succeeded, so that a failed command prints one error line, not two. */
static int close_stdout(const char *cmd, int rc)
{
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int err = errno;
    if (fclose(stdout) != 0 && !bad) { bad = 1; err = errno; }
    if (bad && rc == 0) {
        fprintf(stderr, "wren: %s: error writing standard output: %s\n", cmd,
                err ? strerror(err) : "input/output error");
        rc = WREN_EXIT_INPUT;
    }
    return rc;
}

static int run(int argc, char **argv);

/* Keep freed memory for reuse instead of giving it back to the kernel. The commands allocate and
 * free arrays of megabytes per item (a lattice's n-gram expansions and their hash tables, an
 * utterance's buffers); with glibc's defaults those come from mmap or are trimmed off the heap
 * when freed, and every page costs a fault when the next item takes it again. Measured on NNLM
 * lattice rescoring: the faults were more than half of its own (non-NNLM) cost. Both settings
 * are needed: either alone turns off glibc's adaptive threshold and is slower than neither. */
static void keep_freed_memory(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

int main(int argc, char **argv)
{
    keep_freed_memory();
    int i = 1;
    while (i < argc && argv[i][0] == '-') i++;
    int rc = run(argc, argv);
    return close_stdout(i < argc ? argv[i] : "wren", rc);
}

static int run(int argc, char **argv)
{
    wren_threads_env(argv);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) wren_verbosity = 2;
        else if (!strcmp(argv[i], "--quiet")) wren_verbosity = 0;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
        else if (!strcmp(argv[i], "--version")) { printf("wren %s\n", PACKAGE_VERSION); return 0; }
        else { fprintf(stderr, "wren: unknown option '%s'\n", argv[i]); usage(stderr); return WREN_EXIT_INPUT; }
    }
    if (i >= argc) { usage(stderr); return WREN_EXIT_INPUT; }
    if (!strcmp(argv[i], "help")) {
        if (i + 1 >= argc) { usage(stdout); return 0; }
        const struct command *c = find(argv[i + 1]);
        if (!c) { fprintf(stderr, "wren: no command '%s'\n", argv[i + 1]); return WREN_EXIT_INPUT; }
        char *args[] = { argv[i + 1], "--help", NULL };
        return c->fn(2, args);
    }
    const struct command *c = find(argv[i]);
    if (!c) {
        fprintf(stderr, "wren: no command '%s' (see 'wren --help')\n", argv[i]);
        return WREN_EXIT_INPUT;
    }
    return c->fn(argc - i, argv + i);
}
