/* lattice-concat.c — one lattice from several in sequence: the lattice of a long recording
 * decoded as pieces cut at its pauses (wren decode). Every path of the result is a path of the
 * first part, then one of the second, and so on, its costs the sums; each final weight (and its
 * transition-id string) of a part becomes an epsilon arc to the start of the next. The audio
 * between the pieces was not decoded: given the frame where each part starts in the audio, the
 * joining arc also spans the frames between the parts, of a filler transition id at no cost,
 * so that the result's frames count from the start of the audio.
 * Not for: the pieces themselves (audio-segment.c), joining transcripts (transcript.c). */
#include "lat/lattice.h"

#include <stdlib.h>
#include <string.h>

#include "utils/error.h"

void wren_lattice_concat(const struct wren_lattice *parts, int k, const int64_t *starts, int32_t gap_tid,
                         struct wren_lattice *out)
{
    int64_t end = 0;            /* the frame where the parts kept so far end */
    int32_t *pad = NULL;        /* a final string followed by the gap's frames */
    size_t cap = 0;
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
        if (prev) {     /* the previous part's final weights lead here, over the gap before this part */
            int64_t g = starts ? starts[i] - end : 0;
            int32_t gap = g > 0 && g < INT32_MAX / 2 ? (int32_t)g : 0;
            for (int32_t s = 0; s < prev->n_states; s++) {
                if (!isfinite(prev->final_g[s])) continue;
                int32_t len = prev->final_len[s];
                const int32_t *str = prev->tids + prev->final_str[s];
                if (gap) {
                    if ((size_t)(len + gap) > cap) {
                        cap = (size_t)(len + gap);
                        pad = wren_xrealloc(pad, cap * sizeof *pad);
                    }
                    if (len) memcpy(pad, str, (size_t)len * sizeof *pad);
                    for (int32_t f = 0; f < gap; f++) pad[len + f] = gap_tid;
                    str = pad;
                    len += gap;
                }
                wren_lat_builder_add_arc(b, prev_off + s, off + p->start, 0, prev->final_g[s], prev->final_a[s], str, len);
            }
        } else {
            start = off + p->start;
        }
        prev = p;
        prev_off = off;
        if (starts) end = starts[i] + wren_lattice_frames(p);
    }
    if (prev)
        for (int32_t s = 0; s < prev->n_states; s++)
            if (isfinite(prev->final_g[s]))
                wren_lat_builder_set_final(b, prev_off + s, prev->final_g[s], prev->final_a[s],
                                           prev->tids + prev->final_str[s], prev->final_len[s]);
    wren_lat_builder_finish(b, start, out);
    wren_lat_builder_free(b);
    free(pad);
}
