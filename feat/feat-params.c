/* feat-params.c — sphinx `feat.params` reading and sphinxbase's front-end defaults (see
 * feat-params.h). Not for: computing features (feat.c). */
#include "feat/feat-params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "utils/error.h"
#include "utils/io.h"

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

static int parse_cmninit(struct wren_feat_params *p, const char *v);

void wren_feat_params_default(struct wren_feat_params *p)
{
    memset(p, 0, sizeof *p);
    p->samprate = 16000.0f;
    p->samprate_given = 0;
    p->lowerf = 133.33334f;
    p->upperf = 6855.4976f;
    p->nfilt = 40;
    p->ncep = 13;
    p->wlen = 0.025625f;
    p->frate = 100;
    p->nfft = 512;
    p->alpha = 0.97f;
    p->transform = WREN_TRANSFORM_LEGACY;
    p->lifter = 0;
    p->remove_dc = 0;
    p->round_filters = 1;
    p->unit_area = 1;
    p->doublebw = 0;
    p->dither = 0;
    p->seed = -1;
    p->remove_noise = 1;
    p->remove_silence = 1;
    p->vad_threshold = 2.0f;
    p->vad_prespeech = 20;
    p->vad_postspeech = 50;
    p->vad_startspeech = 10;
    copy_str(p->warp_type, sizeof p->warp_type, "inverse_linear");
    p->vtln_warp = 1.0f;
    copy_str(p->feat, sizeof p->feat, "1s_c_d_dd");
    p->ceplen = 13;
    p->cmn = WREN_CMN_LIVE;
    parse_cmninit(p, "40,3,-1");
    p->varnorm = 0;
    copy_str(p->agc, sizeof p->agc, "none");
    p->agcthresh = 2.0f;
    p->ldadim = 0;
    p->topn = 4;
}

/* ---- value parsers: 0 ok, -1 with a message naming key and value ---- */

static int parse_float(const char *key, const char *v, float *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(d))
        return wren_error("-%s: '%s' is not a number", key, v);
    *out = (float)d;
    return 0;
}

static int parse_int(const char *key, const char *v, int *out)
{
    char *end;
    errno = 0;
    long l = strtol(v, &end, 10);
    if (end == v || *end || errno || l < -1000000000L || l > 1000000000L)
        return wren_error("-%s: '%s' is not an integer", key, v);
    *out = (int)l;
    return 0;
}

static int parse_bool(const char *key, const char *v, int *out)
{
    static const char *yes[] = { "yes", "true", "1", "on", NULL };
    static const char *no[] = { "no", "false", "0", "off", NULL };
    for (int i = 0; yes[i]; i++)
        if (strcasecmp(v, yes[i]) == 0) { *out = 1; return 0; }
    for (int i = 0; no[i]; i++)
        if (strcasecmp(v, no[i]) == 0) { *out = 0; return 0; }
    return wren_error("-%s: '%s' is not yes or no", key, v);
}

static int parse_name(const char *key, const char *v, char *dst, size_t cap)
{
    if (strlen(v) >= cap)
        return wren_error("-%s: value too long (%zu characters)", key, strlen(v));
    copy_str(dst, cap, v);
    return 0;
}

static int parse_cmninit(struct wren_feat_params *p, const char *v)
{
    float vals[WREN_FEAT_MAX_CEP];
    int n = 0;
    const char *s = v;
    while (*s) {
        char *end;
        errno = 0;
        double d = strtod(s, &end);
        if (end == s || errno || !isfinite(d) || (*end && *end != ','))
            return wren_error("-cmninit: '%s' is not a comma-separated list of numbers", v);
        if (n == WREN_FEAT_MAX_CEP)
            return wren_error("-cmninit: more than %d values", WREN_FEAT_MAX_CEP);
        vals[n++] = (float)d;
        s = *end ? end + 1 : end;
    }
    if (n == 0)
        return wren_error("-cmninit: empty list");
    memset(p->cmninit, 0, sizeof p->cmninit);
    memcpy(p->cmninit, vals, (size_t)n * sizeof *vals);
    p->ncmninit = n;
    return 0;
}

static int parse_transform(const char *v, enum wren_feat_transform *t)
{
    if (strcmp(v, "legacy") == 0) *t = WREN_TRANSFORM_LEGACY;
    else if (strcmp(v, "dct") == 0) *t = WREN_TRANSFORM_DCT;
    else if (strcmp(v, "htk") == 0) *t = WREN_TRANSFORM_HTK;
    else return wren_error("-transform: '%s' is not legacy, dct or htk", v);
    return 0;
}

static int parse_cmn(const char *v, enum wren_feat_cmn *c)
{
    if (strcmp(v, "none") == 0) *c = WREN_CMN_NONE;
    else if (strcmp(v, "batch") == 0 || strcmp(v, "current") == 0) *c = WREN_CMN_BATCH;
    else if (strcmp(v, "live") == 0 || strcmp(v, "prior") == 0) *c = WREN_CMN_LIVE;
    else return wren_error("-cmn: '%s' is not none, batch (current) or live (prior)", v);
    return 0;
}

