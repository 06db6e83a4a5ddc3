#!/bin/bash
# study-table.sh — egs/steps/study_table.sh and plot_study.sh on a pruning study's outputs laid
# out as prune_nnlm.sh and pruned_wer.sh leave them, with real transcripts (arctic-fraser) as
# references and hypotheses made by seeded substitutions at chosen error rates: study.tsv has the
# interface's header and one row per model (dense and from-scratch included), each WER and its
# interval as `wren wer --ci` gives them, fine-tuning tokens from the prune reports, speed-up
# from the rescoring logs' CPU seconds, and none for a model rescored at NNLM weight 0 (the NNLM
# did not run), whose weight is shown; findings.tsv pairs the right models, its effects are the
# WER differences, a large difference is significant and a null one is not, and the Holm
# correction is the step-down one. Skips (77) without the shared data.
set -eu
WREN=${WREN:-wren}
SHARED=${WREN_SHARED:-../shared}
SRC=${WREN_SRCDIR:-.}
ARCTIC=$SHARED/data/speech/arctic-fraser/text
[ -d "$ARCTIC" ] || { echo "SKIP: shared data not found under $SHARED"; exit 77; }
export WREN
tmp=$(mktemp -d /tmp/wren-study-table.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$tmp/data/test"
for f in "$ARCTIC"/arctic_a0*.txt; do
  printf 'fraser-%s %s\n' "$(basename "$f" .txt)" "$(cat "$f")"
done | awk '{ id = $1; $1 = ""; t = tolower($0); gsub(/[^a-z0-9\047 ]/, " ", t); gsub(/ +/, " ", t)
              sub(/^ /, "", t); sub(/ $/, "", t); print id " " t }' | sort > "$tmp/data/test/text"
n=$(wc -l < "$tmp/data/test/text")
[ "$n" -ge 300 ] || fail "only $n reference utterances"
hyp() {   # error-rate seed out: each word substituted with probability rate
  mkdir -p "$(dirname "$3")"
  awk -v r="$1" -v s="$2" 'BEGIN { srand(s) } { printf "%s", $1; for (i = 2; i <= NF; i++) printf " %s", (rand() < r ? "xx" : $i); print "" }' \
    "$tmp/data/test/text" > "$3"
}
e=$tmp/exp
hyp 0.30 1 "$e/decode_test/hyp.txt"
hyp 0.25 2 "$e/rescore4_test/hyp.txt"
hyp 0.20 3 "$e/nnlm_rescore/test/hyp-lattice.txt"
echo "wren rescore: mode lattice, time 9 s, cpu 10.00 s (1 tokens per cpu s)" > "$e/nnlm_rescore/test/log-lattice"
echo "lambda=0.5 lm-weight=10 wip=0" > "$e/nnlm_rescore/tuned.txt"

# one budget folder: magnitude and activation x lowrank x both schedules at 0.5 and 0.25, a
# distilled run, and the from-scratch models
d=$e/prune/ft1000; w=$e/pruned_wer/ft1000
mkdir -p "$d/logs" "$w"
ln -s ../../nnlm_rescore "$w/dense"
{
  echo "# pruned NNLMs"
  echo "criterion method schedule size params rel bytes rel dev_ppl words/s speedup"
  echo "dense - - 1.0 1000 1.000 4000 1.000 100.00 500 1.00"
} > "$d/table.txt"
i=10
model() {   # crit label sched size rel ppl rate cpu tokens [lambda]
  local name=$1-$2-$3-$4
  echo "$1 $2 $3 $4 $((10#${5/./} * 10)) $5 $((10#${5/./} * 40)) $5 $6 400 1.2" >> "$d/table.txt"
  [ "$1" = scratch ] || echo "size $4 prunable+emb $5 total $5 dev_ppl $6 finetune_tokens $9 $d/$name.safetensors" >> "$d/logs/$1-$2-$3.done"
  i=$((i + 1))
  hyp "$7" "$i" "$w/$name/test/hyp-lattice.txt"
  echo "wren rescore: mode lattice, cpu $8 s (x)" > "$w/$name/test/log-lattice"
  echo "lambda=${10:-0.5} lm-weight=10 wip=0" > "$w/$name/tuned.txt"
}
#     crit       label       sched       size rel  ppl  rate cpu  tokens
model magnitude  lowrank     oneshot     0.5  0.50 130  0.22 5.00 200
model magnitude  lowrank     incremental 0.5  0.50 125  0.22 5.00 200
model magnitude  lowrank     oneshot     0.25 0.25 160  0.40 4.00 1000
model magnitude  lowrank     incremental 0.25 0.25 140  0.24 4.00 1000
model activation lowrank     oneshot     0.5  0.50 128  0.21 5.00 200
model activation lowrank     incremental 0.5  0.50 124  0.21 5.00 200
model activation lowrank     oneshot     0.25 0.25 150  0.30 0.40 1000 0
model activation lowrank     incremental 0.25 0.25 135  0.23 4.00 1000
model magnitude  lowrank+kd  incremental 0.5  0.50 120  0.21 5.00 200
model magnitude  lowrank+kd  incremental 0.25 0.25 130  0.23 4.00 1000
# the scratch models' budgets come from magnitude-unstructured-oneshot's report (scratch_nnlm.sh)
printf 'size 0.5 prunable+emb 0.5 total 0.5 dev_ppl 1 finetune_tokens 200 x\nsize 0.25 prunable+emb 0.25 total 0.25 dev_ppl 1 finetune_tokens 1000 x\n' \
  > "$d/logs/magnitude-unstructured-oneshot.done"
