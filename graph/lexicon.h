/* lexicon.h — a pronunciation lexicon in CMUdict format ("word PH1 PH2 ...", alternates as
 * "word(2) ...", '#' starts a trailing comment, ";;;" lines are comments), as pocketsphinx's
 * cmudict-en-us.dict. Phones are kept as names; mapping them to a model is the caller's job.
 * Not for: building the lexicon FST (graph-l.c). */
#ifndef WREN_LEXICON_H
#define WREN_LEXICON_H

#include <stddef.h>

struct wren_lexicon;   /* opaque */

/* Read; a malformed line is an error "path:line: what is wrong". */
int  wren_lexicon_read(const char *path, struct wren_lexicon **out);
void wren_lexicon_free(struct wren_lexicon *lex);

long wren_lexicon_n_words(const struct wren_lexicon *lex);
long wren_lexicon_n_prons(const struct wren_lexicon *lex);
const char *wren_lexicon_path(const struct wren_lexicon *lex);

/* Pronunciations of a word: *first and *n index the pronunciations (0 prons: returns -1). */
int  wren_lexicon_find(const struct wren_lexicon *lex, const char *word, long *first, int *n);
/* Phones of pronunciation i (ids into the lexicon's phone names), and its source line. */
const int *wren_lexicon_pron(const struct wren_lexicon *lex, long i, int *nphones, long *line);
int  wren_lexicon_n_phones(const struct wren_lexicon *lex);
const char *wren_lexicon_phone_name(const struct wren_lexicon *lex, int id);

#endif
