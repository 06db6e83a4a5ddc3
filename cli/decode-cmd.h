/* decode-cmd.h — the state of one `wren decode` run and the calls its two files share:
 * cmd-decode.c (options, outputs, utterances one by one, speaker adaptation) and
 * decode-workers.c (--nj: forked workers and the merging of their outputs). Internal to the
 * command. Not for: the decoder itself (decoder/decoder.h), reading the jobs (decode-jobs.h). */
#ifndef WREN_CLI_DECODE_CMD_H
#define WREN_CLI_DECODE_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "cli/decode-jobs.h"
#include "decoder/decode-adapt.h"
#include "decoder/decoder.h"
#include "feat/audio.h"
#include "lat/lattice.h"
#include "rescore/rescore.h"
#include "utils/wren-util.h"

struct totals {
    int n_ok, n_fail, n_no_final, n_bad_segment;
    int n_resampled, rate_lo, rate_hi;   /* utterances resampled, and their files' rates */
    int n_mixed, channels_hi;            /* utterances mixed down to mono, most channels */
    int n_cut, n_pieces;                 /* utterances cut at their pauses, and their pieces */
    int64_t frames, lat_arcs, ref_words, oracle_err;
    double depth_sum, active_sum, senone_sum, audio_sec;
    int64_t nnlm_tokens;                 /* --nnlm: tokens the NNLM scored, and the CPU seconds */
    double nnlm_cpu;                     /* of the rescoring */
};

struct cmd {
    const char *model, *graph, *ctm, *nbest_out, *ref;
    int nbest, nj;
    struct wren_audio_opts audio;   /* how to read the audio (the rate is the model's) */
    char *rec_spec;                 /* the recording whose audio rec holds, or NULL */
    struct wren_audio rec;
    int workers;                /* the most workers forked at once (0: none) */
    int worker_said;            /* a --nj worker failed and printed why: no second error line */
    int out_failed;             /* writing an output failed: the run stops, the close reports it */
    FILE *fh, *fl, *fc, *fn;    /* where decode_one writes: hyp, lattices, ctm, n-best */
    const struct job *cur;      /* the utterance whose outputs are written (CTM of a segment:
                                 * its recording and times in it) */
    struct totals t;
    struct wren_decode_opts o;
    struct wren_decoder *dec;
    const struct wren_decode_graph *g;
    double shift;
    struct wren_text_out *hyp, *lat, *ctm_out, *nb_out;
    struct wren_table reft;
    int have_ref;
    struct wren_adapt_opts ao;      /* speaker adaptation (decode-adapt.h) */
    struct wren_adapt *ad;
    struct wren_text_out *si_out;
    double cpu_si, cpu_adapted;
    FILE *si_worker;            /* --adapt under --nj: a worker's --si-hyp file */
    double cpu_est_workers;     /* --adapt under --nj: the workers' statistics/estimation CPU */
    int transforms_merged;      /* --adapt under --nj: --transforms-out was written from the workers' */
    double cut_seconds;         /* utterances longer than this are cut at their pauses (0: none) */
    struct job_pieces pieces;   /* the pieces of this speaker's (or run's) long utterances */
    const char *join_utt;       /* the utterance whose pieces' outputs are being joined, or NULL */
    int join_line;              /* its hypothesis line is open in fh */
    struct wren_lattice *pend;  /* its pieces' lattices so far, for the lattice outputs */
    double *pend_start;         /* ... and where each starts in the utterance (s) */
    int n_pend;
    const char *nnlm, *nnlm_lm, *first_lm;   /* --nnlm, its n-gram and the first-pass LM */
    struct wren_rescore_opts ro;             /* ... and how it rescores (decode-nnlm.c) */
    struct wren_rescore_models *rs;          /* its models, NULL without --nnlm */
    struct nnlm_pending *np;                 /* --nnlm, one pass: lattices waiting to be */
    int n_np;                                /* rescored together (decode-nnlm.c) */
};

/* --- cmd-decode.c: one utterance at a time --- */

/* Job j (an utterance) read and decoded, its outputs written; a long one is cut at its pauses. */
void decode_run_job(struct cmd *c, const struct job *j, const struct wren_audio_opts *ao);
/* Job j decoded from its audio a, read by decode_job_read (kept: c->rec's, not freed here). */
void decode_run_audio(struct cmd *c, const struct job *j, const struct wren_audio_opts *ao, struct wren_audio a,
                      int kept);
