/* fuzz_audio.c — libFuzzer harness for reading audio (feat/audio.c): WAV, FLAC, NIST SPHERE,
 * AIFF, ... through libsndfile's virtual I/O and Wren's own WAV/SPHERE header checks, and
 * headerless PCM. Each input is read as a file (its channels mixed down; then channel 0,
 * resampled to 16 kHz from any other rate) and as raw s16le or u-law PCM. */
#include "fuzz-util.h"

#include "feat/audio.h"

static void read_once(const uint8_t *data, size_t size, const struct wren_audio_opts *o)
{
    struct wren_audio a;
    if (wren_audio_read_memory(data, size, "fuzz", o, &a) == 0) wren_audio_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wren_audio_opts o;
    wren_audio_opts_default(&o);
    read_once(data, size, &o);
    o.channel = 0;
    o.expect_rate = 16000;
    read_once(data, size, &o);
    wren_audio_opts_default(&o);
    o.raw_format = size && (data[0] & 1) ? "ulaw" : "s16le";
    o.raw_rate = 16000;
    read_once(data, size, &o);
    return 0;
}
