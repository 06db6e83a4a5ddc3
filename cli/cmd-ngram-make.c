/* cmd-ngram-make.c — `wren ngram-make -read COUNTS [-read COUNTS2 ...] -order N -lm OUT.arpa`:
 * thin wrapper over wren_ngram_make_run (ngram.h); only the repeated -read is handled here. */
#include "cli/cmd-util.h"
#include "lm/ngram.h"

#include <stdlib.h>
#include <string.h>

/* Move every "-read F" / "--read F" / "--read=F" out of argv (before a "--") into *reads;
 * returns the new argc. */
static int take_reads(int argc, char **argv, const char ***reads, int *nreads)
{
    int out = 1, opts_done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && !strcmp(a, "--")) opts_done = 1;
        if (!opts_done && (!strcmp(a, "-read") || !strcmp(a, "--read")) && i + 1 < argc) {
            (*reads)[(*nreads)++] = argv[++i];
        } else if (!opts_done && (!strncmp(a, "-read=", 6) || !strncmp(a, "--read=", 7))) {
            (*reads)[(*nreads)++] = strchr(a, '=') + 1;
        } else {
            argv[out++] = argv[i];
        }
    }
    return out;
}

int wren_cmd_ngram_make(int argc, char **argv)
{
    static const char usage[] =
        "wren ngram-make -read COUNTS [-read COUNTS2 ...] -order N [-lm OUT.arpa] "
        "[-write MERGED] [-prune T | -prune-target N] [-vocab FILE] [-wbdiscount | -addk K] "
        "[-gtNmin C]";
    static const char descr[] =
        "Merge n-gram count files from disk and estimate a back-off ARPA model from the sum,\n"
        "exactly as `wren ngram-count` would from the concatenated texts (the same ARPA file,\n"
        "byte for byte): counting can be split into shards (utils/ngram-shards.sh). The files\n"
        "are in the text format of `ngram-count -write` (\"w1 w2 w3<TAB>count\"; plain, .gz,\n"
        ".xz or \"cmd |\"), every order 1..N present, sorted in its trie order (an n-gram right\n"
        "before its extensions; words ordered <s> < </s> < <unk> < all others in byte order);\n"
        "they are merged k-way, equal n-grams summed, so memory holds the merged distinct\n"
        "n-grams only. Count files may also be given as arguments. -write saves the merged\n"
        "counts (to merge in stages). Estimation options are those of ngram-count.";
    struct wren_ngram_count_opts o;
    struct wren_opt table[WREN_NGRAM_MAKE_NOPTS + 1];
    wren_ngram_count_opts_default(&o);
    wren_ngram_make_opts_table(&o, table);
    const char **reads = wren_xmalloc((size_t)(argc + 1) * sizeof *reads);
    int nreads = 0;
    argc = take_reads(argc, argv, &reads, &nreads);
    char **pos = NULL;
    int npos = 0, done = 0;
    int rc = wren_cmd_parse("ngram-make", usage, descr, table, argc, argv, 0, -1, &pos, &npos,
                            &done);
    if (done) { free(reads); return rc; }
    for (int i = 0; i < npos; i++) reads[nreads++] = pos[i];
    free(pos);
    o.reads = reads;
    o.nreads = nreads;
    rc = wren_ngram_make_run(&o) < 0 ? wren_cmd_fail("ngram-make") : WREN_EXIT_OK;
    free(reads);
    return rc;
}
