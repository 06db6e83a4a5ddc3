/* schedule.c — the run of `wren prune`: option checks, one-shot and incremental schedules,
 * calibration on the current model, fine-tuning between steps (wren_nnlm_train from the pruned
 * model), outputs OUT-<size>.safetensors, resumption, and one report line per model.
 * Fairness: a one-shot model of size s is fine-tuned on as many tokens as the incremental run
 * (same --steps, --schedule-shape, --finetune-tokens) spends until it reaches s.
 * Not for: the pruning methods themselves. */
#include "prune/wren-prune.h"

#include "utils/fault.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { UNSTRUCTURED, STRUCTURED, LOWRANK };

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

double *wren_prune_schedule_sizes(int steps, const char *shape, const double *req, int nreq, int *n)
{
    double smin = 1;
    for (int i = 0; i < nreq; i++) if (req[i] < smin) smin = req[i];
    int cubic = shape && !strcmp(shape, "cubic");
    double *s = wren_xmalloc((size_t)(steps + nreq) * sizeof *s);
    int k = 0;
    for (int i = 1; i <= steps; i++) {
        double t = (double)i / steps;
        s[k++] = cubic ? smin + (1 - smin) * pow(1 - t, 3) : 1 - (1 - smin) * t;
    }
    for (int i = 0; i < nreq; i++) s[k++] = req[i];
    qsort(s, (size_t)k, sizeof *s, cmp_desc);
    int m = 0;
    for (int i = 0; i < k; i++)
        if (m == 0 || s[m - 1] - s[i] > 1e-6) s[m++] = s[i];
    *n = m;
    return s;
}

struct run {
    const struct wren_prune_opts *o;
    int crit, method, global;
    int total_basis;         /* --size-basis total */
    struct wren_prune_ref ref;
    int nreq;
    double *req;
    char **req_str;
    int context;
    char *settings;          /* wren_prune_settings_string: recorded in every output */
};

static int check_opts(const struct wren_prune_opts *o, struct run *r)
{
    if (!o->model) return wren_error("--model is required");
    if (!o->out_prefix) return wren_error("--out-prefix is required");
    if ((r->crit = wren_prune_criterion_parse(o->criterion)) < 0) return -1;
    if (!o->method) return wren_error("--method is required");
    if (!strcmp(o->method, "unstructured")) r->method = UNSTRUCTURED;
    else if (!strcmp(o->method, "structured")) r->method = STRUCTURED;
    else if (!strcmp(o->method, "lowrank")) r->method = LOWRANK;
    else return wren_error("unknown method '%s' (unstructured, structured, lowrank)", o->method);
    if (!o->schedule || (strcmp(o->schedule, "oneshot") && strcmp(o->schedule, "incremental")))
        return wren_error("unknown schedule '%s' (oneshot, incremental)", o->schedule ? o->schedule : "");
    if (!o->schedule_shape || (strcmp(o->schedule_shape, "linear") && strcmp(o->schedule_shape, "cubic")))
        return wren_error("unknown schedule shape '%s' (linear, cubic)", o->schedule_shape ? o->schedule_shape : "");
    if (!o->scope || (strcmp(o->scope, "per-layer") && strcmp(o->scope, "global")))
        return wren_error("unknown scope '%s' (per-layer, global)", o->scope ? o->scope : "");
    r->global = !strcmp(o->scope, "global");
    if (r->global && r->method != UNSTRUCTURED)
        return wren_error("--scope global only applies to --method unstructured (structured pruning "
                          "ranks groups globally and low-rank uses one global rank budget already)");
    if (o->steps < 1) return wren_error("--steps must be >= 1");
    if (o->batch < 1) return wren_error("--batch must be >= 1");
    if (o->finetune_tokens < 0) return wren_error("--finetune-tokens must be >= 0");
    if (o->finetune_tokens > 0 && !o->finetune_text)
        return wren_error("--finetune-tokens %ld needs --finetune-text", o->finetune_tokens);
    if (r->crit != WREN_PRUNE_MAGNITUDE && !o->calib_text)
        return wren_error("criterion %s is data-driven and needs --calib-text", o->criterion);
    if (r->crit != WREN_PRUNE_MAGNITUDE && o->calib_tokens < 1)
        return wren_error("--calib-tokens must be >= 1");
    if (!(o->lr > 0) || !isfinite(o->lr)) return wren_error("--lr must be a number > 0, not %g", o->lr);
    if (!(o->dropout >= 0 && o->dropout < 1))
        return wren_error("--dropout must be in [0,1), not %g", o->dropout);
    if (o->distill) {
        if (!(o->distill_weight >= 0 && o->distill_weight <= 1))
            return wren_error("--distill-weight must be in [0,1], not %g", o->distill_weight);
        if (!(o->distill_temp > 0) || !isfinite(o->distill_temp))
            return wren_error("--distill-temperature must be a number > 0, not %g", o->distill_temp);
        if (o->finetune_tokens <= 0)
            return wren_error("--distill %s acts in fine-tuning: it needs --finetune-tokens > 0 and "
                              "--finetune-text", o->distill);
    }
    if (!o->size_basis || (strcmp(o->size_basis, "prunable") && strcmp(o->size_basis, "total")))
        return wren_error("unknown size basis '%s' (prunable, total)", o->size_basis ? o->size_basis : "");
    r->total_basis = !strcmp(o->size_basis, "total");
    if (!(o->emb_exponent >= 0 && o->emb_exponent <= 1))
        return wren_error("--embedding-exponent must be in [0,1], not %g", o->emb_exponent);
    if (o->emb_exponent != 1.0 && !(r->method == LOWRANK && o->embedding))
        return wren_error("--embedding-exponent only applies to --method lowrank --embedding");
    /* sizes: the items as written name the output files */
    if (wren_opts_parse_list("sizes", o->sizes, &r->req, &r->req_str, &r->nreq)) return -1;
    for (int i = 0; i < r->nreq; i++)
        if (!(r->req[i] > 0 && r->req[i] <= 1))
            return wren_error("--sizes: '%s' is not a size in (0,1]", r->req_str[i]);
    return 0;
}

