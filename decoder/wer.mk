# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# WER scoring: decoder/wer.{c,h} (library), decoder/cmd-wer.c (`wren wer`).
libwren_a_SOURCES += decoder/wer.c decoder/wer-conf.c decoder/cmd-wer.c
pkginclude_HEADERS += decoder/wer.h
if HAVE_CHECK
check_PROGRAMS += tests/test_wer
TESTS += tests/test_wer
tests_test_wer_SOURCES = tests/test_wer.c tests/testutil.h
tests_test_wer_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_wer_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/wer-sclite.sh
EXTRA_DIST += tests/e2e/wer-sclite.sh
