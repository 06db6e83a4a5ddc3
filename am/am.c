/* am.c — a CMU Sphinx acoustic model folder as one object: loading and cross-checking its
 * files (feat.params, mdef, means, variances, mixture_weights or sendump,
 * transition_matrices, noisedict), and scoring senones for one feature frame with top-N
 * Gaussian selection per codebook, for continuous, semi-continuous and PTM models.
 * Not for: parsing the individual file formats (mdef.c, am-s3io.c, gauden.c, am-mixw.c) or
 * computing features (feat.h).
 *
 * Scores are natural-log likelihoods in float: for senone s and stream f,
 *   log sum_{k in top-N of codebook(s), f} w[s,f,k] * N(x_f; mu_k, var_k),
 * summed over streams. Unlike sphinx, no integer log tables and no per-frame normalisation;
 * top-N selection is exact (every Gaussian of an active codebook is evaluated). */
#include "am/am.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am/am-internal.h"
#include "utils/error.h"
#include "feat/feat-params.h"
#include "utils/io.h"

#define AM_VARFLOOR 1e-4f     /* sphinx -varfloor */
#define AM_MIXWFLOOR 1e-7f    /* sphinx -mixwfloor */
#define AM_TMATFLOOR 1e-4f    /* sphinx -tmatfloor */
#define AM_MAX_STREAMS 8
#define AM_MAX_TOPN 16      /* larger top-N take the general (slower) path */
/* pocketsphinx's MAX_NEG_ASCR: 96 units of its 8-bit log table (base 1.0001, shifted by 10
 * bits), 96 * 1024 * ln(1.0001) nats */
#define AM_SPHINX_SCORE_FLOOR 9.8299f

enum am_kind { AM_CONT, AM_SEMI, AM_PTM };

struct wren_am {
    struct wren_feat_params fp;
    struct wren_mdef *mdef;
    struct wren_gauden *g;
    struct wren_mixw mixw;
    enum am_kind kind;
    int n_sen, feat_dim, topn;
    float score_floor;   /* top-N path: densities floored this far below the frame's best (0: off) */
    /* Streams: stream f takes dims stream_dims[stream_off[f] .. stream_off[f+1]-1]. */
    int n_streams, stream_off[AM_MAX_STREAMS + 1], *stream_dims;
    /* Senones of each codebook (CSR): cb_sen[cb_start[c] .. cb_start[c+1]-1]. */
    int *sen2cb, *cb_start, *cb_sen;
    /* Transition matrices: n_tmat x n_emit x (n_emit + 1). */
    int n_tmat, n_emit;
    float *tmat;
    /* noisedict */
    int n_fillers;
    char **filler_word, **filler_phone;
    /* Scratch for scoring. */
    float *xs, *dens, *acc, *ek;
    double *post_e;      /* senone_posteriors: each density's exp(score - best) */
    float *logw_sen;     /* senone_posteriors: log mixture weights, [senone][stream][density] (built on first use) */
    int *ids, *act_list;
    int *top_ids;        /* floored scoring: [n_mgau][n_feat][topn] selected codewords ... */
    float *top_dens;     /* ... and their log densities */
    int *act_start, *act_len;   /* floored scoring: each codebook's active senones in act_list */
    int cur_cb;
    float *mean_model;   /* the model's own means while adapted ones are set (else NULL) */
};

/* ---------- loading ---------- */

static char *model_file(const char *dir, const char *name)
{
    return wren_path_join(dir, name);
}

/* Parse -svspec ("0-12/13-25/26-38"): streams separated by '/', dims by ',', ranges a-b. */
static int am_parse_svspec(struct wren_am *am, const char *spec, const char *fp_path)
{
    am->stream_dims = wren_xmalloc((size_t)am->feat_dim * sizeof(int));
    int n = 0;
    am->n_streams = 0;
    am->stream_off[0] = 0;
    const char *p = spec;
    for (;;) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p)
            return wren_error("%s: bad -svspec '%s'", fp_path, spec);
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            if (end == p + 1)
                return wren_error("%s: bad -svspec '%s'", fp_path, spec);
            p = end;
        }
        if (a < 0 || b < a || b >= am->feat_dim || n + (b - a + 1) > am->feat_dim)
            return wren_error("%s: -svspec '%s' does not fit %d feature dims", fp_path, spec,
                              am->feat_dim);
        for (long d = a; d <= b; d++)
            am->stream_dims[n++] = (int)d;
        if (*p == ',') {
            p++;
            continue;
        }
        if (am->n_streams == AM_MAX_STREAMS)
            return wren_error("%s: -svspec '%s' has too many streams", fp_path, spec);
        am->stream_off[++am->n_streams] = n;
        if (*p == 0)
            return 0;
        if (*p != '/')
            return wren_error("%s: bad -svspec '%s'", fp_path, spec);
        p++;
    }
}

