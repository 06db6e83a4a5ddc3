/* feat.h — Wren's acoustic front end: MFCC cepstra computed exactly as CMU Sphinx's sphinx_fe
 * does (driven by a model's feat.params), cepstral mean normalisation (batch and live, as
 * sphinxbase), the delta/delta-delta feature streams (1s_c, 1s_c_d, 1s_c_d_dd) and a
 * Kaldi-style log-mel filterbank. Input is float samples in 16-bit scale (see audio.h).
 * Not for: reading audio (audio.h), scoring features (am.h).
 *
 * Like sphinxbase, the front end applies -remove_noise (spectral subtraction on the mel
 * energies) and -remove_silence (the VAD drops non-speech frames, keeping vad_prespeech frames
 * before speech and vad_postspeech after) when the parameters say so — both default to yes,
 * so with a model's feat.params Wren's output equals plain `sphinx_fe -argfile feat.params`.
 * Set them to no (compute-feats --remove-noise=no --remove-silence=no) to keep every frame
 * time-aligned with the audio. Wren never dithers. One deliberate difference: without
 * -remove_silence, inputs shorter than vad_startspeech frames still give their frames
 * (sphinx_fe outputs none). */
#ifndef WREN_FEAT_H
#define WREN_FEAT_H

#include <stddef.h>

#include "feat/feat-params.h"
#include "utils/opts.h"

/* ---- MFCC front end (sphinxbase fe) ---- */

struct wren_fe;   /* opaque: window, FFT tables, mel filterbank, DCT tables */

/* Build a front end for these parameters; -1 with a message on unusable parameters. */
int wren_fe_create(const struct wren_feat_params *p, struct wren_fe **out);
void wren_fe_free(struct wren_fe *fe);

/* Number of frames sphinx_fe computes for n samples: every full frame (window wlen, shift
 * 1/frate), plus possibly one last zero-padded frame, as decided by sphinx_fe's block-wise
 * processing (0 < n < window gives 1 frame, n = 0 gives 0). With -remove_silence the VAD
 * outputs a subset of these (known only once computed). */
int wren_fe_num_frames(struct wren_fe *fe, size_t n);

/* Raw cepstra (before CMN) of one utterance: *cep gets nframes x ncep floats, row-major
 * (caller frees). Each call is a fresh utterance and stream, as one sphinx_fe input file:
 * pre-emphasis starts from a zero sample, the noise estimate and the VAD start afresh. */
int wren_fe_cepstra(struct wren_fe *fe, const float *samples, size_t n, float **cep,
                    int *nframes);

/* The same, and with -remove_silence the audio frame each output frame is: *kept gets nframes
 * increasing frame numbers (frame t starts at sample t * frame shift), then the number of frames
 * computed (caller frees), NULL when every frame is output. The decoder times its words and
 * lattices on the audio with them. */
int wren_fe_cepstra_kept(struct wren_fe *fe, const float *samples, size_t n, float **cep,
                         int *nframes, int **kept);

/* The log mel spectrum (nfilt values per frame, ln(energy + 1e-4) as sphinx) instead
 * of cepstra, as sphinx_fe -logspec yes. */
int wren_fe_logspec(struct wren_fe *fe, const float *samples, size_t n, float **spec,
                    int *nframes);

/* The frames the VAD keeps (-remove_silence, whatever the parameters say about it), as
 * increasing frame numbers (frame t starts at sample t * frame shift): *frames gets *nframes
 * of them (caller frees; never NULL on success). A gap in the numbers is a pause the decoder's
 * front end would drop. Also *total gets the number of frames computed. */
int wren_fe_speech_frames(struct wren_fe *fe, const float *samples, size_t n, int **frames,
                          int *nframes, int *total);

/* ---- CMN and feature streams (sphinxbase feat, cmn) ---- */

/* Batch CMN in place: subtract the mean over the frames whose c0 is >= 0 (sphinx skips
 * "zero-energy" frames when averaging; if there are none, Wren averages all frames);
 * with varnorm, also scale each dimension to unit variance. */
void wren_cmn_batch(float *cep, int nframes, int ncep, int varnorm);

/* Live CMN (sphinxbase cmn_live / cmn_prior): a running mean started from -cmninit with a
 * weight of 500 frames; frames with c0 < 0 pass unchanged and are not counted; when more
 * than 800 frames are counted the mean is refreshed and the sums decay back to 500 frames.
 * Wren processes frame by frame, i.e. as sphinx when audio arrives one frame at a time. */
