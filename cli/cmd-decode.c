/* cmd-decode.c — `wren decode`: decode a Kaldi wav.scp (or a data dir with optional segments)
 * into Kaldi text hypotheses, and optionally compact lattices, CTM, n-best lists and the
 * lattice oracle WER against a reference. A thin wrapper over the decoder (decoder.h): the
 * options come from the decoder's own table. A bad audio entry fails only that utterance.
 * Not for: any decoding logic (search.c, lattice.c, search-stream.c); --nj's forked workers
 * (decode-workers.c). */
#include "feat/audio.h"
#include "am/model-path.h"
#include "cli/cmd-util.h"
#include "cli/decode-cmd.h"
#include "decoder/decode-adapt.h"
#include "decoder/decoder.h"
#include "fstext/fst.h"
#include "lat/lattice.h"
#include "utils/fault.h"
#include "utils/hashmap.h"
#include "utils/wren-util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *USAGE =
    "wren decode [--model MODEL_DIR] --graph GRAPH_DIR [options] WAV_SCP|DATA_DIR|AUDIO_FILE|AUDIO_FOLDER HYP_TEXT [LATTICE_OUT]";
static const char *DESCRIPTION =
    "Decode every utterance of a Kaldi wav.scp (or a data dir: wav.scp + optional segments;\n"
    "or one audio file, the utterance named after it without its extension, white space made _;\n"
    "or a folder of audio files without a wav.scp, each such an utterance, in the order of their\n"
    "names) with the lattice-generating beam search over GRAPH_DIR/HCLG.fst. Audio at another\n"
    "sample rate than the model's (44.1 or 48 kHz, 8 kHz) is resampled to it (--no-resample: an\n"
    "error). On 40\n"
    "ARCTIC sentences (bench/resample.sh) 44.1 and 48 kHz copies decode as the 16 kHz originals\n"
    "do (51.99 and 51.46 %WER against 51.46); 8 kHz copies lack the model's upper band (71.62),\n"
    "but adapted to their speaker (60.74) do no worse than an 8 kHz model (62.33).\n"
    "Writes HYP_TEXT (Kaldi text,\n"
    "words of GRAPH_DIR/words.txt): each utterance's minimum-Bayes-risk word sequence from its\n"
    "lattice (--no-mbr: the best path) and, if given, LATTICE_OUT: word lattices in Kaldi's\n"
    "compact-lattice text format (graph and acoustic costs apart, acoustic unscaled; gzip if\n"
    "the name ends in .gz; times on the audio: the frames the front end's VAD dropped, with\n"
    "feat.params' -remove_silence, on by default, are silence frames in them). --ctm writes\n"
    "word times (utt 1 start dur word conf; conf, the word's\n"
    "posterior, with MBR only; where the MBR words differ from the best path's, their times are\n"
    "posterior-weighted means over the lattice's arcs of the word; a segment's words are\n"
    "'recording 1 start dur word conf', timed from the recording's start); --nbest N writes\n"
    "the N best distinct word sequences as 'utt-K graph_cost acoustic_cost word ...' lines to\n"
    "--nbest-out (default HYP_TEXT.nbest); --ref TEXT reports the lattice oracle WER.\n"
    "--nnlm MODEL adds the second pass: each final lattice rescored by that neural LM\n"
    "interpolated with the graph's n-gram (GRAPH_DIR/lm.txt, written by `wren mkgraph`), as\n"
    "`wren decode` then `wren rescore --graph GRAPH_DIR` give it (the same hypotheses); the\n"
    "outputs are the rescored lattices' (best path, CTM without confidences).\n"
    "An utterance longer than --cut-seconds (60) is cut at its pauses as `wren segment` cuts it,\n"
    "its pieces decoded one by one (one search over a long recording takes memory growing with\n"
    "its length) and their text, CTM and lattice (the pieces' lattices in sequence, the pauses\n"
    "between them silence frames, so its times are the audio's)\n"
    "written under its name. With --nj (and no adaptation), such a recording (by its header;\n"
    "a pipe's length is not known before it is read) has its pieces shared among the workers,\n"
    "and the utterances between such recordings are shared by their length.\n"
    "A data dir with an utt2spk is decoded with speaker adaptation by default (--adapt auto;\n"
    "`wren segment` makes each recording a speaker); a wav.scp, an audio file or a folder,\n"
    "whose speakers are unknown, with one speaker-independent pass (--adapt none; --transforms TABLE applies\n"
    "given transforms). --adapt fmllr: two passes, speaker by speaker (utt2spk; without it each\n"
    "utterance is a speaker, as is one it lacks, with a warning): the speaker-independent pass, searching\n"
    "narrower since it only has to align (--adapt-first-beam, --adapt-first-max-active;\n"
    "hypotheses to --si-hyp), one fMLLR transform per speaker estimated on its best paths\n"
    "(--transforms-out: Kaldi text matrices, 'spk  [ rows ]'), then the adapted pass; by default\n"
    "(--adapt-rescore) the speaker is estimated once more on that pass and the outputs come\n"
    "from its lattices rescored with the new transform. Each estimate takes --fmllr-em-iters\n"
    "EM steps on the alignment it was given (the Gaussian posteriors recomputed on the\n"
    "transformed features); --fmllr-blocks 3 restricts A to the static, delta and delta-delta\n"
    "blocks (a third of the parameters, for speakers with little speech);\n"
    "--adapt-mllr moves the Gaussian means by an MLLR transform per stream and speaker;\n"
    "--adapt-map-tau T also MAP-adapts them (helps speakers with much speech, can hurt those\n"
    "with little).\n"
    "On pooled dev (egs/pooled) adaptation to the speakers takes the first pass from 43.30 to\n"
    "37.48 %WER (pocketsphinx: 45.65), both passes at 1.03x the CPU of one and 0.80x\n"
    "pocketsphinx's; on pooled test the default gives 38.27 (pocketsphinx: 46.33). Each\n"
    "utterance adapted to itself gained 0.47 points on pooled dev (not significant) at 1.33x the CPU.\n"
    "An utterance whose audio cannot be read or decoded is logged and skipped; the summary\n"
    "line counts it. Exit 0 if at least one utterance was decoded. The segments file is checked\n"
    "first: a line with a time that is not a finite number, start < 0 or end <= start (end -1\n"
    "means the recording's end) fails the run; a segment starting after its recording or ending\n"
    "more than 0.5 s beyond it (Kaldi's max overshoot; less is cut) is logged, the others are written, and the run exits 1.";


