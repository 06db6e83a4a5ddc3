# prune: NNLM pruning: criteria, unstructured, structured and low-rank methods, schedulers.
libwren_a_SOURCES += prune/criteria.c prune/lowrank.c prune/schedule.c prune/settings.c \
  prune/structured.c prune/unstructured.c
noinst_HEADERS += prune/wren-prune.h
