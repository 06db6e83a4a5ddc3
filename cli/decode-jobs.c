/* decode-jobs.c — the utterances `wren decode` decodes (decode-jobs.h): the input's list, and
 * long utterances replaced by their pieces. */
#include "cli/decode-jobs.h"

#include "decoder/decoder.h"
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
    for (size_t i = 0; i < js->n_names; i++) free(js->names[i]);
    free(js->names);
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
        js->file_key = wren_path_stem(input);
        js->j = wren_xcalloc(1, sizeof *js->j);
        js->j[0] = (struct job){ js->file_key, input, NULL, -1, -1, NULL, 0, NULL, 0 };
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
    int rc = folder ? wren_audio_folder(input, &js->wav) : wren_table_read(scp, &js->wav);
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
        if (!segs) *j = (struct job){ js->wav.e[i].key, js->wav.e[i].value, NULL, -1, -1, NULL, 0, NULL, 0 };
        else rc = segment_parse(js, &js->seg.e[i], scp, j);
    }
    free(scp);
    if (rc) jobs_free(js);
    return rc;
}


/* The length of job j's audio in seconds, as far as it is known without decoding it; -1 if not. */
static double job_seconds(const struct job *j, const struct wren_audio_opts *ao)
{
    if (j->t0 >= 0 && j->t1 >= 0) return j->t1 - j->t0;
    double whole = wren_audio_header_seconds(j->spec, ao);
    if (whole < 0) return -1;
    return j->t0 >= 0 ? whole - j->t0 : whole;
}

/* The pieces of job j in *s (seconds from the start of its recording), *k of them; 0 when it
 * is not cut. *a caches the recording last read (for a data dir's consecutive segments). */
static int job_pieces(const struct job *j, const struct wren_decoder *d, const struct wren_audio_opts *ao,
                      double max_seconds, struct wren_audio *a, char **a_spec, struct wren_segment **s, int *k)
{
    *s = NULL;
    *k = 0;
    if (!*a_spec || strcmp(*a_spec, j->spec)) {
        if (*a_spec) wren_audio_free(a);
        free(*a_spec);
        *a_spec = NULL;
        if (wren_audio_read(j->spec, ao, a)) return 0;
        *a_spec = wren_xstrdup(j->spec);
    }
    size_t b = 0, e = a->n;
    if (j->t0 >= 0) {
        b = (size_t)(j->t0 * a->rate + 0.5);
        if (j->t1 >= 0 && j->t1 * a->rate + 0.5 < (double)e) e = (size_t)(j->t1 * a->rate + 0.5);
        if (b >= e) return 0;       /* outside the recording: the decode reports it */
    }
    struct wren_segment_opts so;
    wren_segment_opts_default(&so);
    if (so.max_seconds > max_seconds) so.max_seconds = (float)max_seconds;   /* no piece longer than asked */
    if (wren_audio_segments(wren_decoder_feat_params(d), &so, a->samples + b, e - b, s, k)) return 0;
    double base = j->t0 >= 0 ? j->t0 : 0;
    for (int i = 0; i < *k; i++) {
        (*s)[i].start += base;
        (*s)[i].end += base;
    }
    return *k;
}

void jobs_cut_long(struct jobs *js, const struct wren_decoder *d, const struct wren_audio_opts *ao,
                   double max_seconds, int *n_cut, int *n_pieces)
{
    *n_cut = *n_pieces = 0;
    struct wren_audio a;
    char *a_spec = NULL;
    size_t cap = js->n + 1, m = 0;
    struct job *out = wren_xmalloc(cap * sizeof *out);
    for (size_t i = 0; i < js->n; i++) {
        const struct job *j = &js->j[i];
        struct wren_segment *s = NULL;
        int k = 0;
        if (job_seconds(j, ao) > max_seconds) job_pieces(j, d, ao, max_seconds, &a, &a_spec, &s, &k);
        if (m + (size_t)(k ? k : 1) > cap) {
            cap = 2 * cap + (size_t)k;
            out = wren_xrealloc(out, cap * sizeof *out);
        }
        if (!k) {
            out[m++] = *j;
            free(s);
            continue;
        }
        js->names = wren_xrealloc(js->names, (js->n_names + (size_t)k) * sizeof *js->names);
        for (int p = 0; p < k; p++) {
            char *name = wren_xmalloc(strlen(j->utt) + 40);
            sprintf(name, "%s-%07ld-%07ld", j->utt, (long)(s[p].start * 100 + 0.5), (long)(s[p].end * 100 + 0.5));
            js->names[js->n_names++] = name;
            struct job *q = &out[m++];
            *q = *j;
            q->rec = j->rec ? j->rec : j->utt;   /* a segment of the recording: CTM times from its start */
            q->t0 = s[p].start;
            q->t1 = s[p].end;
            q->piece = name;
            q->piece_last = p == k - 1;
        }
        (*n_cut)++;
        *n_pieces += k;
        free(s);
    }
    if (a_spec) wren_audio_free(&a);
    free(a_spec);
    free(js->j);
    js->j = out;
    js->n = m;
}
