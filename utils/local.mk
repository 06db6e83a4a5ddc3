# utils: errors and logging, options, inputs and atomic outputs, Kaldi-style tables, float matrices (OpenBLAS),
# the hash tables (hashmap) and the binary heap (heap) every module uses, the memory the process may
# still take (sysmem).
libwren_a_SOURCES += utils/version.c utils/error.c utils/fault.c utils/io.c utils/log.c utils/matrix.c utils/opts.c \
  utils/table.c utils/hashmap.c utils/heap.c utils/sysmem.c
noinst_HEADERS += utils/error.h utils/fault.h utils/io.h utils/log.h utils/matrix.h utils/opts.h utils/table.h \
  utils/hashmap.h utils/heap.h utils/sysmem.h utils/wren-util.h
