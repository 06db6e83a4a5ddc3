#!/bin/bash
# text-prep.sh — speed and effect of the text preparation on the whole shared LM corpus
# (~9.2M words, 11 xz files): `wren text-norm` throughput against plain decompression + an awk
# lower-casing pass in the same run, the leak guard against the normalised transcripts of
# arctic-fraser, timit-sample and lj-prompts-reader (lines removed per source), and vocabulary
# selection with OOV rates. Prints figures; asserts nothing about speed.
set -eu
WREN=${WREN:-wren}
DATA=${WREN_SHARED:-../shared}/data
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
CORPUS=$DATA/text/lm-corpus
tmp=$(mktemp -d /tmp/wren-bench-text.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }

for f in "$DATA"/speech/arctic-fraser/text/arctic_*.txt; do printf '%s %s\n' "$(basename "$f" .txt)" "$(cat "$f")"; done > "$tmp/arctic.text"
for d in "$DATA"/speech/timit-sample/dr*-*; do
  for f in "$d"/*.txt; do printf '%s-%s %s\n' "$(basename "$d")" "$(basename "$f" .txt)" "$(cut -d' ' -f3- "$f")"; done
done > "$tmp/timit.text"
awk -F'|' '{ print $1 " " $2 }' "$DATA/speech/lj-prompts-reader/metadata.csv" > "$tmp/lj.text"
for s in arctic timit lj; do "$WREN" --quiet text-norm --ids "$tmp/$s.text" "$tmp/$s.norm"; done

# hard-wrapped sources are normalised and guarded by paragraph
para() { case "$1" in austen-six-novels|gutenberg-nltk|reuters) echo --paragraphs ;; esac; }

t0=$(now)
for f in "$CORPUS"/*.txt.xz; do xz -dc "$f" | awk '{ print tolower($0) }' > /dev/null; done
t1=$(now)
printf '%-26s %9s %9s %9s %8s\n' source "raw words" removed kept "norm words"
total_raw=0
for f in "$CORPUS"/*.txt.xz; do
  b=$(basename "$f" .txt.xz)
  "$WREN" --quiet leak-guard $(para "$b") --ids --eval "$tmp/arctic.norm" --eval "$tmp/timit.norm" --eval "$tmp/lj.norm" \
    "$f" "$tmp/$b.clean" > "$tmp/$b.leak" 2> /dev/null
  "$WREN" --quiet text-norm $(para "$b") "$tmp/$b.clean" "$tmp/$b.norm"
  raw=$(xz -dc "$f" | wc -w)
  total_raw=$((total_raw + raw))
  printf '%-26s %9d %9s %9s %8d\n' "$b" "$raw" "$(sed -n 's/.*removed=\([0-9]*\).*/\1/p' "$tmp/$b.leak")" \
    "$(sed -n 's/.*kept=\([0-9]*\).*/\1/p' "$tmp/$b.leak")" "$(wc -w < "$tmp/$b.norm")"
done
t2=$(now)
cat "$tmp"/*.norm | grep -v '^[a-z0-9_-]* ' > /dev/null || true
# text-norm alone on the whole corpus, timed
t3=$(now)
for f in "$CORPUS"/*.txt.xz; do b=$(basename "$f" .txt.xz); "$WREN" --quiet text-norm $(para "$b") "$f" "$tmp/$b.norm2"; done
t4=$(now)
cat $(ls "$tmp"/*.norm2) > "$tmp/all.norm"
nw=$(wc -w < "$tmp/all.norm")
t5=$(now)
"$WREN" --quiet leak-guard --ids --eval "$tmp/arctic.norm" --eval "$tmp/timit.norm" --eval "$tmp/lj.norm" \
  "$tmp/all.norm" "$tmp/all.clean" > "$tmp/all.leak" 2> /dev/null
t6=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t3" -v d="$t4" -v e="$t5" -v f="$t6" -v w="$total_raw" -v n="$nw" 'BEGIN {
  printf "reference: xz -dc | awk tolower over the corpus: %.1f s (%.2f M raw words/s)\n", b - a, w / (b - a) / 1e6
  printf "wren text-norm over the corpus (incl. xz): %.1f s (%.2f M raw words/s), %.2fx the reference time\n", d - c, w / (d - c) / 1e6, (d - c) / (b - a)
  printf "wren leak-guard on the normalised corpus (%d words): %.1f s (%.2f M words/s)\n", n, f - e, n / (f - e) / 1e6 }'
cat "$tmp/all.leak"
/usr/bin/time -f "vocab-select: %e s, peak RSS %M kB" "$WREN" vocab-select --top 20000 --lexicon "$DICT" --ids \
  --report-oov "$tmp/arctic.norm" --report-oov "$tmp/timit.norm" --report-oov "$tmp/lj.norm" "$tmp/all.clean" "$tmp/vocab"
