#!/usr/bin/env bash
# study_table.sh — the pruning study's result tables, from what prune_nnlm.sh and pruned_wer.sh left
# in a recipe's exp/ (every budget folder exp/prune/ft<N>, its WERs in exp/<wers>/ft<N>):
#   OUT/study.tsv       one row per model: criterion method schedule finetune_tokens distill
#                       size_total bytes dev_ppl test_wer ci_low ci_high test_words speedup nnlm_weight
#                       (size_total: stored parameters / the dense model's; dev_ppl on the NNLM's
#                       whole dev split; test_wer with its 95 % bootstrap interval, `wren wer --ci`;
#                       speedup: the dense model's CPU seconds of rescoring the test lattices over
#                       this model's, one thread, from the rescoring logs; nnlm_weight: the NNLM's
#                       share lambda the model rescored with, from its tuned.txt (with per-model
#                       weights a small model can get 0: the NNLM was not run, so its speedup is
#                       '-'); '-' where a column does not apply; dense and from-scratch models included)
#   OUT/findings.tsv    finding pair effect p p_holm: each pair's test %WER difference (positive:
#                       the first-named system of the pair is better), its matched-pairs p (`wren
#                       wer --compare`), and p corrected by Holm's step-down method over the pairs
#                       of the same finding. Findings: a (data-driven vs magnitude), b
#                       (incremental vs one-shot; b at the study budget, b@N at budget N), c
#                       (low-rank vs the other methods), d (distillation vs plain fine-tuning),
#                       e (pruned vs trained from scratch at the same size and budget)
#   OUT/references.tsv  the reference systems' test %WER and intervals (first pass, 4-gram
#                       rescoring, dense NNLM rescoring)
#   OUT/study-runs.tsv  line by line with study.tsv: the budget folder (the run's fine-tuning
#                       budget) and the model's name, for the plots
# Not for: choosing anything (it reads test results only to report them).
# usage: egs/steps/study_table.sh [--mode lattice|nbest] [--first DIR_PREFIX] [--wers NAME] EXP STUDY_BUDGET DATA OUT
#   --first: the rescored first pass, EXP/<first>_<set> (decode, or decode_fmllr: speaker-adapted)
#   --wers: the folder of EXP with pruned_wer.sh's outputs (default pruned_wer: every model with
#           the dense model's weights; pruned_wer_tuned: each with its own, tuned on dev)
set -euo pipefail
mode=lattice
first=decode
wers=pruned_wer
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 4 ] || { echo "usage: $0 [--mode lattice|nbest] [--first DIR_PREFIX] [--wers NAME] EXP STUDY_BUDGET DATA OUT" >&2; exit 1; }
steps=$(cd "$(dirname "$0")" && pwd); top=$(cd "$steps/../.." && pwd)
exp=$1; budget=$2; data=$3; out=$4
wren=${WREN:-$top/build/wren}
set_name=$(basename "$data")
[ -s "$exp/prune/ft$budget/table.txt" ] || { echo "$0: no $exp/prune/ft$budget/table.txt (stage 10)" >&2; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

hyp_of() {   # budget model -> hypothesis file ('dense' is the dense model's own rescoring)
  if [ "$2" = dense ]; then echo "$exp/nnlm_rescore/$set_name/hyp-$mode.txt"
  else echo "$exp/$wers/ft$1/$2/$set_name/hyp-$mode.txt"; fi
}
cpu_of() {   # budget model -> CPU seconds of the rescoring (wren rescore's last log line); the
  # dense model's from its rescoring in the same pruned_wer.sh run as the pruned models when
  # there is one (same binary, same load), else stage 8's
  local h; h=$(hyp_of "$1" "$2")
  local same=$exp/$wers/ft$1/$2/$set_name/log-$mode
  [ "$2" = dense ] && [ ! -L "$exp/$wers/ft$1/dense" ] && [ -s "$same" ] && h=$same
  sed -n 's/.* cpu \([0-9.]*\) s.*/\1/p' "$(dirname "$h")/log-$mode" 2>/dev/null | tail -1
}
weight_of() {   # hyp -> the lambda of the weights it was rescored with (OUT/<model>/tuned.txt)
  sed -n 's/^lambda=\([^ ]*\).*/\1/p' "$(dirname "$(dirname "$1")")/tuned.txt" 2>/dev/null | head -1
}
wer_ci() {   # hyp -> "wer lo hi words" or "- - - -"
  [ -s "$1" ] || { echo "- - - -"; return; }
  "$wren" wer --ci 0.95 "$data/text" "$1" | awk '
    /^%WER / { w = $2; n = $6 } /^%WER-CI/ { lo = $4; hi = $5 }
    END { gsub(/,/, "", lo); gsub(/,/, "", n); if (w == "") print "- - - -"; else print w, lo, hi, n }'
}
dense_cpu=$(cpu_of "$budget" dense)

# one line per model: budget crit label sched size rel bytes ppl (from each budget's table)
for t in "$exp"/prune/ft*/table.txt; do
  b=$(basename "$(dirname "$t")"); b=${b#ft}
  awk -v b="$b" '!/^#/ && $1 != "criterion" { print b, $1, $2, $3, $4, $6, $7, $9 }' "$t"
done | sort -k1,1n -k2,2 -k3,3 -k4,4 -k5,5gr > "$tmp/models"

tokens_of() {   # budget crit label sched size -> fine-tuning tokens of that model
  local d=$exp/prune/ft$1
  local rep=$d/logs/$2-$3-$4.done
  # from scratch: trained on the one-shot budget of its size (scratch_nnlm.sh)
  [ "$2" = scratch ] && rep=$(ls "$d"/logs/magnitude-*-oneshot.done 2>/dev/null | head -1)
  awk -v z="$5" '$1 == "size" && $2 == z { for (i = 1; i < NF; i++) if ($i == "finetune_tokens") print $(i + 1) }' \
    "$rep" 2>/dev/null | head -1
}

{
  printf 'criterion\tmethod\tschedule\tfinetune_tokens\tdistill\tsize_total\tbytes\tdev_ppl\ttest_wer\tci_low\tci_high\ttest_words\tspeedup\tnnlm_weight\n'
  dense_done=0
  while read -r b c label s z rel bytes ppl; do
    if [ "$c" = dense ]; then
      [ "$dense_done" = 0 ] || continue
      dense_done=1; name=dense; crit=-; meth=dense; sched=-; tok=-; kd=-
    elif [ "$c" = scratch ]; then
      name=$c-$label-$s-$z; crit=-; meth=scratch; sched=-; tok=$(tokens_of "$b" "$c" "$label" "$s" "$z"); kd=no
    else
      name=$c-$label-$s-$z; crit=$c; meth=${label%+kd}; sched=$s; tok=$(tokens_of "$b" "$c" "$label" "$s" "$z")
      case $label in *+kd) kd=yes ;; *) kd=no ;; esac
    fi
    h=$(hyp_of "$b" "$name")
    read -r w lo hi n < <(wer_ci "$h")
    cpu=$(cpu_of "$b" "$name")
    [ "$name" = dense ] && cpu=$dense_cpu   # the reference itself, whichever budget's table listed it first
    lw=$(weight_of "$h")
    # at lambda 0 the rescoring never ran the NNLM: its CPU time says nothing of the model's speed
    sp=$(awk -v d="$dense_cpu" -v c="$cpu" -v l="${lw:--}" 'BEGIN { if (d > 0 && c > 0 && !(l != "-" && l + 0 == 0)) printf "%.2f", d / c; else print "-" }')
    printf '%s\t%s\t%s\t%s\t%s\t%.4f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$crit" "$meth" "$sched" "${tok:--}" "$kd" \
      "$rel" "$bytes" "$ppl" "$w" "$lo" "$hi" "$n" "$sp" "${lw:--}"
    printf '%s %s\n' "$b:$name" "$h" >> "$tmp/hyps"
    printf '%s\t%s\n' "$b" "$name" >> "$tmp/runs"
  done < "$tmp/models"
} > "$out/study.tsv.tmp"
{ printf 'budget\tmodel\n'; cat "$tmp/runs"; } > "$out/study-runs.tsv.tmp"
mv "$out/study-runs.tsv.tmp" "$out/study-runs.tsv"
mv "$out/study.tsv.tmp" "$out/study.tsv"

