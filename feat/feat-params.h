/* feat-params.h — the front-end settings of a CMU Sphinx acoustic model (its `feat.params`
 * file), with sphinxbase's defaults for everything the file does not say. Used by the MFCC
 * front end (feat.h) and by the acoustic-model loader (which reads .feat, .svspec, .samprate).
 * Not for: computing features, or parsing the acoustic model's other files. */
#ifndef WREN_FEAT_PARAMS_H
#define WREN_FEAT_PARAMS_H

#include <stdio.h>

#define WREN_FEAT_MAX_CEP 64        /* upper bound on -ncep / -ceplen */
#define WREN_FEAT_NAME_MAX 64       /* longest -feat / -agc / -model / ... value kept */
#define WREN_FEAT_SPEC_MAX 256      /* longest -svspec / -warp_params / -lda value kept */

/* -transform: the cepstral transform (sphinxbase fe_sigproc.c). */
enum wren_feat_transform {
    WREN_TRANSFORM_LEGACY = 0,  /* sphinx's original DCT-like transform (default) */
    WREN_TRANSFORM_DCT,         /* orthonormal DCT-II */
    WREN_TRANSFORM_HTK,         /* DCT-II scaled as HTK */
};

/* -cmn: cepstral mean normalisation. "current" is an old name for batch, "prior" for live. */
enum wren_feat_cmn {
    WREN_CMN_NONE = 0,
    WREN_CMN_BATCH,             /* subtract the utterance mean */
    WREN_CMN_LIVE,              /* running mean started from -cmninit (sphinx's cmn_live) */
};

struct wren_feat_params {
    /* Signal processing (sphinxbase fe). */
    float samprate;             /* -samprate, Hz (16000) */
    int samprate_given;         /* 1 if the file set -samprate, 0 if inferred (see below) */
    float lowerf;               /* -lowerf, Hz (133.33334) */
    float upperf;               /* -upperf, Hz (6855.4976) */
    int nfilt;                  /* -nfilt (40) */
    int ncep;                   /* -ncep (13) */
    float wlen;                 /* -wlen, seconds (0.025625) */
    int frate;                  /* -frate, frames per second (100) */
    int nfft;                   /* -nfft (512) */
    float alpha;                /* -alpha, pre-emphasis (0.97) */
    enum wren_feat_transform transform; /* -transform (legacy) */
    int lifter;                 /* -lifter (0 = none) */
    int remove_dc;              /* -remove_dc (no) */
    int round_filters;          /* -round_filters (yes) */
    int unit_area;              /* -unit_area (yes) */
    int doublebw;               /* -doublebw (no) */
    int dither;                 /* -dither (no); Wren never dithers, this is only recorded */
    int seed;                   /* -seed (-1) */
    int remove_noise;           /* -remove_noise (yes): spectral subtraction on mel energies */
    int remove_silence;         /* -remove_silence (yes): VAD drops non-speech frames */
    float vad_threshold;        /* -vad_threshold (2.0) */
    int vad_prespeech;          /* -vad_prespeech (20) frames kept before speech */
    int vad_postspeech;         /* -vad_postspeech (50) non-speech frames ending speech */
    int vad_startspeech;        /* -vad_startspeech (10) speech frames starting speech */
    char warp_type[WREN_FEAT_NAME_MAX];    /* -warp_type (inverse_linear) */
    char warp_params[WREN_FEAT_SPEC_MAX];  /* -warp_params ("": no warping) */
    float vtln_warp;            /* Wren's own, not sphinx's: VTLN warp factor (1 = none); a
                                 * filter centred at f Hz for the model listens at about
                                 * vtln_warp * f (piecewise linear, the band edges fixed) */
    /* Feature stream (sphinxbase feat). */
    char feat[WREN_FEAT_NAME_MAX];         /* -feat (1s_c_d_dd) */
    int ceplen;                 /* -ceplen (13) */
    enum wren_feat_cmn cmn;     /* -cmn (live) */
    float cmninit[WREN_FEAT_MAX_CEP];      /* -cmninit (40,3,-1), parsed ... */
    int ncmninit;               /* ... number of values given */
    int varnorm;                /* -varnorm (no) */
    char agc[WREN_FEAT_NAME_MAX];          /* -agc (none) */
    float agcthresh;            /* -agcthresh (2.0) */
    char svspec[WREN_FEAT_SPEC_MAX];       /* -svspec ("": one stream) */
    char lda[WREN_FEAT_SPEC_MAX];          /* -lda ("": none) */
    int ldadim;                 /* -ldadim (0) */
    /* Model/decoder hints that some feat.params carry. */
    char model[WREN_FEAT_NAME_MAX];        /* -model ("": unspecified; e.g. ptm, cont, semi) */
    int topn;                   /* -topn (4) */
};

/* sphinxbase's defaults (sphinx_fe / pocketsphinx 5prealpha). */
void wren_feat_params_default(struct wren_feat_params *p);

/* Read MODEL_DIR/feat.params (or the file itself if a file is given) over the defaults.
 * When the file has no -samprate, the rate is inferred: 8000 if upperf <= 4000, else 16000
 * (samprate_given stays 0); a caller may then override p->samprate. Unknown keys are
 * ignored (sphinx models carry decoder settings there too). Returns 0, or -1 with an error
 * naming the file and line (missing value, bad number, unknown -transform/-cmn value). */
int wren_feat_params_read(const char *model_dir_or_file, struct wren_feat_params *p);

/* Set one setting from its sphinx name (without the leading '-') and value text, e.g.
 * ("nfilt", "25"). Returns 1 if the key was applied, 0 if unknown (ignored), -1 on a bad
 * value (message says key and value; the caller prefixes file:line). */
int wren_feat_params_set(struct wren_feat_params *p, const char *key, const char *value);

/* Frame shift and window length in samples, as sphinx computes them. */
int wren_feat_params_frame_shift(const struct wren_feat_params *p);
int wren_feat_params_frame_size(const struct wren_feat_params *p);

/* Dimension of the full feature vector for p->feat (39 for 1s_c_d_dd with ceplen 13; Wren
 * implements 1s_c, 1s_c_d, 1s_c_d_dd); -1 with an error for any other feature type. */
int wren_feat_params_dim(const struct wren_feat_params *p);

/* Print the settings as a feat.params-style text, one "-key value" a line. */
void wren_feat_params_print(const struct wren_feat_params *p, FILE *f);

#endif
