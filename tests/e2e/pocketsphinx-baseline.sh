#!/bin/bash
# pocketsphinx-baseline.sh — egs/steps/pocketsphinx_baseline.sh (the recipes' pocketsphinx_batch
# reference) on the five LibriVox sentences of pocketsphinx-testdata with Debian's en-us model and
# LM: it writes a hypothesis per utterance and the record of its settings; a rerun with the same
# settings keeps the finished run (the recipes resume) and one with other options decodes again;
# --nj parts give the same hypotheses as one process, and a rerun keeps the parts that finished.
# Not for: Wren's own decoding (decode.sh, decode-mismatch.sh).
# Env: WREN_SRCDIR (the source tree; default: this script's ../..). Exit 77 = skip (inputs missing).
set -u
src=${WREN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MODEL=/usr/share/pocketsphinx/model/en-us/en-us
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
LM=/usr/share/pocketsphinx/model/en-us/en-us.lm.bin
LIBRI=/usr/share/pocketsphinx/test/data/librivox
for p in "$MODEL/mdef" "$DICT" "$LM" "$LIBRI/fileids"; do
  [ -e "$p" ] || { echo "SKIP: $p missing (apt-get install pocketsphinx-en-us pocketsphinx-testdata)"; exit 77; }
done
for t in sox pocketsphinx_batch; do
  command -v $t > /dev/null || { echo "SKIP: $t missing (utils/setup.sh installs it)"; exit 77; }
done
tmp=$(mktemp -d /tmp/wren-e2e-psphx-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"
mkdir data
while read -r u; do echo "$u $LIBRI/$u.wav"; done < "$LIBRI/fileids" | LC_ALL=C sort > data/wav.scp
n=$(wc -l < data/wav.scp)
[ "$n" -eq 5 ] || fail "expected the 5 LibriVox sentences, found $n"
base="$src/egs/steps/pocketsphinx_baseline.sh"

"$base" "$MODEL" "$DICT" "$LM" data out 2> err1.txt || fail "first run: $(cat err1.txt)"
[ "$(wc -l < out/hyp.txt)" -eq 5 ] || fail "first run: $(wc -l < out/hyp.txt) hypotheses for 5 utterances"
[ "$(cut -d' ' -f1 out/hyp.txt)" = "$(cut -d' ' -f1 data/wav.scp)" ] || fail "first run: utterance ids differ from wav.scp"
[ "$(awk 'NF > 3' out/hyp.txt | wc -l)" -ge 4 ] || fail "first run: fewer than 4 hypotheses with words: $(cat out/hyp.txt)"
grep -q "opts= " out/settings || fail "no settings record: $(cat out/settings 2>&1)"
echo "first run: $(wc -w < out/hyp.txt) words in 5 hypotheses"

cp out/hyp.txt hyp1.txt; touch -d '2000-01-01' out/hyp.txt out/cpu.txt
"$base" "$MODEL" "$DICT" "$LM" data out 2> err2.txt || fail "rerun: $(cat err2.txt)"
grep -q 'done with these settings (kept)' err2.txt || fail "rerun with the same settings decoded again: $(cat err2.txt)"
[ "$(stat -c %Y out/hyp.txt)" = "$(date -d 2000-01-01 +%s)" ] || fail "rerun with the same settings rewrote hyp.txt"

"$base" --opts "-beam 1e-20" "$MODEL" "$DICT" "$LM" data out 2> err3.txt || fail "other options: $(cat err3.txt)"
grep -q 'kept' err3.txt && fail "a rerun with other options kept the old run"
[ "$(stat -c %Y out/hyp.txt)" != "$(date -d 2000-01-01 +%s)" ] || fail "a rerun with other options left hyp.txt"
grep -q 'opts=-beam 1e-20 ' out/settings || fail "settings record of the rerun: $(cat out/settings)"
# another LM at the same path (the recipes rebuild theirs) decodes again
cp "$LM" lm.bin; "$base" "$MODEL" "$DICT" lm.bin data out2 2> /dev/null || fail "run with lm.bin"
printf 'x' >> lm.bin
"$base" "$MODEL" "$DICT" lm.bin data out2 2> err4.txt; grep -q 'kept' err4.txt && fail "a run with a changed LM file kept the old run"
[ "$(wc -l < out/hyp.txt)" -eq 5 ] || fail "rerun with other options: $(wc -l < out/hyp.txt) hypotheses"

# --nj: the same hypotheses from parallel parts (each utterance is normalised on its own), the
# CPU seconds of all parts; more parts than utterances leaves none empty
"$base" --nj 2 "$MODEL" "$DICT" "$LM" data nj2 2> err5.txt || fail "--nj 2: $(cat err5.txt)"
cmp -s hyp1.txt nj2/hyp.txt || fail "--nj 2 hypotheses differ from one process's: $(diff hyp1.txt nj2/hyp.txt)"
[ "$(ls -d nj2/part.* | wc -l)" -eq 2 ] || fail "--nj 2 ran $(ls -d nj2/part.* | wc -l) parts"
awk '{ exit !($1 > 0) }' nj2/cpu.txt || fail "--nj 2 cpu.txt: $(cat nj2/cpu.txt)"
mkdir two; head -2 data/wav.scp > two/wav.scp
"$base" --nj 5 "$MODEL" "$DICT" "$LM" two nj5 2> /dev/null || fail "--nj 5 on 2 utterances"
head -2 hyp1.txt | cmp -s - nj5/hyp.txt || fail "--nj 5 hypotheses differ from one process's"
[ "$(ls -d nj5/part.* | wc -l)" -eq 2 ] || fail "--nj 5 on 2 utterances ran $(ls -d nj5/part.* | wc -l) parts"
# a run killed after part 1 finished: the rerun keeps it and decodes part 2 only
rm -f nj2/settings nj2/hyp.txt; rm -rf nj2/part.2; touch -d '2000-01-01' nj2/part.1/hyp.raw
"$base" --nj 2 "$MODEL" "$DICT" "$LM" data nj2 2> err6.txt || fail "--nj 2 resumed: $(cat err6.txt)"
[ "$(stat -c %Y nj2/part.1/hyp.raw)" = "$(date -d 2000-01-01 +%s)" ] || fail "the resumed run decoded the finished part again"
[ -s nj2/part.2/hyp.raw ] && cmp -s hyp1.txt nj2/hyp.txt || fail "the resumed run: part 2 missing or other hypotheses"
out=$("$base" --nj 0 "$MODEL" "$DICT" "$LM" data nj0 2>&1) && fail "--nj 0 was accepted"
[ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q -- "--nj" || fail "--nj 0: not a one-line error naming --nj: $out"
echo "PASS: pocketsphinx_baseline.sh decodes, records its settings, keeps a finished run and redoes a changed one; --nj parts agree with one process and resume"
