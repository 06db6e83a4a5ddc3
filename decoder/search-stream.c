/* search-stream.c — the decoder object under `wren decode` (see decoder.h): acoustic model,
 * front end, graph and search together, fed with audio chunks; partial and final results,
 * the word lattice of an utterance. Not for: the search algorithm (search.c), files and
 * tables (cmd-decode.c). */
#include "decoder/decoder.h"

#include "am/am.h"
#include "am/decodable.h"
#include "am/model-path.h"
#include "feat/feat.h"
#include "feat/feat-params.h"
#include "feat/resample.h"
#include "transform/fmllr.h"
#include "lat/lattice.h"
#include "lm/graph-lm.h"
#include "nnlm/nnlm.h"
#include "rescore/rescore.h"
#include "decoder/search.h"

#include "utils/error.h"
#include "utils/io.h"
#include "utils/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int sync_source(struct wren_decoder *d);

struct wren_decoder {
    struct wren_decode_opts o;
    struct wren_am *am;
    struct wren_feat_params fp;
    struct wren_feat_stream *fs;      /* persistent: live CMN carries across utterances */
    int dim;
    struct wren_decode_graph g;
    struct wren_search *search;
    struct wren_decodable *dec;
    float *audio; size_t n_audio, cap_audio;
    /* audio fed at another rate (src_rate, 0: none): kept as it came and resampled whole into
     * audio before each partial and final result, so the final one is decode_samples' of the
     * whole audio resampled at once (chunks resampled one by one would differ at their edges) */
    float *src; size_t n_src, cap_src;
    int src_rate;
    float *feats;                     /* features the search is decoding from */
    int partial_pass;                 /* 1 if frames were decoded from partial features */
    int det_failed;                   /* lattices left undeterminised (over the size guard) */
    uint8_t *tid_filler;              /* per tid: 1 if its phone is silence or noise */
    int *kept;                        /* with the VAD: the audio frame of each decoded frame */
    int n_kept;
    double *xform;                    /* fMLLR [A b] applied to the features, or NULL */
    float *raw;                       /* with xform: the utterance's features before it */
    struct wren_decoder_stats st;
    struct wren_stream_cut cut;       /* the public streaming calls' finished part */
    char *graph_dir;                  /* where the graph was read (its lm.txt: the NNLM pass) */
    struct wren_rescore_models *nnlm; /* wren_decoder_set_nnlm's second pass, or NULL */
    struct wren_rescore_opts nnlm_o;
};

int wren_decoder_create(const char *model_dir, const char *graph_dir,
                        const struct wren_decode_opts *o, struct wren_decoder **out)
{
    *out = NULL;
    struct wren_decode_opts defaults;
    if (!o) {   /* the public API allows NULL for the defaults */
        wren_decode_opts_default(&defaults);
        o = &defaults;
    }
    if (wren_decode_opts_check(o)) return -1;
    if (!graph_dir) return wren_error("no graph folder given");
    char *model_owned = NULL;   /* NULL model: the graph's (its model.txt), else Debian's en-us */
    if (!model_dir) {
        if (wren_model_dir_resolve(NULL, graph_dir, &model_owned)) return -1;
        model_dir = model_owned;
    }
    struct wren_decoder *d = wren_xcalloc(1, sizeof *d);
    d->o = *o;
    wren_feat_params_default(&d->fp);
    if (wren_feat_params_read(model_dir, &d->fp) || wren_am_load(model_dir, &d->am)) goto fail;
    wren_am_set_score_floor(d->am, o->score_floor);
    if (o->remove_silence >= 0) d->fp.remove_silence = o->remove_silence;
    if (wren_feat_stream_create(&d->fp, &d->fs)) goto fail;
    d->dim = wren_feat_stream_dim(d->fs);
    if (d->dim != wren_am_feat_dim(d->am)) {
        wren_error("%s: features have %d dimensions, the model expects %d", model_dir, d->dim,
                   wren_am_feat_dim(d->am));
        goto fail;
    }
    if (wren_decode_graph_load(graph_dir, &d->g)) goto fail;
    int ns = wren_am_n_senones(d->am);
    if (d->g.max_senone >= ns) {
        wren_error("%s/transitions.txt: senone %d, but the model %s has %d senones (graph built for another model?)",
                   graph_dir, d->g.max_senone, model_dir, ns);
        goto fail;
    }
    d->search = wren_search_create(d->g.hclg, d->g.tid_senone, d->g.n_tids, ns, &d->o);
    if (!d->search) goto fail;
    d->dec = wren_decodable_am(d->am, d->dim);
    const struct wren_mdef *md = wren_am_mdef(d->am);
    d->tid_filler = wren_xcalloc((size_t)d->g.n_tids + 1, 1);
    for (int32_t t = 1; t <= d->g.n_tids; t++) {
        int ph = d->g.tid_phone[t];
        d->tid_filler[t] = ph >= 0 && ph < wren_mdef_n_ciphones(md) && wren_mdef_is_filler(md, ph);
    }
    d->graph_dir = wren_xstrdup(graph_dir);
    *out = d;
    free(model_owned);
    return 0;
fail:
    wren_decoder_free(d);
    free(model_owned);
    return -1;
}

