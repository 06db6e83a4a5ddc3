/* fuzz_lattice.c — libFuzzer harness for Kaldi compact-lattice text (lat/lattice-io.c). Every
 * lattice read is written back and read again (the round trip must keep its states and arcs),
 * then sorted, pruned and searched as `wren lattice` would. */
#include "fuzz-util.h"

#include <math.h>

#include "lat/lattice.h"

static void exercise(const char *key, struct wren_lattice *l)
{
    char *text = NULL;
    size_t text_len = 0;
    FILE *out = open_memstream(&text, &text_len);
    if (!out || wren_lattice_write(out, key, l) < 0) abort();
    fclose(out);
    FILE *in = fmemopen(text, text_len, "r");
    if (!in) abort();
    int line = 0;
    char *key2 = NULL;
    struct wren_lattice back = { 0 };   /* wren_lattice_read fills it */
    if (wren_lattice_read(in, "round-trip", &line, &key2, &back) != 1 ||
        back.n_states != l->n_states || back.n_arcs != l->n_arcs) {
        fprintf(stderr, "lattice round trip changed the lattice:\n%s\n", text);
        abort();
    }
    fclose(in);
    free(text);
    free(key2);
    wren_lattice_free(&back);

    wren_lattice_connect_sort(l);
    struct wren_path p;
    if (wren_lattice_best_path(l, 0.1f, &p) == 0) wren_path_free(&p);
    struct wren_path *paths = NULL;
    int n = wren_lattice_nbest(l, 0.1f, 3, 1000, &paths);
    for (int i = 0; i < n; i++) wren_path_free(&paths[i]);
    free(paths);
    struct wren_lattice det = { 0 };
    wren_lattice_determinize(l, 0.1f, 8.0f, 1000, &det);   /* out is set even on failure */
    wren_lattice_free(&det);
    wren_lattice_prune(l, 0.1f, 8.0f);
    double apf, depth;
    wren_lattice_density(l, wren_lattice_frames(l), &apf, &depth);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f) return 0;   /* fmemopen refuses size 0 on some libcs */
    int line = 0;
    for (int k = 0; k < 16; k++) {
        char *key = NULL;
        struct wren_lattice l = { 0 };
        int rc = wren_lattice_read(f, "fuzz", &line, &key, &l);
        if (rc == 1) exercise(key, &l);
        wren_lattice_free(&l);
        free(key);
        if (rc != 1) break;
    }
    fclose(f);
    return 0;
}