model scratch    dense       samebudget  0.5  0.50 200  0.35 2.50 -
model scratch    dense       samebudget  0.25 0.25 300  0.45 2.00 -

out=$tmp/results
"$SRC/egs/steps/study_table.sh" --mode lattice "$e" 1000 "$tmp/data/test" "$out" 2> "$tmp/log" || { cat "$tmp/log"; fail "study_table.sh exited non-zero"; }
st=$out/study.tsv
[ "$(head -1 "$st")" = "$(printf 'criterion\tmethod\tschedule\tfinetune_tokens\tdistill\tsize_total\tbytes\tdev_ppl\ttest_wer\tci_low\tci_high\ttest_words\tspeedup\tnnlm_weight')" ] ||
  fail "study.tsv header: $(head -1 "$st")"
[ "$(wc -l < "$st")" -eq 14 ] || fail "study.tsv has $(wc -l < "$st") lines, want 1 + 13 models"
row() { awk -F'\t' -v c="$1" -v m="$2" -v s="$3" -v z="$4" -v k="${5:-no}" '$1 == c && $2 == m && $3 == s && $6 == z && $5 == k' "$st"; }
# every WER and interval as wren wer --ci gives it
check_wer() {   # hyp row
  local want lo hi
  want=$("$WREN" wer --ci 0.95 "$tmp/data/test/text" "$1" | awk '/^%WER / { print $2 }')
  lo=$("$WREN" wer --ci 0.95 "$tmp/data/test/text" "$1" | awk '/^%WER-CI/ { sub(/,/, "", $4); print $4 }')
  hi=$("$WREN" wer --ci 0.95 "$tmp/data/test/text" "$1" | awk '/^%WER-CI/ { print $5 }')
  [ "$(cut -f9-11 <<< "$2")" = "$(printf '%s\t%s\t%s' "$want" "$lo" "$hi")" ] || fail "row '$2': want WER $want [$lo, $hi]"
}
r=$(row - dense - 1.0000 -); [ -n "$r" ] || fail "no dense row"
check_wer "$e/nnlm_rescore/test/hyp-lattice.txt" "$r"
[ "$(cut -f13,14 <<< "$r")" = "$(printf '1.00\t0.5')" ] || fail "dense speed-up and NNLM weight: $r"
r=$(row activation lowrank oneshot 0.2500); [ -n "$r" ] || fail "no activation lowrank oneshot 0.25 row"
[ "$(cut -f13,14 <<< "$r")" = "$(printf -- '-\t0')" ] || fail "a model rescored at NNLM weight 0 has a speed-up or no weight: $r"
r=$(row activation lowrank incremental 0.2500); [ -n "$r" ] || fail "no activation lowrank incremental 0.25 row"
check_wer "$w/activation-lowrank-incremental-0.25/test/hyp-lattice.txt" "$r"
[ "$(cut -f4,8,12,13 <<< "$r")" = "$(printf '1000\t135\t%s\t2.50' "$(wc -w < "$tmp/data/test/text" | awk -v n="$n" '{ print $1 - n }')")" ] ||
  fail "tokens, ppl, words or speed-up (10 / 4 cpu s): $r"
r=$(row magnitude lowrank incremental 0.5000 yes); [ -n "$r" ] || fail "the distilled run is not marked: $(cut -f1-6 "$st")"
r=$(row - scratch - 0.2500); [ "$(cut -f4,5,13 <<< "$r")" = "$(printf '1000\tno\t5.00')" ] || fail "scratch row: $r"
ref=$out/references.tsv
[ "$(awk -F'\t' '$1 == "4-gram" { print $2 }' "$ref")" = "$("$WREN" wer "$tmp/data/test/text" "$e/rescore4_test/hyp.txt" | awk '/^%WER / { print $2 }')" ] ||
  fail "references.tsv: $(cat "$ref")"

