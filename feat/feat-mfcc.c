/* feat-mfcc.c — MFCC cepstra as sphinxbase's fe computes them (see feat.h): framing with a
 * last zero-padded frame, pre-emphasis carried across frames, optional per-frame DC removal,
 * Hamming window, power spectrum, mel filterbank (sphinx's filter placement with float32
 * arithmetic, rounding to DFT points, unit area), natural log, the legacy / DCT-II / HTK
 * transform and sinusoidal liftering. Not for: CMN or deltas (feat.c), fbank (feat-fbank.c). */
#include "feat/feat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "utils/error.h"
#include "feat/feat-noise.h"

/* sphinxbase (since 2013) adds this to every mel energy before the log. */
#define WREN_FE_LOG_FLOOR 1e-4

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

struct wren_fe {
    struct wren_feat_params p;
    int frame_shift, frame_size, nfft, nfilt, ncep;
    double *window;          /* first half of the symmetric Hamming window */
    double *cosv, *sinv;     /* FFT twiddles, nfft/2 */
    int *bitrev;             /* nfft */
    int *spec_start, *filt_start, *filt_width;
    float *filt_coeffs;
    float *mel_cosine;       /* ncep x nfilt */
    float sqrt_inv_n, sqrt_inv_2n;
    float *lifter;           /* ncep, NULL if no liftering */
    struct wren_fe_noise *noise;
    /* work buffers */
    double *frame, *re, *im, *spec, *mfspec;
};

/* Mel scale as sphinxbase (no frequency warping): results rounded to float. */
static float mel_of(float hz) { return (float)(2595.0 * log10(1.0 + hz / 700.0)); }
static float hz_of(float mel) { return (float)(700.0 * (pow(10.0, mel / 2595.0) - 1.0)); }

/* VTLN (Wren's -vtln_warp a): the filter the model knows at f Hz is laid at a * f in the
 * middle of the band, joined linearly to the band edges -lowerf and -upperf, which stay put
 * (Kaldi's piecewise-linear warp, seen from the filters instead of the DFT bins). The knees
 * sit where the map stays increasing and inside the band for a in 0.5..2. */
static float vtln_unwarp(const struct wren_feat_params *p, float f)
{
    double a = p->vtln_warp, lo = p->lowerf, hi = p->upperf;
    if (a == 1.0 || f <= lo || f >= hi) return f;
    double k1 = lo + 0.1 * (hi - lo) / (a < 1 ? a : 1);   /* a*k1 > lo, k1 < hi */
    double k2 = 0.8 * hi / (a > 1 ? a : 1);              /* a*k2 < hi */
    if (k1 >= k2) return f;
    if (f < k1) return (float)(lo + (f - lo) * (a * k1 - lo) / (k1 - lo));
    if (f > k2) return (float)(a * k2 + (f - k2) * (hi - a * k2) / (hi - k2));
    return (float)(a * f);
}

/* Left, centre and right edge of filter i in Hz (float arithmetic as sphinx). */
static void filter_edges(const struct wren_fe *fe, int i, float melmin, float melbw,
                         float fftfreq, float freqs[3])
{
    for (int j = 0; j < 3; j++) {
        int k = fe->p.doublebw ? i + j * 2 : i + j;
        freqs[j] = vtln_unwarp(&fe->p, hz_of((float)k * melbw + melmin));
        if (fe->p.round_filters)
            freqs[j] = (float)((int)(freqs[j] / fftfreq + 0.5)) * fftfreq;
    }
}

