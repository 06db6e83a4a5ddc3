# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
libwren_a_SOURCES += prune/criteria.c prune/unstructured.c prune/structured.c prune/lowrank.c \
	prune/schedule.c prune/cmd-prune.c
pkginclude_HEADERS += prune/wren-prune.h

if HAVE_CHECK
check_PROGRAMS += tests/test_prune
TESTS += tests/test_prune
tests_test_prune_SOURCES = tests/test_prune.c tests/testutil.h
tests_test_prune_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_prune_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/prune.sh
EXTRA_DIST += tests/e2e/prune.sh
WREN_BENCHES += bench/prune.sh
EXTRA_DIST += bench/prune.sh
