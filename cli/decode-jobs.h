/* decode-jobs.h — the utterances `wren decode` decodes, in order: read from a wav.scp, a data
 * dir (with its segments), one audio file or a folder of them; an utterance longer than
 * --cut-seconds is then replaced by its pieces, cut at its pauses as `wren segment`
 * cuts them, whose outputs cmd-decode.c joins back under the utterance's name.
 * Not for: decoding (cmd-decode.c), the cutting itself (feat/audio-segment.c). */
#ifndef WREN_CLI_DECODE_JOBS_H
#define WREN_CLI_DECODE_JOBS_H

#include <stddef.h>

#include "feat/audio.h"
#include "utils/table.h"

/* One utterance to decode: a whole recording (t0 < 0) or a segment of one (t1 < 0: to the
 * end of the recording), from line seg_line of the segments file seg_path. A piece of a long
 * utterance is a segment of its recording with piece set: the outputs are written under utt. */
struct job {
    const char *utt, *spec;
    const char *rec;            /* a segment's recording (its wav.scp key), else NULL */
    double t0, t1;
    const char *seg_path;
    int seg_line;
    const char *piece;          /* a piece's own name (utt-START-END, centiseconds), else NULL */
    int piece_last;             /* the last piece of its utterance */
};

/* A job's own name: its piece's, else its utterance's. */
static inline const char *job_name(const struct job *j) { return j->piece ? j->piece : j->utt; }

/* A segment may end this far beyond its recording and is then cut at the recording's end, as
 * Kaldi's extract-segments allows (--max-overshoot, 0.5 s); further is an error. */
#define SEGMENT_MAX_OVERSHOOT 0.5

/* The utterances of a wav.scp or data dir, in order. Tables stay alive while jobs are used. */
struct jobs {
    struct job *j;
    size_t n;
    struct wren_table wav, seg;
    int have_seg;
    char *seg_path;
    char *file_key;     /* the input is one audio file: its name without folder and extension */
    char **names;       /* the pieces' names */
    size_t n_names;
};

/* INPUT's utterances (a bad segments line is an error of the whole input, found before
 * anything is decoded). -1 with a message naming the file and line. */
int jobs_read(const char *input, const struct wren_audio_opts *ao, struct jobs *js);
void jobs_free(struct jobs *js);

/* Every utterance longer than max_seconds (known from its segment's times or its file's header:
 * a pipe's length is not known, and it is decoded whole) replaced by its pieces, cut by d's VAD
 * as `wren segment` cuts (feat/audio-segment.h, its default options); *n_cut utterances were cut
 * into *n_pieces pieces. An utterance whose audio cannot be read, or holds no speech, stays
 * whole (the decode reports it). */
struct wren_decoder;
void jobs_cut_long(struct jobs *js, const struct wren_decoder *d, const struct wren_audio_opts *ao,
                   double max_seconds, int *n_cut, int *n_pieces);

#endif
