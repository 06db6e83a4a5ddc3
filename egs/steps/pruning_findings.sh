#!/usr/bin/env bash
# pruning_findings.sh — the paper's three findings tested on one set's pruned-NNLM test WERs
# (pruned_wer.sh outputs), each difference with its matched-pairs significance (`wren wer
# --compare`, per-utterance errors; bootstrap p alongside):
#   (a) data-driven vs magnitude: same method, schedule and size, the two criteria;
#   (b) incremental vs one-shot: same criterion, method and size, the two schedules;
#   (c) low-rank trade-off: at each size, every method's WER and speed-up against low-rank's.
# Each section ends with a count: how often the first system is better, and how often
# significantly (p < 0.05). Not for: choosing anything (it reads test results only to report).
# usage: egs/steps/pruning_findings.sh WER_DIR DATA > findings.txt
#   WER_DIR = a recipe's exp/pruned_wer (table.txt, <model>/<set>/hyp-nbest.txt); DATA its data/test
set -euo pipefail
steps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); top=$(cd "$steps/../.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 WER_DIR DATA" >&2; exit 1; }
wd=$1; data=$2; set_name=$(basename "$data")
wren=${WREN:-$top/build/wren}
table=$wd/table.txt
[ -s "$table" ] || { echo "pruning_findings.sh: no $table" >&2; exit 1; }
hyp() { echo "$wd/$1/$set_name/hyp-nbest.txt"; }
# "wer_a wer_b p_matched p_bootstrap" of model A against model B
cmp() {
  local a b; a=$(hyp "$1"); b=$(hyp "$2")
  [ -s "$a" ] && [ -s "$b" ] || { echo "- - - -"; return; }
  "$wren" wer --compare "$b" "$data/text" "$a" | grep "^WER A " |
    sed -E 's/^WER A ([0-9.]+) B ([0-9.]+); matched-pairs z = [-0-9.e+]+, p = ([0-9.e+-]+|nan); paired bootstrap \([0-9]+ resamples\) p ([<=]) ([0-9.e+-]+).*/\1 \2 \3 \4\5/'
}
field() { awk -v m="$1" -v col="$2" '{ n = $1 "-" $2 "-" $3 "-" $4 } n == m { print $col }' "$table"; }
crits=$(awk 'NR > 1 && $1 != "dense" && $1 != "magnitude" { print $1 }' "$table" | sort -u | head -1)
methods=$(awk 'NR > 1 && $1 != "dense" { print $2 }' "$table" | awk '!s[$0]++')
sizes=$(awk 'NR > 1 && $1 != "dense" { print $4 }' "$table" | awk '!s[$0]++')
summary() { awk '{ n++; if ($1 == "yes") w++; if ($2 == "yes") s++ } END { printf "%d of %d better, %d significantly (p < 0.05)\n", w, n, s }'; }
sig() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { print (a + 0 < b + 0 ? "yes" : "no"), (a + 0 < b + 0 && p != "-" && p + 0 < 0.05 ? "yes" : "no") }'; }

echo "# (a) data-driven ($crits) vs magnitude: test %WER, matched-pairs p (bootstrap p)"
printf '%-12s %-11s %5s %9s %9s %9s %9s %10s %s\n' method schedule size "ppl_mag" "ppl_$crits" "WER_mag" "WER_$crits" "p" "bootstrap"
: > "$wd/.fa"
for m in $methods; do for s in oneshot incremental; do for z in $sizes; do
  A=$crits-$m-$s-$z; B=magnitude-$m-$s-$z
  [ -s "$(hyp "$A")" ] && [ -s "$(hyp "$B")" ] || continue
  read -r wa wb p pb < <(cmp "$A" "$B")
  printf '%-12s %-11s %5s %9s %9s %9s %9s %10s %s\n' "$m" "$s" "$z" "$(field "$B" 6)" "$(field "$A" 6)" "$wb" "$wa" "$p" "$pb"
  sig "$wa" "$wb" "$p" >> "$wd/.fa"
done; done; done
echo "data-driven: $(summary < "$wd/.fa")"
echo
echo "# (b) incremental vs one-shot (same fine-tuning tokens): test %WER, matched-pairs p"
printf '%-10s %-12s %5s %9s %9s %9s %9s %10s %s\n' criterion method size ppl_1shot ppl_incr WER_1shot WER_incr p bootstrap
: > "$wd/.fb"
for c in magnitude $crits; do for m in $methods; do for z in $sizes; do
  A=$c-$m-incremental-$z; B=$c-$m-oneshot-$z
  [ -s "$(hyp "$A")" ] && [ -s "$(hyp "$B")" ] || continue
  read -r wa wb p pb < <(cmp "$A" "$B")
  printf '%-10s %-12s %5s %9s %9s %9s %9s %10s %s\n' "$c" "$m" "$z" "$(field "$B" 6)" "$(field "$A" 6)" "$wb" "$wa" "$p" "$pb"
  sig "$wa" "$wb" "$p" >> "$wd/.fb"
done; done; done
echo "incremental: $(summary < "$wd/.fb")"
echo
echo "# (c) low-rank trade-off (magnitude, one-shot): rel size, speed-up, test %WER; p against low-rank"
printf '%5s %-14s %6s %7s %7s %10s %s\n' size method rel speedup WER p bootstrap
for z in $sizes; do for m in $methods; do
  A=magnitude-$m-oneshot-$z; B=magnitude-lowrank-oneshot-$z
  [ -s "$(hyp "$A")" ] || continue
  if [ "$m" = lowrank ]; then p=-; pb=-; else read -r _ _ p pb < <(cmp "$A" "$B"); fi
  printf '%5s %-14s %6s %7s %7s %10s %s\n' "$z" "$m" "$(field "$A" 5)" "$(field "$A" 7)" "$(field "$A" 8)" "$p" "$pb"
done; done
rm -f "$wd/.fa" "$wd/.fb"