/* Streams from -svspec, or (without it) consecutive dims split as the means file does. */
static int am_setup_streams(struct wren_am *am, const char *dir, const char *mean_path)
{
    const struct wren_gauden *g = am->g;
    if (am->fp.svspec[0]) {
        char *fp_path = model_file(dir, "feat.params");
        int rc = am_parse_svspec(am, am->fp.svspec, fp_path);
        free(fp_path);
        if (rc < 0)
            return -1;
    } else {
        am->stream_dims = wren_xmalloc((size_t)am->feat_dim * sizeof(int));
        for (int d = 0; d < am->feat_dim; d++)
            am->stream_dims[d] = d;
        am->n_streams = g->n_feat;
        for (int f = 0; f < g->n_feat; f++)
            am->stream_off[f + 1] = am->stream_off[f] + g->veclen[f];
        if (am->stream_off[g->n_feat] != am->feat_dim)
            return wren_error("%s: streams of %d dims in total, but feat.params (-feat %s) "
                              "gives %d", mean_path, am->stream_off[g->n_feat], am->fp.feat,
                              am->feat_dim);
    }
    if (am->n_streams != g->n_feat)
        return wren_error("%s: %d feature streams, but feat.params -svspec gives %d", mean_path,
                          g->n_feat, am->n_streams);
    for (int f = 0; f < g->n_feat; f++)
        if (am->stream_off[f + 1] - am->stream_off[f] != g->veclen[f])
            return wren_error("%s: stream %d has %d dims, feat.params gives %d", mean_path, f,
                              g->veclen[f], am->stream_off[f + 1] - am->stream_off[f]);
    return 0;
}

static int am_load_gaussians(struct wren_am *am, const char *dir)
{
    char *mp = model_file(dir, "means"), *vp = model_file(dir, "variances");
    int rc = wren_gauden_load(mp, vp, AM_VARFLOOR, &am->g);
    if (rc == 0)
        rc = am_setup_streams(am, dir, mp);
    int n_ci = wren_mdef_n_ciphones(am->mdef);
    if (rc == 0) {
        if (am->g->n_mgau == am->n_sen)
            am->kind = AM_CONT;
        else if (am->g->n_mgau == 1)
            am->kind = AM_SEMI;
        else if (am->g->n_mgau == n_ci)
            am->kind = AM_PTM;
        else
            rc = wren_error("%s: %d codebooks fit neither a continuous (%d senones), "
                            "semi-continuous (1) nor PTM (%d CI phones) model", mp,
                            am->g->n_mgau, am->n_sen, n_ci);
    }
    free(mp);
    free(vp);
    return rc;
}

static int am_load_weights(struct wren_am *am, const char *dir)
{
    char *sp = model_file(dir, "sendump"), *mp = model_file(dir, "mixture_weights");
    int rc;
    if (wren_path_exists(mp)) {
        rc = wren_mixw_read_float(mp, AM_MIXWFLOOR, &am->mixw);
        if (rc == 0 && (am->mixw.n_sen != am->n_sen || am->mixw.n_feat != am->g->n_feat ||
                        am->mixw.n_density != am->g->n_density))
            rc = wren_error("%s: %d senones x %d streams x %d densities do not match the mdef "
                            "and means (%d x %d x %d)", mp, am->mixw.n_sen, am->mixw.n_feat,
                            am->mixw.n_density, am->n_sen, am->g->n_feat, am->g->n_density);
    } else if (wren_path_exists(sp)) {
        rc = wren_mixw_read_sendump(sp, am->g->n_feat, am->g->n_density, am->n_sen, &am->mixw);
    } else {
        rc = wren_error("%s: no mixture_weights or sendump file", dir);
    }
    free(sp);
    free(mp);
    return rc;
}

