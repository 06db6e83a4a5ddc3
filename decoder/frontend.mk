# Build fragment: sources, tests and benches of this component (see top-level Makefile.am).
libwren_a_SOURCES += decoder/feat-params.c
pkginclude_HEADERS += decoder/feat-params.h
