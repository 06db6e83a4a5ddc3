/* decode-adapt.c — speaker adaptation state for `wren decode` (see decode-adapt.h): options,
 * utt2spk, the transforms of the speakers (estimated here or read from --transforms), the
 * statistics of the current speaker gathered along best paths, and the --transforms-out
 * table. Not for: the passes over the audio (cmd-decode.c) or the estimator (fmllr.c). */
#include "decoder/decode-adapt.h"

#include "am/am.h"
#include "decoder/decoder.h"
#include "decoder/lattice-am.h"
#include "utils/error.h"
#include "transform/fmllr-stats.h"
#include "transform/map-mean.h"
#include "transform/mllr-mean.h"
#include "utils/io.h"
#include "lat/lattice.h"
#include "utils/log.h"
#include "am/mdef.h"
#include "utils/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct speaker {
    char *name;
    double *W;           /* estimated transform, or NULL */
    float *means;        /* adapted Gaussian means (--adapt-mllr, --adapt-map-tau), or NULL */
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
    struct wren_map_accs map;    /* --adapt-map-tau > 0 or --adapt-mllr: per-Gaussian statistics */
    /* the current speaker's frames (raw features) and their (frame, senone, weight) entries,
     * kept for the EM re-estimates of --fmllr-em-iters */
    float *al_raw;
    size_t al_nf, al_fcap;
    int32_t *al_frame, *al_sen;
    float *al_wt;
    size_t al_n, al_cap;
    /* the lattices of the pass being kept for the final rescoring, each with where its frames
     * start in al_raw */
    int keep_lat;
    struct kept_lat { char *utt; struct wren_lattice l; size_t off; int nf; int *frame_map, n_map; } *kept;
    int n_kept;
    size_t last_off;
    int last_nf;
    /* one utterance's entries */
    int32_t *u_frame, *u_sen;
    float *u_wt;
    size_t u_cap;
    uint8_t *tid_filler;
    double cpu;
    int warned_missing;
};

void wren_adapt_opts_default(struct wren_adapt_opts *o)
{
    memset(o, 0, sizeof *o);
    /* two passes when the input names its speakers (auto): on pooled dev the speakers of utt2spk
     * take the first pass from 43.30 to 37.48 %WER at 1.03x the CPU of one pass and 0.80x
     * pocketsphinx's (with --adapt-beam 10). Without speakers each utterance would be adapted to
     * itself: pooled dev 43.30 -> 42.83 (n.s.) at 1.33x the CPU, and mixed on mismatched audio,
     * so one pass (egs/pooled/RESULTS.md) */
    o->mode = "auto";
    o->iters = 1;
    o->silence_weight = 0.01f;
    o->min_post = 1e-3f;
    o->em_iters = 5;
    /* MAP means with a prior weight of 500 frames: a Gaussian moves occ / (occ + 500) of the way
     * to its speaker mean, so only a speaker with much speech moves anything (TIMIT's few
     * seconds: under 4 %). Pooled dev: 38.13 -> 37.63 % (p = 0.025; arctic -0.62, timit and lj
     * -0.2); tau 200 and 1000 gave 37.82 and 38.08, and tau 50 hurt timit and lj by 2-3 points.
     * Test: arctic 40.30 -> 39.66 (p = 0.027), timit and lj within 3 errors (egs/pooled/RESULTS.md) */
    o->map_tau = 500;
    o->rescore = 1;
    /* the first pass only has to align: on pooled dev beam 9 / max-active 2000 gave the same
     * adapted WER as the full search (38.13 against 38.26 %, n.s.), the first pass in 40 % of
     * the CPU */
    o->first_beam = 9.0f;
    o->first_max_active = 2000;
    /* the adapted features fit the model better, so the adapted pass loses nothing significant
     * at a narrower beam: pooled dev 37.27 % at beam 11 against 37.48 at 10 (n.s., p = 0.16),
     * test 38.05 against 38.27 (n.s., p = 0.12), for 20 % less CPU, which puts both passes at
     * 0.80x pocketsphinx's CPU instead of 0.99x (same machine, same run; egs/pooled/RESULTS.md) */
    o->adapted_beam = 10.0f;
    o->posteriors = "best-path";
    o->min_lattice_post = 1e-2f;
    wren_fmllr_opts_default(&o->f);
}

