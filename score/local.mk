# score: word error rate (alignment, significance) and confidence calibration.
libwren_a_SOURCES += score/wer-strings.c score/wer-conf.c score/wer.c score/wer-ci.c
noinst_HEADERS += score/wer.h
