# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
# lm/ngram: ARPA models (read/write/lookup), n-gram counting and estimation (modified Kneser-Ney,
# Witten-Bell, add-k), Stolcke pruning, perplexity; commands ngram-count and ngram.
libwren_a_SOURCES += lm/arpa.c lm/arpa-read.c lm/arpa.h lm/arpa-impl.h \
  lm/ngram-sort.c lm/ngram-sort.h