int wren_adapt_opts_table(struct wren_adapt_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "adapt", WREN_OPT_STRING, &o->mode, "speaker adaptation: 'fmllr' = two passes, a transform per speaker (utt2spk; without it per utterance) estimated on the first pass's best paths; 'none' = one speaker-independent pass; 'auto' = fmllr for a data dir with an utt2spk (unless --transforms), else none" },
        { "transforms", WREN_OPT_STRING, &o->transforms_in, "apply these fMLLR transforms (text table, one per speaker)" },
        { "transforms-out", WREN_OPT_STRING, &o->transforms_out, "with --adapt: write the estimated transforms to this table (the last estimate: with --adapt-rescore the one the lattices were rescored with; the MAP means are not in it, so --transforms reproduces the adapted pass only of a --no-adapt-rescore --adapt-map-tau 0 --adapt-beam 0 run)" },
        { "si-hyp", WREN_OPT_STRING, &o->si_hyp, "with --adapt: write the first (speaker-independent) pass's hypotheses here" },
        { "adapt-iters", WREN_OPT_INT, &o->iters, "with --adapt: estimations, each on the previous pass's best paths" },
        { "fmllr-em-iters", WREN_OPT_INT, &o->em_iters, "with --adapt: estimates per pass, each with the Gaussian posteriors recomputed on the features the previous estimate transforms (the alignment kept)" },
        { "adapt-posteriors", WREN_OPT_STRING, &o->posteriors, "with --adapt: statistics along each pass's 'best-path', or over its 'lattice' (forward-backward posteriors at the decoding acwt)" },
        { "adapt-map-tau", WREN_OPT_DOUBLE, &o->map_tau, "with --adapt: also MAP-adapt the Gaussian means per speaker on the fMLLR-transformed features, this prior weight in frames (a mean moves occ / (occ + tau) of the way: only speakers with much speech move it; 0 = off; not written to --transforms-out)" },
        { "adapt-mllr", WREN_OPT_BOOL, &o->mllr, "with --adapt: also move the Gaussian means per speaker by a global MLLR transform per feature stream, estimated on the fMLLR-transformed features (not written to --transforms-out); with --adapt-map-tau, MAP then starts from those means" },
        { "adapt-first-beam", WREN_OPT_FLOAT, &o->first_beam, "with --adapt: beam of the speaker-independent pass, which only has to align (never wider than --beam; 0 = --beam; Kaldi's decode_fmllr.sh narrows it too)" },
        { "adapt-first-max-active", WREN_OPT_INT, &o->first_max_active, "with --adapt: max-active of the speaker-independent pass (never more than --max-active; 0 = --max-active)" },
        { "adapt-beam", WREN_OPT_FLOAT, &o->adapted_beam, "with --adapt: beam of the adapted passes (never wider than --beam; 0 = --beam)" },
        { "adapt-rescore", WREN_OPT_BOOL, &o->rescore, "with --adapt: estimate once more on the last adapted pass and rescore its lattices with that transform (Kaldi's decode_fmllr.sh) instead of decoding again" },
        { "adapt-silence-weight", WREN_OPT_FLOAT, &o->silence_weight, "weight of silence and noise frames in the statistics" },
        { "fmllr-min-frames", WREN_OPT_DOUBLE, &o->f.min_frames, "a speaker with fewer (weighted) frames keeps the identity" },
        { "fmllr-min-frames-full", WREN_OPT_DOUBLE, &o->f.min_frames_full, "fewer: only a bias is estimated" },
        { "fmllr-blocks", WREN_OPT_INT, &o->f.blocks, "the fMLLR matrix A is block-diagonal with this many equal blocks (1 = full; 3 = one per static, delta and delta-delta part of Sphinx features: a third of the parameters)" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(tab) == WREN_ADAPT_NOPTS + 1, "WREN_ADAPT_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}

int wren_adapt_opts_resolve(struct wren_adapt_opts *o, const char *input)
{
    if (!o->mode) return 0;
    if (!strcmp(o->mode, "auto")) {
        char *u2s = wren_path_join(input, "utt2spk");
        o->mode = !o->transforms_in && wren_path_exists(u2s) ? "fmllr" : NULL;
        free(u2s);
    }
    else if (!strcmp(o->mode, "none") || !o->mode[0]) o->mode = NULL;
    else if (strcmp(o->mode, "fmllr"))
        return wren_error("--adapt: unknown adaptation '%s' (known: fmllr, none, auto)", o->mode);
    return 0;
}

int wren_adapt_requested(const struct wren_adapt_opts *o)
{
    return o->mode || o->transforms_in || o->transforms_out || o->si_hyp;
}

static struct speaker *find_speaker(struct wren_adapt *ad, const char *name, int create)
{
    for (int i = 0; i < ad->n_spk; i++)
        if (!strcmp(ad->spk[i].name, name)) return &ad->spk[i];
    if (!create) return NULL;
    ad->spk = wren_xrealloc(ad->spk, (size_t)(ad->n_spk + 1) * sizeof *ad->spk);
    ad->spk[ad->n_spk] = (struct speaker){ wren_xstrdup(name), NULL, NULL };
    return &ad->spk[ad->n_spk++];
}

int wren_adapt_create(const struct wren_adapt_opts *o, const char *input, struct wren_decoder *dec,
                      float acwt, struct wren_adapt **out)
{
    *out = NULL;
    if (o->mode && strcmp(o->mode, "fmllr"))
        return wren_error("--adapt: '%s' not resolved (wren_adapt_opts_resolve)", o->mode);
    if (o->mode && o->transforms_in)
        return wren_error("--adapt and --transforms exclude each other (--adapt estimates the transforms)");
    if (!o->mode && (o->transforms_out || o->si_hyp))
        return wren_error("--transforms-out and --si-hyp need --adapt fmllr (not none, or auto with --transforms)");
    if (o->iters < 1) return wren_error("--adapt-iters must be >= 1 (got %d)", o->iters);
    int lattice_post = 0;
    if (!strcmp(o->posteriors, "lattice")) lattice_post = 1;
    else if (strcmp(o->posteriors, "best-path"))
        return wren_error("--adapt-posteriors: '%s' is neither best-path nor lattice", o->posteriors);
    if (!(o->map_tau >= 0)) return wren_error("--adapt-map-tau must be >= 0 (got %g)", o->map_tau);
    if (!(o->first_beam >= 0)) return wren_error("--adapt-first-beam must be >= 0 (got %g)", (double)o->first_beam);
    if (o->first_max_active < 0)
        return wren_error("--adapt-first-max-active must be >= 0 (got %d)", o->first_max_active);
    if (!(o->adapted_beam >= 0)) return wren_error("--adapt-beam must be >= 0 (got %g)", (double)o->adapted_beam);
    if (o->em_iters < 1) return wren_error("--fmllr-em-iters must be >= 1 (got %d)", o->em_iters);
    if (!(o->silence_weight >= 0 && o->silence_weight <= 1))
        return wren_error("--adapt-silence-weight must be in 0..1 (got %g)", (double)o->silence_weight);
    struct wren_adapt *ad = wren_xcalloc(1, sizeof *ad);
    ad->o = *o;
    ad->o.lattice_post = lattice_post;
    ad->dec = dec;
    ad->acwt = acwt;
    ad->g = wren_decoder_graph(dec);
    ad->dim = wren_decoder_feat_dim(dec);
    if (wren_fmllr_opts_check(&o->f, ad->dim)) { wren_adapt_free(ad); return -1; }
    char *u2s = input ? wren_path_join(input, "utt2spk") : NULL;
    if (u2s && wren_path_exists(u2s)) {
        if (wren_table_read(u2s, &ad->u2s)) { free(u2s); wren_adapt_free(ad); return -1; }
        ad->have_u2s = 1;
    }
    free(u2s);
    if (o->transforms_in) {
        if (wren_fmllr_table_read(o->transforms_in, ad->dim, &ad->given)) { wren_adapt_free(ad); return -1; }
        ad->have_given = 1;
    }
    wren_fmllr_accs_init(&ad->acc, ad->dim);
    if (o->mode && (o->map_tau > 0 || o->mllr)) wren_map_accs_init(&ad->map, wren_am_n_mean_values(wren_decoder_am(dec)));
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
    for (int i = 0; i < ad->n_spk; i++) { free(ad->spk[i].name); free(ad->spk[i].W); free(ad->spk[i].means); }
    if (ad->map.n) {
        wren_am_set_means(wren_decoder_am(ad->dec), NULL);
        wren_map_accs_free(&ad->map);
    }
    free(ad->spk);
    wren_fmllr_accs_free(&ad->acc);
    free(ad->al_raw);
    free(ad->al_frame);
    free(ad->al_sen);
    free(ad->al_wt);
    for (int i = 0; i < ad->n_kept; i++) { free(ad->kept[i].utt); free(ad->kept[i].frame_map); wren_lattice_free(&ad->kept[i].l); }
    free(ad->kept);
    free(ad->u_frame);
    free(ad->u_sen);
    free(ad->u_wt);
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

int wren_adapt_speaker_unknown(const struct wren_adapt *ad, const char *utt)
{
    if (!ad->have_u2s) return 0;
    const struct wren_table_entry *e = wren_table_find((struct wren_table *)&ad->u2s, utt);
    return !e || !e->value[0];
}

void wren_adapt_pass(struct wren_adapt *ad, const char *spk, int collect, int adapted)
{
    /* the speaker-independent pass (estimating, not adapted) may search narrower */
    if (ad->o.mode && collect && !adapted) wren_decoder_narrow_search(ad->dec, ad->o.first_beam, ad->o.first_max_active);
    else if (ad->o.mode && adapted) wren_decoder_narrow_search(ad->dec, ad->o.adapted_beam, 0);
    else wren_decoder_narrow_search(ad->dec, 0, 0);
    ad->cur = find_speaker(ad, spk, 1);
    ad->collect = collect;
    ad->adapted = adapted;
    if (collect) {
        wren_fmllr_accs_reset(&ad->acc);
        ad->al_n = ad->al_nf = 0;
    }
    for (int i = 0; i < ad->n_kept; i++) { free(ad->kept[i].utt); free(ad->kept[i].frame_map); wren_lattice_free(&ad->kept[i].l); }
    ad->n_kept = 0;
    ad->keep_lat = 0;
}

int wren_adapt_rescoring(const struct wren_adapt *ad) { return ad->o.rescore; }
void wren_adapt_keep_lattices(struct wren_adapt *ad) { ad->keep_lat = 1; }
int wren_adapt_keeping(const struct wren_adapt *ad) { return ad->keep_lat; }
int wren_adapt_n_kept(const struct wren_adapt *ad) { return ad->n_kept; }

void wren_adapt_take_lattice(struct wren_adapt *ad, const char *utt, struct wren_lattice *wl)
{
    ad->kept = wren_xrealloc(ad->kept, (size_t)(ad->n_kept + 1) * sizeof *ad->kept);
    struct kept_lat *k = &ad->kept[ad->n_kept++];
    k->utt = wren_xstrdup(utt);
    k->l = *wl;
    k->off = ad->last_off;
    k->nf = ad->last_nf;
    int n;
    const int *map = wren_decoder_frame_map(ad->dec, &n);   /* the words' times on the audio */
    k->frame_map = NULL;
    if (map) {
        k->frame_map = wren_xmalloc(((size_t)n + 1) * sizeof *map);
        memcpy(k->frame_map, map, ((size_t)n + 1) * sizeof *map);
    }
    k->n_map = map ? n : 0;
    wren_lattice_init(wl);
}

const int *wren_adapt_kept_frame_map(const struct wren_adapt *ad, int k, int *n)
{
    *n = ad->kept[k].n_map;
    return ad->kept[k].frame_map;
}

int wren_adapt_rescore_kept(struct wren_adapt *ad, int k, const char **utt, struct wren_lattice **l)
{
    struct kept_lat *kl = &ad->kept[k];
    *utt = kl->utt;
    *l = &kl->l;
    if (kl->nf == 0) return 0;
    double t0 = wren_cpu_seconds();
    struct wren_am *am = wren_decoder_am(ad->dec);
    if (ad->map.n) wren_am_set_means(am, ad->cur ? ad->cur->means : NULL);
    const float *raw = ad->al_raw + kl->off * (size_t)ad->dim;
    float *x = wren_xmalloc((size_t)kl->nf * (size_t)ad->dim * sizeof *x);
    if (ad->cur && ad->cur->W) wren_fmllr_apply(ad->cur->W, ad->dim, raw, x, kl->nf);
    else memcpy(x, raw, (size_t)kl->nf * (size_t)ad->dim * sizeof *x);
    int rc = wren_lattice_am_rescore(&kl->l, wren_decoder_am(ad->dec), ad->g->tid_senone, ad->g->n_tids,
                                     x, kl->nf);
    free(x);
    ad->cpu += wren_cpu_seconds() - t0;
    return rc ? wren_error_prefix("%s: ", kl->utt) : 0;
}

/* Keep an utterance's frames and entries (frame indices relative to it) for the EM steps. */
static void keep_alignment(struct wren_adapt *ad, const float *raw, int nf, size_t m)
{
    size_t d = (size_t)ad->dim;
    if (ad->al_nf + (size_t)nf > ad->al_fcap) {
        while (ad->al_nf + (size_t)nf > ad->al_fcap) ad->al_fcap = ad->al_fcap ? 2 * ad->al_fcap : 8192;
        ad->al_raw = wren_xrealloc(ad->al_raw, ad->al_fcap * d * sizeof *ad->al_raw);
    }
    memcpy(ad->al_raw + ad->al_nf * d, raw, (size_t)nf * d * sizeof *raw);
    if (ad->al_n + m > ad->al_cap) {
        while (ad->al_n + m > ad->al_cap) ad->al_cap = ad->al_cap ? 2 * ad->al_cap : 8192;
        ad->al_frame = wren_xrealloc(ad->al_frame, ad->al_cap * sizeof *ad->al_frame);
        ad->al_sen = wren_xrealloc(ad->al_sen, ad->al_cap * sizeof *ad->al_sen);
        ad->al_wt = wren_xrealloc(ad->al_wt, ad->al_cap * sizeof *ad->al_wt);
    }
    for (size_t i = 0; i < m; i++) {
        ad->al_frame[ad->al_n + i] = (int32_t)ad->al_nf + ad->u_frame[i];
        ad->al_sen[ad->al_n + i] = ad->u_sen[i];
        ad->al_wt[ad->al_n + i] = ad->u_wt[i];
    }
    ad->al_n += m;
    ad->al_nf += (size_t)nf;
}

static void entry_push(struct wren_adapt *ad, size_t *m, int32_t frame, int32_t tid, float post)
{
    if (*m == ad->u_cap) {
        ad->u_cap = ad->u_cap ? 2 * ad->u_cap : 4096;
        ad->u_frame = wren_xrealloc(ad->u_frame, ad->u_cap * sizeof *ad->u_frame);
        ad->u_sen = wren_xrealloc(ad->u_sen, ad->u_cap * sizeof *ad->u_sen);
        ad->u_wt = wren_xrealloc(ad->u_wt, ad->u_cap * sizeof *ad->u_wt);
    }
    int ok = tid >= 1 && tid <= ad->g->n_tids;
    int32_t sen = ok ? ad->g->tid_senone[tid] : -1;
    float w = post * (ok && ad->tid_filler[tid] ? ad->o.silence_weight : 1.0f);
    /* tids of one frame come together; merge those of the same senone */
    for (size_t i = *m; i > 0 && ad->u_frame[i - 1] == frame; i--)
        if (ad->u_sen[i - 1] == sen) { ad->u_wt[i - 1] += w; return; }
    ad->u_frame[*m] = frame;
    ad->u_sen[*m] = sen;
    ad->u_wt[*m] = w;
    (*m)++;
}

/* The utterance's (frame, senone, weight) entries: the best path's, or the lattice's
 * posteriors; frames at or past nf are dropped. Returns the count, or -1. */
static int64_t utt_entries(struct wren_adapt *ad, const struct wren_lattice *wl, int nf)
{
    size_t m = 0;
    if (ad->o.lattice_post) {
        struct wren_tid_post *tp;
        int64_t n;
        if (wren_lattice_tid_posteriors(wl, ad->acwt, ad->o.min_lattice_post, &tp, &n)) return -1;
        for (int64_t i = 0; i < n; i++)
            if (tp[i].frame < nf) entry_push(ad, &m, tp[i].frame, tp[i].tid, tp[i].post);
        free(tp);
    } else {
        struct wren_path p;
        if (wren_lattice_best_path(wl, ad->acwt, &p)) return -1;
        for (int t = 0; t < p.n_tids && t < nf; t++) entry_push(ad, &m, t, p.tids[t], 1.0f);
        wren_path_free(&p);
    }
    return (int64_t)m;
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
    if (ad->map.n)
        wren_am_set_means(wren_decoder_am(ad->dec), ad->adapted && ad->cur ? ad->cur->means : NULL);
    return 0;
}

int wren_adapt_utt_end(struct wren_adapt *ad, const struct wren_lattice *wl)
{
    ad->last_off = ad->al_nf;
    ad->last_nf = 0;
    if (!ad->collect || !wl || wl->start < 0) return 0;
    double t0 = wren_cpu_seconds();
    int nf;
    const float *raw = wren_decoder_raw_features(ad->dec, &nf);
    int64_t m = utt_entries(ad, wl, nf);
    if (m < 0) return -1;
    if (ad->map.n) wren_am_set_means(wren_decoder_am(ad->dec), NULL);   /* statistics on the model's own */
    /* posteriors on the features the model saw in this pass */
    float *seen = NULL;
    if (ad->adapted && ad->cur && ad->cur->W) {
        seen = wren_xmalloc(((size_t)nf * (size_t)ad->dim + 1) * sizeof *seen);
        wren_fmllr_apply(ad->cur->W, ad->dim, raw, seen, nf);
    }
    int rc = wren_fmllr_accumulate_at(&ad->acc, wren_decoder_am(ad->dec), raw, seen, m, ad->u_frame,
                                      ad->u_sen, ad->u_wt, ad->o.min_post);
    if (!rc && (ad->o.em_iters > 1 || ad->map.n || ad->keep_lat)) {
        keep_alignment(ad, raw, nf, (size_t)m);
        ad->last_nf = nf;
    }
    free(seen);
    ad->cpu += wren_cpu_seconds() - t0;
    return rc;
}

/* Adapted means of speaker s on its frames transformed by W (posteriors with the model's
 * means): MLLR (--adapt-mllr), then MAP (--adapt-map-tau) from the model's or the MLLR means. */
static int means_estimate(struct wren_adapt *ad, struct speaker *s, const double *W)
{
    struct wren_am *am = wren_decoder_am(ad->dec);
    wren_am_set_means(am, NULL);
    float *x = wren_xmalloc((ad->al_nf * (size_t)ad->dim + 1) * sizeof *x);
    wren_fmllr_apply(W, ad->dim, ad->al_raw, x, (int)ad->al_nf);
    wren_map_accs_reset(&ad->map);
    int rc = wren_map_accumulate_at(&ad->map, am, x, (int64_t)ad->al_n, ad->al_frame, ad->al_sen,
                                    ad->al_wt, ad->o.min_post);
    free(x);
    if (rc) return -1;
    if (!s->means) s->means = wren_xmalloc(ad->map.n * sizeof *s->means);
    const float *prior = wren_am_model_means(am);
    if (ad->o.mllr) {
        struct wren_mllr_result r;
        if (wren_mllr_estimate(&ad->map, am, ad->o.f.min_frames_full, s->means, &r)) return -1;
        if (ad->o.log_speakers)
            wren_log("wren decode: mllr speaker %s: %.0f frames, %d of %d streams transformed",
                     s->name, r.occ / wren_am_n_streams(am), r.streams_full, wren_am_n_streams(am));
        prior = s->means;
    }
    if (!(ad->o.map_tau > 0)) return 0;
    wren_map_estimate(&ad->map, prior, ad->o.map_tau, s->means);
    size_t moved = 0;
    double occ_max = 0;
    for (size_t i = 0; i < ad->map.n; i++) {
        moved += ad->map.occ[i] >= ad->o.map_tau;
        if (ad->map.occ[i] > occ_max) occ_max = ad->map.occ[i];
    }
    if (ad->o.log_speakers)
        wren_log("wren decode: map speaker %s: %.1f %% of the Gaussians have at least tau = %g frames (most: %.0f)",
                 s->name, 100.0 * (double)moved / (double)ad->map.n, ad->o.map_tau, occ_max);
    return 0;
}

int wren_adapt_estimate(struct wren_adapt *ad)
{
    struct speaker *s = ad->cur;
    if (!s) return wren_error("fmllr: no speaker to estimate");
    double t0 = wren_cpu_seconds();
    size_t nw = (size_t)ad->dim * (size_t)(ad->dim + 1);
    double *W = wren_xmalloc(nw * sizeof *W);
    if (s->W) memcpy(W, s->W, nw * sizeof *W);
    else wren_fmllr_identity(W, ad->dim);
    struct wren_fmllr_result r;
    int rc = wren_fmllr_estimate(&ad->acc, &ad->o.f, W, &r, NULL);
    double aux0 = r.aux_before, aux1 = r.aux_after;
    /* the first estimate's E step used the pass's features; re-estimate on the new ones */
    int em = !rc && ad->o.em_iters > 1 && strcmp(r.kind, "identity");
    if (em)
        rc = wren_fmllr_em(wren_decoder_am(ad->dec), ad->al_raw, (int)ad->al_nf, (int64_t)ad->al_n,
                           ad->al_frame, ad->al_sen, ad->al_wt, ad->o.min_post, &ad->o.f,
                           ad->o.em_iters - 1, W, &r);
    if (!rc && ad->map.n) rc = means_estimate(ad, s, W);
    if (rc) {
        free(W);
        return wren_error_prefix("speaker %s: ", s->name);
    }
    free(s->W);
    s->W = W;
    ad->cpu += wren_cpu_seconds() - t0;
    char after[64] = "";
    if (em) snprintf(after, sizeof after, "; after %d EM steps %.4f", ad->o.em_iters - 1, r.aux_after);
    if (ad->o.log_speakers)
        wren_log("wren decode: fmllr speaker %s: %.0f frames, %s transform, auxiliary function %.4f -> %.4f "
                 "per frame (%+.4f)%s", s->name, r.frames, r.kind, aux0, aux1, aux1 - aux0, after);
    return 0;
}

int wren_adapt_write_transforms(const struct wren_adapt *ad, FILE *f)
{
    double *I = wren_xmalloc((size_t)ad->dim * (size_t)(ad->dim + 1) * sizeof *I);
    wren_fmllr_identity(I, ad->dim);
    int rc = 0;
    for (int i = 0; i < ad->n_spk && !rc; i++)
        rc = wren_fmllr_write(f, ad->spk[i].name, ad->spk[i].W ? ad->spk[i].W : I, ad->dim);
    free(I);
    return rc;
}

int wren_adapt_commit(struct wren_adapt *ad)
{
    if (!ad->o.transforms_out) return 0;
    struct wren_text_out *o;
    if (wren_text_out_open(ad->o.transforms_out, &o)) return -1;
    if (wren_adapt_write_transforms(ad, wren_text_out_file(o))) { wren_text_out_abort(o); return -1; }
    return wren_text_out_commit(o);
}
