/* test_am.c — Check tests of the acoustic model module (am.h, mdef.h) on real Sphinx models:
 * Debian's pocketsphinx-en-us (PTM, binary mdef, 8-bit sendump), the shared hub4wsj_sc_8k
 * (semi-continuous, big-endian files, 4-bit sendump) and pocketsphinx's an4_ci_cont
 * (continuous, text mdef, float mixture_weights).
 * Expected numbers come from the files themselves, read here by independent code (headers,
 * pocketsphinx_mdef_convert's text form, a slow double-precision Gaussian sum), never from the
 * code under test. Features come from Wren's front end (feat.h), and for the comparisons with
 * pocketsphinx from sphinx_fe (sphinxbase-utils) plus CMN and deltas written here; the tests
 * that need sphinx tools skip when they are not installed. */
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>

#include "am/am.h"
#include "feat/audio.h"
#include "utils/error.h"
#include "feat/feat.h"
#include "am/mdef.h"
#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define EN_US "/usr/share/pocketsphinx/model/en-us/en-us"
#define AN4 "/usr/share/pocketsphinx/test/data/an4_ci_cont"
#define GOFORWARD "/usr/share/pocketsphinx/test/data/goforward.raw"

static char *hub4_dir(void) { return test_shared_path("data/models/hub4wsj_sc_8k"); }

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

#define REQUIRE(path)                                                                  \
    do {                                                                               \
        if (!exists(path)) {                                                           \
            fprintf(stderr, "skipped %s: %s missing\n", __func__, (const char *)(path)); \
            return;                                                                    \
        }                                                                              \
    } while (0)

/* ---------- independent readers of the model files ---------- */

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    ck_assert(fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void spit(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert(f != NULL);
    ck_assert(fwrite(buf, 1, len, f) == len);
    fclose(f);
}

static uint32_t bswap(uint32_t u)
{
    return (u >> 24) | ((u >> 8) & 0xff00u) | ((u << 8) & 0xff0000u) | (u << 24);
}

/* An s3 parameter file: the 32-bit words after "endhdr\n" and the byte-order word, in native
 * order. Returns the word count (including the trailing checksum word). */
static uint32_t *s3_words(const char *path, size_t *n, int *swapped)
{
    size_t len;
    unsigned char *b = slurp(path, &len);
    unsigned char *e = NULL;
    for (size_t i = 0; i + 7 <= len; i++)
        if (memcmp(b + i, "endhdr\n", 7) == 0) {
            e = b + i + 7;
            break;
        }
    ck_assert_msg(e != NULL, "%s: no endhdr", path);
    uint32_t magic;
    memcpy(&magic, e, 4);
    *swapped = magic != 0x11223344u;
    ck_assert(magic == 0x11223344u || bswap(magic) == 0x11223344u);
    size_t off = (size_t)(e + 4 - b);
    *n = (len - off) / 4;
    uint32_t *w = malloc(*n * 4);
    memcpy(w, b + off, *n * 4);
    if (*swapped)
        for (size_t i = 0; i < *n; i++)
            w[i] = bswap(w[i]);
    free(b);
    return w;
}

/* Write an s3 file with the given words (checksum appended), native or other byte order. */
static void s3_write(const char *path, const uint32_t *w, size_t n, int other_order)
{
    FILE *f = fopen(path, "wb");
    ck_assert(f != NULL);
    fputs("s3\nversion 1.0\nchksum0 yes\nendhdr\n", f);
    uint32_t sum = 0, magic = 0x11223344u;
    if (other_order)
        magic = bswap(magic);
    fwrite(&magic, 4, 1, f);
    for (size_t i = 0; i < n; i++) {
        sum = ((sum << 20) | (sum >> 12)) + w[i];
        uint32_t v = other_order ? bswap(w[i]) : w[i];
        fwrite(&v, 4, 1, f);
    }
    if (other_order)
        sum = bswap(sum);
    fwrite(&sum, 4, 1, f);
    fclose(f);
}

static float word_f(uint32_t w)
{
    float f;
    memcpy(&f, &w, 4);
    return f;
}

/* The ten counts after a binary mdef's format description. */
static void bin_mdef_counts(const char *path, int32_t c[10])
{
    size_t len;
    unsigned char *b = slurp(path, &len);
    ck_assert(memcmp(b, "BMDF", 4) == 0);
    int32_t hl;
    memcpy(&hl, b + 8, 4);
    memcpy(c, b + 12 + hl, 40);
    free(b);
}

/* "N key" from a text mdef's header. */
static int text_mdef_count(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    ck_assert(f != NULL);
    char line[512], k[64];
    int v, found = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%d %63s", &v, k) == 2 && strcmp(k, key) == 0) {
            found = v;
            break;
        }
    fclose(f);
    return found;
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert(f != NULL);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char w[64];
        if (sscanf(line, "%63s", w) == 1)
            n++;
    }
    fclose(f);
    return n;
}

/* Independent model for the slow reference score: Gaussians and linear weights. */
struct ref_model {
    int n_mgau, n_feat, n_density, veclen[4], total;
    float *mean, *var;         /* [mgau][feat][density][veclen] as in the file */
    int n_sen;
    double *w;                 /* [sen][feat][density] */
};

static void ref_read_gauss(const char *path, struct ref_model *r, float **out)
{
    size_t n;
    int sw;
    uint32_t *w = s3_words(path, &n, &sw);
    r->n_mgau = (int)w[0];
    r->n_feat = (int)w[1];
    r->n_density = (int)w[2];
    r->total = 0;
    for (int f = 0; f < r->n_feat; f++)
        r->total += r->veclen[f] = (int)w[3 + f];
    size_t cnt = w[3 + r->n_feat];
    ck_assert(cnt == (size_t)r->n_mgau * (size_t)r->n_density * (size_t)r->total);
    *out = malloc(cnt * sizeof(float));
    for (size_t i = 0; i < cnt; i++)
        (*out)[i] = word_f(w[4 + r->n_feat + i]);
    free(w);
}

/* sendump, read here from its documented layout: length-prefixed strings up to a 0, then
 * either rows/cols + 8-bit values, or (cluster_count 15/16) a 16-byte table + 4-bit indices.
 * Values are -log(w) in units of 2^10 * ln(1.0001). */
static void ref_read_sendump(const char *path, struct ref_model *r)
{
    size_t len;
    unsigned char *b = slurp(path, &len);
    size_t pos = 0;
    int swap = 0, nclust = 0;
    for (;;) {
        uint32_t n;
        memcpy(&n, b + pos, 4);
        if (pos == 0 && n > 999) swap = 1;
        if (swap) n = bswap(n);
        pos += 4;
        if (n == 0) break;
        if (strncmp((char *)b + pos, "cluster_count ", 14) == 0) nclust = atoi((char *)b + pos + 14);
        pos += n;
    }
    unsigned char table[16];
    int rows = r->n_density, cols = r->n_sen;
    if (nclust == 0) {
        int32_t rc[2];
        memcpy(rc, b + pos, 8);
        rows = rc[0];
        cols = rc[1];
        pos += 8;
    } else {
        memcpy(table, b + pos, 16);
        pos += 16;
    }
    ck_assert_int_eq(rows, r->n_density);
    ck_assert_int_ge(cols, r->n_sen);
    double unit = 1024.0 * log(1.0001);
    r->w = malloc((size_t)r->n_sen * (size_t)r->n_feat * (size_t)r->n_density * sizeof(double));
    size_t rowlen = nclust ? ((size_t)cols + 1) / 2 : (size_t)cols;
    for (int f = 0; f < r->n_feat; f++)
        for (int d = 0; d < r->n_density; d++) {
            const unsigned char *row = b + pos + ((size_t)f * (size_t)r->n_density + (size_t)d) * rowlen;
            for (int s = 0; s < r->n_sen; s++) {
                int q = nclust ? table[(s & 1) ? row[s / 2] >> 4 : row[s / 2] & 15] : row[s];
                r->w[((size_t)s * (size_t)r->n_feat + (size_t)f) * (size_t)r->n_density + (size_t)d] =
                    exp(-unit * q);
            }
        }
    ck_assert_uint_eq(pos + (size_t)r->n_feat * (size_t)r->n_density * rowlen, len);
    free(b);
}

