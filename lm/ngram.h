/* ngram.h — the n-gram toolkit's entry points as the commands use them: the options of
 * `wren ngram-count` (count, estimate, prune, write ARPA) and `wren ngram` (perplexity), each a
 * struct with defaults and one option table, and the functions that run them.
 * Not for: the ARPA model API (arpa.h) or the algorithms (ngram-counts/estimate/prune/eval.h). */
#ifndef WREN_NGRAM_H
#define WREN_NGRAM_H

#include "arpa.h"
#include "ngram-counts.h"
#include "ngram-eval.h"
#include "opts.h"

struct wren_ngram_count_opts {
    int order;                 /* 1..5 */
    const char *text;          /* training text, one normalised sentence a line */
    const char *lm;            /* output ARPA file */
    const char *vocab;         /* closed vocabulary; other words become <unk> */
    int kndiscount, interpolate;   /* accepted for SRILM habits: KN interpolated is the default */
    int wbdiscount;            /* interpolated Witten-Bell instead */
    double addk;               /* > 0: add-k instead */
    double prune;              /* Stolcke threshold (relative ppl increase), 0 = off */
    long prune_target;         /* keep at most this many n-grams in total, 0 = off */
    int gtmin[WREN_NGRAM_MAX_ORDER + 1];   /* -gt1min .. -gt5min count cut-offs (1 = keep all) */
    int memory_mb;             /* count buffers budget before spilling to disk */
    const char *tmpdir;        /* run files; default $TMPDIR or /tmp */
};

#define WREN_NGRAM_COUNT_NOPTS 24
void wren_ngram_count_opts_default(struct wren_ngram_count_opts *o);
/* Fill t (WREN_NGRAM_COUNT_NOPTS entries) with the table pointing into o. */
void wren_ngram_count_opts_register(struct wren_ngram_count_opts *o, struct wren_opt *t);
/* Count, estimate, prune and write o->lm. Returns 0 or -1 (message set). */
int  wren_ngram_count_run(const struct wren_ngram_count_opts *o);
/* Count, estimate and prune into a model in memory (what _run writes). */
int  wren_ngram_build(const struct wren_ngram_count_opts *o, struct wren_arpa **out);

struct wren_ngram_eval_opts {
    const char *lm, *ppl;
    int order;                 /* 0 = the model's */
    int debug;                 /* 1: per-sentence figures */
};

#define WREN_NGRAM_EVAL_NOPTS 6
void wren_ngram_eval_opts_default(struct wren_ngram_eval_opts *o);
void wren_ngram_eval_opts_register(struct wren_ngram_eval_opts *o, struct wren_opt *t);

#endif