f=$out/findings.tsv
[ "$(head -1 "$f")" = "$(printf 'finding\tpair\teffect\tp\tp_holm')" ] || fail "findings.tsv header: $(head -1 "$f")"
pairrow() { awk -F'\t' -v f="$1" -v p="$2" '$1 == f && $2 == p' "$f"; }
eff() {   # hypA hypB -> WER(B) - WER(A), as the table prints it
  local a b; a=$("$WREN" wer "$tmp/data/test/text" "$1" | awk '/^%WER / { print $2 }')
  b=$("$WREN" wer "$tmp/data/test/text" "$2" | awk '/^%WER / { print $2 }')
  awk -v a="$a" -v b="$b" 'BEGIN { printf "%+.2f", b - a }'
}
# (b) magnitude 0.25: 24 % against 40 % substitutions, a large and significant effect
r=$(pairrow b "ft1000:magnitude:lowrank:0.25:incremental-vs-oneshot")
[ -n "$r" ] || fail "no (b) pair for magnitude lowrank 0.25: $(cut -f1,2 "$f")"
[ "$(cut -f3 <<< "$r")" = "$(eff "$w/magnitude-lowrank-incremental-0.25/test/hyp-lattice.txt" "$w/magnitude-lowrank-oneshot-0.25/test/hyp-lattice.txt")" ] ||
  fail "(b) effect: $r"
awk -F'\t' '{ exit !($4 < 0.001 && $5 >= $4) }' <<< "$r" || fail "(b) 24 % vs 40 %: not significant: $r"
# (a) at 0.5 both criteria have the same rate: not significant after correction
r=$(pairrow a "ft1000:lowrank:incremental:0.5:activation-vs-magnitude")
[ -n "$r" ] || fail "no (a) pair: $(cut -f1,2 "$f")"
awk -F'\t' '{ exit !($5 > 0.05) }' <<< "$r" || fail "(a) equal error rates came out significant: $r"
# the distilled and from-scratch pairs exist; no (c) pair without another method
[ -n "$(pairrow d "ft1000:magnitude:lowrank:incremental:0.25:distill-vs-plain")" ] || fail "no (d) pair"
[ -n "$(pairrow e "ft1000:magnitude:lowrank:incremental:0.5:pruned-vs-scratch")" ] || fail "no (e) pair"
[ "$(awk -F'\t' '$1 == "c"' "$f" | wc -l)" -eq 0 ] || fail "(c) pairs without a second method"
# Holm: per finding, sorted by p, p_holm(i) = max_{j <= i} min(1, (m - j + 1) p(j))
awk -F'\t' 'NR > 1 { k = $1; n[k]++; p[k, n[k]] = $4; h[k, n[k]] = $5 }
  END { for (k in n) { run = 0; for (i = 1; i <= n[k]; i++) {
          q = (n[k] - i + 1) * p[k, i]; if (q > 1) q = 1; if (q < run) q = run; run = q
          if (h[k, i] + 0 < q * 0.999 || h[k, i] + 0 > q * 1.001 + 1e-12) { print "finding " k " pair " i ": p_holm " h[k, i] ", want " q; bad = 1 } } }
        exit bad }' "$f" || fail "Holm correction"

