/* test_audio.c — audio input on real files (FLAC, WAV, NIST SPHERE, raw PCM, wav.scp pipes)
 * and on bad files generated at test time from real ones with sox: truncated FLAC, WAV and
 * SPHERE, a text file named .wav, an 8 kHz file against a 16 kHz model without resampling, a
 * stereo file (mixed down, or one channel of it), zero-length audio and an empty file. Every error must name the file. Resampling:
 * a 44.1 kHz copy of a 16 kHz file comes back as the original, an 8 kHz file doubles its
 * samples, a tone above the new Nyquist frequency leaves no alias. Single files: a 44.1 kHz MP3
 * written by libsndfile is taken for audio and read at 16 kHz; headerless PCM is told from a
 * text table. */
#include <math.h>
#include <sndfile.h>

#include "feat/audio.h"
#include "testutil.h"
#include "utils/wren-util.h"

static const char *ARCTIC = "data/speech/arctic-fraser/audio/arctic_a0001.flac";
static const char *TIMIT_WAV = "data/speech/timit-sample/dr1-fvmh0/sa1.wav";
static const char *TIMIT_SPH = "data/speech/timit-sample/dr1-fvmh0/si836.wav";
static const char *FSDD = "data/speech/fsdd-digits/audio/0_george_0.wav";

static char *tmp;   /* per-process scratch directory */

static int have_sox(void) { return system("command -v sox >/dev/null 2>&1") == 0; }

static void run(const char *fmt, const char *a, const char *b)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    ck_assert_msg(system(cmd) == 0, "command failed: %s", cmd);
}

static char *tmp_path(const char *name)
{
    size_t n = strlen(tmp) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", tmp, name);
    return p;
}

/* The default options, for a caller that needs audio at RATE Hz. */
static struct wren_audio_opts opts_at(int rate)
{
    struct wren_audio_opts o;
    wren_audio_opts_default(&o);
    o.expect_rate = rate;
    return o;
}

/* Read SPEC expecting failure; the message must name NAME and contain WHAT. */
static void expect_error(const char *spec, const struct wren_audio_opts *o, const char *name,
                         const char *what)
{
    struct wren_audio a;
    ck_assert_msg(wren_audio_read(spec, o, &a) == -1, "%s was accepted", spec);
    const char *msg = wren_error_msg();
    ck_assert_msg(strstr(msg, name) != NULL, "message '%s' does not name %s", msg, name);
    ck_assert_msg(strstr(msg, what) != NULL, "message '%s' lacks '%s'", msg, what);
    ck_assert_msg(strchr(msg, '\n') == NULL, "message is not one line: '%s'", msg);
}

START_TEST(read_flac)
{
    char *p = test_shared_path(ARCTIC);
    struct wren_audio_opts o = opts_at(16000);
    struct wren_audio a;
    ck_assert_msg(wren_audio_read(p, &o, &a) == 0, "%s", wren_error_msg());
    ck_assert_int_eq(a.rate, 16000);
    ck_assert_uint_eq(a.n, 87104);   /* as the FLAC header says */
    ck_assert_int_eq(a.file_channels, 1);
    /* 16-bit scale, integral values */
    float mx = 0;
    for (size_t i = 0; i < a.n; i++) {
        ck_assert_float_eq(a.samples[i], floorf(a.samples[i]));
        if (fabsf(a.samples[i]) > mx) mx = fabsf(a.samples[i]);
    }
    ck_assert_float_gt(mx, 1000);
    ck_assert_float_le(mx, 32768);
    wren_audio_free(&a);
    free(p);
}
END_TEST

START_TEST(read_wav_sphere)
{
    struct wren_audio_opts o;
    wren_audio_opts_default(&o);
    struct wren_audio a;
    char *p = test_shared_path(TIMIT_SPH);
    ck_assert_msg(wren_audio_read(p, &o, &a) == 0, "%s", wren_error_msg());
    ck_assert_uint_eq(a.n, 68813);   /* sample_count in the SPHERE header */
    ck_assert_int_eq(a.rate, 16000);
    wren_audio_free(&a);
    free(p);
    p = test_shared_path(FSDD);
    ck_assert_int_eq(wren_audio_read(p, &o, &a), 0);
    ck_assert_int_eq(a.rate, 8000);
    ck_assert_uint_eq(a.n, 2384);
    wren_audio_free(&a);
    free(p);
}
END_TEST

