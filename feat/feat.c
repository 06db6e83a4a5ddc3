/* feat.c — from cepstra to the model's feature stream, as sphinxbase's feat/cmn do it: batch
 * and live CMN, the 1s_c / 1s_c_d / 1s_c_d_dd dynamic features with edge replication, and
 * the whole-utterance and multi-utterance entry points (see feat.h).
 * Not for: the signal processing itself (feat-mfcc.c), fbank (feat-fbank.c). */
#include "feat/feat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "utils/error.h"

#define CMN_WIN 500
#define CMN_WIN_HWM 800

void wren_cmn_batch(float *cep, int nframes, int ncep, int varnorm)
{
    if (nframes <= 0) return;
    float mean[WREN_FEAT_MAX_CEP] = { 0 };
    int n = 0;
    for (int pass = 0; pass < 2 && n == 0; pass++) {
        memset(mean, 0, sizeof mean);
        for (int t = 0; t < nframes; t++) {
            const float *c = cep + (size_t)t * (size_t)ncep;
            if (pass == 0 && c[0] < 0) continue;   /* sphinx skips "zero-energy" frames */
            for (int i = 0; i < ncep; i++) mean[i] += c[i];
            n++;
        }
    }
    for (int i = 0; i < ncep; i++) mean[i] /= (float)n;
    for (int t = 0; t < nframes; t++) {
        float *c = cep + (size_t)t * (size_t)ncep;
        for (int i = 0; i < ncep; i++) c[i] -= mean[i];
    }
    if (!varnorm) return;
    float var[WREN_FEAT_MAX_CEP] = { 0 };
    for (int t = 0; t < nframes; t++) {
        const float *c = cep + (size_t)t * (size_t)ncep;
        for (int i = 0; i < ncep; i++) var[i] += c[i] * c[i];
    }
    for (int i = 0; i < ncep; i++)
        var[i] = var[i] > 0 ? (float)sqrt((double)nframes / var[i]) : 1.0f;
    for (int t = 0; t < nframes; t++) {
        float *c = cep + (size_t)t * (size_t)ncep;
        for (int i = 0; i < ncep; i++) c[i] *= var[i];
    }
}

struct wren_cmn_live {
    int ncep;
    float mean[WREN_FEAT_MAX_CEP];
    float sum[WREN_FEAT_MAX_CEP];
    int nframe;
};

struct wren_cmn_live *wren_cmn_live_create(const struct wren_feat_params *p)
{
    struct wren_cmn_live *c = wren_xcalloc(1, sizeof *c);
    c->ncep = p->ceplen;
    for (int i = 0; i < c->ncep && i < p->ncmninit; i++) c->mean[i] = p->cmninit[i];
    for (int i = 0; i < c->ncep; i++) c->sum[i] = c->mean[i] * CMN_WIN;
    c->nframe = CMN_WIN;
    return c;
}

void wren_cmn_live_free(struct wren_cmn_live *c) { free(c); }

const float *wren_cmn_live_mean(const struct wren_cmn_live *c) { return c->mean; }

/* Refresh the mean; with DECAY, scale the sums back to CMN_WIN frames once nframe >= limit. */
static void cmn_live_refresh(struct wren_cmn_live *c, int limit_inclusive)
{
    if (c->nframe <= 0) return;
    float sf = 1.0f / (float)c->nframe;
    for (int i = 0; i < c->ncep; i++) c->mean[i] = c->sum[i] / (float)c->nframe;
    int over = limit_inclusive ? c->nframe >= CMN_WIN_HWM : c->nframe > CMN_WIN_HWM;
    if (over) {
        sf = CMN_WIN * sf;
        for (int i = 0; i < c->ncep; i++) c->sum[i] *= sf;
        c->nframe = CMN_WIN;
    }
}

void wren_cmn_live_apply(struct wren_cmn_live *c, float *cep, int nframes)
{
    for (int t = 0; t < nframes; t++) {
        float *x = cep + (size_t)t * (size_t)c->ncep;
        if (x[0] < 0) continue;   /* "zero-energy" frame: sphinx leaves it alone */
        for (int i = 0; i < c->ncep; i++) {
            c->sum[i] += x[i];
            x[i] -= c->mean[i];
        }
        c->nframe++;
        if (c->nframe > CMN_WIN_HWM) cmn_live_refresh(c, 1);
    }
}

void wren_cmn_live_end_utt(struct wren_cmn_live *c) { cmn_live_refresh(c, 0); }

/* Row t of cep, with t clamped to the utterance (sphinx replicates the edge frames). */
static const float *row_at(const float *cep, int nframes, int ncep, int t)
{
    if (t < 0) t = 0;
    if (t >= nframes) t = nframes - 1;
    return cep + (size_t)t * (size_t)ncep;
}

