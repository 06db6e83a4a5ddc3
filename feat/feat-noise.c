/* feat-noise.c — noise estimation, spectral subtraction and the voice-activity decision of
 * sphinxbase 5prealpha's front end (in the spirit of PNCC): smoothed power per mel filter,
 * an asymmetric lower envelope as the noise estimate, a log-likelihood ratio and a slow peak
 * tracker for the speech decision, temporal masking and smoothed gains. Floating-point
 * arithmetic as sphinxbase's non-fixed-point build. Not for: frame dropping (feat-mfcc.c). */
#include "feat/feat-noise.h"

#include <math.h>
#include <stdlib.h>

#include "utils/error.h"

#define SMOOTH_WINDOW 4
#define LAMBDA_POWER 0.7
#define LAMBDA_A 0.995
#define LAMBDA_B 0.5
#define LAMBDA_T 0.85
#define MU_T 0.2
#define MAX_GAIN 20
#define SLOW_PEAK_FORGET_FACTOR 0.9995
#define SLOW_PEAK_LEARN_FACTOR 0.9
#define SPEECH_VOLUME_RANGE 8.0

struct wren_fe_noise {
    int nfilt, remove_noise, remove_silence;
    float vad_threshold;
    int undefined;
    double slow_peak_sum;
    double *power, *noise, *floor, *peak, *signal, *gain;
};

struct wren_fe_noise *wren_fe_noise_create(int nfilt, int remove_noise, int remove_silence,
                                           float vad_threshold)
{
    struct wren_fe_noise *n = wren_xcalloc(1, sizeof *n);
    n->nfilt = nfilt;
    n->remove_noise = remove_noise;
    n->remove_silence = remove_silence;
    n->vad_threshold = vad_threshold;
    n->undefined = 1;
    n->power = wren_xcalloc((size_t)nfilt, sizeof(double));
    n->noise = wren_xcalloc((size_t)nfilt, sizeof(double));
    n->floor = wren_xcalloc((size_t)nfilt, sizeof(double));
    n->peak = wren_xcalloc((size_t)nfilt, sizeof(double));
    n->signal = wren_xcalloc((size_t)nfilt, sizeof(double));
    n->gain = wren_xcalloc((size_t)nfilt, sizeof(double));
    return n;
}

void wren_fe_noise_free(struct wren_fe_noise *n)
{
    if (!n) return;
    free(n->power);
    free(n->noise);
    free(n->floor);
    free(n->peak);
    free(n->signal);
    free(n->gain);
    free(n);
}

void wren_fe_noise_reset(struct wren_fe_noise *n) { n->undefined = 1; }

/* Track a lower envelope: rise slowly (lambda_a), fall fast (lambda_b). */
static void lower_envelope(const double *buf, double *env, int nf)
{
    for (int i = 0; i < nf; i++) {
        if (buf[i] >= env[i])
            env[i] = LAMBDA_A * env[i] + (1 - LAMBDA_A) * buf[i];
        else
            env[i] = LAMBDA_B * env[i] + (1 - LAMBDA_B) * buf[i];
    }
}

/* Quiet if the frame's log energy is SPEECH_VOLUME_RANGE below the slow peak. */
static int frame_is_quiet(struct wren_fe_noise *n, const double *buf)
{
    double sum = 0.0;
    for (int i = 0; i < n->nfilt; i++) sum += buf[i];
    sum = log(sum);
    double sf = sum > n->slow_peak_sum ? SLOW_PEAK_LEARN_FACTOR : SLOW_PEAK_FORGET_FACTOR;
    n->slow_peak_sum = n->slow_peak_sum * sf + sum * (1 - sf);
    return n->slow_peak_sum - SPEECH_VOLUME_RANGE > sum;
}

static void temporal_masking(double *buf, double *peak, int nf)
{
    for (int i = 0; i < nf; i++) {
        double cur = buf[i];
        peak[i] *= LAMBDA_T;
        if (buf[i] < LAMBDA_T * peak[i]) buf[i] = peak[i] * MU_T;
        if (cur > peak[i]) peak[i] = cur;
    }
}

/* Scale each energy by the mean gain over +-SMOOTH_WINDOW neighbouring filters. */
static void weight_smooth(double *buf, const double *gain, int nf)
{
    for (int i = 0; i < nf; i++) {
        int l1 = i - SMOOTH_WINDOW > 0 ? i - SMOOTH_WINDOW : 0;
        int l2 = i + SMOOTH_WINDOW < nf - 1 ? i + SMOOTH_WINDOW : nf - 1;
        double c = 0;
        for (int j = l1; j <= l2; j++) c += gain[j];
        buf[i] = buf[i] * (c / (l2 - l1 + 1));
    }
}

int wren_fe_noise_track(struct wren_fe_noise *n, double *mfspec)
{
    int nf = n->nfilt;
    if (!n->remove_noise && !n->remove_silence) return 1;
    if (n->undefined) {
        n->slow_peak_sum = 0.0;
        for (int i = 0; i < nf; i++) {
            n->power[i] = mfspec[i];
            n->noise[i] = mfspec[i] / MAX_GAIN;
            n->floor[i] = mfspec[i] / MAX_GAIN;
            n->peak[i] = 0.0;
        }
        n->undefined = 0;
    }
    for (int i = 0; i < nf; i++)
        n->power[i] = LAMBDA_POWER * n->power[i] + (1 - LAMBDA_POWER) * mfspec[i];
    lower_envelope(n->power, n->noise, nf);
    double lrt = 0.0;
    for (int i = 0; i < nf; i++) {
        n->signal[i] = n->power[i] - n->noise[i];
        if (n->signal[i] < 1.0) n->signal[i] = 1.0;
        double snr = log(n->power[i] / n->noise[i]);
        if (snr > lrt) lrt = snr;
    }
    int quiet = frame_is_quiet(n, n->signal);
    int speech = !(n->remove_silence && (lrt < n->vad_threshold || quiet));
    lower_envelope(n->signal, n->floor, nf);
    temporal_masking(n->signal, n->peak, nf);
    if (!n->remove_noise) return speech;
    for (int i = 0; i < nf; i++) {
        if (n->signal[i] < n->floor[i]) n->signal[i] = n->floor[i];
        if (n->signal[i] < MAX_GAIN * n->power[i])
            n->gain[i] = n->signal[i] / n->power[i];
        else
            n->gain[i] = MAX_GAIN;
        if (n->gain[i] < 1.0 / MAX_GAIN) n->gain[i] = 1.0 / MAX_GAIN;
    }
    weight_smooth(mfspec, n->gain, nf);
    return speech;
}
