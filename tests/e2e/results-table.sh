#!/bin/bash
# results-table.sh — egs/steps/results_table.sh, the WER/RTF table of the single-corpus recipes, on
# real transcripts (arctic-fraser's) with hypotheses made from them (every 5th word dropped for
# Wren's first pass, every 3rd replaced for pocketsphinx): each row gives `wren wer`'s %WER, its
# 95 % bootstrap interval and counts, and the RTF and CPU RTF of the system's time.txt and cpu.txt.
# Not for: the scoring itself (wer-sclite.sh), the pooled tables (study-table.sh).
# Env: WREN, WREN_SRCDIR, WREN_SHARED. Exit 77 = skip (shared data missing).
set -u
WREN=${WREN:?set WREN to the built wren}
src=${WREN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SHARED=${WREN_SHARED:-$src/../shared}
ARCTIC=$SHARED/data/speech/arctic-fraser/text
[ -d "$ARCTIC" ] || { echo "SKIP: shared data not found under $SHARED"; exit 77; }
tmp=$(mktemp -d /tmp/wren-e2e-results-table-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1

mkdir -p data/dev data/test exp/decode_test/log exp/psphx_test
for f in "$ARCTIC"/arctic_a00[0-9]*.txt; do
  printf '%s %s\n' "$(basename "$f" .txt)" "$(tr 'A-Z' 'a-z' < "$f" | tr -cd "a-z' \n")"
done | LC_ALL=C sort > all.txt
[ "$(wc -l < all.txt)" -ge 90 ] || fail "expected at least 90 arctic_a00* transcripts, found $(wc -l < all.txt)"
awk 'NR % 3 == 0' all.txt > data/dev/text
awk 'NR % 3 != 0' all.txt > data/test/text
echo 120.5 > data/test/duration
awk '{ o = $1; for (i = 2; i <= NF; i++) if (i % 5) o = o " " $i; print o }' data/test/text > exp/decode_test/hyp.txt
awk '{ for (i = 2; i <= NF; i++) if (i % 3 == 0) $i = "the"; print }' data/test/text > exp/psphx_test/hyp.txt
echo 30.1 > exp/decode_test/time.txt; echo 24.1 > exp/decode_test/cpu.txt; touch exp/decode_test/log/decode.1.log exp/decode_test/log/decode.2.log
echo 50.0 > exp/psphx_test/time.txt; echo 96.4 > exp/psphx_test/cpu.txt

"$src/egs/steps/results_table.sh" "arctic test table" exp > table.txt 2> err.txt || fail "results_table.sh: $(cat err.txt)"
cat table.txt
head -2 table.txt | tail -1 | grep -q "95 % interval" || fail "no interval column in the header: $(head -2 table.txt)"
row_check() {   # system-name-pattern hyp cpu
  local row w want_pct want_ci
  row=$(grep "^test  $1 " table.txt) || fail "no test row for $1"
  w=$("$WREN" wer data/test/text "$2")
  want_pct=$(sed -n 's/^%WER \([0-9.]*\).*/\1/p' <<< "$w")
  want_ci=$(sed -n 's/^%WER-CI 95% \(\[ [0-9.]*, [0-9.]* \]\).*/\1/p' <<< "$w")
  [ -n "$want_ci" ] || fail "wren wer printed no interval: $w"
  grep -qF "$want_pct $want_ci [" <<< "$(tr -s ' ' <<< "$row")" || fail "$1: not %WER $want_pct with $want_ci: $row"
  awk -v c="$3" '{ exit !($NF == sprintf("%.3f", c / 120.5)) }' <<< "$row" || fail "$1: CPU RTF not $3 s / 120.5 s: $row"
}
row_check "wren first pass" exp/decode_test/hyp.txt 24.1
row_check "pocketsphinx_batch" exp/psphx_test/hyp.txt 96.4
# the intervals are real ones: around the score, and wider on the test set than a point
awk '/^test / { for (i = 1; i <= NF; i++) if ($i == "[") { lo = $(i + 1); hi = $(i + 2); sub(/,/, "", lo)
      if (!(lo + 0 <= $(i - 1) && $(i - 1) <= hi + 0 && hi - lo > 1)) bad = 1; break } } END { exit bad }' table.txt \
  || fail "an interval does not hold its %WER or is under a point wide"
echo "PASS: results_table.sh prints each system's %WER with its 95 % interval and its CPU RTF"
