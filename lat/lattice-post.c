/* lattice-post.c — frame-level transition-id posteriors of a lattice by forward-backward
 * (Kaldi's lattice-to-post): every arc's (and final weight's) posterior, P(path) ~
 * exp(-(g + acwt * a)), spread over the frames its tid string covers. Used to gather
 * adaptation statistics over all the hypotheses the first pass keeps, not only its best path.
 * Not for: word posteriors and confidences (lattice-mbr.c). */
#include "lat/lattice.h"

#include "utils/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


static int by_frame_tid(const void *x, const void *y)
{
    const struct wren_tid_post *a = x, *b = y;
    if (a->frame != b->frame) return a->frame < b->frame ? -1 : 1;
    return (a->tid > b->tid) - (a->tid < b->tid);
}

int wren_lattice_tid_posteriors(const struct wren_lattice *l, float acwt, float min_post,
                                struct wren_tid_post **out, int64_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (l->start < 0) return 0;
    size_t ns = (size_t)l->n_states;
    double *alpha = wren_xmalloc(ns * sizeof *alpha), *beta = wren_xmalloc(ns * sizeof *beta);
    for (size_t s = 0; s < ns; s++) alpha[s] = beta[s] = -INFINITY;
    alpha[l->start] = 0;
    for (int32_t s = l->start; s < l->n_states; s++) {
        if (alpha[s] == -INFINITY) continue;
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            const struct wren_lat_arc *a = &l->arcs[i];
            if (a->dst <= s) {
                free(alpha); free(beta);
                return wren_error("lattice is not topologically sorted (arc %d -> %d)", s, a->dst);
            }
            alpha[a->dst] = wren_lat_log_add(alpha[a->dst], alpha[s] - (a->g + acwt * (double)a->a));
        }
    }
    for (int32_t s = l->n_states - 1; s >= 0; s--) {
        double b = l->final_g[s] == INFINITY ? -INFINITY : -(l->final_g[s] + acwt * (double)l->final_a[s]);
        for (int64_t i = l->off[s]; i < l->off[s + 1]; i++) {
            const struct wren_lat_arc *a = &l->arcs[i];
            b = wren_lat_log_add(b, beta[a->dst] - (a->g + acwt * (double)a->a));
        }
        beta[s] = b;
    }
    double total = beta[l->start];
    if (!isfinite(total)) {
        free(alpha); free(beta);
        return wren_error("lattice has no complete path of finite cost");
    }
    int32_t *time = wren_lattice_state_times(l);
    size_t cap = 1024, n = 0;
    struct wren_tid_post *p = wren_xmalloc(cap * sizeof *p);
    for (int32_t s = 0; s < l->n_states; s++) {
        if (alpha[s] == -INFINITY || time[s] < 0) continue;
        int64_t last = l->off[s + 1];
        for (int64_t i = l->off[s]; i <= last; i++) {     /* i == last: the final weight */
            double lw;
            int64_t str;
            int32_t len;
            if (i < last) {
                const struct wren_lat_arc *a = &l->arcs[i];
                lw = beta[a->dst] - (a->g + acwt * (double)a->a);
                str = a->str; len = a->len;
            } else {
                if (l->final_g[s] == INFINITY) continue;
                lw = -(l->final_g[s] + acwt * (double)l->final_a[s]);
                str = l->final_str[s]; len = l->final_len[s];
            }
            double post = exp(alpha[s] + lw - total);
            if (!(post >= min_post) || len == 0) continue;
            if (post > 1) post = 1;
            for (int32_t k = 0; k < len; k++) {
                if (n == cap) { cap *= 2; p = wren_xrealloc(p, cap * sizeof *p); }
                p[n++] = (struct wren_tid_post){ time[s] + k, l->tids[str + k], (float)post };
            }
        }
    }
    free(alpha); free(beta); free(time);
    qsort(p, n, sizeof *p, by_frame_tid);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && p[m - 1].frame == p[i].frame && p[m - 1].tid == p[i].tid) p[m - 1].post += p[i].post;
        else p[m++] = p[i];
    }
    *out = p;
    *n_out = (int64_t)m;
    return 0;
}
