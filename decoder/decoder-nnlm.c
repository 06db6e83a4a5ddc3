/* decoder-nnlm.c — the NNLM second pass of a final lattice (decoder.h): the lattice rescored as
 * `wren rescore --mode lattice` rescores it, and its best path as the result. Shared by `wren
 * decode --nnlm` and the library's wren_decoder_set_nnlm. */
#include "decoder/decoder.h"

#include <string.h>

#include "lat/lattice.h"
#include "rescore/rescore.h"

int wren_decoder_nnlm_result(const struct wren_decoder *d, struct wren_rescore_models *m,
                             const struct wren_rescore_opts *o, const struct wren_lattice *wl,
                             struct wren_lattice *out, struct wren_decode_result *r, long *tokens)
{
    memset(r, 0, sizeof *r);
    struct wren_rescore_stats st = { 0 };
    int rc = wren_rescore_lattice(m->r, o, wl, out, &st);
    if (tokens) *tokens += st.tokens;
    if (rc || out->start < 0) return rc;   /* an empty lattice: an empty result */
    struct wren_path p;
    if (wren_lattice_best_path(out, o->acwt, &p)) {
        wren_lattice_free(out);
        return -1;
    }
    wren_decoder_path_result(d, &p, r);
    wren_path_free(&p);
    return 0;
}
