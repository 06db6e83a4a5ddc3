# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# search: the lattice-generating beam search, lattices and their tools, `wren decode`,
# `wren lattice`.
libwren_a_SOURCES += decoder/search.c decoder/search-opts.c decoder/search-graph.c \
  decoder/decodable.c decoder/lattice.c decoder/lattice-io.c decoder/search-stream.c \
  decoder/cmd-decode.c decoder/cmd-lattice.c decoder/lattice-lm.c decoder/lattice-det.c \
  decoder/lattice-mbr.c
pkginclude_HEADERS += decoder/decoder.h decoder/search.h decoder/decodable.h decoder/lattice.h

if HAVE_CHECK
check_PROGRAMS += tests/test_search
TESTS += tests/test_search
tests_test_search_SOURCES = tests/test_search.c tests/testutil.h
tests_test_search_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_search_LDADD = $(CHECK_LDADD)
check_PROGRAMS += tests/test_lattice
TESTS += tests/test_lattice
tests_test_lattice_SOURCES = tests/test_lattice.c tests/testutil.h
tests_test_lattice_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_lattice_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/decode.sh tests/e2e/search-options.sh tests/e2e/decode-mismatch.sh
EXTRA_DIST += tests/e2e/decode.sh tests/e2e/search-options.sh tests/e2e/decode-mismatch.sh
WREN_BENCHES += bench/decode.sh
EXTRA_DIST += bench/decode.sh
