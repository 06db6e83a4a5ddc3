/* transcript-stream.c — the streaming half of the public decoding API (include/wren/decoder.h):
 * an utterance fed in chunks, partial and final transcripts. Thin checks over the decoder's own
 * start / feed / partial / finish (search-stream.c), so the final transcript is the one
 * wren_decoder_decode_samples gives for the same audio, up to a minute of it. The stream is cut
 * at its pauses as it comes (cut_stream), so that its memory and the cost of a partial
 * transcript stay those of a part of about 20 s however long it runs; a stream that ends within
 * a minute is decoded again whole at the end (its first minute of audio is kept for that).
 * Not for: whole-utterance decoding (transcript.c). */
#include <stdlib.h>
#include <string.h>

#include "decoder/decoder.h"
#include "feat/audio-segment.h"
#include "utils/error.h"

/* Where a part holds no pause, look for one again after this much more. */
#define LOOK_AGAIN_SECONDS 10.0
/* A part of the stream is cut as soon as it passes this. A search over a minute costs more per
 * second of audio than one over the pieces of it (longer token lists, a lattice growing with
 * it, and each partial's best path going back to the part's start), and every second of a part
 * is searched twice (live, and again with the part's final features); shorter parts cost more in
 * the audio fed again after each cut (the last piece of speech is searched anew). */
#define PART_SECONDS 20.0

static void cut_reset(struct wren_decoder *d)
{
    struct wren_stream_cut *c = wren_decoder_stream_cut(d);
    wren_transcript_free(c->done);
    free(c->first);
    memset(c, 0, sizeof *c);
}

/* The stream's first minute kept as fed (dropped once the stream is longer). */
static void keep_first(struct wren_stream_cut *c, const float *samples, size_t n, int rate)
{
    c->fed_seconds += (double)n / rate;
    if (c->fed_seconds > WREN_DECODE_PIECE_SECONDS) {
        free(c->first);
        c->first = NULL;
        c->n_first = c->cap_first = 0;
        return;
    }
    wren_samples_append(&c->first, &c->n_first, &c->cap_first, samples, n);
    c->first_rate = rate;
}

static float *copy_of(const float *s, size_t n)
{
    float *x = wren_xmalloc((n ? n : 1) * sizeof *x);
    if (n) memcpy(x, s, n * sizeof *x);
    return x;
}

/* Once the current part of the stream is over PART_SECONDS long, it is cut where its last piece
 * of speech starts (the pieces of `wren segment`): the pieces before are decoded one by one, as
 * wren_decoder_decode_samples decodes a recording, their words kept, and the rest fed again. */
static int cut_stream(struct wren_decoder *d)
{
    struct wren_stream_cut *c = wren_decoder_stream_cut(d);
    const float *src, *a;
    size_t n_src, n;
    int src_rate = wren_decoder_stream_source(d, &src, &n_src);
    double rate = wren_decoder_sample_rate(d);
    if (!src_rate && wren_decoder_stream_audio(d, &a, &n)) return -1;
    double sec = src_rate ? (double)n_src / src_rate : (double)n / rate;
    if (sec <= PART_SECONDS || (double)c->next_look > sec * rate) return 0;
    c->next_look = (size_t)((sec + LOOK_AGAIN_SECONDS) * rate);
    if (wren_decoder_stream_audio(d, &a, &n)) return -1;
    struct wren_segment *s;
    int k;
    if (wren_decoder_segments(d, a, n, &s, &k)) return -1;
    size_t cut = 0, end;
    if (k >= 2) wren_decoder_piece_samples(d, &s[k - 1], n, &cut, &end);
    if (cut == 0) {
        free(s);
        return 0;
    }
    /* the decode below reuses the decoder's buffers: keep what was fed, to feed the rest again */
    size_t n_fed = src_rate ? n_src : n, at = cut;
    if (src_rate) {
        at = (size_t)((double)cut * src_rate / rate + 0.5);
        if (at > n_src) at = n_src;
    }
    float *fed = copy_of(src_rate ? src : a, n_fed), *head = copy_of(a, cut);
    struct wren_transcript *t;
    int rc = wren_decoder_decode_pieces(d, head, cut, s, k - 1, &t);
    free(head);
    free(s);
    if (!rc) {
        c->n_cuts++;
        struct wren_transcript *all = wren_transcript_concat(c->done, t, c->offset);
        wren_transcript_free(t);
        wren_transcript_free(c->done);
        c->done = all;
        c->offset += src_rate ? (double)at / src_rate : (double)cut / rate;
        c->next_look = 0;
    } else {
        at = 0;   /* nothing was cut: all of it is the current part still */
    }
    char *msg = rc ? wren_xstrdup(wren_error_msg()) : NULL;
    wren_decoder_start(d);
    int rf = wren_decoder_feed_at(d, fed + at, n_fed - at, src_rate ? src_rate : (int)rate);
    free(fed);
    if (msg) {
        wren_error("%s", msg);
        free(msg);
    }
    return rc || rf ? -1 : 0;
}