void wren_decoder_free(struct wren_decoder *d)
{
    if (!d) return;
    wren_decodable_free(d->dec);
    wren_search_free(d->search);
    wren_decode_graph_free(&d->g);
    wren_feat_stream_free(d->fs);
    wren_am_free(d->am);
    free(d->audio);
    free(d->src);
    free(d->feats);
    free(d->kept);
    free(d->tid_filler);
    free(d->xform);
    free(d->raw);
    wren_transcript_free(d->cut.done);
    free(d->cut.first);
    wren_rescore_models_free(d->nnlm);
    free(d->graph_dir);
    free(d);
}

int wren_decoder_set_nnlm(struct wren_decoder *d, const char *nnlm_path, float lambda, float lm_weight)
{
    if (!d) return wren_error("wren_decoder_set_nnlm: no decoder");
    struct wren_rescore_opts o;
    wren_rescore_opts_default(&o);
    o.mode = "lattice";
    o.acwt = d->o.acwt;
    o.lambda = lambda;
    o.lm_weight = lm_weight;
    if (nnlm_path && (!(lambda >= 0 && lambda <= 1) || !(lm_weight >= 0)))
        return wren_error("wren_decoder_set_nnlm: lambda must be in [0, 1] and lm_weight >= 0 (got %g, %g)",
                          (double)lambda, (double)lm_weight);
    struct wren_rescore_models *m = NULL;
    if (nnlm_path) {
        char *lm;
        if (wren_graph_lm_resolve(d->graph_dir, "first-pass-lm", &lm)) return -1;
        if (!lm)
            return wren_error("%s records no LM (no lm.txt: a graph made before `wren mkgraph` recorded it): "
                              "rebuild it to rescore its lattices", d->graph_dir);
        char *words = wren_path_join(d->graph_dir, "words.txt");
        m = wren_rescore_models_load(nnlm_path, lm, NULL, words);
        free(words);
        free(lm);
        if (!m) return -1;
        wren_nnlm_set_unnormalized(m->nnlm, wren_rescore_unnormalized(&o, m->nnlm));
    }
    wren_rescore_models_free(d->nnlm);
    d->nnlm = m;
    d->nnlm_o = o;
    return 0;
}

int wren_decoder_output_result(struct wren_decoder *d, const struct wren_lattice *wl, struct wren_decode_result *r,
                               struct wren_lattice *out, int *rescored)
{
    *rescored = 0;
    if (!d->nnlm) return wren_decoder_lattice_result(d, wl, r);
    struct wren_lattice rl;
    if (wren_decoder_nnlm_result(d, d->nnlm, &d->nnlm_o, wl, &rl, r, NULL)) return -1;
    if (out) {
        *out = rl;
        *rescored = 1;
    } else {
        wren_lattice_free(&rl);
    }
    return 0;
}

