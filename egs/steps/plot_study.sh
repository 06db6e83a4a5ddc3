#!/usr/bin/env bash
# plot_study.sh — the pruning study's figures (gnuplot, PNG and SVG) from study_table.sh's tables:
#   wer-vs-size:    test %WER with its 95 % bootstrap interval (error bars) against the total
#                   stored size relative to dense, at the study budget; a panel per criterion, a
#                   line per method x schedule (distilled runs dashed), from-scratch models as
#                   points, the dense NNLM and the 4-gram (no NNLM) as horizontal lines;
#   ppl-vs-size:    dev perplexity (the NNLM's whole dev split) against size, same layout;
#   speed-vs-size:  rescoring speed-up over dense (CPU seconds of the test lattices, one thread);
#   wer-vs-budget:  test %WER (with intervals) against the fine-tuning budget of the run, at the
#                   smallest two sizes: where incremental starts to beat one-shot, if it does.
# Legends sit below the panels, never on the data. Each figure names the command that made it.
# Not for: computing anything.
# usage: egs/steps/plot_study.sh TITLE RESULTS_DIR STUDY_BUDGET [MADE_BY]
#   reads RESULTS_DIR/{study.tsv,study-runs.tsv,references.tsv}; writes RESULTS_DIR/*.{png,svg}
set -euo pipefail
[ $# -eq 3 ] || [ $# -eq 4 ] || { echo "usage: $0 TITLE RESULTS_DIR STUDY_BUDGET [MADE_BY]" >&2; exit 1; }
title=$1; out=$2; budget=$3; made_by=${4:-egs/steps/plot_study.sh}
command -v gnuplot > /dev/null || { echo "plot_study.sh: gnuplot not installed (apt-get install gnuplot-nox)" >&2; exit 1; }
st=$out/study.tsv; runs=$out/study-runs.tsv; refs=$out/references.tsv
for f in "$st" "$runs" "$refs"; do [ -s "$f" ] || { echo "plot_study.sh: no $f (study_table.sh)" >&2; exit 1; }; done
dat=$(mktemp -d); trap 'rm -rf "$dat"' EXIT
ref() { awk -F'\t' -v s="$1" '$1 == s { print $2 }' "$refs"; }
dense_wer=$(ref dense-nnlm); ngram_wer=$(ref 4-gram)
dense_ppl=$(awk -F'\t' '$2 == "dense" { print $8 }' "$st")
# study.tsv with the run's budget in front: budget criterion method schedule tokens distill size bytes ppl wer lo hi words speedup nnlm_weight
paste "$runs" "$st" | cut -f1,3- | awk -F'\t' 'NR > 1' > "$dat/rows"
crits=$(awk -F'\t' '$2 != "-" { print $2 }' "$dat/rows" | awk '!s[$0]++')
# per line (criterion-method-schedule[-kd]) at the study budget: "size wer lo hi ppl speedup"
awk -F'\t' -v d="$dat" -v b="$budget" '$1 == b && $3 != "dense" && $3 != "scratch" {
    k = $2 "-" $3 "-" $4 ($6 == "yes" ? "-kd" : "")
    print $7, $10, $11, $12, $9, $14 > (d "/size-" k ".dat") }' "$dat/rows"
awk -F'\t' -v d="$dat" -v b="$budget" '$1 == b && $3 == "scratch" { print $7, $10, $11, $12, $9 > (d "/scratch.dat") }' "$dat/rows"
# budget sweep, per line and size: "budget wer lo hi" (budget 0 drawn at 2e4 on the log axis)
awk -F'\t' -v d="$dat" '$3 != "dense" && $3 != "scratch" && $6 == "no" {
    print ($1 > 0 ? $1 : 2e4), $10, $11, $12 > (d "/budget-" $7 "-" $2 "-" $3 "-" $4 ".dat") }' "$dat/rows"