/* The audio of job j into *a (kept: c->rec's), its failure counted and logged as the utterance's. */
int decode_job_read(struct cmd *c, const struct job *j, const struct wren_audio_opts *ao, struct wren_audio *a,
                    int *kept);
/* The summary's count of audio mixed down and resampled. */
void decode_count_audio(struct cmd *c, const struct wren_audio *a, const struct wren_audio_opts *ao);
/* Piece i of c->pieces, of audio a, decoded (its samples: its times, within [0, e)). */
void decode_cut_piece(struct cmd *c, size_t i, const struct wren_audio *a, size_t e);
/* The lattice outputs of one utterance: --lattice, --nbest, --ref's oracle (kept: the map of its
 * frames to the audio's, NULL: none; the lattice is padded to the audio's frames). */
int decode_lattice_outputs(struct cmd *c, const char *utt, const struct wren_lattice *wl, const int *kept, int nk);
/* The hypothesis and CTM lines of one utterance's result r (word times on the audio). */
void decode_result_outputs(struct cmd *c, const char *utt, const struct wren_decode_result *r);
/* The joined outputs of the cut utterance whose pieces were being decoded, if any (and first
 * those of the lattices waiting for --nnlm, decode_nnlm_flush). */
int decode_pieces_flush(struct cmd *c);
/* The recording kept for its segments, freed. */
void decode_rec_forget(struct cmd *c);
/* --adapt: both passes, speaker by speaker; pr NULL: no progress lines (a --nj worker). */
int decode_run_adapt(struct cmd *c, const struct jobs *js, const struct wren_audio_opts *ao,
                     struct wren_progress *pr);

/* --- decode-nnlm.c: --nnlm --- */

/* The models of --nnlm (its n-gram --nnlm-lm and --first-pass-lm default to the LM the graph
 * records) into c->rs; nothing without --nnlm. */
int decode_nnlm_load(struct cmd *c);
/* n final lattices wl[i] (on the search's frames) rescored into out[i] (new; on the same
 * frames) and each rescored lattice's best path into r[i] (empty for an empty lattice), as
 * `wren rescore` gives them, their NNLM requests batched (wren_decoder_nnlm_results); their
 * tokens and CPU time counted in c->t; on error all empty. */
int decode_nnlm_rescore(struct cmd *c, int n, const struct wren_lattice *const *wl, struct wren_lattice *out,
                        struct wren_decode_result *r);
/* In a pass that writes the outputs: the final lattice *wl of c->cur, an utterance or a piece of one
 * (taken; kept: its frame map), held back and rescored with the next ones, up to
 * WREN_DECODER_OUTPUT_CHUNK together (their NNLM requests batched), before their outputs are
 * written in order; a cut utterance's pieces are written when decode_pieces_flush joins them. */
void decode_nnlm_defer(struct cmd *c, struct wren_lattice *wl, const int *kept, int nk);
/* The outputs of the lattices held back, written; an utterance whose rescoring or outputs fail
 * counts as failed, as decode_one's own failures do (a failed write: c->out_failed). */
void decode_nnlm_flush(struct cmd *c);
/* Frees what is held back, unwritten (the command's cleanup). */
void decode_nnlm_drop(struct cmd *c);

/* --- decode-workers.c: --nj --- */

/* pa NULL: the jobs of js shared among c->nj workers (with --adapt, whole speakers); else the
 * pieces of one cut utterance (c->pieces, of audio pa). outs: the run's hyp, lattice, CTM and
 * n-best files, to which the workers' outputs are appended in input order. */
int decode_run_parallel(struct cmd *c, const struct jobs *js, const struct wren_audio_opts *ao,
                        FILE *outs[4], const struct wren_audio *pa);
/* One recording longer than --cut-seconds: its pieces shared among the workers. */
int decode_run_cut_parallel(struct cmd *c, const struct job *j, const struct wren_audio_opts *ao, FILE *outs[4]);
/* Several utterances: long recordings' pieces shared, the utterances between them shared whole. */
int decode_run_shared(struct cmd *c, const struct jobs *js, const struct wren_audio_opts *ao, FILE *outs[4]);

#endif
