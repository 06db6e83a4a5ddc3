/* nbest.c — n-best lists for the public API (include/wren/decoder.h): an utterance decoded once
 * as `wren decode` does (audio over a minute cut at its pauses, its pieces' lattices joined),
 * then the n best distinct word sequences of its word lattice, each as a transcript with its
 * costs. Not for: writing n-best files (cli/cmd-decode.c), rescoring them
 * (rescore/). */
#include <stdlib.h>

#include "decoder/decoder.h"
#include "feat/audio.h"
#include "lat/lattice.h"
#include "utils/error.h"

/* partial paths the A* search may expand before giving up (as `wren decode --nbest`) */
enum { NBEST_MAX_EXPAND = 2000000 };

struct wren_nbest {
    int n;
    struct wren_transcript **t;
    double *g, *a;
};

int wren_decoder_nbest_samples(struct wren_decoder *d, const float *samples, size_t n_samples,
                               int n, struct wren_nbest **out)
{
    *out = NULL;
    if (!d || (!samples && n_samples > 0)) return wren_error("wren_decoder_nbest_samples: no decoder or no samples");
    if (n < 1) return wren_error("wren_decoder_nbest_samples: n must be at least 1, not %d", n);
    struct wren_decode_result r = { 0 };
    struct wren_lattice lat;
    int complete;
    if (wren_decoder_lattice_of(d, samples, n_samples, &lat, &complete)) return -1;
    struct wren_path *paths = NULL;
    int k = lat.start < 0 ? 0 : wren_lattice_nbest(&lat, wren_decoder_acwt(d), n, NBEST_MAX_EXPAND, &paths);
    wren_lattice_free(&lat);
    if (k < 0) return -1;
    struct wren_nbest *b = wren_xcalloc(1, sizeof *b);
    b->n = k;
    b->t = wren_xcalloc(k > 0 ? (size_t)k : 1, sizeof *b->t);
    b->g = wren_xcalloc(k > 0 ? (size_t)k : 1, sizeof *b->g);
    b->a = wren_xcalloc(k > 0 ? (size_t)k : 1, sizeof *b->a);
    for (int i = 0; i < k; i++) {
        wren_decoder_path_result(d, &paths[i], &r);
        r.reached_final = complete;
        b->t[i] = wren_transcript_from_result(d, &r);
        b->g[i] = paths[i].g;
        b->a[i] = paths[i].a;
        wren_decode_result_free(&r);
        wren_path_free(&paths[i]);
    }
    free(paths);
    *out = b;
    return 0;
}

int wren_decoder_nbest_file(struct wren_decoder *d, const char *path, int n, struct wren_nbest **out)
{
    *out = NULL;
    if (!d || !path) return wren_error("wren_decoder_nbest_file: no decoder or no path");
    struct wren_audio_opts ao;
    wren_audio_opts_default(&ao);
    ao.expect_rate = wren_decoder_sample_rate(d);
    struct wren_audio a;
    if (wren_audio_read(path, &ao, &a)) return -1;
    int rc = wren_decoder_nbest_samples(d, a.samples, a.n, n, out);
    if (rc) wren_error_prefix("%s", path);
    wren_audio_free(&a);
    return rc;
}

int wren_nbest_size(const struct wren_nbest *b) { return b ? b->n : 0; }

const struct wren_transcript *wren_nbest_transcript(const struct wren_nbest *b, int i)
{
    return b && i >= 0 && i < b->n ? b->t[i] : NULL;
}

double wren_nbest_graph_cost(const struct wren_nbest *b, int i)
{
    return b && i >= 0 && i < b->n ? b->g[i] : 0.0;
}

double wren_nbest_acoustic_cost(const struct wren_nbest *b, int i)
{
    return b && i >= 0 && i < b->n ? b->a[i] : 0.0;
}

void wren_nbest_free(struct wren_nbest *b)
{
    if (!b) return;
    for (int i = 0; i < b->n; i++) wren_transcript_free(b->t[i]);
    free(b->t);
    free(b->g);
    free(b->a);
    free(b);
}
