#!/bin/bash
# ngram-count.sh — time and peak memory of counting + estimating a 4-gram modified-KN model on
# the whole shared LM corpus (all files of data/text/lm-corpus, lower-cased and stripped of
# punctuation by sed; ~9.2M words). Goal: < 5 min and < 4 GB on 2 cores. Reference in the same
# run: IRSTLM's tlm (improved KN, same text, same order) when installed; set
# NGRAM_BENCH_REFERENCE=0 to skip it. Prints sizes, seconds, peak RSS and the ratios.
set -eu
WREN=${WREN:-wren}
SHARED=${WREN_SHARED:-../shared}
ORDER=${NGRAM_BENCH_ORDER:-4}
DIR=$SHARED/data/text/lm-corpus
ls "$DIR"/*.txt.xz > /dev/null 2>&1 || { echo "SKIP: no corpus under $DIR"; exit 0; }
tmp=$(mktemp -d /tmp/wren-ngram-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

t0=$(date +%s.%N)
LC_ALL=C; export LC_ALL
xz -dc "$DIR"/*.txt.xz | tr 'A-Z' 'a-z' | sed -e "s/[^a-z' ]/ /g" -e 's/  */ /g' -e 's/^ //' \
  -e 's/ $//' | grep -av '^$' > "$tmp/text"
t1=$(date +%s.%N)
echo "text: $(wc -l < "$tmp/text") lines, $(wc -w < "$tmp/text") words (sed normalisation $(echo "$t1 - $t0" | bc) s)"

# run NAME CMD...: wall seconds and peak RSS (MB) from GNU time
run() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/$name.time" "$@" > "$tmp/$name.log" 2>&1 \
    || { cat "$tmp/$name.log"; echo "FAIL: $name"; exit 1; }
  read -r secs kb < "$tmp/$name.time"
  echo "$name: $secs s, peak RSS $((kb / 1024)) MB"
  eval "${name}_secs=$secs ${name}_mb=$((kb / 1024))"
}

run wren nice "$WREN" ngram-count -order "$ORDER" -text "$tmp/text" -lm "$tmp/wren.arpa" -tmpdir "$tmp"
grep '^ngram-count:' "$tmp/wren.log"
echo "wren model: $(sed -n 's/^ngram \([0-9]*\)=\(.*\)/\1-grams \2/p' "$tmp/wren.arpa" | tr '\n' ' ')"
awk -v s="$wren_secs" -v m="$wren_mb" 'BEGIN { printf "goal (< 300 s, < 4096 MB): %s\n",
  (s < 300 && m < 4096) ? "met" : "NOT met" }'

if [ "${NGRAM_BENCH_REFERENCE:-1}" != 0 ] && [ -x "${IRSTLM:-/usr/lib/irstlm}/bin/tlm" ]; then
  sed 's/.*/<s> & <\/s>/' "$tmp/text" > "$tmp/text.se"
  run irstlm nice "${IRSTLM:-/usr/lib/irstlm}/bin/tlm" -tr="$tmp/text.se" -n="$ORDER" -lm=ikn -ps=no \
    -o="$tmp/irst.arpa"
  echo "irstlm model: $(sed -n 's/^ngram *\([0-9]*\)= *\(.*\)/\1-grams \2/p' "$tmp/irst.arpa" | tr '\n' ' ')"
  awk -v a="$wren_secs" -v b="$irstlm_secs" -v c="$wren_mb" -v d="$irstlm_mb" \
    'BEGIN { printf "ratio wren/irstlm: time %.2f, peak memory %.2f\n", a / b, c / d }'
fi
