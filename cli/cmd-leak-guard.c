/* cmd-leak-guard.c — `wren leak-guard`: thin wrapper over leak-guard.h. Not for: the matching
 * itself. */
#include "cli/cmd-util.h"
#include "text/leak-guard.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] = "wren leak-guard [--window 8] --eval FILE [--eval FILE ...] IN OUT";
static const char descr[] =
    "Remove from training text IN every line that shares a --window-word window with any sentence of\n"
    "the evaluation transcripts (--eval, repeatable; one sentence a line, or Kaldi text with --ids),\n"
    "both normalised by text-norm's rules; an evaluation sentence shorter than the window removes the\n"
    "training lines that contain it as a whole sentence. Kept lines are copied unchanged to OUT.\n"
    "Prints how many lines were removed and kept (stderr, and a summary line on stdout).";

int wren_cmd_leak_guard(int argc, char **argv)
{
    struct wren_opt_strings evals = { 0 };
    struct wren_leak_guard_opts o;
    wren_leak_guard_opts_default(&o);
    const struct wren_opt own[] = {
        { "eval", WREN_OPT_STRINGS, &evals, "evaluation transcript (repeat for several)" },
        WREN_OPT_TABLE_END,
    };
    struct wren_opt tab[WREN_OPTS_LEN(own) + WREN_LEAK_GUARD_NOPTS + 1];
    int nt = wren_opts_copy(tab, own);
    wren_leak_guard_opts_table(&o, tab + nt);
    char **pos;
    int npos, done;
    int rc = wren_cmd_parse("leak-guard", usage, descr, tab, argc, argv, 2, 2, &pos, &npos, &done);
    if (done) { free(evals.v); return rc; }
    struct wren_leak_guard *g = NULL;
    struct wren_leak_stats st;
    if (evals.n == 0) {
        fprintf(stderr, "wren leak-guard: at least one --eval FILE is needed\nusage: %s\n", usage);
        rc = WREN_EXIT_INPUT;
        goto out;
    }
    g = wren_leak_guard_create(&o);
    if (!g) { rc = wren_cmd_fail("leak-guard"); goto out; }
    for (int i = 0; i < evals.n; i++)
        if (wren_leak_guard_add_eval(g, evals.v[i])) { rc = wren_cmd_fail("leak-guard"); goto out; }
    double t0 = wren_now();
    if (wren_leak_guard_filter(g, pos[0], pos[1], &st)) { rc = wren_cmd_fail("leak-guard"); goto out; }
    fprintf(stderr, "leak-guard: %s: removed %ld of %ld lines, kept %ld (window %d; %ld eval sentences from %d files, "
                    "%ld windows, %ld shorter than the window) in %.1f s\n", pos[0], st.removed, st.lines, st.kept,
            o.window, st.eval_sentences, evals.n, st.eval_windows, st.eval_short, wren_now() - t0);
    if (strcmp(pos[1], "-"))
        printf("leak-guard %s removed=%ld kept=%ld lines=%ld window=%d eval_sentences=%ld\n", pos[0], st.removed,
               st.kept, st.lines, o.window, st.eval_sentences);
out:
    wren_leak_guard_free(g);
    free(pos);
    free(evals.v);
    return rc;
}
