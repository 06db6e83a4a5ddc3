# text: text normalisation, vocabulary selection and the test-set leak guard.
libwren_a_SOURCES += text/leak-guard.c text/text-norm.c text/vocab.c
noinst_HEADERS += text/leak-guard.h text/text-norm.h text/vocab.h