static char *out_path(const struct run *r, const char *tag, const char *ext)
{
    size_t n = strlen(r->o->out_prefix) + strlen(tag) + strlen(ext) + 4;
    char *p = wren_xmalloc(n);
    snprintf(p, n, "%s-%s%s", r->o->out_prefix, tag, ext);
    return p;
}

/* The prunable size of the method's target for a requested size s: s itself, or with
 * --size-basis total the prunable size at which the whole model has s of the dense model's
 * stored parameters (the rest, outside the prunable matrices, is kept; structured pruning also
 * drops the biases of the groups it removes, so it lands a little below s). */
static double prunable_target(const struct run *r, double s)
{
    if (!r->total_basis) return s;
    double rest = (double)r->ref.total_dense - (double)r->ref.prunable_dense;
    return (s * (double)r->ref.total_dense - rest) / (double)r->ref.prunable_dense;
}

/* Every requested total size leaves room for the prunable matrices (before any work). */
static int check_reachable(const struct run *r)
{
    for (int i = 0; i < r->nreq && r->total_basis; i++)
        if (!(prunable_target(r, r->req[i]) > 0))
            return wren_error("--sizes: total size %s is unreachable: the parameters outside the prunable "
                              "matrices (%s) are %.4f of the total", r->req_str[i],
                              r->ref.embedding ? "positions, LayerNorms, biases"
                                               : "the embedding, positions, LayerNorms, biases; --embedding "
                                                 "makes the embedding prunable",
                              1.0 - (double)r->ref.prunable_dense / (double)r->ref.total_dense);
    return 0;
}

/* The distillation teacher can teach the input model (before any work). */
static int check_teacher(const struct run *r, const struct wren_nnlm *dense)
{
    if (!r->o->distill) return 0;
    struct wren_nnlm *t = wren_nnlm_load(r->o->distill);
    int rc = !t || wren_nnlm_distill_check(dense, t, r->o->distill);
    wren_nnlm_free(t);
    return rc ? -1 : 0;
}

static struct wren_nnlm *apply_method(struct run *r, struct wren_nnlm *cur,
                                      const struct wren_nnlm_calib *c, double target)
{
    switch (r->method) {
    case UNSTRUCTURED: return wren_prune_unstructured(cur, c, r->crit, r->global, target, &r->ref);
    case STRUCTURED: return wren_prune_structured(cur, c, r->crit, target, &r->ref);
    default: return wren_prune_lowrank(cur, c, r->crit, target, &r->ref);
    }
}

