# fstext: the OpenFst wrapper behind a C header (the only C++ in Wren). The two files whose
# OpenFst templates take longest to compile come first, so that `make -j` starts them early.
libwren_a_SOURCES += fstext/fst-determinize.cc fstext/fst-ops.cc fstext/fst-check.cc fstext/fst.cc
noinst_HEADERS += fstext/fst-impl.h fstext/fst.h
