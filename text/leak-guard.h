/* leak-guard.h — keep evaluation sentences out of LM training text: every training line that
 * shares a W-word window (default 8) with any evaluation sentence is removed, both sides
 * normalised by text-norm the same way. Evaluation sentences shorter than W words remove the
 * training lines that contain them as a whole sentence. Windows are stored as 64-bit hashes
 * (one hash set), so 9M words of training text stream through in one pass and little memory.
 * Not for: deduplicating training text or normalising it for output (kept lines are copied
 * unchanged). */
#ifndef WREN_LEAK_GUARD_H
#define WREN_LEAK_GUARD_H

#include "utils/wren-util.h"

struct wren_leak_guard_opts {
    int window;              /* W: words in a shared window that count as a leak */
    int ids;                 /* evaluation files are Kaldi text (first field an utterance id) */
    int paragraphs;          /* training text: join non-blank lines into paragraphs (then a whole
                                paragraph is removed or kept) */
    const char *casing;      /* case folding used for both sides (text-norm --case) */
};

void wren_leak_guard_opts_default(struct wren_leak_guard_opts *o);
/* The options of `wren leak-guard`, bound to *o, written to t (opts.h convention). */
#define WREN_LEAK_GUARD_NOPTS 4
int wren_leak_guard_opts_table(struct wren_leak_guard_opts *o, struct wren_opt *t);

struct wren_leak_guard;

struct wren_leak_guard *wren_leak_guard_create(const struct wren_leak_guard_opts *o);
void wren_leak_guard_free(struct wren_leak_guard *g);
/* Add the sentences of one evaluation transcript file. */
int wren_leak_guard_add_eval(struct wren_leak_guard *g, const char *path);
/* Does this (raw) training text share a window with the evaluation sentences? */
int wren_leak_guard_leaks(struct wren_leak_guard *g, const char *text);

struct wren_leak_stats { long eval_sentences, eval_windows, eval_short, lines, removed, kept; };
void wren_leak_guard_stats(const struct wren_leak_guard *g, struct wren_leak_stats *st);
/* Copy IN to OUT without the leaking lines (atomic output); counts in *st. */
int wren_leak_guard_filter(struct wren_leak_guard *g, const char *in, const char *out, struct wren_leak_stats *st);

#endif
