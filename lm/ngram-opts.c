/* ngram-opts.c — defaults and the option tables of ngram-count, ngram-make and ngram (ngram.h).
 * Not for: parsing (utils/opts.c) or running (ngram-build.c). */
#include "lm/ngram.h"

#include <string.h>

void wren_ngram_count_opts_default(struct wren_ngram_count_opts *o)
{
    memset(o, 0, sizeof *o);
    o->order = 3;
    o->kndiscount = 1;
    o->interpolate = 1;
    for (int n = 0; n <= WREN_NGRAM_MAX_ORDER; n++) o->gtmin[n] = 1;
    o->memory_mb = 1024;
}

/* The options ngram-count and ngram-make share: vocabulary, method, pruning, cut-offs. */
#define ESTIMATION_NOPTS 12
static int estimation_table(struct wren_ngram_count_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "vocab", WREN_OPT_STRING, &o->vocab, "closed vocabulary (one word a line); other words count as <unk>" },
        { "kndiscount", WREN_OPT_BOOL, &o->kndiscount, "modified Kneser-Ney (the default)" },
        { "interpolate", WREN_OPT_BOOL, &o->interpolate, "interpolated estimates (always on for KN and WB)" },
        { "wbdiscount", WREN_OPT_BOOL, &o->wbdiscount, "interpolated Witten-Bell instead of KN" },
        { "addk", WREN_OPT_DOUBLE, &o->addk, "add-k smoothing with this k (> 0) instead of KN" },
        { "prune", WREN_OPT_DOUBLE, &o->prune, "Stolcke pruning: drop n-grams raising perplexity by less than this (relative)" },
        { "prune-target", WREN_OPT_LONG, &o->prune_target, "Stolcke pruning to at most this many n-grams in total" },
        { "gt1min", WREN_OPT_INT, &o->gtmin[1], "unused (unigrams are never cut)" },
        { "gt2min", WREN_OPT_INT, &o->gtmin[2], "drop 2-grams counted fewer times" },
        { "gt3min", WREN_OPT_INT, &o->gtmin[3], "drop 3-grams counted fewer times" },
        { "gt4min", WREN_OPT_INT, &o->gtmin[4], "drop 4-grams counted fewer times" },
        { "gt5min", WREN_OPT_INT, &o->gtmin[5], "drop 5-grams counted fewer times" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_NGRAM_MAX_ORDER == 5, "one -gtNmin option per order");
    _Static_assert(WREN_OPTS_LEN(tab) == ESTIMATION_NOPTS + 1, "ESTIMATION_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}

int wren_ngram_count_opts_table(struct wren_ngram_count_opts *o, struct wren_opt *t)
{
    const struct wren_opt head[] = {
        { "order", WREN_OPT_INT, &o->order, "n-gram order (1..5)" },
        { "text", WREN_OPT_STRING, &o->text, "training text, one sentence a line (.gz/.xz/\"cmd |\" ok)" },
        { "lm", WREN_OPT_STRING, &o->lm, "output ARPA model" },
        { "write", WREN_OPT_STRING, &o->write, "write the counts to this file (.gz: compressed), for ngram-make" },
        { "write-order", WREN_OPT_INT, &o->write_order, "with -write: only the n-grams of this order (0 = all)" },
        WREN_OPT_TABLE_END,
    }, tail[] = {
        { "memory", WREN_OPT_INT, &o->memory_mb, "MB of count buffers before sorted runs spill to disk" },
        { "tmpdir", WREN_OPT_STRING, &o->tmpdir, "directory for spilled count runs (default $TMPDIR or /tmp)" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(head) - 1 + ESTIMATION_NOPTS + WREN_OPTS_LEN(tail) - 1 == WREN_NGRAM_COUNT_NOPTS,
                   "WREN_NGRAM_COUNT_NOPTS counts the table");
    int n = wren_opts_copy(t, head);
    n += estimation_table(o, t + n);
    return n + wren_opts_copy(t + n, tail);
}

int wren_ngram_make_opts_table(struct wren_ngram_count_opts *o, struct wren_opt *t)
{
    const struct wren_opt head[] = {
        { "read", WREN_OPT_STRINGS, &o->read, "count file to merge (sorted, as ngram-count -write writes it); repeat for each file" },
        { "order", WREN_OPT_INT, &o->order, "n-gram order (1..5); longer n-grams in the files are skipped" },
        { "lm", WREN_OPT_STRING, &o->lm, "output ARPA model" },
        { "write", WREN_OPT_STRING, &o->write, "write the merged counts to this file (.gz: compressed)" },
        { "write-order", WREN_OPT_INT, &o->write_order, "with -write: only the n-grams of this order (0 = all)" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(head) - 1 + ESTIMATION_NOPTS == WREN_NGRAM_MAKE_NOPTS,
                   "WREN_NGRAM_MAKE_NOPTS counts the table");
    int n = wren_opts_copy(t, head);
    return n + estimation_table(o, t + n);
}

void wren_ngram_eval_opts_default(struct wren_ngram_eval_opts *o)
{
    memset(o, 0, sizeof *o);
}

int wren_ngram_eval_opts_table(struct wren_ngram_eval_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "lm", WREN_OPT_STRING, &o->lm, "ARPA model (.gz/.xz ok)" },
        { "ppl", WREN_OPT_STRING, &o->ppl, "text to score, one sentence a line" },
        { "order", WREN_OPT_INT, &o->order, "use at most this order (0 = the model's)" },
        { "debug", WREN_OPT_INT, &o->debug, "1: print each sentence's figures" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(tab) == WREN_NGRAM_EVAL_NOPTS + 1, "WREN_NGRAM_EVAL_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}
