/* cmd-ngram.c — `wren ngram -lm LM -ppl TEXT`: perplexity the SRILM way (ngram-eval.h). */
#include "cli/cmd-util.h"
#include "lm/ngram.h"

#include <stdlib.h>

int wren_cmd_ngram(int argc, char **argv)
{
    static const char usage[] = "wren ngram -lm LM.arpa -ppl TEXT [-order N] [-debug 1]";
    static const char descr[] =
        "Perplexity of an ARPA model on text (one sentence a line), printed as SRILM's two lines:\n"
        "\"file TEXT: S sentences, W words, O OOVs\" and \"Z zeroprobs, logprob= L ppl= P ppl1= P1\"\n"
        "(</s> counted, <s> not, OOVs and zero probabilities excluded). A TEXT without sentences\n"
        "is an error (its perplexity is 0/0).";
    struct wren_ngram_eval_opts o;
    struct wren_opt table[WREN_NGRAM_EVAL_NOPTS + 1];
    wren_ngram_eval_opts_default(&o);
    wren_ngram_eval_opts_table(&o, table);
    char **pos = NULL;
    int npos = 0, done = 0;
    int rc = wren_cmd_parse("ngram", usage, descr, table, argc, argv, 0, 0, &pos, &npos, &done);
    if (done) return rc;
    free(pos);
    if (!o.lm || !o.ppl) {
        fprintf(stderr, "wren ngram: -lm and -ppl are required\nusage: %s\n", usage);
        return WREN_EXIT_INPUT;
    }
    struct wren_arpa *a;
    if (wren_arpa_read(o.lm, &a) < 0) return wren_cmd_fail("ngram");
    struct wren_ngram_ppl p;
    rc = wren_ngram_ppl_file(a, o.ppl, o.order, o.debug, stdout, &p);
    wren_arpa_free(a);
    if (rc < 0) return wren_cmd_fail("ngram");
    wren_ngram_ppl_print(stdout, o.ppl, &p);
    return WREN_EXIT_OK;
}
