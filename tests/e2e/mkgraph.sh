#!/usr/bin/env bash
# mkgraph.sh — end-to-end test of `wren mkgraph` on Debian's pocketsphinx-en-us model and
# CMUdict with a small hand-written trigram: the graph directory has every file of the contract
# (graph.h), OpenFst's fstinfo reads HCLG.fst and agrees with the summary line, words.txt has
# exactly the pronounceable LM words, transitions.txt maps into the model's senones, and bad
# input gives exit 1 with one line naming the file and line.
# Not for: graph correctness on toy models (tests/test_graph.c) or speed (bench/mkgraph.sh).
set -uo pipefail
export LC_ALL=C

wren=${WREN:-wren}
model=/usr/share/pocketsphinx/model/en-us/en-us
dict=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
[ -f "$model/mdef" ] && [ -f "$dict" ] || { echo "mkgraph: skipped: needs pocketsphinx-en-us"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wren-mkgraph.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99

nfail=0
check() {  # $1 = description, rest = command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; nfail=$((nfail + 1)); fi
}

cat > lm.arpa <<'ARPA'
\data\
ngram 1=8
ngram 2=6
ngram 3=2

\1-grams:
-1.0 </s>
-99 <s> -0.4
-1.1 the -0.3
-1.5 cat -0.2
-1.6 sat -0.2
-1.7 mat -0.1
-1.9 red -0.1
-2.5 xqzzyv -0.1

\2-grams:
-0.3 <s> the -0.1
-0.4 the cat -0.1
-0.5 cat sat
-0.6 sat </s>
-0.7 the mat
-0.9 red cat

\3-grams:
-0.2 <s> the cat
-0.1 the cat sat

\end\
ARPA

"$wren" mkgraph --model "$model" --dict "$dict" --lm lm.arpa g > out.txt 2> err.txt
rc=$?
check "mkgraph exits 0" test "$rc" -eq 0
last=$(tail -n 1 out.txt)
echo "$last"
check "summary line names states, arcs, time and peak memory" \
  grep -Eq '[0-9]+ states, [0-9]+ arcs, .* [0-9.]+ s, peak memory [0-9]+ MB$' <<< "$last"
for f in HCLG.fst HCLG.wgraph words.txt phones.txt transitions.txt; do
  check "g/$f written" test -s "g/$f"
done
check "g/model.txt: the model folder's absolute path" test "$(cat g/model.txt)" = "$(realpath "$model")"
# lm.txt: the LM's CRC-32 (zlib's, computed here by Python), byte count and absolute path
lmrec="$(python3 -c 'import sys, zlib; d = open(sys.argv[1], "rb").read(); print("%08x %d" % (zlib.crc32(d), len(d)))' lm.arpa) $(realpath lm.arpa)"
check "g/lm.txt: the LM's CRC-32, size and absolute path" test "$(cat g/lm.txt)" = "$lmrec"
# a rebuild that fails leaves no record of the old LM beside whatever graph is there
cp -r g gfail && "$wren" mkgraph --model "$model" --dict "$dict" --lm missing.arpa gfail > /dev/null 2>&1
check "a failed rebuild exits non-zero" test $? -ne 0
check "a failed rebuild removes the old lm.txt" test ! -e gfail/lm.txt
# without --model and --dict: Debian's en-us and its cmudict (what the recipes pass), when installed
if [ "$(realpath "$model")" = "$(realpath /usr/share/pocketsphinx/model/en-us/en-us 2>/dev/null)" ] &&
   [ "$(realpath "$dict")" = "$(realpath /usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict 2>/dev/null)" ]; then
  "$wren" mkgraph --lm lm.arpa gd > /dev/null 2>&1
  check "mkgraph without --model and --dict: the same graph" cmp -s g/HCLG.fst gd/HCLG.fst
fi
check "dropped word reported" grep -q "xqzzyv" err.txt
check "words.txt: <eps> 0, the 5 pronounceable words, <s>, </s>" \
  test "$(awk '{print $1}' g/words.txt | tr '\n' ' ')" = "<eps> the cat sat mat red <s> </s> "
if command -v fstinfo > /dev/null; then
  states=$(fstinfo g/HCLG.fst | awk '/^# of states/ {print $NF}')
  arcs=$(fstinfo g/HCLG.fst | awk '/^# of arcs/ {print $NF}')
  check "fstinfo reads HCLG.fst ($states states, $arcs arcs) as the summary says" \
    grep -q " $states states, $arcs arcs," <<< "$last"
  # output labels are word ids of words.txt; input labels are transition ids
  ntid=$(wc -l < g/transitions.txt)
  check "labels in range" bash -c "fstprint g/HCLG.fst | awk -v n=$ntid -v w=$(wc -l < g/words.txt) \
    'NF >= 4 && (\$3 > n || \$4 >= w) {bad=1} END {exit bad}'"
else
  echo "note: fstinfo not installed; OpenFst checks skipped"
fi
nsen=$("$wren" am-info "$model" | awk '$1 == "senones" {print $2}')
check "transitions.txt: tids 1..n in order, senones < $nsen, self-loop flag 0/1" \
  awk -v s="$nsen" '$1 != NR || $2 >= s || ($5 != 0 && $5 != 1) || NF != 5 {bad=1} END {exit bad}' g/transitions.txt

# --- bad input ----------------------------------------------------------------------------
printf 'the DH AH\ncat K AE T\nsat\n' > bad.dict
"$wren" mkgraph --model "$model" --dict bad.dict --lm lm.arpa g2 > /dev/null 2> err2.txt
rc=$?
check "malformed lexicon: exit 1" test "$rc" -eq 1
check "malformed lexicon: one line naming bad.dict:3" \
  bash -c "test \$(wc -l < err2.txt) -eq 1 && grep -q 'bad.dict:3:' err2.txt"
printf 'the DH AH\ncat K AE T\nsat S QQ T\n' > bad2.dict
"$wren" mkgraph --model "$model" --dict bad2.dict --lm lm.arpa g3 > /dev/null 2> err3.txt
rc=$?
check "phone missing from the model: exit 1 naming bad2.dict:3 and QQ" \
  bash -c "test $rc -eq 1 && grep -q \"bad2.dict:3: phone 'QQ'\" err3.txt"
"$wren" mkgraph --model "$model" --dict "$dict" g4 > /dev/null 2>&1
check "missing --lm: exit 1" test $? -eq 1

[ "$nfail" -eq 0 ] || { echo "mkgraph: $nfail check(s) failed"; exit 1; }
echo "mkgraph: all checks passed"
