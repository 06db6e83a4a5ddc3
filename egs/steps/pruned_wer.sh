#!/usr/bin/env bash
# pruned_wer.sh — WER of the pruned NNLMs: every model of the chosen criteria (magnitude and the
# data-driven criterion with the lowest mean dev perplexity in the pruning table — chosen on dev)
# rescores a set's first-pass n-best lists, and its test WER is joined with the pruning table's
# size, dev perplexity and speed-up. Weights: with --tune-data DEV_DATA --tune-decode DEV_DECODE
# (the dev data dir and its first-pass decode dir) each model gets its own lambda / LM weight /
# word penalty tuned on the dev n-best lists (`wren rescore-tune`; the table then also shows each
# model's tuned dev WER); without them, every model reuses TUNED (the dense model's dev weights).
# The from-scratch models of the table (scratch_nnlm.sh) are scored too. --mode lattice rescores
# the lattices instead of the n-best lists; --dense FILE names the dense model (default: the
# parent folder of PRUNE_DIR holds nnlm.safetensors). Resumable (a model already scored on the same lattices with the same weights is skipped).
# Not for: the first pass or the dense NNLM's own tuning (nnlm_rescore.sh).
# Columns: speedup is the pruning table's (nnlm-eval, normalised); cpu_s the rescoring CPU
# seconds of the set; lambda the NNLM's share in the weights used (at 0, possible with per-model
# weights, the NNLM was not run and cpu_s is the n-gram rescoring's alone).
# usage: egs/steps/pruned_wer.sh [--jobs N] [--mode nbest|lattice] [--dense FILE] [--tune-data DEV_DATA --tune-decode DEV_DECODE] PRUNE_DIR TUNED GRAPH LM3 LM4 DATA DECODE OUT_DIR
#   reads PRUNE_DIR/{table.txt,*.safetensors}; writes OUT_DIR/<model>/..., OUT_DIR/table.txt
set -euo pipefail
jobs=2
mode=nbest
dense=""
tune_data=""
tune_decode=""
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 8 ] || { echo "usage: $0 [--jobs N] [--mode nbest|lattice] [--dense FILE] [--tune-data DEV_DATA --tune-decode DEV_DECODE] PRUNE_DIR TUNED GRAPH LM3 LM4 DATA DECODE OUT_DIR" >&2; exit 1; }
if { [ -n "$tune_data" ] && [ -z "$tune_decode" ]; } || { [ -z "$tune_data" ] && [ -n "$tune_decode" ]; }; then
  echo "$0: --tune-data and --tune-decode go together" >&2; exit 1
fi
steps=$(cd "$(dirname "$0")" && pwd)
pd=$1; tuned=$2; graph=$3; lm3=$4; lm4=$5; data=$6; dec=$7; out=$8
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=1
table=$pd/table.txt
[ -s "$table" ] || { echo "pruned_wer.sh: no $table (run prune_nnlm.sh)" >&2; exit 1; }
# the data-driven criterion with the lowest mean dev perplexity over all its models
dd=$(awk '!/^#/ && $1 != "criterion" && $1 != "dense" && $1 != "magnitude" && $1 != "scratch" { s[$1] += $9; n[$1]++ }
          END { for (c in s) print s[c] / n[c], c }' "$table" | sort -g | head -1 | cut -d' ' -f2)
crits="magnitude ${dd:-} scratch"
echo "pruned_wer.sh: criteria scored: $crits (data-driven one chosen by mean dev ppl)" >&2
models=(dense)
for c in $crits; do
  while read -r m; do models+=("$m"); done < <(awk -v c="$c" '$1 == c { print $1 "-" $2 "-" $3 "-" $4 }' "$table")
done
score_model() {   # name
  local name=$1 f=$pd/$1.safetensors
  [ "$name" = dense ] && f=${dense:-$(dirname "$pd")/nnlm.safetensors}
  # (nnlm_rescore.sh reuses an existing result only if the model, lattices and weights match)
  if [ -n "$tune_data" ]; then
    "$steps/nnlm_rescore.sh" --modes "$mode" --tune-only-dev true "$f" "$graph" "$lm3" "$lm4" \
      "$tune_data" "$tune_decode" "$out/$name" "$data" "$dec" 2> "$out/$name.log" ||
      echo "pruned_wer.sh: $name failed (see $out/$name.log)" >&2
  else
    # nnlm_rescore.sh rescores its DEV_DATA argument first; here that is the scored set itself,
    # with weights fixed by --nnlm-tuned, so no reference is used for any choice
    "$steps/nnlm_rescore.sh" --modes "$mode" --nnlm-tuned "$tuned" "$f" "$graph" "$lm3" "$lm4" \
      "$data" "$dec" "$out/$name" 2> "$out/$name.log" || echo "pruned_wer.sh: $name failed (see $out/$name.log)" >&2
  fi
}
i=0
for m in "${models[@]}"; do
  score_model "$m" &
  i=$((i + 1)); [ $((i % jobs)) -eq 0 ] && wait
done
wait
set_name=$(basename "$data")
{
  printf "%-10s %-12s %-11s %5s %6s %8s %7s %7s %8s %7s %6s\n" criterion method schedule size rel dev_ppl speedup "%WER" "cpu_s" "dev%WER" lambda
  for m in "${models[@]}"; do
    # (a model that failed has no files: "fail" / "-", not an exit under set -e)
    w=$(awk '{print $2}' "$out/$m/$set_name/wer-$mode.txt" 2>/dev/null || true)
    # CPU seconds of the rescoring itself (wren rescore's last log line: no model loading, and
    # unlike wall time not inflated by the other job running beside it)
    t=$(sed -n 's/.* cpu \([0-9.]*\) s.*/\1/p' "$out/$m/$set_name/log-$mode" 2>/dev/null | tail -1 || true)
    # the tuned dev n-best WER (with --tune), from rescore-tune's "best ... wer=W" line
    dw=$(sed -n 's/^best .* wer=\([0-9.]*\).*/\1/p' "$out/$m/tune.log" 2>/dev/null | tail -1 || true)
    lw=$(sed -n 's/^lambda=\([^ ]*\).*/\1/p' "$out/$m/tuned.txt" 2>/dev/null | head -1 || true)
    if [ "$m" = dense ]; then key='$1 == "dense"'; else
      IFS=- read -r c me s z <<< "$m"; key="\$1 == \"$c\" && \$2 == \"$me\" && \$3 == \"$s\" && \$4 == \"$z\""; fi
    awk "$key"' { printf "%-10s %-12s %-11s %5s %6.3f %8.2f %7.2f ", $1, $2, $3, $4, $6, $9, $11 }' "$table"
    printf "%7s %8s %7s %6s\n" "${w:-fail}" "${t:--}" "${dw:--}" "${lw:--}"
  done
} > "$out/table.txt"
cat "$out/table.txt"
