#!/usr/bin/env bash
# run.sh — the models shared by the 16 kHz recipes (egs/arctic, egs/timit, egs/lj, egs/arctic-full):
# the leak-guarded LM text and n-gram LMs, the HCLG graph, the Transformer NNLM and its pruned
# families. They take hours of CPU, so they are built once, here in egs/lm16k/exp (git-ignored),
# and the corpus recipes call this recipe's stages (their stages 1, 2, 7 and 9) and read its exp/.
# Each stage reuses what exists (delete an output dir to rebuild it).
#
# usage: egs/lm16k/run.sh [--stage N] [--stop-stage N] [--config FILE] [--VAR VALUE ...] [SHARED_DATA_DIR]
#   SHARED_DATA_DIR: the shared data root (text/lm-corpus, and speech/ for the evaluation sets the LM
#   text is guarded against); default $WREN_SHARED_DATA, else ../shared/data relative to the repo root.
#   Env: WREN (the built wren, default build/wren). Settings: ../steps/conf/16k.conf (model, dict,
#   output dirs, mkgraph options; each also an option, e.g. --graph-dir exp/graph-test); the step
#   scripts' own tunables: ../steps/conf/{lm,nnlm,prune}.conf.
# stages:
#   1 LM (../steps/make_lm.sh): the LM corpus normalised and leak-guarded against every 16 kHz
#     evaluation set, vocabulary, pruned trigram and 4-gram -> exp/lm/{guarded.txt,vocab.txt,lm3.arpa,lm4.arpa}
#   2 graph: wren mkgraph over the pruned trigram -> exp/graph-lm3-v2 (skipped if its HCLG exists)
#   3 Transformer NNLM on a held-out split of the guarded text, and the KN 4-gram on the same
#     split and vocabulary (../steps/make_nnlm.sh) -> exp/nnlm
#   4 pruned NNLM families, every criterion x method x schedule of ../steps/conf/prune.conf, with
#     their dev perplexity / size / speed-up table (../steps/prune_nnlm.sh) -> exp/nnlm/pruned
set -euo pipefail
stage=0
stop_stage=100
. "$(dirname "$0")/../steps/conf/16k.conf"
. "$(dirname "$0")/../steps/parse_options.sh"
[ $# -le 1 ] || { echo "$0: at most one SHARED_DATA_DIR (see --help)" >&2; exit 1; }
. "$(dirname "$0")/../steps/recipe_lib.sh"   # here, top, steps, WREN (checked), log, timed
shared=$(realpath -m "${1:-${WREN_SHARED_DATA:-$top/../shared/data}}")
cd "$here"
mkdir -p exp

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "stage 1: leak-guarded LM text and n-gram LMs -> $lm_dir"
  timed 1 "$steps/make_lm.sh" "$shared" "$lm_dir"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "stage 2: graph -> $graph_dir"
  if [ ! -s "$graph_dir/HCLG.fst" ]; then
    # shellcheck disable=SC2086
    timed 2 "$WREN" mkgraph --model "$model" --dict "$dict" --lm "$lm_dir/lm3.arpa" $mkgraph_opts "$graph_dir"
  else echo "stage 2: $graph_dir exists (shared; delete it to rebuild)"; fi
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "stage 3: Transformer NNLM and the KN 4-gram on the same split -> $nnlm_dir"
  timed 3 "$steps/make_nnlm.sh" "$lm_dir" "$nnlm_dir"
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "stage 4: pruned NNLM families -> $prune_dir"
  timed 4 "$steps/prune_nnlm.sh" "$nnlm_dir" "$prune_dir"
fi