void wren_decoder_start_utterance(struct wren_decoder *d)
{
    if (!d) return;
    wren_decoder_start(d);
    cut_reset(d);
}

int wren_decoder_accept_samples(struct wren_decoder *d, const float *samples, size_t n)
{
    if (!d || (!samples && n > 0)) return wren_error("wren_decoder_accept_samples: no decoder or no samples");
    return wren_decoder_accept_samples_at(d, samples, n, wren_decoder_sample_rate(d));
}

int wren_decoder_accept_samples_at(struct wren_decoder *d, const float *samples, size_t n,
                                   int sample_rate)
{
    if (!d || (!samples && n > 0)) return wren_error("wren_decoder_accept_samples_at: no decoder or no samples");
    if (wren_decoder_feed_at(d, samples, n, sample_rate)) return -1;
    keep_first(wren_decoder_stream_cut(d), samples, n, sample_rate);
    return cut_stream(d);
}

/* A stream cut before it ended within a minute: decoded again whole, as decode_samples decodes
 * it (the parts' words are dropped). */
static int decode_first(struct wren_decoder *d, struct wren_decode_result *r)
{
    struct wren_stream_cut *c = wren_decoder_stream_cut(d);
    wren_decoder_start(d);
    return wren_decoder_feed_at(d, c->first, c->n_first, c->first_rate) || wren_decoder_finish(d, r, NULL) ? -1 : 0;
}

/* partial (0) or final (1), after the words of the part cut off so far */
static int transcript_of(struct wren_decoder *d, int final, struct wren_transcript **out)
{
    struct wren_decode_result r = { 0 };
    struct wren_stream_cut *c = wren_decoder_stream_cut(d);
    int whole = final && c->n_cuts && c->first;
    if (whole) {
        wren_transcript_free(c->done);
        c->done = NULL;
    }
    int rc = whole ? decode_first(d, &r) : final ? wren_decoder_finish(d, &r, NULL) : wren_decoder_partial(d, &r);
    if (!rc) {
        struct wren_transcript *t = wren_transcript_from_result(d, &r);
        if (c->done) {
            *out = wren_transcript_concat(c->done, t, c->offset);
            wren_transcript_free(t);
        } else {
            *out = t;
        }
    }
    wren_decode_result_free(&r);
    if (final) cut_reset(d);
    return rc;
}

int wren_decoder_partial_transcript(struct wren_decoder *d, struct wren_transcript **out)
{
    if (!out) return wren_error("wren_decoder_partial_transcript: no output pointer");
    *out = NULL;
    if (!d) return wren_error("wren_decoder_partial_transcript: no decoder");
    return transcript_of(d, 0, out);
}

int wren_decoder_finish_utterance(struct wren_decoder *d, struct wren_transcript **out)
{
    if (!out) return wren_error("wren_decoder_finish_utterance: no output pointer");
    *out = NULL;
    if (!d) return wren_error("wren_decoder_finish_utterance: no decoder");
    return transcript_of(d, 1, out);
}
