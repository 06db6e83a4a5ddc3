/* ngram-counts.h — counting the n-grams of orders 1..N in a text (one sentence a line, wrapped in
 * <s> ... </s>), streamed: records are collected in memory up to a budget, sorted and collapsed,
 * spilled as sorted run files when the budget is full, and merged from disk at the end, so that
 * memory is bounded by the number of distinct n-grams, not by the corpus. Internal to the n-gram
 * module. Not for: probabilities (ngram-estimate.h). */
#ifndef WREN_NGRAM_COUNTS_H
#define WREN_NGRAM_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#define WREN_NGRAM_MAX_ORDER 5

/* Word ids of the sentence markers and the unknown word in every count table. */
enum { WREN_NGRAM_BOS = 0, WREN_NGRAM_EOS = 1, WREN_NGRAM_UNK = 2 };

struct wren_ngram_counts {
    int order;
    int nwords;
    char **words;                              /* id -> spelling */
    size_t n[WREN_NGRAM_MAX_ORDER + 1];         /* distinct n-grams per order */
    uint32_t *rec[WREN_NGRAM_MAX_ORDER + 1];    /* n * (order+1): ids oldest first, count; sorted */
    long sentences, tokens, oovs;               /* tokens: words without <s>/</s> */
    int spills;                                 /* run files written (0 if all fit in memory) */
};

struct wren_ngram_count_cfg {
    int order;               /* 1..WREN_NGRAM_MAX_ORDER */
    const char *vocab;       /* closed vocabulary file (first field of each line) or NULL */
    size_t mem_bytes;        /* budget for the record buffers */
    const char *tmpdir;      /* for run files (NULL: $TMPDIR or /tmp) */
};

/* Count the n-grams of every text in texts[0..ntexts-1]. Returns 0 or -1 (message set). */
int  wren_ngram_count_text(const struct wren_ngram_count_cfg *cfg, const char *const *texts,
                           int ntexts, struct wren_ngram_counts **out);
void wren_ngram_counts_free(struct wren_ngram_counts *c);

/* The word table of counting: a unigram-less model used as a string -> id table, holding <s>,
 * </s>, <unk> as ids 0, 1, 2. _load adds the first field of each line of a vocabulary file
 * (returns 0 or -1); _take moves its words into c (words, nwords) and frees it. */
struct wren_arpa;
struct wren_arpa *wren_ngram_vocab_new(void);
int  wren_ngram_vocab_load(struct wren_arpa *vocab, const char *path);
void wren_ngram_vocab_take(struct wren_arpa *vocab, struct wren_ngram_counts *c);

/* Renumber the words canonically — <s>, </s>, <unk> keep ids 0, 1, 2, every other word gets
 * its rank in byte order (strcmp) — then sort each order's records by the new ids and sum
 * records that became equal. Counting ends with this, and so does reading count files, so that
 * the same n-gram counts give the same table (and the same model, bit for bit) however they
 * were obtained (one text, or shards counted apart and merged). */
void wren_ngram_counts_canonical(struct wren_ngram_counts *c);

/* Index of the n-gram words[0..n-1] in c->rec[n], or -1. Binary search. */
long wren_ngram_counts_find(const struct wren_ngram_counts *c, int n, const uint32_t *words);

#endif
