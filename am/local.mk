# am: Sphinx acoustic models (mdef, means/variances/mixture weights), GMM scoring, the decodable.
libwren_a_SOURCES += am/am-mixw.c am/am-s3io.c am/am.c am/decodable.c am/gauden.c am/mdef.c am/model-path.c
noinst_HEADERS += am/am-internal.h am/am.h am/decodable.h am/mdef.h am/model-path.h
