#!/usr/bin/env bash
# nnlm_table.sh — the NNLM rescoring table of a 16 kHz recipe from its exp dir: per set, the
# first pass and the 4-gram lattice rescoring (dev-tuned best-path scale, from stage 6), then
# NNLM + 4-gram n-best and lattice rescoring (exp/nnlm_rescore, weights tuned on dev) with the
# NNLM tokens scored and the wall time; significance of NNLM lattice rescoring against the
# 4-gram and against the first pass (`wren wer --compare`: matched pairs and bootstrap).
# usage: egs/steps/nnlm_table.sh [--first decode|decode_fmllr] TITLE EXP_DIR   (run from the recipe folder)
#   --first: the first pass that was rescored, EXP_DIR/<first>_<set> (default decode)
set -euo pipefail
first=decode
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 2 ] || { echo "usage: $0 [--first DIR_PREFIX] TITLE EXP_DIR" >&2; exit 1; }
steps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); top=$(cd "$steps/../.." && pwd)
wren=${WREN:-$top/build/wren}
title=$1; exp=$2
printf '# %s — NNLM rescoring (weights tuned on dev: %s)\n' "$title" "$(cat "$exp/nnlm_rescore/tuned.txt" 2>/dev/null)"
printf '%-5s %-38s %8s %-26s %12s %8s\n' set system "%WER" "[err / N, ins, del, sub]" "NNLM tokens" "time s"
row() {   # set name hyp [stats]
  [ -s "$3" ] || return 0
  local w; w=$("$wren" wer data/$1/text "$3" | head -1)
  local tok=- t=-
  [ -n "${4:-}" ] && [ -s "$4" ] && read -r _ tok _ t < "$4"
  printf '%-5s %-38s %8s %-26s %12s %8s\n' "$1" "$2" "$(echo "$w" | awk '{print $2}')" "$(echo "$w" | sed 's/^[^[]*//')" "$tok" "$t"
}
for x in dev test; do
  [ -s data/$x/text ] || continue
  row $x "first pass, $first (tuned scale)" "$exp/${first}_$x/hyp_tuned.txt"
  row $x "+ 4-gram lattice (tuned scale)" "$exp/rescore4_$x/hyp_tuned.txt"
  row $x "+ NNLM & 4-gram, 100-best" "$exp/nnlm_rescore/$x/hyp-nbest.txt" "$exp/nnlm_rescore/$x/stats-nbest.txt"
  row $x "+ NNLM & 4-gram, lattice" "$exp/nnlm_rescore/$x/hyp-lattice.txt" "$exp/nnlm_rescore/$x/stats-lattice.txt"
done
echo "significance on test (A = NNLM & 4-gram lattice rescoring):"
for b in rescore4_test/hyp_tuned.txt ${first}_test/hyp_tuned.txt; do
  [ -s "$exp/$b" ] && [ -s "$exp/nnlm_rescore/test/hyp-lattice.txt" ] &&
    "$wren" wer --compare "$exp/$b" data/test/text "$exp/nnlm_rescore/test/hyp-lattice.txt" | grep -E '^(compare|WER) ' | sed 's/^/  /'
done
exit 0