static void ref_read_mixw(const char *path, struct ref_model *r)
{
    size_t n;
    int sw;
    uint32_t *w = s3_words(path, &n, &sw);
    ck_assert_int_eq((int)w[0], r->n_sen);
    size_t cnt = (size_t)r->n_sen * (size_t)r->n_feat * (size_t)r->n_density;
    r->w = malloc(cnt * sizeof(double));
    for (size_t i = 0; i < cnt; i += (size_t)r->n_density) {
        double sum = 0;
        for (int d = 0; d < r->n_density; d++)
            sum += r->w[i + (size_t)d] = word_f(w[4 + i + (size_t)d]);
        for (int d = 0; d < r->n_density; d++) {   /* normalise, floor 1e-7, renormalise */
            double v = r->w[i + (size_t)d] / sum;
            r->w[i + (size_t)d] = v < 1e-7 ? 1e-7 : v;
        }
        sum = 0;
        for (int d = 0; d < r->n_density; d++) sum += r->w[i + (size_t)d];
        for (int d = 0; d < r->n_density; d++) r->w[i + (size_t)d] /= sum;
    }
    free(w);
}

static void ref_load(const char *dir, const struct wren_mdef *m, struct ref_model *r)
{
    char p[1024];
    memset(r, 0, sizeof(*r));
    snprintf(p, sizeof p, "%s/means", dir);
    ref_read_gauss(p, r, &r->mean);
    snprintf(p, sizeof p, "%s/variances", dir);
    ref_read_gauss(p, r, &r->var);
    r->n_sen = wren_mdef_n_senones(m);
    snprintf(p, sizeof p, "%s/mixture_weights", dir);
    if (exists(p)) {
        ref_read_mixw(p, r);
    } else {
        snprintf(p, sizeof p, "%s/sendump", dir);
        ref_read_sendump(p, r);
    }
}

static void ref_free(struct ref_model *r)
{
    free(r->mean);
    free(r->var);
    free(r->w);
}

/* log sum over ALL Gaussians of w * N(x), streams = consecutive dims (svspec 0-12/13-25/26-38
 * for these models), variance floor 1e-4, in double. */
static double ref_score(const struct ref_model *r, const struct wren_mdef *m, const float *x, int s)
{
    int cb = r->n_mgau == 1 ? 0 : r->n_mgau == r->n_sen ? s : wren_mdef_senone_ciphone(m, s);
    double total = 0;
    int dim0 = 0;
    for (int f = 0; f < r->n_feat; f++) {
        double terms[512], mx = -INFINITY;
        for (int d = 0; d < r->n_density; d++) {
            size_t off = (size_t)cb * (size_t)r->n_density * (size_t)r->total;
            for (int g = 0; g < f; g++) off += (size_t)r->n_density * (size_t)r->veclen[g];
            off += (size_t)d * (size_t)r->veclen[f];
            double lg = 0;
            for (int i = 0; i < r->veclen[f]; i++) {
                double v = r->var[off + (size_t)i] < 1e-4 ? 1e-4 : r->var[off + (size_t)i];
                double diff = x[dim0 + i] - r->mean[off + (size_t)i];
                lg += -0.5 * log(2 * M_PI * v) - diff * diff / (2 * v);
            }
            terms[d] = lg + log(r->w[((size_t)s * (size_t)r->n_feat + (size_t)f) * (size_t)r->n_density + (size_t)d]);
            if (terms[d] > mx) mx = terms[d];
        }
        double sum = 0;
        for (int d = 0; d < r->n_density; d++) sum += exp(terms[d] - mx);
        total += mx + log(sum);
        dim0 += r->veclen[f];
    }
    return total;
}

/* ---------- features via sphinx_fe + CMN + deltas ---------- */

static int have_sphinx_fe(void)
{
    return system("command -v sphinx_fe >/dev/null 2>&1") == 0;
}

/* 1s_c_d_dd features of an utterance: sphinx_fe cepstra (args: input and front-end flags),
 * batch CMN, then c, c[t+2]-c[t-2], (c[t+3]-c[t-1])-(c[t+1]-c[t-3]). *raw_c0 gets c0 before
 * CMN. Returns the frame count. */
static int sphinx_features(const char *fe_args, float **feat, float **raw_c0)
{
    char *dir = test_tmpdir(), cmd[2048], mfc[1024];
    snprintf(mfc, sizeof mfc, "%s/x.mfc", dir);
    snprintf(cmd, sizeof cmd, "sphinx_fe %s -dither no -remove_noise no -remove_silence no -o %s "
             ">/dev/null 2>&1", fe_args, mfc);
    ck_assert_msg(system(cmd) == 0, "sphinx_fe failed: %s", cmd);
    size_t len;
    unsigned char *b = slurp(mfc, &len);
    uint32_t n;
    memcpy(&n, b, 4);
    int sw = (size_t)n * 4 + 4 != len;
    if (sw) n = bswap(n);
    ck_assert_uint_eq((size_t)n * 4 + 4, len);
    int T = (int)n / 13;
    float *c = malloc((size_t)n * sizeof(float));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, b + 4 + 4 * i, 4);
        c[i] = word_f(sw ? bswap(u) : u);
    }
    *raw_c0 = malloc((size_t)T * sizeof(float));
    for (int t = 0; t < T; t++) (*raw_c0)[t] = c[t * 13];
    for (int j = 0; j < 13; j++) {
        double m = 0;
        for (int t = 0; t < T; t++) m += c[t * 13 + j];
        m /= T;
        for (int t = 0; t < T; t++) c[t * 13 + j] -= (float)m;
    }
    *feat = malloc((size_t)T * 39 * sizeof(float));
#define C(t, j) c[(((t) < 0 ? 0 : (t) >= T ? T - 1 : (t)) * 13) + (j)]
    for (int t = 0; t < T; t++)
        for (int j = 0; j < 13; j++) {
            (*feat)[t * 39 + j] = C(t, j);
            (*feat)[t * 39 + 13 + j] = C(t + 2, j) - C(t - 2, j);
            (*feat)[t * 39 + 26 + j] = (C(t + 3, j) - C(t - 1, j)) - (C(t + 1, j) - C(t - 3, j));
        }
#undef C
    free(c);
    free(b);
    remove(mfc);
    rmdir(dir);
    free(dir);
    return T;
}

#define FE_EN_US "-i " GOFORWARD " -raw yes -samprate 16000 -lowerf 130 -upperf 6800 -nfilt 25 " \
                 "-transform dct -lifter 22"
#define FE_AN4 "-i " GOFORWARD " -raw yes -samprate 16000 -nfilt 40"
static char *fe_hub4_args(void)
{
    char *wav = test_shared_path("data/speech/fsdd-digits/audio/0_jackson_0.wav");
    char *a = malloc(2048);
    snprintf(a, 2048, "-i %s -mswav yes -samprate 8000 -nfilt 20 -lowerf 1 -upperf 4000 "
             "-wlen 0.025 -transform dct -round_filters no -remove_dc yes", wav);
    free(wav);
    return a;
}

/* ---------- loading and counts ---------- */