/* The same samples through a Kaldi pipe, raw PCM and a SPHERE copy made by sox. */
START_TEST(pipe_raw_sphere_agree)
{
    if (!have_sox()) { printf("skip: sox not installed\n"); return; }
    char *p = test_shared_path(TIMIT_WAV);
    struct wren_audio_opts o;
    wren_audio_opts_default(&o);
    struct wren_audio ref, a;
    ck_assert_int_eq(wren_audio_read(p, &o, &ref), 0);

    char spec[4096];
    snprintf(spec, sizeof spec, "sox '%s' -t wav - |", p);
    ck_assert_msg(wren_audio_read(spec, &o, &a) == 0, "%s", wren_error_msg());
    ck_assert_uint_eq(a.n, ref.n);
    ck_assert_int_eq(memcmp(a.samples, ref.samples, a.n * sizeof(float)), 0);
    wren_audio_free(&a);

    char *raw = tmp_path("x.raw");
    run("sox '%s' -t raw -e signed-integer -b 16 -B '%s'", p, raw);
    struct wren_audio_opts ro = o;
    ro.raw_format = "s16be";
    ro.raw_rate = 16000;
    ck_assert_msg(wren_audio_read(raw, &ro, &a) == 0, "%s", wren_error_msg());
    ck_assert_uint_eq(a.n, ref.n);
    ck_assert_int_eq(memcmp(a.samples, ref.samples, a.n * sizeof(float)), 0);
    wren_audio_free(&a);
    ro.raw_rate = 0;
    expect_error(raw, &ro, raw, "--raw-rate");

    char *sph = tmp_path("x.sph");
    run("sox '%s' '%s'", p, sph);
    ck_assert_msg(wren_audio_read(sph, &o, &a) == 0, "%s", wren_error_msg());
    ck_assert_uint_eq(a.n, ref.n);
    ck_assert_int_eq(memcmp(a.samples, ref.samples, a.n * sizeof(float)), 0);
    wren_audio_free(&a);

    /* lengths from the headers (and the raw file's size) without reading: the samples read;
     * a pipe's is not known */
    double sec = -1, want = (double)ref.n / ref.rate;
    ck_assert_int_eq(wren_audio_seconds(p, &o, &sec), 0);
    ck_assert_double_eq_tol(sec, want, 1e-9);
    ck_assert_int_eq(wren_audio_seconds(sph, &o, &sec), 0);
    ck_assert_double_eq_tol(sec, want, 1e-9);
    ro.raw_rate = 16000;
    ck_assert_int_eq(wren_audio_seconds(raw, &ro, &sec), 0);
    ck_assert_double_eq_tol(sec, want, 1e-9);
    ck_assert_int_eq(wren_audio_seconds(spec, &o, &sec), 1);
    ck_assert_int_eq(wren_audio_seconds("/nonexistent.wav", &o, &sec), 1);

    wren_audio_free(&ref);
    free(raw);
    free(sph);
    free(p);
}
END_TEST

