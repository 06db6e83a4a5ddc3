#!/bin/bash
# ngram-make.sh — counting in shards and merging from disk gives the model of the whole text,
# end to end on real text (4500 lines of the shared Brown corpus, lower-cased and stripped of
# punctuation by sed, split into 3 shards):
#  1. `ngram-count -write` counts: the bigram lines equal an awk count of the text, and the file
#     is in the documented order (checked with LC_ALL=C sort -c after renaming the markers);
#  2. `ngram-make -read` x3 (plain, .gz, .xz) writes the same ARPA file, byte for byte, as
#     `ngram-count` on the whole text (modified KN 4-gram), and -write the same count file;
#  3. the same with Witten-Bell, a closed vocabulary applied only when merging, cut-offs and
#     pruning;
#  4. utils/ngram-shards.sh (local backend) builds the same 4-gram model;
#  5. malformed count files: one line "wren ngram-make: FILE:LINE: ...", exit 1, no output.
# Skips (77) when the shared corpus is missing.
set -eu
WREN=${WREN:-wren}
SHARED=${WREN_SHARED:-../shared}
SRC=${WREN_SRCDIR:-.}
CORPUS=$SHARED/data/text/lm-corpus/brown.txt.xz
[ -r "$CORPUS" ] || { echo "SKIP: $CORPUS not found"; exit 77; }
tmp=$(mktemp -d /tmp/wren-ngram-make.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
same() { cmp -s "$1" "$2" || { diff "$1" "$2" | head -n 5; fail "$3: $1 and $2 differ"; }; }

export LC_ALL=C
xz -dc "$CORPUS" | tr 'A-Z' 'a-z' | sed -e "s/[^a-z' ]/ /g" -e 's/  */ /g' -e 's/^ //' -e 's/ $//' \
  | grep -av '^$' | head -n 4500 > "$tmp/all.txt"
sed -n '1,1700p' "$tmp/all.txt" > "$tmp/s1"
sed -n '1701,3000p' "$tmp/all.txt" > "$tmp/s2"
sed -n '3001,4500p' "$tmp/all.txt" > "$tmp/s3"

# 1. counts of the whole text
"$WREN" ngram-count -order 4 -text "$tmp/all.txt" -lm "$tmp/full.arpa" -write "$tmp/full.counts" 2> /dev/null
awk '{ w = "<s>"; for (i = 1; i <= NF + 1; i++) { v = i <= NF ? $i : "</s>"; print w " " v; w = v } }' \
  "$tmp/all.txt" | sort | uniq -c | awk '{ print $2 " " $3 "\t" $1 }' | sort > "$tmp/bigrams.awk"
awk -F'\t' 'split($1, w, " ") == 2' "$tmp/full.counts" | sort > "$tmp/bigrams.wren"
same "$tmp/bigrams.awk" "$tmp/bigrams.wren" "bigram counts"
grep -q "^<s>	4500$" "$tmp/full.counts" || fail "<s> count"
awk -F'\t' 'NF != 2 || $2 !~ /^[1-9][0-9]*$/ { exit 1 }' "$tmp/full.counts" || fail "count line format"
for n in 1 2 3 4; do   # the model has one unigram more: <unk>, never counted
  [ "$(awk -F'\t' -v n=$n 'split($1, w, " ") == n' "$tmp/full.counts" | wc -l)" = \
    "$(( $(sed -n "s/^ngram $n=//p" "$tmp/full.arpa") - (n == 1) ))" ] || fail "number of $n-grams in the counts"
done
# order: <s> < </s> < <unk> < other words in byte order, prefix first = sort -c once the
# markers are renamed to bytes below every letter
awk -F'\t' '{ n = split($1, w, " "); s = ""; for (i = 1; i <= n; i++) {
    x = w[i] == "<s>" ? "\001" : w[i] == "</s>" ? "\002" : w[i] == "<unk>" ? "\003" : w[i]
    s = s (i > 1 ? " " : "") x }; print s "\t" $2 }' "$tmp/full.counts" | sort -c \
  || fail "count file not in the documented order"

# 2. shards counted apart (plain, gzip, xz), merged
"$WREN" ngram-count -order 4 -text "$tmp/s1" -write "$tmp/c1" 2> /dev/null
"$WREN" ngram-count -order 4 -text "$tmp/s2" -write "$tmp/c2.gz" 2> /dev/null
"$WREN" ngram-count -order 4 -text "$tmp/s3" -write "$tmp/c3" 2> /dev/null
xz "$tmp/c3"
gzip -t "$tmp/c2.gz" || fail "c2.gz is not gzip"
"$WREN" ngram-make -read "$tmp/c1" -read "$tmp/c2.gz" -read "$tmp/c3.xz" -order 4 \
  -lm "$tmp/merged.arpa" -write "$tmp/merged.counts" 2> "$tmp/log" || { cat "$tmp/log"; fail "ngram-make"; }
same "$tmp/full.arpa" "$tmp/merged.arpa" "KN 4-gram: ngram-make vs ngram-count"
same "$tmp/full.counts" "$tmp/merged.counts" "merged counts"
echo "KN 4-gram from 3 merged shards = ngram-count on the whole text ($(wc -c < "$tmp/full.arpa") bytes)"

