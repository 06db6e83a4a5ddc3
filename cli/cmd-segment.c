/* cmd-segment.c — `wren segment`: long recordings to a Kaldi data dir of utterances cut at
 * their pauses (segments), for `wren decode`. A thin wrapper over feat/audio-segment.h.
 * Not for: decoding, or splitting text. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "am/model-path.h"
#include "cli/cmd-util.h"
#include "feat/audio-segment.h"
#include "feat/audio.h"
#include "feat/feat-params.h"
#include "utils/io.h"
#include "utils/table.h"

static const char usage[] =
    "wren segment [--model MODEL_DIR] [options] WAV_SCP|DATA_DIR|AUDIO_FILE|AUDIO_FOLDER OUT_DIR";
static const char description[] =
    "Cut each recording of a Kaldi wav.scp (or of a data dir's wav.scp; or one audio file, the\n"
    "recording named after it without its extension, white space made _; or each such file of\n"
    "a folder without a wav.scp) into utterances at its pauses, as found\n"
    "by the VAD of the model's front end (feat.params -vad_*: the frames `wren decode` would\n"
    "drop as silence), and write OUT_DIR as a Kaldi data dir: wav.scp (the input's), segments\n"
    "('rec-START-END rec start end', times in seconds, ids in centiseconds), utt2spk and\n"
    "spk2utt (a piece's speaker is its recording's: the data dir's utt2spk if it has one, else\n"
    "the recording). `wren decode OUT_DIR` then decodes piece by piece: one search over a long\n"
    "recording takes memory and time that grow with its length (747 MB for 3 minutes of\n"
    "speech, bench/segment.sh) and shares one CMN mean and one LM context over all its\n"
    "sentences. (`wren decode` cuts a recording over --cut-seconds into these pieces itself\n"
    "and writes its outputs under the recording's name; segment writes a line per piece.)\n"
    "A stretch whose loudest frame is not 10 dB above the recording's\n"
    "10th-percentile frame is no speech (the VAD takes the first second of any recording for\n"
    "speech while it learns the noise). A stretch of speech longer than --max-seconds is cut\n"
    "at its quietest frame. A recording without speech gets no piece (a warning says so); one\n"
    "that cannot be read is logged and skipped, and the run exits 1 after writing the others.";

struct seg_run {
    struct wren_feat_params fp;
    struct wren_audio_opts ao;
    struct wren_segment_opts so;
    int n_rec, n_seg, n_fail, n_empty;
    double audio_s, speech_s;
    char **spk, **utt;   /* each piece's speaker and id, for spk2utt */
    size_t n, cap;
};

static void keep_pair(struct seg_run *r, const char *spk, const char *utt)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->spk = wren_xrealloc(r->spk, r->cap * sizeof *r->spk);
        r->utt = wren_xrealloc(r->utt, r->cap * sizeof *r->utt);
    }
    r->spk[r->n] = wren_xstrdup(spk);
    r->utt[r->n++] = wren_xstrdup(utt);
}

/* Each recording's pieces as segments and utt2spk lines. */
static int segment_all(struct seg_run *r, const struct wren_table *scp, struct wren_table *u2s,
                       FILE *segs, FILE *utt2spk)
{
    for (size_t i = 0; i < scp->n; i++) {
        const struct wren_table_entry *e = &scp->e[i];
        const struct wren_table_entry *spk = u2s ? wren_table_find(u2s, e->key) : NULL;
        const char *who = spk && spk->value[0] ? spk->value : e->key;
        struct wren_audio a;
        struct wren_segment *s;
        int ns;
        if (wren_audio_read(e->value, &r->ao, &a) < 0) {
            fprintf(stderr, "wren segment: recording %s skipped: %s\n", e->key, wren_error_msg());
            r->n_fail++;
            continue;
        }
        int rc = wren_audio_segments(&r->fp, &r->so, a.samples, a.n, &s, &ns);
        r->audio_s += (double)a.n / r->fp.samprate;
        wren_audio_free(&a);
        if (rc) return wren_error_prefix("recording %s", e->key);
        r->n_rec++;
        if (ns == 0) {
            fprintf(stderr, "wren segment: warning: recording %s: no speech found\n", e->key);
            r->n_empty++;
        }
        for (int k = 0; k < ns; k++) {
            char id[512];
            snprintf(id, sizeof id, "%s-%07ld-%07ld", e->key, (long)(s[k].start * 100 + 0.5),
                     (long)(s[k].end * 100 + 0.5));
            fprintf(segs, "%s %s %.2f %.2f\n", id, e->key, s[k].start, s[k].end);
            fprintf(utt2spk, "%s %s\n", id, who);
            keep_pair(r, who, id);
            r->speech_s += s[k].end - s[k].start;
        }
        free(s);
        r->n_seg += ns;
    }
    return 0;
}

/* spk2utt: speakers in C-locale order (Kaldi's), each with its pieces in order. */
static const struct seg_run *sort_run;
static int by_speaker(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(sort_run->spk[i], sort_run->spk[j]);
    return c ? c : (i > j) - (i < j);
}

static void write_spk2utt(const struct seg_run *r, FILE *f)
{
    size_t *ix = wren_xmalloc((r->n + 1) * sizeof *ix);
    for (size_t i = 0; i < r->n; i++) ix[i] = i;
    sort_run = r;
    qsort(ix, r->n, sizeof *ix, by_speaker);
    for (size_t k = 0; k < r->n; k++) {
        const char *s = r->spk[ix[k]];
        if (k == 0 || strcmp(s, r->spk[ix[k - 1]]) != 0) fprintf(f, "%s%s", k ? "\n" : "", s);
        fprintf(f, " %s", r->utt[ix[k]]);
    }
    if (r->n) fputc('\n', f);
    free(ix);
}

