#!/bin/bash
# ngram-make.sh — counting in shards + merging on disk (utils/ngram-shards.sh: split, one
# `ngram-count -write` job per shard through utils/run-jobs.sh, `ngram-make -read ...`) against
# the reference measured in the same run: one `ngram-count` on the whole text. Modified-KN
# 4-gram on a real-size text: the leak-guarded LM corpus of the recipes
# (egs/lm16k/exp/lm/guarded.txt, read only) if it exists, else all of data/text/lm-corpus
# normalised by sed (~9.2M words). Prints wall time, CPU time (user+sys: the fair figure on a
# busy machine) and peak RSS of each stage, the ratios, and whether both ARPA files are
# identical (they must be).
# Environment: NGRAM_BENCH_TEXT (a text to use instead), NGRAM_BENCH_ORDER (4),
# NGRAM_BENCH_SHARDS (2), NGRAM_BENCH_NJ (2 parallel jobs).
set -eu
WREN=${WREN:-wren}
SHARED=${WREN_SHARED:-../shared}
SRC=$(cd "$(dirname "$0")/.." && pwd)
ORDER=${NGRAM_BENCH_ORDER:-4}
SHARDS=${NGRAM_BENCH_SHARDS:-2}
NJ=${NGRAM_BENCH_NJ:-2}
[ -x /usr/bin/time ] || { echo "SKIP: needs GNU time in /usr/bin/time"; exit 0; }
tmp=$(mktemp -d /tmp/wren-ngram-make-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C

text=${NGRAM_BENCH_TEXT:-$SRC/egs/lm16k/exp/lm/guarded.txt}
if [ ! -r "$text" ]; then
  DIR=$SHARED/data/text/lm-corpus
  ls "$DIR"/*.txt.xz > /dev/null 2>&1 || { echo "SKIP: no text (no $text, no corpus under $DIR)"; exit 0; }
  xz -dc "$DIR"/*.txt.xz | tr 'A-Z' 'a-z' | sed -e "s/[^a-z' ]/ /g" -e 's/  */ /g' -e 's/^ //' \
    -e 's/ $//' | grep -av '^$' > "$tmp/text"
  text=$tmp/text
fi
echo "text: $text, $(wc -l < "$text") lines, $(wc -w < "$text") words; order $ORDER, $SHARDS shards, $NJ jobs at once, $(nproc) CPUs"

# reference: one process counts and estimates
/usr/bin/time -f "%e %M %U %S" -o "$tmp/single.time" nice "$WREN" ngram-count -order "$ORDER" \
  -text "$text" -lm "$tmp/single.arpa" -tmpdir "$tmp" > "$tmp/single.log" 2>&1 \
  || { cat "$tmp/single.log"; echo "FAIL: ngram-count"; exit 1; }
read -r single_s single_kb single_u single_k < "$tmp/single.time"
single_cpu=$(echo "$single_u + $single_k" | bc)
echo "single ngram-count: $single_s s wall, cpu $single_cpu s, peak RSS $((single_kb / 1024)) MB"

# shards: split, count in parallel, merge from disk
t0=$(date +%s.%N)
nice "$SRC/utils/ngram-shards.sh" --wren "$WREN" --shards "$SHARDS" --order "$ORDER" --nj "$NJ" \
  --report "$text" "$tmp/sh" > "$tmp/sh.log" 2>&1 || { cat "$tmp/sh.log"; echo "FAIL: ngram-shards.sh"; exit 1; }
t1=$(date +%s.%N)
report=$(grep '^ngram-shards.sh: split' "$tmp/sh.log")
echo "${report#ngram-shards.sh: }"
counts_mb=$(du -cm "$tmp"/sh/counts.*.gz | tail -n 1 | cut -f1)
merged=$(sed -n 's/.*merged \([0-9]*\) count files: \(.*\), [0-9.]* s$/\2/p' "$tmp/sh/log/make.log")
echo "count files: $counts_mb MB gzip in total; merged: $merged"
grep -h '^# time:' "$tmp"/sh/log/count.*.log | sed 's/^# time: /  shard job: /'

sh_s=$(echo "$t1 - $t0" | bc)
count_all_mb=$(echo "$report" | sed -n 's/.*(\([0-9]*\) MB all jobs).*/\1/p')
merge_mb=$(echo "$report" | sed -n 's/.*merge+estimate [0-9.]* s, peak RSS \([0-9]*\) MB.*/\1/p')
peak=$(( count_all_mb > merge_mb ? count_all_mb : merge_mb ))
echo "sharded total: $sh_s s; peak memory of a stage $peak MB (the $SHARDS count jobs together, or the merge)"
sh_cpu=$(echo "$report" | sed -n 's/.*cpu: count \([0-9.]*\) s (all jobs), merge+estimate \([0-9.]*\) s.*/\1 + \2/p' | bc)
echo "sharded cpu: $sh_cpu s (count jobs + merge)"
awk -v a="$sh_s" -v b="$single_s" -v c="$peak" -v d="$((single_kb / 1024))" -v m="$merge_mb" \
  -v e="$sh_cpu" -v f="$single_cpu" \
  'BEGIN { printf "ratio sharded/single: wall time %.2f, cpu time %.2f, peak memory %.2f (merge alone %.2f)\n", a / b, e / f, c / d, m / d }'
if cmp -s "$tmp/single.arpa" "$tmp/sh/lm.arpa"; then
  echo "ARPA files identical: yes ($(sed -n 's/^ngram \([0-9]*\)=\(.*\)/\1-grams \2/p' "$tmp/single.arpa" | tr '\n' ' '))"
else
  echo "ARPA files identical: NO"; exit 1
fi
