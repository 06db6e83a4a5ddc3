#!/bin/bash
# nnlm.sh — NNLM speed: training tokens/s and GFLOP/s as a fraction of the OpenBLAS SGEMM peak
# measured in the same run (goal >= 0.40), and inference tokens/s with the KV cache (word by
# word) and batched (whole sentences), each normalised and unnormalised (raw logits, no softmax:
# `--unnormalized` of nnlm-eval and rescore) with the CPU-time speed-up of skipping the softmax
# (goal >= 1.7 for the recipe's shape). Single-threaded by default (NNLM_BENCH_THREADS to change).
# Env: WREN_BUILDDIR (where bench/nnlm-bench was built). Extra arguments go to nnlm-bench.
set -e
B=${WREN_BUILDDIR:-.}/bench/nnlm-bench
[ -x "$B" ] || { echo "nnlm.sh: $B not built (make bench)"; exit 1; }
T=${NNLM_BENCH_THREADS:-1}
echo "# the 5-10M non-embedding target shape (6 x 320, 20k words)"
OPENBLAS_NUM_THREADS=$T nice "$B" --threads "$T" "$@"
echo "# the recipe's shape (6 x 256, 4 heads, FFN 1280, context 64, 20k words): scoring only"
OPENBLAS_NUM_THREADS=$T nice "$B" --threads "$T" --steps 0 --d-model 256 --heads 4 --ffn 1280 \
  --layers 6 --context 64 --vocab 20000 "$@"
