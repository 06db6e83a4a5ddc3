#!/bin/bash
# nnlm.sh — NNLM speed: training tokens/s and GFLOP/s as a fraction of the OpenBLAS SGEMM peak
# measured in the same run (goal >= 0.40), and inference tokens/s with the KV cache (word by
# word) and batched (whole sentences). Single-threaded by default (NNLM_BENCH_THREADS to change).
# Env: WREN_BUILDDIR (where bench/nnlm-bench was built). Extra arguments go to nnlm-bench.
set -e
B=${WREN_BUILDDIR:-.}/bench/nnlm-bench
[ -x "$B" ] || { echo "nnlm.sh: $B not built (make bench)"; exit 1; }
T=${NNLM_BENCH_THREADS:-1}
echo "# the 5-10M non-embedding target shape (6 x 320, 20k words)"
OPENBLAS_NUM_THREADS=$T nice "$B" --threads "$T" "$@"
