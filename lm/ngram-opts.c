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
static int register_estimation(struct wren_ngram_count_opts *o, struct wren_opt *t, int n)
{
    t[n++] = (struct wren_opt){ "vocab", WREN_OPT_STRING, &o->vocab, "closed vocabulary (one word a line); other words count as <unk>" };
    t[n++] = (struct wren_opt){ "kndiscount", WREN_OPT_BOOL, &o->kndiscount, "modified Kneser-Ney (the default)" };
    t[n++] = (struct wren_opt){ "interpolate", WREN_OPT_BOOL, &o->interpolate, "interpolated estimates (always on for KN and WB)" };
    t[n++] = (struct wren_opt){ "wbdiscount", WREN_OPT_BOOL, &o->wbdiscount, "interpolated Witten-Bell instead of KN" };
    t[n++] = (struct wren_opt){ "addk", WREN_OPT_DOUBLE, &o->addk, "add-k smoothing with this k (> 0) instead of KN" };
    t[n++] = (struct wren_opt){ "prune", WREN_OPT_DOUBLE, &o->prune, "Stolcke pruning: drop n-grams raising perplexity by less than this (relative)" };
    t[n++] = (struct wren_opt){ "prune-target", WREN_OPT_LONG, &o->prune_target, "Stolcke pruning to at most this many n-grams in total" };
    static const char *const gt[] = { "", "gt1min", "gt2min", "gt3min", "gt4min", "gt5min" };
    static const char *const gthelp[] = { "", "unused (unigrams are never cut)",
        "drop 2-grams counted fewer times", "drop 3-grams counted fewer times",
        "drop 4-grams counted fewer times", "drop 5-grams counted fewer times" };
    for (int k = 1; k <= WREN_NGRAM_MAX_ORDER; k++)
        t[n++] = (struct wren_opt){ gt[k], WREN_OPT_INT, &o->gtmin[k], gthelp[k] };
    return n;
}

void wren_ngram_count_opts_register(struct wren_ngram_count_opts *o, struct wren_opt *t)
{
    int n = 0;
    t[n++] = (struct wren_opt){ "order", WREN_OPT_INT, &o->order, "n-gram order (1..5)" };
    t[n++] = (struct wren_opt){ "text", WREN_OPT_STRING, &o->text, "training text, one sentence a line (.gz/.xz/\"cmd |\" ok)" };
    t[n++] = (struct wren_opt){ "lm", WREN_OPT_STRING, &o->lm, "output ARPA model" };
    t[n++] = (struct wren_opt){ "write", WREN_OPT_STRING, &o->write, "write the counts to this file (.gz: compressed), for ngram-make" };
    t[n++] = (struct wren_opt){ "write-order", WREN_OPT_INT, &o->write_order, "with -write: only the n-grams of this order (0 = all)" };
    n = register_estimation(o, t, n);
    t[n++] = (struct wren_opt){ "memory", WREN_OPT_INT, &o->memory_mb, "MB of count buffers before sorted runs spill to disk" };
    t[n++] = (struct wren_opt){ "tmpdir", WREN_OPT_STRING, &o->tmpdir, "directory for spilled count runs (default $TMPDIR or /tmp)" };
    t[n++] = (struct wren_opt)WREN_OPT_TABLE_END;
}

void wren_ngram_make_opts_register(struct wren_ngram_count_opts *o, struct wren_opt *t)
{
    int n = 0;
    t[n++] = (struct wren_opt){ "read", WREN_OPT_STRING, &o->read_help, "count file to merge (sorted, as ngram-count -write writes it); repeat for each file" };
    t[n++] = (struct wren_opt){ "order", WREN_OPT_INT, &o->order, "n-gram order (1..5); longer n-grams in the files are skipped" };
    t[n++] = (struct wren_opt){ "lm", WREN_OPT_STRING, &o->lm, "output ARPA model" };
    t[n++] = (struct wren_opt){ "write", WREN_OPT_STRING, &o->write, "write the merged counts to this file (.gz: compressed)" };
    t[n++] = (struct wren_opt){ "write-order", WREN_OPT_INT, &o->write_order, "with -write: only the n-grams of this order (0 = all)" };
    n = register_estimation(o, t, n);
    t[n++] = (struct wren_opt)WREN_OPT_TABLE_END;
}

void wren_ngram_eval_opts_default(struct wren_ngram_eval_opts *o)
{
    memset(o, 0, sizeof *o);
}

void wren_ngram_eval_opts_register(struct wren_ngram_eval_opts *o, struct wren_opt *t)
{
    int n = 0;
    t[n++] = (struct wren_opt){ "lm", WREN_OPT_STRING, &o->lm, "ARPA model (.gz/.xz ok)" };
    t[n++] = (struct wren_opt){ "ppl", WREN_OPT_STRING, &o->ppl, "text to score, one sentence a line" };
    t[n++] = (struct wren_opt){ "order", WREN_OPT_INT, &o->order, "use at most this order (0 = the model's)" };
    t[n++] = (struct wren_opt){ "debug", WREN_OPT_INT, &o->debug, "1: print each sentence's figures" };
    t[n++] = (struct wren_opt)WREN_OPT_TABLE_END;
}
