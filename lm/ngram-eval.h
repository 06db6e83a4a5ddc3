/* ngram-eval.h — perplexity of an ARPA model on text, the SRILM way: each line is a sentence,
 * </s> is predicted and counted, <s> is not; words not in the model are OOVs and skipped (the
 * words after one back off past it); probabilities of zero (log10 <= -99) are "zeroprobs" and
 * skipped too. ppl = 10^(-logprob / (words - oovs - zeroprobs + sentences)), ppl1 the same
 * without the sentences. Not for: estimation (ngram-estimate.h). */
#ifndef WREN_NGRAM_EVAL_H
#define WREN_NGRAM_EVAL_H

#include "lm/arpa.h"

#include <stdio.h>

struct wren_ngram_ppl {
    long sentences, words, oovs, zeroprobs;   /* words: without </s>, with OOVs (as SRILM) */
    double logprob;                           /* log10 */
};

/* Score one sentence (words, without <s>/</s>) and add to *acc. order <= 0: the model's. */
void wren_ngram_ppl_sentence(const struct wren_arpa *a, int order, char **words, int nwords,
                             struct wren_ngram_ppl *acc);

/* Score every line of a text (plain, .gz, .xz, "-"). debug >= 1 prints each sentence's
 * figures to dbg as SRILM's -debug 1 does. Returns 0 or -1; a text with no sentences is an
 * error (its perplexity would be 0/0). */
int wren_ngram_ppl_file(const struct wren_arpa *a, const char *text, int order, int debug,
                        FILE *dbg, struct wren_ngram_ppl *out);

double wren_ngram_ppl_value(const struct wren_ngram_ppl *p);    /* ppl */
double wren_ngram_ppl1_value(const struct wren_ngram_ppl *p);   /* ppl1 */

/* The two SRILM summary lines; name NULL prints the per-sentence form (no "file" line head). */
void wren_ngram_ppl_print(FILE *f, const char *name, const struct wren_ngram_ppl *p);

#endif
