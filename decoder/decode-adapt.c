/* decode-adapt.c — speaker adaptation state for `wren decode` (see decode-adapt.h): options,
 * utt2spk, the transforms of the speakers (estimated here or read from --transforms), the
 * statistics of the current speaker gathered along best paths, and the --transforms-out
 * table. Not for: the passes over the audio (cmd-decode.c) or the estimator (fmllr.c). */
#include "decoder/decode-adapt.h"

#include "am/am.h"
#include "decoder/decoder.h"
#include "utils/error.h"
#include "transform/fmllr-stats.h"
#include "utils/io.h"
#include "lat/lattice.h"
#include "utils/log.h"
#include "am/mdef.h"
#include "utils/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct speaker {
    char *name;
    double *W;           /* estimated transform, or NULL */
};

struct wren_adapt {
    struct wren_adapt_opts o;
    float acwt;
    struct wren_decoder *dec;
    const struct wren_decode_graph *g;
    int dim;
    struct wren_table u2s;
    int have_u2s;
    struct wren_fmllr_table given;
    int have_given;
    struct speaker *spk;
    int n_spk;
    struct speaker *cur;     /* speaker of the current pass */
    int collect, adapted;
    struct wren_fmllr_accs acc;
    uint8_t *tid_filler;
    double cpu;
    int warned_missing;
};

void wren_adapt_opts_default(struct wren_adapt_opts *o)
{
    memset(o, 0, sizeof *o);
    o->iters = 1;
    o->silence_weight = 0.01f;
    o->min_post = 1e-3f;
    wren_fmllr_opts_default(&o->f);
}

