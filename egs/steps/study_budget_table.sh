#!/usr/bin/env bash
# study_budget_table.sh — the pruning study's test %WER against the fine-tuning budget: one row per
# pruned model of the budget sweep (criterion, method, schedule, nominal size; distilled runs and
# extra labels left out), one column per budget folder that holds it, from study_table.sh's
# study.tsv and study-runs.tsv. Writes RESULTS_DIR/wer-by-budget.tsv and prints it aligned.
# Not for: significance (findings.tsv has the paired tests; budget-summary.tsv counts them).
# usage: egs/steps/study_budget_table.sh [--methods "structured lowrank"] RESULTS_DIR
set -euo pipefail
methods="structured lowrank"
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 1 ] || { echo "usage: $0 [--methods \"structured lowrank\"] RESULTS_DIR" >&2; exit 1; }
dir=$1
for f in study.tsv study-runs.tsv; do
  [ -s "$dir/$f" ] || { echo "$0: no $dir/$f (study_table.sh)" >&2; exit 1; }
done
# study-runs.tsv: budget model; study.tsv: criterion method schedule finetune_tokens distill
# size_total bytes dev_ppl test_wer ...; line by line the same models
paste "$dir/study-runs.tsv" "$dir/study.tsv" | awk -F'\t' -v methods="$methods" '
  BEGIN { nm = split(methods, m, " "); for (i = 1; i <= nm; i++) want[m[i]] = 1 }
  NR > 1 && ($4 in want) && $7 == "no" {
    # nominal size: structured pruning lands a little under its target (0.499, 0.248, 0.097)
    z = $8 > 0.4 ? "0.5" : ($8 > 0.17 ? "0.25" : "0.1")
    k = $3 "\t" $4 "\t" $5 "\t" z
    rank[k] = $3 "\t" $4 "\t" $5 "\t" (z == "0.5" ? 1 : z == "0.25" ? 2 : 3)
    w[k, $1] = $11; budgets[$1] = 1
  }
  END {
    nb = 0; for (b in budgets) B[++nb] = b
    for (i = 1; i <= nb; i++) for (j = i + 1; j <= nb; j++) if (B[j] + 0 < B[i] + 0) { t = B[i]; B[i] = B[j]; B[j] = t }
    nk = 0; for (k in rank) K[++nk] = k
    for (i = 1; i <= nk; i++) for (j = i + 1; j <= nk; j++) if (rank[K[j]] < rank[K[i]]) { t = K[i]; K[i] = K[j]; K[j] = t }
    printf "criterion\tmethod\tschedule\tsize"; for (i = 1; i <= nb; i++) printf "\twer_ft%s", B[i]; printf "\n"
    for (i = 1; i <= nk; i++) {
      printf "%s", K[i]
      for (j = 1; j <= nb; j++) printf "\t%s", ((K[i], B[j]) in w) ? w[K[i], B[j]] : "-"
      printf "\n"
    }
  }' > "$dir/wer-by-budget.tsv.tmp"
mv "$dir/wer-by-budget.tsv.tmp" "$dir/wer-by-budget.tsv"
awk -F'\t' '{ printf "%-10s %-10s %-11s %4s", $1, $2, $3, $4; for (i = 5; i <= NF; i++) printf " %13s", $i; printf "\n" }' \
  "$dir/wer-by-budget.tsv"
