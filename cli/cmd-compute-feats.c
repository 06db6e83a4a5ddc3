/* cmd-compute-feats.c — `wren compute-feats`: audio files (or a wav.scp) to MFCC cepstra,
 * the model's full feature stream, or Kaldi-style fbank, as text or a Kaldi text archive.
 * A thin wrapper over audio.h and feat.h. Not for: any signal processing of its own. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "feat/audio.h"
#include "am/model-path.h"
#include "cli/cmd-util.h"
#include "feat/feat.h"

static const char usage[] =
    "wren compute-feats [--model MODEL_DIR] [options] AUDIO... | --scp wav.scp";
static const char description[] =
    "Compute features as CMU Sphinx does for MODEL_DIR/feat.params: with --raw-cepstra the\n"
    "cepstra before CMN (what sphinx_fe writes), else the model's full feature stream (CMN,\n"
    "deltas); --fbank gives Kaldi-style log-mel filterbank features instead. --format text\n"
    "prints one frame a line (utterances separated by '# NAME' lines when there are several);\n"
    "--format kaldi writes a Kaldi text archive 'utt [ ... ]'. As sphinx_fe, noise removal\n"
    "and silence removal (VAD) follow feat.params and default to yes; --remove-silence=no\n"
    "keeps every frame. Wren never dithers.";

struct cf_opts {
    const char *model, *scp, *format, *output, *cmn, *remove_noise, *remove_silence;
    int raw_cepstra, fbank;
    float samprate;
};

static void print_frames(FILE *f, const float *x, int nframes, int dim, int kaldi,
                         const char *key)
{
    if (kaldi) fprintf(f, "%s  [", key);
    for (int t = 0; t < nframes; t++) {
        if (kaldi) fputs("\n ", f);
        for (int i = 0; i < dim; i++)
            fprintf(f, i || kaldi ? " %.9g" : "%.9g", x[(size_t)t * (size_t)dim + i]);
        if (!kaldi) fputc('\n', f);
    }
    if (kaldi) fputs(" ]\n", f);
}

/* Features of one utterance per the options; stream state carries live CMN across. */
static int compute_one(const struct cf_opts *co, const struct wren_feat_params *fp,
                       struct wren_feat_stream *stream, const struct wren_fbank_opts *fb,
                       const struct wren_audio *a, float **out, int *nf, int *dim)
{
    if (co->fbank) {
        *dim = fb->num_mel_bins;
        return wren_fbank_compute(fb, a->samples, a->n, out, nf);
    }
    if (co->raw_cepstra) {
        struct wren_fe *fe;
        if (wren_fe_create(fp, &fe) < 0) return -1;
        int rc = wren_fe_cepstra(fe, a->samples, a->n, out, nf);
        wren_fe_free(fe);
        *dim = fp->ncep;
        return rc;
    }
    *dim = wren_feat_stream_dim(stream);
    return wren_feat_stream_utt(stream, a->samples, a->n, out, nf);
}

static int run(const struct cf_opts *co, struct wren_feat_params *fp,
               struct wren_audio_opts *ao, struct wren_fbank_opts *fb, char **keys,
               char **specs, int n, FILE *f)
{
    struct wren_feat_stream *stream = NULL;
    int kaldi = strcmp(co->format, "kaldi") == 0;
    if (!co->raw_cepstra && !co->fbank && wren_feat_stream_create(fp, &stream) < 0)
        return wren_error_prefix("%s", co->model);
    for (int i = 0; i < n; i++) {
        struct wren_audio a;
        float *x;
        int nf, dim;
        if (wren_audio_read(specs[i], ao, &a) < 0) {
            if (keys != specs) wren_error_prefix("utterance %s", keys[i]);
            wren_feat_stream_free(stream);
            return -1;
        }
        int rc = compute_one(co, fp, stream, fb, &a, &x, &nf, &dim);
        wren_audio_free(&a);
        if (rc < 0) {
            wren_feat_stream_free(stream);
            return wren_error_prefix("%s", specs[i]);
        }
        if (!kaldi && n > 1) fprintf(f, "# %s\n", keys[i]);
        print_frames(f, x, nf, dim, kaldi, keys[i]);
        free(x);
    }
    wren_feat_stream_free(stream);
    return 0;
}

/* Utterance keys and audio specs from a wav.scp (arrays point into *t). */
static int read_scp(const char *path, struct wren_table *t, char ***keys, char ***specs)
{
    if (wren_audio_scp_read(path, "utterance", t) < 0) return -1;
    *keys = wren_xmalloc((t->n + 1) * sizeof(char *));
    *specs = wren_xmalloc((t->n + 1) * sizeof(char *));
    for (size_t i = 0; i < t->n; i++) {
        (*keys)[i] = t->e[i].key;
        (*specs)[i] = t->e[i].value;
    }
    return 0;
}