static void put_words(FILE *f, const struct wren_decode_graph *g, const int32_t *w, int n)
{
    for (int i = 0; i < n; i++) {
        const char *s = wren_symtab_symbol(g->words, w[i]);
        fprintf(f, " %s", s ? s : "<unk-id>");
    }
}

static int oracle(struct cmd *c, const char *utt, const struct wren_lattice *wl)
{
    const struct wren_table_entry *e = wren_table_find(&c->reft, utt);
    if (!e) {
        wren_warn("decode: %s: no reference in %s", utt, c->ref);
        return 0;
    }
    char *text = wren_xstrdup(e->value);
    int max = (int)strlen(text) / 2 + 2;
    char **fld = wren_xmalloc(sizeof *fld * (size_t)max);
    int n = wren_split_ws(text, fld, max);
    int32_t *ids = wren_xmalloc(sizeof *ids * (size_t)(n + 1));
    for (int i = 0; i < n; i++) ids[i] = (int32_t)wren_symtab_find(c->g->words, fld[i]);
    struct wren_path p;
    int err = wren_lattice_oracle(wl, ids, n, &p);
    if (err >= 0) {
        c->t.oracle_err += err;
        c->t.ref_words += n;
        wren_path_free(&p);
    }
    free(ids); free(fld); free(text);
    return err < 0 ? -1 : 0;
}

/* The lattice outputs of one utterance: --lattice, --nbest, --ref's oracle. */
int decode_lattice_outputs(struct cmd *c, const char *utt, const struct wren_lattice *wl, const int *kept, int nk)
{
    /* the lattice written, and a piece's joined, on the audio's frames (kept: the search's frame
     * map, NULL when the front end dropped none or wl is a join of such lattices) */
    int piece = c->cur && c->cur->piece;
    struct wren_lattice padded;
    if (kept && (c->fl || piece)) {
        int pr = wren_decoder_lattice_on_audio(c->dec, kept, nk, wl, &padded);
        if (pr < 0) return -1;
        if (pr > 0) {
            int rc = decode_lattice_outputs(c, utt, &padded, NULL, 0);
            wren_lattice_free(&padded);
            return rc;
        }
    }
    if (piece) {      /* joined with the utterance's other pieces' */
        if (c->fl || (c->nbest > 0 && c->fn) || c->have_ref) {
            c->pend = wren_xrealloc(c->pend, (size_t)(c->n_pend + 1) * sizeof *c->pend);
            c->pend_start = wren_xrealloc(c->pend_start, (size_t)(c->n_pend + 1) * sizeof *c->pend_start);
            c->pend_start[c->n_pend] = c->cur->t0 - c->cur->base;
            wren_lattice_concat(wl, 1, NULL, 0, &c->pend[c->n_pend++]);   /* a copy */
        }
        return 0;
    }
    int rc = 0;
    if (c->fl) rc = wren_lattice_write(c->fl, utt, wl);
    if (!rc && c->nbest > 0 && c->fn) {
        struct wren_path *nb;
        int k = wren_lattice_nbest(wl, c->o.acwt, c->nbest, 2000000, &nb);
        for (int i = 0; i < k; i++) {
            FILE *f = c->fn;
            fprintf(f, "%s-%d %.4f %.4f", utt, i + 1, nb[i].g, nb[i].a);
            put_words(f, c->g, nb[i].words, nb[i].n_words);
            fputc('\n', f);
            wren_path_free(&nb[i]);
        }
        free(nb);
    }
    if (!rc && c->have_ref) rc = oracle(c, utt, wl);
    return rc;
}

/* The pieces of a long utterance (decode-jobs.h) are decoded one by one; their outputs are
 * joined under the utterance's name: the hypothesis line opened by the first piece and closed
 * by decode_pieces_flush, which also writes the lattice outputs of the pieces' lattices in sequence
 * (wren_lattice_concat). pieces_begin flushes another utterance's pieces first. */
int decode_pieces_flush(struct cmd *c)
{
    decode_nnlm_flush(c);   /* the utterances before these pieces */
    if (!c->join_utt) return 0;
    const char *utt = c->join_utt;
    const struct job *cur = c->cur;
    if (c->join_line && c->fh) fputc('\n', c->fh);
    c->join_line = 0;
    c->join_utt = NULL;
    c->cur = NULL;
    int rc = 0;
    if (c->n_pend) {
        struct wren_lattice whole;
        wren_decoder_join_lattices(c->dec, c->pend, c->pend_start, c->n_pend, &whole);
        rc = decode_lattice_outputs(c, utt, &whole, NULL, 0);
        wren_lattice_free(&whole);
        for (int i = 0; i < c->n_pend; i++) wren_lattice_free(&c->pend[i]);
        c->n_pend = 0;
    }
    c->cur = cur;
    return rc;
}

static void pieces_begin(struct cmd *c, const struct job *j)
{
    if (c->join_utt && strcmp(c->join_utt, j->utt) && decode_pieces_flush(c)) c->out_failed = 1;
    c->join_utt = j->utt;
}

/* The hypothesis line and CTM lines of one utterance's result (CTM: 'utt 1 start dur word',
 * and the word's posterior as a sixth column when the result has one: MBR; for a segment,
 * NIST's 'recording 1 start dur word' with times from the recording's start, as Kaldi's
 * get_ctm.sh writes for scoring). */
