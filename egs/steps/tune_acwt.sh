#!/usr/bin/env bash
# tune_acwt.sh — pick the acoustic scale of lattice best-path on DEV only (Kaldi's LMWT sweep in
# score.sh): `wren lattice best-path --acwt A` on DEV_DIR/lat.gz for each A, scored with
# `wren wer`; the A with the fewest dev errors is then applied to every other DIR's lattices.
# Writes DIR/hyp_tuned.txt for DEV_DIR and each DIR, DEV_DIR/acwt-sweep.txt, and DIR/acwt (the value).
# usage: egs/steps/tune_acwt.sh GRAPH DEV_DATA DEV_DIR "A1 A2 ..." [DIR ...]
set -euo pipefail
steps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); top=$(cd "$steps/../.." && pwd)
[ $# -ge 4 ] || { echo "usage: $0 GRAPH DEV_DATA DEV_DIR \"A1 A2 ...\" [DIR ...]" >&2; exit 1; }
graph=$1; data=$2; dev=$3; acwts=$4; shift 4
wren=${WREN:-$top/build/wren}
: > "$dev/acwt-sweep.txt"
for a in $acwts; do
  "$wren" lattice best-path --acwt "$a" --words "$graph/words.txt" "$dev/lat.gz" "$dev/hyp_acwt$a.txt" 2> /dev/null
  echo "$a $("$wren" wer "$data/text" "$dev/hyp_acwt$a.txt" | head -1)" >> "$dev/acwt-sweep.txt"
done
best=$(awk '{e = $5; sub(/^\[/, "", e)} NR == 1 || e + 0 < b {b = e + 0; a = $1} END {print a}' "$dev/acwt-sweep.txt")
sed "s/^/acwt /" "$dev/acwt-sweep.txt" >&2
echo "tune_acwt.sh: $dev: best dev acwt $best" >&2
cp "$dev/hyp_acwt$best.txt" "$dev/hyp_tuned.txt"; echo "$best" > "$dev/acwt"
for d in "$@"; do
  "$wren" lattice best-path --acwt "$best" --words "$graph/words.txt" "$d/lat.gz" "$d/hyp_tuned.txt" 2> /dev/null
  echo "$best" > "$d/acwt"
done
