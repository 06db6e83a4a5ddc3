/* lattice-concat.c — one lattice from several in sequence: the lattice of a long recording
 * decoded as pieces cut at its pauses (wren decode). Every path of the result is a path of the
 * first part, then one of the second, and so on, its costs the sums; each final weight (and its
 * transition-id string) of a part becomes an epsilon arc to the start of the next. The audio
 * between the pieces was not decoded, so it is not in the result's frames.
 * Not for: the pieces themselves (audio-segment.c), joining transcripts (transcript.c). */
#include "lat/lattice.h"

#include <stdlib.h>

void wren_lattice_concat(const struct wren_lattice *parts, int k, struct wren_lattice *out)
{
    struct wren_lat_builder *b = wren_lat_builder_create();
    int32_t start = -1, prev_off = -1;      /* the result's start; the last kept part's first state */
    const struct wren_lattice *prev = NULL;
    for (int i = 0; i < k; i++) {
        const struct wren_lattice *p = &parts[i];
        if (p->start < 0) continue;         /* a piece without a lattice adds nothing */
        int32_t off = -1;
        for (int32_t s = 0; s < p->n_states; s++) {
            int32_t id = wren_lat_builder_add_state(b);
            if (s == 0) off = id;
        }
        for (int32_t s = 0; s < p->n_states; s++)
            for (int64_t a = p->off[s]; a < p->off[s + 1]; a++) {
                const struct wren_lat_arc *x = &p->arcs[a];
                wren_lat_builder_add_arc(b, off + s, off + x->dst, x->word, x->g, x->a, p->tids + x->str, x->len);
            }
        if (prev) {     /* the previous part's final weights lead here */
            for (int32_t s = 0; s < prev->n_states; s++)
                if (isfinite(prev->final_g[s]))
                    wren_lat_builder_add_arc(b, prev_off + s, off + p->start, 0, prev->final_g[s], prev->final_a[s],
                                             prev->tids + prev->final_str[s], prev->final_len[s]);
        } else {
            start = off + p->start;
        }
        prev = p;
        prev_off = off;
    }
    if (prev)
        for (int32_t s = 0; s < prev->n_states; s++)
            if (isfinite(prev->final_g[s]))
                wren_lat_builder_set_final(b, prev_off + s, prev->final_g[s], prev->final_a[s],
                                           prev->tids + prev->final_str[s], prev->final_len[s]);
    wren_lat_builder_finish(b, start, out);
    wren_lat_builder_free(b);
}
