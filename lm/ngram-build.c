/* ngram-build.c — what `wren ngram-count` and `wren ngram-make` do, as library calls: check
 * the options, count text or merge count files, write counts, estimate, prune, write.
 * Not for: the algorithms themselves (ngram-counts/countfile/estimate/prune.c). */
#include "lm/ngram.h"
#include "lm/ngram-countfile.h"
#include "lm/ngram-estimate.h"
#include "lm/ngram-prune.h"

#include "utils/error.h"
#include "utils/log.h"

static int check_estimation(const struct wren_ngram_count_opts *o)
{
    if (o->order < 1 || o->order > WREN_NGRAM_MAX_ORDER)
        return wren_error("-order %d: must be 1..%d", o->order, WREN_NGRAM_MAX_ORDER);
    if (o->addk < 0) return wren_error("-addk %g: must be > 0", o->addk);
    if (o->addk > 0 && o->wbdiscount) return wren_error("-addk and -wbdiscount exclude each other");
    if (o->prune < 0 || o->prune_target < 0) return wren_error("pruning values must be >= 0");
    for (int n = 1; n <= WREN_NGRAM_MAX_ORDER; n++)
        if (o->gtmin[n] < 0) return wren_error("-gt%dmin must be >= 0", n);
    if (o->write_order < 0 || o->write_order > o->order)
        return wren_error("-write-order %d: must be 0 (all) or 1..%d", o->write_order, o->order);
    return 0;
}

static int check_opts(const struct wren_ngram_count_opts *o)
{
    if (check_estimation(o) < 0) return -1;
    if (!o->text) return wren_error("-text is required");
    if (o->memory_mb < 16) return wren_error("-memory %d: at least 16 MB", o->memory_mb);
    return 0;
}

static void log_sizes(const char *what, const struct wren_arpa *a)
{
    if (wren_verbosity < 1) return;
    fprintf(stderr, "ngram-count: %s:", what);
    for (int n = 1; n <= wren_arpa_order(a); n++)
        fprintf(stderr, " %d-grams %zu", n, wren_arpa_count(a, n));
    fputc('\n', stderr);
}

static int count(const struct wren_ngram_count_opts *o, struct wren_ngram_counts **out)
{
    struct wren_ngram_count_cfg cc = { .order = o->order, .vocab = o->vocab,
        .mem_bytes = (size_t)o->memory_mb << 20, .tmpdir = o->tmpdir };
    const char *texts[1] = { o->text };
    double t0 = wren_now();
    if (wren_ngram_count_text(&cc, texts, 1, out) < 0) return -1;
    struct wren_ngram_counts *c = *out;
    wren_log("ngram-count: %ld sentences, %ld words, %d types, %d spilled runs, %.1f s",
             c->sentences, c->tokens, c->nwords, c->spills, wren_now() - t0);
    return 0;
}

/* Estimate and prune (the part ngram-count and ngram-make share). */
static int estimate(const struct wren_ngram_count_opts *o, const struct wren_ngram_counts *c,
                    struct wren_arpa **out)
{
    *out = NULL;
    struct wren_ngram_est_cfg ec = { .method = o->addk > 0 ? WREN_NGRAM_ADDK
                                     : o->wbdiscount ? WREN_NGRAM_WB : WREN_NGRAM_KN,
                                     .addk = o->addk };
    for (int n = 0; n <= WREN_NGRAM_MAX_ORDER; n++) ec.gtmin[n] = o->gtmin[n];
    if (c->tokens == 0)   /* the estimator would fail without saying which input was empty */
        return wren_error("%s: no words in the training text (nothing to estimate)",
                          o->text ? o->text : o->nreads == 1 ? o->reads[0] : "the merged count files");
    struct wren_arpa *a;
    if (wren_ngram_estimate(c, &ec, &a) < 0) return -1;
    log_sizes("estimated", a);
    if (o->prune > 0 || o->prune_target > 0) {
        struct wren_ngram_prune_cfg pc = { .threshold = o->prune,
                                           .target = (size_t)o->prune_target, .min_order = 2 };
        struct wren_arpa *p;
        int rc = wren_ngram_prune(a, &pc, &p);
        wren_arpa_free(a);
        if (rc < 0) return -1;
        a = p;
        log_sizes("pruned", a);
    }
    *out = a;
    return 0;
}

int wren_ngram_build(const struct wren_ngram_count_opts *o, struct wren_arpa **out)
{
    *out = NULL;
    if (check_opts(o) < 0) return -1;
    struct wren_ngram_counts *c;
    if (count(o, &c) < 0) return -1;
    int rc = estimate(o, c, out);
    wren_ngram_counts_free(c);
    return rc;
}

/* Write the counts and/or the model of c (consumed). */
static int write_outputs(const struct wren_ngram_count_opts *o, struct wren_ngram_counts *c,
                         const char *cmd)
{
    double t0 = wren_now();
    if (o->write) {
        if (wren_ngram_counts_write(c, o->write, o->write_order) < 0) {
            wren_ngram_counts_free(c);
            return -1;
        }
        wren_log("%s: wrote counts to %s (%.1f s)", cmd, o->write, wren_now() - t0);
    }
    if (!o->lm) { wren_ngram_counts_free(c); return 0; }
    struct wren_arpa *a;
    int rc = estimate(o, c, &a);
    wren_ngram_counts_free(c);
    if (rc < 0) return -1;
    t0 = wren_now();
    rc = wren_arpa_write(a, o->lm);
    wren_arpa_free(a);
    if (rc == 0) wren_log("%s: wrote %s (%.1f s)", cmd, o->lm, wren_now() - t0);
    return rc;
}

int wren_ngram_count_run(const struct wren_ngram_count_opts *o)
{
    if (!o->lm && !o->write) return wren_error("-lm or -write is required");
    if (check_opts(o) < 0) return -1;
    struct wren_ngram_counts *c;
    if (count(o, &c) < 0) return -1;
    return write_outputs(o, c, "ngram-count");
}

int wren_ngram_make_run(const struct wren_ngram_count_opts *o)
{
    if (!o->lm && !o->write) return wren_error("-lm or -write is required");
    if (o->nreads < 1) return wren_error("-read COUNTS is required (one or more)");
    if (check_estimation(o) < 0) return -1;
    struct wren_ngram_read_cfg rc = { .order = o->order, .vocab = o->vocab };
    struct wren_ngram_counts *c;
    double t0 = wren_now();
    if (wren_ngram_counts_read(&rc, o->reads, o->nreads, &c) < 0) return -1;
    wren_log("ngram-make: merged %d count files: %ld sentences, %ld words, %d types, %.1f s",
             o->nreads, c->sentences, c->tokens, c->nwords, wren_now() - t0);
    return write_outputs(o, c, "ngram-make");
}