static int am_tmat_body(struct wren_am *am, struct wren_s3 *s)
{
    int32_t h[4];
    if (wren_s3_i32(s, h, 4, "transition matrix dimensions") < 0)
        return -1;
    int n_emit = wren_mdef_n_emit_states(am->mdef);
    if (h[0] != wren_mdef_n_tmat(am->mdef) || h[1] != n_emit || h[2] != n_emit + 1 ||
        (long long)h[0] * h[1] * h[2] != h[3])
        return wren_error("%s: %d matrices of %d x %d (%d values) do not match the mdef "
                          "(%d matrices, %d emitting states)", s->path, h[0], h[1], h[2], h[3],
                          wren_mdef_n_tmat(am->mdef), n_emit);
    if (!wren_s3_has(s, (size_t)h[3], 4))
        return wren_error("%s: truncated: %d values announced, only %zu bytes left", s->path,
                          h[3], s->len - s->pos);
    am->n_tmat = h[0];
    am->n_emit = n_emit;
    am->tmat = wren_xmalloc((size_t)h[3] * sizeof(float));
    if (wren_s3_f32(s, am->tmat, (size_t)h[3], "transition probabilities") < 0)
        return -1;
    /* Normalise each row, floor the non-zero entries, renormalise (sphinx's tmat_init). */
    for (int r = 0; r < h[0] * h[1]; r++) {
        float *row = am->tmat + (size_t)r * (size_t)h[2];
        double sum = 0;
        for (int j = 0; j < h[2]; j++) {
            if (!(row[j] >= 0) || !isfinite(row[j]))
                return wren_error("%s: matrix %d row %d: bad probability %g", s->path,
                                  r / h[1], r % h[1], row[j]);
            sum += row[j];
        }
        if (sum <= 0)
            return wren_error("%s: matrix %d row %d sums to zero", s->path, r / h[1], r % h[1]);
        double sum2 = 0;
        for (int j = 0; j < h[2]; j++) {
            double v = row[j] / sum;
            if (v > 0 && v < AM_TMATFLOOR)
                v = AM_TMATFLOOR;
            row[j] = (float)v;
            sum2 += v;
        }
        for (int j = 0; j < h[2]; j++)
            row[j] = (float)(row[j] / sum2);
    }
    return wren_s3_finish(s);
}

static int am_load_tmat(struct wren_am *am, const char *dir)
{
    char *path = model_file(dir, "transition_matrices");
    struct wren_s3 s;
    int rc = wren_s3_open(&s, path);
    if (rc == 0) {
        rc = am_tmat_body(am, &s);
        wren_s3_close(&s);
    }
    free(path);
    return rc;
}

static int am_load_noisedict(struct wren_am *am, const char *dir)
{
    char *path = model_file(dir, "noisedict");
    char *buf = NULL;
    int rc = 0;
    if (!wren_path_exists(path)) {
        free(path);
        return 0;   /* optional, as in sphinx */
    }
    if (wren_read_all(path, &buf, NULL) < 0) {
        free(path);
        return -1;
    }
    char *save = NULL;
    int line = 0;
    for (char *s = strtok_r(buf, "\n", &save); s && rc == 0; s = strtok_r(NULL, "\n", &save)) {
        line++;
        char word[256], phone[256], extra[8];
        int n = sscanf(s, "%255s %255s %7s", word, phone, extra);
        if (n <= 0 || word[0] == '#' || (word[0] == ';' && word[1] == ';'))
            continue;
        if (n != 2) {
            rc = wren_error("%s:%d: expected \"word PHONE\"", path, line);
            break;
        }
        if (wren_mdef_ciphone_id(am->mdef, phone) < 0) {
            rc = wren_error("%s:%d: phone %s of %s is not in the mdef", path, line, phone, word);
            break;
        }
        am->filler_word = wren_xrealloc(am->filler_word,
                                        (size_t)(am->n_fillers + 1) * sizeof(char *));
        am->filler_phone = wren_xrealloc(am->filler_phone,
                                         (size_t)(am->n_fillers + 1) * sizeof(char *));
        am->filler_word[am->n_fillers] = wren_xstrdup(word);
        am->filler_phone[am->n_fillers++] = wren_xstrdup(phone);
    }
    free(buf);
    free(path);
    return rc;
}

/* Codebook of each senone and the senones of each codebook. */
static int am_build_maps(struct wren_am *am)
{
    int n_cb = am->g->n_mgau;
    am->sen2cb = wren_xmalloc((size_t)am->n_sen * sizeof(int));
    for (int s = 0; s < am->n_sen; s++) {
        int cb = am->kind == AM_CONT ? s : am->kind == AM_SEMI ? 0
                                                               : wren_mdef_senone_ciphone(am->mdef, s);
        if (cb < 0)
            return wren_error("senone %d belongs to no phone of the mdef: cannot find its PTM "
                              "codebook", s);
        am->sen2cb[s] = cb;
    }
    am->cb_start = wren_xcalloc((size_t)n_cb + 1, sizeof(int));
    am->cb_sen = wren_xmalloc((size_t)am->n_sen * sizeof(int));
    for (int s = 0; s < am->n_sen; s++)
        am->cb_start[am->sen2cb[s] + 1]++;
    for (int c = 0; c < n_cb; c++)
        am->cb_start[c + 1] += am->cb_start[c];
    int *fill = wren_xmalloc((size_t)n_cb * sizeof(int));
    memcpy(fill, am->cb_start, (size_t)n_cb * sizeof(int));
    for (int s = 0; s < am->n_sen; s++)
        am->cb_sen[fill[am->sen2cb[s]]++] = s;
    free(fill);
    return 0;
}

