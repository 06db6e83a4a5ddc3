#!/bin/bash
# rescore.sh — end-to-end test of `wren rescore` and `wren rescore-tune` on real lattices:
# the five LibriVox utterances of pocketsphinx-testdata decoded (as tests/e2e/decode.sh) with a
# graph from a bigram on 8000 sentences of Austen's novels (text-norm, leak-guarded against the
# test transcripts), and a tiny NNLM trained for a few seconds on 3000 of those sentences.
# Checks: both modes rescore every lattice; lambda 0 with the first-pass LM reproduces the
# first-pass hypotheses without running the NNLM; n-best prefix sharing scores fewer tokens
# than naive scoring; the rescored lattices are readable and their best path is the lattice-mode hypothesis; lattices
# rescored side by side (the default --lattice-batch) are those of one at a time (same arcs,
# words and hypotheses, costs within float rounding), and so are n-best lists rescored in
# one trie (the same option); --graph takes the words and first-pass LM the graph records (mkgraph's
# lm.txt) and refuses an LM changed since; `wren decode --nnlm` gives what decode then rescore give
# (hypotheses, lattices, CTM, with one worker or two; whole utterances and cut ones in input order;
# adapted to the speaker, its lattices rescored
# together); an empty
# lattice passes through and is counted; rescore-tune prints a parsable "best" line and refuses
# the rescore options it would ignore; bad
# input (malformed lattice, missing model) fails with a one-line error. WER before/after is
# printed (a tiny NNLM: no improvement is asserted here; see bench/rescore.sh).
# Env: WREN (built wren), WREN_SHARED. Exit 77 = skip (inputs missing).
set -u
WREN=${WREN:?set WREN to the built wren}
SHARED=${WREN_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/../shared}   # default: beside the source tree
MODEL=/usr/share/pocketsphinx/model/en-us/en-us
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
LIBRI=/usr/share/pocketsphinx/test/data/librivox
CORPUS=$SHARED/data/text/lm-corpus/austen-six-novels.txt.xz
for p in "$MODEL/mdef" "$DICT" "$LIBRI/transcription" "$CORPUS"; do
  [ -e "$p" ] || { echo "SKIP: $p missing"; exit 77; }
