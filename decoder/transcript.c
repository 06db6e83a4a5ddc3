/* transcript.c — whole-utterance decoding for the public API (include/wren/decoder.h): a file or
 * a sample buffer in, the words (MBR or best path, per the options) as strings with their times
 * and confidences out. It is the streaming decoder (start, feed, finish) run once over the
 * utterance, as `wren decode` runs it; audio over a minute is first cut at its pauses, as
 * `wren segment` cuts it, and decoded piece by piece.
 * Not for: n-best lists (nbest.c), lattices, a speaker's files (transcript-speaker.c). */
#include <stdlib.h>
#include <string.h>

#include "decoder/decoder.h"
#include "feat/audio-segment.h"
#include "feat/audio.h"
#include "fstext/fst.h"
#include "utils/error.h"

struct wren_transcript {
    int n;
    char **words;
    double *start, *end;   /* seconds */
    double *conf;          /* posteriors (MBR), or -1 */
    char *text;
    int complete;
};

/* A transcript with room for n words (its text set later by set_text). */
static struct wren_transcript *transcript_new(int n, int complete)
{
    struct wren_transcript *t = wren_xcalloc(1, sizeof *t);
    size_t m = n > 0 ? (size_t)n : 1;
    t->n = n;
    t->complete = complete;
    t->words = wren_xcalloc(m, sizeof *t->words);
    t->start = wren_xcalloc(m, sizeof *t->start);
    t->end = wren_xcalloc(m, sizeof *t->end);
    t->conf = wren_xcalloc(m, sizeof *t->conf);
    return t;
}

/* t->text: the words joined by single spaces. */
static void set_text(struct wren_transcript *t)
{
    size_t len = 1;
    for (int i = 0; i < t->n; i++) len += strlen(t->words[i]) + 1;
    t->text = wren_xmalloc(len);
    char *p = t->text;
    *p = '\0';
    for (int i = 0; i < t->n; i++) {
        if (i) *p++ = ' ';
        size_t k = strlen(t->words[i]);
        memcpy(p, t->words[i], k + 1);
        p += k;
    }
}

struct wren_transcript *wren_transcript_from_result(const struct wren_decoder *d,
                                                    const struct wren_decode_result *r)
{
    const struct wren_decode_graph *g = wren_decoder_graph(d);
    double shift = wren_decoder_frame_shift(d);
    struct wren_transcript *t = transcript_new(r->n, r->reached_final);
    for (int i = 0; i < r->n; i++) {
        const char *s = wren_symtab_symbol(g->words, r->w[i].word);
        t->words[i] = wren_xstrdup(s ? s : "<unk-id>");   /* as `wren decode` writes it */
        t->start[i] = r->w[i].start * shift;
        t->end[i] = (r->w[i].start + r->w[i].frames) * shift;
        t->conf[i] = r->w[i].conf;
    }
    set_text(t);
    return t;
}

/* One search over the samples. */
static int decode_piece(struct wren_decoder *d, const float *samples, size_t n,
                        struct wren_transcript **out)
{
    *out = NULL;
    struct wren_decode_result r = { 0 };
    wren_decoder_start(d);
    if (wren_decoder_feed(d, samples, n) || wren_decoder_finish(d, &r, NULL)) {
        wren_decode_result_free(&r);
        return -1;
    }
    *out = wren_transcript_from_result(d, &r);
    wren_decode_result_free(&r);
    return 0;
}

struct wren_transcript *wren_transcript_join(struct wren_transcript **p, const struct wren_segment *s, int k)
{
    int n = 0, complete = 1;
    for (int i = 0; i < k; i++) {
        n += p[i]->n;
        complete &= p[i]->complete;
    }
    struct wren_transcript *t = transcript_new(n, complete);
    for (int i = 0, w = 0; i < k; i++)
        for (int j = 0; j < p[i]->n; j++, w++) {
            t->words[w] = p[i]->words[j];
            p[i]->words[j] = NULL;
            t->start[w] = s[i].start + p[i]->start[j];
            t->end[w] = s[i].start + p[i]->end[j];
            t->conf[w] = p[i]->conf[j];
        }
    set_text(t);
    return t;
}

struct wren_transcript *wren_transcript_concat(const struct wren_transcript *a, const struct wren_transcript *b,
                                               double b_start)
{
    int na = a ? a->n : 0;
    struct wren_transcript *t = transcript_new(na + b->n, (!a || a->complete) && b->complete);
    for (int i = 0; i < na; i++) {
        t->words[i] = wren_xstrdup(a->words[i]);
        t->start[i] = a->start[i];
        t->end[i] = a->end[i];
        t->conf[i] = a->conf[i];
    }
    for (int j = 0; j < b->n; j++) {
        t->words[na + j] = wren_xstrdup(b->words[j]);
        t->start[na + j] = b_start + b->start[j];
        t->end[na + j] = b_start + b->end[j];
        t->conf[na + j] = b->conf[j];
    }
    set_text(t);
    return t;
}

