#!/bin/bash
# wer-sclite.sh — `wren wer` must give exactly NIST sclite's error counts (Debian sctk), per
# utterance and in total, on real transcripts (arctic-fraser, timit-sample) with hypotheses made
# by seeded random deletions, insertions and substitutions at several error rates, plus missing
# hypotheses. Skips (77) when sclite or the shared data is not installed.
set -eu
WREN=${WREN:-wren}
SHARED=${WREN_SHARED:-../shared}
SCLITE=${SCLITE:-}
for c in "$SCLITE" /usr/lib/sctk/bin/sclite "$(command -v sclite || true)"; do
  if [ -n "$c" ] && [ -x "$c" ]; then SCLITE=$c; break; fi
done
[ -x "$SCLITE" ] || { echo "SKIP: sclite (Debian sctk) not installed"; exit 77; }
ARCTIC=$SHARED/data/speech/arctic-fraser/text
TIMIT=$SHARED/data/speech/timit-sample
[ -d "$ARCTIC" ] && [ -d "$TIMIT" ] || { echo "SKIP: shared data not found under $SHARED"; exit 77; }

tmp=$(mktemp -d /tmp/wren-wer-sclite.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Reference: Kaldi text with speaker-utterance ids (sclite -i spu_id splits at the first '-'),
# lower-cased with punctuation other than apostrophes removed (a plain normalisation that needs
# nothing but awk, so this test does not depend on wren text-norm).
norm() {
  awk '{ id = $1; $1 = ""; t = tolower($0); gsub(/[^a-z0-9\047 ]/, " ", t); gsub(/ +/, " ", t);
         sub(/^ /, "", t); sub(/ $/, "", t); print id " " t }'
}
for f in "$ARCTIC"/arctic_*.txt; do
  u=$(basename "$f" .txt)
  printf 'fraser-%s %s\n' "$u" "$(cat "$f")"