done
tmp=$(mktemp -d /tmp/wren-e2e-rescore-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"

# --- first pass: LM text, graph, lattices
for u in $(cat "$LIBRI/fileids"); do echo "$u $LIBRI/$u.wav"; done > wav.scp
sed -e 's/<s> //; s/ <\/s>//' -e 's/^\(.*\) (\(.*\))$/\2 \1/' "$LIBRI/transcription" > ref.txt
cut -d' ' -f2- ref.txt > test-sents.txt
"$WREN" text-norm --paragraphs "$CORPUS" norm.txt 2> /dev/null || fail "text-norm"
"$WREN" leak-guard --eval test-sents.txt norm.txt guarded.txt > /dev/null 2>&1 || fail "leak-guard"
head -8000 guarded.txt > lm.txt
head -3000 guarded.txt > nn-train.txt
sed -n 3001,3300p guarded.txt > nn-valid.txt
"$WREN" ngram-count -order 2 -text lm.txt -lm lm.arpa 2> /dev/null || fail "ngram-count"
"$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa graph > mkgraph.log 2>&1 || fail "mkgraph: $(tail -3 mkgraph.log)"
# (--no-mbr: the best paths, which rescoring at lambda 0 reproduces)
"$WREN" decode --model "$MODEL" --graph graph --no-mbr wav.scp hyp1.txt lat.gz 2> decode.log || fail "decode: $(tail -3 decode.log)"
"$WREN" nnlm-train --train nn-train.txt --valid nn-valid.txt --out nn.safetensors --layers 1 \
  --d-model 32 --heads 2 --ffn 64 --context 32 --steps 120 --batch 16 --valid-every 60 \
  --threads 1 > train.log 2>&1 || fail "nnlm-train: $(tail -3 train.log)"
R=("$WREN" rescore --nnlm nn.safetensors --lm lm.arpa --words graph/words.txt)

# --- both modes, and lambda 0 = first pass
for mode in nbest lattice; do
  "${R[@]}" --mode $mode --nbest 50 --history 3 lat.gz hyp-$mode.txt out-$mode.gz 2> $mode.log \
    || fail "rescore --mode $mode: $(cat $mode.log)"
  cat $mode.log
  [ "$(wc -l < hyp-$mode.txt)" = 5 ] || fail "$mode: expected 5 hypotheses"
  grep -q "mode $mode, 5 lattices (0 empty)" $mode.log || fail "$mode: summary line"
  "${R[@]}" --mode $mode --lambda 0 lat.gz h0-$mode.txt 2> l0-$mode.log || fail "$mode lambda 0"
  cmp -s h0-$mode.txt hyp1.txt || { diff h0-$mode.txt hyp1.txt; fail "$mode: lambda 0 differs from the first pass"; }
  # the NNLM has no weight at lambda 0, so it is not run
  grep -q "NNLM tokens 0 (0.0 per utt) in 0 calls" l0-$mode.log || fail "$mode lambda 0 ran the NNLM: $(cat l0-$mode.log)"
done
shared=$(sed -n 's/.*NNLM tokens \([0-9]*\) .*/\1/p' nbest.log)
naive=$(sed -n 's/.*without prefix sharing \([0-9]*\) tokens.*/\1/p' nbest.log)
[ -n "$shared" ] && [ -n "$naive" ] && [ "$shared" -lt "$naive" ] || fail "prefix sharing: $shared vs $naive tokens"
# n-best lists of all lattices in one trie (the default --lattice-batch) = one lattice at a time
"${R[@]}" --mode nbest --nbest 50 --lattice-batch 1 lat.gz hyp-nb1.txt out-nb1.gz 2> nb1.log || fail "nbest --lattice-batch 1: $(cat nb1.log)"
cmp -s hyp-nb1.txt hyp-nbest.txt || { diff hyp-nb1.txt hyp-nbest.txt; fail "nbest --lattice-batch 1: other hypotheses"; }
paste -d' ' <(zcat out-nb1.gz) <(zcat out-nbest.gz) | awk '{
    n = NF / 2; if ($1 != $(n + 1)) { bad = 1; exit }
    d = $2 - $(n + 2); if (d < 0) d = -d; if (d > 1e-3 * (1 + ($2 < 0 ? -$2 : $2))) { bad = 1; exit }
  } END { exit bad }' || fail "nbest --lattice-batch 1: rescored n-best lists differ from the batched ones"
[ "$(zcat out-nb1.gz | wc -l)" = "$(zcat out-nbest.gz | wc -l)" ] && [ "$(zcat out-nb1.gz | wc -l)" -gt 5 ] \
  || fail "nbest --lattice-batch 1: n-best list sizes differ"
