#!/usr/bin/env bash
# tune_acwt.sh — pick the acoustic scale and the word insertion penalty of lattice best-path on
# DEV only (Kaldi's LMWT x word_ins_penalty sweep in score.sh): `wren lattice best-path --acwt A
# --word-penalty P` on DEV_DIR/lat.gz for each A and P, scored with `wren wer`; the (A, P) with
# the fewest dev errors (ties: the first in sweep order) is then applied to every other DIR's
# lattices. P is added on top of the penalty the first pass already put in the lattice's graph
# costs (`wren decode --word-penalty`), so P = 0 is the decoder's own operating point.
# Writes DIR/hyp_tuned.txt for DEV_DIR and each DIR, DEV_DIR/acwt-sweep.txt ("A P %WER ..."
# lines), and DIR/acwt, DIR/wip (the values); with the same values, the minimum-Bayes-risk 1-best
# (`wren lattice mbr`) of DEV_DIR and each DIR: hyp_mbr.txt, mbr.ctm (6th column: the word's
# posterior, calibrated by a logistic fit on dev: DEV_DIR/conf-calib) and mbr.nce (the
# confidences' normalised cross-entropy against the DIR's reference when DIR is a decode of a
# recipe data dir data/<set>: decode_<set> or rescore4_<set>; in-sample for DEV_DIR).
# usage: egs/steps/tune_acwt.sh [--wips "P1 P2 ..."] GRAPH DEV_DATA DEV_DIR "A1 A2 ..." [DIR ...]
#   The penalties default to $wip_sweep from the environment, else 0.
set -euo pipefail
wips=${wip_sweep:-0}
. "$(dirname "$0")/parse_options.sh"
[ $# -ge 4 ] || { echo "usage: $0 [--wips \"P1 P2 ...\"] GRAPH DEV_DATA DEV_DIR \"A1 A2 ...\" [DIR ...]" >&2; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
graph=$1; data=$2; dev=$3; acwts=$4; shift 4
wren=${WREN:-$top/build/wren}
tag() { if [ "$2" = 0 ]; then echo "acwt$1"; else echo "acwt$1-wip$2"; fi; }
: > "$dev/acwt-sweep.txt"
for a in $acwts; do
  for p in $wips; do
    h=$dev/hyp_$(tag "$a" "$p").txt
    "$wren" lattice best-path --acwt "$a" --word-penalty "$p" --words "$graph/words.txt" "$dev/lat.gz" "$h" 2> /dev/null
    echo "$a $p $("$wren" wer "$data/text" "$h" | head -1)" >> "$dev/acwt-sweep.txt"
  done
done
read -r best bestp < <(awk '{e = $6; sub(/^\[/, "", e)} NR == 1 || e + 0 < b {b = e + 0; a = $1; p = $2} END {print a, p}' "$dev/acwt-sweep.txt")
sed "s/^/acwt wip /" "$dev/acwt-sweep.txt" >&2
echo "tune_acwt.sh: $dev: best dev acwt $best, word penalty $bestp" >&2
cp "$dev/hyp_$(tag "$best" "$bestp").txt" "$dev/hyp_tuned.txt"; echo "$best" > "$dev/acwt"; echo "$bestp" > "$dev/wip"
for d in "$@"; do
  "$wren" lattice best-path --acwt "$best" --word-penalty "$bestp" --words "$graph/words.txt" "$d/lat.gz" "$d/hyp_tuned.txt" 2> /dev/null
  echo "$best" > "$d/acwt"; echo "$bestp" > "$d/wip"
done
# MBR at the tuned operating point, its confidences calibrated on dev (logistic fit, DEV_DIR/conf-calib;
# the dev NCE is in-sample) and the calibration applied to each DIR; the reference of a DIR
# exp/<x>_<set> is data/<set>/text
"$wren" lattice mbr --acwt "$best" --word-penalty "$bestp" --words "$graph/words.txt" --ref "$data/text" \
  --fit-calibration "$dev/conf-calib" "$dev/lat.gz" "$dev/hyp_mbr.txt" "$dev/mbr.ctm" > "$dev/mbr.nce" 2> /dev/null
for d in "$@"; do
  set_name=${d##*_}; ref=$(dirname "$data")/$set_name/text
  refopt=(); [ -s "$ref" ] && refopt=(--ref "$ref")
  "$wren" lattice mbr --acwt "$best" --word-penalty "$bestp" --words "$graph/words.txt" "${refopt[@]}" \
    --calibration "$dev/conf-calib" "$d/lat.gz" "$d/hyp_mbr.txt" "$d/mbr.ctm" > "$d/mbr.nce" 2> /dev/null
done