static int build_filters(struct wren_fe *fe)
{
    const struct wren_feat_params *p = &fe->p;
    float melmin = mel_of(p->lowerf), melmax = mel_of(p->upperf);
    float melbw = (melmax - melmin) / (float)(p->nfilt + 1);
    if (p->doublebw) {
        melmin -= melbw;
        melmax += melbw;
        if (hz_of(melmin) < 0 || hz_of(melmax) > p->samprate / 2)
            return wren_error("-doublebw: filters reach outside 0..%g Hz", p->samprate / 2);
    }
    float fftfreq = p->samprate / (float)fe->nfft;
    int nf = fe->nfilt, half = fe->nfft / 2;
    fe->spec_start = wren_xmalloc((size_t)nf * sizeof(int));
    fe->filt_start = wren_xmalloc((size_t)nf * sizeof(int));
    fe->filt_width = wren_xmalloc((size_t)nf * sizeof(int));
    int ncoef = 0;
    for (int i = 0; i < nf; i++) {
        float f[3];
        filter_edges(fe, i, melmin, melbw, fftfreq, f);
        fe->spec_start[i] = -1;
        fe->filt_width[i] = 0;
        for (int j = 0; j <= half; j++) {
            float hz = (float)j * fftfreq;
            if (hz < f[0]) continue;
            if (hz > f[2] || j == half) {
                fe->filt_width[i] = fe->spec_start[i] < 0 ? 0 : j - fe->spec_start[i];
                break;
            }
            if (fe->spec_start[i] == -1) fe->spec_start[i] = j;
        }
        if (fe->spec_start[i] < 0) fe->spec_start[i] = 0;
        fe->filt_start[i] = ncoef;
        ncoef += fe->filt_width[i];
        if (fe->filt_width[i] == 0)
            return wren_error("mel filter %d (%g..%g Hz) covers no DFT point; use fewer "
                              "filters or a larger -nfft", i, f[0], f[2]);
    }
    fe->filt_coeffs = wren_xmalloc((size_t)ncoef * sizeof(float));
    for (int i = 0, c = 0; i < nf; i++) {
        float f[3];
        filter_edges(fe, i, melmin, melbw, fftfreq, f);
        for (int j = 0; j < fe->filt_width[i]; j++) {
            float hz = (float)(fe->spec_start[i] + j) * fftfreq;
            float lo = (hz - f[0]) / (f[1] - f[0]);
            float hi = (f[2] - hz) / (f[2] - f[1]);
            if (p->unit_area) {
                lo *= 2 / (f[2] - f[0]);
                hi *= 2 / (f[2] - f[0]);
            }
            fe->filt_coeffs[c++] = lo < hi ? lo : hi;
        }
    }
    return 0;
}

static void build_dct(struct wren_fe *fe)
{
    int nf = fe->nfilt;
    double step = M_PI / nf;
    fe->mel_cosine = wren_xmalloc((size_t)fe->ncep * (size_t)nf * sizeof(float));
    for (int i = 0; i < fe->ncep; i++)
        for (int j = 0; j < nf; j++)
            fe->mel_cosine[i * nf + j] = (float)cos(step * i * (j + 0.5));
    fe->sqrt_inv_n = (float)sqrt(1.0 / nf);
    fe->sqrt_inv_2n = (float)sqrt(2.0 / nf);
    fe->lifter = NULL;
    if (fe->p.lifter) {
        int L = fe->p.lifter;
        fe->lifter = wren_xmalloc((size_t)fe->ncep * sizeof(float));
        for (int i = 0; i < fe->ncep; i++)   /* L / 2 is an integer division, as sphinx */
            fe->lifter[i] = (float)(1 + L / 2 * sin(i * M_PI / L));
    }
}

static void build_fft(struct wren_fe *fe)
{
    int n = fe->nfft;
    fe->cosv = wren_xmalloc((size_t)n / 2 * sizeof(double));
    fe->sinv = wren_xmalloc((size_t)n / 2 * sizeof(double));
    for (int i = 0; i < n / 2; i++) {
        double a = 2 * M_PI * i / n;
        fe->cosv[i] = cos(a);
        fe->sinv[i] = sin(a);
    }
    int m = n / 2;   /* the real FFT of n points runs as a complex FFT of n/2 points */
    fe->bitrev = wren_xmalloc((size_t)m * sizeof(int));
    int bits = 0;
    while ((1 << bits) < m) bits++;
    for (int i = 0; i < m; i++) {
        int r = 0;
        for (int b = 0; b < bits; b++)
            if (i & (1 << b)) r |= 1 << (bits - 1 - b);
        fe->bitrev[i] = r;
    }
}

