/* audio-segment.h — cutting a long recording into utterances at its pauses, with the VAD of the
 * decoder's own front end (feat.params -vad_*), so that each piece decodes as an utterance does:
 * memory and time of a search grow with its length, and one search over minutes of speech loses
 * words to a single CMN mean and to LM context run across sentences. Used by `wren segment`.
 * Not for: dropping silence inside an utterance (the front end does that, feat.h). */
#ifndef WREN_AUDIO_SEGMENT_H
#define WREN_AUDIO_SEGMENT_H

#include <stddef.h>

#include "feat/feat-params.h"

struct wren_segment_opts {
    float max_seconds;    /* a speech stretch longer than this is cut at its quietest frame
                           * in the second half of each piece */
    float join_seconds;   /* neighbouring stretches are joined while the piece stays at most
                           * this long (0: one piece per stretch) */
};
void wren_segment_opts_default(struct wren_segment_opts *o);
/* -1 with a message naming the option if a value is out of range. */
int wren_segment_opts_check(const struct wren_segment_opts *o);

struct wren_segment {
    double start, end;    /* seconds from the start of the recording, whole centiseconds */
};

/* The pieces of n samples (at p->samprate, 16-bit scale) under the VAD of p (its -vad_*
 * settings, whatever -remove_silence says), in order, not overlapping; *segs gets *nsegs
 * (caller frees; never NULL on success; none when the VAD finds no speech). */
int wren_audio_segments(const struct wren_feat_params *p, const struct wren_segment_opts *o,
                        const float *samples, size_t n, struct wren_segment **segs, int *nsegs);

#endif
