# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# graph: Wren's C API over OpenFst (fst.h / fst.cc, the only C++), the lexicon, the L, G, C, H
# builders and `wren mkgraph`.
libwren_a_SOURCES += decoder/fst.cc decoder/fst-ops.cc decoder/fst-check.cc decoder/fst-impl.h \
  decoder/lexicon.c decoder/graph-map.c decoder/graph-l.c \
  decoder/graph-g.c decoder/graph-c.c decoder/graph-h.c decoder/graph-flat.c \
  decoder/graph-mkgraph.c decoder/cmd-mkgraph.c decoder/graph-internal.h
pkginclude_HEADERS += decoder/fst.h decoder/graph.h decoder/lexicon.h
if HAVE_CHECK
check_PROGRAMS += tests/test_fst
TESTS += tests/test_fst
tests_test_fst_SOURCES = tests/test_fst.c tests/testutil.h
tests_test_fst_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_fst_LDADD = $(CHECK_LDADD)
endif
if HAVE_CHECK
check_PROGRAMS += tests/test_graph
TESTS += tests/test_graph
tests_test_graph_SOURCES = tests/test_graph.c tests/testutil.h
tests_test_graph_CFLAGS = $(CHECK_CFLAGS_ALL)
tests_test_graph_LDADD = $(CHECK_LDADD)
endif
TESTS += tests/e2e/mkgraph.sh
EXTRA_DIST += tests/e2e/mkgraph.sh bench/mkgraph.sh
WREN_BENCHES += bench/mkgraph.sh
