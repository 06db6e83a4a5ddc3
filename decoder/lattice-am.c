/* lattice-am.c — acoustic rescoring of a lattice with new features (see lattice-am.h). */
#include "decoder/lattice-am.h"

#include "am/am.h"
#include "lat/lattice.h"
#include "utils/error.h"

#include <math.h>
#include <stdlib.h>

/* (frame, senone) pairs a lattice needs scored, and their scores */
struct fs_pair { int32_t t, sen; float score; };

static int by_t_sen(const void *x, const void *y)
{
    const struct fs_pair *a = x, *b = y;
    if (a->t != b->t) return a->t < b->t ? -1 : 1;
    return (a->sen > b->sen) - (a->sen < b->sen);
}

static float pair_score(const struct fs_pair *p, const int64_t *first, int32_t t, int32_t sen)
{
    int64_t lo = first[t], hi = first[t + 1] - 1;
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (p[mid].sen < sen) lo = mid + 1;
        else hi = mid;
    }
    return p[lo].score;
}

int wren_lattice_am_rescore(struct wren_lattice *l, struct wren_am *am, const int32_t *tid_senone,
                            int32_t n_tids, const float *feats, int nf)
{
    if (l->start < 0) return 0;
    int ns = wren_am_n_senones(am);
    size_t dim = (size_t)wren_am_feat_dim(am);
    int32_t *time = wren_lattice_state_times(l);
    size_t n = 0, cap = 4096;
    struct fs_pair *p = wren_xmalloc(cap * sizeof *p);
    int rc = 0;
    for (int32_t s = 0; s < l->n_states && !rc; s++) {
        if (time[s] < 0) continue;
        for (int64_t i = l->off[s]; i <= l->off[s + 1] && !rc; i++) {
            int last = i == l->off[s + 1];
            if (last && l->final_g[s] == INFINITY) continue;
            int64_t str = last ? l->final_str[s] : l->arcs[i].str;
            int32_t len = last ? l->final_len[s] : l->arcs[i].len;
            for (int32_t k = 0; k < len; k++) {
                int32_t t = time[s] + k, tid = l->tids[str + k];
                if (t >= nf || tid < 1 || tid > n_tids) { rc = -1; break; }
                if (n == cap) { cap *= 2; p = wren_xrealloc(p, cap * sizeof *p); }
                p[n++] = (struct fs_pair){ t, tid_senone[tid], 0 };
            }
        }
    }
    int64_t *first = NULL;
    unsigned char *active = NULL;
    float *sc = NULL;
    if (!rc) {
        qsort(p, n, sizeof *p, by_t_sen);
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (!m || p[m - 1].t != p[i].t || p[m - 1].sen != p[i].sen) p[m++] = p[i];
        n = m;
        first = wren_xcalloc((size_t)nf + 2, sizeof *first);
        for (size_t i = 0; i < n; i++) first[p[i].t + 1]++;
        for (int t = 0; t <= nf; t++) first[t + 1] += first[t];
        active = wren_xcalloc((size_t)ns, 1);
        sc = wren_xmalloc((size_t)ns * sizeof *sc);
        for (int t = 0; t < nf && !rc; t++) {
            if (first[t] == first[t + 1]) continue;
            for (int64_t i = first[t]; i < first[t + 1]; i++) active[p[i].sen] = 1;
            rc = wren_am_score_frame(am, feats + (size_t)t * dim, active, sc);
            for (int64_t i = first[t]; i < first[t + 1]; i++) { p[i].score = sc[p[i].sen]; active[p[i].sen] = 0; }
        }
    }
    if (!rc) {
        for (int32_t s = 0; s < l->n_states; s++) {
            if (time[s] < 0) continue;
            for (int64_t i = l->off[s]; i <= l->off[s + 1]; i++) {
                int last = i == l->off[s + 1];
                if (last && l->final_g[s] == INFINITY) continue;
                int64_t str = last ? l->final_str[s] : l->arcs[i].str;
                int32_t len = last ? l->final_len[s] : l->arcs[i].len;
                double a = 0;
                for (int32_t k = 0; k < len; k++)
                    a -= pair_score(p, first, time[s] + k, tid_senone[l->tids[str + k]]);
                if (last) l->final_a[s] = (float)a;
                else l->arcs[i].a = (float)a;
            }
        }
    }
    free(p);
    free(first);
    free(active);
    free(sc);
    free(time);
    if (rc) return wren_error("lattice rescoring: an arc's alignment does not fit the %d frames", nf);
    return 0;
}