static void check_counts_against_files(const char *dir, const struct wren_am *am, int binary_mdef)
{
    char p[1024];
    struct wren_am_info in;
    wren_am_get_info(am, &in);
    const struct wren_mdef *m = wren_am_mdef(am);
    snprintf(p, sizeof p, "%s/mdef", dir);
    if (binary_mdef) {
        int32_t c[10];
        bin_mdef_counts(p, c);
        ck_assert_int_eq(wren_mdef_n_ciphones(m), c[0]);
        ck_assert_int_eq(wren_mdef_n_phones(m), c[1]);
        ck_assert_int_eq(wren_mdef_n_emit_states(m), c[2]);
        ck_assert_int_eq(wren_mdef_n_ci_senones(m), c[3]);
        ck_assert_int_eq(wren_am_n_senones(am), c[4]);
        ck_assert_int_eq(wren_am_n_tmat(am), c[5]);
    } else {
        ck_assert_int_eq(wren_mdef_n_ciphones(m), text_mdef_count(p, "n_base"));
        ck_assert_int_eq(wren_mdef_n_phones(m) - wren_mdef_n_ciphones(m), text_mdef_count(p, "n_tri"));
        ck_assert_int_eq(wren_am_n_senones(am), text_mdef_count(p, "n_tied_state"));
        ck_assert_int_eq(wren_mdef_n_ci_senones(m), text_mdef_count(p, "n_tied_ci_state"));
        ck_assert_int_eq(wren_am_n_tmat(am), text_mdef_count(p, "n_tied_tmat"));
    }
    size_t n;
    int sw;
    snprintf(p, sizeof p, "%s/means", dir);
    uint32_t *w = s3_words(p, &n, &sw);
    ck_assert_int_eq(in.n_codebooks, (int)w[0]);
    ck_assert_int_eq(in.n_streams, (int)w[1]);
    ck_assert_int_eq(in.n_density, (int)w[2]);
    ck_assert_int_eq(in.n_gaussians, (int)(w[0] * w[2]));
    int dims = 0;
    for (uint32_t f = 0; f < w[1]; f++) {
        ck_assert_int_eq(in.stream_dims[f], (int)w[3 + f]);
        dims += (int)w[3 + f];
    }
    ck_assert_int_eq(wren_am_feat_dim(am), dims);
    free(w);
    snprintf(p, sizeof p, "%s/transition_matrices", dir);
    w = s3_words(p, &n, &sw);
    ck_assert_int_eq(wren_am_n_tmat(am), (int)w[0]);
    free(w);
    snprintf(p, sizeof p, "%s/noisedict", dir);
    ck_assert_int_eq(wren_am_n_fillers(am), count_lines(p));
    ck_assert_str_eq(in.feat_type, "1s_c_d_dd");
}

START_TEST(test_load_en_us)
{
    REQUIRE(EN_US "/mdef");
    struct wren_am *am;
    ck_assert_msg(wren_am_load(EN_US, &am) == 0, "%s", wren_error_msg());
    check_counts_against_files(EN_US, am, 1);
    struct wren_am_info in;
    wren_am_get_info(am, &in);
    ck_assert_str_eq(in.kind, "ptm");
    ck_assert_int_eq(in.n_codebooks, wren_mdef_n_ciphones(wren_am_mdef(am)));
    ck_assert(in.quantised_weights);
    ck_assert_float_eq(in.sample_rate, 16000);
    ck_assert_int_eq(wren_am_feat_dim(am), 39);
    const struct wren_mdef *m = wren_am_mdef(am);
    int sil = wren_mdef_ciphone_id(m, "SIL");
    ck_assert_int_ge(sil, 0);
    ck_assert(wren_mdef_is_filler(m, sil));
    ck_assert(!wren_mdef_is_filler(m, wren_mdef_ciphone_id(m, "AA")));
    ck_assert_int_eq(wren_mdef_ciphone_id(m, "NO_SUCH"), -1);
    wren_am_free(am);
}
END_TEST

START_TEST(test_load_hub4)
{
    char *dir = hub4_dir();
    char p[1024];
    snprintf(p, sizeof p, "%s/mdef", dir);
    if (!exists(p)) { free(dir); REQUIRE(p); }
    struct wren_am *am;
    ck_assert_msg(wren_am_load(dir, &am) == 0, "%s", wren_error_msg());
    check_counts_against_files(dir, am, 1);
    struct wren_am_info in;
    wren_am_get_info(am, &in);
    ck_assert_str_eq(in.kind, "semi-continuous");
    ck_assert_int_eq(in.n_codebooks, 1);
    ck_assert_float_eq(in.sample_rate, 8000);
    wren_am_free(am);
    free(dir);
}
END_TEST

START_TEST(test_load_an4_text_mdef)
{
    REQUIRE(AN4 "/mdef");
    struct wren_am *am;
    ck_assert_msg(wren_am_load(AN4, &am) == 0, "%s", wren_error_msg());
    check_counts_against_files(AN4, am, 0);
    struct wren_am_info in;
    wren_am_get_info(am, &in);
    ck_assert_str_eq(in.kind, "continuous");
    ck_assert(!in.quantised_weights);
    wren_am_free(am);
}
END_TEST

/* The binary mdef and pocketsphinx's own text rendering of it must load to the same phones. */
static void compare_binary_text_mdef(const char *bin_path)
{
    if (system("command -v pocketsphinx_mdef_convert >/dev/null 2>&1") != 0) {
        fprintf(stderr, "skipped: pocketsphinx_mdef_convert not installed\n");
        return;
    }
    char *dir = test_tmpdir(), txt[1024], cmd[2048];
    snprintf(txt, sizeof txt, "%s/mdef.txt", dir);
    snprintf(cmd, sizeof cmd, "pocketsphinx_mdef_convert -text %s %s >/dev/null 2>&1", bin_path, txt);
    ck_assert(system(cmd) == 0);
    struct wren_mdef *b, *t;
    ck_assert_msg(wren_mdef_load(bin_path, &b) == 0, "%s", wren_error_msg());
    ck_assert_msg(wren_mdef_load(txt, &t) == 0, "%s", wren_error_msg());
    ck_assert_int_eq(wren_mdef_n_phones(b), wren_mdef_n_phones(t));
    ck_assert_int_eq(wren_mdef_n_phones(t) - wren_mdef_n_ciphones(t), text_mdef_count(txt, "n_tri"));
    ck_assert_int_eq(wren_mdef_n_senones(b), text_mdef_count(txt, "n_tied_state"));
    int n_emit = wren_mdef_n_emit_states(b), sil = wren_mdef_sil(b), looked_up = 0;
    ck_assert_int_eq(n_emit, wren_mdef_n_emit_states(t));
    for (int ci = 0; ci < wren_mdef_n_ciphones(b); ci++) {
        ck_assert_str_eq(wren_mdef_ciphone_name(b, ci), wren_mdef_ciphone_name(t, ci));
        ck_assert_int_eq(wren_mdef_is_filler(b, ci), wren_mdef_is_filler(t, ci));
    }
    for (int p = 0; p < wren_mdef_n_phones(b); p++) {
        ck_assert_int_eq(wren_mdef_phone_base(b, p), wren_mdef_phone_base(t, p));
        ck_assert_int_eq(wren_mdef_phone_left(b, p), wren_mdef_phone_left(t, p));
        ck_assert_int_eq(wren_mdef_phone_right(b, p), wren_mdef_phone_right(t, p));
        ck_assert_int_eq(wren_mdef_phone_wpos(b, p), wren_mdef_phone_wpos(t, p));
        ck_assert_int_eq(wren_mdef_tmat(b, p), wren_mdef_tmat(t, p));
        ck_assert_mem_eq(wren_mdef_senones(b, p), wren_mdef_senones(t, p), (size_t)n_emit * sizeof(int));
        int l = wren_mdef_phone_left(b, p), r = wren_mdef_phone_right(b, p);
        if (l < 0 || (wren_mdef_is_filler(b, l) && l != sil) || (wren_mdef_is_filler(b, r) && r != sil))
            continue;
        ck_assert_int_eq(wren_mdef_triphone(b, wren_mdef_phone_base(b, p), l, r,
                                            wren_mdef_phone_wpos(b, p)), p);
        looked_up++;
    }
    ck_assert_int_gt(looked_up, wren_mdef_n_phones(b) / 2);
    wren_mdef_free(b);
    wren_mdef_free(t);
    remove(txt);
    rmdir(dir);
    free(dir);
}