int wren_decoder_output_lattice(struct wren_decoder *d, struct wren_lattice *lat)
{
    if (!d->nnlm) return 0;
    struct wren_lattice rl;
    struct wren_decode_result r;
    if (wren_decoder_nnlm_result(d, d->nnlm, &d->nnlm_o, lat, &rl, &r, NULL)) return -1;
    wren_decode_result_free(&r);
    wren_lattice_free(lat);
    *lat = rl;
    return 0;
}

int wren_decoder_output_results(struct wren_decoder *d, int n, const struct wren_lattice *const *wl,
                                struct wren_decode_result *r)
{
    if (d->nnlm) {
        struct wren_lattice *out = wren_xcalloc((size_t)n + 1, sizeof *out);
        int rc = wren_decoder_nnlm_results(d, d->nnlm, &d->nnlm_o, n, wl, out, r, NULL);
        for (int i = 0; i < n; i++) wren_lattice_free(&out[i]);
        free(out);
        return rc;
    }
    return wren_decoder_lattice_results(d, n, wl, r);
}

int wren_decoder_lattice_results(const struct wren_decoder *d, int n, const struct wren_lattice *const *wl,
                                 struct wren_decode_result *r)
{
    for (int i = 0; i < n; i++)
        if (wren_decoder_lattice_result(d, wl[i], &r[i])) {
            while (i-- > 0) wren_decode_result_free(&r[i]);
            return -1;
        }
    return 0;
}

struct wren_stream_cut *wren_decoder_stream_cut(struct wren_decoder *d) { return &d->cut; }

int wren_decoder_stream_audio(struct wren_decoder *d, const float **samples, size_t *n)
{
    if (sync_source(d)) return -1;
    *samples = d->audio;
    *n = d->n_audio;
    return 0;
}

int wren_decoder_stream_source(const struct wren_decoder *d, const float **samples, size_t *n)
{
    *samples = d->src;
    *n = d->n_src;
    return d->src_rate;
}

const struct wren_decode_graph *wren_decoder_graph(const struct wren_decoder *d) { return &d->g; }
int wren_decoder_sample_rate(const struct wren_decoder *d) { return (int)d->fp.samprate; }
int wren_decoder_drops_frames(const struct wren_decoder *d) { return d->fp.remove_silence != 0; }
double wren_decoder_frame_shift(const struct wren_decoder *d) { return 1.0 / d->fp.frate; }
const struct wren_feat_params *wren_decoder_feat_params(const struct wren_decoder *d) { return &d->fp; }

struct wren_am *wren_decoder_am(struct wren_decoder *d) { return d->am; }
int wren_decoder_feat_dim(const struct wren_decoder *d) { return d->dim; }

void wren_decoder_narrow_search(struct wren_decoder *d, float beam, int max_active)
{
    wren_search_set_beam(d->search, beam > 0 && beam < d->o.beam ? beam : d->o.beam,
                         max_active > 0 && max_active < d->o.max_active ? max_active : d->o.max_active);
}

void wren_decoder_set_transform(struct wren_decoder *d, const double *W)
{
    size_t n = (size_t)d->dim * (size_t)(d->dim + 1);
    if (!W) { free(d->xform); d->xform = NULL; return; }
    if (!d->xform) d->xform = wren_xmalloc(n * sizeof *d->xform);
    memcpy(d->xform, W, n * sizeof *W);
}

const float *wren_decoder_raw_features(const struct wren_decoder *d, int *n_frames)
{
    *n_frames = d->st.frames;
    return d->xform && d->raw ? d->raw : d->feats;
}

/* Features f (nf frames) through the transform, if any: f is kept in d->raw. */
static float *transformed(struct wren_decoder *d, float *f, int nf)
{
    free(d->raw);
    d->raw = NULL;
    if (!d->xform) return f;
    float *y = wren_xmalloc(((size_t)nf * (size_t)d->dim + 1) * sizeof *y);
    wren_fmllr_apply(d->xform, d->dim, f, y, nf);
    d->raw = f;
    return y;
}

void wren_decoder_start(struct wren_decoder *d)
{
    d->n_audio = 0;
    d->n_src = 0;
    d->src_rate = 0;
    free(d->feats);
    d->feats = NULL;
    d->partial_pass = 0;
    wren_decodable_am_set(d->dec, NULL, 0, 0);
    wren_search_start(d->search);
}

