#!/bin/bash
# text-prep.sh — the text-preparation commands end to end on the shared data: normalise the
# transcripts of arctic-fraser (Kaldi text, --ids), timit-sample and lj-prompts-reader, run the
# leak guard on the Brown corpus against them (TIMIT's si sentences come from Brown, so lines
# must be removed, and exactly the leaking ones), select a vocabulary with CMUdict and report
# OOV rates. Skips (77) when the shared data or CMUdict is missing.
set -eu
WREN=${WREN:-wren}
SHARED=${WREN_SHARED:-../shared}
DATA=$SHARED/data
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
[ -d "$DATA/speech/arctic-fraser/text" ] && [ -f "$DATA/text/lm-corpus/brown.txt.xz" ] || { echo "SKIP: no shared data"; exit 77; }
[ -f "$DICT" ] || { echo "SKIP: no CMUdict ($DICT)"; exit 77; }
tmp=$(mktemp -d /tmp/wren-text-prep.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# transcripts as Kaldi text
for f in "$DATA"/speech/arctic-fraser/text/arctic_*.txt; do printf '%s %s\n' "$(basename "$f" .txt)" "$(cat "$f")"; done > "$tmp/arctic.text"
for d in "$DATA"/speech/timit-sample/dr*-*; do
  for f in "$d"/*.txt; do printf '%s-%s %s\n' "$(basename "$d")" "$(basename "$f" .txt)" "$(cut -d' ' -f3- "$f")"; done
done > "$tmp/timit.text"
awk -F'|' '{ print $1 " " $2 }' "$DATA/speech/lj-prompts-reader/metadata.csv" > "$tmp/lj.text"

for s in arctic timit lj; do
  "$WREN" text-norm --ids "$tmp/$s.text" "$tmp/$s.norm" 2> "$tmp/$s.log"
  [ "$(wc -l < "$tmp/$s.text")" -eq "$(wc -l < "$tmp/$s.norm")" ] || fail "$s: line count changed with --ids"
  cut -d' ' -f1 "$tmp/$s.text" | cmp -s - <(cut -d' ' -f1 "$tmp/$s.norm") || fail "$s: utterance ids changed"
  if cut -d' ' -f2- "$tmp/$s.norm" | grep -q "[^a-z' ]"; then fail "$s: characters other than a-z ' space"; fi
done
grep -qx "arctic_a0001 author of the danger trail philip steels et cetera" "$tmp/arctic.norm" || fail "arctic_a0001"
grep -qx "dr1-fvmh0-sa2 don't ask me to carry an oily rag like that" "$tmp/timit.norm" || fail "timit sa2"
echo "normalised: $(wc -l < "$tmp/arctic.norm") arctic, $(wc -l < "$tmp/timit.norm") timit, $(wc -l < "$tmp/lj.norm") lj utterances"

# leak guard: Brown against all three sets
"$WREN" leak-guard --ids --window 8 --eval "$tmp/arctic.norm" --eval "$tmp/timit.norm" --eval "$tmp/lj.norm" \
  "$DATA/text/lm-corpus/brown.txt.xz" "$tmp/brown.clean" > "$tmp/leak.out" 2> "$tmp/leak.err"
cat "$tmp/leak.err" | grep -v '^[0-9]* lines' || true
removed=$(sed -n 's/.*removed=\([0-9]*\).*/\1/p' "$tmp/leak.out")
kept=$(sed -n 's/.*kept=\([0-9]*\).*/\1/p' "$tmp/leak.out")
total=$(xz -dc "$DATA/text/lm-corpus/brown.txt.xz" | wc -l)
[ -n "$removed" ] && [ "$removed" -gt 0 ] || fail "no Brown line removed (TIMIT si sentences come from Brown)"
[ $((removed + kept)) -eq "$total" ] || fail "removed + kept != $total"
[ "$(wc -l < "$tmp/brown.clean")" -eq "$kept" ] || fail "output lines != kept"
grep -q "removed $removed of $total lines" "$tmp/leak.err" || fail "no removal count on stderr"
# every removed line really shares 8 normalised words with an evaluation sentence (checked by awk)
xz -dc "$DATA/text/lm-corpus/brown.txt.xz" | diff - "$tmp/brown.clean" | sed -n 's/^< //p' > "$tmp/removed.raw"
"$WREN" text-norm --ids <(awk '{ print "r" NR " " $0 }' "$tmp/removed.raw") "$tmp/removed.norm" 2> /dev/null
cat "$tmp/arctic.norm" "$tmp/timit.norm" "$tmp/lj.norm" | awk '
  NR == FNR { for (i = 2; i + 7 <= NF; i++) { k = $i; for (j = 1; j < 8; j++) k = k " " $(i + j); win[k] = 1 }
              if (NF - 1 < 8) { s = $2; for (j = 3; j <= NF; j++) s = s " " $j; short[s] = 1 } next }
  { hit = 0; for (i = 2; i + 7 <= NF; i++) { k = $i; for (j = 1; j < 8; j++) k = k " " $(i + j); if (k in win) hit = 1 }
    s = $2; for (j = 3; j <= NF; j++) s = s " " $j; if (s in short) hit = 1
    if (!hit) { print "not a leak: " $0; bad = 1 } }
  END { exit bad }' - "$tmp/removed.norm" || fail "a removed line does not leak"
echo "leak guard: Brown $removed removed, $kept kept"

# vocabulary: top 5000 pronounceable words of the cleaned Brown text, OOV on the test sets
"$WREN" text-norm "$tmp/brown.clean" "$tmp/brown.norm" 2> /dev/null
"$WREN" vocab-select --top 5000 --lexicon "$DICT" --ids --report-oov "$tmp/arctic.norm" --report-oov "$tmp/timit.norm" \
  --report-oov "$tmp/lj.norm" "$tmp/brown.norm" "$tmp/vocab" > "$tmp/vocab.out"
cat "$tmp/vocab.out"
[ "$(wc -l < "$tmp/vocab")" -eq 5000 ] || fail "vocabulary does not have 5000 words"
sed 's/(.*//; s/ .*//' "$DICT" | sort -u > "$tmp/dict.words"
[ -z "$(sort "$tmp/vocab" | comm -23 - "$tmp/dict.words")" ] || fail "selected words missing from CMUdict"
[ "$(head -1 "$tmp/vocab")" = the ] || fail "most frequent word is not 'the'"
[ "$(grep -c '^OOV ' "$tmp/vocab.out")" -eq 3 ] || fail "expected 3 OOV lines"
# OOV count cross-checked with awk
want=$(awk 'NR == FNR { v[$1] = 1; next } { for (i = 2; i <= NF; i++) { n++; if (!($i in v)) o++ } } END { print o "/" n }' "$tmp/vocab" "$tmp/timit.norm")
grep -q "OOV $tmp/timit.norm: ${want%/*} / ${want#*/} tokens" "$tmp/vocab.out" || fail "timit OOV count differs from awk ($want)"

# errors: a missing input is named, exit status 1
if "$WREN" text-norm /nonexistent/in.txt "$tmp/x" 2> "$tmp/err"; then fail "missing input accepted"; fi
grep -q "wren text-norm: /nonexistent/in.txt" "$tmp/err" || fail "error message: $(cat "$tmp/err")"
if "$WREN" leak-guard "$tmp/lj.text" "$tmp/x" 2> /dev/null; then fail "leak-guard without --eval accepted"; fi
"$WREN" vocab-select --help | grep -q "report-oov" || fail "--help"
echo "ok"
