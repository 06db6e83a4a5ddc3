/* cmd-nnlm.c — the subcommands nnlm-train, nnlm-eval, nnlm-center and nnlm-info: option parsing and output
 * only; the work is in the library (nnlm.h). */
#include "nnlm/nnlm.h"

#include "cli/cmd-util.h"
#include "utils/matrix.h"

#include <stdlib.h>

int wren_cmd_nnlm_train(int argc, char **argv);
int wren_cmd_nnlm_eval(int argc, char **argv);
int wren_cmd_nnlm_info(int argc, char **argv);
int wren_cmd_nnlm_center(int argc, char **argv);

int wren_cmd_nnlm_train(int argc, char **argv)
{
    struct wren_nnlm_train_opts o;
    wren_nnlm_train_opts_default(&o);
    struct wren_opt t[WREN_NNLM_TRAIN_NOPTS + 1];
    wren_nnlm_train_opts_table(&o, t);
    char **pos = NULL;
    int npos, done;
    int rc = wren_cmd_parse("nnlm-train", "wren nnlm-train --train TEXT [--valid TEXT] --out MODEL.safetensors [options]",
                            "Train a decoder-only Transformer LM (AdamW, warm-up + cosine decay, dropout,\n"
                            "clipping, early stopping on validation perplexity, checkpoint/--resume).",
                            t, argc, argv, 0, 0, &pos, &npos, &done);
    free(pos);
    if (!done) rc = wren_nnlm_train(&o, NULL, NULL) ? wren_cmd_fail("nnlm-train") : 0;
    return rc;
}

int wren_cmd_nnlm_eval(int argc, char **argv)
{
    struct wren_nnlm_eval_opts o;
    wren_nnlm_eval_opts_default(&o);
    const char *model = NULL;
    int threads = 0;
    const struct wren_opt own[] = {
        { "model", WREN_OPT_STRING, &model, "the NNLM (safetensors)" },
        { "threads", WREN_OPT_INT, &threads, "OpenBLAS threads (0: default)" },
        WREN_OPT_TABLE_END,
    };
    struct wren_opt t[WREN_OPTS_LEN(own) + WREN_NNLM_EVAL_NOPTS + 1];
    int n = wren_opts_copy(t, own);
    wren_nnlm_eval_opts_table(&o, t + n);
    char **pos = NULL;
    int npos, done;
    int rc = wren_cmd_parse("nnlm-eval", "wren nnlm-eval --model MODEL.safetensors TEXT",
                            "Perplexity of TEXT (one sentence a line) as SRILM computes it: </s> counted;\n"
                            "OOV words are scored as <unk> and counted (--skip-oovs leaves them out).\n"
                            "With --unnormalized every word scores its raw logit (log Z taken as 0).\n"
                            "Last line: sentences= S words= W oovs= O ppl= P log_z_mean= M log_z_sd= SD\n"
                            "(mean and standard deviation of the natural log Z over the counted tokens; 0 0\n"
                            "with --unnormalized). An empty TEXT, or a log-probability that is not finite,\n"
                            "is an error.",
                            t, argc, argv, 1, 1, &pos, &npos, &done);
    if (done) return rc;
    if (!model) {
        fprintf(stderr, "wren nnlm-eval: --model is required\n");
        free(pos);
        return WREN_EXIT_INPUT;
    }
    wren_blas_set_threads(threads);
    struct wren_nnlm *m = wren_nnlm_load(model);
    struct wren_nnlm_eval_result r;
    if (!m || wren_nnlm_eval_text(m, pos[0], &o, stdout, &r)) rc = wren_cmd_fail("nnlm-eval");
    else {
        printf("logprob10= %.4f tokens= %ld\n", r.logprob10, r.words + r.sentences);
        printf("sentences= %ld words= %ld oovs= %ld ppl= %.4f log_z_mean= %.4f log_z_sd= %.4f\n", r.sentences,
               r.words, r.oovs, r.ppl, r.log_z_mean, r.log_z_sd);
    }
    wren_nnlm_free(m);
    free(pos);
    return rc;
}

int wren_cmd_nnlm_info(int argc, char **argv)
{
    char **pos = NULL;
    int npos, done;
    int rc = wren_cmd_parse("nnlm-info", "wren nnlm-info MODEL.safetensors",
                            "Print an NNLM's configuration, per-block shapes and stored parameter count\n"
                            "(masked matrices count non-zeros plus one index each; factored ones both factors).",
                            NULL, argc, argv, 1, 1, &pos, &npos, &done);
    if (done) return rc;
    struct wren_nnlm *m = wren_nnlm_load(pos[0]);
    if (!m) rc = wren_cmd_fail("nnlm-info");
    else wren_nnlm_print_info(m, stdout);
    wren_nnlm_free(m);
    free(pos);
    return rc;
}

int wren_cmd_nnlm_center(int argc, char **argv)
{
    const char *model = NULL, *out = NULL;
    long tokens = 50000;
    int threads = 0;
    const struct wren_opt t[] = {
        { "model", WREN_OPT_STRING, &model, "the NNLM to centre (safetensors)" },
        { "out", WREN_OPT_STRING, &out, "the centred model (written atomically; may be --model)" },
        { "tokens", WREN_OPT_LONG, &tokens, "predicted tokens of TEXT to average over (sentences at an even stride; 0: all)" },
        { "threads", WREN_OPT_INT, &threads, "OpenBLAS threads (0: default)" },
        WREN_OPT_TABLE_END,
    };
    char **pos = NULL;
    int npos, done;
    int rc = wren_cmd_parse("nnlm-center", "wren nnlm-center --model IN.safetensors --out OUT.safetensors TEXT",
                            "Subtract the mean log Z (softmax normaliser) of the model over TEXT from its output\n"
                            "bias: no normalised probability changes, and raw logits (--unnormalized scoring) then\n"
                            "sum to about 1 on average. nnlm-train --self-norm does this on its training text\n"
                            "(--center-tokens); this command centres a model trained without it. Use training\n"
                            "text, not the text log Z is then reported on. The shift is added to the model's\n"
                            "metadata log_z_shift. Prints: log_z_shift= S total= T (this shift, the model's total)",
                            t, argc, argv, 1, 1, &pos, &npos, &done);
    if (done) return rc;
    if (!model || !out) {
        fprintf(stderr, "wren nnlm-center: --model and --out are required\n");
        free(pos);
        return WREN_EXIT_INPUT;
    }
    if (tokens < 0) {
        fprintf(stderr, "wren nnlm-center: --tokens must be >= 0, not %ld\n", tokens);
        free(pos);
        return WREN_EXIT_INPUT;
    }
    wren_blas_set_threads(threads);
    struct wren_nnlm *m = wren_nnlm_load(model);
    double shift = 0;
    if (!m || wren_nnlm_center_log_z(m, pos[0], tokens, &shift) || wren_nnlm_save(m, out))
        rc = wren_cmd_fail("nnlm-center");
    else printf("log_z_shift= %.6f total= %.6f\n", shift, wren_nnlm_log_z_shift(m));
    wren_nnlm_free(m);
    free(pos);
    return rc;
}
