/* cmd-text-norm.c — `wren text-norm`: thin wrapper over text-norm.h. Not for: normalisation rules
 * (they are in text-norm.c and documented at its top). */
#include "cli/cmd-util.h"
#include "text/text-norm.h"

#include <stdlib.h>

static const char usage[] = "wren text-norm [options] IN OUT";
static const char descr[] =
    "Normalise raw English text the way ASR LM text is normalised: one sentence a line, case folded,\n"
    "punctuation removed, numbers/ordinals/currency/years/percentages spelled out, hyphenated words\n"
    "split unless the vocabulary has them, apostrophes kept inside words, and with --vocab every other\n"
    "word mapped to --unk. IN may be .gz/.xz, '-' or 'cmd |'; OUT is written atomically ('-': stdout).\n"
    "With --ids, IN is Kaldi text (utt words...) and each line stays one line. The rules are listed\n"
    "at the top of text/text-norm.c.";

int wren_cmd_text_norm(int argc, char **argv)
{
    struct wren_textnorm_opts o;
    wren_textnorm_opts_default(&o);
    char **pos;
    int npos, done;
    struct wren_opt t[WREN_TEXTNORM_NOPTS + 1];
    wren_textnorm_opts_table(&o, t);
    int rc = wren_cmd_parse("text-norm", usage, descr, t, argc, argv, 2, 2, &pos, &npos, &done);
    if (done) return rc;
    struct wren_textnorm *tn = wren_textnorm_create(&o);
    struct wren_textnorm_stats st;
    if (!tn || wren_textnorm_file(tn, pos[0], pos[1], &st)) rc = wren_cmd_fail("text-norm");
    else wren_log("text-norm: %ld lines in, %ld lines out, %ld words, %ld mapped to %s", st.lines_in, st.lines_out,
                  st.words_out, st.unks, o.unk);
    wren_textnorm_free(tn);
    free(pos);
    return rc;
}
