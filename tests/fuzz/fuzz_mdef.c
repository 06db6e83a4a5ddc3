/* fuzz_mdef.c — libFuzzer harness for Sphinx model definition files (am/mdef.c), text
 * ("0.3" header, phone table) and binary ("BMDF"); a model that loads is walked through the
 * lookup functions the decoder uses. */
#include "fuzz-util.h"

#include "am/mdef.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wren_mdef *m;
    if (wren_mdef_load(fuzz_write(0, "mdef", data, size), &m) < 0) return 0;
    int n_ci = wren_mdef_n_ciphones(m), n_ph = wren_mdef_n_phones(m);
    volatile long sum = wren_mdef_n_senones(m) + wren_mdef_n_tmat(m) + wren_mdef_sil(m);
    for (int ci = 0; ci < n_ci; ci++)
        sum += wren_mdef_ciphone_id(m, wren_mdef_ciphone_name(m, ci)) + wren_mdef_is_filler(m, ci);
    for (int p = 0; p < n_ph && p < 4096; p++) {
        const int *s = wren_mdef_senones(m, p);
        for (int k = 0; k < wren_mdef_n_emit_states(m); k++) sum += wren_mdef_senone_ciphone(m, s[k]);
        sum += wren_mdef_tmat(m, p) + wren_mdef_phone_base(m, p);
        if (p >= n_ci)
            sum += wren_mdef_triphone(m, wren_mdef_phone_base(m, p), wren_mdef_phone_left(m, p),
                                      wren_mdef_phone_right(m, p), wren_mdef_phone_wpos(m, p));
    }
    (void)sum;
    wren_mdef_free(m);
    return 0;
}
