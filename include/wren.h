/* wren.h — the public C API of Wren, in one include: the version and the error convention
 * (wren/common.h), decoding audio files into words and times (wren/decoder.h; samples in memory
 * at another rate are converted with wren/audio.h), scoring text with
 * an ARPA n-gram (wren/lm.h) or a Wren NNLM (wren/nnlm.h), and word error rates (wren/wer.h).
 * Link with `pkg-config --cflags --libs wren`. Everything here is prefixed wren_; the library
 * never prints to stdout and never exits (except on out-of-memory, with a message on stderr).
 *
 * Decoding a file (see examples/decode-wav.c):
 *     struct wren_decode_opts o = wren_decode_default_options();
 *     struct wren_decoder *d;
 *     if (wren_decoder_create(model_dir, graph_dir, &o, &d)) fail(wren_error_msg());
 *     struct wren_transcript *t;
 *     if (wren_decoder_decode_file(d, "a.wav", &t)) fail(wren_error_msg());
 *     for (int i = 0; i < wren_transcript_num_words(t); i++)
 *         printf("%.2f %s\n", wren_transcript_word_start(t, i), wren_transcript_word(t, i));
 *     wren_transcript_free(t); wren_decoder_free(d);
 */
#ifndef WREN_H
#define WREN_H

#include "wren/common.h"
#include "wren/decoder.h"
#include "wren/audio.h"
#include "wren/lm.h"
#include "wren/nnlm.h"
#include "wren/wer.h"

#endif
