#!/usr/bin/env bash
# finetune_batch_sweep.sh — which fine-tuning batch repairs a pruned NNLM best at a given token
# budget: for each budget, model (method:size) and batch, a one-shot magnitude pruning of the
# study's kind (`wren prune --embedding --size-basis total`, one size) fine-tuned by `wren prune`
# itself on the first --finetune-lines lines of the NNLM's training text, and its perplexity on
# the NNLM's dev split (the report's dev_ppl). At a fixed budget a smaller batch takes more (noisier)
# steps; session 20 found batches of 32 repaired heavily pruned models less than batches of 8 at
# 60k tokens (egs/pooled/RESULTS.md). Chooses on dev only; no test text is read.
# Not for: the study's families (prune_nnlm.sh). Resumable (a finished run's report is kept).
# usage: egs/steps/finetune_batch_sweep.sh [--budgets "60000 300000"] [--batches "8 16 32"]
#          [--models "lowrank:0.5 lowrank:0.1 structured:0.5 structured:0.25"] [--finetune-lines N]
#          [--lr LR] [--dropout P] [--jobs N] NNLM_DIR OUT_DIR
#   reads NNLM_DIR/{nnlm.safetensors,train.txt,dev.txt}; writes OUT_DIR/reports/<method>-<size>-ft<budget>-b<batch>.txt
#   (wren prune's report), OUT_DIR/table.tsv (budget method size batch dev_ppl) and prints it aligned,
#   then per budget and batch the geometric mean dev perplexity of the models;
#   OUT_DIR/settings.txt (the model's checksum, finetune_lines, lr, dropout: another run is refused).
set -euo pipefail
budgets="60000 300000"
batches="8 16 32"
models="lowrank:0.5 lowrank:0.1 structured:0.5 structured:0.25"
finetune_lines=250000
lr=3e-4
dropout=0
jobs=2
. "$(dirname "$0")/parse_options.sh"
steps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); top=$(cd "$steps/../.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 [--budgets B] [--batches B] [--models M] [--finetune-lines N] [--lr LR] [--dropout P] [--jobs N] NNLM_DIR OUT_DIR" >&2; exit 1; }
nn=$1; out=$2
wren=${WREN:-$top/build/wren}
for f in nnlm.safetensors train.txt dev.txt; do
  [ -s "$nn/$f" ] || { echo "finetune_batch_sweep.sh: no $nn/$f (egs/lm16k stage 3)" >&2; exit 1; }
done
mkdir -p "$out/reports"
# the reports of one folder share these settings: a rerun with others is refused, not mixed in
settings="model $(cksum < "$nn/nnlm.safetensors" | cut -d' ' -f1) finetune_lines $finetune_lines lr $lr dropout $dropout"
if [ -s "$out/settings.txt" ] && [ "$(cat "$out/settings.txt")" != "$settings" ]; then
  echo "finetune_batch_sweep.sh: $out/settings.txt has '$(cat "$out/settings.txt")', this run '$settings' (use another OUT_DIR)" >&2
  exit 1
fi
echo "$settings" > "$out/settings.txt"
export OPENBLAS_NUM_THREADS=1
if [ ! -s "$out/finetune.txt" ]; then
  head -n "$finetune_lines" "$nn/train.txt" > "$out/finetune.txt.tmp"
  mv "$out/finetune.txt.tmp" "$out/finetune.txt"
fi

run() {   # method size budget batch
  local m=$1 s=$2 t=$3 b=$4 tag=$1-$2-ft$3-b$4
  [ -s "$out/reports/$tag.txt" ] && return 0
  if "$wren" prune --model "$nn/nnlm.safetensors" --criterion magnitude --method "$m" --schedule oneshot \
      --embedding --size-basis total --sizes "$s" --finetune-text "$out/finetune.txt" --finetune-tokens "$t" \
      --batch "$b" --lr "$lr" --dropout "$dropout" --valid-text "$nn/dev.txt" --out-prefix "$out/reports/$tag" \
      > "$out/reports/$tag.tmp" 2> "$out/reports/$tag.log"; then
    mv "$out/reports/$tag.tmp" "$out/reports/$tag.txt"
  else
    echo "finetune_batch_sweep.sh: $tag failed (see $out/reports/$tag.log)" >&2
  fi
  rm -f "$out/reports/$tag-$s.safetensors"   # only the perplexity is wanted
}
for t in $budgets; do
  for ms in $models; do
    for b in $batches; do
      run "${ms%%:*}" "${ms#*:}" "$t" "$b" &
      while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    done
  done
done
wait

{
  printf 'budget\tmethod\tsize\tbatch\tdev_ppl\n'
  for t in $budgets; do for ms in $models; do for b in $batches; do
    f=$out/reports/${ms%%:*}-${ms#*:}-ft$t-b$b.txt
    p=$(grep -o 'dev_ppl [0-9.]*' "$f" 2>/dev/null | head -1 | cut -d' ' -f2 || true)
    printf '%s\t%s\t%s\t%s\t%s\n' "$t" "${ms%%:*}" "${ms#*:}" "$b" "${p:--}"
  done; done; done
} > "$out/table.tsv.tmp"
mv "$out/table.tsv.tmp" "$out/table.tsv"
column -t "$out/table.tsv"
# per budget and batch, the geometric mean of the models' dev perplexities (a model missing at a
# batch leaves that batch out of its budget's comparison)
echo "budget batch models geomean_dev_ppl"
awk -F'\t' 'NR > 1 && $5 != "-" { k = $1 " " $4; s[k] += log($5); n[k]++ } END { for (k in s) printf "%s %d %.2f\n", k, n[k], exp(s[k] / n[k]) }' \
  "$out/table.tsv" | sort -k1,1n -k2,2n