static void am_alloc_scratch(struct wren_am *am)
{
    const struct wren_gauden *g = am->g;
    am->xs = wren_xmalloc((size_t)am->feat_dim * sizeof(float));
    am->dens = wren_xmalloc((size_t)g->n_density * sizeof(float));
    am->ek = wren_xmalloc((size_t)g->n_density * sizeof(float));
    am->post_e = wren_xmalloc((size_t)g->n_density * sizeof(double));
    am->ids = wren_xmalloc((size_t)g->n_density * sizeof(int));
    am->acc = wren_xmalloc((size_t)am->n_sen * sizeof(float));
    am->act_list = wren_xmalloc((size_t)am->n_sen * sizeof(int));
    am->act_start = wren_xmalloc((size_t)g->n_mgau * sizeof(int));
    am->act_len = wren_xmalloc((size_t)g->n_mgau * sizeof(int));
    size_t ntop = (size_t)g->n_mgau * (size_t)g->n_feat * AM_MAX_TOPN;
    am->top_ids = wren_xmalloc(ntop * sizeof(int));
    am->top_dens = wren_xmalloc(ntop * sizeof(float));
}

static int am_load_parts(struct wren_am *am, const char *dir)
{
    wren_feat_params_default(&am->fp);
    if (wren_feat_params_read(dir, &am->fp) < 0)
        return -1;
    am->feat_dim = wren_feat_params_dim(&am->fp);
    if (am->feat_dim <= 0)
        return -1;
    am->topn = am->fp.topn > 0 ? am->fp.topn : 4;
    am->score_floor = AM_SPHINX_SCORE_FLOOR;
    char *mdef_path = model_file(dir, "mdef");
    int rc = wren_mdef_load(mdef_path, &am->mdef);
    free(mdef_path);
    if (rc < 0)
        return -1;
    am->n_sen = wren_mdef_n_senones(am->mdef);
    if (am_load_gaussians(am, dir) < 0 || am_load_weights(am, dir) < 0 ||
        am_load_tmat(am, dir) < 0 || am_load_noisedict(am, dir) < 0 || am_build_maps(am) < 0)
        return -1;
    am_alloc_scratch(am);
    return 0;
}

int wren_am_load(const char *model_dir, struct wren_am **out)
{
    *out = NULL;
    struct wren_am *am = wren_xcalloc(1, sizeof(*am));
    if (am_load_parts(am, model_dir) < 0) {
        wren_am_free(am);
        return -1;
    }
    *out = am;
    return 0;
}

void wren_am_free(struct wren_am *am)
{
    if (!am)
        return;
    wren_mdef_free(am->mdef);
    wren_gauden_free(am->g);
    free(am->mean_model);
    wren_mixw_free(&am->mixw);
    free(am->stream_dims);
    free(am->sen2cb);
    free(am->cb_start);
    free(am->cb_sen);
    free(am->tmat);
    for (int i = 0; i < am->n_fillers; i++) {
        free(am->filler_word[i]);
        free(am->filler_phone[i]);
    }
    free(am->filler_word);
    free(am->filler_phone);
    free(am->xs);
    free(am->dens);
    free(am->acc);
    free(am->ek);
    free(am->post_e);
    free(am->logw_sen);
    free(am->ids);
    free(am->act_list);
    free(am->act_start);
    free(am->act_len);
    free(am->top_ids);
    free(am->top_dens);
    free(am);
}

/* ---------- accessors ---------- */

int wren_am_n_senones(const struct wren_am *am) { return am->n_sen; }
int wren_am_feat_dim(const struct wren_am *am) { return am->feat_dim; }
const struct wren_mdef *wren_am_mdef(const struct wren_am *am) { return am->mdef; }
int wren_am_n_tmat(const struct wren_am *am) { return am->n_tmat; }
int wren_am_n_fillers(const struct wren_am *am) { return am->n_fillers; }

