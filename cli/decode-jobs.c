/* decode-jobs.c — the utterances `wren decode` decodes (decode-jobs.h): the input's list, and
 * the pieces of a long one. */
#include "cli/decode-jobs.h"

#include "feat/audio-segment.h"
#include "utils/wren-util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void jobs_free(struct jobs *js)
{
    free(js->j);
    wren_table_free(&js->wav);
    if (js->have_seg) wren_table_free(&js->seg);
    free(js->seg_path);
    free(js->file_key);
    free(js->sec);
    memset(js, 0, sizeof *js);
}

/* A time of a segments line: a finite number of seconds. */
static int segment_time(const char *s, double *t)
{
    char *end;
    *t = strtod(s, &end);
    return end != s && !*end && isfinite(*t);
}

/* Line E of the segments file: "utt recording start end" (seconds; end -1: to the end of the
 * recording, as in Kaldi). */
static int segment_parse(struct jobs *js, const struct wren_table_entry *e, const char *scp, struct job *j)
{
    const char *segs = js->seg_path;
    char *v = wren_xstrdup(e->value);
    char *f[4];
    int nf = wren_split_ws(v, f, 4), rc = 0;
    const struct wren_table_entry *rec = nf >= 1 ? wren_table_find(&js->wav, f[0]) : NULL;
    j->utt = e->key;
    j->seg_path = segs;
    j->seg_line = e->line;
    if (nf != 3)
        rc = wren_error("%s:%d: expected 'utt recording start end', found %d fields", segs, e->line, nf + 1);
    else if (!segment_time(f[1], &j->t0) || !segment_time(f[2], &j->t1))
        rc = wren_error("%s:%d: segment times must be finite numbers of seconds, not '%s' '%s'", segs,
                        e->line, f[1], f[2]);
    else if (j->t0 < 0 || (j->t1 != -1 && j->t1 <= j->t0))
        rc = wren_error("%s:%d: segment from %s to %s s: needs 0 <= start < end (or end -1 for the end of the "
                        "recording)", segs, e->line, f[1], f[2]);
    else if (!rec)
        rc = wren_error("%s:%d: recording %s not in %s", segs, e->line, f[0], scp);
    else {
        j->spec = rec->value;
        j->rec = rec->key;
    }
    free(v);
    return rc;
}

int jobs_read(const char *input, const struct wren_audio_opts *ao, struct jobs *js)
{
    memset(js, 0, sizeof *js);
    if (!wren_path_exists(input)) return wren_error("%s: no such wav.scp, data dir or audio file", input);
    /* one audio file (or headerless PCM, given its format): one utterance named after it */
    if (wren_audio_file_like(input) || (ao->raw_format && wren_audio_raw_like(input))) {
        js->file_key = wren_path_key(input);
        js->j = wren_xcalloc(1, sizeof *js->j);
        js->j[0] = (struct job){ js->file_key, input, NULL, -1, -1, NULL, 0, NULL, 0, 0 };
        js->n = 1;
        return 0;
    }
    char *scp = wren_xstrdup(input), *segs = NULL;
    char *w = wren_path_join(input, "wav.scp");
    int folder = 0;
    if (wren_path_exists(w)) {          /* a data dir */
        free(scp);
        scp = w;
        char *s = wren_path_join(input, "segments");
        if (wren_path_exists(s)) segs = s; else free(s);
    } else {
        free(w);
        struct stat st;                 /* a folder of audio files: each an utterance */
        folder = stat(input, &st) == 0 && S_ISDIR(st.st_mode);
    }
    js->seg_path = segs;
    int rc = folder ? wren_audio_folder(input, &js->wav) : wren_audio_scp_read(scp, "utterance", &js->wav);
    if (rc) {
        free(scp);
        free(segs);
        js->seg_path = NULL;
        return -1;
    }
    if (segs) {
        rc = wren_table_read(segs, &js->seg);
        js->have_seg = !rc;
    }
    size_t n = segs ? js->seg.n : js->wav.n;
    js->j = wren_xcalloc(n ? n : 1, sizeof *js->j);
    js->n = n;
    for (size_t i = 0; i < n && !rc; i++) {
        struct job *j = &js->j[i];
        if (!segs) *j = (struct job){ js->wav.e[i].key, js->wav.e[i].value, NULL, -1, -1, NULL, 0, NULL, 0, 0 };
        else rc = segment_parse(js, &js->seg.e[i], scp, j);
    }
    free(scp);
    if (rc) jobs_free(js);
    return rc;
}

