/* wren/audio.h — converting samples held in memory to the rate the decoder expects
 * (wren_decoder_sample_rate), for wren_decoder_decode_samples, nbest_samples and
 * lattice_samples, which take the model's rate. (Files need none of this: the *_file calls
 * resample what they read.) The conversion is libsoxr's high-quality one, as for files; it
 * takes a whole signal, so a stream is best converted before it is cut into chunks. */
#ifndef WREN_AUDIO_API_H
#define WREN_AUDIO_API_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The number of samples n samples at FROM Hz make at TO Hz: round(n * TO / FROM); 0 if a
 * rate is not positive. */
size_t wren_resampled_length(size_t n, int from, int to);

/* Convert the n samples of IN (one channel, any scale) from FROM Hz to TO Hz into OUT, which
 * holds n_out = wren_resampled_length(n, FROM, TO) samples. FROM must be 4000 to 768000 Hz.
 * 0, or -1 with wren_error_msg() (a rate out of range, n_out not that length). */
int wren_resample_samples(const float *in, size_t n, int from, int to, float *out, size_t n_out);

#ifdef __cplusplus
}
#endif
#endif