int wren_feat_params_set(struct wren_feat_params *p, const char *key, const char *v)
{
    int rc;
#define F(name, field) if (strcmp(key, name) == 0) { rc = parse_float(key, v, &p->field); goto done; }
#define I(name, field) if (strcmp(key, name) == 0) { rc = parse_int(key, v, &p->field); goto done; }
#define B(name, field) if (strcmp(key, name) == 0) { rc = parse_bool(key, v, &p->field); goto done; }
#define S(name, field) if (strcmp(key, name) == 0) { \
        rc = parse_name(key, v, p->field, sizeof p->field); goto done; }
    if (strcmp(key, "samprate") == 0) {
        rc = parse_float(key, v, &p->samprate);
        if (rc == 0) p->samprate_given = 1;
        goto done;
    }
    F("lowerf", lowerf) F("upperf", upperf) I("nfilt", nfilt) I("ncep", ncep)
    F("wlen", wlen) I("frate", frate) I("nfft", nfft) F("alpha", alpha)
    I("lifter", lifter) B("remove_dc", remove_dc) B("round_filters", round_filters)
    B("unit_area", unit_area) B("doublebw", doublebw) B("dither", dither) I("seed", seed)
    B("remove_noise", remove_noise) B("remove_silence", remove_silence)
    F("vad_threshold", vad_threshold) I("vad_prespeech", vad_prespeech)
    I("vad_postspeech", vad_postspeech) I("vad_startspeech", vad_startspeech)
    S("warp_type", warp_type) S("warp_params", warp_params) F("vtln_warp", vtln_warp)
    S("feat", feat) I("ceplen", ceplen) B("varnorm", varnorm) S("agc", agc)
    F("agcthresh", agcthresh) S("svspec", svspec) S("lda", lda) I("ldadim", ldadim)
    S("model", model) I("topn", topn)
#undef F
#undef I
#undef B
#undef S
    if (strcmp(key, "transform") == 0) { rc = parse_transform(v, &p->transform); goto done; }
    if (strcmp(key, "cmn") == 0) { rc = parse_cmn(v, &p->cmn); goto done; }
    if (strcmp(key, "cmninit") == 0) { rc = parse_cmninit(p, v); goto done; }
    return 0;
done:
    return rc < 0 ? -1 : 1;
}

/* Range checks after reading, so that feat.c can trust the values. */
static int check_ranges(const struct wren_feat_params *p)
{
    if (!(p->samprate >= 1000 && p->samprate <= 384000))
        return wren_error("-samprate %g out of range", p->samprate);
    if (p->frate <= 0 || p->frate > 10000)
        return wren_error("-frate %d out of range", p->frate);
    if (!(p->wlen > 0 && p->wlen < 1))
        return wren_error("-wlen %g out of range", p->wlen);
    if (p->nfft < 16 || p->nfft > 65536 || (p->nfft & (p->nfft - 1)))
        return wren_error("-nfft %d is not a power of two in [16, 65536]", p->nfft);
    if (wren_feat_params_frame_size(p) > p->nfft)
        return wren_error("-nfft %d is smaller than the window (%d samples)", p->nfft,
                          wren_feat_params_frame_size(p));
    if (wren_feat_params_frame_shift(p) < 1)
        return wren_error("frame shift below one sample (-samprate %g, -frate %d)",
                          p->samprate, p->frate);
    if (p->nfilt < 1 || p->nfilt > 1024)
        return wren_error("-nfilt %d out of range", p->nfilt);
    if (p->ncep < 1 || p->ncep > WREN_FEAT_MAX_CEP || p->ncep > p->nfilt)
        return wren_error("-ncep %d out of range (1..min(%d, nfilt))", p->ncep,
                          WREN_FEAT_MAX_CEP);
    if (p->ceplen < 1 || p->ceplen > WREN_FEAT_MAX_CEP)
        return wren_error("-ceplen %d out of range", p->ceplen);
    if (!(p->lowerf >= 0 && p->lowerf < p->upperf && p->upperf <= p->samprate / 2))
        return wren_error("-lowerf %g / -upperf %g not within 0..samprate/2 (%g)", p->lowerf,
                          p->upperf, p->samprate / 2);
    if (!(p->vtln_warp >= 0.5f && p->vtln_warp <= 2.0f))
        return wren_error("-vtln_warp %g out of range (0.5..2)", p->vtln_warp);
    if (p->vad_prespeech < 0 || p->vad_prespeech > 100000 || p->vad_postspeech < 1 ||
        p->vad_startspeech < 1)
        return wren_error("-vad_prespeech %d / -vad_postspeech %d / -vad_startspeech %d out of "
                          "range", p->vad_prespeech, p->vad_postspeech, p->vad_startspeech);
    if (p->lifter < 0)
        return wren_error("-lifter %d is negative", p->lifter);
    return 0;
}

/* Split the file into whitespace-separated tokens ('#' starts a comment to end of line,
 * double quotes are stripped) and apply them as "-key value" pairs. */
