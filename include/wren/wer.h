/* wren/wer.h — word error counts of one hypothesis against its reference, aligned as `wren wer`
 * and sclite align them (correct 0, substitution 4, insertion 3, deletion 3). Not here: scoring
 * whole files with significance tests (the `wren wer` command). */
#ifndef WREN_PUBLIC_WER_H
#define WREN_PUBLIC_WER_H

#ifdef __cplusplus
extern "C" {
#endif

struct wren_wer_counts {
    long words, corr, sub, del, ins;   /* reference words and alignment step counts */
    long sents, sent_errs;             /* utterances scored, utterances with any error */
};
/* Align two whitespace-separated word strings and set *c (sents = 1). */
int wren_wer_count_strings(const char *ref, const char *hyp, struct wren_wer_counts *c);

#ifdef __cplusplus
}
#endif
#endif
