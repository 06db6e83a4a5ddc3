#!/bin/bash
# ngram-table.sh — issue 8's table: on the shared LM corpus, normalised with `wren text-norm`,
# leak-guarded against arctic-fraser, timit-sample and lj-prompts-reader, with a 20k vocabulary
# from `wren vocab-select` (CMUdict-pronounceable), builds Wren's KN trigram and 4-gram, the
# pruned trigram for the first pass (~300k n-grams) and IRSTLM's improved-KN trigram on the same
# text and vocabulary, and prints n-grams, perplexity and OOV rate on each test set's
# normalised transcripts (OOVs are excluded from ppl, as SRILM does). Work files in WREN_BENCH_DIR (default /tmp/wren-ngram-table).
# Env: WREN (built wren), WREN_SHARED, WREN_SRCDIR; SKIP_IRSTLM=1 to leave IRSTLM out.
set -eu
WREN=${WREN:?set WREN to the built wren}
SHARED=${WREN_SHARED:-$(dirname "$0")/../../shared}
SRC=${WREN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
W=${WREN_BENCH_DIR:-/tmp/wren-ngram-table}
mkdir -p "$W"; cd "$W"
[ -d "$SHARED/data/text/lm-corpus" ] || { echo "ngram-table: $SHARED/data/text/lm-corpus missing, skipped"; exit 0; }
t0=$(date +%s)
bash "$SRC/egs/arctic/local/prepare_data.sh" "$SHARED/data/speech/arctic-fraser" arctic 2>/dev/null
bash "$SRC/egs/timit/local/prepare_data.sh" "$SHARED/data/speech/timit-sample" timit 2>/dev/null
bash "$SRC/egs/lj/local/prepare_data.sh" "$SHARED/data/speech/lj-prompts-reader" lj 2>/dev/null
evals=()
for s in arctic timit lj; do
  "$WREN" text-norm --ids "$s/text.raw" "$s/text" 2>/dev/null
  cut -d' ' -f2- "$s/text" > "$s.txt"; evals+=(--eval "$s.txt")
done
if [ ! -s train.txt ]; then
  for f in "$SHARED"/data/text/lm-corpus/*.txt.xz; do "$WREN" text-norm "$f" - 2>/dev/null; done > norm.txt
  "$WREN" leak-guard --window 8 "${evals[@]}" norm.txt train.txt 2>&1 | tail -1
fi
"$WREN" vocab-select --top 20000 --lexicon "$DICT" --report-oov arctic.txt --report-oov timit.txt --report-oov lj.txt train.txt vocab.txt 2>&1 | grep -v '^$'
t1=$(date +%s)
[ -s kn3.arpa ] || "$WREN" ngram-count -order 3 -text train.txt -vocab vocab.txt -lm kn3.arpa 2>/dev/null
[ -s kn4.arpa ] || "$WREN" ngram-count -order 4 -text train.txt -vocab vocab.txt -lm kn4.arpa 2>/dev/null
[ -s kn3p.arpa ] || "$WREN" ngram-count -order 3 -text train.txt -vocab vocab.txt -prune-target 300000 -lm kn3p.arpa 2>/dev/null
t2=$(date +%s)
models="kn3 kn4 kn3p"
if [ "${SKIP_IRSTLM:-0}" != 1 ] && [ -x /usr/lib/irstlm/bin/tlm ]; then
  if [ ! -s irst3.arpa ]; then
    # IRSTLM wants <s> ... </s> around each sentence; it has no closed-vocabulary option here,
    # so it is compared with Wren's trigram on the same open vocabulary (kn3open)
    awk '{print "<s> " $0 " </s>"}' train.txt > irst-train.txt
    /usr/lib/irstlm/bin/tlm -tr=irst-train.txt -n=3 -lm=ikn -ps=no -o=irst3open.arpa > irst.log 2>&1 \
      || { echo "ngram-table: IRSTLM failed: $(tail -2 irst.log)"; }
  fi
  [ -s kn3open.arpa ] || "$WREN" ngram-count -order 3 -text train.txt -lm kn3open.arpa 2>/dev/null
  [ -s irst3open.arpa ] && models="$models kn3open irst3open"
fi
printf '%-10s %30s' model "n-grams (1/2/3/4)"
for s in arctic timit lj; do printf ' %10s %7s' "ppl $s" "oov%"; done; echo
for m in $models; do
  counts=$(sed -n 's/^ngram *[0-9]= *\([0-9]*\)/\1/p' $m.arpa | paste -sd/)
  printf '%-10s %30s' "$m" "$counts"
  for s in arctic timit lj; do
    out=$("$WREN" ngram -lm $m.arpa -ppl $s.txt 2>/dev/null)
    w=$(echo "$out" | sed -n 's/.* \([0-9]*\) words, \([0-9]*\) OOVs.*/\1/p'); o=$(echo "$out" | sed -n 's/.* \([0-9]*\) OOVs.*/\1/p')
    p=$(echo "$out" | sed -n 's/.* ppl= \([0-9.e+]*\) .*/\1/p')
    printf ' %10s %7s' "$p" "$(awk -v o="$o" -v w="$w" 'BEGIN{printf "%.2f", 100*o/w}')"
  done; echo
done
echo "text prep $((t1 - t0)) s, Wren estimation (3-gram, 4-gram, pruned 3-gram) $((t2 - t1)) s"