/* room for n more samples in buf */
static void reserve(float **buf, size_t len, size_t *cap, size_t n)
{
    if (len + n <= *cap) return;
    size_t c = *cap ? *cap : 16000;
    while (c < len + n) c *= 2;
    *buf = wren_xrealloc(*buf, c * sizeof **buf);
    *cap = c;
}

void wren_samples_append(float **buf, size_t *len, size_t *cap, const float *s, size_t n)
{
    reserve(buf, *len, cap, n);
    if (n) memcpy(*buf + *len, s, n * sizeof *s);
    *len += n;
}

int wren_decoder_feed(struct wren_decoder *d, const float *samples, size_t n)
{
    return wren_decoder_feed_at(d, samples, n, wren_decoder_sample_rate(d));
}

int wren_decoder_feed_at(struct wren_decoder *d, const float *samples, size_t n, int rate)
{
    int own = wren_decoder_sample_rate(d);
    int have = d->src_rate ? d->src_rate : (d->n_audio ? own : 0);
    if (have && rate != have)
        return wren_error("samples at %d Hz, after samples at %d Hz in the same utterance", rate, have);
    if (rate == own) {
        wren_samples_append(&d->audio, &d->n_audio, &d->cap_audio, samples, n);
        return 0;
    }
    if (rate < WREN_RESAMPLE_MIN_RATE || rate > WREN_RESAMPLE_MAX_RATE)
        return wren_error("samples at %d Hz: only audio at %d to %d Hz is resampled", rate,
                          WREN_RESAMPLE_MIN_RATE, WREN_RESAMPLE_MAX_RATE);
    wren_samples_append(&d->src, &d->n_src, &d->cap_src, samples, n);
    d->src_rate = rate;
    return 0;
}

/* audio fed at another rate: all of it, resampled to the model's into d->audio */
static int sync_source(struct wren_decoder *d)
{
    if (!d->src_rate) return 0;
    int rate = wren_decoder_sample_rate(d);
    size_t m = wren_resampled_length(d->n_src, d->src_rate, rate);
    d->n_audio = 0;
    if (m == 0) return 0;
    reserve(&d->audio, 0, &d->cap_audio, m);
    if (wren_resample_into(d->src, d->n_src, d->src_rate, rate, "samples", d->audio, m)) return -1;
    d->n_audio = m;
    return 0;
}

/* The words of a lattice path with their frames, silence/noise frames at a word's edges left
 * out (filler: per tid 1..n_filler, may be NULL; a filler word keeps its frames). */
static void path_words(const struct wren_path *p, const uint8_t *filler, int32_t n_filler,
                       struct wren_decode_result *r)
{
    r->w = wren_xmalloc(sizeof *r->w * (size_t)(p->n_words + 1));
    for (int i = 0; i < p->n_words; i++) {
        int32_t b, n;
        wren_path_word_span(p, i, filler, n_filler, &b, &n);
        r->w[i] = (struct wren_decode_word){ p->words[i], b, n, -1.0f };
    }
    r->n = p->n_words;
    r->graph_cost = p->g;
    r->acoustic_cost = p->a;
}

/* Best path and costs from a word lattice into r; word times leave out the silence and
 * noise frames at the edges of each word's frames (filler: per tid, may be NULL). */
static int result_from(const struct wren_lattice *wl, float acwt, int frames, int reached_final,
                       const uint8_t *filler, int32_t n_filler, struct wren_decode_result *r)
{
    memset(r, 0, sizeof *r);
    r->frames = frames;
    r->reached_final = reached_final;
    if (wl->start < 0) return 0;                  /* nothing survived: empty hypothesis */
    struct wren_path p;
    if (wren_lattice_best_path(wl, acwt, &p)) return -1;
    path_words(&p, filler, n_filler, r);
    wren_path_free(&p);
    return 0;
}

/* r's words (the best path's) replaced by the lattice's minimum-Bayes-risk sequence, each with its
 * posterior; the best path's costs kept (and its times, where the two sequences are the same). */