void decode_result_outputs(struct cmd *c, const char *utt, const struct wren_decode_result *r)
{
    int piece = c->cur && c->cur->piece;
    if (piece) pieces_begin(c, c->cur);
    if (c->fh) {    /* NULL in the passes of --adapt that only gather statistics */
        if (!piece || !c->join_line) fputs(utt, c->fh);
        c->join_line = piece;
        for (int i = 0; i < r->n; i++) {
            const char *s = wren_symtab_symbol(c->g->words, r->w[i].word);
            fprintf(c->fh, " %s", s ? s : "<unk-id>");
        }
        if (!piece) fputc('\n', c->fh);
    }
    const char *name = c->cur && c->cur->rec ? c->cur->rec : utt;
    double t0 = c->cur && c->cur->rec ? c->cur->t0 : 0;
    if (c->fc)
        for (int i = 0; i < r->n; i++) {
            const char *s = wren_symtab_symbol(c->g->words, r->w[i].word);
            fprintf(c->fc, "%s 1 %.2f %.2f %s", name, t0 + r->w[i].start * c->shift,
                    r->w[i].frames * c->shift, s ? s : "<unk-id>");
            if (r->w[i].conf >= 0) fprintf(c->fc, " %.4f", (double)r->w[i].conf);
            fputc('\n', c->fc);
        }
}

/* The results of n kept lattices rescored with the speaker's transform: their MBR words or
 * best paths, per the options; under --nnlm their NNLM-rescored lattices into nl[i] and the
 * best paths of those, the NNLM requests of all n batched. On error all empty. */
static int kept_results(struct cmd *c, int n, const struct wren_lattice *const *wl, struct wren_lattice *nl,
                        struct wren_decode_result *r)
{
    return c->rs ? decode_nnlm_rescore(c, n, wl, nl, r) : wren_decoder_lattice_results(c->dec, n, wl, r);
}

/* The outputs of one utterance, kept lattice k, from its result r (on the search's frames;
 * text, CTM on the audio's times) and its lattice wl (the lattice outputs). */
static int kept_outputs(struct cmd *c, const char *utt, int k, struct wren_decode_result *r,
                        const struct wren_lattice *wl)
{
    int nk;
    const int *kept = wren_adapt_kept_frame_map(c->ad, k, &nk);
    wren_decode_result_to_audio(r, kept, nk);
    decode_result_outputs(c, utt, r);
    return decode_lattice_outputs(c, utt, wl, kept, nk);
}

static int decode_one(struct cmd *c, const char *utt, const float *samples, size_t n)
{
    const char *name = c->cur ? job_name(c->cur) : utt;     /* a piece's own, for the adaptation */
    struct wren_decode_result r;
    struct wren_lattice wl;
    int nnlm = c->rs && c->fh;   /* --nnlm, in a pass that writes the outputs */
    int need_lat = c->fl || c->nbest > 0 || c->have_ref || nnlm || (c->ad && wren_adapt_collecting(c->ad));
    /* the decoder's result (MBR by default) only where it is written: not in the passes that
     * gather statistics, not under --nnlm (the rescored lattice's best path replaces it) */
    int need_result = !need_lat || (c->fh && !nnlm);
    /* --nnlm: the lattice is held back to be rescored with others (a cut utterance's pieces
     * too: decode_pieces_flush writes them before it joins them; each pass of --adapt ends with
     * it, before the outputs change; the pass that keeps lattices for --adapt-rescore writes
     * no outputs, so it has no nnlm) */
    if (!nnlm) decode_nnlm_flush(c);   /* the outputs stay in input order */
    memset(&r, 0, sizeof r);
    if (c->ad) wren_adapt_utt_start(c->ad, utt);
    wren_decoder_start(c->dec);
    wren_decoder_feed(c->dec, samples, n);
    if (wren_decoder_finish(c->dec, need_result ? &r : NULL, need_lat ? &wl : NULL)) return -1;
    if (c->ad && wren_adapt_utt_end(c->ad, need_lat ? &wl : NULL)) {
        if (need_lat) wren_lattice_free(&wl);
        wren_decode_result_free(&r);
        return -1;
    }
    struct wren_decoder_stats st;
    wren_decoder_stats(c->dec, &st);
    if (!st.reached_final) {
        c->t.n_no_final++;
        wren_vlog("decode: %s: no final state reached; partial hypothesis", utt);
    }
    c->t.frames += st.frames;
    c->t.active_sum += st.avg_active * st.frames;
    c->t.senone_sum += st.senone_fraction * st.frames;
    int nk;
    const int *kept = wren_decoder_frame_map(c->dec, &nk);
    if (need_lat) {
        double apf, depth;
        wren_lattice_density(&wl, st.frames, &apf, &depth);
        c->t.lat_arcs += wl.n_arcs;
        c->t.depth_sum += depth * st.frames;
    }
    if (nnlm) {
        decode_nnlm_defer(c, &wl, kept, nk);
        return 0;
    }
    int rc = 0;
    decode_result_outputs(c, utt, &r);
    if (need_lat) {
        rc = decode_lattice_outputs(c, utt, &wl, kept, nk);
        if (c->ad && wren_adapt_keeping(c->ad)) wren_adapt_take_lattice(c->ad, name, &wl);
        wren_lattice_free(&wl);
    }
    wren_decode_result_free(&r);
    return rc;
}

void decode_rec_forget(struct cmd *c)
{
    if (!c->rec_spec) return;
    wren_audio_free(&c->rec);
    free(c->rec_spec);
    c->rec_spec = NULL;
}

/* The audio of job j into *a: a whole recording is read for it alone; a segment's recording is
 * kept in c->rec while the segments that follow are of the same recording (a data dir lists
 * them so): read, decompressed and resampled once instead of once per segment, which for a
 * one-hour recording cut in hundreds of pieces cost more than decoding them. *kept = 1: *a is
 * c->rec's, not the caller's to free. */
static int job_audio(struct cmd *c, const struct job *j, const struct wren_audio_opts *ao,
                     struct wren_audio *a, int *kept)
{
    *kept = 0;
    if (!j->rec) return wren_audio_read(j->spec, ao, a);
    if (!c->rec_spec || strcmp(c->rec_spec, j->spec)) {
        decode_rec_forget(c);
        if (wren_audio_read(j->spec, ao, &c->rec)) return -1;
        c->rec_spec = wren_xstrdup(j->spec);
    }
    *a = c->rec;
    *kept = 1;
    return 0;
}