int wren_fe_create(const struct wren_feat_params *p, struct wren_fe **out)
{
    struct wren_fe *fe = wren_xcalloc(1, sizeof *fe);
    fe->p = *p;
    fe->frame_shift = wren_feat_params_frame_shift(p);
    fe->frame_size = wren_feat_params_frame_size(p);
    fe->nfft = p->nfft;
    fe->nfilt = p->nfilt;
    fe->ncep = p->ncep;
    *out = NULL;
    if (fe->frame_shift < 1 || fe->frame_size < 2 || fe->frame_size > fe->nfft ||
        (fe->nfft & (fe->nfft - 1)) || fe->ncep < 1 || fe->ncep > fe->nfilt ||
        !(p->lowerf >= 0 && p->lowerf < p->upperf && p->upperf <= p->samprate / 2)) {
        wren_fe_free(fe);
        return wren_error("front end: inconsistent parameters (window %d, shift %d, nfft %d, "
                          "ncep %d, nfilt %d, lowerf %g, upperf %g, samprate %g)",
                          wren_feat_params_frame_size(p), wren_feat_params_frame_shift(p),
                          p->nfft, p->ncep, p->nfilt, p->lowerf, p->upperf, p->samprate);
    }
    if (p->warp_params[0]) {
        wren_fe_free(fe);
        return wren_error("front end: -warp_params (VTLN warping) is not supported");
    }
    fe->window = wren_xmalloc((size_t)(fe->frame_size / 2 + 1) * sizeof(double));
    for (int i = 0; i < fe->frame_size / 2; i++)
        fe->window[i] = 0.54 - 0.46 * cos(2 * M_PI * i / ((double)fe->frame_size - 1.0));
    build_fft(fe);
    build_dct(fe);
    if (build_filters(fe) < 0) {
        wren_fe_free(fe);
        return -1;
    }
    fe->frame = wren_xmalloc((size_t)fe->nfft * sizeof(double));
    fe->re = wren_xmalloc((size_t)fe->nfft * sizeof(double));
    fe->im = wren_xmalloc((size_t)fe->nfft * sizeof(double));
    fe->spec = wren_xmalloc((size_t)(fe->nfft / 2 + 1) * sizeof(double));
    fe->mfspec = wren_xmalloc((size_t)fe->nfilt * sizeof(double));
    fe->noise = wren_fe_noise_create(fe->nfilt, p->remove_noise, p->remove_silence,
                                     p->vad_threshold);
    *out = fe;
    return 0;
}

void wren_fe_free(struct wren_fe *fe)
{
    if (!fe) return;
    free(fe->window);
    free(fe->cosv);
    free(fe->sinv);
    free(fe->bitrev);
    free(fe->spec_start);
    free(fe->filt_start);
    free(fe->filt_width);
    free(fe->filt_coeffs);
    free(fe->mel_cosine);
    free(fe->lifter);
    free(fe->frame);
    free(fe->re);
    free(fe->im);
    free(fe->spec);
    free(fe->mfspec);
    wren_fe_noise_free(fe->noise);
    free(fe);
}

/* Complex radix-2 FFT (decimation in time) of the M = nfft/2 points re/im, in place; the
 * twiddle tables are over nfft points. */
static void fft_half(const struct wren_fe *fe, double *re, double *im)
{
    int n = fe->nfft, m = n / 2;
    for (int i = 0; i < m; i++) {
        int j = fe->bitrev[i];
        if (i < j) {
            double t = re[i]; re[i] = re[j]; re[j] = t;
            t = im[i]; im[i] = im[j]; im[j] = t;
        }
    }
    for (int len = 2; len <= m; len <<= 1) {
        int half = len / 2, step = n / len;
        for (int s = 0; s < m; s += len) {
            for (int k = 0; k < half; k++) {
                double wr = fe->cosv[k * step], wi = -fe->sinv[k * step];
                int a = s + k, b = a + half;
                double xr = re[b] * wr - im[b] * wi;
                double xi = re[b] * wi + im[b] * wr;
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
        }
    }
}

/* Power spectrum |X[k]|^2, k = 0..nfft/2, of the real frame: even and odd samples packed as
 * one complex sequence of nfft/2 points, transformed, then separated. */
static void power_spectrum(struct wren_fe *fe)
{
    int n = fe->nfft, m = n / 2;
    double *re = fe->re, *im = fe->im;
    for (int i = 0; i < m; i++) {
        re[i] = fe->frame[2 * i];
        im[i] = fe->frame[2 * i + 1];
    }
    fft_half(fe, re, im);
    double r0 = re[0] + im[0], rm = re[0] - im[0];
    fe->spec[0] = r0 * r0;
    fe->spec[m] = rm * rm;
    for (int k = 1; k < m; k++) {
        double ar = re[k], ai = im[k], br = re[m - k], bi = -im[m - k];   /* b = conj Z[m-k] */
        double er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);            /* even part */
        double or_ = 0.5 * (ai - bi), oi = -0.5 * (ar - br);          /* odd part */
        double wr = fe->cosv[k], wi = -fe->sinv[k];
        double xr = er + wr * or_ - wi * oi, xi = ei + wr * oi + wi * or_;
        fe->spec[k] = xr * xr + xi * xi;
    }
}