START_TEST(bad_truncated)
{
    if (!have_sox()) { printf("skip: sox not installed\n"); return; }
    struct wren_audio_opts o;
    wren_audio_opts_default(&o);
    char *flac = test_shared_path(ARCTIC);
    char *tflac = tmp_path("trunc.flac");
    run("head -c 30000 '%s' > '%s'", flac, tflac);
    expect_error(tflac, &o, tflac, "");
    struct wren_audio a;
    ck_assert_int_eq(wren_audio_read(tflac, &o, &a), -1);
    ck_assert_msg(strstr(wren_error_msg(), "truncated") || strstr(wren_error_msg(), "damaged"),
                  "%s", wren_error_msg());

    char *wav = test_shared_path(TIMIT_WAV);
    char *twav = tmp_path("trunc.wav");
    run("head -c 20001 '%s' > '%s'", wav, twav);
    expect_error(twav, &o, twav, "truncated WAV");
    char *hwav = tmp_path("header-only.wav");
    run("head -c 30 '%s' > '%s'", wav, hwav);
    expect_error(hwav, &o, hwav, "");

    char *sph = test_shared_path(TIMIT_SPH);
    char *tsph = tmp_path("trunc.sph");
    run("head -c 5000 '%s' > '%s'", sph, tsph);
    expect_error(tsph, &o, tsph, "truncated SPHERE");

    char *raw = tmp_path("odd.raw");
    run("head -c 1001 '%s' > '%s'", wav, raw);
    struct wren_audio_opts ro = o;
    ro.raw_format = "s16le";
    ro.raw_rate = 16000;
    expect_error(raw, &ro, raw, "truncated raw");
    free(flac); free(tflac); free(wav); free(twav); free(hwav); free(sph); free(tsph); free(raw);
}
END_TEST

START_TEST(bad_not_audio_empty_zero)
{
    if (!have_sox()) { printf("skip: sox not installed\n"); return; }
    struct wren_audio_opts o;
    wren_audio_opts_default(&o);
    char *txt = test_write_file(tmp, "notes.wav", "this is a text file, not audio\n");
    expect_error(txt, &o, txt, "not a readable audio file");
    char *empty = test_write_file(tmp, "empty.wav", "");
    expect_error(empty, &o, empty, "empty");
    char *zero = tmp_path("zero.wav");
    run("sox -n -r 16000 -b 16 -c 1 '%s' trim 0 0%s", zero, "");
    expect_error(zero, &o, zero, "no audio samples");
    expect_error("/nonexistent/x.wav", &o, "/nonexistent/x.wav", "");
    expect_error("false |", &o, "false", "");
    free(txt); free(empty); free(zero);
}
END_TEST

START_TEST(bad_rate_and_channels)
{
    if (!have_sox()) { printf("skip: sox not installed\n"); return; }
    struct wren_audio_opts o = opts_at(16000);
    char *fsdd = test_shared_path(FSDD);
    o.resample = 0;
    expect_error(fsdd, &o, fsdd, "8000 Hz does not match the model's 16000 Hz");
    o.resample = 1;
    struct wren_audio a8, a16;
    struct wren_audio_opts any;
    wren_audio_opts_default(&any);
    ck_assert_int_eq(wren_audio_read(fsdd, &any, &a8), 0);
    ck_assert_int_eq(a8.rate, 8000);
    ck_assert_msg(wren_audio_read(fsdd, &o, &a16) == 0, "%s", wren_error_msg());
    ck_assert_int_eq(a16.rate, 16000);
    ck_assert_int_eq(a16.source_rate, 8000);
    ck_assert_uint_eq(a16.n, 2 * a8.n);
    wren_audio_free(&a8);
    wren_audio_free(&a16);

    char *wav = test_shared_path(TIMIT_WAV);
    char *st = tmp_path("stereo.wav");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "sox -D '%s' -c 2 '%s' remix 1 1v0.5", wav, st);
    ck_assert_int_eq(system(cmd), 0);
    struct wren_audio ref, a;
    struct wren_audio_opts m = o;
    ck_assert_int_eq(wren_audio_read(wav, &m, &ref), 0);
    /* no channel chosen: the mean of the two, 0.75 of the original (within sox's rounding) */
    ck_assert_msg(wren_audio_read(st, &m, &a) == 0, "%s", wren_error_msg());
    ck_assert_int_eq(a.file_channels, 2);
    ck_assert_uint_eq(a.n, ref.n);
    for (size_t i = 0; i < a.n; i++)
        ck_assert_msg(fabsf(a.samples[i] - 0.75f * ref.samples[i]) <= 0.5f, "sample %zu: %g, not 0.75 x %g",
                      i, a.samples[i], ref.samples[i]);
    wren_audio_free(&a);
    m.channel = 0;
    ck_assert_msg(wren_audio_read(st, &m, &a) == 0, "%s", wren_error_msg());
    ck_assert_int_eq(a.file_channels, 2);
    ck_assert_uint_eq(a.n, ref.n);
    ck_assert_int_eq(memcmp(a.samples, ref.samples, a.n * sizeof(float)), 0);
    wren_audio_free(&a);
    m.channel = 2;
    expect_error(st, &m, st, "channel 2 requested");
    wren_audio_free(&ref);
    free(fsdd); free(wav); free(st);
}
END_TEST

