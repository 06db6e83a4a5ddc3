/* audio-segment.c — a recording cut into utterances at the pauses the front end's VAD finds
 * (see audio-segment.h). */
#include "feat/audio-segment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "feat/feat.h"
#include "utils/wren-util.h"

void wren_segment_opts_default(struct wren_segment_opts *o)
{
    o->max_seconds = 30.0f;
    o->join_seconds = 0.0f;
}

int wren_segment_opts_check(const struct wren_segment_opts *o)
{
    if (!(o->max_seconds >= 1.0f && o->max_seconds <= 3600.0f))
        return wren_error("--max-seconds must be 1..3600 (got %g)", (double)o->max_seconds);
    if (!(o->join_seconds >= 0.0f && o->join_seconds <= o->max_seconds))
        return wren_error("--join-seconds must be 0..%g, the --max-seconds (got %g)",
                          (double)o->max_seconds, (double)o->join_seconds);
    return 0;
}

struct cutter {
    const float *x;
    size_t n;
    int shift, size;          /* frame shift and window, samples */
    double rate;
    double *energy;           /* per frame computed by the front end: sum of squares over its window */
    double loud;              /* a piece whose loudest frame is quieter than this is no speech */
    struct wren_segment *s;
    int ns, cap;
};

/* Energy of each of the total frames, once. */
static double *frame_energies(const struct cutter *c, int total)
{
    double *e = wren_xmalloc(((size_t)total + 1) * sizeof *e);
    for (int f = 0; f < total; f++) {
        size_t a = (size_t)f * (size_t)c->shift, b = a + (size_t)c->size;
        if (b > c->n) b = c->n;
        e[f] = 0;
        for (size_t i = a; i < b; i++) e[f] += (double)c->x[i] * c->x[i];
    }
    return e;
}

static void push(struct cutter *c, long f0, long f1)   /* frames f0..f1 inclusive */
{
    double top = 0;
    for (long f = f0; f <= f1; f++)
        if (c->energy[f] > top) top = c->energy[f];
    if (top < c->loud) return;
    if (c->ns == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->s = wren_xrealloc(c->s, (size_t)c->cap * sizeof *c->s);
    }
    /* in whole centiseconds, as a segments file writes them, so that a decode from the file
     * and one from these times cut the same samples */
    double end = ((double)f1 * c->shift + c->size) / c->rate, len = (double)c->n / c->rate;
    double a = round((double)f0 * c->shift / c->rate * 100) / 100;
    double b = round((end < len ? end : len) * 100) / 100;
    if (b > len) b = floor(len * 100) / 100;
    if (b <= a) return;
    c->s[c->ns++] = (struct wren_segment){ a, b };
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The VAD calls the first second of any recording speech while its noise estimate settles
 * (sphinx's, from the first frame), so a piece must also be loud: its loudest frame at least
 * 10 dB above the recording's 10th-percentile frame (silence, steady noise: no piece). */
static double loud_enough(const struct cutter *c, int total)
{
    if (total < 1) return 0;
    double *e = wren_xmalloc((size_t)total * sizeof *e);
    memcpy(e, c->energy, (size_t)total * sizeof *e);
    qsort(e, (size_t)total, sizeof *e, cmp_double);
    double quiet = e[total / 10];
    free(e);
    return 10.0 * quiet + 1.0;   /* + 1: digital silence (0) stays below */
}

/* Frames f0..f1 as pieces of at most max frames, each cut at its quietest frame in the
 * second half of the allowed length. */
static void cut_stretch(struct cutter *c, long f0, long f1, long max)
{
    while (f1 - f0 + 1 > max) {
        long best = f0 + max - 1;
        double be = HUGE_VAL;
        for (long f = f0 + max / 2; f < f0 + max; f++)
            if (c->energy[f] < be) { be = c->energy[f]; best = f; }
        push(c, f0, best);
        f0 = best + 1;
    }
    push(c, f0, f1);
}

int wren_audio_segments(const struct wren_feat_params *p, const struct wren_segment_opts *o,
                        const float *samples, size_t n, struct wren_segment **segs, int *nsegs)
{
    *segs = NULL;
    *nsegs = 0;
    if (wren_segment_opts_check(o)) return -1;
    struct wren_fe *fe;
    if (wren_fe_create(p, &fe)) return -1;
    int *fr, nf, total;
    int rc = wren_fe_speech_frames(fe, samples, n, &fr, &nf, &total);
    wren_fe_free(fe);
    if (rc) return -1;
    struct cutter c = { .x = samples, .n = n, .shift = wren_feat_params_frame_shift(p),
                        .size = wren_feat_params_frame_size(p), .rate = p->samprate };
    long max = (long)(o->max_seconds * p->frate), join = (long)(o->join_seconds * p->frate);
    /* the VAD's output can miss a frame or a few inside speech (where sphinx's hangover
     * switches state); a stretch ends only at a pause of at least 0.3 s */
    long min_gap = (long)(0.3 * p->frate);
    /* stretches of consecutive kept frames; a piece gathers them while it stays within join */
    c.energy = frame_energies(&c, total);
    c.loud = loud_enough(&c, total);
    long p0 = -1, p1 = -1;
    for (int i = 0; i < nf;) {
        int j = i;
        while (j + 1 < nf && fr[j + 1] - fr[j] <= min_gap) j++;
        long s0 = fr[i], s1 = fr[j];
        if (p0 >= 0 && s1 - p0 + 1 <= join) {
            p1 = s1;
        } else {
            if (p0 >= 0) cut_stretch(&c, p0, p1, max);
            p0 = s0;
            p1 = s1;
        }
        i = j + 1;
    }
    if (p0 >= 0) cut_stretch(&c, p0, p1, max);
    free(fr);
    free(c.energy);
    *segs = c.s ? c.s : wren_xmalloc(sizeof *c.s);
    *nsegs = c.ns;
    return 0;
}