/* Fill fe->frame from LEN samples at X (LEN <= frame_size) with the previous sample PRIOR:
 * pre-emphasis, zero padding, DC removal, Hamming window. */
static void prepare_frame(struct wren_fe *fe, const float *x, int len, double prior)
{
    double *fr = fe->frame;
    double a = fe->p.alpha;
    if (a != 0.0) {
        fr[0] = (double)x[0] - prior * (double)(float)a;
        for (int i = 1; i < len; i++)
            fr[i] = (double)x[i] - (double)x[i - 1] * (double)(float)a;
    } else {
        for (int i = 0; i < len; i++) fr[i] = x[i];
    }
    memset(fr + len, 0, (size_t)(fe->nfft - len) * sizeof(double));
    int fs = fe->frame_size;
    if (fe->p.remove_dc) {
        double mean = 0;
        for (int i = 0; i < fs; i++) mean += fr[i];
        mean /= fs;
        for (int i = 0; i < fs; i++) fr[i] -= mean;
    }
    for (int i = 0; i < fs / 2; i++) {
        fr[i] *= fe->window[i];
        fr[fs - 1 - i] *= fe->window[i];
    }
}

/* Power spectrum and linear mel energies of fe->frame into fe->mfspec. */
static void mel_energies(struct wren_fe *fe)
{
    power_spectrum(fe);
    for (int f = 0; f < fe->nfilt; f++) {
        const double *sp = fe->spec + fe->spec_start[f];
        const float *c = fe->filt_coeffs + fe->filt_start[f];
        double e = 0;
        for (int j = 0; j < fe->filt_width[f]; j++) e += sp[j] * c[j];
        fe->mfspec[f] = e;
    }
}

/* Cepstra from fe->mfspec into out[ncep], accumulating in float as sphinx does. */
static void mel_cep(const struct wren_fe *fe, float *out)
{
    const double *m = fe->mfspec;
    int nf = fe->nfilt;
    if (fe->p.transform == WREN_TRANSFORM_LEGACY) {
        float c0 = (float)(m[0] / 2);
        for (int j = 1; j < nf; j++) c0 = (float)(c0 + m[j]);
        out[0] = (float)(c0 / (double)nf);
        for (int i = 1; i < fe->ncep; i++) {
            const float *cs = fe->mel_cosine + i * nf;
            float c = 0;
            for (int j = 0; j < nf; j++)
                c = (float)(c + m[j] * cs[j] * (j == 0 ? 1 : 2));
            out[i] = (float)(c / ((double)nf * 2));
        }
    } else {
        float c0 = (float)m[0];
        for (int j = 1; j < nf; j++) c0 = (float)(c0 + m[j]);
        out[0] = c0 * (fe->p.transform == WREN_TRANSFORM_HTK ? fe->sqrt_inv_2n
                                                              : fe->sqrt_inv_n);
        for (int i = 1; i < fe->ncep; i++) {
            const float *cs = fe->mel_cosine + i * nf;
            float c = 0;
            for (int j = 0; j < nf; j++) c = (float)(c + m[j] * cs[j]);
            out[i] = c * fe->sqrt_inv_2n;
        }
    }
    if (fe->lifter)
        for (int i = 0; i < fe->ncep; i++) out[i] *= fe->lifter[i];
}