/* 10 log10 of the energy of x over that of x - y, on samples [b, e) */
static double snr_db(const float *x, const float *y, size_t b, size_t e)
{
    double s = 0, d = 0;
    for (size_t i = b; i < e; i++) {
        s += (double)x[i] * x[i];
        d += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
    }
    return 10 * log10(s / (d > 0 ? d : 1e-30));
}

/* Power of x at frequency f (Hz) at rate r: the squared magnitude of the Goertzel sum / n */
static double tone_power(const float *x, size_t n, double f, double r)
{
    double w = 2 * M_PI * f / r, re = 0, im = 0;
    for (size_t i = 0; i < n; i++) {
        re += x[i] * cos(w * (double)i);
        im -= x[i] * sin(w * (double)i);
    }
    return (re * re + im * im) / ((double)n * n);
}

START_TEST(resample_round_trip)
{
    if (!have_sox()) { printf("skip: sox not installed\n"); return; }
    struct wren_audio_opts o = opts_at(16000);
    /* the reference: the TIMIT file without its band above 7 kHz (beyond the model's filters),
     * where the resamplers' roll-off towards 8 kHz would dominate the difference */
    char *src = test_shared_path(TIMIT_WAV), *wav = tmp_path("band7k.wav");
    run("sox -D '%s' -b 24 '%s' sinc -7000", src, wav);
    struct wren_audio ref, a;
    ck_assert_int_eq(wren_audio_read(wav, &o, &ref), 0);
    ck_assert_int_eq(ref.source_rate, 16000);
    const char *rates[] = { "44100", "48000", "22050" };
    for (int k = 0; k < 3; k++) {
        char name[32], cmd[4096];
        snprintf(name, sizeof name, "up%s.flac", rates[k]);
        char *up = tmp_path(name);
        snprintf(cmd, sizeof cmd, "sox -D '%s' -b 24 -r %s '%s'", wav, rates[k], up);
        ck_assert_int_eq(system(cmd), 0);
        ck_assert_msg(wren_audio_read(up, &o, &a) == 0, "%s", wren_error_msg());
        ck_assert_int_eq(a.rate, 16000);
        ck_assert_int_eq(a.source_rate, atoi(rates[k]));
        ck_assert_msg(a.n + 1 >= ref.n && a.n <= ref.n + 1, "%s: %zu samples, the original %zu",
                      rates[k], a.n, ref.n);
        /* up by sox and back down by Wren: the same signal, but for the filters' tails */
        double snr = snr_db(ref.samples, a.samples, 200, ref.n - 200);
        ck_assert_msg(snr > 60, "%s Hz and back: SNR %.1f dB", rates[k], snr);
        wren_audio_free(&a);
        free(up);
    }
    wren_audio_free(&ref);
    free(src);
    free(wav);
}
END_TEST