START_TEST(test_mdef_binary_equals_text)
{
    REQUIRE(EN_US "/mdef");
    compare_binary_text_mdef(EN_US "/mdef");
    char *dir = hub4_dir(), p[1024];
    snprintf(p, sizeof p, "%s/mdef", dir);
    free(dir);
    REQUIRE(p);
    compare_binary_text_mdef(p);   /* big-endian binary mdef */
}
END_TEST

START_TEST(test_triphone_lookup)
{
    REQUIRE(EN_US "/mdef");
    struct wren_mdef *m;
    ck_assert_int_eq(wren_mdef_load(EN_US "/mdef", &m), 0);
    int aa = wren_mdef_ciphone_id(m, "AA"), k = wren_mdef_ciphone_id(m, "K"), t = wren_mdef_ciphone_id(m, "T");
    int p = wren_mdef_triphone(m, aa, k, t, 'i');
    ck_assert_int_ge(p, wren_mdef_n_ciphones(m));
    ck_assert_int_eq(wren_mdef_phone_base(m, p), aa);
    ck_assert_int_eq(wren_mdef_phone_left(m, p), k);
    ck_assert_int_eq(wren_mdef_phone_right(m, p), t);
    ck_assert_int_eq(wren_mdef_phone_wpos(m, p), 'i');
    ck_assert_int_eq(wren_mdef_senone_ciphone(m, wren_mdef_senones(m, p)[1]), aa);
    ck_assert_int_eq(wren_mdef_triphone(m, aa, k, t, 'x'), -1);
    ck_assert_int_eq(wren_mdef_triphone(m, aa, -1, t, 'i'), -1);
    /* filler contexts are looked up as SIL */
    int sil = wren_mdef_sil(m), nsn = wren_mdef_ciphone_id(m, "+NSN+");
    ck_assert_int_eq(wren_mdef_triphone(m, aa, nsn, t, 'b'), wren_mdef_triphone(m, aa, sil, t, 'b'));
    wren_mdef_free(m);
}
END_TEST

/* sendump weights, read by the independent reader above, are distributions: this checks the
 * quantisation scale (2^10 ln 1.0001 nats per step) that the library also assumes. */
static void check_weight_sums(const char *dir, double tol)
{
    struct wren_mdef *m;
    char p[1024];
    snprintf(p, sizeof p, "%s/mdef", dir);
    ck_assert_int_eq(wren_mdef_load(p, &m), 0);
    struct ref_model r;
    ref_load(dir, m, &r);
    double worst = 0;
    for (int s = 0; s < r.n_sen; s++)
        for (int f = 0; f < r.n_feat; f++) {
            double sum = 0;
            for (int d = 0; d < r.n_density; d++)
                sum += r.w[((size_t)s * (size_t)r.n_feat + (size_t)f) * (size_t)r.n_density + (size_t)d];
            if (fabs(log(sum)) > worst) worst = fabs(log(sum));
        }
    fprintf(stderr, "%s: mixture weights sum to 1 within %.3f nats\n", dir, worst);
    ck_assert_msg(worst < tol, "%s: mixture weights sum off by %g nats", dir, worst);
    ref_free(&r);
    wren_mdef_free(m);
}

START_TEST(test_sendump_weights_are_distributions)
{
    REQUIRE(EN_US "/sendump");
    check_weight_sums(EN_US, 0.15);     /* 8-bit: 256 levels */
    char *dir = hub4_dir();
    check_weight_sums(dir, 1.2);        /* 4-bit: 16 levels, the largest is exp(-1.33) */
    free(dir);
}
END_TEST

/* ---------- scoring ---------- */

static int argmax(const float *v, int n)
{
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return b;
}

/* Full-sum scores (top-N off) equal the slow reference; top-N scores never exceed it and
 * are close to it for the frame's best senone; active masks score only what is asked. */
static void check_scores(const char *dir, const char *fe_args)
{
    struct wren_am *am;
    ck_assert_msg(wren_am_load(dir, &am) == 0, "%s", wren_error_msg());
    wren_am_set_score_floor(am, 0);   /* exact scores: what the reference computes */
    const struct wren_mdef *m = wren_am_mdef(am);
    struct ref_model r;
    ref_load(dir, m, &r);
    float *feat, *c0;
    int T = sphinx_features(fe_args, &feat, &c0);
    ck_assert_int_gt(T, 30);
    int S = wren_am_n_senones(am);
    float *full = malloc((size_t)S * sizeof(float)), *top = malloc((size_t)S * sizeof(float));
    float *part = malloc((size_t)S * sizeof(float));
    unsigned char *active = calloc((size_t)S, 1);
    double worst_full = 0, worst_best = 0;
    for (int t = 0; t < T; t += T / 12) {
        const float *x = feat + (size_t)t * 39;
        wren_am_set_topn(am, 0);
        ck_assert_int_eq(wren_am_score_frame(am, x, NULL, full), 0);
        wren_am_set_topn(am, 4);
        ck_assert_int_eq(wren_am_score_frame(am, x, NULL, top), 0);
        int best = argmax(full, S);
        int probe[6] = { 0, S - 1, S / 3, (t * 7919) % S, best, argmax(top, S) };
        for (int i = 0; i < 6; i++) {
            int s = probe[i];
            double ref = ref_score(&r, m, x, s);
            double d = fabs(full[s] - ref);
            if (d > worst_full) worst_full = d;
            ck_assert_msg(d < 2e-3 * fmax(1.0, fabs(ref)), "%s frame %d senone %d: full %g ref %g",
                          dir, t, s, full[s], ref);
            ck_assert_msg(top[s] <= ref + 2e-3 * fmax(1.0, fabs(ref)),
                          "top-N score %g above full sum %g", top[s], ref);
            ck_assert(isfinite(top[s]));
        }
        double gap = full[best] - top[best];
        if (gap > worst_best) worst_best = gap;
        /* active mask: the same scores for active senones, others untouched */
        for (int s = 0; s < S; s++) {
            active[s] = (s % 5) == 0;
            part[s] = 12345.0f;
        }
        ck_assert_int_eq(wren_am_score_frame(am, x, active, part), 0);
        for (int s = 0; s < S; s++) {
            if (active[s]) ck_assert_float_eq_tol(part[s], top[s], 1e-4);
            else ck_assert_float_eq(part[s], 12345.0f);
        }
    }
    fprintf(stderr, "%s: full-sum vs reference max diff %.2e; top-4 loss on best senone max %.3f nats\n",
            dir, worst_full, worst_best);
    free(full);
    free(top);
    free(part);
    free(active);
    free(feat);
    free(c0);
    ref_free(&r);
    wren_am_free(am);
}

START_TEST(test_scores_match_reference)
{
    REQUIRE(EN_US "/mdef");
    REQUIRE(GOFORWARD);
    if (!have_sphinx_fe()) { fprintf(stderr, "skipped: sphinx_fe not installed\n"); return; }
    check_scores(EN_US, FE_EN_US);
    if (exists(AN4 "/mdef")) check_scores(AN4, FE_AN4);
    char *dir = hub4_dir(), *args = fe_hub4_args();
    check_scores(dir, args);
    free(dir);
    free(args);
}
END_TEST

