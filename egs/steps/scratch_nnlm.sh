#!/usr/bin/env bash
# scratch_nnlm.sh — the pruning study's from-scratch baseline: for each size s, a dense NNLM with
# s times the dense model's block parameters (same width 256, vocabulary and context; fewer FFN
# units, then fewer blocks), trained from random initialisation on the fine-tuning text for as
# many tokens as the one-shot pruned model of that size was fine-tuned on (the same budget as
# pruning; prune_nnlm.sh puts them in its table as "scratch dense samebudget").
# Not for: pruning (prune_nnlm.sh). Resumable (existing models are kept).
# usage: egs/steps/scratch_nnlm.sh NNLM_DIR PRUNE_DIR
#   reads NNLM_DIR/{nnlm.safetensors,vocab.txt}, PRUNE_DIR/{finetune.txt,valid.txt} and the
#   fine-tuning tokens per size from PRUNE_DIR/logs/magnitude-unstructured-oneshot.done;
#   writes PRUNE_DIR/scratch-dense-samebudget-<s>.safetensors and PRUNE_DIR/logs/scratch-*.log
set -euo pipefail
steps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); top=$(cd "$steps/../.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 NNLM_DIR PRUNE_DIR" >&2; exit 1; }
nn=$1; out=$2
wren=${WREN:-$top/build/wren}
budgets=$out/logs/magnitude-unstructured-oneshot.done   # "size S ... finetune_tokens T path"
[ -s "$budgets" ] || { echo "scratch_nnlm.sh: no $budgets (run prune_nnlm.sh first)" >&2; exit 1; }
dense_params=$("$wren" nnlm-info "$nn/nnlm.safetensors" | sed -n 's/^nonembedding_params[^0-9]*\([0-9]*\).*/\1/p' | head -1)
[ -n "$dense_params" ] || { echo "scratch_nnlm.sh: nnlm-info gave no prunable_params" >&2; exit 1; }
D=256; batch=8; context=64
while read -r _ size _ _ _ _ _ _ _ tokens _; do
  f=$out/scratch-dense-samebudget-$size.safetensors
  [ -s "$f" ] && continue
  # the largest depth (<= 6) that leaves at least 64 FFN units: block = 4 D^2 (attention) + 2 D F
  read -r L F < <(awk -v s="$size" -v p="$dense_params" -v D="$D" 'BEGIN {
      for (L = 6; L >= 1; L--) { F = int((s * p / L - 4 * D * D) / (2 * D)); if (F >= 64) break }
      if (L < 1) { L = 1; F = 64 }
      print L, F }')
  st=$(( (tokens + batch * context / 2) / (batch * context) )); [ "$st" -ge 1 ] || st=1
  echo "scratch_nnlm.sh: size $size: $L blocks, FFN $F, $st steps x $((batch * context)) tokens" >&2
  OPENBLAS_NUM_THREADS=1 nice "$wren" nnlm-train --train "$out/finetune.txt" --valid "$out/valid.txt" \
    --vocab "$nn/vocab.txt" --layers "$L" --d-model "$D" --heads 4 --ffn "$F" --context "$context" \
    --batch "$batch" --steps "$st" --lr 0.001 --dropout 0 --valid-every "$st" --patience 0 --threads 1 \
    --out "$f.tmp.safetensors" > "$out/logs/scratch-$size.log" 2>&1
  mv "$f.tmp.safetensors" "$f"
  rm -f "$f.tmp.safetensors.ckpt"
done < "$budgets"
