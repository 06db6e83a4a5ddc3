/* stream-wav.c — streaming decoding with Wren's public C API: a 16-bit mono PCM WAV file, at any
 * rate from 8 to 48 kHz, is fed to the decoder in 100 ms chunks, as a microphone would deliver
 * it (at another rate than the model's through wren_decoder_accept_samples_at); the partial
 * transcript is printed to stderr after every second of audio, and the final words with their
 * times to stdout (the same as decode-wav prints for a file of up to a minute; a longer stream is
 * cut at a pause each time 20 s have gathered, so it may run for hours in little memory, and its
 * words near the cuts may differ from decode-wav's). Build against an installed Wren:
 *     cc stream-wav.c $(pkg-config --cflags --libs wren) -o stream-wav
 * usage: stream-wav MODEL_DIR GRAPH_DIR WAV_FILE */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wren.h>

static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static unsigned le16(const unsigned char *p) { return p[0] | p[1] << 8; }

/* Positions f at the samples of a 16-bit mono PCM WAV of 8 to 48 kHz; returns their bytes and
 * sets *rate. */
static long wav_data(FILE *f, const char *path, int *rate)
{
    unsigned char h[12], c[8], fmt[16];
    int have_fmt = 0;
    if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) {
        fprintf(stderr, "%s: not a RIFF/WAVE file\n", path);
        return -1;
    }
    while (fread(c, 1, 8, f) == 8) {
        uint32_t n = le32(c + 4);
        if (!memcmp(c, "fmt ", 4) && n >= 16) {
            if (fread(fmt, 1, 16, f) != 16 || fseek(f, (long)(n - 16 + (n & 1)), SEEK_CUR)) break;
            have_fmt = 1;
        } else if (!memcmp(c, "data", 4)) {
            *rate = have_fmt ? (int)le32(fmt + 4) : 0;
            if (!have_fmt || le16(fmt) != 1 || le16(fmt + 2) != 1 || le16(fmt + 14) != 16 ||
                *rate < 8000 || *rate > 48000) {
                fprintf(stderr, "%s: want 16-bit mono PCM at 8 to 48 kHz\n", path);
                return -1;
            }
            return (long)n;
        } else if (fseek(f, (long)(n + (n & 1)), SEEK_CUR)) {
            break;
        }
    }
    fprintf(stderr, "%s: no data chunk\n", path);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: %s MODEL_DIR GRAPH_DIR WAV_FILE\n", argv[0]); return 1; }
    struct wren_decoder *d;
    if (wren_decoder_create(argv[1], argv[2], NULL, &d)) { fprintf(stderr, "%s\n", wren_error_msg()); return 1; }
    FILE *f = fopen(argv[3], "rb");
    if (!f) { perror(argv[3]); wren_decoder_free(d); return 1; }
    int rate = 0;
    long left = wav_data(f, argv[3], &rate);
    int rc = left < 0, chunk = rate / 10;
    unsigned char buf[2 * 4800];
    float x[4800];
    if (chunk > 4800) chunk = 4800;
    wren_decoder_start_utterance(d);
    for (long fed = 0; !rc && left >= 2; ) {
        size_t want = (size_t)(left / 2 < chunk ? left / 2 : chunk);
        size_t got = fread(buf, 2, want, f);
        if (got != want) { fprintf(stderr, "%s: truncated data\n", argv[3]); rc = 1; break; }
        for (size_t i = 0; i < got; i++) x[i] = (float)(int16_t)le16(buf + 2 * i);
        rc = wren_decoder_accept_samples_at(d, x, got, rate) != 0;   /* resampled if need be */
        left -= 2 * (long)got;
        if (!rc && (fed + (long)got) / rate > fed / rate) {   /* another second of audio */
            struct wren_transcript *p;
            rc = wren_decoder_partial_transcript(d, &p) != 0;
            if (!rc) fprintf(stderr, "partial %ld s: %s\n", (fed + (long)got) / rate, wren_transcript_text(p));
            wren_transcript_free(p);
        }
        fed += (long)got;
    }
    fclose(f);
    struct wren_transcript *t = NULL;
    if (!rc && wren_decoder_finish_utterance(d, &t)) rc = 1;
    if (rc && wren_error_msg()[0]) fprintf(stderr, "%s\n", wren_error_msg());
    for (int i = 0; !rc && i < wren_transcript_num_words(t); i++)
        printf("%.2f %.2f %s %.3f\n", wren_transcript_word_start(t, i), wren_transcript_word_end(t, i),
               wren_transcript_word(t, i), wren_transcript_word_confidence(t, i));
    wren_transcript_free(t);
    wren_decoder_free(d);
    return rc;
}