naive1=$(sed -n 's/.*without prefix sharing \([0-9]*\) tokens.*/\1/p' nb1.log)
[ "$naive1" = "$naive" ] || fail "nbest --lattice-batch 1: naive tokens $naive1 vs $naive"
# rescored lattices: readable, their best path is the lattice-mode hypothesis
"$WREN" lattice best-path --words graph/words.txt out-lattice.gz best.txt 2> /dev/null || fail "best-path of rescored lattices"
cmp -s best.txt hyp-lattice.txt || fail "best path of the rescored lattices differs from the hypotheses"
# --mbr: the hypotheses are the rescored lattices' MBR word sequences (the same lattices)
"${R[@]}" --mode lattice --mbr --nbest 50 --history 3 lat.gz hyp-mbr.txt out-mbr.gz 2> mbr.log || fail "rescore --mbr: $(cat mbr.log)"
cmp -s <(zcat out-mbr.gz) <(zcat out-lattice.gz) || fail "rescore --mbr changed the rescored lattices"
"$WREN" lattice mbr --words graph/words.txt out-lattice.gz mbr-of-lat.txt 2> /dev/null || fail "lattice mbr of rescored lattices"
cmp -s mbr-of-lat.txt hyp-mbr.txt || { diff mbr-of-lat.txt hyp-mbr.txt; fail "rescore --mbr hypotheses differ from the rescored lattices' MBR"; }
"${R[@]}" --mode nbest --mbr lat.gz hyp-x.txt 2> mbrnb.log && fail "--mbr with --mode nbest accepted"
[ "$(wc -l < mbrnb.log)" = 1 ] && grep -q -- '--mbr needs --mode lattice' mbrnb.log || fail "--mbr --mode nbest error: $(cat mbrnb.log)"
# batched (default) and one at a time (--lattice-batch 1, and 2: slots refilled) agree
for k in 1 2; do
  "${R[@]}" --mode lattice --history 3 --lattice-batch $k lat.gz hyp-lat$k.txt out-lat$k.gz 2> lat$k.log \
    || fail "rescore --lattice-batch $k: $(cat lat$k.log)"
  cmp -s hyp-lat$k.txt hyp-lattice.txt || { diff hyp-lat$k.txt hyp-lattice.txt; fail "--lattice-batch $k: other hypotheses"; }
  [ "$(sed -n 's/.*NNLM tokens \([0-9]*\) .*/\1/p' lat$k.log)" = "$(sed -n 's/.*NNLM tokens \([0-9]*\) .*/\1/p' lattice.log)" ] \
    || fail "--lattice-batch $k: other NNLM token count"
  paste -d'|' <(zcat out-lat$k.gz) <(zcat out-lattice.gz) | awk -F'|' '
    { na = split($1, a, /[ \t,]/); nb = split($2, b, /[ \t,]/)
      if (na != nb) { print "line " NR ": " $1 " vs " $2; bad = 1; exit }
      for (i = 1; i <= na; i++) {
        if (a[i] == b[i]) continue
        d = a[i] - b[i]; if (d < 0) d = -d; m = a[i] < 0 ? -a[i] : a[i]
        if (a[i] !~ /^-?[0-9.e+-]+$/ || d > 1e-3 * (1 + m)) { print "line " NR ": " $1 " vs " $2; bad = 1; exit }
      }
    }
    END { exit bad }' || fail "--lattice-batch $k: rescored lattices differ from the batched ones"
  [ "$(zcat out-lat$k.gz | wc -l)" = "$(zcat out-lattice.gz | wc -l)" ] || fail "--lattice-batch $k: other lattice sizes"
done
# n-best output: --nbest entries at most per utterance
awk '{print $1}' <(zcat out-nbest.gz) | sed 's/-[0-9]*$//' | sort | uniq -c | awk '$1 > 50 {exit 1}' || fail "n-best: more than 50"

# --- empty lattice passes through and is counted
{ zcat lat.gz; printf 'empty_utt\n\n'; } > with-empty.txt
"${R[@]}" --mode lattice with-empty.txt hyp-e.txt 2> e.log || fail "empty lattice: $(cat e.log)"
grep -q "6 lattices (1 empty)" e.log || fail "empty lattice not counted: $(cat e.log)"
grep -qx "empty_utt" hyp-e.txt || fail "empty lattice has no (empty) hypothesis line"

# --- tuning prints a line a script can read
"$WREN" rescore-tune --nnlm nn.safetensors --lm lm.arpa --words graph/words.txt --ref ref.txt \
  --nbest 50 --lambdas 0,0.5,1 --lm-weights 0.5,1 --word-penalties 0,1 lat.gz > tune.txt 2> tune.log || fail "rescore-tune: $(cat tune.log)"
cat tune.txt
grep -Eq '^best lambda=[0-9.]+ lm-weight=[0-9.]+ wip=[-0-9.]+ wer=[0-9.]+ ' tune.txt || fail "tune: no best line"
# rescore's options that tuning would ignore (it scores n-best lists; the grids set the weights)
# are refused, not silently dropped
for o in "--mode lattice" "--lambda 0.3" "--history 3"; do
  # shellcheck disable=SC2086
  "$WREN" rescore-tune --nnlm nn.safetensors --lm lm.arpa --words graph/words.txt --ref ref.txt $o lat.gz \
    > /dev/null 2> ign.log && fail "rescore-tune accepted $o, which it ignores"
  grep -q "unknown option '${o%% *}'" ign.log || fail "rescore-tune $o: $(cat ign.log)"
done

