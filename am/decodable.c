/* decodable.c — decodables (see decodable.h): a matrix of log-likelihoods, fixed or growing,
 * and feature vectors scored by the acoustic model. Not for: search or feature code. */
#include "am/decodable.h"

#include "am/am.h"
#include "utils/error.h"

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

struct am_dec {
    struct wren_decodable d;     /* first member */
    struct wren_am *am;
    int dim;
    const float *feats;
    int n_frames, done;
};

static int a_ready(struct wren_decodable *d) { return ((struct am_dec *)d)->n_frames; }
static int a_done(struct wren_decodable *d) { return ((struct am_dec *)d)->done; }

static int a_score(struct wren_decodable *d, int frame, const uint8_t *active, float *scores)
{
    struct am_dec *a = (struct am_dec *)d;
    if (frame < 0 || frame >= a->n_frames) return wren_error("decodable: frame %d not ready", frame);
    return wren_am_score_frame(a->am, a->feats + (size_t)frame * (size_t)a->dim, active, scores);
}

static void a_free(struct wren_decodable *d) { free(d); }

struct wren_decodable *wren_decodable_am(struct wren_am *am, int dim)
{
    struct am_dec *a = wren_xcalloc(1, sizeof *a);
    a->d.n_senones = wren_am_n_senones(am);
    a->d.frames_ready = a_ready;
    a->d.is_done = a_done;
    a->d.score_frame = a_score;
    a->d.free = a_free;
    a->am = am;
    a->dim = dim;
    return &a->d;
}

void wren_decodable_am_set(struct wren_decodable *d, const float *feats, int n_frames, int done)
{
    struct am_dec *a = (struct am_dec *)d;
    a->feats = feats;
    a->n_frames = n_frames;
    a->done = done;
}
