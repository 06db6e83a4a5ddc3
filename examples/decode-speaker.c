/* decode-speaker.c — decode several audio files of ONE speaker together with Wren's public C API
 * (two passes, the second adapted to the speaker, as `wren decode` decodes a data dir) and print
 * a line per file: its name and its words. Build against an installed Wren:
 *     cc decode-speaker.c $(pkg-config --cflags --libs wren) -o decode-speaker
 * usage: decode-speaker MODEL_DIR GRAPH_DIR AUDIO_FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <wren.h>

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: %s MODEL_DIR GRAPH_DIR AUDIO_FILE...\n", argv[0]); return 1; }
    int n = argc - 3;
    struct wren_decoder *d;
    struct wren_transcript **t = calloc((size_t)n, sizeof *t);
    if (!t) { fprintf(stderr, "out of memory\n"); return 1; }
    if (wren_decoder_create(argv[1], argv[2], NULL, &d)) { fprintf(stderr, "%s\n", wren_error_msg()); free(t); return 1; }
    int rc = wren_decoder_decode_speaker_files(d, (const char *const *)(argv + 3), n, t);
    if (rc) fprintf(stderr, "%s\n", wren_error_msg());
    for (int i = 0; i < n && !rc; i++) {
        printf("%s %s\n", argv[3 + i], wren_transcript_text(t[i]));
        wren_transcript_free(t[i]);
    }
    free(t);
    wren_decoder_free(d);
    return rc ? 1 : 0;
}
