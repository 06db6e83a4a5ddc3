/* ngram-eval.c — perplexity on text, SRILM definitions (see ngram-eval.h). */
#include "lm/ngram-eval.h"

#include "utils/error.h"
#include "utils/io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HIST 16

void wren_ngram_ppl_sentence(const struct wren_arpa *a, int order, char **words, int nwords,
                             struct wren_ngram_ppl *acc)
{
    int model_order = wren_arpa_order(a);
    if (order <= 0 || order > model_order) order = model_order;
    int hist[MAX_HIST], nh = 0, bos = wren_arpa_word_id(a, "<s>");
    hist[nh++] = bos;   /* -1 if the model lacks <s>: then nothing matches past it */
    acc->sentences++;
    for (int i = 0; i <= nwords; i++) {
        int w = i < nwords ? wren_arpa_word_id(a, words[i]) : wren_arpa_word_id(a, "</s>");
        if (i < nwords) acc->words++;
        if (w < 0 || wren_arpa_find(a, &w, 1) < 0) {
            acc->oovs++;
        } else {
            int use = nh < order - 1 ? nh : order - 1;
            float lp = wren_arpa_logprob(a, hist + nh - use, use, w);
            if (lp <= -99.0f) acc->zeroprobs++;
            else acc->logprob += lp;
        }
        if (nh == MAX_HIST) { memmove(hist, hist + 1, (MAX_HIST - 1) * sizeof *hist); nh--; }
        hist[nh++] = w;
    }
}

double wren_ngram_ppl_value(const struct wren_ngram_ppl *p)
{
    double n = (double)(p->words - p->oovs - p->zeroprobs + p->sentences);
    return n > 0 ? pow(10.0, -p->logprob / n) : NAN;
}

double wren_ngram_ppl1_value(const struct wren_ngram_ppl *p)
{
    double n = (double)(p->words - p->oovs - p->zeroprobs);
    return n > 0 ? pow(10.0, -p->logprob / n) : NAN;
}

void wren_ngram_ppl_print(FILE *f, const char *name, const struct wren_ngram_ppl *p)
{
    if (name) fprintf(f, "file %s: ", name);
    fprintf(f, "%ld sentences, %ld words, %ld OOVs\n", p->sentences, p->words, p->oovs);
    fprintf(f, "%ld zeroprobs, logprob= %.8g ppl= %.8g ppl1= %.8g\n", p->zeroprobs, p->logprob,
            wren_ngram_ppl_value(p), wren_ngram_ppl1_value(p));
}

/* Split a line into words in place, dropping <s> and </s> markers; returns the count. */
static int split_words(char *line, char ***words, int *cap)
{
    int n = 0;
    for (char *w = strtok(line, " \t\r\n"); w; w = strtok(NULL, " \t\r\n")) {
        if (!strcmp(w, "<s>") || !strcmp(w, "</s>")) continue;
        if (n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            *words = wren_xrealloc(*words, *cap * sizeof **words);
        }
        (*words)[n++] = w;
    }
    return n;
}

int wren_ngram_ppl_file(const struct wren_arpa *a, const char *text, int order, int debug,
                        FILE *dbg, struct wren_ngram_ppl *out)
{
    memset(out, 0, sizeof *out);
    struct wren_input in;
    if (wren_input_open(&in, text) < 0) return -1;
    char *line = NULL, *copy = NULL, **words = NULL;
    size_t cap = 0;
    int wcap = 0;
    while (getline(&line, &cap, in.f) >= 0) {
        if (debug >= 1) { free(copy); copy = wren_xstrdup(line); }
        int n = split_words(line, &words, &wcap);
        if (n == 0 && line[strspn(line, " \t\r\n")] == '\0') continue;   /* blank line */
        struct wren_ngram_ppl one = { 0 };
        wren_ngram_ppl_sentence(a, order, words, n, &one);
        if (debug >= 1) {
            fputs(copy, dbg);
            wren_ngram_ppl_print(dbg, NULL, &one);
            fputc('\n', dbg);
        }
        out->sentences += one.sentences;
        out->words += one.words;
        out->oovs += one.oovs;
        out->zeroprobs += one.zeroprobs;
        out->logprob += one.logprob;
    }
    free(line); free(copy); free(words);
    if (wren_input_close(&in) < 0) return -1;
    if (out->sentences == 0)   /* ppl would be 0/0: not a figure */
        return wren_error("%s: no sentences (empty text has no perplexity)", text);
    return 0;
}
