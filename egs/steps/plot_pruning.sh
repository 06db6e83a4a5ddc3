#!/usr/bin/env bash
# plot_pruning.sh — the recipe plots of the pruning study (gnuplot, PNG and SVG):
#   wer-vs-size: test %WER against the NNLM's relative stored size, one panel per criterion
#     (magnitude | the chosen data-driven one), a line per method x schedule, dense and
#     first-pass (4-gram) WER as references;
#   speed-vs-size: NNLM scoring speed-up against relative size, a line per method x schedule;
#   wer-vs-speedup: test %WER against the NNLM scoring speed-up, one panel per criterion;
#   ppl-vs-size: dev perplexity against relative size, a panel per criterion.
# Not for: computing anything (it reads the tables of prune_nnlm.sh and pruned_wer.sh).
# Each figure names, at its foot, the command that made it (MADE_BY, default this script).
# usage: egs/steps/plot_pruning.sh TITLE PRUNE_TABLE WER_TABLE BASELINE_WER OUT_DIR [MADE_BY]
set -euo pipefail
[ $# -eq 5 ] || [ $# -eq 6 ] || { echo "usage: $0 TITLE PRUNE_TABLE WER_TABLE BASELINE_WER OUT_DIR [MADE_BY]" >&2; exit 1; }
title=$1; pt=$2; wt=$3; base=$4; out=$5
made_by=${6:-egs/steps/plot_pruning.sh $title}
command -v gnuplot > /dev/null || { echo "plot_pruning.sh: gnuplot not installed (apt-get install gnuplot-nox)" >&2; exit 1; }
mkdir -p "$out/dat"
methods="unstructured structured structured+emb lowrank lowrank+emb"; schedules="oneshot incremental"
# per (criterion, method, schedule): rel size, value — sorted by size
split() {   # table column-of-value prefix
  awk -v col="$2" -v pre="$3" '!/^#/ && $1 != "criterion" && $1 != "dense" {
      f = pre "/" $1 "-" $2 "-" $3 ".dat"; print $5, $col > f }' "$1"
  for f in "$3"/*.dat; do sort -g -o "$f" "$f"; done
}
rm -rf "$out/dat"; mkdir -p "$out/dat/wer" "$out/dat/ppl" "$out/dat/speed" "$out/dat/wersp"
split "$wt" 8 "$out/dat/wer"
awk '!/^#/ && $1 != "criterion" && $1 != "dense" {
      f = pre "/" $1 "-" $2 "-" $3 ".dat"; print $7, $8 > f }' pre="$out/dat/wersp" "$wt"
awk '!/^#/ && $1 != "criterion" && $1 != "dense" {
      f = pre "/" $1 "-" $2 "-" $3 ".dat"; print $6, $9 > f }' pre="$out/dat/ppl" "$pt"
awk '!/^#/ && $1 != "criterion" && $1 != "dense" {
      f = pre "/" $1 "-" $2 "-" $3 ".dat"; print $6, $11 > f }' pre="$out/dat/speed" "$pt"
for f in "$out"/dat/*/*.dat; do sort -g -o "$f" "$f"; done
dense_wer=$(awk '$1 == "dense" { print $8 }' "$wt")
dense_ppl=$(awk '$1 == "dense" { print $9 }' "$pt")
wer_crits=$(awk '$1 != "criterion" && $1 != "dense" { print $1 }' "$wt" | awk '!s[$0]++' | tr '\n' ' ')
ppl_crits=$(awk '!/^#/ && $1 != "criterion" && $1 != "dense" && $1 != "scratch" { print $1 }' "$pt" | awk '!s[$0]++' | tr '\n' ' ')
style() {   # method schedule -> gnuplot style
  local c; case $1 in unstructured) c='#1b9e77' ;; structured) c='#d95f02' ;; structured+emb) c='#a6761d' ;;
    lowrank) c='#7570b3' ;; *) c='#e7298a' ;; esac
  if [ "$2" = oneshot ]; then echo "lc rgb '$c' dt 2 pt 6"; else echo "lc rgb '$c' dt 1 pt 7"; fi
}
panel() {   # dir criterion ylabel extra-plot-items (references, may be empty)
  local p="" sep=""
  for m in $methods; do for s in $schedules; do
    local f=$1/$2-$m-$s.dat
    [ -s "$f" ] && { p="$p$sep'$f' using 1:2 with linespoints $(style $m $s) title '$m, $s'"; sep=", "; }
  done; done
  [ -n "$4" ] && p="$p$sep$4"
  echo "set title '$2'; set ylabel '$3'; plot $p"
}
plot() {   # name rows cols body [xlabel xrange]
  local xl=${5:-NNLM stored parameters relative to dense} xr=${6:-[*:1.02]}
  for t in png svg; do
    local term="pngcairo size 1400,$((520 * $2)) font ',10'"
    [ $t = svg ] && term="svg size 1400,$((520 * $2)) font 'sans,11'"
    gnuplot <<GP
set terminal $term
set output '$out/$1.$t'
set grid; set key top right; set xlabel '$xl'
set xrange $xr
set label 1001 "made by: $made_by" at screen 0.005, 0.975 font ',8' tc rgb 'gray40' noenhanced
set multiplot layout $2,$3 title "$title"
$4
unset multiplot
GP
  done
}
refs="$dense_wer with lines lc rgb 'black' title 'dense NNLM'"
[ -n "$base" ] && refs="$refs, $base with lines lc rgb 'gray' dt 3 title 'without NNLM (4-gram lattice rescoring)'"
wer_panels() {   # data dir: one test-WER panel per criterion
  local b="" c
  for c in $wer_crits; do b="$b$(panel "$1" "$c" 'test %WER (NNLM n-best rescoring)' "$refs"); "; done
  echo "$b"
}
ncrit=$(echo $wer_crits | wc -w)
plot wer-vs-size 1 "$ncrit" "$(wer_panels "$out/dat/wer")"
body=""
for c in $ppl_crits; do body="$body$(panel "$out/dat/ppl" "$c" 'dev perplexity' "$dense_ppl with lines lc rgb 'black' title 'dense NNLM'"); "; done
plot ppl-vs-size 2 2 "$body"
body="$(panel "$out/dat/speed" "$(echo $ppl_crits | cut -d' ' -f1)" 'scoring speed-up over dense (1 thread)' "1 with lines lc rgb 'black' title 'dense'")"
plot speed-vs-size 1 1 "$body"
plot wer-vs-speedup 1 "$ncrit" "$(wer_panels "$out/dat/wersp")" 'NNLM scoring speed-up over dense (1 thread)' '[0.9:*]'
ls "$out"/*.png "$out"/*.svg
