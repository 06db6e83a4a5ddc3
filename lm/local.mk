# lm: ARPA n-gram models and n-gram estimation, pruning and evaluation (the low layer of language modelling).
libwren_a_SOURCES += lm/arpa-sentence.c lm/arpa-read.c lm/arpa.c lm/graph-lm.c lm/ngram-build.c lm/ngram-countfile.c \
  lm/ngram-counts.c lm/ngram-estimate.c lm/ngram-eval.c lm/ngram-opts.c lm/ngram-prune.c \
  lm/ngram-runs.c lm/ngram-sort.c
noinst_HEADERS += lm/arpa-impl.h lm/arpa.h lm/graph-lm.h lm/ngram-countfile.h lm/ngram-counts.h \
  lm/ngram-estimate.h lm/ngram-eval.h lm/ngram-prune.h lm/ngram-runs.h lm/ngram-sort.h \
  lm/ngram.h