/* The summary's count of audio mixed down and resampled. */
void decode_count_audio(struct cmd *c, const struct wren_audio *a, const struct wren_audio_opts *ao)
{
    if (a->file_channels > 1 && ao->channel < 0) {
        c->t.n_mixed++;
        if (a->file_channels > c->t.channels_hi) c->t.channels_hi = a->file_channels;
    }
    if (a->source_rate != a->rate) {
        c->t.n_resampled++;
        if (!c->t.rate_lo || a->source_rate < c->t.rate_lo) c->t.rate_lo = a->source_rate;
        if (a->source_rate > c->t.rate_hi) c->t.rate_hi = a->source_rate;
    }
}

/* Samples [b, e) of a decoded as job j (an utterance, or a piece of one), its outputs written. */
static void decode_range(struct cmd *c, const struct job *j, const struct wren_audio *a, size_t b, size_t e)
{
    c->cur = j;
    int failed = decode_one(c, j->utt, a->samples + b, e - b);
    if (j->piece_last && decode_pieces_flush(c)) failed = 1;
    c->cur = NULL;
    if (failed) {
        FILE *outs[4] = { c->fh, c->fl, c->fc, c->fn };
        for (int i = 0; i < 4; i++) c->out_failed |= outs[i] && ferror(outs[i]);
        /* a failed output (full disk) is not this utterance's failure: the run stops and the
         * output's close names it, once (it printed a line per utterance, and went on) */
        if (!c->out_failed && j->piece)
            fprintf(stderr, "wren decode: utterance %s failed in its piece %.2f-%.2f s: %s\n", j->utt, j->t0,
                    j->t1, wren_error_msg());
        else if (!c->out_failed)
            fprintf(stderr, "wren decode: utterance %s failed: %s\n", j->utt, wren_error_msg());
        c->t.n_fail++;
    } else {
        c->t.n_ok += !j->piece || j->piece_last;    /* a cut utterance counts once */
        c->t.audio_sec += (double)(e - b) / a->rate;
    }
}

/* Piece i of c->pieces, of audio a, decoded (its samples: its times, within [0, e)). */
void decode_cut_piece(struct cmd *c, size_t i, const struct wren_audio *a, size_t e)
{
    const struct job *p = &c->pieces.j[i];
    size_t pb = (size_t)(p->t0 * a->rate + 0.5), pe = (size_t)(p->t1 * a->rate + 0.5);
    if (pe > e) pe = e;
    if (pb > pe) pb = pe;
    decode_range(c, p, a, pb, pe);
}

/* job_audio, its failure counted and logged as the utterance's. */
int decode_job_read(struct cmd *c, const struct job *j, const struct wren_audio_opts *ao, struct wren_audio *a,
                    int *kept)
{
    if (!job_audio(c, j, ao, a, kept)) return 0;
    fprintf(stderr, "wren decode: utterance %s failed: %s\n", j->utt, wren_error_msg());
    c->t.n_fail++;
    return -1;
}

void decode_run_job(struct cmd *c, const struct job *j, const struct wren_audio_opts *ao)
{
    struct wren_audio a;
    int kept;
    /* the pieces of earlier utterances are needed only by the pass whose lattices are rescored */
    if (!(c->ad && wren_adapt_keeping(c->ad))) job_pieces_clear(&c->pieces);
    if (!decode_job_read(c, j, ao, &a, &kept)) decode_run_audio(c, j, ao, a, kept);
}

/* Job j decoded from its audio a, read by job_audio (kept: c->rec's, not freed here). */
void decode_run_audio(struct cmd *c, const struct job *j, const struct wren_audio_opts *ao, struct wren_audio a,
                      int kept)
{
    const char *utt = j->utt;
    decode_count_audio(c, &a, ao);
    size_t b = 0, e = a.n;
    if (j->t0 >= 0) {
        double dur = (double)a.n / a.rate;
        double end = j->t1 < 0 ? dur : j->t1;
        if (j->t0 >= dur || end > dur + SEGMENT_MAX_OVERSHOOT) {
            fprintf(stderr, "wren decode: utterance %s failed: %s:%d: segment %.2f-%.2f s is outside "
                    "%s (%.2f s)\n", utt, j->seg_path, j->seg_line, j->t0, end, j->spec, dur);
            c->t.n_fail++;
            c->t.n_bad_segment++;
            if (!kept) wren_audio_free(&a);
            return;
        }
        b = (size_t)(j->t0 * a.rate + 0.5);
        e = end >= dur ? a.n : (size_t)(end * a.rate + 0.5);
        if (e > a.n) e = a.n;
    }
    if (!j->piece && c->cut_seconds > 0 && (double)(e - b) / a.rate > c->cut_seconds) {
        size_t first = c->pieces.n;
        int k = job_cut(j, wren_decoder_feat_params(c->dec), &a, b, e, c->cut_seconds, &c->pieces);
        if (k > 0) {
            c->t.n_cut++;
            c->t.n_pieces += k;
            for (int i = 0; i < k && !c->out_failed; i++) decode_cut_piece(c, first + (size_t)i, &a, e);
            if (decode_pieces_flush(c)) c->out_failed = 1;    /* closes the line if the last piece failed */
        } else {
            wren_warn("decode: utterance %s is %.0f s long and has no pause to cut it at: one search over "
                      "it takes memory that grows with its length (747 MB for 3 minutes)", utt,
                      (double)(e - b) / a.rate);
            decode_range(c, j, &a, b, e);
        }
    } else {
        decode_range(c, j, &a, b, e);
    }
    if (!kept) wren_audio_free(&a);
}

/* --adapt-rescore: the last adapted pass decodes a speaker's utterances keeping their
 * lattices, the speaker is estimated once more, and the outputs come from those lattices
 * rescored with the new transform (their best paths for the text and CTM). */
