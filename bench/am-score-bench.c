/* am-score-bench.c — senone scoring speed of a Sphinx acoustic model on a real utterance:
 * features from Wren's front end, then every frame scored (a) with top-N Gaussian selection
 * for all senones, (b) with the full Gaussian sum for all senones (the reference), and
 * (c) top-N for a 20 % active subset, as a beam search asks. Prints frames/s, real-time
 * factor (scoring time / audio time at 100 frames/s) and ratios against (b).
 * Not for: correctness checks (tests/test_am.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "am/am.h"
#include "feat/audio.h"
#include "utils/error.h"
#include "feat/feat.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Score all frames `reps` times; returns seconds per frame. */
static double time_scoring(struct wren_am *am, int topn, const float *feats, int nframes, int dim,
                           const unsigned char *active, float *scores, double min_seconds)
{
    wren_am_set_topn(am, topn);
    long frames = 0;
    double t0 = now(), t;
    do {
        for (int f = 0; f < nframes; f++)
            if (wren_am_score_frame(am, feats + (size_t)f * (size_t)dim, active, scores) < 0)
                return -1;
        frames += nframes;
        t = now() - t0;
    } while (t < min_seconds);
    return t / (double)frames;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: am-score-bench MODEL_DIR AUDIO [MIN_SECONDS]\n");
        return 1;
    }
    double min_seconds = argc > 3 ? atof(argv[3]) : 2.0;
    struct wren_am *am;
    struct wren_feat_params fp;
    struct wren_audio a;
    struct wren_audio_opts ao;
    wren_feat_params_default(&fp);
    wren_audio_opts_default(&ao);
    if (wren_feat_params_read(argv[1], &fp) < 0 || wren_am_load(argv[1], &am) < 0) {
        fprintf(stderr, "am-score-bench: %s\n", wren_error_msg());
        return 1;
    }
    ao.expect_rate = (int)fp.samprate;
    fp.remove_silence = 0;   /* score every frame of the audio */
    float *feats;
    int nframes, dim;
    if (wren_audio_read(argv[2], &ao, &a) < 0 ||
        wren_feat_compute(&fp, a.samples, a.n, &feats, &nframes, &dim) < 0) {
        fprintf(stderr, "am-score-bench: %s\n", wren_error_msg());
        return 1;
    }
    struct wren_am_info in;
    wren_am_get_info(am, &in);
    int S = in.n_senones, topn = in.top_n;
    float *scores = malloc((size_t)S * sizeof(float));
    unsigned char *active = malloc((size_t)S);
    unsigned int seed = 12345;
    for (int s = 0; s < S; s++) {
        seed = seed * 1103515245u + 12345u;
        active[s] = (seed >> 16) % 5 == 0;
    }
    double t_top = time_scoring(am, topn, feats, nframes, dim, NULL, scores, min_seconds);
    double t_all = time_scoring(am, 0, feats, nframes, dim, NULL, scores, min_seconds);
    double t_act = time_scoring(am, topn, feats, nframes, dim, active, scores, min_seconds);
    if (t_top < 0 || t_all < 0 || t_act < 0) {
        fprintf(stderr, "am-score-bench: %s\n", wren_error_msg());
        return 2;
    }
    printf("model %s (%s, %d senones, %d codebooks x %d Gaussians x %d streams)\n", argv[1], in.kind,
           S, in.n_codebooks, in.n_density, in.n_streams);
    printf("utterance %s: %d frames (%.2f s)\n", argv[2], nframes, nframes / 100.0);
    printf("  top-%d, all senones     : %8.0f frames/s  RTF %.4f  (%.1fx the full sum)\n", topn,
           1 / t_top, t_top * 100, t_all / t_top);
    printf("  full sum, all senones   : %8.0f frames/s  RTF %.4f  (reference)\n", 1 / t_all, t_all * 100);
    printf("  top-%d, 20%% active      : %8.0f frames/s  RTF %.4f  (%.1fx the full sum)\n", topn,
           1 / t_act, t_act * 100, t_all / t_act);
    free(scores);
    free(active);
    free(feats);
    wren_audio_free(&a);
    wren_am_free(am);
    return 0;
}
