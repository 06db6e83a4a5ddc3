/* transcript-speaker.c — the public API's speaker-adapted decoding (include/wren/decoder.h,
 * wren_decoder_decode_speaker_files): the files of one speaker in two passes, as `wren decode`
 * decodes one speaker of a data dir with its default --adapt: a narrower speaker-independent
 * pass gathering fMLLR statistics on its best paths, an estimate (EM steps, MAP means), the
 * adapted pass keeping its lattices, a second estimate, and each transcript from its lattice
 * rescored with that transform. Audio over WREN_DECODE_PIECE_SECONDS is cut at its pauses
 * first and its pieces joined, as wren_decoder_decode_samples does.
 * Not for: one utterance (transcript.c), the passes over a data dir (cli/cmd-decode.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder/decode-adapt.h"
#include "decoder/decoder.h"
#include "feat/audio-segment.h"
#include "feat/audio.h"
#include "lat/lattice.h"
#include "utils/error.h"

/* One search unit: a file, or a piece of a long one. */
struct piece {
    int file;
    char name[32];          /* the adaptation's utterance name: its index */
    size_t a, b;            /* samples */
};

struct speaker_audio {
    struct wren_audio *audio;       /* one per file */
    struct wren_segment **seg;      /* a long file's pieces (else NULL) */
    int *n_seg;
    struct piece *p;
    int n_p;
};

static void speaker_audio_free(struct speaker_audio *s, int n_files)
{
    for (int i = 0; i < n_files; i++) {
        if (s->audio) wren_audio_free(&s->audio[i]);
        if (s->seg) free(s->seg[i]);
    }
    free(s->audio);
    free(s->seg);
    free(s->n_seg);
    free(s->p);
}

static void piece_add(struct speaker_audio *s, int file, size_t a, size_t b)
{
    struct piece *p = &s->p[s->n_p];
    p->file = file;
    snprintf(p->name, sizeof p->name, "%d", s->n_p);
    p->a = a;
    p->b = b;
    s->n_p++;
}

/* Every file read, long ones cut at their pauses. */
static int speaker_audio_read(struct wren_decoder *d, const char *const *paths, int n, struct speaker_audio *s)
{
    memset(s, 0, sizeof *s);
    s->audio = wren_xcalloc((size_t)n, sizeof *s->audio);
    s->seg = wren_xcalloc((size_t)n, sizeof *s->seg);
    s->n_seg = wren_xcalloc((size_t)n, sizeof *s->n_seg);
    struct wren_audio_opts ao;
    wren_audio_opts_default(&ao);
    ao.expect_rate = wren_decoder_sample_rate(d);
    size_t cap = 0;
    for (int i = 0; i < n; i++) {
        if (!paths[i]) return wren_error("wren_decoder_decode_speaker_files: path %d is NULL", i);
        if (wren_audio_read(paths[i], &ao, &s->audio[i])) return -1;
        if (wren_decoder_pieces(d, s->audio[i].samples, s->audio[i].n, &s->seg[i], &s->n_seg[i]))
            return wren_error_prefix("%s: ", paths[i]);
        cap += s->seg[i] ? (size_t)s->n_seg[i] : 1;
    }
    s->p = wren_xcalloc(cap + 1, sizeof *s->p);
    for (int i = 0; i < n; i++) {
        size_t len = s->audio[i].n;
        if (!s->seg[i]) { piece_add(s, i, 0, len); continue; }
        for (int k = 0; k < s->n_seg[i]; k++) {
            size_t a, b;
            wren_decoder_piece_samples(d, &s->seg[i][k], len, &a, &b);
            piece_add(s, i, a, b);
        }
    }
    return 0;
}

/* One pass over the pieces: each decoded with its lattice, which the adaptation takes for its
 * statistics (and keeps, in the pass whose lattices are rescored). */
static int pass(struct wren_decoder *d, struct wren_adapt *ad, const struct speaker_audio *s, int *reached)
{
    for (int i = 0; i < s->n_p; i++) {
        const struct piece *p = &s->p[i];
        const struct wren_audio *a = &s->audio[p->file];
        struct wren_lattice wl;
        wren_adapt_utt_start(ad, p->name);
        wren_decoder_start(d);
        if (wren_decoder_feed(d, a->samples + p->a, p->b - p->a)) return -1;
        /* the lattice alone (initialised first, even when it fails): the outputs come later */
        int rc = wren_decoder_finish(d, NULL, &wl);
        if (reached) {
            struct wren_decoder_stats st;
            wren_decoder_stats(d, &st);
            reached[i] = st.reached_final;
        }
        if (!rc) rc = wren_adapt_utt_end(ad, &wl);
        if (!rc && wren_adapt_keeping(ad)) wren_adapt_take_lattice(ad, p->name, &wl);
        wren_lattice_free(&wl);
        if (rc) return -1;
    }
    return 0;
}

