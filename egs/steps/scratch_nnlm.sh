#!/usr/bin/env bash
# scratch_nnlm.sh — the pruning study's from-scratch baseline: for each size s, a dense NNLM with
# s times the dense model's block parameters (--basis prunable: same width 256, vocabulary and
# context; fewer FFN units, then fewer blocks) or s times ALL its stored parameters (--basis
# total: the widest d_model in 256, 192, 128, 96, 64, 48, 32 whose embedding takes at most half
# of the size, then FFN units and blocks as before), trained from random initialisation on the fine-tuning text for as
# many tokens as the one-shot pruned model of that size was fine-tuned on (the same budget as
# pruning; prune_nnlm.sh puts them in its table as "scratch dense samebudget").
# Not for: pruning (prune_nnlm.sh). Resumable (existing models are kept).
# usage: egs/steps/scratch_nnlm.sh [--basis prunable|total] NNLM_DIR PRUNE_DIR
#   reads NNLM_DIR/{nnlm.safetensors,vocab.txt}, PRUNE_DIR/{finetune.txt,valid.txt} and the
#   fine-tuning tokens per size from PRUNE_DIR/logs/magnitude-*-oneshot.done;
#   writes PRUNE_DIR/scratch-dense-samebudget-<s>.safetensors and PRUNE_DIR/logs/scratch-*.log
set -euo pipefail
basis=prunable
. "$(dirname "$0")/parse_options.sh"
steps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); top=$(cd "$steps/../.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 [--basis prunable|total] NNLM_DIR PRUNE_DIR" >&2; exit 1; }
case $basis in prunable|total) ;; *) echo "$0: --basis is prunable or total, not '$basis'" >&2; exit 1 ;; esac
nn=$1; out=$2
wren=${WREN:-$top/build/wren}
# "size S ... finetune_tokens T path": any one-shot run's report (every one-shot run of a folder
# gets the same tokens per size)
budgets=$(ls "$out"/logs/magnitude-*-oneshot.done 2>/dev/null | head -1)
[ -s "$budgets" ] || { echo "scratch_nnlm.sh: no $out/logs/magnitude-*-oneshot.done (run prune_nnlm.sh first)" >&2; exit 1; }
info=$("$wren" nnlm-info "$nn/nnlm.safetensors")
dense_params=$(sed -n 's/^nonembedding_params[^0-9]*\([0-9]*\).*/\1/p' <<< "$info" | head -1)
total_params=$(sed -n 's/^stored_params[^0-9]*\([0-9]*\).*/\1/p' <<< "$info" | head -1)
vocab=$(sed -n 's/^vocab_size[^0-9]*\([0-9]*\).*/\1/p' <<< "$info" | head -1)
[ -n "$dense_params" ] && [ -n "$total_params" ] && [ -n "$vocab" ] ||
  { echo "scratch_nnlm.sh: nnlm-info gave no nonembedding_params, stored_params or vocab_size" >&2; exit 1; }
# the dense model's training objective: self-normalised models stay comparable when rescoring skips log Z
self_norm=$(sed -n 's/^self_norm[^0-9.]*\([0-9.e+-]*\).*/\1/p' <<< "$info" | head -1)
sn=(--self-norm "${self_norm:-0}")   # 0 too: nnlm-train self-normalises by default
batch=8; context=64
while read -r _ size _ _ _ _ _ _ _ tokens _; do
  f=$out/scratch-dense-samebudget-$size.safetensors
  [ -s "$f" ] && continue
  # the block budget B (total: what the embedding and positions of width D leave), then the
  # largest depth (<= 6) that leaves at least 64 FFN units: block = 4 D^2 (attention) + 2 D F
  read -r D L F < <(awk -v s="$size" -v p="$dense_params" -v T="$total_params" -v V="$vocab" \
      -v C="$context" -v basis="$basis" 'BEGIN {
      D = 256; B = s * p
      if (basis == "total") {
        n = split("256 192 128 96 64 48 32", w, " ")
        for (i = 1; i <= n; i++) { D = w[i]; if ((V + C) * D <= 0.5 * s * T) break }
        B = s * T - (V + C) * D
      }
      for (L = 6; L >= 1; L--) { F = int((B / L - 4 * D * D) / (2 * D)); if (F >= 64) break }
      if (L < 1) { L = 1; F = 64 }
      print D, L, F }')
  st=$(( (tokens + batch * context / 2) / (batch * context) )); [ "$st" -ge 1 ] || st=1
  echo "scratch_nnlm.sh: size $size ($basis): d_model $D, $L blocks, FFN $F, $st steps x $((batch * context)) tokens" >&2
  OPENBLAS_NUM_THREADS=1 nice "$wren" nnlm-train --train "$out/finetune.txt" --valid "$out/valid.txt" \
    --vocab "$nn/vocab.txt" --layers "$L" --d-model "$D" --heads 4 --ffn "$F" --context "$context" \
    --batch "$batch" --steps "$st" --lr 0.001 --dropout 0 --valid-every "$st" --patience 0 --threads 1 "${sn[@]}" \
    --out "$f.tmp.safetensors" > "$out/logs/scratch-$size.log" 2>&1
  mv "$f.tmp.safetensors" "$f"
  rm -f "$f.tmp.safetensors.ckpt"
done < "$budgets"
