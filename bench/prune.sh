#!/bin/bash
# prune.sh — NNLM scoring throughput of pruned models relative to the dense model, measured in
# the same run, at the shape of Wren's rescoring NNLM: vocabulary ~20k words (built from the
# first 200,000 lines of the lm-corpus texts), 6 layers, d_model 256, 4 heads, ffn 1280,
# context 64. The model is trained only a few steps (speed does not depend on training), pruned
# to 0.5 by each method (magnitude, one-shot): unstructured, structured, lowrank, and with
# --embedding (the tied embedding/output matrix then counts as prunable) lowrank (factored too)
# and structured (residual channels removed, d_model shrinks). `wren nnlm-eval` is timed on the
# same held-out text (best of 3, one thread) in its two scoring paths: whole sentences batched
# through the full forward pass (perplexity, sentence costs), and word by word through the
# KV-cache states (`--kv`: wren_nnlm_state_score_many, the path of `wren rescore` on lattices
# and n-best lists). Times are CPU time (user+sys: robust when other jobs load the machine).
# Printed per model: prunable and total relative size (from `wren prune`), stored params
# (`wren nnlm-info`), bytes on disk, then for each path words/s and speed-up over the dense
# model; the last column is the batched path's wall-time speed-up. A second table times both
# paths unnormalised (`--unnormalized`: each word's raw logit, one dot product with its output
# row instead of the softmax over the vocabulary): words/s, speed-up over the dense model
# unnormalised, and over the dense model normalised (the dense row: what skipping the softmax
# alone gains).
# Usage: bash bench/prune.sh   (env WREN: the wren binary; WREN_SHARED: shared data;
#        PRUNE_BENCH_LINES: corpus lines, default 200000; PRUNE_BENCH_EVAL: eval lines, default 1000;
#        PRUNE_BENCH_DIR: keep the models there instead of a temporary directory;
#        PRUNE_BENCH_REPS: timed runs per figure, the best kept, default 3)
set -eu
WREN=${WREN:-${WREN_BUILDDIR:-.}/wren}
SHARED=${WREN_SHARED:-$(cd "$(dirname "$0")/.." && pwd)/../shared}   # default: beside the source tree
CORPUS=$SHARED/data/text/lm-corpus
LINES=${PRUNE_BENCH_LINES:-200000}
NEVAL=${PRUNE_BENCH_EVAL:-1000}
ls "$CORPUS"/*.txt.xz > /dev/null 2>&1 || { echo "skip: no $CORPUS/*.txt.xz"; exit 0; }
export OPENBLAS_NUM_THREADS=1
if [ -n "${PRUNE_BENCH_DIR:-}" ]; then T=$PRUNE_BENCH_DIR; mkdir -p "$T"
else T=$(mktemp -d /tmp/wren-bench-prune.XXXXXX); trap 'rm -rf "$T"' EXIT; fi
for f in "$CORPUS"/*.txt.xz; do xz -dc "$f"; done | head -"$LINES" | tr A-Z a-z | sed "s/[^a-z' ]/ /g" |
  awk 'NF>2' > "$T/all.txt"
n=$(wc -l < "$T/all.txt")
head -$((n - NEVAL)) "$T/all.txt" > "$T/train.txt"
tail -"$NEVAL" "$T/all.txt" | awk '{ NF = NF > 40 ? 40 : NF; print }' > "$T/eval.txt"
nice "$WREN" nnlm-train --train "$T/train.txt" --out "$T/dense.safetensors" --vocab-size 20000 --layers 6 \
  --d-model 256 --heads 4 --ffn 1280 --context 64 --batch 8 --steps 3 --valid-every 3 --threads 1 \
  2> "$T/train.log" || { cat "$T/train.log" >&2; exit 1; }
MODELS="unstructured structured lowrank lowrank-emb structured-emb"
for m in $MODELS; do
  case $m in
    lowrank-emb) args="--method lowrank --embedding" ;;
    structured-emb) args="--method structured --embedding" ;;
    *) args="--method $m" ;;
  esac
  # shellcheck disable=SC2086
  nice "$WREN" prune --model "$T/dense.safetensors" --criterion magnitude $args --schedule oneshot \
    --sizes 0.5 --out-prefix "$T/$m" > "$T/$m.txt" 2> "$T/$m.log" || { cat "$T/$m.log" >&2; exit 1; }
done
best_time() {   # best of REPS CPU (user+sys) and wall times of nnlm-eval, seconds: "cpu wall"
  local best=1e9 bestw=1e9 TIMEFORMAT='%U %S %R' u s r model=$1 i
  shift
  for ((i = 0; i < ${PRUNE_BENCH_REPS:-3}; i++)); do
    read -r u s r < <({ time nice "$WREN" nnlm-eval --threads 1 "$@" --model "$model" "$T/eval.txt" > /dev/null; } 2>&1)
    best=$(echo "$u $s $best" | awk '{ t = $1 + $2; print (t < $3 ? t : $3) }')
    bestw=$(echo "$r $bestw" | awk '{ print ($1 < $2 ? $1 : $2) }')
  done
  echo "$best $bestw"
}
params() { "$WREN" nnlm-info "$1" | awk '$1 == "stored_params" { print $2 }'; }
bytes() { wc -c < "$1"; }
vocab=$("$WREN" nnlm-info "$T/dense.safetensors" | awk '$1 == "vocab_size" { print $2 }')
words=$(wc -w < "$T/eval.txt")
echo "vocab_size $vocab, 6 layers x 256, 4 heads, ffn 1280; eval $words words ($NEVAL sentences), one thread"
read -r dense densew < <(best_time "$T/dense.safetensors")
read -r densekv _ < <(best_time "$T/dense.safetensors" --kv)
rate() { echo "$words $1" | awk '{ printf "%.0f", $1 / $2 }'; }
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
printf "%-18s %12s %7s %12s %10s %8s %7s %8s %7s %9s\n" model prunable total stored_params bytes \
  batch_w/s speedup kv_w/s kv_spd wall_spdup
printf "%-18s %12s %7s %12s %10s %8s %7s %8s %7s %9s\n" dense 1.0000 1.0000 "$(params "$T/dense.safetensors")" \
  "$(bytes "$T/dense.safetensors")" "$(rate "$dense")" 1.00 "$(rate "$densekv")" 1.00 1.00
for m in $MODELS; do
  f="$T/$m-0.5.safetensors"
  read -r t tw < <(best_time "$f")
  read -r tkv _ < <(best_time "$f" --kv)
  read -r kind prunable total < <(awk '{ print $3, $4, $6 }' "$T/$m.txt")
  [ "$kind" = "prunable+emb" ] && prunable="$prunable(+emb)"
  printf "%-18s %12s %7s %12s %10s %8s %7s %8s %7s %9s\n" "$m@0.5" "$prunable" "$total" "$(params "$f")" \
    "$(bytes "$f")" "$(rate "$t")" "$(ratio "$dense" "$t")" "$(rate "$tkv")" "$(ratio "$densekv" "$tkv")" \
    "$(ratio "$densew" "$tw")"
done
echo "unnormalised (--unnormalized): words/s, speed-up over dense unnormalised, over dense normalised"
printf "%-18s %8s %7s %7s %8s %7s %7s\n" model batch_w/s spd_u spd_n kv_w/s kv_spd_u kv_spd_n
read -r udense _ < <(best_time "$T/dense.safetensors" --unnormalized)
read -r udensekv _ < <(best_time "$T/dense.safetensors" --kv --unnormalized)
for m in dense $MODELS; do
  f="$T/$m-0.5.safetensors"; name="$m@0.5"
  [ "$m" = dense ] && { f="$T/dense.safetensors"; name=dense; }
  if [ "$m" = dense ]; then t=$udense; tkv=$udensekv
  else read -r t _ < <(best_time "$f" --unnormalized); read -r tkv _ < <(best_time "$f" --kv --unnormalized); fi
  printf "%-18s %8s %7s %7s %8s %7s %7s\n" "$name" "$(rate "$t")" "$(ratio "$udense" "$t")" "$(ratio "$dense" "$t")" \
    "$(rate "$tkv")" "$(ratio "$udensekv" "$tkv")" "$(ratio "$densekv" "$tkv")"
done
