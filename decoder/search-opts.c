/* search-opts.c — the decoding options: defaults, the one option table, range checks, and the
 * decode result. Not for: parsing (utils/opts.c does it from this table). */
#include "decoder/decoder.h"

#include "utils/error.h"

#include <stdlib.h>
#include <string.h>

void wren_decode_opts_default(struct wren_decode_opts *o)
{
    /* the measured operating point (egs/arctic/RESULTS.md, beam sweep with graph-lm3-v2): beam 11
     * gives the dev WER of beams 13 and 15 at half their CPU time (0.73x pocketsphinx_batch's);
     * max-active, lattice beam and acwt are what every recipe passes (acwt 0.1 also the dev-tuned
     * best-path scale of arctic and timit) */
    o->beam = 11.0f;
    o->max_active = 7000;
    o->min_active = 200;
    o->lattice_beam = 6.0f;
    o->acwt = 0.1f;
    o->word_penalty = 0.0f;
    /* Kaldi prunes the lattice every 25 frames, where the network's scores dominate; here the
     * search does, and each pruning walks back ~165 frames on average. Every 100 frames gave
     * byte-identical lattices and words on pooled dev (397 utterances, one pass) in 0.71x the
     * CPU (113.3 s against 159.5) for 1.09x the peak memory (479 MB against 439); every 50:
     * 0.87x; every 200: no faster than 100 and 1.13x the memory. */
    o->prune_interval = 100;
    o->beam_delta = 0.5f;
    o->prune_scale = 0.1f;
    o->determinize = 1;
    o->det_max_states = 100000;
    o->remove_silence = -1;
    /* pocketsphinx's clamp (MAX_NEG_ASCR): on mismatched audio (espeak-ng speaking the
     * LibriVox sentences, tests/e2e/decode-mismatch.sh) 42 correct words of 71 against 29
     * with exact scores and pocketsphinx's 38-40 */
    o->score_floor = 9.8299f;
    /* MBR 1-best: on pooled dev (egs/pooled/RESULTS.md, session 22) fewer errors than the best
     * path on each corpus in both passes, speaker-independent 44.11 -> 43.30 (p = 0.010),
     * adapted 37.63 -> 37.27; a fraction of a second of CPU for 397 lattices */
    o->mbr = 1;
    o->mbr_max_cells = 8000000;   /* about 128 MB of tables */
}

int wren_decode_opts_table(struct wren_decode_opts *o, struct wren_opt *t)
{
    const struct wren_opt tab[] = {
        { "beam", WREN_OPT_FLOAT, &o->beam, "search beam (cost units, larger = slower, more accurate)" },
        { "max-active", WREN_OPT_INT, &o->max_active, "at most this many tokens per frame" },
        { "min-active", WREN_OPT_INT, &o->min_active, "at least this many tokens per frame" },
        { "lattice-beam", WREN_OPT_FLOAT, &o->lattice_beam, "lattice arcs within this of the best path are kept" },
        { "acwt", WREN_OPT_FLOAT, &o->acwt, "acoustic scale (1 / LM weight)" },
        { "word-penalty", WREN_OPT_FLOAT, &o->word_penalty, "cost added to every word (insertion penalty)" },
        { "prune-interval", WREN_OPT_INT, &o->prune_interval, "frames between lattice pruning passes" },
        { "beam-delta", WREN_OPT_FLOAT, &o->beam_delta, "beam slack when max-active applies" },
        { "prune-scale", WREN_OPT_FLOAT, &o->prune_scale, "tolerance of periodic lattice pruning (x lattice-beam)" },
        { "determinize", WREN_OPT_BOOL, &o->determinize, "determinise word lattices (one path per word sequence)" },
        { "det-max-states", WREN_OPT_INT, &o->det_max_states, "keep the undeterminised lattice if determinising exceeds this" },
        { "remove-silence", WREN_OPT_INT, &o->remove_silence, "front-end VAD: -1 as feat.params, 0 keep every frame (exact times), 1 drop silence" },
        { "score-floor", WREN_OPT_FLOAT, &o->score_floor, "semi-continuous/PTM models: a Gaussian's log density counts as at least the frame's best minus this (nats; pocketsphinx's clamp; 0 = exact scores)" },
        { "mbr", WREN_OPT_BOOL, &o->mbr, "the hypothesis is the lattice's minimum-Bayes-risk word sequence (fewest expected word errors at --acwt, Kaldi's lattice-mbr-decode; CTM with each word's posterior); false = its best path" },
        { "mbr-max-cells", WREN_OPT_INT, &o->mbr_max_cells, "a lattice of more than this many states x (best-path words + 1) gets its best path instead of MBR, with a warning (MBR's tables take 16 bytes a cell)" },
        WREN_OPT_TABLE_END,
    };
    _Static_assert(WREN_OPTS_LEN(tab) == WREN_DECODE_NOPTS + 1, "WREN_DECODE_NOPTS counts the table");
    return wren_opts_copy(t, tab);
}

int wren_decode_opts_check(const struct wren_decode_opts *o)
{
    if (!(o->beam > 0)) return wren_error("--beam must be > 0 (got %g)", (double)o->beam);
    if (o->max_active < 1) return wren_error("--max-active must be >= 1 (got %d)", o->max_active);
    if (o->min_active < 0 || o->min_active > o->max_active)
        return wren_error("--min-active must be in 0..max-active (got %d)", o->min_active);
    if (!(o->lattice_beam >= 0)) return wren_error("--lattice-beam must be >= 0 (got %g)", (double)o->lattice_beam);
    if (!(o->acwt > 0)) return wren_error("--acwt must be > 0 (got %g)", (double)o->acwt);
    if (o->prune_interval < 1) return wren_error("--prune-interval must be >= 1 (got %d)", o->prune_interval);
    if (!(o->beam_delta >= 0)) return wren_error("--beam-delta must be >= 0");
    if (!(o->prune_scale > 0)) return wren_error("--prune-scale must be > 0");
    if (o->remove_silence < -1 || o->remove_silence > 1) return wren_error("--remove-silence must be -1, 0 or 1");
    if (o->mbr_max_cells < 1) return wren_error("--mbr-max-cells must be >= 1 (got %d)", o->mbr_max_cells);
    if (o->det_max_states < 1) return wren_error("--det-max-states must be >= 1");
    if (!(o->score_floor >= 0 && o->score_floor < 1e30f))
        return wren_error("--score-floor must be a number >= 0 (got %g)", (double)o->score_floor);
    return 0;
}

void wren_decode_result_free(struct wren_decode_result *r)
{
    if (!r) return;
    free(r->w);
    memset(r, 0, sizeof *r);
}

struct wren_decode_opts wren_decode_default_options(void)
{
    struct wren_decode_opts o;
    wren_decode_opts_default(&o);
    return o;
}