for f in "$dat"/*.dat; do [ -e "$f" ] && sort -g -o "$f" "$f"; done

color() { case $1 in unstructured) echo '#1b9e77' ;; structured) echo '#d95f02' ;; lowrank) echo '#7570b3' ;; *) echo '#e7298a' ;; esac; }
style() {   # method schedule [kd] -> line and point style
  local s="lc rgb '$(color "$1")'"
  if [ -n "${3:-}" ]; then s="$s dt 4"; elif [ "$2" = oneshot ]; then s="$s dt 2"; else s="$s dt 1"; fi
  if [ "$2" = oneshot ]; then s="$s pt 6"; elif [ -n "${3:-}" ]; then s="$s pt 9"; else s="$s pt 7"; fi
  echo "$s"
}
lines() {   # prefix criterion using-columns with [methods] -> plot items of every line of the criterion
  local p="" m s k f
  for m in ${5:-unstructured structured lowrank}; do for s in oneshot incremental; do for k in "" -kd; do
    f=$dat/$1-$2-$m-$s$k.dat
    [ -s "$f" ] || continue
    p="$p, '$f' using $3 with $4 $(style "$m" "$s" "$k") title '$m, $s${k:+, distilled}'"
  done; done; done
  echo "${p#, }"
}
plot() {   # name rows cols body xlabel xrange logscale-and-tics
  local t term
  for t in png svg; do
    term="pngcairo size 1400,$((600 * $2)) font ',10'"
    [ $t = svg ] && term="svg size 1400,$((600 * $2)) font 'sans,11'"
    gnuplot <<GP
set terminal $term
set output '$out/$1.$t.tmp'
set grid; set key outside below horizontal maxrows 4 noenhanced; set xlabel '$5'
set xrange $6
$7
set label 1001 "made by: $made_by" at screen 0.005, 0.985 font ',8' tc rgb 'gray40' noenhanced
set multiplot layout $2,$3 title "$title" noenhanced
$4
unset multiplot
GP
    mv "$out/$1.$t.tmp" "$out/$1.$t"
  done
}
size_axis="set logscale x; set xtics (0.1, 0.25, 0.5, 1)"
xsize='NNLM stored parameters relative to dense (total, embedding included)'
ncrit=$(echo "$crits" | wc -w)
refl="$dense_wer with lines lc rgb 'black' title 'dense NNLM'"
[ -n "$ngram_wer" ] && refl="$refl, $ngram_wer with lines lc rgb 'gray40' dt 3 title '4-gram, no NNLM'"
size_panels() {   # ylabel using style scratch-using scratch-style references [settings]: a panel per criterion
  local c b="" scr=""
  [ -s "$dat/scratch.dat" ] && scr=", '$dat/scratch.dat' using $4 with $5 lc rgb 'black' pt 5 title 'trained from scratch, same budget'"
  for c in $crits; do b="$b set title '$c'; set ylabel '$1'; ${7:-} plot $(lines size "$c" "$2" "$3")$scr, $6;"; done
  echo "$b"
}
plot wer-vs-size 1 "$ncrit" "$(size_panels 'test %WER, 95 % interval' 1:2:3:4 yerrorlines 1:2:3:4 yerrorbars "$refl")" \
  "$xsize" '[0.08:1.1]' "$size_axis"
plot ppl-vs-size 1 "$ncrit" "$(size_panels 'dev perplexity' 1:5 linespoints 1:5 points \
  "$dense_ppl with lines lc rgb 'black' title 'dense NNLM'" 'set logscale y;')" "$xsize" '[0.08:1.1]' "$size_axis"
c1=$(echo "$crits" | head -1)
plot speed-vs-size 1 1 "set title '$c1'; set ylabel 'rescoring speed-up over dense (CPU s, 1 thread)'; plot $(lines size "$c1" 1:6 linespoints), 1 with lines lc rgb 'black' title 'dense';" \
  "$xsize" '[0.08:1.1]' "$size_axis"
zs=$(awk -F'\t' '$3 != "dense" && $3 != "scratch" { print $7 }' "$dat/rows" | sort -gu | head -2)
body=""; n=0
for z in $zs; do for c in $crits; do
  items=$(lines "budget-$z" "$c" 1:2:3:4 yerrorlines "structured lowrank")
  [ -n "$items" ] || continue
  body="$body set title '$c, size $z'; set ylabel 'test %WER, 95 % interval'; plot $items, $refl;"; n=$((n + 1))
done; done
if [ "$n" -gt 0 ]; then
  plot wer-vs-budget "$(( (n + 1) / 2 ))" 2 "$body" 'fine-tuning tokens of the run' '[1.5e4:4e6]' \
    "set logscale x; set xtics ('0' 2e4, '60k' 6e4, '300k' 3e5, '1M' 1e6, '3M' 3e6)"
fi
ls "$out"/*.png
