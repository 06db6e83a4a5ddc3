/* fuzz_nnlm.c — libFuzzer harness for NNLM model files: the safetensors container
 * (nnlm/safetensors.c: 8-byte header length, JSON header, tensor data) and the model built
 * from it (wren_nnlm_load in nnlm/model.c: shapes, metadata, vocabulary). */
#include "fuzz-util.h"

#include "nnlm/nnlm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wren_nnlm *m = wren_nnlm_load(fuzz_write(0, "model.safetensors", data, size));
    if (!m) return 0;
    volatile long sum = wren_nnlm_context(m) + (long)wren_nnlm_stored_params(m) +
                        wren_nnlm_num_tensors(m) + wren_nnlm_num_blocks(m);
    (void)sum;
    wren_nnlm_free(m);
    return 0;
}
