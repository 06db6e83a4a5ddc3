/* decodable.c — decodables (see decodable.h): a matrix of log-likelihoods, fixed or growing.
 * The acoustic-model decodable lives in decodable-am.c. Not for: search or feature code. */
#include "decodable.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

struct matrix_dec {
    struct wren_decodable d;     /* first member */
    float *m;
    int n_frames, cap, done;
};

static int m_ready(struct wren_decodable *d) { return ((struct matrix_dec *)d)->n_frames; }
static int m_done(struct wren_decodable *d) { return ((struct matrix_dec *)d)->done; }

static int m_score(struct wren_decodable *d, int frame, const uint8_t *active, float *scores)
{
    struct matrix_dec *m = (struct matrix_dec *)d;
    if (frame < 0 || frame >= m->n_frames) return wren_error("decodable: frame %d not ready", frame);
    const float *row = m->m + (size_t)frame * (size_t)d->n_senones;
    for (int s = 0; s < d->n_senones; s++)
        if (active[s]) scores[s] = row[s];
    return 0;
}

static void m_free(struct wren_decodable *d)
{
    struct matrix_dec *m = (struct matrix_dec *)d;
    free(m->m);
    free(m);
}

struct wren_decodable *wren_decodable_matrix_stream(int n_senones)
{
    struct matrix_dec *m = wren_xcalloc(1, sizeof *m);
    m->d.n_senones = n_senones;
    m->d.frames_ready = m_ready;
    m->d.is_done = m_done;
    m->d.score_frame = m_score;
    m->d.free = m_free;
    return &m->d;
}

void wren_decodable_matrix_push(struct wren_decodable *d, const float *row)
{
    struct matrix_dec *m = (struct matrix_dec *)d;
    if (m->n_frames + 1 > m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->m = wren_xrealloc(m->m, sizeof *m->m * (size_t)m->cap * (size_t)d->n_senones);
    }
    memcpy(m->m + (size_t)m->n_frames * (size_t)d->n_senones, row, sizeof *row * (size_t)d->n_senones);
    m->n_frames++;
}

void wren_decodable_matrix_close(struct wren_decodable *d) { ((struct matrix_dec *)d)->done = 1; }

struct wren_decodable *wren_decodable_matrix(const float *loglik, int n_frames, int n_senones)
{
    struct wren_decodable *d = wren_decodable_matrix_stream(n_senones);
    for (int t = 0; t < n_frames; t++) wren_decodable_matrix_push(d, loglik + (size_t)t * (size_t)n_senones);
    wren_decodable_matrix_close(d);
    return d;
}

void wren_decodable_free(struct wren_decodable *d)
{
    if (d) d->free(d);
}