# references
{
  printf 'system\ttest_wer\tci_low\tci_high\ttest_words\n'
  for r in "first-pass $exp/${first}_$set_name/hyp.txt" "4-gram $exp/rescore4_$set_name/hyp.txt" \
           "dense-nnlm $(hyp_of "$budget" dense)"; do
    set -- $r
    read -r w lo hi n < <(wer_ci "$2")
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$w" "$lo" "$hi" "$n"
  done
} > "$out/references.tsv.tmp"
mv "$out/references.tsv.tmp" "$out/references.tsv"

# findings: pairs "finding label hypA hypB" (A: the system the finding favours)
hyp() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/hyps"; }
dd=$(awk '$1 != "magnitude" && $1 != "-" && $1 != "criterion" { print $1 }' "$out/study.tsv" | sort -u | head -1)
: > "$tmp/pairs"
pair() {   # finding label keyA keyB
  local a b; a=$(hyp "$3"); b=$(hyp "$4")
  [ -n "$a" ] && [ -n "$b" ] && [ -s "$a" ] && [ -s "$b" ] && echo "$1 $2 $a $b" >> "$tmp/pairs"
  return 0
}
zs() { awk -v b="$1" '$1 == b && $2 != "dense" && $2 != "scratch" { print $5 }' "$tmp/models" | sort -gru; }
for b in $(awk '{ print $1 }' "$tmp/models" | sort -nu); do
  f=b; [ "$b" = "$budget" ] || f=b@$b
  for z in $(zs "$b"); do
    for m in unstructured structured lowrank; do
      for c in magnitude $dd; do
        pair "$f" "ft$b:$c:$m:$z:incremental-vs-oneshot" "$b:$c-$m-incremental-$z" "$b:$c-$m-oneshot-$z"
      done
      [ "$b" = "$budget" ] || continue
      for s in oneshot incremental; do
        pair a "ft$b:$m:$s:$z:$dd-vs-magnitude" "$b:$dd-$m-$s-$z" "$b:magnitude-$m-$s-$z"
        for c in magnitude $dd; do
          [ "$m" = lowrank ] || pair c "ft$b:$c:$s:$z:lowrank-vs-$m" "$b:$c-lowrank-$s-$z" "$b:$c-$m-$s-$z"
        done
      done
      pair d "ft$b:magnitude:$m:incremental:$z:distill-vs-plain" "$b:magnitude-$m+kd-incremental-$z" "$b:magnitude-$m-incremental-$z"
      pair e "ft$b:magnitude:$m:incremental:$z:pruned-vs-scratch" "$b:magnitude-$m-incremental-$z" "$b:scratch-dense-samebudget-$z"
    done
  done
