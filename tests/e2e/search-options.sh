#!/bin/bash
# search-options.sh — end-to-end test of the first-pass score options on real inputs (Debian's
# pocketsphinx-en-us model, the five LibriVox utterances of pocketsphinx-testdata, a trigram on
# their transcripts): `wren mkgraph --self-loop-scale --transition-scale --noise-prob`
# (self-loop costs scaled exactly, the default scale 0.1, noise phones in the graph without new words, same words
# decoded) and the word insertion penalty of `wren decode --word-penalty` and
# `wren lattice best-path|nbest --word-penalty` (costs move by exactly penalty x words; large
# penalties remove words, bonuses add them), plus bad option values.
# Not for: the search's plumbing (decode.sh) or graph correctness on toy models (test_graph.c).
# Env: WREN (built wren). Exit 77 = skip (inputs missing).
set -u
WREN=${WREN:?set WREN to the built wren}
MODEL=/usr/share/pocketsphinx/model/en-us/en-us
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
LIBRI=/usr/share/pocketsphinx/test/data/librivox
for p in "$MODEL/mdef" "$DICT" "$LIBRI/transcription"; do
  [ -e "$p" ] || { echo "SKIP: $p missing (apt-get install pocketsphinx-en-us pocketsphinx-testdata)"; exit 77; }