/* The transcripts of the kept lattices rescored with the speaker's last transform, pieces
 * joined per file. */
static int transcripts(struct wren_decoder *d, struct wren_adapt *ad, const struct speaker_audio *s,
                       const int *reached, int n_files, struct wren_transcript **out)
{
    if (wren_adapt_n_kept(ad) != s->n_p) return wren_error("wren_decoder_decode_speaker_files: lattices lost");
    struct wren_transcript **t = wren_xcalloc((size_t)s->n_p + 1, sizeof *t);
    int rc = 0;
    /* a chunk of lattices at a time: rescored with the transform, then their results together
     * (under the NNLM pass, its requests batched over the chunk) */
    const struct wren_lattice *l[WREN_DECODER_OUTPUT_CHUNK];
    struct wren_decode_result r[WREN_DECODER_OUTPUT_CHUNK];
    for (int k0 = 0; k0 < s->n_p && !rc; k0 += WREN_DECODER_OUTPUT_CHUNK) {
        int m = s->n_p - k0 < WREN_DECODER_OUTPUT_CHUNK ? s->n_p - k0 : WREN_DECODER_OUTPUT_CHUNK;
        for (int j = 0; j < m && !rc; j++) {
            const char *utt;
            struct wren_lattice *kl;
            rc = wren_adapt_rescore_kept(ad, k0 + j, &utt, &kl);
            l[j] = kl;
        }
        if (rc || wren_decoder_output_results(d, m, l, r)) {
            rc = -1;
            break;
        }
        for (int j = 0; j < m; j++) {
            int nm;
            const int *map = wren_adapt_kept_frame_map(ad, k0 + j, &nm);
            wren_decode_result_to_audio(&r[j], map, nm);
            r[j].reached_final = reached[k0 + j];
            t[k0 + j] = wren_transcript_from_result(d, &r[j]);
            wren_decode_result_free(&r[j]);
        }
    }
    for (int i = 0, k = 0; i < n_files && !rc; i++) {
        if (!s->seg[i]) { out[i] = t[k]; t[k++] = NULL; continue; }
        out[i] = wren_transcript_join(t + k, s->seg[i], s->n_seg[i]);
        k += s->n_seg[i];
    }
    for (int k = 0; k < s->n_p; k++) wren_transcript_free(t[k]);
    free(t);
    return rc ? -1 : 0;
}

int wren_decoder_decode_speaker_files(struct wren_decoder *d, const char *const *paths, int n,
                                      struct wren_transcript **out)
{
    if (!d || !out || (n > 0 && !paths) || n < 0)
        return wren_error("wren_decoder_decode_speaker_files: no decoder, paths or output array");
    for (int i = 0; i < n; i++) out[i] = NULL;
    if (n == 0) return 0;
    struct speaker_audio s;
    int rc = speaker_audio_read(d, paths, n, &s);
    struct wren_adapt_opts o;
    wren_adapt_opts_default(&o);
    o.mode = "fmllr";
    struct wren_adapt *ad = NULL;
    if (!rc) rc = wren_adapt_create(&o, NULL, d, wren_decoder_acwt(d), &ad);
    if (!rc) {
        /* the speaker-independent pass, an estimate; the adapted pass, kept, and a second one */
        int *reached = wren_xcalloc((size_t)s.n_p + 1, sizeof *reached);
        wren_adapt_pass(ad, "speaker", 1, 0);
        rc = pass(d, ad, &s, NULL) || wren_adapt_estimate(ad);
        if (!rc) {
            wren_adapt_pass(ad, "speaker", 1, 1);
            wren_adapt_keep_lattices(ad);
            rc = pass(d, ad, &s, reached) || wren_adapt_estimate(ad);
            if (!rc) rc = transcripts(d, ad, &s, reached, n, out);
        }
        free(reached);
    }
    wren_adapt_free(ad);
    /* the decoder decodes speaker-independently again */
    wren_decoder_set_transform(d, NULL);
    wren_decoder_narrow_search(d, 0, 0);
    speaker_audio_free(&s, n);
    if (rc)
        for (int i = 0; i < n; i++) { wren_transcript_free(out[i]); out[i] = NULL; }
    return rc ? -1 : 0;
}