/* sphinx_fe reads audio in blocks of this many samples (its -blocksize default) and asks
 * for at most (block - frame_size) / frame_shift frames per call; its VAD holds frames back
 * (even with -remove_silence no, the first vad_startspeech frames wait in a buffer), which
 * limits how many frames a call makes. Together they decide whether a last partial frame is
 * made and what it holds, and which frames the VAD keeps, so Wren replays that bookkeeping:
 * frames are computed in sphinx's order and the replay decides which ones are output. */
#define SPHINX_FE_BLOCKSIZE 2048

struct replay {
    struct wren_fe *fe;
    const float *x;
    int logspec, dim;
    int dry;                       /* only count frames (no signal processing, all speech) */
    long pos, ovf_start;           /* input pointer; first overflow sample */
    long novf;                     /* overflow samples held */
    long nsamp;                    /* samples left in the current block */
    long prior;                    /* pre-emphasis prior sample (-1: zero) */
    int budget;                    /* frames the current call may still return */
    int in_speech, pre_frames, post_frames;
    size_t *ring;                  /* VAD pre-speech buffer of frame numbers */
    int ring_cap, ring_n, ring_r, ring_w;
    float *rows;                   /* every computed frame, in order */
    size_t nrows, cap;
    size_t *out;                   /* frame numbers sphinx_fe outputs, in order */
    size_t nout, outcap;
};

static void push_out(struct replay *r, size_t id)
{
    if (r->nout == r->outcap) {
        r->outcap = r->outcap ? 2 * r->outcap : 256;
        r->out = wren_xrealloc(r->out, r->outcap * sizeof *r->out);
    }
    r->out[r->nout++] = id;
}

static void ring_write(struct replay *r, size_t id)
{
    r->ring[r->ring_w] = id;
    r->ring_w = (r->ring_w + 1) % r->ring_cap;
    if (r->ring_n < r->ring_cap) r->ring_n++;
    else r->ring_r = (r->ring_r + 1) % r->ring_cap;
}

/* Move buffered frames to the output while the call's budget lasts. */
static void ring_flush(struct replay *r)
{
    while (r->budget > 0 && r->ring_n > 0) {
        push_out(r, r->ring[r->ring_r]);
        r->ring_r = (r->ring_r + 1) % r->ring_cap;
        r->ring_n--;
        r->budget--;
    }
}

/* Compute the frame of LEN samples at START; returns its frame number and sets *speech. */
static size_t compute_frame(struct replay *r, long start, int len, int *speech)
{
    struct wren_fe *fe = r->fe;
    int sh = fe->frame_shift;
    if (r->dry) {
        r->prior = len >= sh ? start + sh - 1 : start + len - 1;
        *speech = 1;
        return r->nrows++;
    }
    if (r->nrows == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->rows = wren_xrealloc(r->rows, r->cap * (size_t)r->dim * sizeof(float));
    }
    double prior = r->prior >= 0 ? r->x[r->prior] : 0.0;
    prepare_frame(fe, r->x + start, len, prior);
    r->prior = len >= sh ? start + sh - 1 : start + len - 1;
    mel_energies(fe);
    *speech = wren_fe_noise_track(fe->noise, fe->mfspec);
    for (int f = 0; f < fe->nfilt; f++) fe->mfspec[f] = log(fe->mfspec[f] + WREN_FE_LOG_FLOOR);
    float *row = r->rows + r->nrows * (size_t)r->dim;
    if (r->logspec)
        for (int j = 0; j < r->dim; j++) row[j] = (float)fe->mfspec[j];
    else
        mel_cep(fe, row);
    return r->nrows++;
}

/* sphinx's VAD hangover: buffer frames outside speech, switch state on runs of frames. */
static void vad_hangover(struct replay *r, size_t id, int speech)
{
    const struct wren_feat_params *p = &r->fe->p;
    if (!r->in_speech) ring_write(r, id);
    if (speech) {
        r->post_frames = 0;
        if (!r->in_speech && ++r->pre_frames >= p->vad_startspeech) {
            r->pre_frames = 0;
            r->in_speech = 1;
        }
    } else {
        r->pre_frames = 0;
        if (r->in_speech && ++r->post_frames >= p->vad_postspeech) {
            r->post_frames = 0;
            r->in_speech = 0;
            r->ring_n = r->ring_r = r->ring_w = 0;
        }
    }
}