# --- --graph: words.txt and the LM the graph was built with (its lm.txt), as given explicitly
"$WREN" rescore --nnlm nn.safetensors --graph graph --history 3 lat.gz hyp-g.txt 2> g.log || fail "rescore --graph: $(cat g.log)"
cmp -s hyp-g.txt hyp-lattice.txt || { diff hyp-g.txt hyp-lattice.txt; fail "rescore --graph: other hypotheses than --lm/--words"; }
"$WREN" rescore-tune --nnlm nn.safetensors --graph graph --ref ref.txt --nbest 50 --lambdas 0,0.5,1 \
  --lm-weights 0.5,1 --word-penalties 0,1 lat.gz > tune-g.txt 2> /dev/null || fail "rescore-tune --graph"
cmp -s tune-g.txt tune.txt || fail "rescore-tune --graph: other output than --lm/--words"
"$WREN" ngram-count -order 3 -text lm.txt -lm lm4.arpa 2> /dev/null || fail "ngram-count (trigram)"
"$WREN" lattice lmrescore --words graph/words.txt --old-lm lm.arpa --new-lm lm4.arpa lat.gz lmr.gz 2> /dev/null \
  || fail "lattice lmrescore"
"$WREN" lattice lmrescore --graph graph --new-lm lm4.arpa lat.gz lmr-g.gz 2> /dev/null || fail "lattice lmrescore --graph"
cmp -s <(zcat lmr.gz) <(zcat lmr-g.gz) || fail "lattice lmrescore --graph: other lattices than --words/--old-lm"
# a changed LM is refused (its costs are no longer the lattices'), a moved one too; without an lm.txt
# --lm is asked for; a --first-pass-lm other than the record is warned about
mkdir g2 && for f in graph/*; do [ "$f" = graph/lm.txt ] || ln -s "$PWD/$f" g2/; done && cp lm.arpa lm-copy.arpa
sed "s# /.*# $PWD/lm-copy.arpa#" graph/lm.txt > g2/lm.txt   # the same bytes: the record holds
"$WREN" rescore --nnlm nn.safetensors --graph g2 lat.gz h.txt 2> /dev/null || fail "rescore --graph g2 (unchanged LM)"
sed -i '$d' lm-copy.arpa
"$WREN" rescore --nnlm nn.safetensors --graph g2 lat.gz h.txt 2> chg.log; rc=$?
[ $rc = 1 ] && [ "$(wc -l < chg.log)" = 1 ] && grep -q "g2/lm.txt: the graph's LM .*lm-copy.arpa has changed" chg.log \
  || fail "changed LM: exit $rc, $(cat chg.log)"
"$WREN" lattice lmrescore --graph g2 --new-lm lm4.arpa lat.gz x.gz 2> chg2.log && fail "lmrescore: changed LM accepted"
grep -q "give --old-lm" chg2.log || fail "lmrescore changed LM: $(cat chg2.log)"
rm lm-copy.arpa
"$WREN" rescore --nnlm nn.safetensors --graph g2 lat.gz h.txt 2> gone.log && fail "moved LM accepted"
grep -q "g2/lm.txt: the graph's LM .*lm-copy.arpa is gone" gone.log || fail "moved LM: $(cat gone.log)"
"$WREN" rescore --nnlm nn.safetensors --graph g2 --first-pass-lm lm.arpa --history 3 lat.gz h.txt 2> /dev/null \
  || fail "--first-pass-lm beside a stale lm.txt"
cmp -s h.txt hyp-lattice.txt || fail "--graph with --first-pass-lm: other hypotheses"
echo "5a3f1cfe lm.arpa" > g2/lm.txt
"$WREN" rescore --nnlm nn.safetensors --graph g2 lat.gz h.txt 2> bad-rec.log && fail "malformed lm.txt accepted"
grep -q "g2/lm.txt:1: expected one line 'CRC32 BYTES /path" bad-rec.log || fail "malformed lm.txt: $(cat bad-rec.log)"
rm g2/lm.txt
"$WREN" rescore --nnlm nn.safetensors --graph g2 lat.gz h.txt 2> nolm.log && fail "no lm.txt and no --lm accepted"
grep -q "g2 records no LM (no lm.txt.*give --first-pass-lm" nolm.log || fail "no lm.txt: $(cat nolm.log)"
"$WREN" rescore --nnlm nn.safetensors --graph graph --first-pass-lm lm4.arpa lat.gz h.txt 2> warn.log || fail "--first-pass-lm other"
grep -q "warning: graph was built with the LM .*lm.arpa (its lm.txt), not --first-pass-lm lm4.arpa" warn.log \
  || fail "no warning for a --first-pass-lm the graph was not built with: $(cat warn.log)"

# --- wren decode --nnlm: both passes in one command, as decode then rescore give them
"$WREN" rescore --nnlm nn.safetensors --graph graph lat.gz hyp-r.txt 2> r.log || fail "rescore (defaults): $(cat r.log)"
for nj in 1 2; do
  "$WREN" decode --graph graph --nnlm nn.safetensors --nj $nj --ctm dn$nj.ctm wav.scp hyp-dn$nj.txt lat-dn$nj.gz \
    2> dn$nj.log || fail "decode --nnlm --nj $nj: $(tail -3 dn$nj.log)"
  cmp -s hyp-dn$nj.txt hyp-r.txt || { diff hyp-dn$nj.txt hyp-r.txt; fail "decode --nnlm --nj $nj: other hypotheses than decode + rescore"; }
  grep -q "NNLM rescoring $(sed -n 's/.*NNLM tokens \([0-9]*\) .*/\1/p' r.log) tokens" dn$nj.log \
    || fail "decode --nnlm --nj $nj: NNLM tokens: $(grep 'decoded' dn$nj.log)"
  "$WREN" lattice best-path --words graph/words.txt lat-dn$nj.gz best-dn$nj.txt 2> /dev/null || fail "best path of decode --nnlm lattices"
  cmp -s best-dn$nj.txt hyp-r.txt || fail "decode --nnlm --nj $nj: its lattices' best paths are not its hypotheses"
  [ "$(awk '{print $5}' dn$nj.ctm | tr '\n' ' ')" = "$(cut -d' ' -f2- hyp-r.txt | tr '\n' ' ' | tr -s ' ')" ] \
    || fail "decode --nnlm --nj $nj: CTM words differ from the hypotheses"