static int mbr_words(const struct wren_lattice *wl, float acwt, const uint8_t *filler, int32_t max_tid,
                     struct wren_decode_result *r)
{
    struct wren_mbr_result m;
    if (wren_lattice_mbr_trimmed(wl, acwt, 10, filler, max_tid, &m)) return -1;
    free(r->w);
    r->w = wren_xmalloc(sizeof *r->w * (size_t)(m.n_words + 1));
    for (int i = 0; i < m.n_words; i++)
        r->w[i] = (struct wren_decode_word){ m.words[i].word, m.words[i].start, m.words[i].frames,
                                             m.words[i].conf };
    r->n = m.n_words;
    wren_mbr_result_free(&m);
    return 0;
}

int wren_decoder_lattice_result(const struct wren_decoder *d, const struct wren_lattice *wl,
                                struct wren_decode_result *r)
{
    int rc = result_from(wl, d->o.acwt, 0, 0, d->tid_filler, d->g.n_tids, r);
    int use_mbr = !rc && d->o.mbr && wl->start >= 0;
    /* beyond opts.mbr_max_cells the best path is given rather than memory growing with the
     * square of the audio's length */
    if (use_mbr && (double)wl->n_states * (r->n + 1) > d->o.mbr_max_cells) {
        wren_warn("decode: lattice of %d states and a best path of %d words: too large for MBR, the best "
                  "path is given (segment long recordings)", wl->n_states, r->n);
        use_mbr = 0;
    }
    if (use_mbr) rc = mbr_words(wl, d->o.acwt, d->tid_filler, d->g.n_tids, r);
    if (rc) wren_decode_result_free(r);
    return rc;
}

void wren_decoder_path_result(const struct wren_decoder *d, const struct wren_path *p,
                              struct wren_decode_result *r)
{
    memset(r, 0, sizeof *r);
    path_words(p, d->tid_filler, d->g.n_tids, r);
}

float wren_decoder_acwt(const struct wren_decoder *d) { return d->o.acwt; }

static int words_lattice(struct wren_decoder *d, int use_final, struct wren_lattice *wl)
{
    struct wren_lattice sl;
    if (wren_search_lattice(d->search, use_final, &sl)) return -1;
    int rc = wren_lattice_to_words(&sl, d->o.acwt, wl);
    wren_lattice_free(&sl);
    if (rc) return rc;
    wren_lattice_prune(wl, d->o.acwt, d->o.lattice_beam);
    if (use_final && d->o.determinize) {
        struct wren_lattice dl;
        if (wren_lattice_determinize(wl, d->o.acwt, d->o.lattice_beam, d->o.det_max_states, &dl)) {
            wren_vlog("decode: %s; keeping the undeterminised lattice", wren_error_msg());
            d->det_failed++;
        } else {
            wren_lattice_free(wl);
            *wl = dl;
        }
    }
    return 0;
}

/* The utterance's map from decoded frames to audio frames (NULL: every frame decoded). */
static void set_kept(struct wren_decoder *d, int *kept, int nf)
{
    free(d->kept);
    d->kept = kept;
    d->n_kept = kept ? nf : 0;
}

const int *wren_decoder_frame_map(const struct wren_decoder *d, int *n)
{
    *n = d->n_kept;
    return d->kept;
}

void wren_decode_result_to_audio(struct wren_decode_result *r, const int *kept, int n)
{
    if (!kept || n <= 0) return;
    for (int i = 0; i < r->n; i++) {
        struct wren_decode_word *w = &r->w[i];
        int b = w->start < 0 ? 0 : w->start >= n ? n - 1 : w->start;
        int e = w->start + w->frames - 1;   /* the word's last frame */
        if (e < b) e = b;
        if (e >= n) e = n - 1;
        int a0 = kept[b], a1 = w->frames > 0 ? kept[e] + 1 : kept[b];
        w->start = a0;
        w->frames = a1 - a0;
    }
}

