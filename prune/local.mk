# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
libwren_a_SOURCES += prune/criteria.c prune/unstructured.c prune/structured.c prune/lowrank.c \
	prune/schedule.c prune/cmd-prune.c
pkginclude_HEADERS += prune/wren-prune.h
