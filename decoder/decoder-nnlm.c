/* decoder-nnlm.c — the NNLM second pass of final lattices (decoder.h): the lattices rescored as
 * `wren rescore --mode lattice` rescores them (several side by side, their NNLM requests
 * batched), and each one's best path as its result. Shared by `wren decode --nnlm` and the
 * library's wren_decoder_set_nnlm. */
#include "decoder/decoder.h"

#include <stdlib.h>
#include <string.h>

#include "lat/lattice.h"
#include "rescore/rescore.h"
#include "utils/wren-util.h"

int wren_decoder_nnlm_results(const struct wren_decoder *d, struct wren_rescore_models *m,
                              const struct wren_rescore_opts *o, int n, const struct wren_lattice *const *wl,
                              struct wren_lattice *out, struct wren_decode_result *r, long *tokens)
{
    memset(r, 0, (size_t)n * sizeof *r);
    struct wren_lattice *in = wren_xmalloc(((size_t)n + 1) * sizeof *in);
    struct wren_rescore_stats *st = wren_xcalloc((size_t)n + 1, sizeof *st);
    for (int i = 0; i < n; i++) in[i] = *wl[i];   /* read only: the rescorer takes an array */
    int failed;
    int rc = wren_rescore_lattices(m->r, o, n, in, out, st, &failed);
    for (int i = 0; i < n && tokens; i++) *tokens += st[i].tokens;
    for (int i = 0; i < n && !rc; i++) {
        if (out[i].start < 0) continue;   /* an empty lattice: an empty result */
        struct wren_path p;
        if (wren_lattice_best_path(&out[i], o->acwt, &p)) {
            rc = -1;
            break;
        }
        wren_decoder_path_result(d, &p, &r[i]);
        wren_path_free(&p);
    }
    if (rc)
        for (int i = 0; i < n; i++) {
            wren_lattice_free(&out[i]);
            wren_decode_result_free(&r[i]);
        }
    free(in);
    free(st);
    return rc;
}

int wren_decoder_nnlm_result(const struct wren_decoder *d, struct wren_rescore_models *m,
                             const struct wren_rescore_opts *o, const struct wren_lattice *wl,
                             struct wren_lattice *out, struct wren_decode_result *r, long *tokens)
{
    const struct wren_lattice *one = wl;
    struct wren_rescore_opts o1 = *o;
    o1.lattice_batch = 1;
    return wren_decoder_nnlm_results(d, m, &o1, 1, &one, out, r, tokens);
}
