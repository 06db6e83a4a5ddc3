#!/usr/bin/env bash
# pooled_compare.sh — systems side by side per corpus and pooled (egs/pooled): for each set and
# each corpus (its utterances, from data/<corpus>/<set>/wav.scp) and all of them together, every
# system's %WER with its 95 % bootstrap interval (`wren wer --ci 0.95`), then the listed pairs:
# the difference with its paired interval and p-values (`wren wer --compare`: matched pairs,
# paired bootstrap) and a verdict that says "n.s." when p >= 0.05. A system whose hypotheses are
# missing for a set is left out of that set.
# usage: egs/steps/pooled_compare.sh [--sets "dev test"] [--pairs "B:A ..."] TITLE "CORPUS..." NAME=HYP...
#   HYP is a path in which {set} stands for the set (exp/decode_{set}/hyp.txt); --pairs compares
#   system B with system A (names; default: each system with the one before it). Run from the
#   recipe folder (reads data/<set>/text and data/<corpus>/<set>/wav.scp).
set -euo pipefail
sets="dev test"
pairs=""
. "$(dirname "$0")/parse_options.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
wren=${WREN:-$top/build/wren}
[ $# -ge 3 ] || { echo "usage: $0 [--sets \"dev test\"] [--pairs \"B:A ...\"] TITLE \"CORPUS...\" NAME=HYP..." >&2; exit 1; }
title=$1; corpora=$2; shift 2
names=(); pats=()
for s in "$@"; do
  case $s in *=*) ;; *) echo "$0: '$s' is not NAME=HYP" >&2; exit 1 ;; esac
  names+=("${s%%=*}"); pats+=("${s#*=}")
done
if [ -z "$pairs" ]; then
  for ((i = 1; i < ${#names[@]}; i++)); do pairs="$pairs ${names[i]}:${names[i - 1]}"; done
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
hyp_of() { local i; for i in "${!names[@]}"; do [ "${names[i]}" = "$1" ] && { echo "${pats[i]//\{set\}/$2}"; return; }; done
           echo "$0: --pairs names unknown system '$1'" >&2; exit 1; }
printf '# %s\n' "$title"
printf '# %%WER [95%% bootstrap interval]; pairs: diff = WER(A) - WER(B) (> 0: B better), paired 95%% interval, p (matched pairs / bootstrap)\n'
for x in $sets; do
  [ -s "data/$x/text" ] || continue
  for c in $corpora pooled; do
    if [ "$c" = pooled ]; then cut -d' ' -f1 "data/$x/text" > "$tmp/ids"
    else cut -d' ' -f1 "data/$c/$x/wav.scp" > "$tmp/ids"; fi
    sub() { awk 'NR == FNR { k[$1]; next } $1 in k' "$tmp/ids" "$1" > "$2"; }
    sub "data/$x/text" "$tmp/ref"
    line=$(printf '%-5s %-18s %5s' "$x" "$c" "$(wc -l < "$tmp/ids")")
    for i in "${!names[@]}"; do
      h=${pats[i]//\{set\}/$x}
      [ -s "$h" ] || continue
      sub "$h" "$tmp/h.$i"
      "$wren" wer --ci 0.95 "$tmp/ref" "$tmp/h.$i" > "$tmp/out"
      w=$(sed -n '1s/^%WER \([0-9.]*\).*/\1/p' "$tmp/out")
      words=$(sed -n '1s/.*\/ \([0-9]*\),.*/\1/p' "$tmp/out")
      ci=$(sed -n 's/^%WER-CI.*\[ \([0-9.]*\), \([0-9.]*\) \].*/\1, \2/p' "$tmp/out")
      line="$line  ${names[i]} $w [$ci]"
    done
    printf '%s  (%s words)\n' "$line" "${words:-?}"
    for p in $pairs; do
      b=$(hyp_of "${p%%:*}" "$x"); a=$(hyp_of "${p#*:}" "$x")
      [ -s "$a" ] && [ -s "$b" ] || continue
      sub "$a" "$tmp/a"; sub "$b" "$tmp/b"
      # wren wer --compare B REF A prints "WER B - A": here A is the pair's second name
      "$wren" wer --ci 0.95 --compare "$tmp/a" "$tmp/ref" "$tmp/b" > "$tmp/out"
      diff=$(sed -n 's/^WER B - A \([-+0-9.]*\), .*\[ \([-+0-9.]*\), \([-+0-9.]*\) \]/\1 [\2, \3]/p' "$tmp/out")
      pm=$(sed -n 's/.*matched-pairs z = [-0-9.inf]*, p = \([^;]*\);.*/\1/p' "$tmp/out")
      pb=$(sed -n 's/.*paired bootstrap ([0-9]* resamples) p [=<] \(.*\)$/\1/p' "$tmp/out")
      verdict=$(awk -v d="${diff%% *}" -v p="$pm" 'BEGIN {
        if (p == "nan" || p + 0 >= 0.05) print "n.s."; else if (d + 0 > 0) print "B better"; else print "A better" }')
      printf '      %-40s %-24s p %s / %s  %s\n' "B ${p%%:*} vs A ${p#*:}" "$diff" "$pm" "$pb" "$verdict"
    done
  done
done