START_TEST(resample_no_alias)
{
    if (!have_sox()) { printf("skip: sox not installed\n"); return; }
    /* 1 kHz and 10 kHz at 44.1 kHz: at 16 kHz the 10 kHz tone must go, not fold to 6 kHz */
    char *lo = tmp_path("tone1k.wav"), *hi = tmp_path("tone10k.wav"), *mix = tmp_path("mix.wav");
    run("sox -n -r 44100 -b 16 -c 1 '%s' synth 1 sine 1000 vol 0.4%s", lo, "");
    run("sox -n -r 44100 -b 16 -c 1 '%s' synth 1 sine 10000 vol 0.4%s", hi, "");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "sox -m -v 1 '%s' -v 1 '%s' '%s'", lo, hi, mix);
    ck_assert_int_eq(system(cmd), 0);
    struct wren_audio_opts o = opts_at(16000);
    struct wren_audio a;
    ck_assert_msg(wren_audio_read(mix, &o, &a) == 0, "%s", wren_error_msg());
    ck_assert_uint_eq(a.n, 16000);
    double p1 = tone_power(a.samples + 1000, 14000, 1000, 16000);
    double p6 = tone_power(a.samples + 1000, 14000, 6000, 16000);
    double amp = 0.4 * 32768 / 2;   /* a sine of amplitude A has Goertzel power (A / 2)^2 */
    ck_assert_msg(fabs(sqrt(p1) / amp - 1) < 0.01, "1 kHz amplitude %.1f, expected %.1f", sqrt(p1), amp);
    ck_assert_msg(p6 < 1e-6 * p1, "alias at 6 kHz: %.3g of the 1 kHz power", p6 / p1);
    wren_audio_free(&a);
    /* a rate too low to resample is an error naming the file */
    char *slow = tmp_path("slow.wav");
    run("sox -n -r 2000 -b 16 -c 1 '%s' synth 1 sine 300%s", slow, "");
    expect_error(slow, &o, slow, "2000 Hz: only audio at 4000 to 768000 Hz is resampled");
    free(lo); free(hi); free(mix); free(slow);
}
END_TEST

START_TEST(mp3_and_raw_files)
{
    if (!have_sox()) { printf("skip: sox not installed\n"); return; }
    char *src = test_shared_path(TIMIT_WAV), *wav44 = tmp_path("t44.wav"), *mp3 = tmp_path("t44.mp3");
    run("sox -D '%s' -r 44100 '%s'", src, wav44);
    /* libsndfile writes the MP3 (LAME), as a user's recorder would */
    SF_INFO in = { 0 }, out = { 0 };
    SNDFILE *r = sf_open(wav44, SFM_READ, &in);
    ck_assert_ptr_nonnull(r);
    out.samplerate = in.samplerate;
    out.channels = 1;
    out.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
    SNDFILE *w = sf_open(mp3, SFM_WRITE, &out);
    if (!w) {
        printf("skip: this libsndfile writes no MP3 (%s)\n", sf_strerror(NULL));
        sf_close(r);
        free(src); free(wav44); free(mp3);
        return;
    }
    float buf[4096];
    sf_count_t got;
    while ((got = sf_readf_float(r, buf, 4096)) > 0) ck_assert_int_eq(sf_writef_float(w, buf, got), got);
    sf_close(r);
    ck_assert_int_eq(sf_close(w), 0);
    ck_assert_int_eq(wren_audio_file_like(mp3), 1);
    struct wren_audio_opts o = opts_at(16000);
    struct wren_audio ref, a;
    ck_assert_int_eq(wren_audio_read(src, &o, &ref), 0);
    ck_assert_msg(wren_audio_read(mp3, &o, &a) == 0, "%s", wren_error_msg());
    ck_assert_int_eq(a.source_rate, 44100);
    ck_assert_int_eq(a.rate, 16000);
    /* the encoder pads a frame or so (1152 samples at 44.1 kHz: 418 at 16 kHz) */
    ck_assert_msg(a.n >= ref.n - 500 && a.n <= ref.n + 2000, "MP3: %zu samples, the WAV %zu", a.n, ref.n);
    wren_audio_free(&a);
    wren_audio_free(&ref);
    /* headerless PCM has control bytes; a wav.scp has none */
    char *raw = tmp_path("t.raw"), *scp = tmp_path("wav.scp");
    run("sox '%s' -t raw -e signed -b 16 '%s'", src, raw);
    FILE *f = fopen(scp, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "utt1\t%s\r\nutt2 sox %s -t wav - |\n", src, src);
    fclose(f);
    ck_assert_int_eq(wren_audio_raw_like(raw), 1);
    ck_assert_int_eq(wren_audio_file_like(raw), 0);
    ck_assert_int_eq(wren_audio_raw_like(scp), 0);
    ck_assert_int_eq(wren_audio_file_like(scp), 0);
    ck_assert_int_eq(wren_audio_raw_like(tmp), 0);   /* a folder */
    free(src); free(wav44); free(mp3); free(raw); free(scp);
}
END_TEST