done
# utterances cut at their pauses (rescored piece by piece) between whole ones (held back and
# rescored together): the outputs stay in input order, the whole ones' lines as without cutting
"$WREN" decode --graph graph --nnlm nn.safetensors --cut-seconds 4 wav.scp hyp-cut.txt 2> cut.log \
  || fail "decode --nnlm --cut-seconds 4: $(tail -3 cut.log)"
grep -q "^wren decode: 3 utterances longer than 4 s cut" cut.log || fail "--cut-seconds 4 did not cut 3 of 5: $(cat cut.log)"
[ "$(cut -d' ' -f1 hyp-cut.txt)" = "$(cut -d' ' -f1 wav.scp)" ] || fail "decode --nnlm with cuts: utterances out of order"
[ "$(grep -cxF -f hyp-dn1.txt hyp-cut.txt)" -ge 2 ] || fail "decode --nnlm with cuts: the uncut utterances' lines changed"
# with adaptation (a data dir with utt2spk): the adapted pass's lattices, a speaker's rescored together
mkdir dd && cp wav.scp dd/ && awk '{print $1, "reader"}' wav.scp > dd/utt2spk
"$WREN" decode --graph graph dd hyp-a.txt lat-a.gz 2> a.log || fail "decode (adapted): $(tail -3 a.log)"
"$WREN" rescore --nnlm nn.safetensors --graph graph lat-a.gz hyp-ar.txt 2> ar.log || fail "rescore (adapted): $(cat ar.log)"
"$WREN" decode --graph graph --nnlm nn.safetensors dd hyp-an.txt 2> an.log || fail "decode --nnlm (adapted): $(tail -3 an.log)"
cmp -s hyp-an.txt hyp-ar.txt || { diff hyp-an.txt hyp-ar.txt; fail "decode --nnlm (adapted): other hypotheses than decode + rescore"; }
grep -q "NNLM rescoring $(sed -n 's/.*NNLM tokens \([0-9]*\) .*/\1/p' ar.log) tokens" an.log \
  || fail "decode --nnlm (adapted): NNLM tokens: $(grep 'decoded' an.log)"
