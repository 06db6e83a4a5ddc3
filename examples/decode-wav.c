/* decode-wav.c — decode one audio file with Wren's public C API and print its words with their
 * start and end times and confidences (posteriors). Build against an installed Wren:
 *     cc decode-wav.c $(pkg-config --cflags --libs wren) -o decode-wav
 * usage: decode-wav MODEL_DIR GRAPH_DIR AUDIO_FILE */
#include <stdio.h>
#include <wren.h>

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: %s MODEL_DIR GRAPH_DIR AUDIO_FILE\n", argv[0]); return 1; }
    struct wren_decoder *d;
    struct wren_transcript *t;
    if (wren_decoder_create(argv[1], argv[2], NULL, &d)) { fprintf(stderr, "%s\n", wren_error_msg()); return 1; }
    if (wren_decoder_decode_file(d, argv[3], &t)) { fprintf(stderr, "%s\n", wren_error_msg()); wren_decoder_free(d); return 1; }
    for (int i = 0; i < wren_transcript_num_words(t); i++)
        printf("%.2f %.2f %s %.3f\n", wren_transcript_word_start(t, i), wren_transcript_word_end(t, i),
               wren_transcript_word(t, i), wren_transcript_word_confidence(t, i));
    wren_transcript_free(t);
    wren_decoder_free(d);
    return 0;
}
