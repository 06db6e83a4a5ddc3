/* nbest-wav.c — the N best word sequences of one audio file with Wren's public C API, printed
 * as `wren decode --nbest N` writes them ("K graph_cost acoustic_cost words", best first).
 * Build against an installed Wren:
 *     cc nbest-wav.c $(pkg-config --cflags --libs wren) -o nbest-wav
 * usage: nbest-wav MODEL_DIR GRAPH_DIR AUDIO_FILE N */
#include <stdio.h>
#include <stdlib.h>
#include <wren.h>

int main(int argc, char **argv)
{
    if (argc != 5) { fprintf(stderr, "usage: %s MODEL_DIR GRAPH_DIR AUDIO_FILE N\n", argv[0]); return 1; }
    struct wren_decoder *d;
    struct wren_nbest *b;
    if (wren_decoder_create(argv[1], argv[2], NULL, &d)) { fprintf(stderr, "%s\n", wren_error_msg()); return 1; }
    if (wren_decoder_nbest_file(d, argv[3], atoi(argv[4]), &b)) {
        fprintf(stderr, "%s\n", wren_error_msg());
        wren_decoder_free(d);
        return 1;
    }
    for (int k = 0; k < wren_nbest_size(b); k++) {
        const struct wren_transcript *t = wren_nbest_transcript(b, k);
        printf("%d %.4f %.4f", k + 1, wren_nbest_graph_cost(b, k), wren_nbest_acoustic_cost(b, k));
        for (int i = 0; i < wren_transcript_num_words(t); i++) printf(" %s", wren_transcript_word(t, i));
        printf("\n");
    }
    wren_nbest_free(b);
    wren_decoder_free(d);
    return 0;
}
