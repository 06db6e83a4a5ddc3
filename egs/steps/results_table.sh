#!/usr/bin/env bash
# results_table.sh — the WER/RTF table of a 16 kHz or digits recipe from its exp dir: for dev and
# test, Wren's first pass (exp/decode_X), its speaker-adapted first pass (exp/decode_fmllr_X, if
# present; both passes' time), 4-gram lattice rescoring (exp/rescore4_X, if present) and
# pocketsphinx_batch (exp/psphx_X), each scored with `wren wer` (steps/score.sh) against
# data/X/text with the 95 % bootstrap interval of each %WER (utterances resampled: a few hundred
# words leave it several points wide), and the rows with the best-path acwt and word penalty tuned
# on dev (hyp_tuned.txt). RTF = wall seconds (incl. model/graph loading) / audio seconds (data/X/duration);
# The single-thread comparison is CPU RTF = CPU seconds of all jobs (user + system, DIR/cpu.txt) /
# audio seconds: Wren's first pass runs as nj jobs, the adapted one as nj workers of whole
# speakers, pocketsphinx_batch as nj processes; where no cpu.txt exists, wall x jobs stands in.
# usage: egs/steps/results_table.sh TITLE EXP_DIR   (run from the recipe folder)
set -euo pipefail
steps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
title=$1; exp=$2
wip() { [ -s "$1/wip" ] && echo " wip $(cat "$1/wip")"; true; }   # the best-path word penalty, if tuned
nce() { [ -s "$1/mbr.nce" ] && awk '{printf " NCE %s", $2}' "$1/mbr.nce"; true; }   # confidences' NCE
printf '# %s\n' "$title"
printf '%-5s %-34s %5s %8s %-16s %-26s %8s %8s %9s\n' set system utts "%WER" "95 % interval" "[err / N, ins, del, sub]" "time s" RTF "CPU RTF"
for x in dev test; do
  [ -s data/$x/text ] || continue
  dur=$(cat data/$x/duration 2>/dev/null || echo 0)
  n=$(wc -l < data/$x/text)
  for sys in decode decode:tuned decode:mbr decode_fmllr decode_fmllr:tuned decode_fmllr:mbr rescore4 rescore4:tuned rescore4:mbr psphx; do
    d=$exp/${sys%:*}_$x; hyp=$d/hyp.txt; sc=$d/score
    [ "$sys" != "${sys%:tuned}" ] && { hyp=$d/hyp_tuned.txt; sc=$d/score_tuned; }
    [ "$sys" != "${sys%:mbr}" ] && { hyp=$d/hyp_mbr.txt; sc=$d/score_mbr; }
    [ -s "$hyp" ] || continue
    case $sys in decode) name="wren first pass";; rescore4) name="wren + 4-gram lattice rescore";; psphx) name="pocketsphinx_batch";;
      decode_fmllr) name="wren fMLLR-adapted first pass";;
      decode_fmllr:tuned) name="wren fMLLR pass, acwt $(cat "$d/acwt")$(wip "$d")*";;
      decode_fmllr:mbr) name="wren fMLLR pass, MBR*$(nce "$d")";;
      decode:tuned) name="wren first pass, acwt $(cat "$d/acwt")$(wip "$d")*";; rescore4:tuned) name="wren + 4-gram, acwt $(cat "$d/acwt")$(wip "$d")*";;
      decode:mbr) name="wren first pass, MBR*$(nce "$d")";; rescore4:mbr) name="wren + 4-gram, MBR*$(nce "$d")";; esac
    w=$("$steps/score.sh" data/$x "$hyp" "$sc")
    pct=$(echo "$w" | sed -n 's/^%WER \([0-9.]*\).*/\1/p'); counts=$(echo "$w" | sed -n 's/^%WER [0-9.]* \(\[.*\]\).*/\1/p')
    ci=$(echo "$w" | sed -n 's/^%WER-CI [0-9.]*% \(\[ [0-9.]*, [0-9.]* \]\).*/\1/p')
    t=$(cat "$d/time.txt"); jobs=1
    [ "${sys%:*}" = decode ] && jobs=$(ls "$d"/log/decode.*.log 2>/dev/null | wc -l)
    [ "${sys%:*}" = decode_fmllr ] && jobs=$(cat "$d/workers" 2>/dev/null || echo 1)
    rtf=$(awk -v t="$t" -v a="$dur" 'BEGIN{ if (a > 0) printf "%.3f", t / a; else print "-" }')
    rtfj=$(awk -v t="$t" -v a="$dur" -v j="$jobs" 'BEGIN{ if (a > 0) printf "%.3f", t * j / a; else print "-" }')
    c=$(cat "$d/cpu.txt" 2>/dev/null || true)
    case $c in [0-9]*) rtfj=$(awk -v c="$c" -v a="$dur" 'BEGIN{ if (a > 0) printf "%.3f", c / a; else print "-" }') ;; esac
    [ "${sys%:*}" = rescore4 ] && { rtf="(+$rtf)"; rtfj="-"; }
    [ "$sys" != "${sys%:mbr}" ] && { t="-"; rtf="-"; rtfj="-"; }
    printf '%-5s %-34s %5s %8s %-16s %-26s %8s %8s %9s\n' "$x" "$name" "$n" "$pct" "${ci:--}" "$counts" "$t" "$rtf" "$rtfj"
  done
done
printf '(audio: dev %s s, test %s s; RTF = wall s / audio s, CPU RTF = CPU s of all jobs / audio s;\n RTF of the rescoring row is extra time on top of the first pass;\n * = best-path acoustic scale (and word penalty, wip) chosen on dev (steps/tune_acwt.sh), the same values applied to test;\n MBR = minimum-Bayes-risk 1-best at those values, NCE = normalised cross-entropy of its word confidences,
 calibrated on dev (so the dev NCE is in-sample))\n' \
  "$(cat data/dev/duration 2>/dev/null || echo -)" "$(cat data/test/duration 2>/dev/null || echo -)"
