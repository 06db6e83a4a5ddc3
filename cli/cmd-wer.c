/* cmd-wer.c — `wren wer`: thin wrapper over wer.h (parse options, score, print).
 * Not for: any scoring logic of its own. */
#include "cli/cmd-util.h"
#include "score/wer.h"

#include <math.h>
#include <stdlib.h>

static const char usage[] = "wren wer [options] REF_TEXT HYP_TEXT";
static const char descr[] =
    "Score HYP_TEXT against REF_TEXT (Kaldi text: `utt word word ...`) and print Kaldi compute-wer's\n"
    "%WER / %SER / Scored lines. The alignment uses NIST sclite's costs and tie-breaking, so the\n"
    "ins/del/sub counts equal sclite's on the same files. A reference utterance without hypothesis\n"
    "counts as all deletions (--mode all) and is reported; a hypothesis utterance that is not in the\n"
    "reference is an error, and so is a reference without words (a WER of 0/0). --compare HYP_B\n"
    "also scores HYP_B and prints matched-pairs p-values. A %WER-CI line follows each system's\n"
    "summary: the bootstrap confidence interval of its %WER (utterances resampled; --ci LEVEL,\n"
    "95 % by default, 0: none), and with --compare one more gives that of the difference B - A. A\n"
    "few hundred words leave an interval several points wide: read it before a difference.";

/* "%WER-CI 95% [lo, hi] ..." after a system's summary lines. */
static int print_ci(const struct wren_wer_opts *o, const struct wren_wer_result *r)
{
    double lo, hi;
    if (wren_wer_ci(r, o->bootstrap, (unsigned)o->seed, o->ci, &lo, &hi)) return -1;
    printf("%%WER-CI %g%% [ %.2f, %.2f ] (bootstrap, %d resamples of the utterances)\n", 100.0 * o->ci, lo, hi,
           o->bootstrap);
    return 0;
}

static int run(const struct wren_wer_opts *o, char **pos)
{
    struct wren_wer_result *a = wren_wer_score(o, pos[0], pos[1]), *b = NULL;
    if (!a) return -1;
    int rc = 0;
    wren_wer_print_summary(stdout, a);
    if (o->ci > 0 && print_ci(o, a)) rc = -1;
    if (o->json) wren_wer_print_json(stdout, a);
    if (o->per_utt && wren_wer_write_per_utt(a, o->per_utt)) rc = -1;
    if (!rc && o->alignments && wren_wer_write_alignments(a, o->alignments)) rc = -1;
    if (!rc && o->per_spk && wren_wer_print_per_spk(stdout, a, o->per_spk)) rc = -1;
    if (!rc && o->compare) {
        b = wren_wer_score(o, pos[0], o->compare);
        struct wren_wer_compare c;
        if (!b || wren_wer_compare(a, b, o->bootstrap, (unsigned)o->seed, o->ci, &c)) rc = -1;
        else {
            printf("B: %s\n", o->compare);
            wren_wer_print_summary(stdout, b);
            if (o->ci > 0 && print_ci(o, b)) rc = -1;
            if (o->json) wren_wer_print_json(stdout, b);
            printf("compare A=%s B=%s: %ld utterances, A better on %ld, B better on %ld\n", pos[1], o->compare,
                   c.utts, c.a_better, c.b_better);
            char pb[64];
            if (c.p_boot > 0 || o->bootstrap <= 0) snprintf(pb, sizeof pb, "= %.4g", c.p_boot);
            else snprintf(pb, sizeof pb, "< %.4g", 2.0 / o->bootstrap);   /* no resample flipped the sign */
            printf("WER A %.2f B %.2f; matched-pairs z = %.3f, p = %.4g; paired bootstrap (%d resamples) p %s\n",
                   c.wer_a, c.wer_b, c.z, c.p_mp, o->bootstrap, pb);
            if (o->ci > 0)
                printf("WER B - A %+.2f, %g%% bootstrap interval [ %+.2f, %+.2f ]\n", c.wer_b - c.wer_a,
                       100.0 * o->ci, c.diff_lo, c.diff_hi);
        }
    }
    wren_wer_result_free(b);
    wren_wer_result_free(a);
    return rc;
}

int wren_cmd_wer(int argc, char **argv)
{
    struct wren_wer_opts o;
    wren_wer_opts_default(&o);
    char **pos;
    int npos, done;
    struct wren_opt t[WREN_WER_NOPTS + 1];
    wren_wer_opts_table(&o, t);
    int rc = wren_cmd_parse("wer", usage, descr, t, argc, argv, 2, 2, &pos, &npos, &done);
    if (done) return rc;
    if (!(o.ci >= 0 && o.ci < 1)) {
        free(pos);
        wren_error("--ci must be a level in (0, 1), e.g. 0.95, or 0 for none (got %g)", o.ci);
        return wren_cmd_fail("wer");
    }
    if (o.ci > 0 && o.bootstrap < 2) {
        free(pos);
        wren_error("--ci needs --bootstrap >= 2 (got %d)", o.bootstrap);
        return wren_cmd_fail("wer");
    }
    rc = run(&o, pos) ? wren_cmd_fail("wer") : WREN_EXIT_OK;
    free(pos);
    return rc;
}