const float *wren_am_tmat(const struct wren_am *am, int tmat_id)
{
    if (tmat_id < 0 || tmat_id >= am->n_tmat)
        return NULL;
    return am->tmat + (size_t)tmat_id * (size_t)am->n_emit * (size_t)(am->n_emit + 1);
}

const char *wren_am_filler_word(const struct wren_am *am, int i)
{
    return i >= 0 && i < am->n_fillers ? am->filler_word[i] : NULL;
}

const char *wren_am_filler_phone(const struct wren_am *am, int i)
{
    return i >= 0 && i < am->n_fillers ? am->filler_phone[i] : NULL;
}

void wren_am_set_topn(struct wren_am *am, int topn)
{
    am->topn = topn < 0 ? 0 : topn;
}

int wren_am_topn(const struct wren_am *am) { return am->topn; }

void wren_am_set_score_floor(struct wren_am *am, float nats)
{
    am->score_floor = nats > 0 ? nats : 0;
}

float wren_am_score_floor(const struct wren_am *am) { return am->score_floor; }

void wren_am_get_info(const struct wren_am *am, struct wren_am_info *info)
{
    static const char *kinds[] = { "continuous", "semi-continuous", "ptm" };
    memset(info, 0, sizeof(*info));
    info->n_senones = am->n_sen;
    info->n_codebooks = am->g->n_mgau;
    info->n_density = am->g->n_density;
    info->n_gaussians = am->g->n_mgau * am->g->n_density;
    info->n_streams = am->g->n_feat;
    for (int f = 0; f < am->g->n_feat && f < 8; f++)
        info->stream_dims[f] = am->g->veclen[f];
    info->feat_dim = am->feat_dim;
    info->kind = kinds[am->kind];
    info->feat_type = am->fp.feat;
    info->sample_rate = am->fp.samprate;
    info->n_ciphones = wren_mdef_n_ciphones(am->mdef);
    info->n_phones = wren_mdef_n_phones(am->mdef);
    info->n_tmat = am->n_tmat;
    info->n_emit_states = am->n_emit;
    info->quantised_weights = am->mixw.quantised;
    info->top_n = am->topn;
}

/* ---------- scoring ---------- */

/* Indices of the n best of v[0..len-1], best first (insertion into a short sorted list). */
static void select_topn(const float *v, int len, int n, int *ids)
{
    int have = 0;
    for (int d = 0; d < len; d++) {
        if (have == n && v[d] <= v[ids[n - 1]])
            continue;
        int i = have < n ? have++ : n - 1;
        while (i > 0 && v[ids[i - 1]] < v[d]) {
            ids[i] = ids[i - 1];
            i--;
        }
        ids[i] = d;
    }
}

/* Add to scores[s] (s in list) the stream-f log mixture over the n codewords ids[] whose
 * log densities are dens[ids[k]]. */
static void score_stream(struct wren_am *am, int f, const int *ids, int n, const float *dens,
                         const int *list, int n_list, float *scores)
{
    float best = dens[ids[0]];
    for (int k = 1; k < n; k++)
        if (dens[ids[k]] > best)
            best = dens[ids[k]];
    for (int k = 0; k < n; k++)
        am->ek[k] = expf(dens[ids[k]] - best);
    float *acc = am->acc;
    for (int i = 0; i < n_list; i++)
        acc[list[i]] = 0;
    size_t n_sen = (size_t)am->n_sen;
    const float *wf = am->mixw.w + (size_t)f * (size_t)am->g->n_density * n_sen;
    for (int k = 0; k < n; k++) {
        const float *wk = wf + (size_t)ids[k] * n_sen;
        float e = am->ek[k];
        for (int i = 0; i < n_list; i++)
            acc[list[i]] += wk[list[i]] * e;
    }
    for (int i = 0; i < n_list; i++) {
        int s = list[i];
        float a = acc[s] > FLT_MIN ? acc[s] : FLT_MIN;
        scores[s] += logf(a) + best;
    }
}

/* Top-N path, given each stream's n selected codewords ids[f * n + k] and their log densities
 * d[f * n + k] (best first): per senone, one pass over them and one log. */
