/* audio.h — reading one utterance of audio into float samples in 16-bit scale (as sphinx's
 * front end sees them): WAV, FLAC, NIST SPHERE (uncompressed), AIFF, ... through libsndfile,
 * raw PCM with an explicit format, and Kaldi wav.scp values that are paths or "command |"
 * pipes. Multi-channel audio is mixed down to the mean of its channels unless one is chosen;
 * audio at another rate than the expected one is resampled to it (resample.h), or with
 * resample = 0 is an error naming both rates. Not for: features (feat.h), tables (table.h). */
#ifndef WREN_AUDIO_H
#define WREN_AUDIO_H

#include <stddef.h>

#include "utils/opts.h"
#include "utils/table.h"

struct wren_audio_opts {
    const char *raw_format;  /* NULL: read the file header; else raw PCM: s16le, s16be, s8,
                              * u8, s24le, s24be, s32le, s32be, f32le, f32be, ulaw, alaw */
    int raw_rate;            /* sample rate of raw input (Hz) */
    int raw_channels;        /* channels of raw input (1) */
    int channel;             /* -1: the mean of all channels; else the 0-based channel taken */
    int expect_rate;         /* 0: any; else the rate the caller needs (Hz) */
    int resample;            /* 1: input at another rate than expect_rate is converted to it;
                              * 0: it is an error */
};

void wren_audio_opts_default(struct wren_audio_opts *o);

/* Option table entries for a struct wren_audio_opts *o, spliced into a command's table. */
#define WREN_AUDIO_OPT_ENTRIES(o) \
    { "raw-format", WREN_OPT_STRING, &(o)->raw_format, \
      "read headerless PCM: s16le, s16be, s8, u8, s24le, s32le, f32le, ulaw, alaw, ..." }, \
    { "raw-rate", WREN_OPT_INT, &(o)->raw_rate, "sample rate of --raw-format input (Hz)" }, \
    { "raw-channels", WREN_OPT_INT, &(o)->raw_channels, "channels of --raw-format input" }, \
    { "channel", WREN_OPT_INT, &(o)->channel, \
      "channel to take from multi-channel audio (0-based; -1: the mean of all channels)" }, \
    { "resample", WREN_OPT_BOOL, &(o)->resample, \
      "audio at another sample rate than the model's is resampled to it (libsoxr; 8 kHz audio leaves the model's band above 4 kHz empty); false: such audio is an error" }

struct wren_audio {
    float *samples;          /* n samples of the chosen channel, 16-bit scale */
    size_t n;
    int rate;                /* Hz, after any resampling */
    int source_rate;         /* Hz, of the input (differs from rate if it was resampled) */
    int file_channels;       /* channels in the input */
};

/* Read SPEC: a path, "-" (stdin) or a Kaldi pipe "command |". On error returns -1 with a
 * one-line message naming SPEC: unreadable, empty, not audio, truncated, no samples,
 * a channel the input lacks, another sample rate than expect_rate without resample. */
int wren_audio_read(const char *spec, const struct wren_audio_opts *o, struct wren_audio *a);

/* The same from bytes in memory; NAME is used in messages. */
int wren_audio_read_memory(const void *data, size_t len, const char *name,
                           const struct wren_audio_opts *o, struct wren_audio *a);

void wren_audio_free(struct wren_audio *a);

/* The length in seconds of the audio file SPEC as its header gives it, without reading the
 * samples (headerless PCM, --raw-format: from the file's size). 0 with *sec set; 1 when
 * the header does not tell (a pipe, stdin, an unreadable file, a header without a length):
 * only reading it does. */
int wren_audio_seconds(const char *spec, const struct wren_audio_opts *o, double *sec);

/* 1 if PATH is a regular file that starts like an audio file (WAV, FLAC, NIST SPHERE, AIFF,
 * Ogg, AU, CAF, W64, RF64, MP3), else 0: lets a command take an audio file where it takes a table. */
int wren_audio_file_like(const char *path);

/* 1 if PATH is a regular file with control bytes (other than tab, newline, CR) in its first
 * 64 KB, as headerless PCM has and a table has not: with --raw-format, such a file is audio. */
int wren_audio_raw_like(const char *path);

/* The audio files directly in folder DIR (those wren_audio_file_like takes; others and hidden
 * files are passed over) as a table like a wav.scp, sorted by file name: key = the file name
 * without its extension (white space made _: wren_path_key), value = its path. A folder without audio files, or two files with one
 * key (a.wav and a.flac), is an error naming the folder. */
int wren_audio_folder(const char *dir, struct wren_table *t);

/* A wav.scp (a Kaldi table of audio specs) read with wren_table_read; a key without a value is an
 * error "PATH:LINE: WHAT KEY has no audio" (WHAT: "utterance", "recording"), the table freed. */
int wren_audio_scp_read(const char *path, const char *what, struct wren_table *t);

#endif
