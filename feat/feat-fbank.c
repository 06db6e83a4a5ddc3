/* feat-fbank.c — Kaldi-style log-mel filterbank features (as compute-fbank-feats with
 * --dither=0): per-frame DC removal, pre-emphasis inside the frame, "povey" window, FFT to
 * the next power of two, power spectrum, triangular filters on Kaldi's mel scale
 * (1127 ln(1 + f/700)), log with a floor of FLT_EPSILON. Not for: Sphinx MFCC (feat-mfcc.c). */
#include "feat/feat.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "utils/error.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

void wren_fbank_opts_default(struct wren_fbank_opts *o)
{
    memset(o, 0, sizeof *o);
    o->samprate = 16000;
    o->frame_length_ms = 25;
    o->frame_shift_ms = 10;
    o->num_mel_bins = 23;
    o->low_freq = 20;
    o->high_freq = 0;
    o->preemph = 0.97f;
    o->remove_dc_offset = 1;
    o->povey_window = 1;
    o->snip_edges = 1;
}

static double kaldi_mel(double hz) { return 1127.0 * log(1.0 + hz / 700.0); }

/* In-place complex radix-2 FFT (n a power of two). */
static void fft_inplace(double *re, double *im, int n)
{
    for (int i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i]; re[i] = re[j]; re[j] = t;
            t = im[i]; im[i] = im[j]; im[j] = t;
        }
    }
    for (int len = 2; len <= n; len <<= 1) {
        double ang = -2 * M_PI / len;
        for (int k = 0; k < len / 2; k++) {
            double wr = cos(ang * k), wi = sin(ang * k);
            for (int s = 0; s < n; s += len) {
                int a = s + k, b = a + len / 2;
                double xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
        }
    }
}

struct fbank_setup {
    int win, shift, nfft, nbins;
    double *window;
    double *weights;   /* nbins x (nfft/2) */
};

static int fbank_setup(const struct wren_fbank_opts *o, struct fbank_setup *s)
{
    memset(s, 0, sizeof *s);
    s->win = (int)(o->samprate * o->frame_length_ms * 0.001f);
    s->shift = (int)(o->samprate * o->frame_shift_ms * 0.001f);
    if (s->win < 2 || s->shift < 1 || s->win > 1 << 20)
        return wren_error("fbank: bad frame length/shift (%g ms / %g ms at %g Hz)",
                          o->frame_length_ms, o->frame_shift_ms, o->samprate);
    s->nfft = 1;
    while (s->nfft < s->win) s->nfft <<= 1;
    double nyq = o->samprate / 2.0;
    double hi = o->high_freq > 0 ? o->high_freq : nyq + o->high_freq;
    if (o->num_mel_bins < 3 || o->num_mel_bins > 1024 || o->low_freq < 0 ||
        !(hi > o->low_freq) || hi > nyq)
        return wren_error("fbank: bad mel bins %d or range %g..%g Hz (Nyquist %g)",
                          o->num_mel_bins, o->low_freq, hi, nyq);
    s->nbins = o->num_mel_bins;
    s->window = wren_xmalloc((size_t)s->win * sizeof(double));
    for (int i = 0; i < s->win; i++) {
        double a = 2 * M_PI * i / (s->win - 1);
        s->window[i] = o->povey_window ? pow(0.5 - 0.5 * cos(a), 0.85) : 0.54 - 0.46 * cos(a);
    }
    int nspec = s->nfft / 2;
    double binw = o->samprate / s->nfft;
    double mlo = kaldi_mel(o->low_freq), mhi = kaldi_mel(hi);
    double delta = (mhi - mlo) / (s->nbins + 1);
    s->weights = wren_xcalloc((size_t)s->nbins * (size_t)nspec, sizeof(double));
    for (int b = 0; b < s->nbins; b++) {
        double l = mlo + b * delta, c = l + delta, r = c + delta;
        for (int i = 0; i < nspec; i++) {
            double m = kaldi_mel(binw * i);
            if (m > l && m < r)
                s->weights[(size_t)b * nspec + i] = m <= c ? (m - l) / (c - l) : (r - m) / (r - c);
        }
    }
    return 0;
}

int wren_fbank_compute(const struct wren_fbank_opts *o, const float *x, size_t n, float **out,
                       int *nframes)
{
    struct fbank_setup s;
    *out = NULL;
    *nframes = 0;
    if (fbank_setup(o, &s) < 0) return -1;
    size_t nf;
    if (o->snip_edges)
        nf = n < (size_t)s.win ? 0 : (n - (size_t)s.win) / (size_t)s.shift + 1;
    else
        nf = (n + (size_t)s.shift / 2) / (size_t)s.shift;
    if (nf > 0x7fffffff) {
        free(s.window);
        free(s.weights);
        return wren_error("fbank: input too long");
    }
    float *o_ = wren_xmalloc((nf * (size_t)s.nbins + 1) * sizeof(float));
    double *re = wren_xmalloc((size_t)s.nfft * sizeof(double));
    double *im = wren_xmalloc((size_t)s.nfft * sizeof(double));
    int nspec = s.nfft / 2;
    for (size_t t = 0; t < nf; t++) {
        long start = o->snip_edges ? (long)(t * (size_t)s.shift)
                                   : (long)(t * (size_t)s.shift) + s.shift / 2 - s.win / 2;
        memset(re, 0, (size_t)s.nfft * sizeof(double));
        memset(im, 0, (size_t)s.nfft * sizeof(double));
        for (int i = 0; i < s.win; i++) {
            long k = start + i;
            /* Kaldi reflects samples beyond the edges when not snipping. */
            while (k < 0 || k >= (long)n) {
                if (k < 0) k = -k - 1;
                if (k >= (long)n) k = 2 * (long)n - 1 - k;
            }
            re[i] = x[k];
        }
        if (o->remove_dc_offset) {
            double mean = 0;
            for (int i = 0; i < s.win; i++) mean += re[i];
            mean /= s.win;
            for (int i = 0; i < s.win; i++) re[i] -= mean;
        }
        if (o->preemph != 0) {
            for (int i = s.win - 1; i > 0; i--) re[i] -= o->preemph * re[i - 1];
            re[0] -= o->preemph * re[0];
        }
        for (int i = 0; i < s.win; i++) re[i] *= s.window[i];
        fft_inplace(re, im, s.nfft);
        for (int i = 0; i < nspec; i++) re[i] = re[i] * re[i] + im[i] * im[i];
        float *row = o_ + t * (size_t)s.nbins;
        for (int b = 0; b < s.nbins; b++) {
            const double *w = s.weights + (size_t)b * nspec;
            double e = 0;
            for (int i = 0; i < nspec; i++) e += w[i] * re[i];
            row[b] = (float)log(e > FLT_EPSILON ? e : FLT_EPSILON);
        }
    }
    free(re);
    free(im);
    free(s.window);
    free(s.weights);
    *out = o_;
    *nframes = (int)nf;
    return 0;
}