/* One frame inside a call: compute, VAD, output bookkeeping. */
static void call_frame(struct replay *r, long start, int len)
{
    int speech;
    size_t id = compute_frame(r, start, len, &speech);
    vad_hangover(r, id, speech);
    if (r->in_speech) {
        if (r->ring_n > 0) {
            ring_flush(r);
        } else {
            push_out(r, id);
            r->budget--;
        }
    }
    if (r->novf > 0) r->novf -= r->fe->frame_shift;
}

/* One fe_process_frames call on the rest of the current block. */
static void replay_call(struct replay *r)
{
    int fs = r->fe->frame_size, sh = r->fe->frame_shift;
    if (r->nsamp + r->novf < fs) {
        if (r->novf == 0) r->ovf_start = r->pos;
        r->novf += r->nsamp;
        r->pos += r->nsamp;
        r->nsamp = 0;
        return;
    }
    if (r->in_speech && r->ring_n > 0) {
        ring_flush(r);
        if (r->budget < 1) return;
    }
    long orig_pos = r->pos, orig_novf = r->novf, orig_ovf_start = r->ovf_start;
    if (r->novf > 0) {
        long offset = fs - r->novf;
        call_frame(r, r->ovf_start, fs);
        r->pos += offset;
        r->nsamp -= offset;
    } else {
        call_frame(r, r->pos, fs);
        r->pos += fs;
        r->nsamp -= fs;
    }
    while (r->budget > 0 && r->nsamp >= sh) {
        call_frame(r, r->pos + sh - fs, fs);
        r->pos += sh;
        r->nsamp -= sh;
    }
    if (r->novf <= 0) {
        long n_ovf = r->nsamp < sh ? r->nsamp : sh;
        long keep = fs - sh;
        if (keep > r->pos - orig_pos) keep = r->pos - orig_pos;
        r->ovf_start = r->pos - keep;
        r->novf = keep + n_ovf;
        if (r->novf > 0) {
            r->pos += n_ovf;
            r->nsamp -= n_ovf;
        }
    } else {
        r->ovf_start = orig_ovf_start + orig_novf - r->novf;
        long n_ovf = r->pos - orig_pos + r->nsamp;
        if (n_ovf > fs - r->novf) n_ovf = fs - r->novf;
        r->novf += n_ovf;
        if (n_ovf > r->pos - orig_pos) {
            long d = n_ovf - (r->pos - orig_pos);
            r->pos += d;
            r->nsamp -= d;
        }
    }
}

/* Replay sphinx_fe over n samples: every frame it computes ends up in r->rows, the ones it
 * outputs are listed in r->out. */
static void replay_utterance(struct replay *r, size_t n)
{
    struct wren_fe *fe = r->fe;
    int block = SPHINX_FE_BLOCKSIZE;
    if (block < fe->frame_size + fe->frame_shift) block = fe->frame_size + fe->frame_shift;
    int per_call = (block - fe->frame_size) / fe->frame_shift;
    r->prior = -1;
    r->ring_cap = fe->p.vad_prespeech + 1;
    r->ring = wren_xmalloc((size_t)r->ring_cap * sizeof(size_t));
    if (!r->dry) wren_fe_noise_reset(fe->noise);
    for (size_t b = 0; b < n; b += (size_t)block) {
        r->nsamp = (long)(n - b < (size_t)block ? n - b : (size_t)block);
        while (r->nsamp > 0) {
            r->budget = per_call;
            long before = r->nsamp;
            size_t rows_before = r->nrows, out_before = r->nout;
            replay_call(r);
            if (r->nsamp == before && r->nrows == rows_before && r->nout == out_before)
                break;   /* cannot happen in sphinx's logic; guards against looping */
        }
    }
    if (r->novf > 0) {   /* fe_end_utt: the rest, zero-padded */
        int speech;
        size_t id = compute_frame(r, r->ovf_start, (int)r->novf, &speech);
        vad_hangover(r, id, speech);
        if (r->in_speech) push_out(r, id);
    }
    free(r->ring);
    r->ring = NULL;
}

/* Frames of one utterance as cepstra or log spectra. With -remove_silence, the frames
 * sphinx_fe outputs; without, every frame computed (sphinx_fe would also hold back the
 * frames of inputs shorter than vad_startspeech frames; Wren returns them). */
