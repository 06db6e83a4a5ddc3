#!/usr/bin/env bash
# score.sh — score a hypothesis file with `wren wer` against a data dir's text: writes
# DIR/wer.txt (the %WER lines), DIR/wer.json (JSON totals) and DIR/per-utt.txt, prints the %WER line.
# Not for: significance tests (use wren wer --compare).
# usage: egs/steps/score.sh DATA HYP_TEXT DIR
set -euo pipefail
steps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); top=$(cd "$steps/../.." && pwd)
[ $# -eq 3 ] || { echo "usage: $0 DATA HYP_TEXT DIR" >&2; exit 1; }
wren=${WREN:-$top/build/wren}
mkdir -p "$3"
"$wren" wer --per-utt "$3/per-utt.txt" "$1/text" "$2" > "$3/wer.txt"
"$wren" wer --json "$1/text" "$2" | grep '^{' > "$3/wer.json" || true
grep -E '^%WER( |-CI )' "$3/wer.txt"   # the score and its 95 % bootstrap interval
