# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# adapt: fMLLR speaker adaptation — statistics from the Sphinx GMMs along best paths
# (fmllr-stats.c), the row-by-row estimate (fmllr.c), the transform table (fmllr-io.c), and
# the two-pass `wren decode --adapt fmllr` / `--transforms` state (decode-adapt.c).
libwren_a_SOURCES += decoder/fmllr.c decoder/fmllr-io.c decoder/fmllr-stats.c decoder/decode-adapt.c \
  decoder/fmllr-stats.h decoder/decode-adapt.h
pkginclude_HEADERS += decoder/fmllr.h

if HAVE_CHECK
check_PROGRAMS += tests/test_fmllr
TESTS += tests/test_fmllr
tests_test_fmllr_SOURCES = tests/test_fmllr.c tests/testutil.h
tests_test_fmllr_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_fmllr_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/decode-fmllr.sh
EXTRA_DIST += tests/e2e/decode-fmllr.sh
