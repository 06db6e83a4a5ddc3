/* lattice-join.c — one lattice from the lattices of a recording's pieces decoded one by one
 * (wren decode's long utterances, and the public n-best and lattice calls on audio longer than
 * WREN_DECODE_PIECE_SECONDS, cut at its pauses as wren_decoder_decode_samples cuts it), so that
 * the search's memory does not grow with the length of the audio: the pieces' lattices in
 * sequence (wren_lattice_concat), each on the audio's frames (the frames the front end's VAD
 * dropped put back as silence, wren_lattice_pad_frames), the pauses between them silence frames
 * too, so that the joined lattice's times are the audio's.
 * Not for: cutting (feat/audio-segment.c), transcripts (transcript.c). */
#include <math.h>
#include <stdlib.h>

#include "am/am.h"
#include "am/mdef.h"
#include "decoder/decoder.h"
#include "feat/audio-segment.h"
#include "lat/lattice.h"
#include "utils/error.h"

/* A transition id of the silence phone (else of any filler), to span a pause; 0 if none. */
static int32_t silence_tid(struct wren_decoder *d)
{
    const struct wren_decode_graph *g = wren_decoder_graph(d);
    const struct wren_mdef *md = wren_am_mdef(wren_decoder_am(d));
    int sil = wren_mdef_sil(md), any = 0;
    for (int32_t t = 1; t <= g->n_tids; t++) {
        int ph = g->tid_phone[t];
        if (ph == sil && sil >= 0) return t;
        if (!any && ph >= 0 && ph < wren_mdef_n_ciphones(md) && wren_mdef_is_filler(md, ph)) any = t;
    }
    return any;
}

int wren_decoder_lattice_on_audio(struct wren_decoder *d, const int *kept, int n, const struct wren_lattice *in,
                                  struct wren_lattice *out)
{
    int32_t tid = kept && in->start >= 0 ? silence_tid(d) : 0;
    if (tid <= 0) return 0;
    return wren_lattice_pad_frames(in, kept, n, tid, out) ? -1 : 1;
}

/* lat, of the search just finished, on the audio's frames (in place). */
static int to_audio(struct wren_decoder *d, struct wren_lattice *lat)
{
    int n;
    const int *kept = wren_decoder_frame_map(d, &n);
    struct wren_lattice p;
    int rc = wren_decoder_lattice_on_audio(d, kept, n, lat, &p);
    if (rc > 0) {
        wren_lattice_free(lat);
        *lat = p;
    }
    return rc < 0 ? -1 : 0;
}

void wren_decoder_join_lattices(struct wren_decoder *d, const struct wren_lattice *parts, const double *start_sec,
                                int k, struct wren_lattice *out)
{
    int32_t tid = silence_tid(d);
    int64_t *starts = NULL;
    if (tid > 0) {
        double shift = wren_decoder_frame_shift(d);
        starts = wren_xmalloc(((size_t)k + 1) * sizeof *starts);
        for (int i = 0; i < k; i++) starts[i] = (int64_t)floor(start_sec[i] / shift + 0.5);
    }
    wren_lattice_concat(parts, k, starts, tid, out);
    free(starts);
}

/* The search of samples [0, n) into *lat (under wren_decoder_set_nnlm rescored; on the audio's
 * frames), no result computed; *reached: it reached a final state. On error *lat holds nothing
 * to free. */
static int lattice_search(struct wren_decoder *d, const float *samples, size_t n, struct wren_lattice *lat,
                          int *reached)
{
    wren_decoder_start(d);
    if (wren_decoder_feed(d, samples, n)) return -1;
    if (wren_decoder_finish(d, NULL, lat)) {
        wren_lattice_free(lat);   /* the empty one finish began with */
        return -1;
    }
    struct wren_decoder_stats st;
    wren_decoder_stats(d, &st);
    *reached = st.reached_final;
    if (wren_decoder_output_lattice(d, lat) || to_audio(d, lat)) {
        wren_lattice_free(lat);
        return -1;
    }
    return 0;
}

int wren_decoder_lattice_of(struct wren_decoder *d, const float *samples, size_t n, struct wren_lattice *lat,
                            int *complete)
{
    struct wren_segment *s;
    int k;
    *complete = 0;
    if (wren_decoder_pieces(d, samples, n, &s, &k)) return -1;
    if (!s) return lattice_search(d, samples, n, lat, complete);
    struct wren_lattice *parts = wren_xcalloc((size_t)k + 1, sizeof *parts);
    double *start = wren_xcalloc((size_t)k + 1, sizeof *start);
    int rc = 0, done = 0, all = 1;
    for (int i = 0; i < k; i++) {
        size_t a, b;
        int reached;
        wren_decoder_piece_samples(d, &s[i], n, &a, &b);
        start[i] = s[i].start;
        rc = lattice_search(d, samples + a, b - a, &parts[i], &reached);
        if (rc) break;
        done++;
        all &= reached;
    }
    if (!rc) {
        wren_decoder_join_lattices(d, parts, start, k, lat);
        *complete = all;
    }
    for (int i = 0; i < done; i++) wren_lattice_free(&parts[i]);
    free(parts);
    free(start);
    free(s);
    return rc;
}
