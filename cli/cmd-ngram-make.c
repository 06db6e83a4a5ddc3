/* cmd-ngram-make.c — `wren ngram-make -read COUNTS [-read COUNTS2 ...] -order N -lm OUT.arpa`:
 * thin wrapper over wren_ngram_make_run (ngram.h). */
#include "cli/cmd-util.h"
#include "lm/ngram.h"

#include <stdlib.h>
#include <string.h>

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
    char **pos = NULL;
    int npos = 0, done = 0;
    int rc = wren_cmd_parse("ngram-make", usage, descr, table, argc, argv, 0, -1, &pos, &npos,
                            &done);
    if (done) { free(o.read.v); return rc; }
    /* the -read files, then the ones given as arguments */
    const char **reads = wren_xmalloc((size_t)(o.read.n + npos + 1) * sizeof *reads);
    int nreads = 0;
    for (int i = 0; i < o.read.n; i++) reads[nreads++] = o.read.v[i];
    for (int i = 0; i < npos; i++) reads[nreads++] = pos[i];
    free(pos);
    free(o.read.v);
    o.reads = reads;
    o.nreads = nreads;
    rc = wren_ngram_make_run(&o) < 0 ? wren_cmd_fail("ngram-make") : WREN_EXIT_OK;
    free(reads);
    return rc;
}
