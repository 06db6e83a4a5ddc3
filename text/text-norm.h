/* text-norm.h — normalisation of raw English text into LM/ASR word strings: sentence splitting,
 * case folding, punctuation removal, numbers spelled out, hyphen and apostrophe handling and
 * <unk> mapping. The exact rules are documented at the top of text-norm.c. Deterministic: the
 * same input and options give the same output, and normalised text normalises to itself.
 * Not for: tokenising for the NNLM (nnlm/), n-gram counting, or language-specific text other
 * than English. */
#ifndef WREN_TEXT_NORM_H
#define WREN_TEXT_NORM_H

#include "utils/wren-util.h"

#include <stddef.h>

struct wren_textnorm_opts {
    const char *vocab;       /* word list or CMUdict lexicon: keeps hyphenated forms it has and
                                maps other words to `unk` (NULL: no mapping, always split hyphens) */
    const char *unk;         /* the unknown-word token */
    const char *casing;      /* "lower" (CMUdict's convention) or "upper" */
    int paragraphs;          /* join consecutive non-blank lines into one paragraph before
                                splitting sentences (for hard-wrapped books and newswire) */
    int ids;                 /* Kaldi text: the first field of a line is an utterance id, kept as
                                is; the rest becomes one line (no sentence splitting) */
    int split;               /* one sentence a line (0: one output line per input unit) */
};

void wren_textnorm_opts_default(struct wren_textnorm_opts *o);
/* The options of `wren text-norm`, bound to *o, written to t (opts.h: t needs
 * WREN_TEXTNORM_NOPTS + 1 entries); returns WREN_TEXTNORM_NOPTS. */
#define WREN_TEXTNORM_NOPTS 5
int wren_textnorm_opts_table(struct wren_textnorm_opts *o, struct wren_opt *t);

/* A growing string. */
struct wren_tn_buf { char *s; size_t n, cap; };
void wren_tn_buf_free(struct wren_tn_buf *b);

struct wren_textnorm;

/* Returns NULL (with a message) if the vocabulary cannot be read or an option is invalid. */
struct wren_textnorm *wren_textnorm_create(const struct wren_textnorm_opts *o);
void wren_textnorm_free(struct wren_textnorm *tn);

/* Normalise one unit (a line or paragraph of UTF-8 text) and append the result to out: one
 * sentence a line when opts.split, else all its words on one line; nothing for a unit without
 * words. Returns the number of words written. */
long wren_textnorm_unit(struct wren_textnorm *tn, const char *text, struct wren_tn_buf *out);

struct wren_textnorm_stats { long lines_in, lines_out, words_out, unks; };
/* Normalise a whole file (any wren_input_open spec, e.g. .xz) into OUT (atomic; "-" stdout). */
int wren_textnorm_file(struct wren_textnorm *tn, const char *in, const char *out,
                       struct wren_textnorm_stats *st);

#endif
