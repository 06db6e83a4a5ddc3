# graph: the lexicon and the H, C, L, G transducers composed into HCLG (wren mkgraph).
libwren_a_SOURCES += graph/graph-c.c graph/graph-flat.c graph/graph-g.c graph/graph-h.c \
  graph/graph-l.c graph/graph-mkgraph.c graph/lexicon.c
noinst_HEADERS += graph/graph-internal.h graph/graph.h graph/lexicon.h
