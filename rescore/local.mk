# rescore: the NNLM second pass (n-best with prefix sharing, batched lattice expansion, tuning).
libwren_a_SOURCES += rescore/rescore-expand.c rescore/rescore-lattice.c rescore/rescore.c
noinst_HEADERS += rescore/rescore-internal.h rescore/rescore.h
