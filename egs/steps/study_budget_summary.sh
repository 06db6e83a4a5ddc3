#!/usr/bin/env bash
# study_budget_summary.sh — finding (b) of the pruning study against the fine-tuning budget: for
# each budget of findings.tsv (rows "b" at the study budget, "b@N" at budget N), over its
# incremental-vs-one-shot pairs of the methods given (default: structured and low-rank, the
# sweep's): how many pairs, how many favour incremental, how many are significant after Holm
# (p_holm < 0.05, as study_table.sh corrected them) each way, and the mean effect per size
# (points of test %WER, > 0: incremental better). Writes RESULTS_DIR/budget-summary.tsv.
# usage: egs/steps/study_budget_summary.sh [--methods "structured lowrank"] STUDY_BUDGET RESULTS_DIR
set -euo pipefail
methods="structured lowrank"
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 2 ] || { echo "usage: $0 [--methods \"structured lowrank\"] STUDY_BUDGET RESULTS_DIR" >&2; exit 1; }
budget=$1; dir=$2
[ -s "$dir/findings.tsv" ] || { echo "$0: no $dir/findings.tsv (study_table.sh)" >&2; exit 1; }
awk -F'\t' -v study="$budget" -v methods="$methods" '
  BEGIN { nm = split(methods, m, " "); for (i = 1; i <= nm; i++) want[m[i]] = 1 }
  NR > 1 && ($1 == "b" || $1 ~ /^b@/) {
    b = $1 == "b" ? study : substr($1, 3)
    split($2, f, ":")          # ft<N>:criterion:method:size:incremental-vs-oneshot
    if (!(f[3] in want)) next
    z = f[4]; n[b]++; if ($3 > 0) inc[b]++
    if ($5 < 0.05) { if ($3 > 0) si[b]++; else if ($3 < 0) so[b]++ }
    sum[b, z] += $3; cnt[b, z]++; sizes[z] = 1
  }
  END {
    ns = 0; for (z in sizes) zs[++ns] = z
    for (i = 1; i <= ns; i++) for (j = i + 1; j <= ns; j++) if (zs[j] + 0 > zs[i] + 0) { t = zs[i]; zs[i] = zs[j]; zs[j] = t }
    printf "budget\tpairs\tincremental_better\tsig_incremental\tsig_oneshot"
    for (i = 1; i <= ns; i++) printf "\tmean_effect_%s", zs[i]
    printf "\n"
    for (b in n) {
      printf "%s\t%d\t%d\t%d\t%d", b, n[b], inc[b], si[b], so[b]
      for (i = 1; i <= ns; i++) printf "\t%s", cnt[b, zs[i]] ? sprintf("%+.2f", sum[b, zs[i]] / cnt[b, zs[i]]) : "-"
      printf "\n"
    }
  }' "$dir/findings.tsv" | { IFS= read -r h; echo "$h"; sort -n; } > "$dir/budget-summary.tsv.tmp"
mv "$dir/budget-summary.tsv.tmp" "$dir/budget-summary.tsv"
cat "$dir/budget-summary.tsv"
