#!/bin/bash
# ngram.sh — `wren ngram-count` and `wren ngram -ppl` end to end on real text (a few thousand
# lines of the shared Brown corpus, lower-cased and stripped of punctuation by sed; training and
# held-out lines are disjoint):
#  1. perplexity of a Wren trigram agrees with sphinx_lm_eval on the same ARPA file (0.5 %);
#  2. Wren's modified-KN trigram is within 2 % of IRSTLM's improved Kneser-Ney, or better
#     (both ARPA files scored by the same evaluator); both figures are printed;
#  3. an ARPA file written by sphinxbase (sphinx_lm_convert) is read and scored as sphinx does;
#  4. pruning to a target, .xz input, Witten-Bell/add-k, and clear errors on bad input.
# Skips (77) when the shared corpus is missing; sphinx/IRSTLM checks skip when not installed.
set -eu
WREN=${WREN:-wren}
SHARED=${WREN_SHARED:-../shared}
CORPUS=$SHARED/data/text/lm-corpus/brown.txt.xz
[ -r "$CORPUS" ] || { echo "SKIP: $CORPUS not found"; exit 77; }
tmp=$(mktemp -d /tmp/wren-ngram-e2e.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
rel() { awk -v a="$1" -v b="$2" 'BEGIN { d = (a - b) / b; if (d < 0) d = -d; printf "%.5f", d }'; }
ppl_of() { sed -n 's/.* ppl= \([^ ]*\) .*/\1/p' "$1"; }

export LC_ALL=C
xz -dc "$CORPUS" | tr 'A-Z' 'a-z' | sed -e "s/[^a-z' ]/ /g" -e 's/  */ /g' -e 's/^ //' -e 's/ $//' \
  | grep -av '^$' > "$tmp/all.txt"
head -n 6000 "$tmp/all.txt" > "$tmp/train.txt"
sed -n '50001,51000p' "$tmp/all.txt" > "$tmp/dev.txt"
xz -c "$tmp/train.txt" > "$tmp/train.txt.xz"

"$WREN" ngram-count -order 3 -text "$tmp/train.txt.xz" -lm "$tmp/kn3.arpa" 2> "$tmp/log"
"$WREN" ngram -lm "$tmp/kn3.arpa" -ppl "$tmp/dev.txt" > "$tmp/kn3.ppl"
cat "$tmp/kn3.ppl"
grep -q "^file $tmp/dev.txt: 1000 sentences, [0-9]* words, [0-9]* OOVs$" "$tmp/kn3.ppl" || fail "summary line 1"
grep -q "^0 zeroprobs, logprob= -[0-9.]* ppl= [0-9.]* ppl1= [0-9.]*$" "$tmp/kn3.ppl" || fail "summary line 2"
wren_ppl=$(ppl_of "$tmp/kn3.ppl")

# 1. sphinx_lm_eval on the same model; it scores lines as they stand, so wrap them in <s> </s>.
if command -v sphinx_lm_eval > /dev/null; then
  sed 's/.*/<s> & <\/s>/' "$tmp/dev.txt" > "$tmp/dev.lsn"
  sp=$(sphinx_lm_eval -lm "$tmp/kn3.arpa" -lsn "$tmp/dev.lsn" 2>&1 | sed -n 's/^perplexity: //p')
  d=$(rel "$wren_ppl" "$sp")
  echo "wren ppl $wren_ppl, sphinx_lm_eval ppl $sp, relative difference $d"
  awk -v d="$d" 'BEGIN { exit !(d < 0.005) }' || fail "ppl differs from sphinx_lm_eval by $d"
  # 3. a model written by sphinxbase itself
  if [ -r /usr/share/pocketsphinx/test/data/turtle.lm.bin ]; then
    sphinx_lm_convert -i /usr/share/pocketsphinx/test/data/turtle.lm.bin -o "$tmp/turtle.arpa" \
      -ofmt arpa > /dev/null 2>&1
    printf 'go forward ten meters\nturn left\nwhat is your name\ngo backward five centimeters\n' > "$tmp/turtle.txt"
    sed 's/.*/<s> & <\/s>/' "$tmp/turtle.txt" > "$tmp/turtle.lsn"
    tw=$("$WREN" ngram -lm "$tmp/turtle.arpa" -ppl "$tmp/turtle.txt" | sed -n 's/.* ppl= \([^ ]*\) .*/\1/p')
    ts=$(sphinx_lm_eval -lm "$tmp/turtle.arpa" -lsn "$tmp/turtle.lsn" 2>&1 | sed -n 's/^perplexity: //p')
    echo "turtle.lm (sphinx-written ARPA): wren ppl $tw, sphinx_lm_eval $ts"
    awk -v d="$(rel "$tw" "$ts")" 'BEGIN { exit !(d < 0.005) }' || fail "turtle ppl differs"
  fi
else
  echo "note: sphinx_lm_eval not installed, comparison skipped"
fi

# 2. IRSTLM improved Kneser-Ney (tlm -lm=ikn), no singleton pruning, interpolated.
TLM=${IRSTLM:-/usr/lib/irstlm}/bin/tlm
if [ -x "$TLM" ]; then
  sed 's/.*/<s> & <\/s>/' "$tmp/train.txt" > "$tmp/train.se"
  "$TLM" -tr="$tmp/train.se" -n=3 -lm=ikn -ps=no -o="$tmp/irst.arpa" > "$tmp/irst.log" 2>&1 \
    || { cat "$tmp/irst.log"; fail "tlm failed"; }
  "$WREN" ngram -lm "$tmp/irst.arpa" -ppl "$tmp/dev.txt" > "$tmp/irst.ppl"
  irst_ppl=$(ppl_of "$tmp/irst.ppl")
  echo "held-out trigram ppl: wren modified KN $wren_ppl, IRSTLM ikn $irst_ppl"
  awk -v w="$wren_ppl" -v i="$irst_ppl" 'BEGIN { exit !(w <= 1.02 * i) }' \
    || fail "wren KN ppl $wren_ppl is more than 2 % above IRSTLM's $irst_ppl"
else
  echo "note: IRSTLM not installed, comparison skipped"
fi

# 4. other methods and pruning; every model must score the dev text without zero probabilities
"$WREN" ngram-count -order 3 -text "$tmp/train.txt" -lm "$tmp/wb.arpa" -wbdiscount 2> /dev/null
"$WREN" ngram-count -order 3 -text "$tmp/train.txt" -lm "$tmp/ak.arpa" -addk 0.1 2> /dev/null
"$WREN" ngram-count -order 3 -text "$tmp/train.txt" -lm "$tmp/pt.arpa" -prune-target 30000 2> /dev/null
for m in wb ak pt; do
  "$WREN" ngram -lm "$tmp/$m.arpa" -ppl "$tmp/dev.txt" > "$tmp/$m.ppl"
  grep -q "^0 zeroprobs" "$tmp/$m.ppl" || fail "$m: zero probabilities"
  echo "$m: ppl $(ppl_of "$tmp/$m.ppl")"
done
awk -v k="$wren_ppl" -v w="$(ppl_of "$tmp/wb.ppl")" 'BEGIN { exit !(k < w) }' || fail "KN not better than WB"
total=$(sed -n 's/^ngram [0-9]*=//p' "$tmp/pt.arpa" | awk '{ s += $1 } END { print s }')
[ "$total" -le 30000 ] && [ "$total" -ge 28000 ] || fail "prune-target 30000 gave $total n-grams"

# errors: one line "wren CMD: file:line: ..." and exit 1
head -c 2000 "$tmp/kn3.arpa" > "$tmp/trunc.arpa"
if "$WREN" ngram -lm "$tmp/trunc.arpa" -ppl "$tmp/dev.txt" > /dev/null 2> "$tmp/err"; then fail "truncated ARPA accepted"; else rc=$?; fi
[ "$rc" = 1 ] || fail "exit code $rc for a truncated ARPA file"
grep -q "^wren ngram: $tmp/trunc.arpa:[0-9]*: " "$tmp/err" || { cat "$tmp/err"; fail "error message"; }
if "$WREN" ngram-count -order 3 -text "$tmp/none.txt" -lm "$tmp/x.arpa" 2> "$tmp/err"; then fail "missing text accepted"; fi
grep -q "^wren ngram-count: .*none.txt" "$tmp/err" || { cat "$tmp/err"; fail "error message (missing text)"; }
[ ! -e "$tmp/x.arpa" ] || fail "output written on failure"
"$WREN" ngram-count --help | grep -q -- "-prune-target" || fail "--help"
echo "PASS"
