# utils: errors/logging, options, inputs and atomic outputs, Kaldi-style tables.
libwren_a_SOURCES += utils/error.c utils/fault.c utils/log.c utils/opts.c utils/io.c utils/table.c
pkginclude_HEADERS += utils/wren-util.h utils/error.h utils/fault.h utils/log.h utils/opts.h utils/io.h utils/table.h