static void score_selected(struct wren_am *am, int n, const int *ids, const float *d,
                           const int *list, int n_list, float *scores)
{
    const struct wren_gauden *g = am->g;
    size_t n_sen = (size_t)am->n_sen;
    const float *wrow[AM_MAX_STREAMS * AM_MAX_TOPN];
    float e[AM_MAX_STREAMS * AM_MAX_TOPN];
    float base = 0;
    for (int f = 0; f < g->n_feat; f++) {
        float best = d[f * n];
        base += best;
        for (int k = 0; k < n; k++) {
            e[f * n + k] = expf(d[f * n + k] - best);
            wrow[f * n + k] = am->mixw.w + ((size_t)f * (size_t)g->n_density + (size_t)ids[f * n + k]) * n_sen;
        }
    }
    for (int i = 0; i < n_list; i++) {
        int s = list[i];
        double p = 1.0;
        for (int f = 0; f < g->n_feat; f++) {
            float a = 0;
            for (int k = 0; k < n; k++)
                a += wrow[f * n + k][s] * e[f * n + k];
            p *= a > FLT_MIN ? a : FLT_MIN;
        }
        scores[s] = (float)log(p) + base;
    }
}

/* Select the n best codewords of codebook cb in every stream: ids and log densities into
 * ids[f * n + k], d[f * n + k], best first. */
static void select_codebook(struct wren_am *am, int cb, int n, int *ids, float *d)
{
    const struct wren_gauden *g = am->g;
    for (int f = 0; f < g->n_feat; f++) {
        wren_gauden_eval(g, cb, f, am->xs + am->stream_off[f], am->dens);
        select_topn(am->dens, g->n_density, n, am->ids);
        for (int k = 0; k < n; k++) {
            ids[f * n + k] = am->ids[k];
            d[f * n + k] = am->dens[am->ids[k]];
        }
    }
}

static void score_topn(struct wren_am *am, int n, const int *list, int n_list, float *scores)
{
    int ids[AM_MAX_STREAMS * AM_MAX_TOPN];
    float d[AM_MAX_STREAMS * AM_MAX_TOPN];
    select_codebook(am, am->cur_cb, n, ids, d);
    score_selected(am, n, ids, d, list, n_list, scores);
}

static void score_codebook(struct wren_am *am, int cb, const int *list, int n_list,
                           float *scores)
{
    const struct wren_gauden *g = am->g;
    int n = am->topn > 0 && am->topn < g->n_density ? am->topn : g->n_density;
    am->cur_cb = cb;
    if (n < g->n_density && n <= AM_MAX_TOPN && g->n_feat <= AM_MAX_STREAMS) {
        score_topn(am, n, list, n_list, scores);
        return;
    }
    for (int i = 0; i < n_list; i++)
        scores[list[i]] = 0;
    for (int f = 0; f < g->n_feat; f++) {
        const float *x = am->xs + am->stream_off[f];
        wren_gauden_eval(g, cb, f, x, am->dens);
        if (n < g->n_density) {
            select_topn(am->dens, g->n_density, n, am->ids);
        } else {
            for (int d = 0; d < n; d++)
                am->ids[d] = d;
        }
        score_stream(am, f, am->ids, n, am->dens, list, n_list, scores);
    }
}

/* The senones of codebook cb that are active (all when active is NULL); the active ones are
 * copied to dst (room for the codebook's senones). */
static const int *active_list(const struct wren_am *am, int cb, const unsigned char *active, int *dst,
                              int *n_list)
{
    const int *list = am->cb_sen + am->cb_start[cb];
    *n_list = am->cb_start[cb + 1] - am->cb_start[cb];
    if (!active)
        return list;
    int m = 0;
    for (int i = 0; i < *n_list; i++)
        if (active[list[i]])
            dst[m++] = list[i];
    *n_list = m;
    return dst;
}

/* Top-N scoring with pocketsphinx's dynamic-range clamp: every selected log density is raised
 * to at least (best density of its stream over all codebooks scored this frame) - score_floor.
 * A frame far from every Gaussian of a phone then costs that phone at most about
 * score_floor per stream (plus its mixture weights) more than the best phone, instead of the
 * full distance: on audio unlike the model's training data (synthetic or degraded speech)
 * one badly matched frame no longer decides a word, while on matched speech the clamp rarely
 * binds on the paths that win. Two passes: select every scored codebook's codewords, then
 * score its senones. */
