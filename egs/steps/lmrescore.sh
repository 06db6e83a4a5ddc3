#!/usr/bin/env bash
# lmrescore.sh — n-gram lattice rescoring: `wren lattice lmrescore` swaps the first-pass LM cost
# on every lattice arc for a bigger LM's (pruned trigram -> 4-gram), then `wren lattice best-path`.
# Writes OUT_DIR/lat.gz, OUT_DIR/hyp.txt, OUT_DIR/time.txt. Not for: NNLM rescoring (wren rescore).
# usage: egs/steps/lmrescore.sh [--acwt A] GRAPH OLD_LM NEW_LM IN_DIR OUT_DIR
set -euo pipefail
acwt=0.1
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 5 ] || { echo "usage: $0 [--acwt A] GRAPH OLD_LM NEW_LM IN_DIR OUT_DIR" >&2; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
graph=$1; old=$2; new=$3; in=$4; out=$5
wren=${WREN:-$top/build/wren}
mkdir -p "$out"
t0=$(date +%s.%N)
"$wren" lattice lmrescore --acwt "$acwt" --words "$graph/words.txt" --old-lm "$old" --new-lm "$new" "$in/lat.gz" "$out/lat.gz" 2> "$out/log"
"$wren" lattice best-path --acwt "$acwt" --words "$graph/words.txt" "$out/lat.gz" "$out/hyp.txt" 2>> "$out/log"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f\n", b - a}' > "$out/time.txt"
echo "lmrescore.sh: $(wc -l < "$out/hyp.txt") utterances in $(cat "$out/time.txt") s -> $out" >&2