/* goforward.raw (16 kHz) decimated to 8 kHz for the 8 kHz model: a 63-tap Blackman-windowed
 * sinc low-pass at 3.6 kHz, then every second sample. Returns the path of the raw file. */
static char *make_8k_goforward(const char *dir)
{
    size_t len;
    unsigned char *b = slurp(GOFORWARD, &len);
    size_t n = len / 2, m = n / 2;
    int16_t *in = malloc(n * 2), *out = malloc(m * 2);
    memcpy(in, b, n * 2);
    double h[63], sum = 0, fc = 3600.0 / 16000.0;
    for (int k = 0; k < 63; k++) {
        double x = k - 31, w = 0.42 - 0.5 * cos(2 * M_PI * k / 62) + 0.08 * cos(4 * M_PI * k / 62);
        h[k] = (x == 0 ? 2 * fc : sin(2 * M_PI * fc * x) / (M_PI * x)) * w;
        sum += h[k];
    }
    for (size_t i = 0; i < m; i++) {
        double acc = 0;
        for (int k = 0; k < 63; k++) {
            long j = (long)(2 * i) + k - 31;
            if (j >= 0 && (size_t)j < n) acc += h[k] / sum * in[j];
        }
        out[i] = (int16_t)(acc > 32767 ? 32767 : acc < -32768 ? -32768 : lrint(acc));
    }
    char *path = malloc(1024);
    snprintf(path, 1024, "%s/goforward-8k.raw", dir);
    spit(path, out, m * 2);
    free(in);
    free(out);
    free(b);
    return path;
}

/* Features from Wren's own front end (audio.h, feat.h) for raw 16-bit audio at RATE, with the
 * model's feat.params, no VAD, noise removal as asked; *raw_c0 gets c0 before CMN. Returns the frame count. */
static int wren_features_nr(const char *model_dir, const char *raw, int rate, int remove_noise,
                            float **feat, float **raw_c0)
{
    struct wren_feat_params fp;
    wren_feat_params_default(&fp);
    ck_assert_msg(wren_feat_params_read(model_dir, &fp) == 0, "%s", wren_error_msg());
    fp.remove_noise = remove_noise;
    /* every frame (no VAD), as in the pocketsphinx runs below */
    fp.remove_silence = 0;
    struct wren_audio_opts ao;
    wren_audio_opts_default(&ao);
    ao.raw_format = "s16le";
    ao.raw_rate = rate;
    struct wren_audio a;
    ck_assert_msg(wren_audio_read(raw, &ao, &a) == 0, "%s", wren_error_msg());
    int T, dim, Tc;
    ck_assert_msg(wren_feat_compute(&fp, a.samples, a.n, feat, &T, &dim) == 0, "%s", wren_error_msg());
    ck_assert_int_eq(dim, 39);
    struct wren_fe *fe;
    float *cep;
    ck_assert_int_eq(wren_fe_create(&fp, &fe), 0);
    ck_assert_int_eq(wren_fe_cepstra(fe, a.samples, a.n, &cep, &Tc), 0);
    ck_assert_int_eq(Tc, T);
    *raw_c0 = malloc((size_t)T * sizeof(float));
    for (int t = 0; t < T; t++) (*raw_c0)[t] = cep[(size_t)t * (size_t)fp.ncep];
    free(cep);
    wren_fe_free(fe);
    wren_audio_free(&a);
    return T;
}

static int wren_features(const char *model_dir, const char *raw, int rate, float **feat, float **raw_c0)
{
    return wren_features_nr(model_dir, raw, rate, 0, feat, raw_c0);
}

/* On the quietest 10 % of an utterance's frames (its leading and trailing silence), the
 * silence phone explains the frames best: summed over those frames, the best SIL senone
 * outscores the best senone of every other CI phone, and SIL is the single best senone on
 * most of those frames (a lone frame can prefer a stop closure or noise phone). */
static void check_silence(const char *dir, const char *raw, int rate)
{
    struct wren_am *am;
    ck_assert_msg(wren_am_load(dir, &am) == 0, "%s", wren_error_msg());
    const struct wren_mdef *m = wren_am_mdef(am);
    float *feat, *c0;
    int T = wren_features(dir, raw, rate, &feat, &c0);
    int S = wren_am_n_senones(am), sil = wren_mdef_sil(m), n_ci = wren_mdef_n_ciphones(m);
    float *sc = malloc((size_t)S * sizeof(float));
    double *total = calloc((size_t)n_ci, sizeof(double)), *best_ci = malloc((size_t)n_ci * sizeof(double));
    float *sorted = malloc((size_t)T * sizeof(float));
    memcpy(sorted, c0, (size_t)T * sizeof(float));
    for (int i = 1; i < T; i++)
        for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            float tmp = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = tmp;
        }
    float thr = sorted[T / 10];
    int n = 0, n_sil = 0;
    for (int t = 0; t < T; t++) {
        if (c0[t] > thr) continue;
        ck_assert_int_eq(wren_am_score_frame(am, feat + (size_t)t * 39, NULL, sc), 0);
        for (int ci = 0; ci < n_ci; ci++) best_ci[ci] = -INFINITY;
        for (int s = 0; s < S; s++) {
            int ci = wren_mdef_senone_ciphone(m, s);
            if (sc[s] > best_ci[ci]) best_ci[ci] = sc[s];
        }
        for (int ci = 0; ci < n_ci; ci++) total[ci] += best_ci[ci];
        n++;
        n_sil += wren_mdef_senone_ciphone(m, argmax(sc, S)) == sil;
    }
    int runner_up = sil == 0 ? 1 : 0;
    for (int ci = 0; ci < n_ci; ci++)
        if (ci != sil && total[ci] > total[runner_up]) runner_up = ci;
    fprintf(stderr, "%s: %d of %d quiet frames best on SIL; SIL total %.1f, next %s %.1f\n", dir,
            n_sil, n, total[sil], wren_mdef_ciphone_name(m, runner_up), total[runner_up]);
    ck_assert_int_gt(n, 3);
    ck_assert_msg(total[sil] > total[runner_up], "%s: %s explains the quiet frames better than SIL",
                  dir, wren_mdef_ciphone_name(m, runner_up));
    ck_assert_msg(n_sil * 2 > n, "%s: only %d of %d quiet frames best on SIL", dir, n_sil, n);
    free(sorted);
    free(total);
    free(best_ci);
    free(sc);
    free(feat);
    free(c0);
    wren_am_free(am);
}

START_TEST(test_silence_frames_score_silence)
{
    REQUIRE(EN_US "/mdef");
    REQUIRE(GOFORWARD);
    check_silence(EN_US, GOFORWARD, 16000);
    char *tmp = test_tmpdir(), *raw = make_8k_goforward(tmp), *dir = hub4_dir();
    check_silence(dir, raw, 8000);
    remove(raw);
    rmdir(tmp);
    free(raw);
    free(tmp);
    free(dir);
}
END_TEST

/* Against pocketsphinx itself: pocketsphinx_batch -senlogdir dumps its senone scores of every
 * frame (int16, best = 0, units of 2^10 ln 1.0001 nats, top-4 Gaussians, clamped). Wren's
 * top-4 scores relative to the frame's best must agree: the same best senone on most frames
 * and small differences for the senones near the top (sphinx's integer log tables account for
 * the rest); over all senones, Wren's default scores (the same clamp, --score-floor) are
 * closer to pocketsphinx's than exact scores are, by more than half for the PTM model. */