done
while read -r f label a b; do
  # wren wer --compare B REF A: "WER A x B y; matched-pairs z = Z, p = P; ..."
  "$wren" wer --compare "$b" "$data/text" "$a" | awk -v f="$f" -v l="$label" '
    /^WER A / { wa = $3; wb = $5; sub(/;$/, "", wb); for (i = 1; i <= NF; i++) if ($i == "p" && $(i + 1) == "=") p = $(i + 2)
                sub(/;$/, "", p); printf "%s %s %.2f %s\n", f, l, wb - wa, p }'
done < "$tmp/pairs" > "$tmp/found"
# Holm within each finding: sorted by p, p_holm(i) = max over j <= i of min(1, (m - j + 1) p(j))
{
  printf 'finding\tpair\teffect\tp\tp_holm\n'
  sort -k1,1 -k4,4g "$tmp/found" | awk '
    { f[NR] = $1; l[NR] = $2; e[NR] = $3; p[NR] = $4; m[$1]++ }
    END { for (i = 1; i <= NR; i++) {
            if (f[i] != cur) { cur = f[i]; j = 0; run = 0 }
            j++; q = (m[f[i]] - j + 1) * p[i]; if (q > 1) q = 1; if (q < run) q = run; run = q
            printf "%s\t%s\t%+.2f\t%.4g\t%.4g\n", f[i], l[i], e[i], p[i], q } }'
} > "$out/findings.tsv.tmp"
mv "$out/findings.tsv.tmp" "$out/findings.tsv"
echo "study_table.sh: $(($(wc -l < "$out/study.tsv") - 1)) models, $(($(wc -l < "$out/findings.tsv") - 1)) pairs -> $out" >&2
