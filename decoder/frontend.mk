# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# Front end: audio input (libsndfile), Sphinx feat.params, MFCC/CMN/deltas, Kaldi fbank.
libwren_a_SOURCES += decoder/feat-params.c decoder/audio.c decoder/feat-mfcc.c \
  decoder/feat-noise.c decoder/feat.c decoder/feat-fbank.c
pkginclude_HEADERS += decoder/feat-params.h decoder/audio.h decoder/feat.h
EXTRA_DIST += decoder/feat-noise.h
libwren_a_SOURCES += decoder/cmd-compute-feats.c
WREN_BENCHES += bench/frontend-vs-sphinx.sh
EXTRA_DIST += bench/frontend-vs-sphinx.sh
if HAVE_CHECK
check_PROGRAMS += tests/test_audio tests/test_feat
TESTS += tests/test_audio tests/test_feat
tests_test_audio_SOURCES = tests/test_audio.c tests/testutil.h
tests_test_audio_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_audio_LDADD = $(CHECK_LDADD)
tests_test_feat_SOURCES = tests/test_feat.c tests/testutil.h
tests_test_feat_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_feat_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/compute-feats.sh
EXTRA_DIST += tests/e2e/compute-feats.sh