static void check_against_pocketsphinx(const char *dir, const char *raw, int rate, const char *fe_args,
                                       int remove_noise)
{
    char *tmp = test_tmpdir(), cmd[4096], p[1024];
    snprintf(p, sizeof p, "%s/utt.raw", tmp);
    ck_assert(symlink(raw, p) == 0);
    snprintf(p, sizeof p, "%s/ctl", tmp);
    spit(p, "utt\n", 4);
    snprintf(p, sizeof p, "%s/dict", tmp);
    spit(p, "go G OW\n", 8);
    snprintf(p, sizeof p, "%s/g.gram", tmp);
    spit(p, "#JSGF V1.0;\ngrammar g;\npublic <s> = go;\n", 41);
    snprintf(cmd, sizeof cmd, "cd %s && pocketsphinx_batch -hmm %s -ctl ctl -cepdir . -cepext .raw "
             "-adcin yes -samprate %d -senlogdir sen -dict dict -jsgf g.gram -remove_noise %s "
             "-remove_silence no -dither no -compallsen yes -topn 4 -hyp hyp >log 2>&1", tmp, dir, rate,
             remove_noise ? "yes" : "no");
    ck_assert_msg(system(cmd) == 0, "pocketsphinx_batch failed: %s", cmd);
    snprintf(p, sizeof p, "%s/sen/000000000.sen", tmp);
    size_t len;
    unsigned char *b = slurp(p, &len);
    unsigned char *e = NULL;
    for (size_t i = 0; i + 7 <= len && !e; i++)
        if (memcmp(b + i, "endhdr\n", 7) == 0) e = b + i + 7 + 4;
    ck_assert_ptr_nonnull(e);

    struct wren_am *am;
    ck_assert_msg(wren_am_load(dir, &am) == 0, "%s", wren_error_msg());
    wren_am_set_topn(am, 4);
    float *feat, *c0;
    /* sphinx_fe + CMN/deltas written here, or (fe_args NULL) Wren's own front end */
    int T = fe_args ? sphinx_features(fe_args, &feat, &c0)
                    : wren_features_nr(dir, raw, rate, remove_noise, &feat, &c0);
    int S = wren_am_n_senones(am);
    int Tp = (int)((len - (size_t)(e - b)) / (2 + 2 * (size_t)S));
    ck_assert_int_eq(T, Tp);
    float *sc = malloc((size_t)S * sizeof(float)), *sc0 = malloc((size_t)S * sizeof(float));
    double unit = 1024 * log(1.0001), sumd = 0, sum_all = 0, sum_all0 = 0;
    long n = 0;
    int agree = 0;
    const float floor_nats = wren_am_score_floor(am);
    ck_assert(floor_nats > 9.8f && floor_nats < 9.9f);   /* pocketsphinx's clamp is the default */
    for (int t = 0; t < T; t++) {
        wren_am_set_score_floor(am, 0);
        ck_assert_int_eq(wren_am_score_frame(am, feat + (size_t)t * 39, NULL, sc0), 0);
        wren_am_set_score_floor(am, floor_nats);
        ck_assert_int_eq(wren_am_score_frame(am, feat + (size_t)t * 39, NULL, sc), 0);
        const unsigned char *fr = e + (size_t)t * (2 + 2 * (size_t)S);
        int16_t nact, ps;
        memcpy(&nact, fr, 2);
        ck_assert_int_eq(nact, S);
        int mine = argmax(sc, S), theirs = 0;
        int16_t best = 32767;
        for (int s = 0; s < S; s++) {
            memcpy(&ps, fr + 2 + 2 * s, 2);
            if (ps < best) { best = ps; theirs = s; }
        }
        agree += mine == theirs;
        int mine0 = argmax(sc0, S);
        for (int s = 0; s < S; s++) {
            memcpy(&ps, fr + 2 + 2 * s, 2);
            double ref = -(ps - best) * unit;
            sum_all += fabs((sc[s] - sc[mine]) - ref);
            sum_all0 += fabs((sc0[s] - sc0[mine0]) - ref);
            if (ref < -15) continue;
            sumd += fabs((sc[s] - sc[mine]) - ref);
            n++;
        }
    }
    /* far from the top, pocketsphinx's scores are its clamped ones: Wren's default (the same
     * clamp) follows them, exact scores do not */
    double all = sum_all / ((double)S * T), all0 = sum_all0 / ((double)S * T);
    fprintf(stderr, "%s: mean |diff| over all senones: clamped %.3f nats, exact %.3f nats\n", dir, all, all0);
    struct wren_am_info info;
    wren_am_get_info(am, &info);
    ck_assert_msg(all < 1.0 && all <= all0 + 1e-9, "%s: clamped scores %.3f nats from pocketsphinx's (exact %.3f)",
                  dir, all, all0);
    /* PTM: one codebook per phone, so whole codebooks fall below the clamp (semi-continuous:
     * one codebook, its top 4 rarely do) */
    if (!strcmp(info.kind, "ptm"))
        ck_assert_msg(all < 0.5 * all0, "%s: clamped %.3f vs exact %.3f nats from pocketsphinx", dir, all, all0);
    fprintf(stderr, "%s (%s features%s) vs pocketsphinx: same best senone on %d of %d frames; mean |diff| %.3f nats "
            "over %ld senones within 15 nats of the best\n", dir, fe_args ? "sphinx_fe" : "Wren",
            remove_noise ? ", noise removal" : "", agree, T, sumd / (double)n, n);
    ck_assert_msg(agree * 10 >= T * 8, "%s: best senone differs from pocketsphinx on %d of %d frames",
                  dir, T - agree, T);
    ck_assert_msg(sumd / (double)n < 0.6, "%s: mean |diff| %.3f nats from pocketsphinx", dir, sumd / (double)n);
    free(sc);
    free(sc0);
    free(feat);
    free(c0);
    free(b);
    wren_am_free(am);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    ck_assert(system(cmd) == 0);
    free(tmp);
}

START_TEST(test_scores_match_pocketsphinx)
{
    REQUIRE(EN_US "/mdef");
    REQUIRE(GOFORWARD);
    if (!have_sphinx_fe() || system("command -v pocketsphinx_batch >/dev/null 2>&1") != 0) {
        fprintf(stderr, "skipped: sphinx_fe or pocketsphinx_batch not installed\n");
        return;
    }
    check_against_pocketsphinx(EN_US, GOFORWARD, 16000, FE_EN_US, 0);
    /* end to end: Wren's front end (with sphinx's noise removal) + Wren's scorer vs pocketsphinx */
    check_against_pocketsphinx(EN_US, GOFORWARD, 16000, NULL, 1);
    char *tmp = test_tmpdir(), *raw = make_8k_goforward(tmp), *dir = hub4_dir(), args[2048];
    snprintf(args, sizeof args, "-i %s -raw yes -samprate 8000 -nfilt 20 -lowerf 1 -upperf 4000 "
             "-wlen 0.025 -transform dct -round_filters no -remove_dc yes", raw);
    check_against_pocketsphinx(dir, raw, 8000, args, 0);
    check_against_pocketsphinx(dir, raw, 8000, NULL, 1);
    remove(raw);
    rmdir(tmp);
    free(raw);
    free(tmp);
    free(dir);
}
END_TEST

START_TEST(test_transition_matrices)
{
    REQUIRE(EN_US "/transition_matrices");
    struct wren_am *am;
    ck_assert_int_eq(wren_am_load(EN_US, &am), 0);
    size_t n;
    int sw;
    uint32_t *w = s3_words(EN_US "/transition_matrices", &n, &sw);
    int n_src = (int)w[1], n_dst = (int)w[2];
    ck_assert_int_eq(n_src, wren_mdef_n_emit_states(wren_am_mdef(am)));
    for (int i = 0; i < wren_am_n_tmat(am); i++) {
        const float *tm = wren_am_tmat(am, i);
        ck_assert_ptr_nonnull(tm);
        for (int r = 0; r < n_src; r++) {
            double sum = 0, rawsum = 0;
            for (int c = 0; c < n_dst; c++) rawsum += word_f(w[4 + (i * n_src + r) * n_dst + c]);
            for (int c = 0; c < n_dst; c++) {
                double raw = word_f(w[4 + (i * n_src + r) * n_dst + c]) / rawsum;
                sum += tm[r * n_dst + c];
                if (raw == 0) ck_assert_float_eq(tm[r * n_dst + c], 0);
                else if (raw > 1e-3) ck_assert_float_eq_tol(tm[r * n_dst + c], raw, 1e-3);
            }
            ck_assert_float_eq_tol(sum, 1.0, 1e-5);
        }
    }
    ck_assert_ptr_null(wren_am_tmat(am, wren_am_n_tmat(am)));
    free(w);
    wren_am_free(am);
}
END_TEST