# 3. other estimators and options; the vocabulary only at merge time
awk -F'\t' 'split($1, w, " ") == 1 && $2 >= 3 { print $1 }' "$tmp/full.counts" > "$tmp/vocab"
opts=(-order 3 -wbdiscount -vocab "$tmp/vocab" -gt2min 2 -prune 1e-7)
"$WREN" ngram-count "${opts[@]}" -text "$tmp/all.txt" -lm "$tmp/wb.arpa" 2> /dev/null
"$WREN" ngram-make "${opts[@]}" -read "$tmp/c1" -read "$tmp/c2.gz" "$tmp/c3.xz" -lm "$tmp/wb2.arpa" 2> /dev/null
same "$tmp/wb.arpa" "$tmp/wb2.arpa" "WB trigram with vocab, cut-off and pruning"
"$WREN" ngram-count -order 2 -text "$tmp/all.txt" -lm "$tmp/ak.arpa" -addk 0.5 2> /dev/null
"$WREN" ngram-make -order 2 -addk 0.5 -read "$tmp/c1" -read "$tmp/c2.gz" -read "$tmp/c3.xz" -lm "$tmp/ak2.arpa" 2> /dev/null
same "$tmp/ak.arpa" "$tmp/ak2.arpa" "add-k bigram from 4-gram counts"

# 4. the shard helper
"$SRC/utils/ngram-shards.sh" --wren "$WREN" --shards 3 --order 4 --nj 2 "$tmp/all.txt" "$tmp/sh" \
  2> "$tmp/sh.log" || { cat "$tmp/sh.log"; fail "ngram-shards.sh"; }
same "$tmp/full.arpa" "$tmp/sh/lm.arpa" "utils/ngram-shards.sh"
[ ! -e "$tmp/sh/text.1" ] || fail "shard texts left behind"
"$WREN" ngram-count -order 3 -text "$tmp/all.txt" -lm "$tmp/pt.arpa" -prune-target 20000 2> /dev/null
xz -c "$tmp/all.txt" > "$tmp/all.txt.xz"
"$SRC/utils/ngram-shards.sh" --wren "$WREN" --shards 2 --order 3 --lm "$tmp/pt2.arpa" \
  "$tmp/all.txt.xz" "$tmp/sh2" -- -prune-target 20000 2> "$tmp/sh.log" || { cat "$tmp/sh.log"; fail "ngram-shards.sh --"; }
same "$tmp/pt.arpa" "$tmp/pt2.arpa" "utils/ngram-shards.sh with pruning options"

# 5. malformed count files
bad() {  # NAME CONTENT EXPECTED-MESSAGE-AFTER-FILE
  printf "$2" > "$tmp/$1"
  if "$WREN" ngram-make -order 2 -read "$tmp/c1" -read "$tmp/$1" -lm "$tmp/x.arpa" 2> "$tmp/err"; then
    fail "$1 accepted"
  else rc=$?; fi
  [ "$rc" = 1 ] || fail "$1: exit code $rc"
  [ "$(wc -l < "$tmp/err")" = 1 ] || { cat "$tmp/err"; fail "$1: not one line"; }
  grep -qF "wren ngram-make: $tmp/$1:$3" "$tmp/err" || { cat "$tmp/err"; fail "$1: message"; }
  [ ! -e "$tmp/x.arpa" ] || fail "$1: output written"
}
bad badcount 'a\t3\nb\t3x\n' '2: bad count "3x"'
bad fields 'a\t3\nb\n' '2: one field "b"'
bad unsorted 'the\t1\nthe end\t1\nend\t1\n' '3: not sorted: "end" after "the end"'
bad markers 'a\t1\n</s>\t1\n' '2: not sorted: "</s>" after "a"'
# an error early in a big .gz file: reported as such (not as the killed decompressor)
(printf 'a\t1\nb\tx\n'; cat "$tmp/c1") | gzip > "$tmp/big.gz"
if "$WREN" ngram-make -order 2 -read "$tmp/big.gz" -lm "$tmp/x.arpa" 2> "$tmp/err"; then fail "big.gz accepted"; fi
grep -qF "wren ngram-make: $tmp/big.gz:2: bad count \"x\"" "$tmp/err" || { cat "$tmp/err"; fail "big.gz: message"; }
"$WREN" ngram-count -order 3 -text "$tmp/s1" -write "$tmp/o3" -write-order 3 2> /dev/null
grep -qv '^[^ ]* [^ ]* [^ ]*	' "$tmp/o3" && fail "-write-order 3 wrote other orders"
if "$WREN" ngram-make -order 3 -read "$tmp/o3" -lm "$tmp/x.arpa" 2> "$tmp/err"; then fail "trigrams only accepted"; fi
grep -q "^wren ngram-make: count files: no 1-grams" "$tmp/err" || { cat "$tmp/err"; fail "missing orders message"; }
"$WREN" ngram-make --help | grep -q "trie order" || fail "--help"
"$WREN" ngram-count --help | grep -q "trie order" || fail "ngram-count --help"
echo "PASS"
