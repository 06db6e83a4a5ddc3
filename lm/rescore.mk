# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# lm/rescore: NNLM second pass (n-best with prefix sharing, pruned lattice rescoring, tuning),
# `wren rescore`, `wren rescore-tune`.
libwren_a_SOURCES += lm/rescore.c lm/rescore-lattice.c lm/rescore-expand.c lm/cmd-rescore.c lm/cmd-rescore-tune.c
pkginclude_HEADERS += lm/rescore.h
EXTRA_DIST += lm/rescore-internal.h

if HAVE_CHECK
check_PROGRAMS += tests/test_rescore
TESTS += tests/test_rescore
tests_test_rescore_SOURCES = tests/test_rescore.c tests/testutil.h
tests_test_rescore_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_rescore_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/rescore.sh
EXTRA_DIST += tests/e2e/rescore.sh
WREN_BENCHES += bench/rescore.sh
EXTRA_DIST += bench/rescore.sh