/* A copy of the real SPHERE file with header field text FROM replaced by TO (same length, the
 * header is fixed-size) and EXTRA zero bytes appended to its data. */
static char *sphere_variant(const char *name, const char *from, const char *to, size_t extra)
{
    char *src = test_shared_path(TIMIT_SPH);
    char *data;
    size_t len;
    ck_assert_int_eq(wren_read_all(src, &data, &len), 0);
    ck_assert_uint_eq(strlen(from), strlen(to));
    char *hit = from[0] ? strstr(data, from) : NULL;   /* the header is text up to its NUL padding */
    ck_assert_msg(!from[0] || hit, "no '%s' in the SPHERE header", from);
    if (hit) memcpy(hit, to, strlen(to));
    char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    for (size_t i = 0; i < extra; i++) fputc(0, f);
    ck_assert_int_eq(fclose(f), 0);
    free(data);
    free(src);
    return path;
}

/* The SPHERE header must describe the data exactly: a sample_count smaller than the data (600
 * of 68,813) or larger, a partial sample, a missing rate, a channel or byte count that cannot be
 * are errors, never a silently shorter or misread recording. */
START_TEST(bad_sphere_header)
{
    struct wren_audio_opts o;
    wren_audio_opts_default(&o);
    struct wren_audio a;
    char *ok = sphere_variant("ok.sph", "", "", 0);
    ck_assert_msg(wren_audio_read(ok, &o, &a) == 0, "%s", wren_error_msg());
    ck_assert_uint_eq(a.n, 68813);
    wren_audio_free(&a);
    static const struct { const char *from, *to; size_t extra; const char *what; } cases[] = {
        { "sample_count -i 68813", "sample_count -i 600  ", 0, "sample_count 600 contradicts the data" },
        { "sample_count -i 68813", "sample_count -i 68812", 0, "sample_count 68812 contradicts" },
        { "", "", 2, "sample_count 68813 contradicts" },
        { "sample_count -i 68813", "sample_count -i 68814", 0, "truncated SPHERE" },
        { "sample_count -i 68813", "sample_count -i 6881x", 0, "sample_count is not an integer" },
        { "sample_rate -i 16000", "sample_rxte -i 16000", 0, "no positive sample_rate" },
        { "channel_count -i 1", "channel_count -i 0", 0, "channel_count 0 is out of range" },
        { "sample_n_bytes -i 2", "sample_n_bytes -i 9", 0, "sample_n_bytes 9 is out of range" },
        { "sample_n_bytes -i 2", "sample_n_bytes -i 1", 0, "sample_byte_format '01' contradicts sample_n_bytes 1" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.sph", i);
        char *p = sphere_variant(name, cases[i].from, cases[i].to, cases[i].extra);
        expect_error(p, &o, p, cases[i].what);
        free(p);
    }
    free(ok);
}
END_TEST

static Suite *audio_suite(void)
{
    Suite *s = suite_create("audio");
    TCase *tc = tcase_create("audio");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, read_flac);
    tcase_add_test(tc, read_wav_sphere);
    tcase_add_test(tc, pipe_raw_sphere_agree);
    tcase_add_test(tc, bad_sphere_header);
    tcase_add_test(tc, bad_truncated);
    tcase_add_test(tc, bad_not_audio_empty_zero);
    tcase_add_test(tc, bad_rate_and_channels);
    tcase_add_test(tc, resample_round_trip);
    tcase_add_test(tc, resample_no_alias);
    tcase_add_test(tc, mp3_and_raw_files);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    char tmpl[] = "/tmp/wren-test-audio-XXXXXX";
    if (!mkdtemp(tmpl)) return EXIT_FAILURE;
    tmp = strdup(tmpl);
    int rc = test_run_suite(audio_suite());
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) rc = EXIT_FAILURE;
    free(tmp);
    return rc;
}