struct wren_cmn_live;
struct wren_cmn_live *wren_cmn_live_create(const struct wren_feat_params *p);
void wren_cmn_live_free(struct wren_cmn_live *c);
void wren_cmn_live_apply(struct wren_cmn_live *c, float *cep, int nframes);
/* End of utterance: refresh the mean from the sums (sphinx's cmn_live_update). */
void wren_cmn_live_end_utt(struct wren_cmn_live *c);
/* The current mean (ncep values). */
const float *wren_cmn_live_mean(const struct wren_cmn_live *c);

/* Feature vectors from (normalised) cepstra, as sphinxbase feat for p->feat:
 * 1s_c = c; 1s_c_d = c, c[t+2]-c[t-2]; 1s_c_d_dd adds (c[t+3]-c[t-1]) - (c[t+1]-c[t-3]).
 * Frames beyond the ends are copies of the first / last frame. *out gets nframes x dim. */
int wren_feat_from_cepstra(const struct wren_feat_params *p, const float *cep, int nframes,
                           float **out, int *dim);

/* Audio to the model's full feature stream in one call: cepstra, CMN per p->cmn (live CMN
 * starts from cmninit for this one utterance), features per p->feat. */
int wren_feat_compute(const struct wren_feat_params *p, const float *samples, size_t n,
                      float **out, int *nframes, int *dim);
/* The same, with the audio frame of each output frame as wren_fe_cepstra_kept gives it. */
int wren_feat_compute_kept(const struct wren_feat_params *p, const float *samples, size_t n,
                           float **out, int *nframes, int *dim, int **kept);

/* A feature stream over many utterances, as the decoder uses it: live CMN carries its mean
 * from one utterance to the next (batch CMN is per utterance). */
struct wren_feat_stream;
int wren_feat_stream_create(const struct wren_feat_params *p, struct wren_feat_stream **out);
void wren_feat_stream_free(struct wren_feat_stream *s);
int wren_feat_stream_dim(const struct wren_feat_stream *s);
/* Features of one utterance (caller frees *out). */
int wren_feat_stream_utt(struct wren_feat_stream *s, const float *samples, size_t n,
                         float **out, int *nframes);
/* The same, with the audio frame of each output frame as wren_fe_cepstra_kept gives it. */
int wren_feat_stream_utt_kept(struct wren_feat_stream *s, const float *samples, size_t n,
                              float **out, int *nframes, int **kept);

/* ---- Kaldi-style log-mel filterbank (compute-fbank-feats, no dither) ---- */

struct wren_fbank_opts {
    float samprate;          /* Hz; must match the audio */
    float frame_length_ms;   /* 25 */
    float frame_shift_ms;    /* 10 */
    int num_mel_bins;        /* 23 */
    float low_freq;          /* 20 Hz */
    float high_freq;         /* 0: Nyquist; negative: offset from Nyquist */
    float preemph;           /* 0.97 */
    int remove_dc_offset;    /* 1 */
    int povey_window;        /* 1: Kaldi's "povey" window; 0: Hamming */
    int snip_edges;          /* 1: only full frames (Kaldi's default) */
};
void wren_fbank_opts_default(struct wren_fbank_opts *o);
/* Option table entries for struct wren_fbank_opts *o (for commands and tests). */
#define WREN_FBANK_OPT_ENTRIES(o) \
    { "num-mel-bins", WREN_OPT_INT, &(o)->num_mel_bins, "fbank: number of mel bins" }, \
    { "low-freq", WREN_OPT_FLOAT, &(o)->low_freq, "fbank: low cutoff (Hz)" }, \
    { "high-freq", WREN_OPT_FLOAT, &(o)->high_freq, "fbank: high cutoff (Hz; <= 0: offset from Nyquist)" }, \
    { "frame-length", WREN_OPT_FLOAT, &(o)->frame_length_ms, "fbank: frame length (ms)" }, \
    { "frame-shift", WREN_OPT_FLOAT, &(o)->frame_shift_ms, "fbank: frame shift (ms)" }
/* nframes x num_mel_bins log energies (caller frees). */
int wren_fbank_compute(const struct wren_fbank_opts *o, const float *samples, size_t n,
                       float **out, int *nframes);

#endif
