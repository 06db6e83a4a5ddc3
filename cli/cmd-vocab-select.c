/* cmd-vocab-select.c — `wren vocab-select`: thin wrapper over vocab.h. Not for: counting or
 * selection logic. */
#include "cli/cmd-util.h"
#include "text/vocab.h"

#include <stdlib.h>

static const char usage[] = "wren vocab-select --top K [--lexicon DICT] [--report-oov TEXT ...] TEXT OUT";
static const char descr[] =
    "Write to OUT the K most frequent words of the normalised text TEXT (ties in byte order) among\n"
    "those the lexicon can pronounce (CMUdict format; `word(2)` alternates count as the word), one a\n"
    "line, most frequent first. For each --report-oov TEXT (repeatable; Kaldi text with --ids), print\n"
    "its OOV rate against the selected vocabulary.";

int wren_cmd_vocab_select(int argc, char **argv)
{
    struct wren_opt_strings tests = { 0 };
    struct wren_vocab_select_opts o;
    wren_vocab_select_opts_default(&o);
    const struct wren_opt own[] = {
        { "report-oov", WREN_OPT_STRINGS, &tests, "test text: report its OOV rate (repeatable)" },
        WREN_OPT_TABLE_END,
    };
    struct wren_opt tab[WREN_VOCAB_SELECT_NOPTS + 1 + WREN_OPTS_LEN(own)];
    int nt = wren_vocab_select_opts_table(&o, tab);
    wren_opts_copy(tab + nt, own);
    char **pos;
    int npos, done;
    int rc = wren_cmd_parse("vocab-select", usage, descr, tab, argc, argv, 2, 2, &pos, &npos, &done);
    if (done) { free(tests.v); return rc; }
    struct wren_vocab *counts = wren_vocab_create(), *lex = NULL, *sel = NULL;
    long tokens = 0, skipped = 0;
    if (o.top < 1) { rc = WREN_EXIT_INPUT; fprintf(stderr, "wren vocab-select: --top must be at least 1\n"); goto out; }
    if (o.lexicon && wren_vocab_read(o.lexicon, &lex)) { rc = wren_cmd_fail("vocab-select"); goto out; }
    if (wren_vocab_count_text(counts, pos[0], 0, &tokens)) { rc = wren_cmd_fail("vocab-select"); goto out; }
    /* an empty vocabulary is no result: an empty text, or a lexicon that pronounces none of it */
    if (tokens == 0) {
        wren_error("%s: empty text (no words): no vocabulary to select", pos[0]);
        rc = wren_cmd_fail("vocab-select");
        goto out;
    }
    sel = wren_vocab_select(counts, lex, o.top, &skipped);
    if (wren_vocab_size(sel) == 0) {
        wren_error("%s: none of its %zu word types is in the lexicon %s", pos[0], wren_vocab_size(counts),
                   o.lexicon);
        rc = wren_cmd_fail("vocab-select");
        goto out;
    }
    if (wren_vocab_write(sel, pos[1])) { rc = wren_cmd_fail("vocab-select"); goto out; }
    long covered = 0;
    for (size_t i = 0; i < wren_vocab_size(sel); i++) covered += wren_vocab_count(sel, (long)i);
    printf("vocab-select: %s: %ld tokens, %zu types; kept %zu words (top %d%s), skipped %ld unpronounceable; "
           "training OOV rate %.2f%%\n", pos[0], tokens, wren_vocab_size(counts), wren_vocab_size(sel), o.top,
           lex ? " pronounceable" : "", skipped, tokens ? 100.0 * (double)(tokens - covered) / (double)tokens : 0.0);
    for (int i = 0; i < tests.n; i++) {
        struct wren_oov_stats st;
        if (wren_vocab_oov(sel, tests.v[i], o.ids, &st)) { rc = wren_cmd_fail("vocab-select"); goto out; }
        printf("OOV %s: %ld / %ld tokens = %.2f%%, %ld / %ld types = %.2f%%\n", tests.v[i], st.oovs, st.tokens,
               st.tokens ? 100.0 * (double)st.oovs / (double)st.tokens : 0.0, st.oov_types, st.types,
               st.types ? 100.0 * (double)st.oov_types / (double)st.types : 0.0);
    }
out:
    wren_vocab_free(sel);
    wren_vocab_free(lex);
    wren_vocab_free(counts);
    free(pos);
    free(tests.v);
    return rc;
}
