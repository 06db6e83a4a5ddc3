#!/usr/bin/env bash
# beam_sweep.sh — the WER/speed trade-off of Wren's first pass on one data dir (use dev): decodes
# with each beam (single job, so the RTF is single-thread, incl. loading) and scores it.
# Prints and writes OUT_DIR/sweep.txt: beam, %WER line, wall seconds, RTF. Not for: picking
# a beam on test data.
# usage: egs/steps/beam_sweep.sh [--opts "other wren decode options"] MODEL GRAPH DATA OUT_DIR "B1 B2 ..."
set -euo pipefail
steps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); top=$(cd "$steps/../.." && pwd)
opts=""
[ "${1:-}" = --opts ] && { opts=$2; shift 2; }
[ $# -eq 5 ] || { echo "usage: $0 [--opts OPTS] MODEL GRAPH DATA OUT_DIR \"B1 B2 ...\"" >&2; exit 1; }
model=$1; graph=$2; data=$3; out=$4; beams=$5
wren=${WREN:-$top/build/wren}
mkdir -p "$out"
dur=$(cat "$data/duration" 2>/dev/null || "$steps/audio_duration.sh" "$data/wav.scp")
printf '%-6s %-48s %8s %7s\n' beam "%WER" "time s" RTF | tee "$out/sweep.txt"
for b in $beams; do
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$wren" decode --model "$model" --graph "$graph" $opts --beam "$b" "$data/wav.scp" "$out/hyp-$b.txt" 2> "$out/decode-$b.log"
  t1=$(date +%s.%N)
  w=$("$wren" wer "$data/text" "$out/hyp-$b.txt" | head -1)
  awk -v b="$b" -v w="$w" -v a="$t0" -v e="$t1" -v d="$dur" 'BEGIN{printf "%-6s %-48s %8.2f %7.3f\n", b, w, e - a, (e - a) / d}' | tee -a "$out/sweep.txt"
done
