#!/bin/bash
# nnlm-sparse.sh — what unstructured pruning buys on disk and in speed with the CSR form of
# masked layers (nnlm/sparse.c). An NNLM of the recipes' shape (6 layers, d_model 256, 4 heads,
# FFN 1280, context 64; vocabulary from Brown text, up to 20000 words; briefly trained: speed does
# not depend on training) is magnitude-pruned one-shot, unstructured, to prunable sizes 0.5, 0.25
# and 0.1 (2 x non-zeros / dense: densities 0.25, 0.125, 0.05). For every model: bytes on disk,
# stored parameters (`wren nnlm-info`), words/s of `wren nnlm-eval` (one thread, best of 3, per
# CPU-second of the process: user + system time, which a busy shared machine disturbs far less
# than wall time; on an idle machine the two agree) and the speed-up relative to the dense model
# measured in the same run; for the pruned models also the
# same file on the dense masked path (WREN_NNLM_SPARSE=0), which isolates the kernel's share.
# Then the kernel crossover table (bench/nnlm-sparse-bench) unless NNLM_SPARSE_NO_KERNEL=1.
# Usage: bash bench/nnlm-sparse.sh  (env WREN: the wren binary, WREN_BUILDDIR, WREN_SHARED;
# NNLM_SPARSE_EVAL_LINES: sentences of evaluation text, default 200)
set -eu
WREN=${WREN:-${WREN_BUILDDIR:-.}/wren}
KB=${WREN_BUILDDIR:-$(dirname "$WREN")}/bench/nnlm-sparse-bench
SHARED=${WREN_SHARED:-$(cd "$(dirname "$0")/.." && pwd)/../shared}   # default: beside the source tree
BROWN=$SHARED/data/text/lm-corpus/brown.txt.xz
[ -f "$BROWN" ] || { echo "skip: no $BROWN"; exit 0; }
[ -x "$WREN" ] || { echo "nnlm-sparse.sh: $WREN not built"; exit 1; }
export OPENBLAS_NUM_THREADS=1
T=$(mktemp -d /tmp/wren-bench-sparse.XXXXXX)
trap 'rm -rf "$T"' EXIT
xz -dc "$BROWN" | tr A-Z a-z | sed "s/[^a-z' ]/ /g" | awk 'NF>2' > "$T/all.txt"
head -20000 "$T/all.txt" > "$T/train.txt"
sed -n "20001,$((20000 + ${NNLM_SPARSE_EVAL_LINES:-200}))p" "$T/all.txt" > "$T/eval.txt"
nice "$WREN" nnlm-train --train "$T/train.txt" --out "$T/dense.safetensors" --vocab-size 20000 \
  --layers 6 --d-model 256 --heads 4 --ffn 1280 --context 64 --batch 8 --steps 2 --valid-every 2 \
  --valid-tokens 500 --threads 1 2> "$T/train.log"
nice "$WREN" prune --model "$T/dense.safetensors" --criterion magnitude --method unstructured \
  --schedule oneshot --sizes 0.5,0.25,0.1 --out-prefix "$T/u" > "$T/prune.txt" 2> "$T/prune.log"
best_time() {   # best of 3 CPU times (user + sys) of nnlm-eval, seconds; $1 model, $2 WREN_NNLM_SPARSE or ""
  local best=
  for _ in 1 2 3; do
    WREN_NNLM_SPARSE=$2 /usr/bin/time -o "$T/time" -f "%U %S" nice "$WREN" nnlm-eval --threads 1 \
      --model "$1" "$T/eval.txt" > /dev/null || exit 1
    best=$(awk -v b="${best:-1e9}" '{ t = $1 + $2; print (t < b ? t : b) }' "$T/time")
  done
  echo "$best"
}
words=$(wc -w < "$T/eval.txt")
vocab=$("$WREN" nnlm-info "$T/dense.safetensors" | awk '$1 == "vocab_size" { print $2 }')
echo "# 6 x 256, FFN 1280, vocabulary $vocab; nnlm-eval of $words words, one thread, best of 3 (CPU time)"
dense=$(best_time "$T/dense.safetensors" "")
printf "%-18s %8s %11s %13s %9s %8s\n" model density bytes stored_params words/s speedup
row() {   # name density file seconds
  local params
  params=$("$WREN" nnlm-info "$3" | awk '$1 == "stored_params" { print $2 }')
  printf "%-18s %8s %11d %13d %9.0f %8.2f\n" "$1" "$2" "$(stat -c %s "$3")" "$params" \
    "$(echo "$words $4" | awk '{ print $1 / $2 }')" "$(echo "$dense $4" | awk '{ print $1 / $2 }')"
}
row dense 1 "$T/dense.safetensors" "$dense"
for s in 0.5 0.25 0.1; do
  f="$T/u-$s.safetensors"
  d=$(echo "$s" | awk '{ print $1 / 2 }')
  t=$(best_time "$f" "")
  row "unstruct@$s csr" "$d" "$f" "$t"
  t=$(best_time "$f" 0)
  row "unstruct@$s masked" "$d" "$f" "$t"
done
if [ "${NNLM_SPARSE_NO_KERNEL:-0}" != 1 ] && [ -x "$KB" ]; then
  echo
  nice "$KB" --threads 1
fi
