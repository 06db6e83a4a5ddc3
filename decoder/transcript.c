/* transcript.c — whole-utterance decoding for the public API (include/wren/decoder.h): a file or
 * a sample buffer in, the words (MBR or best path, per the options) as strings with their times
 * and confidences out. It is the streaming decoder (start, feed, finish) run once over the
 * utterance, as `wren decode` runs it.
 * Not for: n-best lists (nbest.c), lattices or adaptation (cli/cmd-decode.c drives those). */
#include <stdlib.h>
#include <string.h>

#include "decoder/decoder.h"
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

struct wren_transcript *wren_transcript_from_result(const struct wren_decoder *d,
                                                    const struct wren_decode_result *r)
{
    const struct wren_decode_graph *g = wren_decoder_graph(d);
    double shift = wren_decoder_frame_shift(d);
    struct wren_transcript *t = wren_xcalloc(1, sizeof *t);
    t->n = r->n;
    t->complete = r->reached_final;
    t->words = wren_xcalloc(r->n > 0 ? (size_t)r->n : 1, sizeof *t->words);
    t->start = wren_xcalloc(r->n > 0 ? (size_t)r->n : 1, sizeof *t->start);
    t->end = wren_xcalloc(r->n > 0 ? (size_t)r->n : 1, sizeof *t->end);
    t->conf = wren_xcalloc(r->n > 0 ? (size_t)r->n : 1, sizeof *t->conf);
    size_t len = 1;
    for (int i = 0; i < r->n; i++) {
        const char *s = wren_symtab_symbol(g->words, r->w[i].word);
        t->words[i] = wren_xstrdup(s ? s : "<unk-id>");   /* as `wren decode` writes it */
        t->start[i] = r->w[i].start * shift;
        t->end[i] = (r->w[i].start + r->w[i].frames) * shift;
        t->conf[i] = r->w[i].conf;
        len += strlen(t->words[i]) + 1;
    }
    t->text = wren_xmalloc(len);
    char *p = t->text;
    *p = '\0';
    for (int i = 0; i < r->n; i++) {
        if (i) *p++ = ' ';
        size_t k = strlen(t->words[i]);
        memcpy(p, t->words[i], k + 1);
        p += k;
    }
    return t;
}

int wren_decoder_decode_samples(struct wren_decoder *d, const float *samples, size_t n,
                                struct wren_transcript **out)
{
    *out = NULL;
    if (!d || (!samples && n > 0)) return wren_error("wren_decoder_decode_samples: no decoder or no samples");
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
    for (int i = 0; i < t->n; i++) free(t->words[i]);
    free(t->words); free(t->start); free(t->end); free(t->conf); free(t->text);
    free(t);
}