/* One audio file as a one-line wav.scp: the recording named after the file. */
static void one_file(const char *path, struct wren_table *t)
{
    t->e = wren_xcalloc(1, sizeof *t->e);
    t->e[0] = (struct wren_table_entry){ wren_path_key(path), wren_xstrdup(path), 1 };
    t->n = 1;
}

int wren_cmd_segment(int argc, char **argv)
{
    struct seg_run r;
    memset(&r, 0, sizeof r);
    const char *model = WREN_DEBIAN_MODEL_DIR;
    wren_feat_params_default(&r.fp);
    wren_audio_opts_default(&r.ao);
    wren_segment_opts_default(&r.so);
    const struct wren_opt opts[] = {
        { "model", WREN_OPT_STRING, &model, "Sphinx model folder (its feat.params: rate and VAD)" },
        { "max-seconds", WREN_OPT_FLOAT, &r.so.max_seconds, "a longer stretch of speech is cut at its quietest frame" },
        { "join-seconds", WREN_OPT_FLOAT, &r.so.join_seconds, "join neighbouring stretches while the piece stays this short (0: a piece per stretch)" },
        WREN_AUDIO_OPT_ENTRIES(&r.ao),
        WREN_OPT_TABLE_END
    };
    char **pos;
    int npos, done;
    int rc = wren_cmd_parse("segment", usage, description, opts, argc, argv, 2, 2, &pos, &npos, &done);
    if (done) return rc;
    const char *in = pos[0], *out = pos[1];
    struct stat st;
    int is_dir = stat(in, &st) == 0 && S_ISDIR(st.st_mode);
    char *scp_path = is_dir ? wren_path_join(in, "wav.scp") : wren_xstrdup(in);
    char *in_segs = is_dir ? wren_path_join(in, "segments") : NULL;
    char *in_u2s = is_dir ? wren_path_join(in, "utt2spk") : NULL;
    struct wren_table scp = { 0 }, u2s = { 0 };
    int have_u2s = in_u2s && wren_path_exists(in_u2s);
    rc = -1;
    if (wren_segment_opts_check(&r.so))
        ;
    else if (!strcmp(model, WREN_DEBIAN_MODEL_DIR) && !wren_model_default())   /* the default, not installed */
        wren_error("--model MODEL_DIR is required (its feat.params drives the VAD; %s is not installed)", WREN_DEBIAN_MODEL_DIR);
    else if (wren_feat_params_read(model, &r.fp) < 0)
        wren_error_prefix("%s", model);
    else if (in_segs && wren_path_exists(in_segs))
        wren_error("%s: the data dir already has segments; give its recordings (a wav.scp)", in);
    else if (!is_dir && (wren_audio_file_like(in) || (r.ao.raw_format && wren_audio_raw_like(in)))) {
        one_file(in, &scp);
        rc = 0;
    }
    else if (is_dir && !wren_path_exists(scp_path)) {   /* a folder of audio files */
        rc = wren_audio_folder(in, &scp);
    }
    else if (wren_audio_scp_read(scp_path, "recording", &scp) < 0 || (have_u2s && wren_table_read(in_u2s, &u2s) < 0))
        ;
    else if (scp.n == 0)
        wren_error("%s: no recordings", scp_path);
    else
        rc = 0;
    if (rc == 0) rc = wren_mkdir_p(out);
    r.ao.expect_rate = (int)(r.fp.samprate + 0.5f);
    static const char *names[4] = { "wav.scp", "segments", "utt2spk", "spk2utt" };
    struct wren_atomic f[4];
    int opened = 0;
    while (rc == 0 && opened < 4) {
        char *p = wren_path_join(out, names[opened]);
        rc = wren_atomic_open(&f[opened], p, "w");
        free(p);
        if (rc == 0) opened++;
    }
    if (rc == 0) {
        for (size_t i = 0; i < scp.n; i++) fprintf(f[0].f, "%s %s\n", scp.e[i].key, scp.e[i].value);
        rc = segment_all(&r, &scp, have_u2s ? &u2s : NULL, f[1].f, f[2].f);
        if (rc == 0) write_spk2utt(&r, f[3].f);
    }
    for (int i = 0; i < opened; i++)   /* after an error none is committed (a failed commit
                                        * leaves those before it) */
        if (rc == 0) rc = wren_atomic_commit(&f[i]);
        else wren_atomic_abort(&f[i]);
    if (rc == 0)
        fprintf(stderr, "wren segment: %d recordings, %.1f s of audio: %d pieces, %.1f s (%d without "
                "speech, %d unreadable)\n", r.n_rec, r.audio_s, r.n_seg, r.speech_s, r.n_empty, r.n_fail);
    for (size_t i = 0; i < r.n; i++) {
        free(r.spk[i]);
        free(r.utt[i]);
    }
    free(r.spk);
    free(r.utt);
    free(pos);
    free(scp_path);
    free(in_segs);
    free(in_u2s);
    wren_table_free(&scp);
    wren_table_free(&u2s);
    if (rc) return wren_cmd_fail("segment");
    if (r.n_fail) {
        fprintf(stderr, "wren segment: %d recording%s could not be read (named above)\n", r.n_fail,
                r.n_fail > 1 ? "s" : "");
        return WREN_EXIT_INPUT;
    }
    return WREN_EXIT_OK;
}