static struct wren_nnlm *prune_step(struct run *r, struct wren_nnlm *cur, double size)
{
    double target = prunable_target(r, size);
    struct wren_nnlm_calib *c = NULL;
    if (r->crit != WREN_PRUNE_MAGNITUDE) {
        c = wren_nnlm_calibrate(cur, r->o->calib_text, r->o->calib_tokens, r->o->batch);
        if (!c) return NULL;
    }
    struct wren_nnlm *m = apply_method(r, cur, c, target);
    if (!m && r->total_basis) wren_error_prefix("total size %g (prunable size %.4g)", size, target);
    /* A total size: structured pruning also drops the biases (with --embedding the position
     * columns and LayerNorm entries) of what it removes and lands below it (0.232 for 0.25 on
     * the test model): raise the prunable target by the shortfall a few times, keeping the
     * largest model within the size. */
    double scale = (double)r->ref.total_dense / (double)r->ref.prunable_dense;
    for (int k = 0; m && r->total_basis && k < 3; k++) {
        double got = wren_prune_rel_total(m, &r->ref);
        if (got > size - 0.002 || (target += (size - got) * scale) > 1) break;
        struct wren_nnlm *m2 = apply_method(r, cur, c, target);
        if (m2 && wren_prune_rel_total(m2, &r->ref) <= size + 1e-9) { wren_nnlm_free(m); m = m2; }
        else { wren_nnlm_free(m2); break; }
    }
    wren_nnlm_calib_free(c);
    return m;
}

/* Fine-tune m on `tokens` tokens and write the result to path; returns the loaded result
 * (m is freed) and the tokens actually used in *used; NULL on error. The seed picks the
 * windows of the fine-tuning text: the steps of an incremental run each pass a different
 * one, so that together they see as much distinct text as a one-shot run of the same budget
 * (with one seed, every step re-read the same first windows). */
/* The tokens a fine-tuning of `tokens` really uses: whole batches of batch*context tokens
 * (none below half a batch). A resumed run reports an existing model with this too (it
 * reported the requested tokens, not those its first run had used). */
static long finetune_used(const struct run *r, long tokens)
{
    long per_step = (long)r->o->batch * r->context;
    if (tokens <= 0 || tokens < per_step / 2) return 0;
    long steps = (tokens + per_step / 2) / per_step;
    return (steps < 1 ? 1 : steps) * per_step;
}

static struct wren_nnlm *finetune(struct run *r, struct wren_nnlm *m, long tokens, long seed,
                                  const char *path, long *used)
{
    *used = 0;
    long per_step = (long)r->o->batch * r->context;
    wren_nnlm_set_prune_settings(m, r->settings);   /* kept through the fine-tuning */
    if (finetune_used(r, tokens) == 0) {
        int rc = wren_nnlm_save(m, path);
        if (rc) { wren_nnlm_free(m); return NULL; }
        return m;
    }
    size_t n = strlen(path) + 32;
    char *init = wren_xmalloc(n), *ckpt = wren_xmalloc(n);
    snprintf(init, n, "%s.pruned.tmp", path);
    snprintf(ckpt, n, "%s.ckpt.tmp", path);
    /* intermediate files: removed below, and by the out-of-memory exit (they were left behind) */
    wren_exit_unlink_add(init);
    wren_exit_unlink_add(ckpt);
    struct wren_nnlm *res = NULL;
    if (wren_nnlm_save(m, init) == 0) {
        struct wren_nnlm_train_opts t;
        wren_nnlm_train_opts_default(&t);
        t.train = r->o->finetune_text;
        t.valid = r->o->valid_text;
        t.out = path;
        t.init = init;
        t.checkpoint = ckpt;
        t.batch = r->o->batch;
        t.steps = (tokens + per_step / 2) / per_step;
        if (t.steps < 1) t.steps = 1;
        t.valid_every = t.steps;
        t.warmup = t.steps / 20;
        t.lr = r->o->lr;
        t.min_lr = r->o->lr / 10;
        t.dropout = r->o->dropout;
        t.patience = 0;
        t.seed = seed;
        t.self_norm = wren_nnlm_self_norm(m);   /* the objective the model was trained with */
        t.distill = r->o->distill;
        t.distill_weight = r->o->distill_weight;
        t.distill_temp = r->o->distill_temp;
        if (wren_nnlm_train(&t, NULL, NULL) == 0) {
            res = wren_nnlm_load(path);
            *used = finetune_used(r, tokens);
        }
    }
    unlink(init);
    unlink(ckpt);
    wren_exit_unlink_forget(init);
    wren_exit_unlink_forget(ckpt);
    free(init);
    free(ckpt);
    wren_nnlm_free(m);
    return res;
}

