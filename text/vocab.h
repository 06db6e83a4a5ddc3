/* vocab.h — word sets and counts for text preparation: a string → (id, count) hash table, reading
 * word lists and CMUdict lexicons (first field, `word(2)` alternates folded), counting words of
 * normalised text, top-K selection intersected with a lexicon, and OOV rates.
 * Not for: the LM's own symbol tables or n-gram storage (lm/ngram*), or NNLM tokenisation. */
#ifndef WREN_VOCAB_H
#define WREN_VOCAB_H

#include "utils/wren-util.h"

#include <stddef.h>

struct wren_vocab;

struct wren_vocab *wren_vocab_create(void);
void wren_vocab_free(struct wren_vocab *v);
/* Add COUNT to word W (inserting it with a new id if absent); returns its id. */
long wren_vocab_add(struct wren_vocab *v, const char *w, size_t len, long count);
/* Id of W or -1. */
long wren_vocab_find(const struct wren_vocab *v, const char *w, size_t len);
size_t wren_vocab_size(const struct wren_vocab *v);
const char *wren_vocab_word(const struct wren_vocab *v, long id);
long wren_vocab_count(const struct wren_vocab *v, long id);

/* Read a word list: the first field of each line, with a trailing "(N)" alternate marker removed,
 * so a plain list, a CMUdict lexicon or a words.txt all work. Lines starting with ";;;" (CMUdict
 * comments) and blank lines are skipped. */
int wren_vocab_read(const char *path, struct wren_vocab **out);

/* Count the words of normalised text (whitespace-separated, one sentence a line). With
 * skip_first, the first field of each line is an utterance id and is not counted. */
int wren_vocab_count_text(struct wren_vocab *v, const char *path, int skip_first, long *tokens);

/* Options of `wren vocab-select` (also used by the tests). */
struct wren_vocab_select_opts {
    int top;                 /* K: number of words to keep */
    const char *lexicon;     /* CMUdict-format lexicon: keep only pronounceable words (NULL: all) */
    int ids;                 /* test texts start each line with an utterance id */
};
void wren_vocab_select_opts_default(struct wren_vocab_select_opts *o);
/* The options of `wren vocab-select`, bound to *o, written to t (opts.h convention). */
#define WREN_VOCAB_SELECT_NOPTS 3
int wren_vocab_select_opts_table(struct wren_vocab_select_opts *o, struct wren_opt *t);

/* The K most frequent words of COUNTS (ties: byte order of the word) among those the lexicon
 * can pronounce (when lex != NULL); returns a new vocabulary whose counts are the training
 * counts. *skipped receives how many more frequent words were passed over for lack of a
 * pronunciation. */
struct wren_vocab *wren_vocab_select(const struct wren_vocab *counts, const struct wren_vocab *lex, int top,
                                     long *skipped);
/* Write the selected words, one a line, most frequent first. */
int wren_vocab_write(const struct wren_vocab *sel, const char *path);

struct wren_oov_stats { long tokens, oovs, types, oov_types; };
/* OOV rate of a normalised text against a vocabulary. */
int wren_vocab_oov(const struct wren_vocab *v, const char *path, int skip_first, struct wren_oov_stats *st);

#endif
