/* cmd-mkgraph.c — `wren mkgraph --model MODEL_DIR --dict DICT --lm LM.arpa OUT_DIR`: load the
 * acoustic model's mdef and transition matrices and call wren_mkgraph (graph.h). Prints the
 * build summary (states, arcs, time, peak memory) as its last line on stdout.
 * Not for: any graph-building logic of its own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "am/am.h"
#include "am/model-path.h"
#include "cli/cmd-util.h"
#include "graph/graph.h"
#include "lm/graph-lm.h"
#include "utils/io.h"
#include "utils/log.h"

static const char usage[] = "wren mkgraph [--model MODEL_DIR] [--dict DICT] --lm LM.arpa [options] OUT_DIR";
static const char descr[] =
    "Build the decoding graph HCLG (Kaldi's mkgraph.sh recipe, for Sphinx models) from an\n"
    "acoustic model folder (mdef, transition_matrices), a CMUdict-format lexicon and an ARPA\n"
    "n-gram model. Writes OUT_DIR/HCLG.fst (OpenFst binary), words.txt, phones.txt,\n"
    "transitions.txt (tid senone phone hmm_state is_selfloop), HCLG.wgraph (flat, mmap-able) and\n"
    "model.txt (the model folder's path: `wren decode --graph OUT_DIR` takes it without --model) and\n"
    "lm.txt (the LM's CRC-32, size and path: `wren rescore --graph OUT_DIR` removes that LM's costs\n"
    "from the lattices without --first-pass-lm, and refuses it if it has changed since).\n"
    "LM words the lexicon lacks are reported and dropped. Without --model and --dict, Debian's\n"
    "pocketsphinx-en-us model and its cmudict-en-us.dict (what the recipes use).";

int wren_cmd_mkgraph(int argc, char **argv)
{
    struct wren_mkgraph_opts o;
    wren_mkgraph_opts_default(&o);
    const char *model_dir = WREN_DEBIAN_MODEL_DIR, *dict = WREN_DEBIAN_DICT, *lm = NULL;
    const struct wren_opt opts[] = {
        { "model", WREN_OPT_STRING, &model_dir, "Sphinx acoustic model folder" },
        { "dict", WREN_OPT_STRING, &dict, "pronunciation lexicon, CMUdict format" },
        { "lm", WREN_OPT_STRING, &lm, "ARPA n-gram model, may be .gz (required)" },
        { "sil-prob", WREN_OPT_FLOAT, &o.sil_prob,
          "probability of optional silence (SIL) at the start and after each word (0 = none)" },
        { "noise-prob", WREN_OPT_FLOAT, &o.noise_prob,
          "probability of an optional noise phone (fillers but SIL: +NSN+ +SPN+ ...) where silence "
          "may be, shared equally; no word output, LM not affected (0 = none)" },
        { "transition-scale", WREN_OPT_FLOAT, &o.transition_scale,
          "scale of the HMM transition costs other than self-loops (Kaldi's --transition-scale)" },
        { "self-loop-scale", WREN_OPT_FLOAT, &o.self_loop_scale,
          "scale of the self-loop costs; forward transitions renormalised (Kaldi's --self-loop-scale)" },
        { "det-log", WREN_OPT_BOOL, &o.det_log, "determinise in the log semiring (stochastic)" },
        { "keep-intermediate", WREN_OPT_BOOL, &o.keep_intermediate,
          "also write L.fst, G.fst, LG.fst, CLG.fst, Ha.fst" },
        { "write-flat", WREN_OPT_BOOL, &o.write_flat, "write HCLG.wgraph" },
        WREN_OPT_TABLE_END
    };
    char **pos;
    int npos, done;
    int rc = wren_cmd_parse("mkgraph", usage, descr, opts, argc, argv, 1, 1, &pos, &npos, &done);
    if (done) return rc;
    if (!lm) {
        fprintf(stderr, "wren mkgraph: --lm is required\nusage: %s\n", usage);
        free(pos);
        return WREN_EXIT_INPUT;
    }
    if (o.sil_prob < 0 || o.sil_prob >= 1 || o.noise_prob < 0 || o.sil_prob + o.noise_prob >= 1 ||
        !(o.transition_scale >= 0) || !(o.self_loop_scale >= 0)) {
        fprintf(stderr, "wren mkgraph: --sil-prob and --noise-prob must be >= 0 with a sum < 1, "
                        "--transition-scale and --self-loop-scale >= 0\n");
        free(pos);
        return WREN_EXIT_INPUT;
    }
    /* the defaults when Debian's package is missing: say what to pass */
    if ((!strcmp(model_dir, WREN_DEBIAN_MODEL_DIR) && !wren_model_default()) ||
        (!strcmp(dict, WREN_DEBIAN_DICT) && !wren_dict_default())) {
        fprintf(stderr, "wren mkgraph: --model and --dict are required: Debian's pocketsphinx-en-us is not installed "
                        "(apt-get install pocketsphinx-en-us)\nusage: %s\n", usage);
        free(pos);
        return WREN_EXIT_INPUT;
    }
    struct wren_am *am;
    if (wren_am_load(model_dir, &am) < 0) {
        free(pos);
        return wren_cmd_fail("mkgraph");
    }
    int nt = wren_am_n_tmat(am);
    const float **tm = wren_xmalloc((size_t)(nt > 0 ? nt : 1) * sizeof *tm);
    for (int i = 0; i < nt; i++) tm[i] = wren_am_tmat(am, i);
    struct wren_graph_model model = { wren_am_mdef(am), nt, tm };
    struct wren_mkgraph_stats st;
    /* a rebuild killed after its HCLG is written must not leave the old LM's record beside it */
    char *rec = wren_path_join(pos[0], "lm.txt");
    if (unlink(rec) && errno != ENOENT) wren_warn("%s: cannot remove: %s", rec, strerror(errno));
    free(rec);
    rc = wren_mkgraph(&model, dict, lm, pos[0], &o, &st);
    if (rc == 0) rc = wren_graph_model_record(pos[0], model_dir);
    if (rc == 0) rc = wren_graph_lm_record(pos[0], lm);
    if (rc < 0) rc = wren_cmd_fail("mkgraph");
    else
        printf("mkgraph: %s/HCLG.fst: %ld states, %ld arcs, %ld words (%ld dropped), %d HMMs, "
               "%d transition ids, %.1f s CPU, %.1f s, peak memory %.0f MB\n",
               pos[0], st.hclg_states, st.hclg_arcs, st.words_kept, st.words_dropped, st.n_hmms,
               st.n_tids, st.cpu_seconds, st.seconds, (double)st.peak_rss / 1048576.0);
    free(tm);
    wren_am_free(am);
    free(pos);
    return rc;
}