static int adapted_pass_rescored(struct cmd *c, const struct jobs *js, const struct wren_audio_opts *ao,
                                 const size_t *grp, size_t m_jobs, const char *spk, FILE *const out[4])
{
    int have_ref = c->have_ref;
    c->have_ref = 0;            /* the oracle is taken on the rescored lattices */
    c->fh = c->fl = c->fc = c->fn = NULL;
    wren_adapt_pass(c->ad, spk, 1, 1);
    wren_adapt_keep_lattices(c->ad);
    double t0 = wren_cpu_seconds();
    for (size_t k = 0; k < m_jobs && !c->out_failed; k++) decode_run_job(c, &js->j[grp[k]], ao);
    decode_pieces_flush(c);            /* no outputs: only closes the join */
    c->have_ref = have_ref;
    int rc = wren_adapt_estimate(c->ad);
    c->fh = out[0]; c->fl = out[1]; c->fc = out[2]; c->fn = out[3];
    /* a chunk of lattices at a time, their results together (--nnlm: its requests batched) */
    const struct wren_lattice *l[WREN_DECODER_OUTPUT_CHUNK];
    const char *utts[WREN_DECODER_OUTPUT_CHUNK];
    struct wren_decode_result r[WREN_DECODER_OUTPUT_CHUNK];
    struct wren_lattice nl[WREN_DECODER_OUTPUT_CHUNK];   /* --nnlm: l rescored */
    int n = wren_adapt_n_kept(c->ad);
    for (int k0 = 0; k0 < n && !rc && !c->out_failed; k0 += WREN_DECODER_OUTPUT_CHUNK) {
        int m = n - k0 < WREN_DECODER_OUTPUT_CHUNK ? n - k0 : WREN_DECODER_OUTPUT_CHUNK;
        for (int j = 0; j < m && !rc; j++) {
            struct wren_lattice *kl;
            rc = wren_adapt_rescore_kept(c->ad, k0 + j, &utts[j], &kl);
            l[j] = kl;
        }
        if (rc || kept_results(c, m, l, nl, r)) {
            rc = -1;
            break;
        }
        for (int j = 0; j < m; j++) {
            c->cur = NULL;
            for (size_t g = 0; g < m_jobs && !c->cur; g++)   /* its job: a segment's CTM */
                if (!strcmp(js->j[grp[g]].utt, utts[j])) c->cur = &js->j[grp[g]];
            for (size_t g = 0; g < c->pieces.n && !c->cur; g++)   /* a piece: its place in the join */
                if (!strcmp(c->pieces.j[g].piece, utts[j])) c->cur = &c->pieces.j[g];
            if (!rc && !c->out_failed) {
                rc = kept_outputs(c, c->cur ? c->cur->utt : utts[j], k0 + j, &r[j], c->rs ? &nl[j] : l[j]);
                if (!rc && c->cur && c->cur->piece_last) rc = decode_pieces_flush(c);
            }
            c->cur = NULL;
            wren_decode_result_free(&r[j]);
            if (c->rs) wren_lattice_free(&nl[j]);
        }
    }
    if (decode_pieces_flush(c)) rc = -1;   /* a cut utterance whose last piece failed */
    c->cpu_adapted += wren_cpu_seconds() - t0;
    return rc;
}

/* --adapt: speaker by speaker (in order of first appearance: a Kaldi data dir keeps each
 * speaker's utterances together, so the outputs keep the input order), a speaker-independent
 * pass gathering statistics (its hypotheses to --si-hyp), an estimate, and the adapted pass;
 * with --adapt-iters N, N-1 adapted passes re-estimate before the final one. pr NULL: no
 * progress lines (a --nj worker). */
int decode_run_adapt(struct cmd *c, const struct jobs *js, const struct wren_audio_opts *ao,
                     struct wren_progress *pr)
{
    size_t n = js->n, n_done = 0;
    const char **spk = wren_xmalloc((n + 1) * sizeof *spk);
    size_t *grp = wren_xmalloc((n + 1) * sizeof *grp);
    uint8_t *done = wren_xcalloc(n + 1, 1);
    FILE *out[4] = { c->fh, c->fl, c->fc, c->fn };
    FILE *si = c->si_worker ? c->si_worker : c->si_out ? wren_text_out_file(c->si_out) : NULL;
    for (size_t i = 0; i < n; i++) spk[i] = wren_adapt_speaker(c->ad, js->j[i].utt);
    int rc = 0;
    if (pr) wren_progress_start(pr, "utterances", (double)n);
    for (size_t i = 0; i < n && !rc; i++) {
        if (done[i]) continue;
        size_t m = 0;
        for (size_t k = i; k < n; k++)
            if (!done[k] && !strcmp(spk[k], spk[i])) { grp[m++] = k; done[k] = 1; }
        struct totals keep = c->t;      /* only the final pass counts */
        job_pieces_clear(&c->pieces);   /* each pass cuts the same pieces again */
        for (int it = 0; it < wren_adapt_iters(c->ad) && !rc; it++) {
            c->fh = it == 0 ? si : NULL;
            c->fl = c->fc = c->fn = NULL;
            wren_adapt_pass(c->ad, spk[i], 1, it > 0);
            double t0 = wren_cpu_seconds();
            for (size_t k = 0; k < m && !c->out_failed; k++) decode_run_job(c, &js->j[grp[k]], ao);
            decode_pieces_flush(c);
            double t1 = wren_cpu_seconds();
            *(it == 0 ? &c->cpu_si : &c->cpu_adapted) += t1 - t0;
            rc = wren_adapt_estimate(c->ad);
            c->cpu_adapted += wren_cpu_seconds() - t1;   /* an estimate is adaptation's cost */
        }
        c->t = keep;
        if (!rc && wren_adapt_rescoring(c->ad)) {
            rc = adapted_pass_rescored(c, js, ao, grp, m, spk[i], out);
        } else if (!rc) {
            c->fh = out[0]; c->fl = out[1]; c->fc = out[2]; c->fn = out[3];
            wren_adapt_pass(c->ad, spk[i], 0, 1);
            double t0 = wren_cpu_seconds();
            for (size_t k = 0; k < m && !c->out_failed; k++) decode_run_job(c, &js->j[grp[k]], ao);
            if (decode_pieces_flush(c)) rc = -1;
            c->cpu_adapted += wren_cpu_seconds() - t0;
        }
        n_done += m;
        if (pr) wren_progress_update(pr, (double)n_done);
    }
    free(spk);
    free(grp);
    free(done);
    return rc;
}

