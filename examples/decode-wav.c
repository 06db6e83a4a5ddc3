/* decode-wav.c — decode one audio file with Wren's public C API and print its words with their
 * start and end times and confidences (posteriors). Build against an installed Wren:
 *     cc decode-wav.c $(pkg-config --cflags --libs wren) -o decode-wav
 * usage: decode-wav MODEL_DIR GRAPH_DIR AUDIO_FILE [NNLM]
 * With NNLM (a safetensors file of `wren nnlm-train`), the lattice is rescored by it as `wren
 * decode --nnlm` rescores it; the words of its best path then have no confidence (-1). */
#include <stdio.h>
#include <wren.h>

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) { fprintf(stderr, "usage: %s MODEL_DIR GRAPH_DIR AUDIO_FILE [NNLM]\n", argv[0]); return 1; }
    struct wren_decoder *d;
    struct wren_transcript *t;
    if (wren_decoder_create(argv[1], argv[2], NULL, &d)) { fprintf(stderr, "%s\n", wren_error_msg()); return 1; }
    if (argc == 5 && wren_decoder_set_nnlm(d, argv[4], 0.5f, 1.0f)) {   /* wren rescore's default weights */
        fprintf(stderr, "%s\n", wren_error_msg());
        wren_decoder_free(d);
        return 1;
    }
    if (wren_decoder_decode_file(d, argv[3], &t)) { fprintf(stderr, "%s\n", wren_error_msg()); wren_decoder_free(d); return 1; }
    for (int i = 0; i < wren_transcript_num_words(t); i++)
        printf("%.2f %.2f %s %.3f\n", wren_transcript_word_start(t, i), wren_transcript_word_end(t, i),
               wren_transcript_word(t, i), wren_transcript_word_confidence(t, i));
    wren_transcript_free(t);
    wren_decoder_free(d);
    return 0;
}
