# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# lm/ngram: ARPA models (read/write/lookup), n-gram counting and estimation (modified Kneser-Ney,
# Witten-Bell, add-k), Stolcke pruning, perplexity, count files; commands ngram-count,
# ngram-make and ngram.
libwren_a_SOURCES += lm/arpa.c lm/arpa-read.c lm/arpa.h lm/arpa-impl.h \
  lm/ngram-sort.c lm/ngram-sort.h
libwren_a_SOURCES += lm/ngram-counts.c lm/ngram-counts.h lm/ngram-runs.c lm/ngram-runs.h \
  lm/ngram-estimate.c lm/ngram-estimate.h lm/ngram-prune.c lm/ngram-prune.h \
  lm/ngram-eval.c lm/ngram-eval.h lm/ngram.h lm/ngram-opts.c lm/ngram-build.c \
  lm/ngram-countfile.c lm/ngram-countfile.h \
  lm/cmd-ngram-count.c lm/cmd-ngram-make.c lm/cmd-ngram.c
if HAVE_CHECK
check_PROGRAMS += tests/test_arpa
TESTS += tests/test_arpa
tests_test_arpa_SOURCES = tests/test_arpa.c tests/testutil.h
tests_test_arpa_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_arpa_LDADD = $(CHECK_LDADD)
endif
if HAVE_CHECK
check_PROGRAMS += tests/test_ngram
TESTS += tests/test_ngram
tests_test_ngram_SOURCES = tests/test_ngram.c tests/testutil.h
tests_test_ngram_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_ngram_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/ngram.sh
EXTRA_DIST += tests/e2e/ngram.sh
WREN_BENCHES += bench/ngram-count.sh
EXTRA_DIST += bench/ngram-count.sh
WREN_BENCHES += bench/ngram-table.sh
EXTRA_DIST += bench/ngram-table.sh
if HAVE_CHECK
check_PROGRAMS += tests/test_ngram_make
TESTS += tests/test_ngram_make
tests_test_ngram_make_SOURCES = tests/test_ngram_make.c tests/testutil.h
tests_test_ngram_make_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_ngram_make_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/ngram-make.sh
EXTRA_DIST += tests/e2e/ngram-make.sh utils/ngram-shards.sh
WREN_BENCHES += bench/ngram-make.sh
EXTRA_DIST += bench/ngram-make.sh
