/* lattice-pad.c — a lattice's frames put back on the audio: where the front end's VAD dropped
 * non-speech frames before the search, the lattice counts only the frames searched, so its
 * times skip the pauses. Given the audio frame of each searched frame, every tid string gets a
 * filler transition id (no cost) for each dropped frame, where the frame was: before the first
 * searched frame, between two that are not adjacent in the audio, and after the last. Every path
 * crosses each searched frame once, so every path gets the same frames and its times are the
 * audio's.
 * Not for: the map itself (feat-mfcc.c), lattices joined from pieces (lattice-concat.c). */
#include "lat/lattice.h"

#include <stdlib.h>
#include <string.h>

#include "utils/error.h"

/* Each state's frame (the tids from the start to it): -1 where the lattice is not sorted
 * topologically or a state is reached at two different frames (not a lattice of one search). */
static int state_frames(const struct wren_lattice *l, int64_t *t)
{
    for (int32_t s = 0; s < l->n_states; s++) t[s] = -1;
    t[l->start] = 0;
    for (int32_t s = 0; s < l->n_states; s++) {
        if (t[s] < 0) continue;       /* not reached from the start */
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            const struct wren_lat_arc *a = &l->arcs[i];
            int64_t f = t[s] + a->len;
            if (a->dst <= s && a->len > 0) return -1;
            if (t[a->dst] < 0) t[a->dst] = f;
            else if (t[a->dst] != f) return -1;
        }
    }
    return 0;
}

/* str's tids starting at searched frame f, with the dropped frames around them, into *buf. */
static int32_t padded(const int32_t *str, int32_t len, int64_t f, const int *kept, int n, int32_t tid,
                      int32_t **buf, size_t *cap)
{
    size_t need = (size_t)len;
    for (int32_t p = 0; p < len; p++) {
        int64_t t = f + p;
        if (t == 0) need += (size_t)kept[0];
        if (t < n) need += (size_t)(kept[t + 1] - kept[t] - 1);
    }
    if (need + 1 > *cap) {
        *cap = need + 1;
        *buf = wren_xrealloc(*buf, *cap * sizeof **buf);
    }
    int32_t m = 0;
    for (int32_t p = 0; p < len; p++) {
        int64_t t = f + p;
        if (t == 0)
            for (int k = 0; k < kept[0]; k++) (*buf)[m++] = tid;
        (*buf)[m++] = str[p];
        if (t < n)
            for (int k = kept[t] + 1; k < kept[t + 1]; k++) (*buf)[m++] = tid;
    }
    return m;
}

int wren_lattice_pad_frames(const struct wren_lattice *in, const int *kept, int n, int32_t tid,
                            struct wren_lattice *out)
{
    memset(out, 0, sizeof *out);    /* nothing held until the builder fills it */
    out->start = -1;
    if (in->start < 0) {
        wren_lattice_init(out);
        return 0;
    }
    for (int i = 0; i < n; i++)
        if (kept[i] < (i ? kept[i - 1] + 1 : 0) || kept[i + 1] <= kept[i])
            return wren_error("lattice padding: frame map not increasing at frame %d", i);
    int64_t *t = wren_xmalloc(((size_t)in->n_states + 1) * sizeof *t);
    if (state_frames(in, t)) {
        free(t);
        return wren_error("lattice padding: the lattice's states have no single frame each");
    }
    int32_t *buf = NULL;
    size_t cap = 0;
    struct wren_lat_builder *b = wren_lat_builder_create();
    for (int32_t s = 0; s < in->n_states; s++) wren_lat_builder_add_state(b);
    for (int32_t s = 0; s < in->n_states; s++) {
        int64_t f = t[s] < 0 ? n : t[s];     /* a state the start does not reach: left as it is */
        for (int64_t i = in->off[s]; i < in->off[s + 1]; i++) {
            const struct wren_lat_arc *a = &in->arcs[i];
            int32_t len = padded(in->tids + a->str, a->len, f, kept, n, tid, &buf, &cap);
            wren_lat_builder_add_arc(b, s, a->dst, a->word, a->g, a->a, buf, len);
        }
        if (isfinite(in->final_g[s])) {
            int32_t len = padded(in->tids + in->final_str[s], in->final_len[s], f, kept, n, tid, &buf, &cap);
            wren_lat_builder_set_final(b, s, in->final_g[s], in->final_a[s], buf, len);
        }
    }
    wren_lat_builder_finish(b, in->start, out);
    wren_lat_builder_free(b);
    free(buf);
    free(t);
    return 0;
}