done
command -v fstprint > /dev/null || { echo "SKIP: fstprint (OpenFst tools) missing"; exit 77; }
tmp=$(mktemp -d /tmp/wren-e2e-searchopts-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"
for u in $(cat "$LIBRI/fileids"); do echo "$u $LIBRI/$u.wav"; done > wav.scp
sed -e 's/<s> //; s/ <\/s>//' -e 's/^\(.*\) (\(.*\))$/\2 \1/' "$LIBRI/transcription" > ref.txt
cut -d' ' -f2- ref.txt > lm.txt
"$WREN" ngram-count -order 3 -text lm.txt -lm lm.arpa 2> ngram.log || fail "ngram-count: $(cat ngram.log)"

# --- graphs: unscaled (self-loop scale 1), and the default self-loop scale (0.1, Kaldi's) with
# transition scale 0.5 + noise phones
"$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa --self-loop-scale 1 g0 > mk0.log 2>&1 \
  || fail "mkgraph: $(tail -3 mk0.log)"
"$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa --transition-scale 0.5 \
  --noise-prob 0.1 g1 > mk1.log 2>&1 || fail "mkgraph with options: $(tail -3 mk1.log)"
cmp -s g0/words.txt g1/words.txt || fail "--noise-prob changed words.txt (noise must not be a word)"
# the CI ids (transitions.txt) of the noise phones: phones.txt id - 1
noise=$(awk '$1 == "+NSN+" || $1 == "+SPN+" {printf "%s%d", s, $2 - 1; s = ","}' g1/phones.txt)
[ -n "$noise" ] || fail "the model has no +NSN+/+SPN+"
# tids of noise phones used by arcs of each graph
uses_noise() {
  fstprint "$1/HCLG.fst" | awk -v n="$noise" 'BEGIN {split(n, a, ","); for (i in a) np[a[i]]}
    FILENAME == ARGV[1] {if ($3 in np) t[$1]; next} NF >= 4 && ($3 in t) {c++} END {print c + 0}' "$1/transitions.txt" -
}
n0=$(uses_noise g0); n1=$(uses_noise g1)
[ "$n0" = 0 ] || fail "graph without --noise-prob has $n0 noise-phone arcs"
[ "$n1" -gt 0 ] || fail "--noise-prob graph has no noise-phone arcs"
# self-loop arcs: cost in g1 = 0.1 x cost in g0, for each (senone, phone, state) self-loop
selfloops() {
  fstprint "$1/HCLG.fst" | awk 'FILENAME == ARGV[1] {if ($5 == 1) k[$1] = $2 " " $3 " " $4; next}
    NF >= 5 && $1 == $2 && ($3 in k) {print k[$3], $5}' "$1/transitions.txt" - | sort -u
}
selfloops g0 > sl0.txt; selfloops g1 > sl1.txt
[ -s sl0.txt ] || fail "no self-loop arcs found in the default graph"
join <(awk '{print $1 "_" $2 "_" $3, $4}' sl0.txt | sort) <(awk '{print $1 "_" $2 "_" $3, $4}' sl1.txt | sort) > slj.txt
[ "$(wc -l < slj.txt)" -gt 10 ] || fail "too few common self-loops to compare"
awk '{d = $3 - 0.1 * $2; if (d < 0) d = -d; if (d > 2e-4) {print; bad = 1}} END {exit bad}' slj.txt \
  || fail "default self-loop costs are not 0.1 x the unscaled ones"

# --- decoding with both graphs: the in-domain LM still gives the words
"$WREN" decode --model "$MODEL" --graph g0 wav.scp hyp0.txt lat0.gz 2> dec0.log || fail "decode: $(cat dec0.log)"
"$WREN" decode --model "$MODEL" --graph g1 wav.scp hyp1.txt 2> dec1.log || fail "decode g1: $(cat dec1.log)"
for h in hyp0.txt hyp1.txt; do
  e=$("$WREN" wer ref.txt $h | sed -n 's/^%WER [0-9.]* \[ \([0-9]*\) \/ 71.*/\1/p')
  [ -n "$e" ] && [ "$e" -le 7 ] || fail "$h: WER too high with an in-domain LM: $("$WREN" wer ref.txt $h | head -1)"
done
grep -q '+NSN+\|+SPN+\|SIL' hyp1.txt && fail "filler phones appear as words"

# --- word penalty in lattice tools
words() { cut -d' ' -f2- "$1" | wc -w; }
"$WREN" lattice best-path --words g0/words.txt --word-penalty 0 lat0.gz b0.txt 2> /dev/null || fail "best-path"
cmp -s b0.txt hyp0.txt || fail "best-path --word-penalty 0 differs from the hypotheses"
"$WREN" lattice best-path --words g0/words.txt --word-penalty 30 lat0.gz bp.txt 2> /dev/null || fail "best-path +30"
"$WREN" lattice best-path --words g0/words.txt --word-penalty -30 lat0.gz bm.txt 2> /dev/null || fail "best-path -30"
[ "$(words bp.txt)" -lt "$(words hyp0.txt)" ] || fail "penalty 30: $(words bp.txt) words, not fewer than $(words hyp0.txt)"
[ "$(words bm.txt)" -gt "$(words hyp0.txt)" ] || fail "bonus 30: $(words bm.txt) words, not more than $(words hyp0.txt)"
# on single-path lattices the graph cost moves by exactly penalty x words
"$WREN" lattice prune --beam 0 lat0.gz one.gz 2> /dev/null || fail "prune"
"$WREN" lattice nbest --n 1 one.gz nb0.txt 2> /dev/null || fail "nbest"
"$WREN" lattice nbest --n 1 --word-penalty 2.5 one.gz nb1.txt 2> /dev/null || fail "nbest --word-penalty"
paste -d' ' nb0.txt nb1.txt | awk '{n = NF / 2 - 3; d = $(n + 5) - $2 - 2.5 * n; if (d < -1e-3 || d > 1e-3) {print; bad = 1}}
  END {exit bad}' || fail "nbest graph costs did not move by 2.5 x words"

# --- word penalty in the search
"$WREN" decode --model "$MODEL" --graph g0 --word-penalty 30 wav.scp hypp.txt 2> decp.log || fail "decode --word-penalty"
[ "$(words hypp.txt)" -lt "$(words hyp0.txt)" ] || fail "decode --word-penalty 30 did not remove words"

# --- bad values
"$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa --sil-prob 0.6 --noise-prob 0.5 gx > /dev/null 2> bad1.log \
  && fail "--sil-prob 0.6 --noise-prob 0.5 accepted"
grep -q "sum < 1" bad1.log || fail "no message for sil + noise >= 1: $(cat bad1.log)"
"$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa --self-loop-scale -1 gx > /dev/null 2> bad2.log \
  && fail "--self-loop-scale -1 accepted"
grep -q "self-loop-scale" bad2.log || fail "no message for a negative scale: $(cat bad2.log)"
"$WREN" lattice best-path --word-penalty x lat0.gz /dev/null 2> bad3.log && fail "--word-penalty x accepted"
grep -q "word-penalty" bad3.log || fail "no message naming --word-penalty: $(cat bad3.log)"
echo "PASS"