static int score_frame_floored(struct wren_am *am, int n, const unsigned char *active, float *scores)
{
    const struct wren_gauden *g = am->g;
    float norm[AM_MAX_STREAMS];
    for (int f = 0; f < g->n_feat; f++)
        norm[f] = -INFINITY;
    size_t stride = (size_t)g->n_feat * (size_t)n;
    /* pass 1: each codebook's active senones, one after the other in act_list (the codebooks
     * partition the senones, so they fit), kept for pass 2; and its selected codewords */
    int pos = 0;
    for (int cb = 0; cb < g->n_mgau; cb++) {
        int n_list;
        active_list(am, cb, active, am->act_list + pos, &n_list);
        am->act_start[cb] = active ? pos : am->cb_start[cb];
        am->act_len[cb] = n_list;
        if (active)
            pos += n_list;
        if (!n_list)
            continue;
        int *ids = am->top_ids + (size_t)cb * stride;
        float *d = am->top_dens + (size_t)cb * stride;
        select_codebook(am, cb, n, ids, d);
        for (int f = 0; f < g->n_feat; f++)
            if (d[f * n] > norm[f])
                norm[f] = d[f * n];
    }
    /* pass 2: clamp against the frame's best and score */
    const int *lists = active ? am->act_list : am->cb_sen;
    for (int cb = 0; cb < g->n_mgau; cb++) {
        if (!am->act_len[cb])
            continue;
        float *d = am->top_dens + (size_t)cb * stride;
        for (int f = 0; f < g->n_feat; f++) {
            float lo = norm[f] - am->score_floor;
            for (int k = 0; k < n; k++)
                if (!(d[f * n + k] >= lo))
                    d[f * n + k] = lo;
        }
        score_selected(am, n, am->top_ids + (size_t)cb * stride, d, lists + am->act_start[cb],
                       am->act_len[cb], scores);
    }
    return 0;
}

int wren_am_score_frame(struct wren_am *am, const float *feat, const unsigned char *active,
                        float *scores)
{
    if (!am || !feat || !scores)
        return wren_error("wren_am_score_frame: NULL argument");
    for (int i = 0; i < am->feat_dim; i++)
        am->xs[i] = feat[am->stream_dims[i]];
    const struct wren_gauden *g = am->g;
    int n = am->topn > 0 && am->topn < g->n_density ? am->topn : g->n_density;
    if (am->score_floor > 0 && n < g->n_density && n <= AM_MAX_TOPN && g->n_feat <= AM_MAX_STREAMS)
        return score_frame_floored(am, n, active, scores);
    for (int cb = 0; cb < g->n_mgau; cb++) {
        int n_list;
        const int *list = active_list(am, cb, active, am->act_list, &n_list);
        if (n_list == 0)
            continue;
        score_codebook(am, cb, list, n_list, scores);
    }
    return 0;
}

double wren_am_score_senone_exact(const struct wren_am *am, const float *feat, int s)
{
    const struct wren_gauden *g = am->g;
    if (s < 0 || s >= am->n_sen)
        return -INFINITY;
    int cb = am->sen2cb[s];
    double total = 0;
    for (int f = 0; f < g->n_feat; f++) {
        int len = g->veclen[f];
        size_t base = (size_t)cb * (size_t)g->total_len * (size_t)g->n_density + g->feat_off[f];
        double sum = 0, shift = 0;
        double *ld = wren_xmalloc((size_t)g->n_density * sizeof(double));
        for (int d = 0; d < g->n_density; d++) {
            const float *mu = g->mean + base + (size_t)d * (size_t)len;
            const float *iv = g->ivar2 + base + (size_t)d * (size_t)len;
            double acc = g->logdet[((size_t)cb * (size_t)g->n_feat + (size_t)f) *
                                   (size_t)g->n_density + (size_t)d];
            for (int i = 0; i < len; i++) {
                double diff = (double)feat[am->stream_dims[am->stream_off[f] + i]] - mu[i];
                acc -= diff * diff * iv[i];
            }
            double w = am->mixw.w[((size_t)f * (size_t)g->n_density + (size_t)d) *
                                  (size_t)am->n_sen + (size_t)s];
            ld[d] = acc + log(w);
            if (d == 0 || ld[d] > shift)
                shift = ld[d];
        }
        for (int d = 0; d < g->n_density; d++)
            sum += exp(ld[d] - shift);
        free(ld);
        total += shift + log(sum);
    }
    return total;
}

/* ---------- Gaussian posteriors for adaptation ---------- */

int wren_am_n_streams(const struct wren_am *am) { return am->n_streams; }

const int *wren_am_stream_dims(const struct wren_am *am, int f, int *len)
{
    if (f < 0 || f >= am->n_streams) { *len = 0; return NULL; }
    *len = am->stream_off[f + 1] - am->stream_off[f];
    return am->stream_dims + am->stream_off[f];
}

