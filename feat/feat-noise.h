/* feat-noise.h — internal to the front end (not installed): sphinxbase's noise tracking on
 * mel energies, used for -remove_noise (spectral subtraction) and for the speech/non-speech
 * decision of -remove_silence. Not for: the VAD's frame dropping (feat-mfcc.c). */
#ifndef WREN_FEAT_NOISE_H
#define WREN_FEAT_NOISE_H

struct wren_fe_noise;

struct wren_fe_noise *wren_fe_noise_create(int nfilt, int remove_noise, int remove_silence,
                                           float vad_threshold);
void wren_fe_noise_free(struct wren_fe_noise *n);
/* Forget the noise estimate (sphinx does this at the start of each input stream). */
void wren_fe_noise_reset(struct wren_fe_noise *n);
/* Update the estimate with one frame's linear mel energies; with remove_noise, rescale them
 * in place. Returns 1 if the frame counts as speech (always 1 without remove_silence). */
int wren_fe_noise_track(struct wren_fe_noise *n, double *mfspec);

#endif