/* How many speakers the jobs have (utt2spk; an utterance it lacks is one of its own). */
static size_t count_speakers(const struct cmd *c, const struct jobs *js)
{
    struct wren_bytemap *seen = wren_bytemap_new();
    for (size_t i = 0; i < js->n; i++) {
        const char *spk = wren_adapt_speaker(c->ad, js->j[i].utt);
        wren_bytemap_put(seen, spk, strlen(spk), 1);
    }
    size_t n = wren_bytemap_size(seen);
    wren_bytemap_free(seen);
    return n;
}

static int run(struct cmd *c, const char *input, struct wren_progress *pr)
{
    struct wren_audio_opts ao = c->audio;
    ao.expect_rate = wren_decoder_sample_rate(c->dec);
    struct jobs js;
    if (jobs_read(input, &ao, &js)) return -1;
    if (c->ad) {   /* Kaldi's validate_data_dir.sh refuses such a dir; here they are decoded */
        size_t unknown = 0, first = 0;
        for (size_t i = 0; i < js.n; i++)
            if (wren_adapt_speaker_unknown(c->ad, js.j[i].utt) && !unknown++) first = i;
        if (unknown)
            wren_warn("%s/utt2spk: %zu of %zu utterances not in it (the first: %s), each taken as a speaker of its own",
                      input, unknown, js.n, js.j[first].utt);
    }
    int rc = 0;
    /* with --adapt the workers take whole speakers: no more of them than speakers */
    size_t n_spk = c->ad && wren_adapt_estimating(c->ad) && c->nj > 1 ? count_speakers(c, &js) : 0;
    if (n_spk && (size_t)c->nj > n_spk) c->nj = (int)n_spk;
    if (c->ad && wren_adapt_estimating(c->ad) && (c->nj <= 1 || js.n <= 1)) {
        rc = decode_run_adapt(c, &js, &ao, pr);
    } else if (c->nj > 1 && js.n > 1) {
        FILE *outs[4] = { c->fh, c->fl, c->fc, c->fn };
        wren_progress_start(pr, "utterances", (double)js.n);
        jobs_probe(&js, &ao);   /* utterances, and with --adapt speakers, are shared by length */
        if (c->ad && wren_adapt_estimating(c->ad)) {
            rc = decode_run_parallel(c, &js, &ao, outs, NULL);   /* nj <= speakers, capped above */
        } else {
            rc = decode_run_shared(c, &js, &ao, outs);   /* caps the workers itself */
        }
    } else if (c->nj > 1 && js.n == 1 && c->cut_seconds > 0 && !js.j[0].rec) {
        FILE *outs[4] = { c->fh, c->fl, c->fc, c->fn };
        wren_progress_start(pr, "utterances", 1.0);
        rc = decode_run_cut_parallel(c, &js.j[0], &ao, outs);
    } else {
        wren_progress_start(pr, "utterances", (double)js.n);
        for (size_t i = 0; i < js.n && !c->out_failed; i++) {
            decode_run_job(c, &js.j[i], &ao);
            wren_progress_update(pr, (double)(i + 1));
        }
        if (decode_pieces_flush(c)) rc = -1;
    }
    jobs_free(&js);
    decode_rec_forget(c);
    return rc;
}

static int open_out(const char *path, struct wren_text_out **o)
{
    return path ? wren_text_out_open(path, o) : 0;
}

/* The memory one --nj worker may take beyond what the workers share (the model and graph, loaded
 * before they fork): a 60 s piece (--cut-seconds' default) searched with the default options
 * peaked 239 MB above a 1 s one (423,472 against 184,336 kB resident, 1.2M-state graph), a 50 s
 * one with every frame kept (--remove-silence 0) 316 MB; the default --nj keeps 512 MB a worker. */
#define DECODE_WORKER_BYTES (UINT64_C(512) << 20)

