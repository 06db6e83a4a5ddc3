# tests: Check unit tests (tests/test_<module>.c) and end-to-end scripts (tests/e2e/*.sh).
# Each component's fragment adds its own tests to check_PROGRAMS/TESTS; this file holds the
# shared parts and the utils tests.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = bash

if HAVE_CHECK
check_PROGRAMS += tests/test_utils
TESTS += tests/test_utils
tests_test_utils_SOURCES = tests/test_utils.c tests/testutil.h
tests_test_utils_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_utils_LDADD = $(CHECK_LDADD)
endif
EXTRA_DIST += tests/testutil.h
