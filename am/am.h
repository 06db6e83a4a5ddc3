/* am.h — Wren's acoustic model module: loading CMU Sphinx model folders (continuous,
 * semi-continuous and phonetically-tied / PTM Gaussian mixtures) and scoring senones for one
 * frame of features. The model definition (phones, triphones, senone ids) is in mdef.h.
 * Not for: computing features (see the front end) or searching (see search.h). */
#ifndef WREN_AM_H
#define WREN_AM_H

#include "am/mdef.h"

#include <stddef.h>
#include <stdint.h>

struct wren_am;     /* opaque */

/* Load MODEL_DIR: feat.params, mdef, means, variances, mixture_weights or sendump,
 * transition_matrices, noisedict. 0 / -1 + wren_error naming the faulty file. */
int  wren_am_load(const char *model_dir, struct wren_am **out);
void wren_am_free(struct wren_am *am);

int  wren_am_n_senones(const struct wren_am *am);
int  wren_am_feat_dim(const struct wren_am *am);   /* total dims of the stream, 39 for 1s_c_d_dd */
const struct wren_mdef *wren_am_mdef(const struct wren_am *am);

/* Facts about the model, as `wren am-info` prints them. */
struct wren_am_info {
    int n_senones;
    int n_codebooks;         /* 1 semi-continuous, n_ciphones PTM, n_senones continuous */
    int n_density;           /* Gaussians per codebook and stream */
    int n_gaussians;         /* n_codebooks * n_density (per stream) */
    int n_streams;
    int stream_dims[8];      /* first n_streams entries */
    int feat_dim;
    const char *kind;        /* "continuous", "semi-continuous", "ptm" */
    const char *feat_type;   /* from feat.params -feat, e.g. "1s_c_d_dd" */
    float sample_rate;
    int n_ciphones, n_phones, n_tmat, n_emit_states;
    int quantised_weights;   /* 1 if mixture weights came from sendump */
    int top_n;               /* Gaussians kept per codebook (top-N selection) */
};
void wren_am_get_info(const struct wren_am *am, struct wren_am_info *info);

/* Scoring options: top-N Gaussians per codebook (sphinx's -topn, default 4; 0 = all). */
void wren_am_set_topn(struct wren_am *am, int topn);
int  wren_am_topn(const struct wren_am *am);
/* Dynamic-range clamp of the top-N path (semi-continuous and PTM models), as pocketsphinx
 * scores: each selected Gaussian's log density counts as at least the frame's best density of
 * its stream minus this many nats. Default 9.8299 (pocketsphinx's MAX_NEG_ASCR); 0 = exact
 * densities. Not used for continuous models (every Gaussian of a senone is scored). */
void  wren_am_set_score_floor(struct wren_am *am, float nats);
float wren_am_score_floor(const struct wren_am *am);

/* Score one frame (the full feature stream, as `wren compute-feats` without --raw-cepstra
 * gives it): scores[s] = natural-log likelihood of senone s, for each s with active[s] != 0
 * (active == NULL: all; other entries of scores are left untouched).
 * Top-N Gaussian selection per codebook as sphinx does (exact top-N: every Gaussian of a
 * codebook that an active senone uses is evaluated; weights of the other Gaussians count as 0).
 * With a score floor (the default, see wren_am_set_score_floor) the selected densities are
 * clamped against the best density of their stream over all codebooks scored in this frame,
 * so a senone's score also depends on which other codebooks are active, as in pocketsphinx.
 * Scores are unnormalised (about -50 .. -150 for 39-dim features); they agree with
 * pocketsphinx's own senone scores to ~0.1-0.2 nats relative to the frame's best senone.
 * Uses scratch space inside am: one wren_am per thread. Returns 0, or -1 on bad arguments. */
int  wren_am_score_frame(struct wren_am *am, const float *feat, const unsigned char *active,
                         float *scores);

/* Reference scoring for tests: the exact log of sum over all Gaussians of weight*density
 * for senone s (no top-N, no quantisation other than that of the stored weights). */
double wren_am_score_senone_exact(const struct wren_am *am, const float *feat, int s);

/* Streams for adaptation: the feature dims of stream f in the order its Gaussians use them
 * (*len entries). */
int  wren_am_n_streams(const struct wren_am *am);
const int *wren_am_stream_dims(const struct wren_am *am, int f, int *len);

/* Gaussian-level posteriors of senone s for one frame (for fMLLR statistics): every Gaussian
 * of s's mixture whose posterior within the mixture (per stream, over all its Gaussians, no
 * top-N) is at least min_post, with its mean and 1/(2 var) over the stream's dims. Fills up
 * to max entries of out; returns the number filled (posteriors of a stream sum to <= 1), or
 * -1 on a bad senone. Uses am's scratch space. */
struct wren_am_gauss_post {
    int stream;
    float post;
    const float *mean, *ivar2;
    int64_t mean_off;        /* where mean[0] sits in the model's mean values (wren_am_set_means) */
};
int  wren_am_senone_posteriors(struct wren_am *am, const float *feat, int s, float min_post,
                               struct wren_am_gauss_post *out, int max);

/* Adapted Gaussian means (MAP adaptation): the model holds wren_am_n_mean_values values, a
 * Gaussian's at its wren_am_gauss_post.mean_off. set_means replaces them all (copied; the
 * model's own are kept), NULL restores the model's own; model_means gives the model's own
 * whatever is set. */
size_t wren_am_n_mean_values(const struct wren_am *am);
void wren_am_set_means(struct wren_am *am, const float *means);
const float *wren_am_model_means(const struct wren_am *am);
/* The model's Gaussians one by one (for mean transforms): wren_am_n_gauss of them, Gaussian i
 * in stream wren_am_gauss_info's return value, its mean values at *mean_off (as
 * wren_am_gauss_post.mean_off; the stream's wren_am_stream_dims order) and their 1 / (2 var). */
int64_t wren_am_n_gauss(const struct wren_am *am);
int wren_am_gauss_info(const struct wren_am *am, int64_t i, int64_t *mean_off, const float **ivar2);
/* Transition matrices: n_tmat, each (n_emit) x (n_emit+1) probabilities, row i = from
 * emitting state i, column n_emit = exit. */
int  wren_am_n_tmat(const struct wren_am *am);
const float *wren_am_tmat(const struct wren_am *am, int tmat_id);

/* noisedict: filler words and their phone ("<sil> SIL", "++NOISE++ +NSN+"...). */
int  wren_am_n_fillers(const struct wren_am *am);
const char *wren_am_filler_word(const struct wren_am *am, int i);
const char *wren_am_filler_phone(const struct wren_am *am, int i);

#endif
