# nnlm: the Transformer neural LM: model, layers, training, safetensors, scoring.
libwren_a_SOURCES += nnlm/center.c nnlm/sentence.c nnlm/distill.c nnlm/eval.c nnlm/forward.c nnlm/infer.c nnlm/layers.c nnlm/model.c \
  nnlm/safetensors.c nnlm/sparse.c nnlm/train.c nnlm/vmath.c nnlm/vocab.c
noinst_HEADERS += nnlm/nnlm-internal.h nnlm/nnlm.h nnlm/sparse.h nnlm/vmath.h