int wren_am_senone_posteriors(struct wren_am *am, const float *feat, int s, float min_post,
                              struct wren_am_gauss_post *out, int max)
{
    const struct wren_gauden *g = am->g;
    if (s < 0 || s >= am->n_sen)
        return wren_error("wren_am_senone_posteriors: senone %d out of range", s);
    for (int i = 0; i < am->feat_dim; i++)
        am->xs[i] = feat[am->stream_dims[i]];
    int cb = am->sen2cb[s], n = 0;
    size_t n_sen = (size_t)am->n_sen, nd = (size_t)g->n_density, nf = (size_t)g->n_feat;
    if (!am->logw_sen) {
        /* the weights are stored codeword-major for scoring; adaptation reads one senone's at
         * a time, so it gets its own senone-major table of their logs (once per model) */
        am->logw_sen = wren_xmalloc(n_sen * nf * nd * sizeof *am->logw_sen);
        for (size_t f = 0; f < nf; f++)
            for (size_t d = 0; d < nd; d++)
                for (size_t k = 0; k < n_sen; k++) {
                    float w = am->mixw.w[(f * nd + d) * n_sen + k];
                    am->logw_sen[(k * nf + f) * nd + d] = w > 0 ? logf(w) : -FLT_MAX;
                }
    }
    for (int f = 0; f < g->n_feat; f++) {
        wren_gauden_eval(g, cb, f, am->xs + am->stream_off[f], am->dens);
        const float *lw = am->logw_sen + ((size_t)s * nf + (size_t)f) * nd;
        float best = -FLT_MAX;
        for (int d = 0; d < g->n_density; d++) {
            am->dens[d] = lw[d] > -FLT_MAX ? am->dens[d] + lw[d] : -FLT_MAX;
            if (am->dens[d] > best) best = am->dens[d];
        }
        /* each exp once; a density more than 40 nats below the best adds less than
         * n_density e^-40 to a sum >= 1 and its posterior is no entry: left out, and its exp
         * with it (most of a semi-continuous codebook's) */
        double sum = 0;
        for (int d = 0; d < g->n_density; d++) {
            double e = am->dens[d] > best - 40.0f ? exp((double)am->dens[d] - best) : 0.0;
            am->post_e[d] = e;
            sum += e;
        }
        size_t base = (size_t)cb * (size_t)g->total_len * (size_t)g->n_density + g->feat_off[f];
        for (int d = 0; d < g->n_density && n < max; d++) {
            if (am->post_e[d] == 0) continue;
            float post = (float)(am->post_e[d] / sum);
            if (post < min_post) continue;
            size_t off = base + (size_t)d * (size_t)g->veclen[f];
            out[n++] = (struct wren_am_gauss_post){ f, post, g->mean + off, g->ivar2 + off, (int64_t)off };
        }
    }
    return n;
}

/* ---------- adapted means ---------- */

size_t wren_am_n_mean_values(const struct wren_am *am)
{
    const struct wren_gauden *g = am->g;
    return (size_t)g->n_mgau * (size_t)g->total_len * (size_t)g->n_density;
}

const float *wren_am_model_means(const struct wren_am *am)
{
    return am->mean_model ? am->mean_model : am->g->mean;
}

int64_t wren_am_n_gauss(const struct wren_am *am)
{
    const struct wren_gauden *g = am->g;
    return (int64_t)g->n_mgau * g->n_feat * g->n_density;
}

int wren_am_gauss_info(const struct wren_am *am, int64_t i, int64_t *mean_off, const float **ivar2)
{
    const struct wren_gauden *g = am->g;
    int64_t cb = i / ((int64_t)g->n_feat * g->n_density);
    int f = (int)((i / g->n_density) % g->n_feat), d = (int)(i % g->n_density);
    size_t off = (size_t)cb * (size_t)g->total_len * (size_t)g->n_density + g->feat_off[f] +
                 (size_t)d * (size_t)g->veclen[f];
    *mean_off = (int64_t)off;
    *ivar2 = g->ivar2 + off;
    return f;
}

void wren_am_set_means(struct wren_am *am, const float *means)
{
    size_t n = wren_am_n_mean_values(am);
    if (!means) {
        if (am->mean_model) {
            memcpy(am->g->mean, am->mean_model, n * sizeof *am->mean_model);
            free(am->mean_model);
            am->mean_model = NULL;
        }
        return;
    }
    if (!am->mean_model) {
        am->mean_model = wren_xmalloc(n * sizeof *am->mean_model);
        memcpy(am->mean_model, am->g->mean, n * sizeof *am->mean_model);
    }
    memcpy(am->g->mean, means, n * sizeof *means);
}
