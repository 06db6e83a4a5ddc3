/* ngram-countfile.h — n-gram count files, SRILM's text count format: one n-gram a line, its
 * words separated by spaces, a tab, then its count ("w1 w2 w3<TAB>count"); plain or gzip (a
 * name ending in .gz). Writing them (`ngram-count -write`) and merging several of them from
 * disk into one count table (`ngram-make -read A -read B ...`), so that big corpora can be
 * counted in shards and estimated once. Internal to the n-gram module.
 * Not for: counting text (ngram-counts.h) or estimating (ngram-estimate.h).
 *
 * Order of the lines (what the writer produces and the merger requires of every input): trie
 * order — an n-gram comes right before its extensions, n-grams are compared word by word, and
 * words compare as <s> < </s> < <unk> < every other word, those in byte order (strcmp, i.e.
 * LC_ALL=C). Equal n-grams (within or across files) have their counts summed. */
#ifndef WREN_NGRAM_COUNTFILE_H
#define WREN_NGRAM_COUNTFILE_H

#include "lm/ngram-counts.h"

/* Write c's counts to path ("-" = stdout, *.gz compressed), atomically. order 0: all orders
 * 1..c->order in trie order; else only the n-grams of that order. Returns 0 or -1. */
int wren_ngram_counts_write(const struct wren_ngram_counts *c, const char *path, int order);

struct wren_ngram_read_cfg {
    int order;            /* keep n-grams of orders 1..order (longer ones are skipped) */
    const char *vocab;    /* closed vocabulary: other words become <unk> (counts summed) */
};

/* k-way merge of the sorted count files paths[0..npaths-1] (plain, .gz, .xz, "cmd |"), summing
 * equal n-grams, into a canonical count table (see wren_ngram_counts_canonical): memory holds
 * the merged distinct n-grams, never a whole input. Checks each line (file:line in the error)
 * and, at the end, that every n-gram's prefix and suffix are there (all orders were written).
 * Returns 0 or -1 (message set). */
int wren_ngram_counts_read(const struct wren_ngram_read_cfg *cfg, const char *const *paths,
                           int npaths, struct wren_ngram_counts **out);

#endif
