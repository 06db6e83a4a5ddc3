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

# Fault injection (utils/fault.h): failing allocations and writes in short runs of the main
# commands, a few sampled call sites each; `make fault-sweep` tries every write and up to
# FAULT_FULL_MAX allocations per command (see tests/fault/sweep.sh).
TESTS += tests/fault/sweep.sh
EXTRA_DIST += tests/fault/sweep.sh
fault-sweep: wren$(EXEEXT)
	$(AM_TESTS_ENVIRONMENT) FAULT_SWEEP=full bash $(srcdir)/tests/fault/sweep.sh
.PHONY: fault-sweep
