/* transcript-stream.c — the streaming half of the public decoding API (include/wren/decoder.h):
 * an utterance fed in chunks, partial and final transcripts. Thin checks over the decoder's own
 * start / feed / partial / finish (search-stream.c), so the final transcript is the one
 * wren_decoder_decode_samples gives for the same audio (up to a minute of it, which that call
 * does not cut).
 * Not for: whole-utterance decoding (transcript.c). */
#include "decoder/decoder.h"
#include "utils/error.h"

void wren_decoder_start_utterance(struct wren_decoder *d)
{
    if (d) wren_decoder_start(d);
}

int wren_decoder_accept_samples(struct wren_decoder *d, const float *samples, size_t n)
{
    if (!d || (!samples && n > 0)) return wren_error("wren_decoder_accept_samples: no decoder or no samples");
    return wren_decoder_feed(d, samples, n);
}

int wren_decoder_accept_samples_at(struct wren_decoder *d, const float *samples, size_t n,
                                   int sample_rate)
{
    if (!d || (!samples && n > 0)) return wren_error("wren_decoder_accept_samples_at: no decoder or no samples");
    return wren_decoder_feed_at(d, samples, n, sample_rate);
}

/* partial (0) or final (1) */
static int transcript_of(struct wren_decoder *d, int final, struct wren_transcript **out)
{
    struct wren_decode_result r = { 0 };
    int rc = final ? wren_decoder_finish(d, &r, NULL) : wren_decoder_partial(d, &r);
    if (!rc) *out = wren_transcript_from_result(d, &r);
    wren_decode_result_free(&r);
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