int wren_cmd_decode(int argc, char **argv)
{
    struct cmd c;
    memset(&c, 0, sizeof c);
    wren_decode_opts_default(&c.o);
    wren_adapt_opts_default(&c.ao);
    wren_audio_opts_default(&c.audio);
    c.ao.log_speakers = 1;
    c.cut_seconds = WREN_DECODE_PIECE_SECONDS;
    c.nj = wren_cmd_default_jobs(DECODE_WORKER_BYTES);
    wren_rescore_opts_default(&c.ro);
    c.ro.mode = "lattice";
    const struct wren_opt head[] = {
        { "model", WREN_OPT_STRING, &c.model, "acoustic model folder (Sphinx) (default: the one the graph was built with, GRAPH_DIR/model.txt, else Debian's " WREN_DEBIAN_MODEL_DIR ")" },
        { "graph", WREN_OPT_STRING, &c.graph, "graph folder (wren mkgraph output)" },
        WREN_OPT_TABLE_END,
    }, outputs[] = {
        { "ctm", WREN_OPT_STRING, &c.ctm, "write word times (CTM) to this file" },
        { "nbest", WREN_OPT_INT, &c.nbest, "write the N best word sequences per utterance" },
        { "nbest-out", WREN_OPT_STRING, &c.nbest_out, "n-best file (default HYP_TEXT.nbest)" },
        { "ref", WREN_OPT_STRING, &c.ref, "reference text: report the lattice oracle WER" },
        { "cut-seconds", WREN_OPT_DOUBLE, &c.cut_seconds, "an utterance longer than this (seconds) is cut at its pauses as `wren segment` cuts it, its pieces decoded one by one and their outputs joined under its name (lattice: the pieces' in sequence); 0: every utterance searched whole, in memory growing with its length" },
        { "nj", WREN_OPT_INT, &c.nj, "parallel jobs (forked workers sharing the loaded model and graph; with --adapt each takes whole speakers, shared by their audio's length; else a recording over --cut-seconds has its pieces shared among them, the other utterances are shared by length; the outputs do not depend on it); by default one per CPU this process may use, but no more than one per 512 MB of the memory it may still take (MemAvailable, or its cgroup's limit)" },
        WREN_OPT_TABLE_END,
    }, nnlm[] = {
        { "nnlm", WREN_OPT_STRING, &c.nnlm, "a second pass: each lattice rescored by this neural LM (safetensors, wren nnlm-train or wren prune) interpolated with an n-gram, as `wren rescore` rescores it (lattice mode, its defaults); the hypothesis and CTM are the rescored lattice's best path (no confidence column), LATTICE_OUT gets the rescored lattices" },
        { "nnlm-lm", WREN_OPT_STRING, &c.nnlm_lm, "--nnlm: the n-gram LM interpolated with it (ARPA; default: the first-pass LM)" },
        { "first-pass-lm", WREN_OPT_STRING, &c.first_lm, "--nnlm: the LM whose costs the lattices carry, removed before rescoring (default: the one the graph was built with, GRAPH_DIR/lm.txt)" },
        { "nnlm-lambda", WREN_OPT_FLOAT, &c.ro.lambda, "--nnlm: its share of the interpolation (wren rescore --lambda; tune it with wren rescore-tune)" },
        { "nnlm-lm-weight", WREN_OPT_FLOAT, &c.ro.lm_weight, "--nnlm: weight of the interpolated LM cost (wren rescore --lm-weight)" },
        WREN_OPT_TABLE_END,
    }, audio[] = {
        WREN_AUDIO_OPT_ENTRIES(&c.audio),
        WREN_OPT_TABLE_END,
    };
    struct wren_opt t[WREN_OPTS_LEN(head) + WREN_DECODE_NOPTS + 1 + WREN_OPTS_LEN(outputs) + WREN_OPTS_LEN(nnlm) +
                      WREN_OPTS_LEN(audio) + WREN_ADAPT_NOPTS + 1];
    int k = wren_opts_copy(t, head);
    k += wren_decode_opts_table(&c.o, t + k);
    k += wren_opts_copy(t + k, outputs);
    k += wren_opts_copy(t + k, nnlm);
    k += wren_opts_copy(t + k, audio);
    wren_adapt_opts_table(&c.ao, t + k);
    char **pos;
    int npos, done;
    int rc = wren_cmd_parse("decode", USAGE, DESCRIPTION, t, argc, argv, 2, 3, &pos, &npos, &done);
    if (done) return rc;
    if (!c.graph) {
        fprintf(stderr, "wren decode: --graph is required\nusage: %s\n", USAGE);
        free(pos);
        return WREN_EXIT_INPUT;
    }
    if (!(c.cut_seconds >= 0) || !isfinite(c.cut_seconds)) {
        fprintf(stderr, "wren decode: --cut-seconds must be a number >= 0 (0: never cut), not %g\n", c.cut_seconds);
        free(pos);
        return WREN_EXIT_INPUT;
    }
    if (c.nj < 0) {
        fprintf(stderr, "wren decode: --nj must be a number of jobs >= 1, not %d\n", c.nj);
        free(pos);
        return WREN_EXIT_INPUT;
    }
    if (wren_adapt_opts_resolve(&c.ao, pos[0])) { free(pos); return wren_cmd_fail("decode"); }
    char *model_dir;   /* --model, else the graph's (model.txt), else Debian's en-us */
    if (wren_model_dir_resolve(c.model, c.graph, &model_dir)) { free(pos); return wren_cmd_fail("decode"); }
    c.model = model_dir;
    double t_start = wren_now();
    if (wren_decoder_create(c.model, c.graph, &c.o, &c.dec)) { free(pos); free(model_dir); return wren_cmd_fail("decode"); }
    c.g = wren_decoder_graph(c.dec);
    c.shift = wren_decoder_frame_shift(c.dec);
    double t_load = wren_now() - t_start;
    char *nbpath = NULL;
    if (c.nbest > 0) {
        if (!c.nbest_out) {
            nbpath = wren_xmalloc(strlen(pos[1]) + 8);
            sprintf(nbpath, "%s.nbest", pos[1]);
            c.nbest_out = nbpath;
        }
    }
    if (decode_nnlm_load(&c)) goto fail;
    if (c.ref) {
        if (wren_table_read(c.ref, &c.reft)) goto fail;
        c.have_ref = 1;
    }
    if (wren_adapt_requested(&c.ao) && wren_adapt_create(&c.ao, pos[0], c.dec, c.o.acwt, &c.ad)) goto fail;
    if (c.ao.si_hyp && open_out(c.ao.si_hyp, &c.si_out)) goto fail;
    if (open_out(pos[1], &c.hyp) || open_out(npos > 2 ? pos[2] : NULL, &c.lat) ||
        open_out(c.ctm, &c.ctm_out) || open_out(c.nbest > 0 ? c.nbest_out : NULL, &c.nb_out))
        goto fail;
    c.fh = wren_text_out_file(c.hyp);
    c.fl = c.lat ? wren_text_out_file(c.lat) : NULL;
    c.fc = c.ctm_out ? wren_text_out_file(c.ctm_out) : NULL;
    c.fn = c.nb_out ? wren_text_out_file(c.nb_out) : NULL;
    struct wren_progress pr;
    double t_dec = wren_now(), cpu_dec = wren_cpu_seconds_with_children();
    if (run(&c, pos[0], &pr)) goto fail;
    if (c.out_failed) {   /* the failed output's commit names it; nothing is committed */
        struct wren_text_out **o[4] = { &c.hyp, &c.lat, &c.ctm_out, &c.nb_out };
        for (int i = 0; i < 4; i++)
            if (*o[i] && ferror(wren_text_out_file(*o[i]))) {
                wren_text_out_commit(*o[i]);
                *o[i] = NULL;
                break;
            }
        goto fail;
    }
    wren_progress_end(&pr, (double)(c.t.n_ok + c.t.n_fail));
    t_dec = wren_now() - t_dec;
    cpu_dec = wren_cpu_seconds_with_children() - cpu_dec;
    if (c.t.n_ok == 0) {
        wren_error("%s: no utterance decoded (%d failed)", pos[0], c.t.n_fail);
        goto fail;
    }
    if (wren_text_out_commit(c.hyp)) { c.hyp = NULL; goto fail; }
    c.hyp = NULL;
    struct wren_text_out **outs[] = { &c.lat, &c.ctm_out, &c.nb_out, &c.si_out };
    if (c.ad && !c.transforms_merged && wren_adapt_commit(c.ad)) goto fail;
    for (int i = 0; i < 4; i++)
        if (*outs[i]) {
            int r = wren_text_out_commit(*outs[i]);
            *outs[i] = NULL;
            if (r) goto fail;
        }
    fprintf(stderr, "wren decode: %d utterance%s decoded, %d failed, %d without final state; "
                    "%lld frames, %.1f s audio, RTF %.3f (load %.1f s; CPU RTF %.3f",
            c.t.n_ok, c.t.n_ok == 1 ? "" : "s", c.t.n_fail, c.t.n_no_final, (long long)c.t.frames, c.t.audio_sec,
            c.t.audio_sec > 0 ? t_dec / c.t.audio_sec : 0, t_load, c.t.audio_sec > 0 ? cpu_dec / c.t.audio_sec : 0);
    if (c.workers > 1) fprintf(stderr, ", %d workers", c.workers);
    fprintf(stderr, "); %.0f active tokens/frame, %.1f%% senones scored",
            c.t.frames ? c.t.active_sum / c.t.frames : 0, c.t.frames ? 100 * c.t.senone_sum / c.t.frames : 0);
    if (c.lat || c.nbest > 0 || c.have_ref)
        fprintf(stderr, "; lattice %.2f arcs/frame, depth %.2f", c.t.frames ? (double)c.t.lat_arcs / c.t.frames : 0,
                c.t.frames ? c.t.depth_sum / c.t.frames : 0);
    struct wren_decoder_stats dst;
    wren_decoder_stats(c.dec, &dst);
    if (dst.det_failed) fprintf(stderr, "; %d lattices not determinised (--det-max-states)", dst.det_failed);
    if (c.rs)
        fprintf(stderr, "; NNLM rescoring %lld tokens, %.1f s CPU", (long long)c.t.nnlm_tokens, c.t.nnlm_cpu);
    if (c.have_ref)
        fprintf(stderr, "; oracle %%WER %.2f [ %lld / %lld ]", c.t.ref_words ? 100.0 * c.t.oracle_err / c.t.ref_words : 0,
                (long long)c.t.oracle_err, (long long)c.t.ref_words);
    fputc('\n', stderr);
    if (c.t.n_cut)
        wren_log("wren decode: %d utterance%s longer than %g s cut at %s pauses into %d pieces, decoded one by "
                 "one and joined (one search over a long recording takes memory that grows with its length)",
                 c.t.n_cut, c.t.n_cut > 1 ? "s" : "", c.cut_seconds, c.t.n_cut > 1 ? "their" : "its", c.t.n_pieces);
    if (c.t.n_mixed)
        wren_log("wren decode: %d utterance%s mixed down from %s%d channels to their mean (--channel "
                 "takes one)", c.t.n_mixed, c.t.n_mixed > 1 ? "s" : "", c.t.channels_hi > 2 ? "up to " : "",
                 c.t.channels_hi);
    if (c.t.n_resampled) {
        int model_rate = wren_decoder_sample_rate(c.dec);
        char from[32];
        if (c.t.rate_lo == c.t.rate_hi) snprintf(from, sizeof from, "%d Hz", c.t.rate_lo);
        else snprintf(from, sizeof from, "%d to %d Hz", c.t.rate_lo, c.t.rate_hi);
        if (c.t.rate_lo < model_rate)   /* upsampled: the model's upper band is empty */
            wren_warn("decode: %d utterance%s resampled from %s to the model's %d Hz; audio at a lower "
                      "rate has nothing in the model's upper band, so expect more errors than on audio "
                      "recorded at the model's rate", c.t.n_resampled, c.t.n_resampled > 1 ? "s" : "",
                      from, model_rate);
        else
            wren_log("wren decode: %d utterance%s resampled from %s to the model's %d Hz",
                     c.t.n_resampled, c.t.n_resampled > 1 ? "s" : "", from, model_rate);
    }
    if (c.ad && wren_adapt_estimating(c.ad))
        wren_log("wren decode: CPU time: speaker-independent pass %.1f s, adapted pass(es) %.1f s "
                 "(estimates and lattice rescoring included; both %.2fx the first); fMLLR statistics "
                 "(both passes), estimation and lattice rescoring %.1f s", c.cpu_si, c.cpu_adapted,
                 c.cpu_si > 0 ? (c.cpu_si + c.cpu_adapted) / c.cpu_si : 0.0, wren_adapt_cpu(c.ad) + c.cpu_est_workers);
    rc = WREN_EXIT_OK;
    if (c.t.n_bad_segment) {   /* each was named above with its line; the rest is written */
        wren_error("%s: %d segment%s outside %s recording%s", pos[0], c.t.n_bad_segment,
                   c.t.n_bad_segment > 1 ? "s lie" : " lies", c.t.n_bad_segment > 1 ? "their" : "its",
                   c.t.n_bad_segment > 1 ? "s" : "");
        rc = wren_cmd_fail("decode");
    }
    goto done;
fail:
    rc = c.worker_said ? WREN_EXIT_INTERNAL : wren_cmd_fail("decode");
    wren_text_out_abort(c.hyp);
    wren_text_out_abort(c.lat);
    wren_text_out_abort(c.ctm_out);
    wren_text_out_abort(c.nb_out);
    wren_text_out_abort(c.si_out);
done:
    decode_nnlm_drop(&c);
    wren_rescore_models_free(c.rs);
    if (c.have_ref) wren_table_free(&c.reft);
    wren_adapt_free(c.ad);
    wren_decoder_free(c.dec);
    for (int i = 0; i < c.n_pend; i++) wren_lattice_free(&c.pend[i]);
    free(c.pend);
    free(c.pend_start);
    job_pieces_free(&c.pieces);
    free(nbpath);
    free(pos);
    free(model_dir);
    return rc;
}
