/* decode-adapt.h — speaker adaptation for `wren decode`: the options (--adapt fmllr,
 * --transforms, --transforms-out, --adapt-iters, ...), speakers from the data dir's utt2spk,
 * fMLLR statistics gathered along each first-pass best path, one transform per speaker, and
 * the transform applied to the decoder's features. cmd-decode.c drives the passes (SI pass
 * over a speaker's utterances, estimate, adapted pass) through the calls below.
 * Not for: the estimator (fmllr.h), the search, or reading audio. */
#ifndef WREN_DECODE_ADAPT_H
#define WREN_DECODE_ADAPT_H

#include <stdio.h>

#include "transform/fmllr.h"
#include "utils/opts.h"

struct wren_adapt_opts {
    const char *mode;            /* --adapt: "auto" (the default), "fmllr" or "none"; after
                                  * wren_adapt_opts_resolve "fmllr" or NULL (no estimation) */
    const char *transforms_in;   /* --transforms TABLE: decode with these transforms */
    const char *transforms_out;  /* --transforms-out TABLE */
    const char *si_hyp;          /* --si-hyp: the speaker-independent hypotheses */
    int iters;                   /* --adapt-iters: estimations (each after a pass; default 1) */
    float silence_weight;        /* --adapt-silence-weight: weight of silence/noise frames */
    float min_post;              /* Gaussians below this posterior are left out (1e-3) */
    int em_iters;                /* --fmllr-em-iters: estimates per pass (posteriors recomputed; 5) */
    const char *posteriors;      /* --adapt-posteriors: "best-path" or "lattice" */
    float min_lattice_post;      /* lattice arcs below this posterior are left out (1e-2) */
    int lattice_post;            /* set by wren_adapt_create from posteriors */
    double map_tau;              /* --adapt-map-tau: MAP means per speaker, prior weight (0 = off) */
    int mllr;                    /* --adapt-mllr: global MLLR mean transform per stream and speaker */
    float first_beam;            /* --adapt-first-beam: the speaker-independent pass's beam (0: --beam) */
    int first_max_active;        /* --adapt-first-max-active (0: --max-active) */
    float adapted_beam;          /* --adapt-beam: the adapted passes' beam (0: --beam) */
    int rescore;                 /* --adapt-rescore: the last estimate rescores the lattices (1) */
    struct wren_fmllr_opts f;    /* --fmllr-min-frames, --fmllr-min-frames-full, --fmllr-blocks */
    int log_speakers;            /* 1: each estimate logged on stderr (wren decode; not an option;
                                  * 0 for the library, which prints nothing) */
};
#define WREN_ADAPT_NOPTS 17
void wren_adapt_opts_default(struct wren_adapt_opts *o);
/* The adaptation options, bound to *o, written to t (opts.h convention). */
int wren_adapt_opts_table(struct wren_adapt_opts *o, struct wren_opt *t);
/* --adapt's value made "fmllr" or NULL for the input (a wav.scp, data dir or audio file): auto
 * is fmllr when the input is a data dir with an utt2spk and no --transforms are given, else
 * NULL; none (or "") is NULL. -1 with a message on an unknown value. */
int wren_adapt_opts_resolve(struct wren_adapt_opts *o, const char *input);
/* 1 if the (resolved) options ask for any adaptation. */
int wren_adapt_requested(const struct wren_adapt_opts *o);

struct wren_adapt;
struct wren_decoder;
struct wren_lattice;
/* input: the wav.scp or data dir (its utt2spk, if any, gives the speakers; otherwise, or with
 * input NULL, each utterance is its own speaker); acwt chooses the best path of lattices. -1 with a message on bad options or tables. */
int wren_adapt_create(const struct wren_adapt_opts *o, const char *input, struct wren_decoder *dec,
                      float acwt, struct wren_adapt **out);
void wren_adapt_free(struct wren_adapt *ad);

/* 1 if transforms are estimated here (--adapt), 0 if only given ones are applied. */
int wren_adapt_estimating(const struct wren_adapt *ad);
int wren_adapt_iters(const struct wren_adapt *ad);
const char *wren_adapt_speaker(const struct wren_adapt *ad, const char *utt);
/* 1 if the input has an utt2spk and utt is not in it (wren_adapt_speaker then gives utt). */
int wren_adapt_speaker_unknown(const struct wren_adapt *ad, const char *utt);

/* Begin a pass over the utterances of speaker spk: collect = gather statistics (the
 * lattice of every utterance is needed, see wren_adapt_utt_end), adapted = apply the
 * speaker's current transform (else decode speaker-independently). */
void wren_adapt_pass(struct wren_adapt *ad, const char *spk, int collect, int adapted);
int  wren_adapt_collecting(const struct wren_adapt *ad);
/* Before decoding utterance utt: set the decoder's transform. */
int  wren_adapt_utt_start(struct wren_adapt *ad, const char *utt);
/* After it: statistics along the best path of its word lattice (if collecting). */
int  wren_adapt_utt_end(struct wren_adapt *ad, const struct wren_lattice *wl);
/* Estimate the current speaker's transform from the pass's statistics (logged on stderr). */
int  wren_adapt_estimate(struct wren_adapt *ad);
/* --adapt-rescore: the final adapted pass keeps its lattices (wren_adapt_keep_lattices after
 * wren_adapt_pass; wren_adapt_take_lattice after each utterance's wren_adapt_utt_end moves it
 * here), the speaker is estimated again, and each kept lattice gets the acoustic costs of the
 * features under the new transform (wren_adapt_rescore_kept, in decoding order; *l stays
 * owned here until the next pass). */
int  wren_adapt_rescoring(const struct wren_adapt *ad);
void wren_adapt_keep_lattices(struct wren_adapt *ad);
int  wren_adapt_keeping(const struct wren_adapt *ad);
void wren_adapt_take_lattice(struct wren_adapt *ad, const char *utt, struct wren_lattice *wl);
int  wren_adapt_n_kept(const struct wren_adapt *ad);
int  wren_adapt_rescore_kept(struct wren_adapt *ad, int k, const char **utt, struct wren_lattice **l);
/* Kept lattice k's map from its searched frames to the audio's (wren_decoder_frame_map). */
const int *wren_adapt_kept_frame_map(const struct wren_adapt *ad, int k, int *n);
/* The estimated transforms as a Kaldi text table (identity for a speaker without one). */
int  wren_adapt_write_transforms(const struct wren_adapt *ad, FILE *f);
/* Write --transforms-out (atomically). */
int  wren_adapt_commit(struct wren_adapt *ad);
/* CPU seconds spent on statistics and estimation. */
double wren_adapt_cpu(const struct wren_adapt *ad);

#endif
