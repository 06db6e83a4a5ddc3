/* lattice-wav.c — the word lattice of one audio file with Wren's public C API, printed one arc
 * a line ("src dst word graph_cost acoustic_cost frames", "<eps>" for an epsilon arc) and one
 * line per final state ("state graph_cost acoustic_cost frames"). Build against an installed Wren:
 *     cc lattice-wav.c $(pkg-config --cflags --libs wren) -o lattice-wav
 * usage: lattice-wav MODEL_DIR GRAPH_DIR AUDIO_FILE */
#include <stdio.h>
#include <wren.h>

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: %s MODEL_DIR GRAPH_DIR AUDIO_FILE\n", argv[0]); return 1; }
    struct wren_decoder *d;
    struct wren_word_lattice *l;
    if (wren_decoder_create(argv[1], argv[2], NULL, &d)) { fprintf(stderr, "%s\n", wren_error_msg()); return 1; }
    if (wren_decoder_lattice_file(d, argv[3], &l)) {
        fprintf(stderr, "%s\n", wren_error_msg());
        wren_decoder_free(d);
        return 1;
    }
    for (int s = 0; s < wren_word_lattice_num_states(l); s++) {
        int next, frames;
        const char *word;
        double g, a;
        for (int i = 0; i < wren_word_lattice_num_arcs(l, s); i++) {
            wren_word_lattice_arc(l, s, i, &next, &word, &g, &a, &frames);
            printf("%d %d %s %.4f %.4f %d\n", s, next, word ? word : "<eps>", g, a, frames);
        }
        if (wren_word_lattice_final(l, s, &g, &a, &frames)) printf("%d %.4f %.4f %d\n", s, g, a, frames);
    }
    wren_word_lattice_free(l);
    wren_decoder_free(d);
    return 0;
}
