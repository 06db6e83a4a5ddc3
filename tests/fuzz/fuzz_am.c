/* fuzz_am.c — libFuzzer harness for the acoustic model's parameter files: feat.params
 * (feat/feat-params.c) and the Sphinx-3 binary files read through am/am-s3io.c
 * (means/variances in gauden.c, mixture_weights and sendump in am-mixw.c). The first byte
 * chooses the reader; the rest is the file. (mdef has its own harness, fuzz_mdef.c.) */
#include "fuzz-util.h"

#include "am/am-internal.h"
#include "feat/feat-params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int kind = data[0] % 4;
    const char *path = fuzz_write(0, "param", data + 1, size - 1);
    if (kind == 0) {
        struct wren_feat_params p;
        wren_feat_params_default(&p);
        if (wren_feat_params_read(path, &p) == 0) {
            volatile int d = wren_feat_params_dim(&p) + wren_feat_params_frame_shift(&p) +
                             wren_feat_params_frame_size(&p);
            (void)d;
        }
    } else if (kind == 1) {
        /* the same file as means and as variances: both have the same layout */
        struct wren_gauden *g;
        if (wren_gauden_load(path, path, 1e-4f, &g) == 0) wren_gauden_free(g);
    } else if (kind == 2) {
        struct wren_mixw w;
        if (wren_mixw_read_float(path, 1e-7f, &w) == 0) wren_mixw_free(&w);
    } else {
        /* sendump: the expected shape comes from the mdef and means; take it from the file's
         * own header words where the caller would (n_feat, n_density, n_sen), bounded. */
        struct wren_mixw w;
        int n_feat = 1, n_density = 256, n_sen = 5138;
        if (size >= 4) {
            n_feat = 1 + data[1] % 4;
            n_density = data[2] ? data[2] : 256;
            n_sen = 1 + data[3] * 20;
        }
        if (wren_mixw_read_sendump(path, n_feat, n_density, n_sen, &w) == 0) wren_mixw_free(&w);
    }
    return 0;
}