void jobs_probe(struct jobs *js, const struct wren_audio_opts *ao)
{
    free(js->sec);
    js->sec = wren_xmalloc((js->n + 1) * sizeof *js->sec);
    for (size_t i = 0; i < js->n; i++) {
        const struct job *j = &js->j[i];
        double s = -1;
        if (j->t0 >= 0 && j->t1 >= 0) s = j->t1 - j->t0;
        else if (j->t0 < 0 && wren_audio_seconds(j->spec, ao, &s)) s = -1;
        js->sec[i] = s;
    }
}

double jobs_mean_length(const double *w, size_t n)
{
    double known = 0;
    size_t nk = 0;
    for (size_t i = 0; i < n; i++)
        if (w && w[i] >= 0) known += w[i], nk++;
    return nk ? known / (double)nk : 1;
}

void jobs_balance(const double *w, size_t n, int nj, size_t *first)
{
    double total, mean = jobs_mean_length(w, n);
    double *cum = wren_xmalloc((n + 1) * sizeof *cum);   /* cum[i]: length of items 0 .. i-1 */
    cum[0] = 0;
    for (size_t i = 0; i < n; i++) cum[i + 1] = cum[i] + (w && w[i] >= 0 ? w[i] : mean);
    total = cum[n];
    first[0] = 0;
    size_t pos = 0;
    for (int k = 1; k < nj; k++) {
        double target = total * k / nj;
        /* at least one item each for the workers left, at most what leaves one for each */
        size_t lo = pos + 1, hi = n - (size_t)(nj - k);
        size_t cut = lo;
        while (cut < hi && fabs(cum[cut + 1] - target) <= fabs(cum[cut] - target)) cut++;
        first[k] = pos = cut;
    }
    first[nj] = n;
    free(cum);
}

int job_cut(const struct job *j, const struct wren_feat_params *fp, const struct wren_audio *a, size_t b,
            size_t e, double max_seconds, struct job_pieces *p)
{
    struct wren_segment_opts so;
    wren_segment_opts_default(&so);
    if (so.max_seconds > max_seconds) so.max_seconds = (float)max_seconds;   /* no piece longer than asked */
    struct wren_segment *s = NULL;
    int k = 0;
    if (wren_audio_segments(fp, &so, a->samples + b, e - b, &s, &k) || k == 0) {
        free(s);
        return 0;
    }
    double base = j->t0 >= 0 ? j->t0 : 0;
    if (p->n + (size_t)k > p->cap) {
        p->cap = 2 * p->cap + (size_t)k;
        p->j = wren_xrealloc(p->j, p->cap * sizeof *p->j);
        p->names = wren_xrealloc(p->names, p->cap * sizeof *p->names);
    }
    for (int i = 0; i < k; i++) {
        double t0 = base + s[i].start, t1 = base + s[i].end;
        char *name = wren_xmalloc(strlen(j->utt) + 40);
        sprintf(name, "%s-%07ld-%07ld", j->utt, (long)(t0 * 100 + 0.5), (long)(t1 * 100 + 0.5));
        p->names[p->n] = name;
        struct job *q = &p->j[p->n++];
        *q = *j;
        q->rec = j->rec ? j->rec : j->utt;   /* a segment of the recording: CTM times from its start */
        q->t0 = t0;
        q->t1 = t1;
        q->piece = name;
        q->base = base;
        q->piece_last = i == k - 1;
    }
    free(s);
    return k;
}

void job_pieces_clear(struct job_pieces *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->names[i]);
    p->n = 0;
}

void job_pieces_free(struct job_pieces *p)
{
    job_pieces_clear(p);
    free(p->j);
    free(p->names);
    memset(p, 0, sizeof *p);
}