/* ---------- corrupt and inconsistent files ---------- */

static const char *MODEL_FILES[] = { "feat.params", "mdef", "means", "variances", "sendump",
                                     "transition_matrices", "noisedict", NULL };

/* A copy of the en-us model folder made of symlinks, except the file(s) a test replaces. */
static char *model_copy(void)
{
    char *dir = test_tmpdir();
    for (int i = 0; MODEL_FILES[i]; i++) {
        char src[1024], dst[1024];
        snprintf(src, sizeof src, EN_US "/%s", MODEL_FILES[i]);
        snprintf(dst, sizeof dst, "%s/%s", dir, MODEL_FILES[i]);
        ck_assert(symlink(src, dst) == 0);
    }
    return dir;
}

static void model_copy_free(char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert(system(cmd) == 0);
    free(dir);
}

/* Replace DIR/NAME by the original's bytes [0, keep) followed by `extra`. */
static char *replace_file(const char *dir, const char *name, size_t keep, const void *extra, size_t n_extra)
{
    char src[1024], *dst = malloc(1024);
    snprintf(src, sizeof src, EN_US "/%s", name);
    snprintf(dst, 1024, "%s/%s", dir, name);
    size_t len;
    unsigned char *b = slurp(src, &len);
    if (keep > len) keep = len;
    unsigned char *o = malloc(keep + n_extra + 1);
    memcpy(o, b, keep);
    if (n_extra) memcpy(o + keep, extra, n_extra);
    remove(dst);
    spit(dst, o, keep + n_extra);
    free(o);
    free(b);
    return dst;
}

/* Loading must fail with one line naming the file; returns a copy of the message. */
static void expect_load_error(const char *dir, const char *file, const char *needle)
{
    struct wren_am *am = (struct wren_am *)1;
    ck_assert_int_eq(wren_am_load(dir, &am), -1);
    ck_assert_ptr_null(am);
    const char *msg = wren_error_msg();
    ck_assert_msg(strstr(msg, file) != NULL, "error does not name %s: %s", file, msg);
    ck_assert_msg(strchr(msg, '\n') == NULL, "error is not one line: %s", msg);
    if (needle) ck_assert_msg(strstr(msg, needle) != NULL, "error lacks '%s': %s", needle, msg);
}

START_TEST(test_corrupt_truncated_means)
{
    REQUIRE(EN_US "/means");
    char *dir = model_copy();
    char *f = replace_file(dir, "means", 5000, NULL, 0);
    expect_load_error(dir, f, "truncated");
    free(f);
    f = replace_file(dir, "means", 20, NULL, 0);   /* inside the text header */
    expect_load_error(dir, f, NULL);
    free(f);
    model_copy_free(dir);
}
END_TEST

START_TEST(test_corrupt_checksum_and_trailing_data)
{
    REQUIRE(EN_US "/variances");
    char *dir = model_copy(), src[1024];
    snprintf(src, sizeof src, EN_US "/variances");
    size_t len;
    unsigned char *b = slurp(src, &len);
    b[len / 2] ^= 0x40;   /* one flipped bit in the data */
    char *f = replace_file(dir, "variances", len, NULL, 0);
    spit(f, b, len);
    expect_load_error(dir, f, "checksum");
    free(f);
    f = replace_file(dir, "variances", len + 8, "garbage!", 8);
    expect_load_error(dir, f, "unexpected data");
    free(f);
    free(b);
    model_copy_free(dir);
}
END_TEST

START_TEST(test_corrupt_mdef)
{
    REQUIRE(EN_US "/mdef");
    char *dir = model_copy();
    char *f = replace_file(dir, "mdef", 0, "XXXX\001\002\003\000garbage", 15);
    expect_load_error(dir, f, "not an mdef");
    free(f);
    f = replace_file(dir, "mdef", 0, "0.4\n42 n_base\n", 14);
    expect_load_error(dir, f, "not an mdef");
    free(f);
    f = replace_file(dir, "mdef", 100000, NULL, 0);   /* binary, truncated */
    expect_load_error(dir, f, "truncated");
    free(f);
    /* text mdef whose header promises more phones than it has */
    char *txt = malloc(1024);
    snprintf(txt, 1024, "%s/mdef", dir);
    remove(txt);
    FILE *o = fopen(txt, "w");
    fputs("0.3\n2 n_base\n0 n_tri\n8 n_state_map\n6 n_tied_state\n6 n_tied_ci_state\n2 n_tied_tmat\n"
          "SIL - - - filler 0 0 1 2 N\n", o);
    fclose(o);
    expect_load_error(dir, txt, "truncated");
    free(txt);
    model_copy_free(dir);
}
END_TEST

/* Means and variances rewritten as one 39-dim stream: consistent files, but they disagree with
 * feat.params' -svspec; and means with fewer densities than the variances. */
START_TEST(test_wrong_dims)
{
    REQUIRE(EN_US "/means");
    char *dir = model_copy();
    const char *names[2] = { "means", "variances" };
    for (int k = 0; k < 2; k++) {
        char src[1024], dst[1024];
        snprintf(src, sizeof src, EN_US "/%s", names[k]);
        snprintf(dst, sizeof dst, "%s/%s", dir, names[k]);
        size_t n;
        int sw;
        uint32_t *w = s3_words(src, &n, &sw);
        uint32_t n_mgau = w[0], n_dens = w[2], cnt = w[6];
        /* regroup [mgau][3 streams][dens][13] into [mgau][1 stream][dens][39] */
        uint32_t *o = malloc((5 + cnt) * 4);
        o[0] = n_mgau; o[1] = 1; o[2] = n_dens; o[3] = 39; o[4] = cnt;
        for (uint32_t m = 0; m < n_mgau; m++)
            for (uint32_t f = 0; f < 3; f++)
                for (uint32_t d = 0; d < n_dens; d++)
                    for (uint32_t i = 0; i < 13; i++)
                        o[5 + (m * n_dens + d) * 39 + f * 13 + i] = w[7 + ((m * 3 + f) * n_dens + d) * 13 + i];
        remove(dst);
        s3_write(dst, o, 5 + cnt, 0);
        free(o);
        free(w);
    }
    char means[1024];
    snprintf(means, sizeof means, "%s/means", dir);
    expect_load_error(dir, means, "svspec");
    /* means with half the densities: the variances no longer match */
    size_t n;
    int sw;
    uint32_t *w = s3_words(EN_US "/means", &n, &sw);
    w[2] /= 2;
    w[6] /= 2;
    remove(means);
    s3_write(means, w, 7 + w[6], 0);
    free(w);
    char var[1024];
    snprintf(var, sizeof var, "%s/variances", dir);
    remove(var);
    ck_assert(symlink(EN_US "/variances", var) == 0);
    expect_load_error(dir, var, "differ");
    model_copy_free(dir);
}
END_TEST

