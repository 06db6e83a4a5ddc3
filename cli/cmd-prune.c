/* cmd-prune.c — the subcommand `wren prune`: option parsing only; the work is in
 * wren_prune_run (schedule.c). */
#include "prune/wren-prune.h"

#include "cli/cmd-util.h"

#include <stdlib.h>

int wren_cmd_prune(int argc, char **argv);

int wren_cmd_prune(int argc, char **argv)
{
    struct wren_prune_opts o;
    wren_prune_opts_default(&o);
    struct wren_opt t[WREN_PRUNE_NOPTS + 1];
    wren_prune_opts_table(&o, t);
    char **pos = NULL;
    int npos, done;
    int rc = wren_cmd_parse("prune",
        "wren prune --model IN.safetensors --criterion C --method M --schedule S --sizes 0.9,0.5 --out-prefix OUT [options]",
        "Prune an NNLM to each target size, writing OUT-<size>.safetensors. A size is the stored\n"
        "parameters of the linear weight matrices (masked: 2 per non-zero; factored: r*(out+in))\n"
        "relative to the dense input. One line per model: size, prunable and total relative size,\n"
        "dev ppl (--valid-text), 'distill W' if its fine-tuning distilled, and fine-tuning tokens.\n"
        "Existing outputs are kept (resumable): each output records the settings that shaped it\n"
        "(metadata prune_settings, shown by nnlm-info), and a rerun that asks for other settings\n"
        "(another input model, --lr, budget, criterion...) into the same --out-prefix is refused,\n"
        "naming them. The input model (and a --distill teacher) is identified by its file's CRC-32.\n"
        "--embedding (with --method lowrank) also factors the tied embedding/output matrix\n"
        "E [V,D] ~ U V (tok_emb.U/.V; logits (h V^T) U^T + b cost r*(V+D) per token) with a fixed\n"
        "share of the budget (t^E of its dense size at target t, --embedding-exponent E, default 1:\n"
        "the target fraction; the blocks share the rest; E < 1 moves budget from the blocks, where\n"
        "the multiply-adds are, to the embedding: faster models, less accurate at small sizes);\n"
        "with --method structured it also removes residual-stream channels\n"
        "(columns of E and of the learned positions, LayerNorm entries, q/k/v/fc1 input columns,\n"
        "o/fc2 output rows: d_model shrinks) next to heads and FFN neurons; with --method\n"
        "unstructured it masks E element-wise like the blocks (same criterion, E scored as the\n"
        "output layer; tok_emb CSR on disk). Either way the sizes then count E as prunable\n"
        "(report: prunable+emb).\n"
        "--size-basis total: each size is a fraction of ALL stored parameters of the dense model\n"
        "(embedding, positions, LayerNorms, biases; masked: 2 per non-zero), the report's 'total';\n"
        "the part outside the prunable matrices is kept, so a size below it is refused before any\n"
        "work (use --embedding: then 0.1 fits every method, except structured below its floor of\n"
        "one head, one neuron per block and 8 residual channels).\n"
        "--distill TEACHER: every fine-tuning mixes (1-W) cross-entropy with W T^2 KL(teacher ||\n"
        "pruned) per token (--distill-weight W, default 0.5; --distill-temperature T, default 1;\n"
        "plus the model's self-normalisation term); the teacher (usually the dense --model) needs\n"
        "the same vocabulary in the same order and at least the context, any shape. The outputs\n"
        "record it (metadata distill_teacher, distill_weight, distill_temperature).",
        t, argc, argv, 0, 0, &pos, &npos, &done);
    free(pos);
    if (!done) rc = wren_prune_run(&o) ? wren_cmd_fail("prune") : 0;
    return rc;
}