done | norm > "$tmp/ref.arctic"
for d in "$TIMIT"/dr*-*; do
  spk=$(basename "$d" | cut -d- -f2)
  for f in "$d"/*.txt; do
    printf '%s-%s %s\n' "$spk" "$(basename "$f" .txt)" "$(cut -d' ' -f3- "$f")"
  done
done | norm > "$tmp/ref.timit"
cat "$tmp/ref.arctic" "$tmp/ref.timit" | sort > "$tmp/ref"
nref=$(wc -l < "$tmp/ref")
[ "$nref" -gt 1000 ] || { echo "FAIL: only $nref reference utterances"; exit 1; }

# perturb SEED RATE MISSING: each word deleted / substituted / followed by an insertion with
# probability RATE/3 each; MISSING: probability that an utterance has no hypothesis at all.
perturb() {
  awk -v seed="$1" -v rate="$2" -v miss="$3" '
    BEGIN { srand(seed) }
    { for (i = 2; i <= NF; i++) vocab[nv++] = $i; line[NR] = $0 }
    END {
      for (n = 1; n <= NR; n++) {
        k = split(line[n], w, " ")
        if (rand() < miss) continue
        out = w[1]
        if (rand() < rate / 3) out = out " " vocab[int(rand() * nv)]
        for (i = 2; i <= k; i++) {
          r = rand()
          if (r < rate / 3) continue
          else if (r < 2 * rate / 3) out = out " " vocab[int(rand() * nv)]
          else out = out " " w[i]
          if (rand() < rate / 3) out = out " " vocab[int(rand() * nv)]
        }
        print out
      }
    }' "$tmp/ref"
}

to_trn() {  # Kaldi text -> sclite trn; utterances of REF missing from the hyp get an empty line
  awk 'NR == FNR { seen[$1] = 1; id = $1; $1 = ""; sub(/^ /, ""); print $0 " (" id ")"; next }
       !($1 in seen) { print " (" $1 ")" }' "$1" "$2"
}

counts_of() {  # id C S D I from a pralign-style listing, sorted by id
  awk '/^id: / { id = $2; gsub(/[()]/, "", id) } /^Scores: / { print id, $6, $7, $8, $9 }' "$1" | sort
}

fail=0
awk '{ id = $1; $1 = ""; sub(/^ /, ""); print $0 " (" id ")" }' "$tmp/ref" > "$tmp/ref.trn"
for spec in "1 0.05 0" "2 0.2 0" "3 0.5 0" "4 0.9 0" "5 0.2 0.05" "6 1.5 0"; do
  set -- $spec
  perturb "$1" "$2" "$3" > "$tmp/hyp"
  to_trn "$tmp/hyp" "$tmp/ref" > "$tmp/hyp.trn"
  "$WREN" wer --alignments "$tmp/wren.pra" "$tmp/ref" "$tmp/hyp" > "$tmp/wren.out" 2> "$tmp/wren.err"
  "$SCLITE" -r "$tmp/ref.trn" trn -h "$tmp/hyp.trn" trn -i spu_id -o pralign stdout > "$tmp/sclite.pra" 2> "$tmp/sclite.err"
  counts_of "$tmp/wren.pra" > "$tmp/wren.counts"
  counts_of "$tmp/sclite.pra" > "$tmp/sclite.counts"
  n=$(wc -l < "$tmp/sclite.counts")
  tot=$(awk '{ c += $2; s += $3; d += $4; i += $5 } END { printf "%d / %d, %d ins, %d del, %d sub", s + d + i, c + s + d, i, d, s }' "$tmp/sclite.counts")
  wren_line=$(head -1 "$tmp/wren.out")
  echo "seed $1 rate $2 missing $3: sclite [ $tot ] ($n utts); wren: $wren_line"
  if [ "$n" -ne "$nref" ]; then echo "FAIL: sclite scored $n of $nref utterances"; fail=1; fi
  if ! diff -q "$tmp/wren.counts" "$tmp/sclite.counts" > /dev/null; then
    echo "FAIL: per-utterance counts differ (id C S D I; < wren, > sclite):"
    diff "$tmp/wren.counts" "$tmp/sclite.counts" | head -10
    fail=1
  fi
  case "$wren_line" in *"[ $tot ]"*) ;; *) echo "FAIL: totals differ"; fail=1 ;; esac
done
# The JSON line carries the same totals as the %WER line.
"$WREN" wer --json "$tmp/ref" "$tmp/hyp" | grep -q '"errors": ' || { echo "FAIL: no JSON line"; fail=1; }
# The 95 % bootstrap interval by default, around the %WER; --ci 0 leaves the
# three Kaldi lines alone, the same as before.
"$WREN" wer "$tmp/ref" "$tmp/hyp" > "$tmp/ci.out"
awk '/^%WER / { w = $2 } /^%WER-CI 95% / { gsub(/[],[]/, " "); lo = $3; hi = $4; n++ }
  END { exit !(n == 1 && lo <= w && w <= hi && lo < hi && lo >= 0) }' "$tmp/ci.out" \
  || { echo "FAIL: no 95 % interval around the %WER by default:"; cat "$tmp/ci.out"; fail=1; }
"$WREN" wer --ci 0 "$tmp/ref" "$tmp/hyp" > "$tmp/noci.out"
[ "$(wc -l < "$tmp/noci.out")" = 3 ] && ! grep -q CI "$tmp/noci.out" && [ "$(head -3 "$tmp/ci.out")" = "$(cat "$tmp/noci.out")" ] \
  || { echo "FAIL: --ci 0 output:"; cat "$tmp/noci.out"; fail=1; }
# A hypothesis for an utterance that is not in the reference is an error naming file and line.
{ cat "$tmp/ref"; echo "nobody-x1 hello"; } > "$tmp/hyp.bad"
if "$WREN" wer "$tmp/ref" "$tmp/hyp.bad" > /dev/null 2> "$tmp/bad.err"; then echo "FAIL: unknown utterance accepted"; fail=1; fi
grep -q "hyp.bad:$((nref + 1)): utterance 'nobody-x1' is not in the reference" "$tmp/bad.err" || { echo "FAIL: bad error message:"; cat "$tmp/bad.err"; fail=1; }
exit $fail
