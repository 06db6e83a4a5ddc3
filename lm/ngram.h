/* ngram.h — the n-gram toolkit's entry points as the commands use them: the options of
 * `wren ngram-count` (count, estimate, prune, write ARPA) and `wren ngram` (perplexity), each a
 * struct with defaults and one option table, and the functions that run them.
 * Not for: the ARPA model API (arpa.h) or the algorithms (ngram-counts/estimate/prune/eval.h). */
#ifndef WREN_NGRAM_H
#define WREN_NGRAM_H

#include "lm/arpa.h"
#include "lm/ngram-counts.h"
#include "lm/ngram-eval.h"
#include "utils/opts.h"

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
    const char *write;         /* count file to write (ngram-countfile.h format), or NULL */
    int write_order;           /* 0: all orders; N: only the N-grams */
    const char *const *reads;  /* ngram-make: the count files to merge (not an option) */
    int nreads;
    struct wren_opt_strings read;  /* ngram-make: the -read options (the command puts them and
                                      its arguments in reads; caller frees read.v) */
};

void wren_ngram_count_opts_default(struct wren_ngram_count_opts *o);
/* The options of ngram-count, bound to *o, written to t (opts.h convention). */
#define WREN_NGRAM_COUNT_NOPTS 19
int wren_ngram_count_opts_table(struct wren_ngram_count_opts *o, struct wren_opt *t);
/* The options of ngram-make: the same estimation options, -read instead of -text. */
#define WREN_NGRAM_MAKE_NOPTS 17
int wren_ngram_make_opts_table(struct wren_ngram_count_opts *o, struct wren_opt *t);
/* Count o->text; write the counts to o->write and/or estimate, prune and write o->lm (at
 * least one of them is needed). Returns 0 or -1 (message set). */
int  wren_ngram_count_run(const struct wren_ngram_count_opts *o);
/* Count, estimate and prune into a model in memory (what _run writes). */
int  wren_ngram_build(const struct wren_ngram_count_opts *o, struct wren_arpa **out);
/* ngram-make: merge the count files o->reads[0..nreads-1] from disk, then write o->write
 * and/or estimate exactly as ngram-count would on the concatenated texts. */
int  wren_ngram_make_run(const struct wren_ngram_count_opts *o);

struct wren_ngram_eval_opts {
    const char *lm, *ppl;
    int order;                 /* 0 = the model's */
    int debug;                 /* 1: per-sentence figures */
};

void wren_ngram_eval_opts_default(struct wren_ngram_eval_opts *o);
/* The options of `wren ngram`, bound to *o, written to t (opts.h convention). */
#define WREN_NGRAM_EVAL_NOPTS 4
int wren_ngram_eval_opts_table(struct wren_ngram_eval_opts *o, struct wren_opt *t);

#endif
