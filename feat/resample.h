/* resample.h — sample-rate conversion of one utterance's samples, through libsoxr, so audio recorded at another rate than the acoustic
 * model's (44.1 or 48 kHz from a microphone, 8 kHz from a telephone) can be decoded.
 * Not for: reading audio (audio.h). */
#ifndef WREN_RESAMPLE_H
#define WREN_RESAMPLE_H

#include <stddef.h>

#include "wren/audio.h"   /* wren_resampled_length, wren_resample_samples: the public face */

#define WREN_RESAMPLE_MIN_RATE 4000
#define WREN_RESAMPLE_MAX_RATE 768000

/* Convert the n samples of IN, at FROM Hz, to TO Hz: *out (malloc'd) gets *n_out =
 * round(n * TO / FROM) samples in the same scale. NAME is used in messages. Returns 0, or -1
 * with a one-line error (FROM outside WREN_RESAMPLE_MIN_RATE..MAX_RATE, TO not positive, no
 * sample left, libsoxr failing). */
int wren_resample(const float *in, size_t n, int from, int to, const char *name,
                  float **out, size_t *n_out);

/* The same into OUT, which holds n_out = wren_resampled_length(n, FROM, TO) samples (another
 * n_out is an error). */
int wren_resample_into(const float *in, size_t n, int from, int to, const char *name,
                       float *out, size_t n_out);

#endif
