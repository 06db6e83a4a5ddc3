# transform: fMLLR speaker adaptation (statistics, estimate, transform tables).
libwren_a_SOURCES += transform/fmllr-io.c transform/fmllr-stats.c transform/fmllr.c \
  transform/map-mean.c transform/mllr-mean.c
noinst_HEADERS += transform/fmllr-stats.h transform/fmllr.h transform/map-mean.h transform/mllr-mean.h