static int run_frames(struct wren_fe *fe, const float *x, size_t n, int logspec, float **out,
                      int *nframes, int **kept)
{
    *out = NULL;
    *nframes = 0;
    if (kept) *kept = NULL;
    if (n > (size_t)1 << 40) return wren_error("front end: input too long (%zu samples)", n);
    struct replay r;
    memset(&r, 0, sizeof r);
    r.fe = fe;
    r.x = x;
    r.logspec = logspec;
    r.dim = logspec ? fe->nfilt : fe->ncep;
    replay_utterance(&r, n);
    size_t total = r.nrows;     /* frames computed, before the VAD's choice */
    if (fe->p.remove_silence) {
        float *o = wren_xmalloc((r.nout * (size_t)r.dim + 1) * sizeof(float));
        for (size_t t = 0; t < r.nout; t++)
            memcpy(o + t * (size_t)r.dim, r.rows + r.out[t] * (size_t)r.dim,
                   (size_t)r.dim * sizeof(float));
        free(r.rows);
        r.rows = o;
        r.nrows = r.nout;
    } else if (!r.rows) {
        r.rows = wren_xmalloc(sizeof(float));
    }
    if (total > (size_t)0x7fffffff) {
        free(r.out);
        free(r.rows);
        return wren_error("front end: input too long (%zu samples)", n);
    }
    if (kept && fe->p.remove_silence) {
        int *k = wren_xmalloc((r.nout + 1) * sizeof *k);
        for (size_t t = 0; t < r.nout; t++) k[t] = (int)r.out[t];
        k[r.nout] = (int)total;
        *kept = k;
    }
    free(r.out);
    *out = r.rows;
    *nframes = (int)r.nrows;
    return 0;
}

int wren_fe_num_frames(struct wren_fe *fe, size_t n)
{
    struct replay r;
    memset(&r, 0, sizeof r);
    r.fe = fe;
    r.dry = 1;
    r.dim = fe->ncep;
    replay_utterance(&r, n);
    free(r.out);
    return r.nrows > (size_t)0x7fffffff ? -1 : (int)r.nrows;
}

int wren_fe_speech_frames(struct wren_fe *fe, const float *samples, size_t n, int **frames,
                          int *nframes, int *total)
{
    *frames = NULL;
    *nframes = *total = 0;
    if (n > (size_t)1 << 40) return wren_error("front end: input too long (%zu samples)", n);
    struct wren_fe_noise *kept = fe->noise;
    int rs = fe->p.remove_silence;
    if (!rs) {   /* the VAD decides only with remove_silence: a tracker that does */
        fe->noise = wren_fe_noise_create(fe->nfilt, fe->p.remove_noise, 1, fe->p.vad_threshold);
        fe->p.remove_silence = 1;
    }
    struct replay r;
    memset(&r, 0, sizeof r);
    r.fe = fe;
    r.x = samples;
    r.dim = fe->ncep;
    replay_utterance(&r, n);
    if (!rs) {
        wren_fe_noise_free(fe->noise);
        fe->noise = kept;
        fe->p.remove_silence = 0;
    }
    free(r.rows);
    if (r.nrows > (size_t)0x7fffffff) {
        free(r.out);
        return wren_error("front end: input too long (%zu samples)", n);
    }
    int *f = wren_xmalloc((r.nout + 1) * sizeof *f);
    for (size_t t = 0; t < r.nout; t++) f[t] = (int)r.out[t];
    free(r.out);
    *frames = f;
    *nframes = (int)r.nout;
    *total = (int)r.nrows;
    return 0;
}

int wren_fe_cepstra(struct wren_fe *fe, const float *samples, size_t n, float **cep,
                    int *nframes)
{
    return run_frames(fe, samples, n, 0, cep, nframes, NULL);
}

int wren_fe_cepstra_kept(struct wren_fe *fe, const float *samples, size_t n, float **cep,
                         int *nframes, int **kept)
{
    return run_frames(fe, samples, n, 0, cep, nframes, kept);
}

int wren_fe_logspec(struct wren_fe *fe, const float *samples, size_t n, float **spec,
                    int *nframes)
{
    return run_frames(fe, samples, n, 1, spec, nframes, NULL);
}
