# decoder: the lattice-generating beam search, the streaming decoder, two-pass adapted decoding,
# the NNLM second pass of the final lattices.
libwren_a_SOURCES += decoder/transcript.c decoder/transcript-speaker.c decoder/transcript-stream.c decoder/nbest.c decoder/word-lattice.c decoder/lattice-join.c decoder/decode-adapt.c decoder/decoder-nnlm.c decoder/lattice-am.c decoder/search-graph.c decoder/search-opts.c \
  decoder/search-stream.c decoder/search.c decoder/search-pool.c
noinst_HEADERS += decoder/decode-adapt.h decoder/lattice-am.h decoder/decoder.h decoder/search.h decoder/search-pool.h