static int report(struct run *r, struct wren_nnlm *m, const char *size, long tokens, const char *path,
                  int existing)
{
    double ppl = -1;
    if (r->o->valid_text) {
        struct wren_nnlm_eval_opts eo;
        wren_nnlm_eval_opts_default(&eo);
        struct wren_nnlm_eval_result res;
        if (wren_nnlm_eval_text(m, r->o->valid_text, &eo, NULL, &res)) return -1;
        ppl = res.ppl;
    }
    /* with --embedding the prunable size includes the tied embedding matrix */
    printf("size %s %s %.4f total %.4f", size, r->ref.embedding ? "prunable+emb" : "prunable",
           wren_prune_rel_prunable(m, &r->ref), wren_prune_rel_total(m, &r->ref));
    if (ppl >= 0) printf(" dev_ppl %.3f", ppl);
    float dw;
    if (wren_nnlm_distilled_from(m, &dw, NULL)) printf(" distill %g", dw);   /* its fine-tuning distilled */
    printf(" finetune_tokens %ld%s %s\n", tokens, existing ? " existing" : "", path);
    fflush(stdout);
    return 0;
}

/* An output a previous run left, if it was made with this run's settings (else NULL, error set). */
static struct wren_nnlm *load_existing(const struct run *r, const char *path)
{
    struct wren_nnlm *m = wren_nnlm_load(path);
    if (m && wren_prune_settings_check(path, wren_nnlm_prune_settings(m), r->settings)) {
        wren_nnlm_free(m);
        return NULL;
    }
    return m;
}

static int req_index(const struct run *r, double s)
{
    for (int i = 0; i < r->nreq; i++) if (fabs(r->req[i] - s) <= 1e-6) return i;
    return -1;
}

static int run_oneshot(struct run *r, struct wren_nnlm *dense, const double *steps, int nsteps)
{
    long per = r->o->finetune_tokens / r->o->steps;
    for (int i = 0; i < r->nreq; i++) {
        int pos = 0;
        for (int k = 0; k < nsteps; k++) if (steps[k] >= r->req[i] - 1e-6) pos = k + 1;
        long tokens = per * pos;
        char *path = out_path(r, r->req_str[i], ".safetensors");
        int rc = 0;
        if (access(path, F_OK) == 0) {
            struct wren_nnlm *m = load_existing(r, path);
            rc = !m || report(r, m, r->req_str[i], finetune_used(r, tokens), path, 1);
            wren_nnlm_free(m);
        } else {
            struct wren_nnlm *m = prune_step(r, dense, r->req[i]);
            long used = 0;
            if (m) m = finetune(r, m, tokens, r->o->seed, path, &used);
            rc = !m || report(r, m, r->req_str[i], used, path, 0);
            wren_nnlm_free(m);
        }
        free(path);
        if (rc) return -1;
    }
    return 0;
}

static int run_incremental(struct run *r, struct wren_nnlm *dense, const double *steps, int nsteps)
{
    long per = r->o->finetune_tokens / r->o->steps, spent = 0;
    struct wren_nnlm *cur = dense;
    int start = 0;
    /* resume: the last step whose requested output exists */
    for (int k = 0; k < nsteps; k++) {
        int ri = req_index(r, steps[k]);
        if (ri < 0) continue;
        char *path = out_path(r, r->req_str[ri], ".safetensors");
        if (access(path, F_OK) == 0) start = k + 1;
        free(path);
    }
    int rc = 0;
    for (int k = 0; k < nsteps && !rc; k++) {
        int ri = req_index(r, steps[k]);
        char tag[64];
        snprintf(tag, sizeof tag, "step%d", k + 1);
        char *path = ri >= 0 ? out_path(r, r->req_str[ri], ".safetensors") : out_path(r, tag, ".tmp.safetensors");
        if (k < start) {
            spent += finetune_used(r, per);
            if (ri >= 0) {
                struct wren_nnlm *m = load_existing(r, path);
                rc = !m || report(r, m, r->req_str[ri], spent, path, 1);
                if (k == start - 1 && m) { cur = m; m = NULL; }
                wren_nnlm_free(m);
            }
            free(path);
            continue;
        }
        /* a step not asked for is an intermediate file: removed below, or by the out-of-memory
         * exit (it was left behind) */
        if (ri < 0) wren_exit_unlink_add(path);
        struct wren_nnlm *m = prune_step(r, cur, steps[k]);
        long used = 0;
        if (m) m = finetune(r, m, per, r->o->seed + k, path, &used);
        spent += used;
        if (!m) rc = -1;
        else if (ri >= 0) rc = report(r, m, r->req_str[ri], spent, path, 0);
        if (ri < 0) { unlink(path); wren_exit_unlink_forget(path); }
        if (cur != dense) wren_nnlm_free(cur);
        cur = m;
        free(path);
    }
    if (cur != dense) wren_nnlm_free(cur);
    return rc;
}