int wren_feat_from_cepstra(const struct wren_feat_params *p, const float *cep, int nframes,
                           float **out, int *dim)
{
    int d = wren_feat_params_dim(p);
    *out = NULL;
    if (d < 0) return -1;
    int nc = p->ceplen, nstream = d / nc;
    float *o = wren_xmalloc(((size_t)nframes * (size_t)d + 1) * sizeof(float));
    for (int t = 0; t < nframes; t++) {
        float *f = o + (size_t)t * (size_t)d;
        memcpy(f, row_at(cep, nframes, nc, t), (size_t)nc * sizeof(float));
        if (nstream >= 2) {
            const float *w = row_at(cep, nframes, nc, t + 2), *_w = row_at(cep, nframes, nc, t - 2);
            for (int i = 0; i < nc; i++) f[nc + i] = w[i] - _w[i];
        }
        if (nstream >= 3) {
            const float *w1 = row_at(cep, nframes, nc, t + 3);
            const float *_w1 = row_at(cep, nframes, nc, t - 1);
            const float *w_1 = row_at(cep, nframes, nc, t + 1);
            const float *_w_1 = row_at(cep, nframes, nc, t - 3);
            for (int i = 0; i < nc; i++) {
                float d1 = w1[i] - _w1[i], d2 = w_1[i] - _w_1[i];
                f[2 * nc + i] = d1 - d2;
            }
        }
    }
    *out = o;
    *dim = d;
    return 0;
}

static int check_stream_params(const struct wren_feat_params *p)
{
    if (p->ceplen != p->ncep)
        return wren_error("-ceplen %d differs from -ncep %d", p->ceplen, p->ncep);
    if (strcmp(p->agc, "none") != 0)
        return wren_error("-agc %s is not supported (only none)", p->agc);
    if (p->lda[0])
        return wren_error("-lda feature transforms are not supported");
    if (p->varnorm && p->cmn == WREN_CMN_LIVE)
        return wren_error("-varnorm needs -cmn batch (sphinx has no live variance "
                          "normalisation)");
    return wren_feat_params_dim(p) < 0 ? -1 : 0;
}

struct wren_feat_stream {
    struct wren_feat_params p;
    struct wren_fe *fe;
    struct wren_cmn_live *live;
    int dim;
};

int wren_feat_stream_create(const struct wren_feat_params *p, struct wren_feat_stream **out)
{
    *out = NULL;
    if (check_stream_params(p) < 0) return -1;
    struct wren_feat_stream *s = wren_xcalloc(1, sizeof *s);
    s->p = *p;
    if (wren_fe_create(p, &s->fe) < 0) {
        free(s);
        return -1;
    }
    if (p->cmn == WREN_CMN_LIVE) s->live = wren_cmn_live_create(p);
    s->dim = wren_feat_params_dim(p);
    *out = s;
    return 0;
}

void wren_feat_stream_free(struct wren_feat_stream *s)
{
    if (!s) return;
    wren_fe_free(s->fe);
    wren_cmn_live_free(s->live);
    free(s);
}

int wren_feat_stream_dim(const struct wren_feat_stream *s) { return s->dim; }

int wren_feat_stream_utt(struct wren_feat_stream *s, const float *samples, size_t n,
                         float **out, int *nframes)
{
    return wren_feat_stream_utt_kept(s, samples, n, out, nframes, NULL);
}

int wren_feat_stream_utt_kept(struct wren_feat_stream *s, const float *samples, size_t n,
                              float **out, int *nframes, int **kept)
{
    float *cep;
    int nf, dim;
    *out = NULL;
    *nframes = 0;
    if (kept) *kept = NULL;
    if (wren_fe_cepstra_kept(s->fe, samples, n, &cep, &nf, kept) < 0) return -1;
    if (s->p.cmn == WREN_CMN_BATCH)
        wren_cmn_batch(cep, nf, s->p.ncep, s->p.varnorm);
    else if (s->p.cmn == WREN_CMN_LIVE) {
        wren_cmn_live_apply(s->live, cep, nf);
        wren_cmn_live_end_utt(s->live);
    }
    int rc = nf > 0 ? wren_feat_from_cepstra(&s->p, cep, nf, out, &dim) : 0;
    if (nf == 0) *out = wren_xmalloc(sizeof(float));
    free(cep);
    if (rc < 0) {
        if (kept) {
            free(*kept);
            *kept = NULL;
        }
        return -1;
    }
    *nframes = nf;
    return 0;
}

int wren_feat_compute(const struct wren_feat_params *p, const float *samples, size_t n,
                      float **out, int *nframes, int *dim)
{
    return wren_feat_compute_kept(p, samples, n, out, nframes, dim, NULL);
}

int wren_feat_compute_kept(const struct wren_feat_params *p, const float *samples, size_t n,
                           float **out, int *nframes, int *dim, int **kept)
{
    struct wren_feat_stream *s;
    *out = NULL;
    if (kept) *kept = NULL;
    if (wren_feat_stream_create(p, &s) < 0) return -1;
    int rc = wren_feat_stream_utt_kept(s, samples, n, out, nframes, kept);
    *dim = s->dim;
    wren_feat_stream_free(s);
    return rc;
}