static int apply_text(struct wren_feat_params *p, const char *path, char *text)
{
    char *key = NULL;
    int key_line = 0, line = 1;
    char *s = text;
    while (*s) {
        if (*s == '\n') { line++; s++; continue; }
        if (isspace((unsigned char)*s)) { s++; continue; }
        if (*s == '#') { while (*s && *s != '\n') s++; continue; }
        char *tok = s;
        if (*s == '"') {
            tok = ++s;
            while (*s && *s != '"' && *s != '\n') s++;
            if (*s != '"')
                return wren_error("%s:%d: unterminated quote", path, line);
        } else {
            while (*s && !isspace((unsigned char)*s)) s++;
        }
        int tok_line = line;
        if (*s) {
            if (*s == '\n') line++;
            *s++ = '\0';
        }
        if (!key) {
            if (tok[0] != '-' || !tok[1] || isdigit((unsigned char)tok[1]))
                return wren_error("%s:%d: expected an option like -nfilt, found '%s'", path,
                                  tok_line, tok);
            key = tok;
            key_line = tok_line;
            continue;
        }
        if (wren_feat_params_set(p, key + 1, tok) < 0)
            return wren_error_prefix("%s:%d", path, key_line);
        key = NULL;
    }
    if (key)
        return wren_error("%s:%d: option %s has no value", path, key_line, key);
    return 0;
}

int wren_feat_params_read(const char *model_dir_or_file, struct wren_feat_params *p)
{
    struct stat st;
    char *path;
    if (stat(model_dir_or_file, &st) != 0)
        return wren_error("%s: no such model folder or feat.params file", model_dir_or_file);
    if (S_ISDIR(st.st_mode))
        path = wren_path_join(model_dir_or_file, "feat.params");
    else
        path = wren_xstrdup(model_dir_or_file);
    char *text = NULL;
    size_t len = 0;
    if (wren_read_all(path, &text, &len) < 0) {
        free(path);
        return -1;
    }
    if (strlen(text) != len) {
        free(text);
        int rc = wren_error("%s: binary data in a feat.params file", path);
        free(path);
        return rc;
    }
    int rc = apply_text(p, path, text);
    free(text);
    if (rc == 0 && !p->samprate_given)
        p->samprate = p->upperf <= 4000.0f ? 8000.0f : 16000.0f;
    if (rc == 0 && check_ranges(p) < 0)
        rc = wren_error_prefix("%s", path);
    free(path);
    return rc;
}

int wren_feat_params_frame_shift(const struct wren_feat_params *p)
{
    return (int)(p->samprate / (float)p->frate + 0.5f);
}

int wren_feat_params_frame_size(const struct wren_feat_params *p)
{
    return (int)(p->wlen * p->samprate + 0.5f);
}

int wren_feat_params_dim(const struct wren_feat_params *p)
{
    if (strcmp(p->feat, "1s_c") == 0) return p->ceplen;
    if (strcmp(p->feat, "1s_c_d") == 0) return 2 * p->ceplen;
    if (strcmp(p->feat, "1s_c_d_dd") == 0) return 3 * p->ceplen;
    return wren_error("feature type '%s' is not supported (Wren has 1s_c, 1s_c_d, 1s_c_d_dd)",
                      p->feat);
}

static const char *yes_no(int b) { return b ? "yes" : "no"; }

void wren_feat_params_print(const struct wren_feat_params *p, FILE *f)
{
    static const char *tr[] = { "legacy", "dct", "htk" };
    static const char *cmn[] = { "none", "batch", "live" };
    fprintf(f, "-samprate %g\n-lowerf %g\n-upperf %g\n-nfilt %d\n-ncep %d\n-wlen %g\n",
            p->samprate, p->lowerf, p->upperf, p->nfilt, p->ncep, p->wlen);
    fprintf(f, "-frate %d\n-nfft %d\n-alpha %g\n-transform %s\n-lifter %d\n", p->frate,
            p->nfft, p->alpha, tr[p->transform], p->lifter);
    fprintf(f, "-remove_dc %s\n-round_filters %s\n-unit_area %s\n-doublebw %s\n-dither %s\n",
            yes_no(p->remove_dc), yes_no(p->round_filters), yes_no(p->unit_area), yes_no(p->doublebw),
            yes_no(p->dither));
    fprintf(f, "-remove_noise %s\n-remove_silence %s\n-feat %s\n-ceplen %d\n-cmn %s\n",
            yes_no(p->remove_noise), yes_no(p->remove_silence), p->feat, p->ceplen, cmn[p->cmn]);
    fprintf(f, "-cmninit ");
    for (int i = 0; i < p->ncmninit; i++)
        fprintf(f, "%s%g", i ? "," : "", p->cmninit[i]);
    fprintf(f, "\n-varnorm %s\n-agc %s\n", yes_no(p->varnorm), p->agc);
    if (p->svspec[0]) fprintf(f, "-svspec %s\n", p->svspec);
    if (p->model[0]) fprintf(f, "-model %s\n", p->model);
    if (p->vtln_warp != 1.0f) fprintf(f, "-vtln_warp %g\n", p->vtln_warp);
}