int wren_decoder_partial(struct wren_decoder *d, struct wren_decode_result *r)
{
    memset(r, 0, sizeof *r);
    float *f;
    int nf, dim;
    int *kept;
    if (sync_source(d) || wren_feat_compute_kept(&d->fp, d->audio, d->n_audio, &f, &nf, &dim, &kept)) return -1;
    set_kept(d, kept, nf);
    /* the last frames' deltas change as audio comes: decode up to 4 frames short */
    int stable = nf - 4 > 0 ? nf - 4 : 0;
    int done = wren_search_frames(d->search);
    if (stable > done) {
        free(d->feats);
        d->feats = transformed(d, f, nf);
        wren_decodable_am_set(d->dec, d->feats, stable, 0);
        if (wren_search_advance(d->search, d->dec, -1) < 0) return -1;
        d->partial_pass = 1;
    } else {
        free(f);
    }
    /* the best path alone: the whole lattice of a partial result took seconds and gigabytes
     * on a minute of audio (30 partials of 30 s streamed: 37 s CPU and 2.4 GB, against 4.5 s
     * and 225 MB without them) */
    struct wren_lattice sl, wl;
    if (wren_search_best_path_lattice(d->search, &sl)) return -1;
    int rc = wren_lattice_to_words(&sl, d->o.acwt, &wl);
    wren_lattice_free(&sl);
    if (rc) return rc;
    rc = result_from(&wl, d->o.acwt, wren_search_frames(d->search), 0, d->tid_filler, d->g.n_tids, r);
    wren_lattice_free(&wl);
    if (!rc) wren_decode_result_to_audio(r, d->kept, d->n_kept);
    return rc;
}

int wren_decoder_finish(struct wren_decoder *d, struct wren_decode_result *r, struct wren_lattice *lat)
{
    if (r) memset(r, 0, sizeof *r);
    if (lat) wren_lattice_init(lat);
    if (!r && !lat) return wren_error("wren_decoder_finish: neither a result nor a lattice asked for");
    float *f;
    int nf;
    int *kept;
    if (sync_source(d) || wren_feat_stream_utt_kept(d->fs, d->audio, d->n_audio, &f, &nf, &kept)) return -1;
    set_kept(d, kept, nf);
    free(d->feats);
    d->feats = transformed(d, f, nf);
    if (d->partial_pass) wren_search_start(d->search);   /* redo with the final features */
    d->partial_pass = 0;
    wren_decodable_am_set(d->dec, d->feats, nf, 1);
    d->dec->n_scored = d->dec->n_possible = 0;
    if (wren_search_advance(d->search, d->dec, -1) < 0) return -1;
    int reached = wren_search_reached_final(d->search);
    wren_search_finalize(d->search);
    struct wren_lattice wl;
    if (words_lattice(d, 1, &wl)) return -1;
    struct wren_search_stats ss;
    wren_search_stats(d->search, &ss);
    d->st.frames = nf;
    d->st.avg_active = ss.avg_active;
    d->st.senone_fraction = d->dec->n_possible ? (double)d->dec->n_scored / (double)d->dec->n_possible : 0;
    d->st.lattice_states = wl.n_states;
    d->st.lattice_arcs = wl.n_arcs;
    d->st.det_failed = d->det_failed;
    d->st.reached_final = reached;
    if (!r) {   /* the search's lattice only: no result, no NNLM pass */
        wren_lattice_free(lat);   /* the empty one initialised above */
        *lat = wl;
        return 0;
    }
    struct wren_lattice rl;   /* the rescored lattice of the NNLM pass (wren_decoder_set_nnlm) */
    int rescored;
    int rc = wren_decoder_output_result(d, &wl, r, lat ? &rl : NULL, &rescored);
    if (!rc) wren_decode_result_to_audio(r, d->kept, d->n_kept);
    r->frames = nf;
    r->reached_final = reached;
    if (lat && !rc) {
        wren_lattice_free(lat);
        *lat = rescored ? rl : wl;
        if (rescored) wren_lattice_free(&wl);
    } else {
        wren_lattice_free(&wl);
    }
    return rc;
}

void wren_decoder_stats(const struct wren_decoder *d, struct wren_decoder_stats *st) { *st = d->st; }
