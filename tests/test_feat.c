/* test_feat.c — the front end against the real thing: feat.params reading, MFCC cepstra
 * compared with sphinxbase's sphinx_fe run at test time on real corpus files (16 kHz en-us
 * and the 8 kHz hub4wsj_sc_8k model), sphinx_fe's frame counts at block edges, CMN, deltas,
 * VTLN's filter shift, cutting a recording at its pauses, and Kaldi-style fbank properties. */
#include <math.h>
#include <stdint.h>

#include "feat/audio-segment.h"
#include "feat/audio.h"
#include "feat/feat.h"
#include "testutil.h"
#include "utils/wren-util.h"

#define EN_US "/usr/share/pocketsphinx/model/en-us/en-us"

static int have_en_us(void) { return access(EN_US "/feat.params", R_OK) == 0; }

static int have_tool(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static char *model_8k(void) { return test_shared_path("data/models/hub4wsj_sc_8k"); }

/* ---- feat.params ---- */

START_TEST(params_en_us)
{
    if (!have_en_us()) { printf("skip: %s not installed\n", EN_US); return; }
    struct wren_feat_params p;
    wren_feat_params_default(&p);
    ck_assert_int_eq(wren_feat_params_read(EN_US, &p), 0);
    ck_assert_float_eq(p.samprate, 16000);
    ck_assert_int_eq(p.samprate_given, 0);
    ck_assert_int_eq(p.nfilt, 25);
    ck_assert_float_eq_tol(p.lowerf, 130, 1e-3);
    ck_assert_float_eq_tol(p.upperf, 6800, 1e-3);
    ck_assert_int_eq(p.transform, WREN_TRANSFORM_DCT);
    ck_assert_int_eq(p.lifter, 22);
    ck_assert_int_eq(p.cmn, WREN_CMN_BATCH);
    ck_assert_int_eq(p.ncmninit, 13);
    ck_assert_float_eq_tol(p.cmninit[1], -5.29, 1e-5);
    ck_assert_str_eq(p.feat, "1s_c_d_dd");
    ck_assert_str_eq(p.model, "ptm");
    ck_assert_str_eq(p.svspec, "0-12/13-25/26-38");
    ck_assert_int_eq(wren_feat_params_dim(&p), 39);
    /* sphinxbase defaults for what the file leaves out */
    ck_assert_int_eq(p.nfft, 512);
    ck_assert_float_eq_tol(p.wlen, 0.025625, 1e-7);
    ck_assert_float_eq_tol(p.alpha, 0.97, 1e-7);
    ck_assert_int_eq(wren_feat_params_frame_size(&p), 410);
    ck_assert_int_eq(wren_feat_params_frame_shift(&p), 160);
}
END_TEST

START_TEST(params_8k)
{
    char *m = model_8k();
    struct wren_feat_params p;
    wren_feat_params_default(&p);
    ck_assert_msg(wren_feat_params_read(m, &p) == 0, "%s", wren_error_msg());
    ck_assert_float_eq(p.samprate, 8000);   /* inferred: no -samprate, upperf 4000 */
    ck_assert_int_eq(p.nfilt, 20);
    ck_assert_int_eq(p.remove_dc, 1);
    ck_assert_int_eq(p.round_filters, 0);
    ck_assert_int_eq(p.cmn, WREN_CMN_BATCH);   /* "current" */
    ck_assert_int_eq(wren_feat_params_frame_size(&p), 200);
    ck_assert_int_eq(wren_feat_params_frame_shift(&p), 80);
    free(m);
}
END_TEST

START_TEST(params_errors)
{
    char *dir = test_tmpdir();
    struct { const char *text, *expect; } cases[] = {
        { "-nfilt 20\n-lowerf abc\n", ":2: -lowerf: 'abc' is not a number" },
        { "-nfilt 20\n-upperf\n", ":2: option -upperf has no value" },
        { "# comment\n-transform fancy\n", ":2: -transform: 'fancy'" },
        { "nfilt 20\n", ":1: expected an option" },
        { "-cmn sometimes\n", ":1: -cmn: 'sometimes'" },
        { "-cmninit 1,x,3\n", ":1: -cmninit" },
        { "-nfft 300\n", "-nfft 300 is not a power of two" },
        { "-vtln_warp 2.5\n", "-vtln_warp 2.5 out of range" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = test_write_file(dir, "feat.params", cases[i].text);
        struct wren_feat_params p;
        wren_feat_params_default(&p);
        ck_assert_int_eq(wren_feat_params_read(dir, &p), -1);
        const char *msg = wren_error_msg();
        ck_assert_msg(strstr(msg, path) && strstr(msg, cases[i].expect),
                      "case %zu: message '%s' lacks '%s' or the path", i, msg, cases[i].expect);
        free(path);
    }
    struct wren_feat_params p;
    wren_feat_params_default(&p);
    ck_assert_int_eq(wren_feat_params_read("/nonexistent/model", &p), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "/nonexistent/model"));
    /* an explicit -samprate wins over the inference */
    char *path = test_write_file(dir, "feat.params", "-upperf 3500\n-samprate 11025\n");
    wren_feat_params_default(&p);
    ck_assert_int_eq(wren_feat_params_read(path, &p), 0);
    ck_assert_float_eq(p.samprate, 11025);
    ck_assert_int_eq(p.samprate_given, 1);
    free(path);
    free(dir);
}
END_TEST

/* ---- against sphinx_fe ---- */

/* Read a Sphinx .mfc file (int32 float count, then floats; either byte order). */
static float *read_mfc(const char *path, int *nframes, int ncep)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *d = malloc((size_t)len);
    ck_assert_int_eq(fread(d, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    uint32_t le = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
    uint32_t be = (uint32_t)d[3] | (uint32_t)d[2] << 8 | (uint32_t)d[1] << 16 | (uint32_t)d[0] << 24;
    int big = (long)le * 4 + 4 != len;
    uint32_t n = big ? be : le;
    ck_assert_int_eq((long)n * 4 + 4, len);
    float *x = malloc((n + 1) * sizeof(float));
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *p = d + 4 + 4 * i;
        uint32_t u = big ? (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24
                         : (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        memcpy(&x[i], &u, 4);
    }
    free(d);
    *nframes = (int)(n / (uint32_t)ncep);
    return x;
}

/* Run sphinx_fe on AUDIO (converted to WAV with sox) and compare with Wren's cepstra. */
static void compare_one(const char *model, const char *rel, int rate, int all_frames);

/* Both configurations: feat.params as is (noise removal and VAD on, the sphinxbase defaults)
 * and every frame kept (-remove_noise no -remove_silence no). */
static void compare_with_sphinx_fe(const char *model, const char *rel, int rate)
{
    compare_one(model, rel, rate, 0);
    compare_one(model, rel, rate, 1);
}

static void compare_one(const char *model, const char *rel, int rate, int all_frames)
{
    char *audio = test_shared_path(rel);
    char *dir = test_tmpdir();
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "sox '%s' -t wav -e signed-integer -b 16 '%s/in.wav' && "
             "sphinx_fe -argfile '%s/feat.params' -samprate %d -i '%s/in.wav' -o '%s/out.mfc' "
             "-mswav yes -dither no %s >'%s/log' 2>&1", audio, dir, model, rate, dir, dir,
             all_frames ? "-remove_noise no -remove_silence no" : "", dir);
    ck_assert_msg(system(cmd) == 0, "sphinx_fe failed on %s", audio);
    snprintf(cmd, sizeof cmd, "%s/out.mfc", dir);
    int nref;
    float *ref = read_mfc(cmd, &nref, 13);

    struct wren_feat_params p;
    wren_feat_params_default(&p);
    ck_assert_int_eq(wren_feat_params_read(model, &p), 0);
    if (all_frames) p.remove_noise = p.remove_silence = 0;
    struct wren_audio_opts ao;
    wren_audio_opts_default(&ao);
    ao.expect_rate = (int)p.samprate;
    struct wren_audio a;
    ck_assert_msg(wren_audio_read(audio, &ao, &a) == 0, "%s", wren_error_msg());
    struct wren_fe *fe;
    ck_assert_int_eq(wren_fe_create(&p, &fe), 0);
    float *cep;
    int nf;
    ck_assert_int_eq(wren_fe_cepstra(fe, a.samples, a.n, &cep, &nf), 0);
    if (all_frames) ck_assert_int_eq(wren_fe_num_frames(fe, a.n), nf);
    else ck_assert_int_le(nf, wren_fe_num_frames(fe, a.n));
    ck_assert_msg(nf == nref, "%s (all_frames %d): wren %d frames, sphinx_fe %d", rel,
                  all_frames, nf, nref);
    double worst = 0;
    for (long i = 0; i < (long)nf * 13; i++) {
        double d = fabs((double)cep[i] - ref[i]);
        if (d > worst) worst = d;
    }
    ck_assert_msg(worst <= 1e-3, "%s: worst difference %g", rel, worst);
    printf("%s (%s): %d frames, worst |wren - sphinx_fe| = %.3g\n", rel,
           all_frames ? "all frames" : "feat.params defaults", nf, worst);
    free(cep);
    free(ref);
    wren_fe_free(fe);
    wren_audio_free(&a);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(dir);
    free(audio);
}

static int sphinx_fe_ready(void)
{
    if (!have_tool("sphinx_fe") || !have_tool("sox")) {
        printf("skip: sphinx_fe or sox not installed (utils/setup.sh installs sphinxbase-utils)\n");
        return 0;
    }
    return 1;
}

START_TEST(vs_sphinx_fe_16k)
{
    if (!sphinx_fe_ready() || !have_en_us()) return;
    compare_with_sphinx_fe(EN_US, "data/speech/arctic-fraser/audio/arctic_a0001.flac", 16000);
    /* 54970 samples: the last full frame ends exactly at the end (no extra frame) */
    compare_with_sphinx_fe(EN_US, "data/speech/arctic-fraser/audio/arctic_a0321.flac", 16000);
    compare_with_sphinx_fe(EN_US, "data/speech/timit-sample/dr1-fvmh0/sa1.wav", 16000);
    compare_with_sphinx_fe(EN_US, "data/speech/timit-sample/dr1-fvmh0/si836.wav", 16000); /* SPHERE */
}
END_TEST

START_TEST(vs_sphinx_fe_8k)
{
    if (!sphinx_fe_ready()) return;
    char *m = model_8k();
    compare_with_sphinx_fe(m, "data/speech/fsdd-digits/audio/0_george_0.wav", 8000);
    compare_with_sphinx_fe(m, "data/speech/fsdd-digits/audio/7_jackson_12.wav", 8000);
    free(m);
}
END_TEST

/* Frame counts sphinx_fe 5prealpha produced (measured with sphinx_fe -blocksize 2048 on noise
 * of these lengths): its block-wise framing decides whether a last partial frame exists. */
START_TEST(frame_counts)
{
    if (!have_en_us()) return;
    static const struct { size_t n; int frames; } cases[] = {
        { 4000, 24 }, { 4010, 24 }, { 4090, 25 }, { 4096, 25 }, { 4250, 26 }, { 4260, 26 },
        { 4410, 27 }, { 16000, 99 }, { 16001, 99 }, { 16250, 101 }, { 16410, 102 },
        { 54970, 342 }, { 87104, 543 },
    };
    struct wren_feat_params p;
    wren_feat_params_default(&p);
    ck_assert_int_eq(wren_feat_params_read(EN_US, &p), 0);
    struct wren_fe *fe;
    ck_assert_int_eq(wren_fe_create(&p, &fe), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(wren_fe_num_frames(fe, cases[i].n) == cases[i].frames,
                      "%zu samples: %d frames, sphinx_fe %d", cases[i].n,
                      wren_fe_num_frames(fe, cases[i].n), cases[i].frames);
    ck_assert_int_eq(wren_fe_num_frames(fe, 0), 0);
    ck_assert_int_eq(wren_fe_num_frames(fe, 100), 1);
    wren_fe_free(fe);
}
END_TEST

/* ---- CMN and feature streams ---- */

static float *real_cepstra(struct wren_feat_params *p, int *nf)
{
    char *audio = test_shared_path("data/speech/arctic-fraser/audio/arctic_a0002.flac");
    struct wren_audio_opts ao;
    wren_audio_opts_default(&ao);
    struct wren_audio a;
    ck_assert_msg(wren_audio_read(audio, &ao, &a) == 0, "%s", wren_error_msg());
    wren_feat_params_default(p);
    ck_assert_int_eq(wren_feat_params_read(EN_US, p), 0);
    struct wren_fe *fe;
    ck_assert_int_eq(wren_fe_create(p, &fe), 0);
    float *cep;
    ck_assert_int_eq(wren_fe_cepstra(fe, a.samples, a.n, &cep, nf), 0);
    wren_fe_free(fe);
    wren_audio_free(&a);
    free(audio);
    return cep;
}

START_TEST(cmn_batch_zero_mean)
{
    if (!have_en_us()) return;
    struct wren_feat_params p;
    int nf;
    float *cep = real_cepstra(&p, &nf);
    float *orig = malloc((size_t)nf * 13 * sizeof(float));
    memcpy(orig, cep, (size_t)nf * 13 * sizeof(float));
    wren_cmn_batch(cep, nf, 13, 0);
    /* the mean over the frames with c0 >= 0 (before CMN) is now zero */
    double sum[13] = { 0 };
    int n = 0, skipped = 0;
    for (int t = 0; t < nf; t++) {
        if (orig[t * 13] < 0) { skipped++; continue; }
        for (int i = 0; i < 13; i++) sum[i] += cep[t * 13 + i];
        n++;
    }
    ck_assert_int_gt(n, 10);
    for (int i = 0; i < 13; i++) ck_assert_double_lt(fabs(sum[i] / n), 1e-3);
    /* a constant shift of every frame */
    double d0 = orig[0] - cep[0];
    for (int t = 1; t < nf; t++) ck_assert_double_lt(fabs(orig[t * 13] - cep[t * 13] - d0), 1e-3);
    free(orig);
    free(cep);
}
END_TEST

START_TEST(cmn_live_rule)
{
    if (!have_en_us()) return;
    struct wren_feat_params p;
    int nf;
    float *cep = real_cepstra(&p, &nf);
    ck_assert_int_gt(nf, 301);
    float *orig = malloc((size_t)nf * 13 * sizeof(float));
    memcpy(orig, cep, (size_t)nf * 13 * sizeof(float));
    struct wren_cmn_live *c = wren_cmn_live_create(&p);
    wren_cmn_live_apply(c, cep, nf);
    /* until 300 frames are counted the mean stays at -cmninit; c0 < 0 frames pass as they are */
    int counted = 0, t;
    for (t = 0; t < nf && counted < 300; t++) {
        if (orig[t * 13] < 0) {
            ck_assert_float_eq(cep[t * 13 + 5], orig[t * 13 + 5]);
            continue;
        }
        for (int i = 0; i < 13; i++)
            ck_assert_float_eq_tol(cep[t * 13 + i], orig[t * 13 + i] - p.cmninit[i], 1e-4);
        counted++;
    }
    wren_cmn_live_end_utt(c);
    /* the mean moved from cmninit towards the data */
    ck_assert_float_ne(wren_cmn_live_mean(c)[0], p.cmninit[0]);
    wren_cmn_live_free(c);
    free(orig);
    free(cep);
}
END_TEST

START_TEST(deltas_1s_c_d_dd)
{
    if (!have_en_us()) return;
    struct wren_feat_params p;
    int nf, dim;
    float *cep = real_cepstra(&p, &nf);
    float *f;
    ck_assert_int_eq(wren_feat_from_cepstra(&p, cep, nf, &f, &dim), 0);
    ck_assert_int_eq(dim, 39);
#define C(t, i) cep[(((t) < 0 ? 0 : (t) >= nf ? nf - 1 : (t)) * 13) + (i)]
    int probe[] = { 0, 1, 2, 3, nf / 2, nf - 3, nf - 2, nf - 1 };
    for (size_t k = 0; k < sizeof probe / sizeof probe[0]; k++) {
        int t = probe[k];
        for (int i = 0; i < 13; i++) {
            ck_assert_float_eq(f[t * 39 + i], C(t, i));
            ck_assert_float_eq_tol(f[t * 39 + 13 + i], C(t + 2, i) - C(t - 2, i), 1e-5);
            float dd = (C(t + 3, i) - C(t - 1, i)) - (C(t + 1, i) - C(t - 3, i));
            ck_assert_float_eq_tol(f[t * 39 + 26 + i], dd, 1e-4);
        }
    }
#undef C
    free(f);
    free(cep);
}
END_TEST

START_TEST(full_stream)
{
    if (!have_en_us()) return;
    struct wren_feat_params p;
    int nf_cep;
    float *cep = real_cepstra(&p, &nf_cep);
    char *audio = test_shared_path("data/speech/arctic-fraser/audio/arctic_a0002.flac");
    struct wren_audio_opts ao;
    wren_audio_opts_default(&ao);
    struct wren_audio a;
    ck_assert_int_eq(wren_audio_read(audio, &ao, &a), 0);
    float *f;
    int nf, dim;
    ck_assert_int_eq(wren_feat_compute(&p, a.samples, a.n, &f, &nf, &dim), 0);
    ck_assert_int_eq(nf, nf_cep);
    ck_assert_int_eq(dim, 39);
    for (long i = 0; i < (long)nf * dim; i++) ck_assert(isfinite(f[i]));
    /* the static part is the batch-normalised cepstrum */
    wren_cmn_batch(cep, nf_cep, 13, 0);
    for (int t = 0; t < nf; t++)
        for (int i = 0; i < 13; i++) ck_assert_float_eq(f[t * 39 + i], cep[t * 13 + i]);
    /* a stream over two utterances with live CMN carries state: second pass differs */
    p.cmn = WREN_CMN_LIVE;
    struct wren_feat_stream *s;
    ck_assert_int_eq(wren_feat_stream_create(&p, &s), 0);
    float *f1, *f2;
    int n1, n2;
    ck_assert_int_eq(wren_feat_stream_utt(s, a.samples, a.n, &f1, &n1), 0);
    ck_assert_int_eq(wren_feat_stream_utt(s, a.samples, a.n, &f2, &n2), 0);
    ck_assert_int_eq(n1, n2);
    int differ = 0;
    for (long i = 0; i < (long)n1 * 39; i++) differ |= f1[i] != f2[i];
    ck_assert_msg(differ, "live CMN did not carry its mean into the second utterance");
    free(f1);
    free(f2);
    wren_feat_stream_free(s);
    free(f);
    free(cep);
    wren_audio_free(&a);
    free(audio);
}
END_TEST

/* ---- VTLN ---- */

/* The mel filter that hears a 1 kHz tone loudest, with the en-us settings and warp a. */
static int loudest_filter(float a, float **spec_out)
{
    struct wren_feat_params p;
    wren_feat_params_default(&p);
    ck_assert_int_eq(wren_feat_params_read(EN_US, &p), 0);
    p.vtln_warp = a;
    p.remove_noise = 0;
    size_t n = 8000;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = (float)(3000 * sin(2 * 3.14159265358979 * 1000 * i / 16000.0));
    struct wren_fe *fe;
    ck_assert_int_eq(wren_fe_create(&p, &fe), 0);
    float *spec;
    int nf;
    ck_assert_int_eq(wren_fe_logspec(fe, x, n, &spec, &nf), 0);
    ck_assert_int_gt(nf, 20);
    int best = 0;
    for (int b = 1; b < p.nfilt; b++) if (spec[20 * p.nfilt + b] > spec[20 * p.nfilt + best]) best = b;
    wren_fe_free(fe);
    free(x);
    if (spec_out) *spec_out = spec; else free(spec);
    return best;
}

/* A warp above 1 lays the model's filters at higher frequencies (a speaker with a shorter
 * vocal tract), so a 1 kHz tone lands in a lower filter; below 1, a higher one; 1 is no warp. */
START_TEST(vtln_warp_moves_filters)
{
    if (!have_en_us()) return;
    float *plain, *one;
    int b0 = loudest_filter(1.0f, &plain);
    struct wren_feat_params p;
    wren_feat_params_default(&p);
    ck_assert_int_eq(wren_feat_params_read(EN_US, &p), 0);
    ck_assert_float_eq(p.vtln_warp, 1.0f);
    ck_assert_int_eq(loudest_filter(1.0f, &one), b0);
    ck_assert_mem_eq(plain, one, (size_t)p.nfilt * sizeof(float));
    ck_assert_int_lt(loudest_filter(1.25f, NULL), b0);
    ck_assert_int_gt(loudest_filter(0.8f, NULL), b0);
    free(plain);
    free(one);
}
END_TEST

/* ---- cutting a recording at its pauses ---- */

/* Two ARCTIC sentences (their own silences included) with 1.5 s of low noise before, between
 * and after them: every piece lies within a sentence (a comma may cut one in two) and each
 * sentence has a piece; with --max-seconds 1 no piece is longer than 1 s; noise alone gives
 * none; a bad option is refused. */
START_TEST(segments_at_pauses)
{
    if (!have_en_us()) return;
    struct wren_feat_params p;
    wren_feat_params_default(&p);
    ck_assert_int_eq(wren_feat_params_read(EN_US, &p), 0);
    struct wren_audio_opts ao;
    wren_audio_opts_default(&ao);
    struct wren_audio a[2];
    for (int k = 0; k < 2; k++) {
        char rel[128];
        snprintf(rel, sizeof rel, "data/speech/arctic-fraser/audio/arctic_a000%d.flac", k + 1);
        char *path = test_shared_path(rel);
        ck_assert_msg(wren_audio_read(path, &ao, &a[k]) == 0, "%s", wren_error_msg());
        free(path);
    }
    size_t gap = 24000, n = 3 * gap + a[0].n + a[1].n;
    float *x = malloc(n * sizeof(float));
    unsigned r = 1;
    for (size_t i = 0; i < n; i++) {
        r = r * 1103515245u + 12345u;
        x[i] = (float)(20.0 * ((double)(r >> 16 & 0x7fff) / 16384.0 - 1.0));
    }
    double span[2][2];
    for (int k = 0, at = (int)gap; k < 2; k++) {
        for (size_t i = 0; i < a[k].n; i++) x[at + (int)i] += a[k].samples[i];
        span[k][0] = at / 16000.0;
        span[k][1] = (at + (double)a[k].n) / 16000.0;
        at += (int)(a[k].n + gap);
    }
    struct wren_segment_opts o;
    wren_segment_opts_default(&o);
    struct wren_segment *sg;
    int ns, has[2] = { 0, 0 };
    ck_assert_int_eq(wren_audio_segments(&p, &o, x, n, &sg, &ns), 0);
    ck_assert_int_ge(ns, 2);
    for (int i = 0; i < ns; i++) {
        int in = -1;
        for (int k = 0; k < 2; k++)
            if (sg[i].start >= span[k][0] - 0.3 && sg[i].end <= span[k][1] + 0.6) in = k;
        ck_assert_msg(in >= 0, "piece %d (%.2f-%.2f s) is not within a sentence (%.2f-%.2f, %.2f-%.2f)",
                      i, sg[i].start, sg[i].end, span[0][0], span[0][1], span[1][0], span[1][1]);
        has[in] = 1;
        ck_assert(fabs(sg[i].start * 100 - round(sg[i].start * 100)) < 1e-6);   /* centiseconds */
        if (i) ck_assert(sg[i - 1].end <= sg[i].start);
    }
    ck_assert(has[0] && has[1]);
    free(sg);
    o.max_seconds = 1.0f;
    ck_assert_int_eq(wren_audio_segments(&p, &o, x, n, &sg, &ns), 0);
    ck_assert_int_ge(ns, 5);
    for (int i = 0; i < ns; i++) ck_assert(sg[i].end - sg[i].start <= 1.0 + 0.03);
    free(sg);
    o.max_seconds = 30.0f;
    ck_assert_int_eq(wren_audio_segments(&p, &o, x, gap, &sg, &ns), 0);   /* noise only */
    ck_assert_int_eq(ns, 0);
    free(sg);
    o.max_seconds = 0.5f;
    ck_assert_int_eq(wren_audio_segments(&p, &o, x, n, &sg, &ns), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "--max-seconds"));
    free(x);
    wren_audio_free(&a[0]);
    wren_audio_free(&a[1]);
}
END_TEST

/* ---- fbank ---- */

START_TEST(fbank_sine)
{
    struct wren_fbank_opts o;
    wren_fbank_opts_default(&o);
    size_t n = 16000;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = (float)(3000 * sin(2 * 3.14159265358979 * 1000 * i / 16000.0));
    float *fb;
    int nf;
    ck_assert_int_eq(wren_fbank_compute(&o, x, n, &fb, &nf), 0);
    ck_assert_int_eq(nf, 1 + (16000 - 400) / 160);   /* Kaldi's snip-edges frame count */
    /* the loudest bin is the one whose centre is nearest 1000 Hz on Kaldi's mel scale */
    double mlo = 1127 * log(1 + 20 / 700.0), mhi = 1127 * log(1 + 8000 / 700.0);
    double delta = (mhi - mlo) / 24, m1k = 1127 * log(1 + 1000 / 700.0);
    int expect = (int)floor((m1k - mlo) / delta - 1 + 0.5);
    int best = 0;
    for (int b = 1; b < 23; b++) if (fb[50 * 23 + b] > fb[50 * 23 + best]) best = b;
    ck_assert_int_eq(best, expect);
    /* silence gives the floor log(FLT_EPSILON) */
    memset(x, 0, n * sizeof(float));
    free(fb);
    ck_assert_int_eq(wren_fbank_compute(&o, x, n, &fb, &nf), 0);
    ck_assert_float_eq_tol(fb[0], log(1.1920929e-07), 1e-4);
    free(fb);
    free(x);
}
END_TEST

static Suite *feat_suite(void)
{
    Suite *s = suite_create("feat");
    TCase *tc = tcase_create("feat");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, params_en_us);
    tcase_add_test(tc, params_8k);
    tcase_add_test(tc, params_errors);
    tcase_add_test(tc, vs_sphinx_fe_16k);
    tcase_add_test(tc, vs_sphinx_fe_8k);
    tcase_add_test(tc, frame_counts);
    tcase_add_test(tc, cmn_batch_zero_mean);
    tcase_add_test(tc, cmn_live_rule);
    tcase_add_test(tc, deltas_1s_c_d_dd);
    tcase_add_test(tc, full_stream);
    tcase_add_test(tc, fbank_sine);
    tcase_add_test(tc, vtln_warp_moves_filters);
    tcase_add_test(tc, segments_at_pauses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(feat_suite()); }