int wren_adapt_opts_table(struct wren_adapt_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "adapt", WREN_OPT_STRING, &o->mode, "speaker adaptation: 'fmllr' = two passes, a transform per speaker (utt2spk) estimated on the first pass's best paths" },
        { "transforms", WREN_OPT_STRING, &o->transforms_in, "apply these fMLLR transforms (text table, one per speaker)" },
        { "transforms-out", WREN_OPT_STRING, &o->transforms_out, "with --adapt: write the estimated transforms to this table" },
        { "si-hyp", WREN_OPT_STRING, &o->si_hyp, "with --adapt: write the first (speaker-independent) pass's hypotheses here" },
        { "adapt-iters", WREN_OPT_INT, &o->iters, "with --adapt: estimations, each on the previous pass's best paths" },
        { "adapt-silence-weight", WREN_OPT_FLOAT, &o->silence_weight, "weight of silence and noise frames in the statistics" },
        { "fmllr-min-frames", WREN_OPT_DOUBLE, &o->f.min_frames, "a speaker with fewer (weighted) frames keeps the identity" },
        { "fmllr-min-frames-full", WREN_OPT_DOUBLE, &o->f.min_frames_full, "fewer: only a bias is estimated" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(tab) == WREN_ADAPT_NOPTS + 1, "WREN_ADAPT_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}

int wren_adapt_requested(const struct wren_adapt_opts *o)
{
    return o->mode || o->transforms_in || o->transforms_out || o->si_hyp;
}

static double cpu_now(void)
{
    return (double)clock() / CLOCKS_PER_SEC;
}

static struct speaker *find_speaker(struct wren_adapt *ad, const char *name, int create)
{
    for (int i = 0; i < ad->n_spk; i++)
        if (!strcmp(ad->spk[i].name, name)) return &ad->spk[i];
    if (!create) return NULL;
    ad->spk = wren_xrealloc(ad->spk, (size_t)(ad->n_spk + 1) * sizeof *ad->spk);
    ad->spk[ad->n_spk] = (struct speaker){ wren_xstrdup(name), NULL };
    return &ad->spk[ad->n_spk++];
}

int wren_adapt_create(const struct wren_adapt_opts *o, const char *input, struct wren_decoder *dec,
                      float acwt, struct wren_adapt **out)
{
    *out = NULL;
    if (o->mode && strcmp(o->mode, "fmllr"))
        return wren_error("--adapt: unknown adaptation '%s' (known: fmllr)", o->mode);
    if (o->mode && o->transforms_in)
        return wren_error("--adapt and --transforms exclude each other (--adapt estimates the transforms)");
    if (!o->mode && (o->transforms_out || o->si_hyp))
        return wren_error("--transforms-out and --si-hyp need --adapt fmllr");
    if (o->iters < 1) return wren_error("--adapt-iters must be >= 1 (got %d)", o->iters);
    if (!(o->silence_weight >= 0 && o->silence_weight <= 1))
        return wren_error("--adapt-silence-weight must be in 0..1 (got %g)", (double)o->silence_weight);
    struct wren_adapt *ad = wren_xcalloc(1, sizeof *ad);
    ad->o = *o;
    ad->dec = dec;
    ad->acwt = acwt;
    ad->g = wren_decoder_graph(dec);
    ad->dim = wren_decoder_feat_dim(dec);
    char *u2s = wren_path_join(input, "utt2spk");
    if (wren_path_exists(u2s)) {
        if (wren_table_read(u2s, &ad->u2s)) { free(u2s); wren_adapt_free(ad); return -1; }
        ad->have_u2s = 1;
    }
    free(u2s);
    if (o->transforms_in) {
        if (wren_fmllr_table_read(o->transforms_in, ad->dim, &ad->given)) { wren_adapt_free(ad); return -1; }
        ad->have_given = 1;
    }
    wren_fmllr_accs_init(&ad->acc, ad->dim);
    const struct wren_mdef *md = wren_am_mdef(wren_decoder_am(dec));
    ad->tid_filler = wren_xcalloc((size_t)ad->g->n_tids + 1, 1);
    for (int32_t t = 1; t <= ad->g->n_tids; t++) {
        int ph = ad->g->tid_phone[t];
        ad->tid_filler[t] = ph >= 0 && ph < wren_mdef_n_ciphones(md) && wren_mdef_is_filler(md, ph);
    }
    *out = ad;
    return 0;
}

void wren_adapt_free(struct wren_adapt *ad)
{
    if (!ad) return;
    if (ad->have_u2s) wren_table_free(&ad->u2s);
    if (ad->have_given) wren_fmllr_table_free(&ad->given);
    for (int i = 0; i < ad->n_spk; i++) { free(ad->spk[i].name); free(ad->spk[i].W); }
    free(ad->spk);
    wren_fmllr_accs_free(&ad->acc);
    free(ad->tid_filler);
    free(ad);
}

int wren_adapt_estimating(const struct wren_adapt *ad) { return ad->o.mode != NULL; }
int wren_adapt_iters(const struct wren_adapt *ad) { return ad->o.iters; }
int wren_adapt_collecting(const struct wren_adapt *ad) { return ad->collect; }
double wren_adapt_cpu(const struct wren_adapt *ad) { return ad->cpu; }

const char *wren_adapt_speaker(const struct wren_adapt *ad, const char *utt)
{
    if (!ad->have_u2s) return utt;
    const struct wren_table_entry *e = wren_table_find((struct wren_table *)&ad->u2s, utt);
    return e && e->value[0] ? e->value : utt;
}

void wren_adapt_pass(struct wren_adapt *ad, const char *spk, int collect, int adapted)
{
    ad->cur = find_speaker(ad, spk, 1);
    ad->collect = collect;
    ad->adapted = adapted;
    if (collect) wren_fmllr_accs_reset(&ad->acc);
}

int wren_adapt_utt_start(struct wren_adapt *ad, const char *utt)
{
    const double *W = NULL;
    if (ad->have_given) {
        const char *spk = wren_adapt_speaker(ad, utt);
        W = wren_fmllr_table_find(&ad->given, spk);
        if (!W && !ad->warned_missing++)
            wren_warn("decode: no transform for speaker %s in %s: decoding it unadapted "
                      "(warned once)", spk, ad->o.transforms_in);
    } else if (ad->adapted && ad->cur) {
        W = ad->cur->W;
    }
    wren_decoder_set_transform(ad->dec, W);
    return 0;
}

int wren_adapt_utt_end(struct wren_adapt *ad, const struct wren_lattice *wl)
{
    if (!ad->collect || !wl || wl->start < 0) return 0;
    double t0 = cpu_now();
    struct wren_path p;
    if (wren_lattice_best_path(wl, ad->acwt, &p)) return -1;
    int nf;
    const float *raw = wren_decoder_raw_features(ad->dec, &nf);
    int n = p.n_tids < nf ? p.n_tids : nf;
    int32_t *sen = wren_xmalloc(((size_t)n + 1) * sizeof *sen);
    float *wt = wren_xmalloc(((size_t)n + 1) * sizeof *wt);
    for (int t = 0; t < n; t++) {
        int32_t tid = p.tids[t];
        int ok = tid >= 1 && tid <= ad->g->n_tids;
        sen[t] = ok ? ad->g->tid_senone[tid] : -1;
        wt[t] = ok && ad->tid_filler[tid] ? ad->o.silence_weight : 1.0f;
    }
    /* posteriors on the features the model saw in this pass */
    float *seen = NULL;
    if (ad->adapted && ad->cur && ad->cur->W) {
        seen = wren_xmalloc(((size_t)n * (size_t)ad->dim + 1) * sizeof *seen);
        wren_fmllr_apply(ad->cur->W, ad->dim, raw, seen, n);
    }
    int rc = wren_fmllr_accumulate(&ad->acc, wren_decoder_am(ad->dec), raw, seen, n, sen, wt, ad->o.min_post);
    free(seen);
    free(sen);
    free(wt);
    wren_path_free(&p);
    ad->cpu += cpu_now() - t0;
    return rc;
}

int wren_adapt_estimate(struct wren_adapt *ad)
{
    struct speaker *s = ad->cur;
    if (!s) return wren_error("fmllr: no speaker to estimate");
    double t0 = cpu_now();
    size_t nw = (size_t)ad->dim * (size_t)(ad->dim + 1);
    double *W = wren_xmalloc(nw * sizeof *W);
    if (s->W) memcpy(W, s->W, nw * sizeof *W);
    else wren_fmllr_identity(W, ad->dim);
    struct wren_fmllr_result r;
    if (wren_fmllr_estimate(&ad->acc, &ad->o.f, W, &r, NULL)) {
        free(W);
        return wren_error_prefix("speaker %s: ", s->name);
    }
    free(s->W);
    s->W = W;
    ad->cpu += cpu_now() - t0;
    fprintf(stderr, "wren decode: fmllr speaker %s: %.0f frames, %s transform, auxiliary function "
                    "%.4f -> %.4f per frame (%+.4f)\n", s->name, r.frames, r.kind, r.aux_before,
            r.aux_after, r.aux_after - r.aux_before);
    return 0;
}

int wren_adapt_commit(struct wren_adapt *ad)
{
    if (!ad->o.transforms_out) return 0;
    struct wren_text_out *o;
    if (wren_text_out_open(ad->o.transforms_out, &o)) return -1;
    FILE *f = wren_text_out_file(o);
    double *I = wren_xmalloc((size_t)ad->dim * (size_t)(ad->dim + 1) * sizeof *I);
    wren_fmllr_identity(I, ad->dim);
    int rc = 0;
    for (int i = 0; i < ad->n_spk && !rc; i++)
        rc = wren_fmllr_write(f, ad->spk[i].name, ad->spk[i].W ? ad->spk[i].W : I, ad->dim);
    free(I);
    if (rc) { wren_text_out_abort(o); return -1; }
    return wren_text_out_commit(o);
}
