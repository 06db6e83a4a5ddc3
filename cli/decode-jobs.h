/* decode-jobs.h — the utterances `wren decode` decodes, in order: read from a wav.scp, a data
 * dir (with its segments), one audio file or a folder of them; and the pieces of an utterance
 * longer than --cut-seconds, cut at its pauses as `wren segment` cuts them, once its audio is
 * read (so a pipe's too), whose outputs cmd-decode.c joins under the utterance's name.
 * Not for: decoding (cmd-decode.c), finding the pauses (feat/audio-segment.c). */
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
    double base;                /* a piece: where its utterance starts in the recording (s) */
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
    double *sec;        /* after jobs_probe: each job's length in seconds, -1 if unknown */
};

/* INPUT's utterances (a bad segments line is an error of the whole input, found before
 * anything is decoded). -1 with a message naming the file and line. */
int jobs_read(const char *input, const struct wren_audio_opts *ao, struct jobs *js);
void jobs_free(struct jobs *js);
/* js->sec: each job's length from its segment's times or its file's header (wren_audio_seconds),
 * without reading audio; -1 where neither tells (a pipe, a segment to the end of a recording). */
void jobs_probe(struct jobs *js, const struct wren_audio_opts *ao);
/* The mean of the lengths w[0 .. n) that are known (>= 0); 1 if none is (or w is NULL). */
double jobs_mean_length(const double *w, size_t n);
/* Contiguous slices of n items of lengths w (NULL, or < 0: unknown, taken as the mean of the
 * known ones) for 1 <= nj <= n workers, cut where the running length is nearest to an even
 * share, at least one item each: worker k takes items first[k] .. first[k+1]-1. */
void jobs_balance(const double *w, size_t n, int nj, size_t *first);

/* Pieces of long utterances, made as they are decoded (their names owned here). */
struct job_pieces {
    struct job *j;
    char **names;
    size_t n, cap;
};

/* The pieces of job j, whose audio a holds as samples [b, e): cut at its pauses by the VAD of
 * fp as `wren segment` cuts (feat/audio-segment.h, its default options; no piece longer than
 * max_seconds), appended to p as segments of j's recording (t0, t1 from its start) with piece
 * set, the last with piece_last. Returns how many; 0 when there is nothing to cut at (no
 * speech found, or an error): the utterance is decoded whole. */
struct wren_feat_params;
int job_cut(const struct job *j, const struct wren_feat_params *fp, const struct wren_audio *a, size_t b,
            size_t e, double max_seconds, struct job_pieces *p);
void job_pieces_clear(struct job_pieces *p);
void job_pieces_free(struct job_pieces *p);

#endif