static int setup(struct cf_opts *co, struct wren_feat_params *fp, struct wren_audio_opts *ao,
                 struct wren_fbank_opts *fb)
{
    if (strcmp(co->format, "text") != 0 && strcmp(co->format, "kaldi") != 0)
        return wren_error("--format must be text or kaldi, not '%s'", co->format);
    if (!co->model && !co->fbank && !(co->model = wren_model_default()))
        return wren_error("--model MODEL_DIR is required (its feat.params drives the front end; %s is not installed)",
                          WREN_DEBIAN_MODEL_DIR);
    if (co->model && wren_feat_params_read(co->model, fp) < 0) return -1;
    if (co->samprate > 0) fp->samprate = co->samprate;
    if (co->cmn && wren_feat_params_set(fp, "cmn", co->cmn) < 0) return -1;
    if (co->remove_noise && wren_feat_params_set(fp, "remove_noise", co->remove_noise) < 0)
        return -1;
    if (co->remove_silence &&
        wren_feat_params_set(fp, "remove_silence", co->remove_silence) < 0)
        return -1;
    fb->samprate = fp->samprate;
    ao->expect_rate = (int)(fp->samprate + 0.5f);
    return 0;
}

int wren_cmd_compute_feats(int argc, char **argv)
{
    struct cf_opts co = { NULL, NULL, "text", "-", NULL, NULL, NULL, 0, 0, 0 };
    struct wren_feat_params fp;
    struct wren_audio_opts ao;
    struct wren_fbank_opts fb;
    wren_feat_params_default(&fp);
    wren_audio_opts_default(&ao);
    wren_fbank_opts_default(&fb);
    const struct wren_opt opts[] = {
        { "model", WREN_OPT_STRING, &co.model, "Sphinx model folder (or its feat.params file) (default: " WREN_DEBIAN_MODEL_DIR ", but none with --fbank)" },
        { "raw-cepstra", WREN_OPT_BOOL, &co.raw_cepstra, "print cepstra before CMN (as sphinx_fe)" },
        { "fbank", WREN_OPT_BOOL, &co.fbank, "Kaldi-style log-mel filterbank instead of MFCC" },
        { "format", WREN_OPT_STRING, &co.format, "text (one frame a line) or kaldi (text archive)" },
        { "scp", WREN_OPT_STRING, &co.scp, "read utterances from a Kaldi wav.scp" },
        { "output", WREN_OPT_STRING, &co.output, "output file (- for stdout)" },
        { "samprate", WREN_OPT_FLOAT, &co.samprate, "override the model's sample rate (Hz; 0: from feat.params)" },
        { "cmn", WREN_OPT_STRING, &co.cmn, "override -cmn: none, batch or live" },
        { "remove-noise", WREN_OPT_STRING, &co.remove_noise, "override -remove_noise: yes or no" },
        { "remove-silence", WREN_OPT_STRING, &co.remove_silence, "override -remove_silence (VAD frame dropping): yes or no" },
        WREN_AUDIO_OPT_ENTRIES(&ao),
        WREN_FBANK_OPT_ENTRIES(&fb),
        WREN_OPT_TABLE_END
    };
    char **pos;
    int npos, done;
    int rc = wren_cmd_parse("compute-feats", usage, description, opts, argc, argv, 0, -1,
                            &pos, &npos, &done);
    if (done) return rc;
    if ((npos == 0) == (co.scp == NULL)) {
        free(pos);
        fprintf(stderr, "wren compute-feats: give AUDIO files or --scp wav.scp (not both)\n"
                        "usage: %s\n", usage);
        return WREN_EXIT_INPUT;
    }
    if (setup(&co, &fp, &ao, &fb) < 0) {
        free(pos);
        return wren_cmd_fail("compute-feats");
    }
    struct wren_table t = { 0 };
    char **keys = pos, **specs = pos;
    int n = npos;
    if (co.scp) {
        if (read_scp(co.scp, &t, &keys, &specs) < 0) {
            free(pos);
            wren_table_free(&t);
            return wren_cmd_fail("compute-feats");
        }
        n = (int)t.n;
    }
    {   /* a device or pipe (/dev/null, a FIFO) is written in place by wren_atomic_open */
        struct wren_atomic out;
        rc = wren_atomic_open(&out, co.output, "w");
        if (rc == 0) {
            rc = run(&co, &fp, &ao, &fb, keys, specs, n, out.f);
            if (rc == 0) rc = wren_atomic_commit(&out);
            else wren_atomic_abort(&out);
        }
    }
    if (co.scp) {
        free(keys);
        free(specs);
    }
    wren_table_free(&t);
    free(pos);
    return rc < 0 ? wren_cmd_fail("compute-feats") : WREN_EXIT_OK;
}
