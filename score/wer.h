/* wer.h — word error rate scoring of Kaldi `text` hypotheses against references: Levenshtein
 * alignment with NIST sclite's costs and tie-breaking (so ins/del/sub counts agree with sclite),
 * Kaldi compute-wer's summary lines, per-utterance and per-speaker breakdowns, sclite-style
 * alignment listings, a JSON line for result tables, and a matched-pairs comparison of two
 * systems. Not for: lattice oracle WER (lattice tools) or text normalisation (text/text-norm.h);
 * ref and hyp are compared word by word exactly as written (case-sensitive). */
#ifndef WREN_WER_H
#define WREN_WER_H

#include "utils/wren-util.h"
#include "wren/wer.h"   /* struct wren_wer_counts */

#include <stdio.h>

/* Options of `wren wer` (also used by the tests). */
struct wren_wer_opts {
    const char *mode;        /* "all": a ref utterance missing from hyp is scored as all deletions;
                                "present": it is skipped (both report how many were missing) */
    const char *per_utt;     /* write a per-utterance table to this file (NULL: no) */
    const char *per_spk;     /* utt2spk file: print a per-speaker table (NULL: no) */
    const char *alignments;  /* write sclite-style REF/HYP/Eval listings to this file (NULL: no) */
    int json;                /* print one JSON line with the totals */
    const char *compare;     /* second hypothesis file: matched-pairs comparison (NULL: no) */
    int bootstrap;           /* bootstrap resamples for --compare and --ci */
    int seed;                /* random seed of the bootstrap */
    double ci;               /* > 0: print this level's bootstrap interval of the WER (and, with
                                --compare, of the difference B - A); 0: no interval */
};

void wren_wer_opts_default(struct wren_wer_opts *o);
/* The options of `wren wer`, bound to *o, written to t (opts.h convention). */
#define WREN_WER_NOPTS 9
int wren_wer_opts_table(struct wren_wer_opts *o, struct wren_opt *t);

/* One alignment step. */
enum wren_wer_op { WREN_WER_COR = 0, WREN_WER_SUB, WREN_WER_DEL, WREN_WER_INS };

/* Align ref[0..nref) with hyp[0..nhyp) by dynamic programming with sclite's word costs
 * (correct 0, substitution 4, insertion 3, deletion 3) and its tie-breaking (diagonal first,
 * then deletion, then insertion, decided cell by cell). Returns the number of steps and sets
 * *ops to a new array (caller frees) in left-to-right order. */
int wren_wer_align(const char *const *ref, int nref, const char *const *hyp, int nhyp,
                   enum wren_wer_op **ops);
/* The counts of one utterance from its alignment (sents = 1). */
void wren_wer_counts_of_ops(const enum wren_wer_op *ops, int nops, int nref, struct wren_wer_counts *c);

static inline long wren_wer_errors(const struct wren_wer_counts *c) { return c->sub + c->del + c->ins; }
void wren_wer_counts_add(struct wren_wer_counts *sum, const struct wren_wer_counts *c);

/* The scored utterances of one ref/hyp pair of files (opaque). */
struct wren_wer_result;

/* Read REF and HYP (Kaldi text: `utt word word ...`) and align every reference utterance
 * (missing hyps as in opts->mode). A hyp utterance absent from ref is an error naming the hyp
 * file and line; so is a reference with no words to score (a WER of 0/0). Returns NULL on error. */
struct wren_wer_result *wren_wer_score(const struct wren_wer_opts *o, const char *ref_path,
                                       const char *hyp_path);
void wren_wer_result_free(struct wren_wer_result *r);

/* Totals; *missing (may be NULL) receives the number of ref utterances absent from hyp. */
struct wren_wer_counts wren_wer_totals(const struct wren_wer_result *r, long *missing);
/* Counts of the i-th scored utterance (in ref order) and its id; NULL past the end. */
const char *wren_wer_utt(const struct wren_wer_result *r, size_t i, struct wren_wer_counts *c);

/* Kaldi compute-wer's three lines: %WER, %SER, Scored N sentences, M not present in hyp. */
void wren_wer_print_summary(FILE *f, const struct wren_wer_result *r);
/* One JSON object on one line (ref, hyp, wer, counts). */
void wren_wer_print_json(FILE *f, const struct wren_wer_result *r);
/* Per-utterance table: utt #words #corr #sub #del #ins #err %wer [missing]. */
int wren_wer_write_per_utt(const struct wren_wer_result *r, const char *path);
/* Per-speaker table (sclite's SPKR columns: percentages of reference words). */
int wren_wer_print_per_spk(FILE *f, const struct wren_wer_result *r, const char *utt2spk);
/* sclite `pralign`-style listing: id, Scores (#C #S #D #I), REF/HYP/Eval lines. */
int wren_wer_write_alignments(const struct wren_wer_result *r, const char *path);

/* Matched-pairs comparison of two results on the same reference (same utterances).
 * z-test on per-utterance error differences (p_mp, two-sided) and paired bootstrap of the
 * WER difference (p_boot: two-sided, from the fraction of resamples where the sign flips). */
struct wren_wer_compare {
    long utts, a_better, b_better;   /* utterances where A (resp. B) has fewer errors */
    double wer_a, wer_b, z, p_mp, p_boot;
    double diff_lo, diff_hi;         /* with ci_level > 0: its bootstrap interval of wer_b - wer_a */
};
int wren_wer_compare(const struct wren_wer_result *a, const struct wren_wer_result *b,
                     int resamples, unsigned seed, double ci_level, struct wren_wer_compare *out);

/* ---- bootstrap confidence intervals (wer-ci.c) ---- */
/* The level (e.g. 0.95) percentile-bootstrap interval of the WER of r (in %), resampling its
 * utterances `resamples` times with replacement. */
int wren_wer_ci(const struct wren_wer_result *r, int resamples, unsigned seed, double level,
                double *lo, double *hi);
/* The same for the difference WER_B - WER_A of two systems on the same n utterances (paired:
 * both systems' errors of a resampled utterance move together). */
int wren_wer_diff_ci(const long *err_a, const long *err_b, const long *words, size_t n, int resamples,
                     unsigned seed, double level, double *lo, double *hi);

/* xorshift64*: the small deterministic generator of the bootstraps (same seed, same draws). */
static inline unsigned long long wren_wer_rng_seed(unsigned seed)
{
    unsigned long long s = 0x9E3779B97F4A7C15ULL ^ (unsigned long long)seed;
    return s ? s : 1;
}
static inline unsigned long long wren_wer_rng_next(unsigned long long *s)
{
    *s ^= *s >> 12; *s ^= *s << 25; *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* ---- word confidences (wer-conf.c) ---- */
/* Logistic calibration of a confidence: c' = 1 / (1 + exp(-(a * logit(c) + b))); a = 1, b = 0
 * is the identity. Files hold one line "logistic A B". */
struct wren_conf_calib { double a, b; };
double wren_conf_calibrate(const struct wren_conf_calib *k, double c);
/* Normalised cross-entropy (NIST) of n confidences against the correctness of their words;
 * NAN when every word or no word is correct (nothing to predict). Confidences are clipped to
 * [1e-4, 1 - 1e-4]. */
double wren_conf_nce(const float *conf, const unsigned char *ok, long n);
/* Maximum-likelihood calibration of confidences to correctness (e.g. on a dev set). */
int wren_conf_fit(const float *conf, const unsigned char *ok, long n, struct wren_conf_calib *k);
int wren_conf_calib_read(const char *path, struct wren_conf_calib *k);
int wren_conf_calib_write(const char *path, const struct wren_conf_calib *k);

#endif