# finding (b) per budget: this budget's low-rank pairs, counted as findings.tsv has them
"$SRC/egs/steps/study_budget_summary.sh" 1000 "$out" > /dev/null 2> "$tmp/log" || { cat "$tmp/log"; fail "study_budget_summary.sh"; }
bs=$out/budget-summary.tsv
[ "$(head -1 "$bs" | cut -f1-5)" = "$(printf 'budget\tpairs\tincremental_better\tsig_incremental\tsig_oneshot')" ] || fail "budget-summary header: $(head -1 "$bs")"
want=$(awk -F'\t' '$1 == "b" && $2 ~ /:lowrank:/ { n++; if ($3 > 0) i++; if ($5 < 0.05 && $3 > 0) si++; if ($5 < 0.05 && $3 < 0) so++ }
  END { printf "1000\t%d\t%d\t%d\t%d", n, i, si, so }' "$f")
[ "$(sed -n 2p "$bs" | cut -f1-5)" = "$want" ] || fail "budget-summary row '$(sed -n 2p "$bs")', want '$want'"
[ "$(wc -l < "$bs")" -eq 2 ] || fail "budget-summary: one budget, got $(($(wc -l < "$bs") - 1))"
# test %WER by budget: the 8 low-rank models without distillation, each with study.tsv's WER
"$SRC/egs/steps/study_budget_table.sh" "$out" > /dev/null 2> "$tmp/log" || { cat "$tmp/log"; fail "study_budget_table.sh"; }
wb=$out/wer-by-budget.tsv
[ "$(head -1 "$wb")" = "$(printf 'criterion\tmethod\tschedule\tsize\twer_ft1000')" ] || fail "wer-by-budget header: $(head -1 "$wb")"
[ "$(wc -l < "$wb")" -eq 9 ] || fail "wer-by-budget: $(($(wc -l < "$wb") - 1)) rows, want 8 (no distilled, no scratch)"
r=$(row magnitude lowrank oneshot 0.2500)
[ "$(awk -F'\t' '$1 == "magnitude" && $3 == "oneshot" && $4 == "0.25" { print $5 }' "$wb")" = "$(cut -f9 <<< "$r")" ] ||
  fail "wer-by-budget magnitude lowrank oneshot 0.25: $(grep -P '^magnitude\tlowrank\toneshot\t0.25\t' "$wb"), study.tsv: $r"

# the dense model rescored in the same pruned_wer.sh run (a folder, not stage 8's link): its CPU
# time is the speed-up reference (20 cpu s: the row above at 4 cpu s goes from 2.50 to 5.00)
# (a second budget folder, sorted first, lists the dense model too: its row must still be 1.00)
mkdir -p "$e/prune/ft0" "$e/pruned_wer/ft0"; head -3 "$d/table.txt" > "$e/prune/ft0/table.txt"
ln -s ../../nnlm_rescore "$e/pruned_wer/ft0/dense"
rm "$w/dense"; mkdir -p "$w/dense/test"
cp "$e/nnlm_rescore/test/hyp-lattice.txt" "$w/dense/test/hyp-lattice.txt"
echo "wren rescore: mode lattice, time 19 s, cpu 20.00 s (1 tokens per cpu s)" > "$w/dense/test/log-lattice"
"$SRC/egs/steps/study_table.sh" --mode lattice "$e" 1000 "$tmp/data/test" "$out" 2> "$tmp/log" || { cat "$tmp/log"; fail "study_table.sh (same-run dense) exited non-zero"; }
r=$(row activation lowrank incremental 0.2500)
[ "$(cut -f13 <<< "$r")" = 5.00 ] || fail "speed-up against the same-run dense (20 / 4 cpu s): $r"
r=$(row - dense - 1.0000 -); [ "$(cut -f13 <<< "$r")" = 1.00 ] || fail "dense speed-up with the same-run dense: $r"

# --wers: the same models scored with other weights (pruned_wer.sh --tune-data) in another
# folder; one model's hypotheses differ there, and the table follows that folder
cp -r "$e/pruned_wer" "$e/pruned_wer_tuned"
tw=$e/pruned_wer_tuned/ft1000/magnitude-lowrank-oneshot-0.25/test/hyp-lattice.txt
hyp 0.10 99 "$tw"
"$SRC/egs/steps/study_table.sh" --mode lattice --wers pruned_wer_tuned "$e" 1000 "$tmp/data/test" "$tmp/tuned" 2> "$tmp/log" ||
  { cat "$tmp/log"; fail "study_table.sh --wers exited non-zero"; }
r=$(st=$tmp/tuned/study.tsv row magnitude lowrank oneshot 0.2500); [ -n "$r" ] || fail "--wers: no magnitude lowrank oneshot 0.25 row"
check_wer "$tw" "$r"
r=$(row magnitude lowrank oneshot 0.2500)
check_wer "$w/magnitude-lowrank-oneshot-0.25/test/hyp-lattice.txt" "$r"

if command -v gnuplot > /dev/null; then
  "$SRC/egs/steps/plot_study.sh" "test study" "$out" 1000 > /dev/null 2> "$tmp/plot.log" || { cat "$tmp/plot.log"; fail "plot_study.sh"; }
  for p in wer-vs-size ppl-vs-size speed-vs-size wer-vs-budget; do
    [ -s "$out/$p.png" ] && [ -s "$out/$p.svg" ] || fail "no $p plot"
  done
  ! grep -qi "warning\|error" "$tmp/plot.log" || fail "gnuplot complained: $(head -3 "$tmp/plot.log")"
fi
echo "PASS: study_table.sh ($(($(wc -l < "$st") - 1)) models, $(($(wc -l < "$f") - 1)) pairs) and plot_study.sh"
