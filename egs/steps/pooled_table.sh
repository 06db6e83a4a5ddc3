#!/usr/bin/env bash
# pooled_table.sh — the per-corpus and pooled table of egs/pooled: for dev and test, each corpus
# (its utterances, from data/<corpus>/<set>/wav.scp) and all of them together, Wren's first pass
# (EXP/decode_<set>) and pocketsphinx_batch (EXP/psphx_<set>) scored with `wren wer --ci 0.95
# --compare`: %WER with its 95 % bootstrap interval, the difference pocketsphinx - Wren with its
# paired interval and p-values (matched pairs, paired bootstrap), and a verdict that says "n.s."
# when p >= 0.05. Then the CPU seconds of both systems per set (user + system of all jobs) and
# their ratio. A system whose hypotheses are missing is left out.
# usage: egs/steps/pooled_table.sh TITLE EXP_DIR CORPUS...   (run from the recipe folder)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
wren=${WREN:-$top/build/wren}
[ $# -ge 3 ] || { echo "usage: $0 TITLE EXP_DIR CORPUS..." >&2; exit 1; }
title=$1; exp=$2; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '# %s\n' "$title"
printf '# %%WER [95%% bootstrap interval]; diff = pocketsphinx - wren (> 0: wren better), paired interval and p (matched pairs / bootstrap)\n'
printf '%-5s %-18s %5s %6s  %-22s  %-22s  %-24s %-17s %s\n' set corpus utts words "wren %WER" "pocketsphinx %WER" "diff [interval]" "p (mp / boot)" verdict
for x in dev test; do
  [ -s "data/$x/text" ] || continue
  a=$exp/decode_$x/hyp.txt; b=$exp/psphx_$x/hyp.txt
  [ -s "$a" ] || continue
  for c in "$@" pooled; do
    if [ "$c" = pooled ]; then cut -d' ' -f1 "data/$x/text" > "$tmp/ids"
    else cut -d' ' -f1 "data/$c/$x/wav.scp" > "$tmp/ids"; fi
    for f in ref:data/$x/text a:$a b:$b; do
      [ -s "${f#*:}" ] || continue
      awk 'NR == FNR {k[$1]; next} $1 in k' "$tmp/ids" "${f#*:}" > "$tmp/${f%%:*}"
    done
    n=$(wc -l < "$tmp/ids")
    if [ -s "$b" ]; then
      "$wren" wer --ci 0.95 --compare "$tmp/b" "$tmp/ref" "$tmp/a" > "$tmp/out"
    else
      "$wren" wer --ci 0.95 "$tmp/ref" "$tmp/a" > "$tmp/out"
    fi
    words=$(sed -n '1s/.*\/ \([0-9]*\),.*/\1/p' "$tmp/out")
    ci=$(grep '^%WER-CI' "$tmp/out" | sed 's/.*\[ \([0-9.]*\), \([0-9.]*\) \].*/\1 \2/')
    wa=$(sed -n '1s/^%WER \([0-9.]*\).*/\1/p' "$tmp/out")
    ia=$(echo "$ci" | sed -n 1p); ib=$(echo "$ci" | sed -n 2p)
    sa=$(printf '%s [%s, %s]' "$wa" ${ia:-- -})
    sb="-"; diff="-"; p="-"; verdict="-"
    if [ -s "$b" ]; then
      wb=$(grep -A1 '^B: ' "$tmp/out" | sed -n 's/^%WER \([0-9.]*\).*/\1/p')
      sb=$(printf '%s [%s, %s]' "$wb" $ib)
      diff=$(sed -n 's/^WER B - A \([-+0-9.]*\), .*\[ \([-+0-9.]*\), \([-+0-9.]*\) \]/\1 [\2, \3]/p' "$tmp/out")
      pm=$(sed -n 's/.*matched-pairs z = [-0-9.inf]*, p = \([^;]*\);.*/\1/p' "$tmp/out")
      pb=$(sed -n 's/.*paired bootstrap ([0-9]* resamples) p [=<] \(.*\)$/\1/p' "$tmp/out")
      p="$pm / $pb"
      verdict=$(awk -v a="$wa" -v b="$wb" -v p="$pm" 'BEGIN {
        if (p + 0 >= 0.05) print "n.s."; else if (a < b) print "wren better"; else print "pocketsphinx better" }')
    fi
    printf '%-5s %-18s %5s %6s  %-22s  %-22s  %-24s %-17s %s\n' "$x" "$c" "$n" "$words" "$sa" "$sb" "$diff" "$p" "$verdict"
  done
done
printf '# CPU seconds (user + system, all jobs, models and graph loading included)\n'
for x in dev test; do
  ca=$(cat "$exp/decode_$x/cpu.txt" 2>/dev/null || echo -); cb=$(cat "$exp/psphx_$x/cpu.txt" 2>/dev/null || echo -)
  [ "$ca" != - ] || [ "$cb" != - ] || continue
  r=$(awk -v a="$ca" -v b="$cb" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }')
  printf '%-5s wren %s  pocketsphinx %s  wren/pocketsphinx %s\n' "$x" "$ca" "$cb" "$r"
done
