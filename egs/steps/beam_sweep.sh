#!/usr/bin/env bash
# beam_sweep.sh — the WER/speed trade-off of Wren's speaker-independent first pass (--adapt none,
# unless --opts says otherwise) on one data dir (use dev): decodes with each beam (single job, so
# the RTF is single-thread, incl. loading) and scores it.
# Prints and writes OUT_DIR/sweep.txt: beam, %WER line, wall seconds, RTF, CPU (user + system)
# seconds and CPU RTF — the CPU figures are the ones that hold on a loaded machine. With
# --psphx DIR (a pocketsphinx_baseline.sh output dir of the same data) its row is appended (its wall
# time that of its --nj parts side by side: compare the CPU columns).
# Not for: picking a beam on test data.
# usage: egs/steps/beam_sweep.sh [--opts "other wren decode options"] [--psphx DIR] MODEL GRAPH DATA OUT_DIR "B1 B2 ..."
set -euo pipefail
opts=""
psphx=""
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 5 ] || { echo "usage: $0 [--opts OPTS] [--psphx DIR] MODEL GRAPH DATA OUT_DIR \"B1 B2 ...\"" >&2; exit 1; }
steps=$(cd "$(dirname "$0")" && pwd); top=$(cd "$steps/../.." && pwd)
model=$1; graph=$2; data=$3; out=$4; beams=$5
wren=${WREN:-$top/build/wren}
mkdir -p "$out"
dur=$(cat "$data/duration" 2>/dev/null || "$steps/audio_duration.sh" "$data/wav.scp")
printf '%-6s %-48s %8s %7s %7s %7s\n' beam "%WER" "time s" RTF "CPU s" "CPU RTF" | tee "$out/sweep.txt"
row() {   # label wer wall cpu
  awk -v b="$1" -v w="$2" -v t="$3" -v c="$4" -v d="$dur" \
    'BEGIN{printf "%-6s %-48s %8.2f %7.3f %7.2f %7.3f\n", b, w, t, t / d, c, c / d}' | tee -a "$out/sweep.txt"
}
for b in $beams; do
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  /usr/bin/time -o "$out/cpu-$b.txt" -f "%U %S" \
    "$wren" decode --model "$model" --graph "$graph" --nj 1 --adapt none $opts --beam "$b" "$data/wav.scp" "$out/hyp-$b.txt" 2> "$out/decode-$b.log"
  t1=$(date +%s.%N)
  w=$("$wren" wer "$data/text" "$out/hyp-$b.txt" | head -1)
  row "$b" "$w" "$(awk -v a="$t0" -v e="$t1" 'BEGIN{print e - a}')" "$(awk '{print $1 + $2}' "$out/cpu-$b.txt")"
done
if [ -n "$psphx" ]; then   # pocketsphinx_batch on the same data (its defaults)
  w=$("$wren" wer "$data/text" "$psphx/hyp.txt" | head -1)
  row psphx "$w" "$(cat "$psphx/time.txt")" "$(cat "$psphx/cpu.txt" 2>/dev/null || echo nan)"
fi
