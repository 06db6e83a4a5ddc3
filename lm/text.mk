# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# Text preparation: normalisation (text-norm), leak guard, vocabulary selection.
libwren_a_SOURCES += lm/text-norm.c lm/vocab.c lm/leak-guard.c lm/text-args.c \
  lm/cmd-text-norm.c lm/cmd-leak-guard.c lm/cmd-vocab-select.c
pkginclude_HEADERS += lm/text-norm.h lm/vocab.h lm/leak-guard.h lm/text-args.h
if HAVE_CHECK
check_PROGRAMS += tests/test_text_norm
TESTS += tests/test_text_norm
tests_test_text_norm_SOURCES = tests/test_text_norm.c tests/testutil.h
tests_test_text_norm_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_text_norm_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/text-prep.sh
EXTRA_DIST += tests/e2e/text-prep.sh
WREN_BENCHES += bench/text-prep.sh
EXTRA_DIST += bench/text-prep.sh
