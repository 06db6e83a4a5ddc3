# feat: audio input (libsndfile, SPHERE, segments, resampling), Sphinx feat.params, MFCC/CMN/deltas, fbank, noise features.
libwren_a_SOURCES += feat/audio.c feat/audio-segment.c feat/resample.c feat/feat-fbank.c feat/feat-mfcc.c feat/feat-noise.c \
  feat/feat-params.c feat/feat.c
noinst_HEADERS += feat/audio.h feat/audio-segment.h feat/resample.h feat/feat-noise.h feat/feat-params.h feat/feat.h
