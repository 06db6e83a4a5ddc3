/* resample.c — see resample.h. libsoxr (the resampler of SoX and FFmpeg) at its 'high quality'
 * setting: 20-bit precision, linear phase, flat to 91.3 % of the lower Nyquist frequency
 * (7.3 kHz at 16 kHz, above the en-us model's top mel filter at 6.8 kHz). Converting 183 s of
 * 48 kHz audio took about 0.05 s of CPU here, against 1.6 s for libsamplerate's medium sinc
 * converter (first tried: 12 % of decoding that audio). One thread: `wren decode --nj` forks
 * its own workers. */
#include "feat/resample.h"

#include <math.h>
#include <soxr.h>
#include <stdlib.h>

#include "utils/error.h"
#include "wren/audio.h"

int wren_resample_into(const float *in, size_t n, int from, int to, const char *name,
                       float *out, size_t n_out)
{
    if (to <= 0)
        return wren_error("%s: cannot resample to %d Hz", name, to);
    /* below 4 kHz no speech is left to recognise, and a damaged header's tiny rate would
     * multiply the samples a thousandfold */
    if (from < WREN_RESAMPLE_MIN_RATE || from > WREN_RESAMPLE_MAX_RATE)
        return wren_error("%s: sample rate %d Hz: only audio at %d to %d Hz is resampled", name,
                          from, WREN_RESAMPLE_MIN_RATE, WREN_RESAMPLE_MAX_RATE);
    size_t want = wren_resampled_length(n, from, to);
    if (want == 0)
        return wren_error("%s: %zu samples at %d Hz make no sample at %d Hz", name, n, from, to);
    if (n_out != want)
        return wren_error("%s: %zu samples at %d Hz make %zu at %d Hz, the output holds %zu", name,
                          n, from, want, to, n_out);
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    size_t used = 0, got = 0;
    soxr_error_t err = soxr_oneshot(from, to, 1, in, n, &used, out, want, &got, &io, &q, &rt);
    if (err)
        return wren_error("%s: resampling from %d Hz to %d Hz failed: %s", name, from, to, err);
    if (got + 2 < want)   /* never a silently shortened utterance */
        return wren_error("%s: resampling from %d Hz to %d Hz gave %zu samples of %zu", name,
                          from, to, got, want);
    /* rounding can leave the last sample or two unwritten: hold the last value */
    for (size_t i = got; i < want; i++) out[i] = got ? out[got - 1] : 0.0f;
    return 0;
}

int wren_resample(const float *in, size_t n, int from, int to, const char *name,
                  float **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    size_t want = wren_resampled_length(n, from, to);
    float *o = wren_xmalloc((want ? want : 1) * sizeof *o);
    if (wren_resample_into(in, n, from, to, name, o, want)) {
        free(o);
        return -1;
    }
    *out = o;
    *n_out = want;
    return 0;
}

size_t wren_resampled_length(size_t n, int from, int to)
{
    return from > 0 && to > 0 ? (size_t)llround((double)n * to / from) : 0;
}

int wren_resample_samples(const float *in, size_t n, int from, int to, float *out, size_t n_out)
{
    if ((!in && n) || (!out && n_out)) return wren_error("wren_resample_samples: no samples or no output");
    return wren_resample_into(in, n, from, to, "samples", out, n_out);
}
