#!/bin/bash
# prune.sh — NNLM scoring throughput of pruned models relative to the dense model, measured in
# the same run: a 4-layer d_model 256 NNLM (briefly trained on Brown text; speed does not
# depend on training) is pruned to 0.5 by each method (magnitude, one-shot), and
# `wren nnlm-eval` is timed on the same text (best of 3, one thread).
# Usage: bash bench/prune.sh   (env WREN: the wren binary; WREN_SHARED: shared data)
set -eu
WREN=${WREN:-${WREN_BUILDDIR:-.}/wren}
SHARED=${WREN_SHARED:-/work/shared}
BROWN=$SHARED/data/text/lm-corpus/brown.txt.xz
[ -f "$BROWN" ] || { echo "skip: no $BROWN"; exit 0; }
export OPENBLAS_NUM_THREADS=1
T=$(mktemp -d /tmp/wren-bench-prune.XXXXXX)
trap 'rm -rf "$T"' EXIT
xz -dc "$BROWN" | head -3000 | tr A-Z a-z | sed "s/[^a-z' ]/ /g" | awk 'NF>2' > "$T/all.txt"
head -2500 "$T/all.txt" > "$T/train.txt"
sed -n 2501,2900p "$T/all.txt" > "$T/eval.txt"
nice "$WREN" nnlm-train --train "$T/train.txt" --out "$T/dense.safetensors" --vocab-size 2000 --layers 4 \
  --d-model 256 --heads 4 --ffn 1024 --context 64 --batch 8 --steps 20 --valid-every 20 --threads 1 \
  2> "$T/train.log"
for m in unstructured structured lowrank; do
  nice "$WREN" prune --model "$T/dense.safetensors" --criterion magnitude --method $m --schedule oneshot \
    --sizes 0.5 --out-prefix "$T/$m" > "$T/$m.txt" 2> /dev/null
done
best_time() {   # best of 3 wall times of nnlm-eval, seconds
  local best=
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N)
    nice "$WREN" nnlm-eval --threads 1 --model "$1" "$T/eval.txt" > /dev/null
    e=$(date +%s.%N)
    best=$(echo "$s $e ${best:-1e9}" | awk '{ t = $2 - $1; print (t < $3 ? t : $3) }')
  done
  echo "$best"
}
words=$(wc -w < "$T/eval.txt")
dense=$(best_time "$T/dense.safetensors")
printf "%-14s %9s %9s %10s %9s\n" model prunable total words/s speedup
printf "%-14s %9s %9s %10.0f %9.2f\n" dense 1.0000 1.0000 "$(echo "$words $dense" | awk '{print $1/$2}')" 1
for m in unstructured structured lowrank; do
  t=$(best_time "$T/$m-0.5.safetensors")
  read -r prunable total < <(awk '{ print $4, $6 }' "$T/$m.txt")
  printf "%-14s %9s %9s %10.0f %9.2f\n" "$m@0.5" "$prunable" "$total" \
    "$(echo "$words $t" | awk '{print $1/$2}')" "$(echo "$dense $t" | awk '{print $1/$2}')"
done
