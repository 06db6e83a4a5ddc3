/* cmd-ngram-count.c — `wren ngram-count`: thin wrapper over wren_ngram_count_run (ngram.h). */
#include "cli/cmd-util.h"
#include "lm/ngram.h"

#include <stdlib.h>

int wren_cmd_ngram_count(int argc, char **argv)
{
    static const char usage[] =
        "wren ngram-count -order N -text TEXT [-lm OUT.arpa] [-write COUNTS[.gz]] "
        "[-prune T | -prune-target N] [-vocab FILE] [-wbdiscount | -addk K] [-gtNmin C]";
    static const char descr[] =
        "Count the n-grams of a normalised text (one sentence a line; counting is streamed and\n"
        "spills sorted runs to disk beyond -memory) and estimate a back-off ARPA model:\n"
        "interpolated modified Kneser-Ney (three discounts per order) by default, or Witten-Bell\n"
        "or add-k; optional count cut-offs and relative-entropy (Stolcke) pruning.\n"
        "-write saves the counts (with or without -lm) in SRILM's text format, one n-gram a\n"
        "line: \"w1 w2 w3<TAB>count\", all orders 1..N, in trie order: each n-gram right before\n"
        "its extensions, n-grams compared word by word, words ordered <s> < </s> < <unk> < all\n"
        "other words in byte order (strcmp, LC_ALL=C). `wren ngram-make -read` merges such files\n"
        "(e.g. of shards of a corpus counted in parallel) and estimates the same model.";
    struct wren_ngram_count_opts o;
    struct wren_opt table[WREN_NGRAM_COUNT_NOPTS + 1];
    wren_ngram_count_opts_default(&o);
    wren_ngram_count_opts_table(&o, table);
    char **pos = NULL;
    int npos = 0, done = 0;
    int rc = wren_cmd_parse("ngram-count", usage, descr, table, argc, argv, 0, 0, &pos, &npos, &done);
    if (done) return rc;
    free(pos);
    if (wren_ngram_count_run(&o) < 0) return wren_cmd_fail("ngram-count");
    return WREN_EXIT_OK;
}