int wren_decoder_segments(const struct wren_decoder *d, const float *samples, size_t n,
                          struct wren_segment **s, int *k)
{
    struct wren_segment_opts so;
    wren_segment_opts_default(&so);
    return wren_audio_segments(wren_decoder_feat_params(d), &so, samples, n, s, k);
}

int wren_decoder_pieces(const struct wren_decoder *d, const float *samples, size_t n,
                        struct wren_segment **s, int *k)
{
    *s = NULL;
    *k = 0;
    if ((double)n <= WREN_DECODE_PIECE_SECONDS * wren_decoder_sample_rate(d)) return 0;
    /* a long recording: one search over it takes memory that grows with its length */
    return wren_decoder_segments(d, samples, n, s, k);
}

void wren_decoder_piece_samples(const struct wren_decoder *d, const struct wren_segment *s, size_t n,
                                size_t *a, size_t *b)
{
    double rate = wren_decoder_sample_rate(d);
    *a = (size_t)(s->start * rate + 0.5);
    *b = (size_t)(s->end * rate + 0.5);
    if (*b > n) *b = n;
    if (*a > *b) *a = *b;
}

int wren_decoder_decode_samples(struct wren_decoder *d, const float *samples, size_t n,
                                struct wren_transcript **out)
{
    *out = NULL;
    if (!d || (!samples && n > 0)) return wren_error("wren_decoder_decode_samples: no decoder or no samples");
    struct wren_segment *s;
    int k;
    if (wren_decoder_pieces(d, samples, n, &s, &k)) return -1;
    if (!s) return decode_piece(d, samples, n, out);
    int rc = wren_decoder_decode_pieces(d, samples, n, s, k, out);
    free(s);
    return rc;
}

int wren_decoder_decode_pieces(struct wren_decoder *d, const float *samples, size_t n,
                               const struct wren_segment *s, int k, struct wren_transcript **out)
{
    *out = NULL;
    struct wren_transcript **p = wren_xcalloc((size_t)k + 1, sizeof *p);
    int rc = 0;
    for (int i = 0; i < k && !rc; i++) {
        size_t a, b;
        wren_decoder_piece_samples(d, &s[i], n, &a, &b);
        rc = decode_piece(d, samples + a, b - a, &p[i]);
    }
    if (!rc) *out = wren_transcript_join(p, s, k);
    for (int i = 0; i < k; i++) wren_transcript_free(p[i]);
    free(p);
    return rc;
}

int wren_decoder_decode_file(struct wren_decoder *d, const char *path, struct wren_transcript **out)
{
    *out = NULL;
    if (!d || !path) return wren_error("wren_decoder_decode_file: no decoder or no path");
    struct wren_audio_opts ao;
    wren_audio_opts_default(&ao);
    ao.expect_rate = wren_decoder_sample_rate(d);
    struct wren_audio a;
    if (wren_audio_read(path, &ao, &a)) return -1;
    int rc = wren_decoder_decode_samples(d, a.samples, a.n, out);
    if (rc) wren_error_prefix("%s", path);
    wren_audio_free(&a);
    return rc;
}

int wren_transcript_num_words(const struct wren_transcript *t) { return t ? t->n : 0; }
int wren_transcript_complete(const struct wren_transcript *t) { return t ? t->complete : 0; }
const char *wren_transcript_text(const struct wren_transcript *t) { return t ? t->text : ""; }

const char *wren_transcript_word(const struct wren_transcript *t, int i)
{
    return t && i >= 0 && i < t->n ? t->words[i] : NULL;
}

double wren_transcript_word_start(const struct wren_transcript *t, int i)
{
    return t && i >= 0 && i < t->n ? t->start[i] : -1.0;
}

double wren_transcript_word_end(const struct wren_transcript *t, int i)
{
    return t && i >= 0 && i < t->n ? t->end[i] : -1.0;
}

double wren_transcript_word_confidence(const struct wren_transcript *t, int i)
{
    return t && i >= 0 && i < t->n ? t->conf[i] : -1.0;
}

void wren_transcript_free(struct wren_transcript *t)
{
    if (!t) return;
    for (int i = 0; i < t->n; i++) free(t->words[i]);   /* NULL once joined into another */
    free(t->words); free(t->start); free(t->end); free(t->conf); free(t->text);
    free(t);
}
