# fstext: the OpenFst wrapper behind a C header (the only C++ in Wren).
libwren_a_SOURCES += fstext/fst-check.cc fstext/fst-ops.cc fstext/fst.cc
noinst_HEADERS += fstext/fst-impl.h fstext/fst.h
