# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# Sphinx acoustic models: decoder/am.{c,h} (loading, senone scoring), decoder/mdef.{c,h}
# (model definition), internal parts am-s3io.c, am-mixw.c, gauden.c; `wren am-info`.
libwren_a_SOURCES += decoder/am.c decoder/mdef.c decoder/am-s3io.c decoder/am-mixw.c \
  decoder/gauden.c decoder/am-internal.h decoder/cmd-am-info.c
pkginclude_HEADERS += decoder/am.h decoder/mdef.h
if HAVE_CHECK
check_PROGRAMS += tests/test_am
TESTS += tests/test_am
tests_test_am_SOURCES = tests/test_am.c tests/testutil.h
tests_test_am_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_am_LDADD = $(CHECK_LDADD)
endif
noinst_PROGRAMS += bench/am-score-bench
bench_am_score_bench_SOURCES = bench/am-score-bench.c
bench_am_score_bench_LDADD = $(WREN_LDADD)
WREN_BENCHES += bench/am-score.sh
EXTRA_DIST += bench/am-score.sh
TESTS += tests/e2e/am-info.sh
EXTRA_DIST += tests/e2e/am-info.sh
