# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# Front end: audio input (libsndfile), Sphinx feat.params, MFCC/CMN/deltas, Kaldi fbank.
libwren_a_SOURCES += decoder/feat-params.c decoder/audio.c decoder/feat-mfcc.c \
  decoder/feat.c decoder/feat-fbank.c
pkginclude_HEADERS += decoder/feat-params.h decoder/audio.h decoder/feat.h
libwren_a_SOURCES += decoder/cmd-compute-feats.c
# bench/frontend-vs-sphinx.sh: add to WREN_BENCHES once bench/local.mk defines it before the
# component fragments (today `+=` here fails: automake sees it before the `=`).
EXTRA_DIST += bench/frontend-vs-sphinx.sh