/* The same means and variances written in the other byte order load and score identically. */
START_TEST(test_other_byte_order)
{
    REQUIRE(EN_US "/means");
    char *dir = model_copy();
    const char *names[2] = { "means", "variances" };
    for (int k = 0; k < 2; k++) {
        char src[1024], dst[1024];
        snprintf(src, sizeof src, EN_US "/%s", names[k]);
        snprintf(dst, sizeof dst, "%s/%s", dir, names[k]);
        size_t n;
        int sw;
        uint32_t *w = s3_words(src, &n, &sw);
        remove(dst);
        s3_write(dst, w, n - 1, !sw);
        free(w);
    }
    struct wren_am *a, *b;
    ck_assert_msg(wren_am_load(EN_US, &a) == 0, "%s", wren_error_msg());
    ck_assert_msg(wren_am_load(dir, &b) == 0, "%s", wren_error_msg());
    int S = wren_am_n_senones(a);
    float x[39], *sa = malloc((size_t)S * 4), *sb = malloc((size_t)S * 4);
    for (int i = 0; i < 39; i++) x[i] = (float)sin(i * 0.7) * (i < 13 ? 3.0f : 0.5f);
    wren_am_score_frame(a, x, NULL, sa);
    wren_am_score_frame(b, x, NULL, sb);
    ck_assert_mem_eq(sa, sb, (size_t)S * 4);
    free(sa);
    free(sb);
    wren_am_free(a);
    wren_am_free(b);
    /* and a byte-order word that is neither order */
    char *f = replace_file(dir, "means", 0, "s3\nversion 1.0\nendhdr\n\x01\x02\x03\x05", 26);
    expect_load_error(dir, f, "byte-order");
    free(f);
    model_copy_free(dir);
}
END_TEST

START_TEST(test_corrupt_sendump_tmat_noisedict)
{
    REQUIRE(EN_US "/sendump");
    char *dir = model_copy();
    char *f = replace_file(dir, "sendump", 1000000, NULL, 0);
    expect_load_error(dir, f, "truncated");
    free(f);
    f = replace_file(dir, "sendump", 0, "\xff\xff\xff\x7f", 4);
    expect_load_error(dir, f, "sendump");
    free(f);
    char src[1024];
    snprintf(src, sizeof src, "%s/sendump", dir);
    remove(src);
    ck_assert(symlink(EN_US "/sendump", src) == 0);
    /* transition matrices: one matrix fewer than the mdef has */
    size_t n;
    int sw;
    uint32_t *w = s3_words(EN_US "/transition_matrices", &n, &sw);
    uint32_t per = w[1] * w[2];
    w[0] -= 1;
    w[3] -= per;
    char tm[1024];
    snprintf(tm, sizeof tm, "%s/transition_matrices", dir);
    remove(tm);
    s3_write(tm, w, 4 + w[3], 0);
    free(w);
    expect_load_error(dir, tm, "do not match the mdef");
    remove(tm);
    ck_assert(symlink(EN_US "/transition_matrices", tm) == 0);
    /* noisedict naming a phone the mdef lacks */
    f = replace_file(dir, "noisedict", 0, "<sil> SIL\n[NOISE] +NOPE+\n", 26);
    expect_load_error(dir, f, ":2:");
    free(f);
    /* no weights at all */
    remove(src);
    expect_load_error(dir, dir, "mixture_weights");
    model_copy_free(dir);
}
END_TEST

/* Random damage to the parts of the files that carry sizes and structure: loading either
 * succeeds or fails with a one-line message; never a crash (the ASan run checks memory).
 * WREN_AM_FUZZ_ROUNDS scales the number of rounds for a longer offline campaign. */
static void fuzz_file(const char *model, const char *name, size_t region, int rounds, unsigned *seed)
{
    const char *env = getenv("WREN_AM_FUZZ_ROUNDS");
    if (env && atoi(env) > 0) rounds = atoi(env);
    char *dir = test_tmpdir(), src[1024], dst[1024];
    const char *files[] = { "feat.params", "mdef", "means", "variances", "sendump", "mixture_weights",
                            "transition_matrices", "noisedict", NULL };
    for (int i = 0; files[i]; i++) {
        snprintf(src, sizeof src, "%s/%s", model, files[i]);
        snprintf(dst, sizeof dst, "%s/%s", dir, files[i]);
        if (exists(src) && strcmp(files[i], name) != 0) ck_assert(symlink(src, dst) == 0);
    }
    snprintf(src, sizeof src, "%s/%s", model, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    size_t len;
    unsigned char *orig = slurp(src, &len);
    if (region > len) region = len;
    for (int r = 0; r < rounds; r++) {
        unsigned char *b = malloc(len);
        memcpy(b, orig, len);
        int n_bytes = 1 + (int)(rand_r(seed) % 4);
        for (int k = 0; k < n_bytes; k++) {
            size_t at = (size_t)rand_r(seed) % region;
            /* text files: mostly digits, so that counts change rather than words break */
            b[at] = rand_r(seed) % 2 ? (unsigned char)('0' + rand_r(seed) % 10) : (unsigned char)rand_r(seed);
        }
        size_t cut = rand_r(seed) % 4 == 0 ? (size_t)rand_r(seed) % len : len;
        spit(dst, b, cut);
        struct wren_am *am = NULL;
        if (wren_am_load(dir, &am) == 0) {
            ck_assert_ptr_nonnull(am);
            wren_am_free(am);
        } else {
            const char *msg = wren_error_msg();
            ck_assert(msg[0] != 0 && strchr(msg, '\n') == NULL);
        }
        free(b);
    }
    free(orig);
    model_copy_free(dir);
}

START_TEST(test_fuzz_headers)
{
    REQUIRE(EN_US "/mdef");
    unsigned seed = 20261125;
    fuzz_file(EN_US, "mdef", 2048, 12, &seed);
    fuzz_file(EN_US, "sendump", 700, 8, &seed);
    fuzz_file(EN_US, "means", 120, 8, &seed);
    fuzz_file(EN_US, "transition_matrices", 2080, 8, &seed);
    fuzz_file(EN_US, "feat.params", 230, 8, &seed);
    if (exists(AN4 "/mdef")) {
        fuzz_file(AN4, "mdef", 1900, 12, &seed);   /* text mdef */
        fuzz_file(AN4, "mixture_weights", 472, 8, &seed);
        fuzz_file(AN4, "noisedict", 60, 4, &seed);
    }
}
END_TEST

START_TEST(test_missing_dir)
{
    struct wren_am *am;
    ck_assert_int_eq(wren_am_load("/nonexistent/model", &am), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "/nonexistent/model"));
    struct wren_mdef *m;
    ck_assert_int_eq(wren_mdef_load("/nonexistent/mdef", &m), -1);
    ck_assert_ptr_nonnull(strstr(wren_error_msg(), "/nonexistent/mdef"));
}
END_TEST

static Suite *am_suite(void)
{
    Suite *s = suite_create("am");
    TCase *tc = tcase_create("am");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_load_en_us);
    tcase_add_test(tc, test_load_hub4);
    tcase_add_test(tc, test_load_an4_text_mdef);
    tcase_add_test(tc, test_mdef_binary_equals_text);
    tcase_add_test(tc, test_triphone_lookup);
    tcase_add_test(tc, test_sendump_weights_are_distributions);
    tcase_add_test(tc, test_scores_match_reference);
    tcase_add_test(tc, test_silence_frames_score_silence);
    tcase_add_test(tc, test_scores_match_pocketsphinx);
    tcase_add_test(tc, test_transition_matrices);
    tcase_add_test(tc, test_corrupt_truncated_means);
    tcase_add_test(tc, test_corrupt_checksum_and_trailing_data);
    tcase_add_test(tc, test_corrupt_mdef);
    tcase_add_test(tc, test_wrong_dims);
    tcase_add_test(tc, test_other_byte_order);
    tcase_add_test(tc, test_corrupt_sendump_tmat_noisedict);
    tcase_add_test(tc, test_fuzz_headers);
    tcase_add_test(tc, test_missing_dir);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(am_suite());
}