/* The text PATH of option OPT has a sentence (a non-blank line); an empty text is an error
 * before any pruning: a magnitude run would ignore an empty --calib-text, and an empty
 * fine-tuning or dev text found only after the first model is written leaves it behind. Only
 * reads up to the first sentence (a large fine-tuning text costs nothing); stdin and command
 * inputs ("cmd |") are not read twice, so not checked here. */
static int check_text(const char *opt, const char *path)
{
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == ' ') n--;
    if (!strcmp(path, "-") || (n > 0 && path[n - 1] == '|')) return 0;   /* read once, later */
    struct wren_input in;
    if (wren_input_open(&in, path)) return -1;
    char *line = NULL;
    size_t cap = 0;
    int found = 0;
    while (!found && getline(&line, &cap, in.f) > 0)
        found = line[strspn(line, " \t\r\n")] != '\0';
    free(line);
    if (found) {   /* closed early: a decompressor's broken pipe is not an error here */
        wren_input_close(&in);
        wren_error_clear();
        return 0;
    }
    if (wren_input_close(&in)) return -1;
    return wren_error("%s: empty text (no sentences) given as %s", path, opt);
}

static int check_texts(const struct wren_prune_opts *o)
{
    if (o->calib_text && check_text("--calib-text", o->calib_text)) return -1;
    if (o->finetune_tokens > 0 && check_text("--finetune-text", o->finetune_text)) return -1;
    if (o->valid_text && check_text("--valid-text", o->valid_text)) return -1;
    return 0;
}

/* The fine-tuning budget when none is given: the study's, if there is a text to fine-tune on. */
#define DEFAULT_FINETUNE_TOKENS 1000000L

int wren_prune_run(const struct wren_prune_opts *given)
{
    struct wren_prune_opts oo = *given;
    if (oo.finetune_tokens == -1) oo.finetune_tokens = oo.finetune_text ? DEFAULT_FINETUNE_TOKENS : 0;
    const struct wren_prune_opts *o = &oo;
    struct run r;
    memset(&r, 0, sizeof r);
    r.o = o;
    int rc = check_opts(o, &r);
    if (rc == 0) rc = check_texts(o);
    if (rc == 0 && !(r.settings = wren_prune_settings_string(o))) rc = -1;
    struct wren_nnlm *dense = NULL;
    if (rc == 0 && !(dense = wren_nnlm_load(o->model))) rc = -1;
    if (rc == 0) {
        wren_prune_ref_init_emb(dense, &r.ref, o->embedding);
        r.ref.emb_exponent = o->emb_exponent;
        r.context = wren_nnlm_context(dense);
        rc = check_reachable(&r) || check_teacher(&r, dense) ? -1 : 0;
    }
    if (rc == 0) {
        int nsteps;
        double *steps = wren_prune_schedule_sizes(o->steps, o->schedule_shape, r.req, r.nreq, &nsteps);
        rc = !strcmp(o->schedule, "oneshot") ? run_oneshot(&r, dense, steps, nsteps)
                                             : run_incremental(&r, dense, steps, nsteps);
        free(steps);
    }
    wren_nnlm_free(dense);
    for (int i = 0; i < r.nreq; i++) free(r.req_str[i]);
    free(r.req_str);
    free(r.req);
    free(r.settings);
    return rc;
}