# the adapted pass decoded again (--no-adapt-rescore), and given transforms: the lattices held
# back and rescored together there too, with the outputs of decode then rescore
"$WREN" decode --graph graph --no-adapt-rescore --transforms-out tr.txt dd hyp-b.txt lat-b.gz 2> b.log \
  || fail "decode --no-adapt-rescore: $(tail -3 b.log)"
"$WREN" rescore --nnlm nn.safetensors --graph graph lat-b.gz hyp-br.txt 2> br.log || fail "rescore (--no-adapt-rescore): $(cat br.log)"
"$WREN" decode --graph graph --no-adapt-rescore --nnlm nn.safetensors dd hyp-bn.txt 2> bn.log \
  || fail "decode --no-adapt-rescore --nnlm: $(tail -3 bn.log)"
cmp -s hyp-bn.txt hyp-br.txt || { diff hyp-bn.txt hyp-br.txt; fail "decode --no-adapt-rescore --nnlm: other hypotheses than decode + rescore"; }
"$WREN" decode --graph graph --transforms tr.txt dd hyp-t.txt lat-t.gz 2> t.log || fail "decode --transforms: $(tail -3 t.log)"
"$WREN" rescore --nnlm nn.safetensors --graph graph lat-t.gz hyp-tr.txt 2> tr.log || fail "rescore (--transforms): $(cat tr.log)"
"$WREN" decode --graph graph --transforms tr.txt --nnlm nn.safetensors --cut-seconds 4 dd hyp-tn.txt 2> tn.log \
  || fail "decode --transforms --nnlm: $(tail -3 tn.log)"
[ "$(cut -d' ' -f1 hyp-tn.txt)" = "$(cut -d' ' -f1 wav.scp)" ] || fail "decode --transforms --nnlm with cuts: utterances out of order"
"$WREN" decode --graph graph --transforms tr.txt --nnlm nn.safetensors dd hyp-tn.txt 2> tn.log \
  || fail "decode --transforms --nnlm: $(tail -3 tn.log)"
cmp -s hyp-tn.txt hyp-tr.txt || { diff hyp-tn.txt hyp-tr.txt; fail "decode --transforms --nnlm: other hypotheses than decode + rescore"; }
"$WREN" decode --graph graph --nnlm nn.safetensors --nnlm-lambda 1.5 wav.scp h.txt 2> dlam.log && fail "--nnlm-lambda 1.5 accepted"
[ "$(cat dlam.log)" = "wren decode: --nnlm-lambda must be in [0, 1]" ] || fail "--nnlm-lambda 1.5: $(cat dlam.log)"
"$WREN" decode --graph g2 --nnlm nn.safetensors wav.scp h.txt 2> dnolm.log && fail "decode --nnlm without a first-pass LM accepted"
grep -q "g2 records no LM (no lm.txt.*give --first-pass-lm" dnolm.log || fail "decode --nnlm, no lm.txt: $(cat dnolm.log)"

# --- bad input
{ zcat lat.gz | head -3; echo "1 2 notanumber x"; } > bad.txt
"${R[@]}" --mode nbest bad.txt h.txt 2> bad.log; rc=$?
[ $rc = 1 ] || fail "malformed lattice exited $rc"
grep -q "bad.txt:4" bad.log || fail "no line number in: $(cat bad.log)"
"$WREN" rescore --nnlm missing.safetensors --lm lm.arpa --words graph/words.txt lat.gz h.txt 2> miss.log; rc=$?
[ $rc = 1 ] && grep -q "missing.safetensors" miss.log || fail "missing model: exit $rc, $(cat miss.log)"

# --- WER before/after (informational)
echo "first pass: $("$WREN" wer ref.txt hyp1.txt | head -1)"
echo "nbest:      $("$WREN" wer ref.txt hyp-nbest.txt | head -1)"
echo "lattice:    $("$WREN" wer ref.txt hyp-lattice.txt | head -1)"
echo "PASS"
