/* word-lattice.c — an utterance's word lattice for the public API (include/wren/decoder.h): the
 * lattice `wren decode` writes (audio over a minute cut at its pauses, its pieces' lattices
 * joined), decoded once and kept as a read-only graph whose arcs carry
 * their words as strings. Not for: lattice operations (lat/), writing lattice files. */
#include <math.h>
#include <stdlib.h>

#include "decoder/decoder.h"
#include "feat/audio.h"
#include "fstext/fst.h"
#include "lat/lattice.h"
#include "utils/error.h"

struct wren_word_lattice {
    struct wren_lattice lat;
    const char **word;     /* per arc: its word in the graph's words.txt, NULL for epsilon */
    char **owned;          /* the distinct word strings (the decoder's table may go first) */
    int n_owned;
    double shift;
};

int wren_decoder_lattice_samples(struct wren_decoder *d, const float *samples, size_t n_samples,
                                 struct wren_word_lattice **out)
{
    *out = NULL;
    if (!d || (!samples && n_samples > 0)) return wren_error("wren_decoder_lattice_samples: no decoder or no samples");
    struct wren_word_lattice *l = wren_xcalloc(1, sizeof *l);
    int complete;
    if (wren_decoder_lattice_of(d, samples, n_samples, &l->lat, &complete)) {
        free(l);
        return -1;
    }
    const struct wren_decode_graph *g = wren_decoder_graph(d);
    l->shift = wren_decoder_frame_shift(d);
    int64_t na = l->lat.n_arcs;
    l->word = wren_xcalloc(na > 0 ? (size_t)na : 1, sizeof *l->word);
    l->owned = wren_xcalloc(na > 0 ? (size_t)na : 1, sizeof *l->owned);
    int32_t *seen = NULL;   /* word id -> index in owned + 1, grown as ids come */
    int32_t n_seen = 0;
    for (int64_t k = 0; k < na; k++) {
        int32_t w = l->lat.arcs[k].word;
        if (w <= 0) continue;
        if (w >= n_seen) {
            int32_t n = w + 1 > 2 * n_seen ? w + 1 : 2 * n_seen;
            seen = wren_xrealloc(seen, (size_t)n * sizeof *seen);
            for (int32_t i = n_seen; i < n; i++) seen[i] = 0;
            n_seen = n;
        }
        if (!seen[w]) {
            const char *s = wren_symtab_symbol(g->words, w);
            l->owned[l->n_owned++] = wren_xstrdup(s ? s : "<unk-id>");   /* as `wren decode` */
            seen[w] = l->n_owned;
        }
        l->word[k] = l->owned[seen[w] - 1];
    }
    free(seen);
    *out = l;
    return 0;
}

int wren_decoder_lattice_file(struct wren_decoder *d, const char *path, struct wren_word_lattice **out)
{
    *out = NULL;
    if (!d || !path) return wren_error("wren_decoder_lattice_file: no decoder or no path");
    struct wren_audio_opts ao;
    wren_audio_opts_default(&ao);
    ao.expect_rate = wren_decoder_sample_rate(d);
    struct wren_audio a;
    if (wren_audio_read(path, &ao, &a)) return -1;
    int rc = wren_decoder_lattice_samples(d, a.samples, a.n, out);
    if (rc) wren_error_prefix("%s", path);
    wren_audio_free(&a);
    return rc;
}

int wren_word_lattice_num_states(const struct wren_word_lattice *l) { return l ? l->lat.n_states : 0; }
int wren_word_lattice_start(const struct wren_word_lattice *l) { return l ? l->lat.start : -1; }
double wren_word_lattice_frame_shift(const struct wren_word_lattice *l) { return l ? l->shift : 0.0; }

int wren_word_lattice_num_arcs(const struct wren_word_lattice *l, int state)
{
    if (!l || state < 0 || state >= l->lat.n_states) return 0;
    return (int)(l->lat.off[state + 1] - l->lat.off[state]);
}

int wren_word_lattice_arc(const struct wren_word_lattice *l, int state, int i, int *next,
                          const char **word, double *graph_cost, double *acoustic_cost, int *frames)
{
    if (i < 0 || i >= wren_word_lattice_num_arcs(l, state)) return -1;
    int64_t k = l->lat.off[state] + i;
    const struct wren_lat_arc *a = &l->lat.arcs[k];
    if (next) *next = a->dst;
    if (word) *word = l->word[k];
    if (graph_cost) *graph_cost = a->g;
    if (acoustic_cost) *acoustic_cost = a->a;
    if (frames) *frames = a->len;
    return 0;
}

int wren_word_lattice_final(const struct wren_word_lattice *l, int state, double *graph_cost,
                            double *acoustic_cost, int *frames)
{
    if (!l || state < 0 || state >= l->lat.n_states || isinf(l->lat.final_g[state])) return 0;
    if (graph_cost) *graph_cost = l->lat.final_g[state];
    if (acoustic_cost) *acoustic_cost = l->lat.final_a[state];
    if (frames) *frames = l->lat.final_len[state];
    return 1;
}

void wren_word_lattice_free(struct wren_word_lattice *l)
{
    if (!l) return;
    for (int i = 0; i < l->n_owned; i++) free(l->owned[i]);
    free(l->owned);
    free(l->word);
    wren_lattice_free(&l->lat);
    free(l);
}
