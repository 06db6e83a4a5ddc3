#!/bin/bash
# decode-fmllr.sh — end-to-end test of fMLLR speaker adaptation in `wren decode`: Debian's
# pocketsphinx-en-us model, the five LibriVox test utterances of pocketsphinx-testdata as a
# Kaldi data dir of one speaker, and a graph with a small trigram on their transcripts (a
# closed LM: this checks the two-pass plumbing and the transform table, not a WER benchmark).
# Checks: --adapt fmllr writes hypotheses, lattices, the SI hypotheses and a 39 x 40 transform
# table in Kaldi's text-matrix layout; the log reports a full transform that raised the
# auxiliary function; by default a second estimate rescores the adapted lattices, whose best
# paths are the hypotheses, and MAP means (tau 500) are on; adaptation does not hurt this clean
# speaker; --transforms with the table of a run without that rescoring (nor MAP) reproduces its
# adapted pass exactly; EM steps, lattice
# posteriors, MAP means, n-best and CTM work together; --nj 2 gives one job's outputs, as does the
# recipes' step egs/steps/decode_fmllr.sh; MLLR means are estimated; without utt2spk each utterance is a speaker,
# as is each utterance an utt2spk lacks (with a warning);
# egs/steps/adapt_bound.sh builds leave-one-out speakers of the others' utterances and prints its rows;
# bad options and tables fail with exit 1 and a message naming the file and line.
# Env: WREN (built wren). Exit 77 = skip (inputs missing).
set -u
WREN=${WREN:?set WREN to the built wren}
src=${WREN_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MODEL=/usr/share/pocketsphinx/model/en-us/en-us
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
LIBRI=/usr/share/pocketsphinx/test/data/librivox
for p in "$MODEL/mdef" "$DICT" "$LIBRI/transcription"; do
  [ -e "$p" ] || { echo "SKIP: $p missing (apt-get install pocketsphinx-en-us pocketsphinx-testdata)"; exit 77; }
done
tmp=$(mktemp -d /tmp/wren-e2e-fmllr-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"

mkdir data
for u in $(cat "$LIBRI/fileids"); do echo "$u $LIBRI/$u.wav"; done > data/wav.scp
for u in $(cat "$LIBRI/fileids"); do echo "$u austen"; done > data/utt2spk
sed -e 's/<s> //; s/ <\/s>//' -e 's/^\(.*\) (\(.*\))$/\2 \1/' "$LIBRI/transcription" > data/text
cut -d' ' -f2- data/text > lm.txt
"$WREN" ngram-count -order 3 -text lm.txt -lm lm.arpa 2> ngram.log || fail "ngram-count: $(cat ngram.log)"
"$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa graph > mkgraph.log 2>&1 \
  || fail "mkgraph: $(tail -3 mkgraph.log)"

# --- two passes, one speaker
"$WREN" decode --model "$MODEL" --graph graph --adapt fmllr --transforms-out trans.txt --si-hyp si.txt \
  data hyp.txt lat.gz 2> adapt.log || fail "decode --adapt fmllr: $(cat adapt.log)"
cat adapt.log
[ "$(wc -l < hyp.txt)" = 5 ] && [ "$(wc -l < si.txt)" = 5 ] || fail "expected 5 adapted and 5 SI hypotheses"
[ "$(zcat lat.gz | grep -c '^sense_and')" = 5 ] || fail "expected 5 lattices"
grep -q "5 utterances decoded, 0 failed" adapt.log || fail "summary line"
grep -q "fmllr speaker austen: [0-9]* frames, full transform, auxiliary function .* (+[0-9.]*)" adapt.log \
  || fail "no log line of a full transform with a positive improvement"
grep -q "CPU time: speaker-independent pass" adapt.log || fail "no CPU time line"
"$WREN" lattice mbr --words graph/words.txt lat.gz mbr.txt 2>/dev/null || fail "lattice mbr"
cmp -s mbr.txt hyp.txt || fail "adapted lattices' MBR word sequences differ from the adapted hypotheses"
# the table: one Kaldi text matrix, 39 rows of 40 numbers, "]" closing the last row
[ "$(head -1 trans.txt)" = "austen  [" ] || fail "table header: $(head -1 trans.txt)"
[ "$(wc -l < trans.txt)" = 40 ] || fail "expected 1 + 39 lines in the table"
sed -n '2,40p' trans.txt | sed 's/ \]$//' | awk 'NF != 40 {exit 1} {for (i = 1; i <= NF; i++) if ($i !~ /^-?[0-9.]+(e[-+][0-9]+)?$/) exit 1}' \
  || fail "rows are not 40 numbers"
tail -1 trans.txt | grep -q ' ]$' || fail "last row does not end with ']'"
# not the identity: the diagonal moved
awk 'NR > 1 {v = $(NR - 1); if (v != 1) moved = 1} END {exit !moved}' trans.txt || fail "identity transform"
si_err=$("$WREN" wer data/text si.txt | sed -n 's/^%WER [0-9.]* \[ \([0-9]*\) .*/\1/p')
ad_err=$("$WREN" wer data/text hyp.txt | sed -n 's/^%WER [0-9.]* \[ \([0-9]*\) .*/\1/p')
echo "errors: SI $si_err, adapted $ad_err"
[ -n "$si_err" ] && [ -n "$ad_err" ] && [ "$ad_err" -le $((si_err + 1)) ] || fail "adaptation hurt: $si_err -> $ad_err errors"

# by default the last estimate rescores the adapted pass's lattices: two estimates logged, the
# second on the adapted pass
[ "$(grep -c 'fmllr speaker austen:' adapt.log)" = 2 ] || fail "--adapt-rescore (default) did not estimate twice"
# and MAP means with a prior weight of 500 frames are on by default (5 utterances: a few seconds
# of speech move no Gaussian as much as halfway)
grep -q "map speaker austen: 0.0 % of the Gaussians have at least tau = 500 frames" adapt.log \
  || fail "MAP means (tau 500) not on by default: $(grep map adapt.log)"

# --- adaptation is the default (--adapt auto) for a data dir with an utt2spk: the same hypotheses
# without --adapt; --adapt none is one speaker-independent pass (no estimate logged, and on this
# speaker no fewer errors), and so is the default for a wav.scp, whose speakers are unknown
"$WREN" decode --model "$MODEL" --graph graph data hyp-default.txt 2> default.log || fail "decode: $(cat default.log)"
cmp -s hyp-default.txt hyp.txt || { diff hyp-default.txt hyp.txt; fail "the default is not --adapt fmllr"; }
"$WREN" decode --model "$MODEL" --graph graph --adapt none data hyp-none.txt 2> none.log || fail "decode --adapt none: $(cat none.log)"
grep -q "fmllr speaker" none.log && fail "--adapt none estimated a transform"
"$WREN" decode --model "$MODEL" --graph graph data/wav.scp hyp-scp.txt 2> scp.log || fail "decode of the wav.scp: $(cat scp.log)"
grep -q "fmllr speaker" scp.log && fail "the default adapted a wav.scp"
cmp -s hyp-scp.txt hyp-none.txt || { diff hyp-scp.txt hyp-none.txt; fail "the default on a wav.scp is not --adapt none"; }
none_err=$("$WREN" wer data/text hyp-none.txt | sed -n 's/^%WER [0-9.]* \[ \([0-9]*\) .*/\1/p')
echo "errors: --adapt none $none_err, default $ad_err"
[ -n "$none_err" ] && [ "$ad_err" -le "$none_err" ] || fail "the default has more errors than --adapt none: $ad_err > $none_err"
"$WREN" decode --model "$MODEL" --graph graph --adapt mllr data x.txt 2> bad.log && fail "--adapt mllr accepted"
grep -q "unknown adaptation 'mllr' (known: fmllr, none, auto)" bad.log || fail "--adapt mllr: $(cat bad.log)"
"$WREN" decode --model "$MODEL" --graph graph --adapt none --si-hyp x.txt data x.txt 2> bad.log && fail "--si-hyp with --adapt none accepted"
grep -q -- "--si-hyp need --adapt fmllr" bad.log || fail "--si-hyp with --adapt none: $(cat bad.log)"

# --- the table reused: the same features and transform give the same hypotheses (without the
# rescoring, the table's transform is the one the adapted pass decoded with; the table holds no
# MAP means; --adapt-beam 0: the adapted pass searches at --beam, as a --transforms decode does)
"$WREN" decode --model "$MODEL" --graph graph --adapt fmllr --no-adapt-rescore --adapt-map-tau 0 --adapt-beam 0 --transforms-out trans1.txt \
  data hyp1.txt 2> adapt1.log || fail "decode --adapt fmllr --no-adapt-rescore: $(cat adapt1.log)"
[ "$(grep -c 'fmllr speaker austen:' adapt1.log)" = 1 ] || fail "--no-adapt-rescore estimated more than once"
"$WREN" decode --model "$MODEL" --graph graph --transforms trans1.txt data hyp-re.txt 2> re.log \
  || fail "decode --transforms: $(cat re.log)"
cmp -s hyp1.txt hyp-re.txt || fail "--transforms does not reproduce the adapted pass"
# --adapt-iters 2 runs and re-estimates
"$WREN" decode --model "$MODEL" --graph graph --adapt fmllr --adapt-iters 2 data hyp2.txt 2> it2.log \
  || fail "--adapt-iters 2: $(cat it2.log)"
[ "$(grep -c 'fmllr speaker austen:' it2.log)" = 3 ] || fail "--adapt-iters 2 did not estimate twice, then for the rescoring"

# lattice posteriors, EM steps and MAP means run and log what they did, and do not hurt
"$WREN" decode --model "$MODEL" --graph graph --adapt fmllr --adapt-posteriors lattice --fmllr-em-iters 3 \
  --adapt-map-tau 5 --nbest 2 --ctm hyp3.ctm data hyp3.txt 2> em.log || fail "lattice posteriors, EM and MAP: $(cat em.log)"
# n-best and CTM of the final (rescored) pass only
[ "$(grep -c '^sense_and.*-[12] ' hyp3.txt.nbest)" = 10 ] || fail "expected 2-best lists of 5 utterances: $(head -3 hyp3.txt.nbest)"
[ "$(wc -l < hyp3.ctm)" = "$(cut -d' ' -f2- hyp3.txt | wc -w)" ] || fail "CTM words differ from the hypotheses"
grep -q "fmllr speaker austen: .*; after 2 EM steps" em.log || fail "no EM steps logged: $(cat em.log)"
grep -q "map speaker austen: [0-9.]* % of the Gaussians" em.log || fail "no MAP logged: $(cat em.log)"
em_err=$("$WREN" wer data/text hyp3.txt | sed -n 's/^%WER [0-9.]* \[ \([0-9]*\) .*/\1/p')
echo "errors: lattice posteriors, 3 EM steps, MAP tau 5: $em_err"
[ -n "$em_err" ] && [ "$em_err" -le $((si_err + 1)) ] || fail "EM/MAP adaptation hurt: $si_err -> $em_err errors"

# --- --nj 2: whole speakers per worker, the same outputs as one job (two speakers whose
# utterances alternate, so the workers' outputs are merged in speaker order as one job writes them)
mkdir data2
cp data/wav.scp data/text data2/
awk '{ print $1, (NR % 2 ? "spk_a" : "spk_b") }' data/utt2spk > data2/utt2spk
for nj in 1 2; do
  "$WREN" decode --model "$MODEL" --graph graph --adapt fmllr --nj $nj --si-hyp si-nj$nj.txt \
    --transforms-out trans-nj$nj.txt --ctm nj$nj.ctm data2 hyp-nj$nj.txt lat-nj$nj.gz 2> nj$nj.log \
    || fail "--adapt --nj $nj: $(cat nj$nj.log)"
done
for f in hyp-nj%.txt si-nj%.txt trans-nj%.txt nj%.ctm; do
  cmp -s "${f/\%/1}" "${f/\%/2}" || fail "--nj 2 differs from one job in ${f/\%/2}"
done
cmp -s <(zcat lat-nj1.gz) <(zcat lat-nj2.gz) || fail "--nj 2 lattices differ from one job's"
[ "$(grep -c '  \[$' trans-nj2.txt)" = 2 ] || fail "expected 2 transforms from the workers"
grep -q "5 utterances decoded, 0 failed" nj2.log || fail "--nj 2 summary line: $(cat nj2.log)"

# --- --nj 2 shares the speakers by the length of their audio, not their count: two short
# utterances of speaker a, one of b, and one of c that is three joined (20 s): by count a would
# go alone to the first worker (6 s against 26 s), by length a and b do (12 s against 20 s)
mkdir data3
sox "$LIBRI/sense_and_sensibility_01_austen_64kb-0870.wav" "$LIBRI/sense_and_sensibility_01_austen_64kb-0920.wav" \
  "$LIBRI/sense_and_sensibility_01_austen_64kb-0870.wav" joined.wav
printf '%s\n' "a1 $LIBRI/sense_and_sensibility_01_austen_64kb-0880.wav" "a2 $LIBRI/sense_and_sensibility_01_austen_64kb-0930.wav" \
  "b1 $LIBRI/sense_and_sensibility_01_austen_64kb-0890.wav" "c1 $PWD/joined.wav" > data3/wav.scp
printf '%s\n' "a1 a" "a2 a" "b1 b" "c1 c" > data3/utt2spk
"$WREN" -v decode --model "$MODEL" --graph graph --nj 2 data3 hyp-data3.txt 2> nj3.log || fail "--nj 2 data3: $(cat nj3.log)"
grep -q "worker 0: 3 utterances, 11.6 s of audio" nj3.log && grep -q "worker 1: 1 utterance, 20.2 s of audio" nj3.log \
  || fail "--nj 2 did not share the speakers by length: $(grep worker nj3.log)"
[ "$(wc -l < hyp-data3.txt)" = 4 ] || fail "--nj 2 data3: $(cat hyp-data3.txt)"
# no more workers than speakers: one speaker (data's) is adapted in the process itself, whatever --nj
"$WREN" -v decode --model "$MODEL" --graph graph --nj 3 --transforms-out trans-nj3.txt data hyp-nj3.txt 2> nj1spk.log \
  || fail "--nj 3 on one speaker: $(cat nj1spk.log)"
grep -q "worker" nj1spk.log && fail "--nj 3 forked workers for one speaker: $(grep worker nj1spk.log)"
[ "$(wc -l < hyp-nj3.txt)" = 5 ] && [ "$(grep -c '  \[$' trans-nj3.txt)" = 1 ] || fail "--nj 3 on one speaker: $(cat hyp-nj3.txt)"
"$WREN" -v decode --model "$MODEL" --graph graph --nj 3 data3 hyp-data3-nj3.txt 2> nj3spk.log || fail "--nj 3 data3"
[ "$(grep -c 'worker [0-9]:' nj3spk.log)" = 3 ] && cmp -s hyp-data3.txt hyp-data3-nj3.txt \
  || fail "--nj 3 on 3 speakers: $(grep worker nj3spk.log)"

# --- the recipes' step egs/steps/decode_fmllr.sh: the same outputs as the command, sorted, plus
# the CPU seconds; a second call keeps the finished dir, one with other options decodes again and
# one decoding of the speaker-independent pass (egs/steps/decode.sh) is kept the same way
WREN=$WREN "$src/egs/steps/decode_fmllr.sh" --nj 2 "$MODEL" graph data2 step 2> step.log || fail "decode_fmllr.sh: $(cat step.log)"
cmp -s step/hyp.txt <(LC_ALL=C sort hyp-nj1.txt) || fail "decode_fmllr.sh hypotheses differ from wren decode's"
cmp -s step/si.txt <(LC_ALL=C sort si-nj1.txt) || fail "decode_fmllr.sh SI hypotheses differ from wren decode's"
cmp -s step/trans.txt trans-nj1.txt || fail "decode_fmllr.sh transforms differ from wren decode's"
cmp -s <(zcat step/lat.gz) <(zcat lat-nj1.gz) || fail "decode_fmllr.sh lattices differ from wren decode's"
grep -Eq '^[0-9]+\.[0-9]{2}$' step/cpu.txt && [ "$(cat step/workers)" = 2 ] || fail "decode_fmllr.sh cpu.txt/workers"
ls step | grep -q 'tmp' && fail "decode_fmllr.sh left temporary files: $(ls step)"
WREN=$WREN "$src/egs/steps/decode_fmllr.sh" --nj 2 "$MODEL" graph data2 step 2> step2.log || fail "decode_fmllr.sh rerun"
grep -q "decoded with these settings (kept)" step2.log || fail "decode_fmllr.sh rerun decoded again: $(cat step2.log)"
WREN=$WREN "$src/egs/steps/decode_fmllr.sh" --nj 2 --opts "--no-mbr" "$MODEL" graph data2 step 2> step3.log \
  || fail "decode_fmllr.sh --opts --no-mbr: $(cat step3.log)"
grep -q "kept" step3.log && fail "decode_fmllr.sh kept a dir decoded with other options"
grep -q -- 'opts --adapt fmllr --no-mbr$' step/key || fail "decode_fmllr.sh key: $(cat step/key)"
awk '{ s[$2] = s[$2] " " $1 } END { for (k in s) print k s[k] }' data2/utt2spk | LC_ALL=C sort > data2/spk2utt
WREN=$WREN "$src/egs/steps/decode.sh" --nj 2 "$MODEL" graph data2 si 2> si1.log || fail "decode.sh: $(cat si1.log)"
[ "$(wc -l < si/hyp.txt)" = 5 ] && [ -s si/lat.gz ] && [ -s si/key ] || fail "decode.sh outputs: $(ls si)"
ls si | grep -q 'tmp' && fail "decode.sh left temporary files: $(ls si)"
WREN=$WREN "$src/egs/steps/decode.sh" --nj 1 "$MODEL" graph data2 si 2> si2.log || fail "decode.sh rerun"
grep -q "decoded with these settings (kept)" si2.log || fail "decode.sh rerun (other --nj, same settings) decoded again: $(cat si2.log)"
# the key of a data dir without utt2spk or segments (a bare wav.scp) is made too
mkdir -p bare && cp data2/wav.scp bare/
k=$("$src/egs/steps/decode_key.sh" "$WREN" "$MODEL" graph bare "") && [ -n "$k" ] || fail "decode_key.sh on a bare wav.scp: rc $?"

# --- MLLR means on top of fMLLR: a transform per stream, logged; no harm on this clean speaker
"$WREN" decode --model "$MODEL" --graph graph --adapt fmllr --adapt-mllr data hyp-mllr.txt 2> mllr.log \
  || fail "--adapt-mllr: $(cat mllr.log)"
grep -q "mllr speaker austen: [0-9]* frames, 3 of 3 streams transformed" mllr.log || fail "no MLLR logged: $(cat mllr.log)"
mllr_err=$("$WREN" wer data/text hyp-mllr.txt | sed -n 's/^%WER [0-9.]* \[ \([0-9]*\) .*/\1/p')
echo "errors: fMLLR + MLLR: $mllr_err"
[ -n "$mllr_err" ] && [ "$mllr_err" -le $((si_err + 1)) ] || fail "MLLR adaptation hurt: $si_err -> $mllr_err errors"

# --- a narrower speaker-independent pass (it only aligns): its hypotheses may change, the
# adapted pass searches with the full beam
"$WREN" decode --model "$MODEL" --graph graph --adapt fmllr --adapt-first-beam 6 --adapt-first-max-active 300 \
  --si-hyp si-narrow.txt data hyp-narrow.txt 2> narrow.log || fail "--adapt-first-beam: $(cat narrow.log)"
[ "$(wc -l < hyp-narrow.txt)" = 5 ] || fail "--adapt-first-beam: expected 5 hypotheses"
narrow_err=$("$WREN" wer data/text hyp-narrow.txt | sed -n 's/^%WER [0-9.]* \[ \([0-9]*\) .*/\1/p')
echo "errors: first pass at beam 6: $narrow_err"
[ -n "$narrow_err" ] && [ "$narrow_err" -le $((si_err + 1)) ] || fail "narrow first pass: $si_err -> $narrow_err errors"
"$WREN" decode --model "$MODEL" --graph graph --adapt fmllr --adapt-first-beam 0.5 --adapt-first-max-active 10 \
  --si-hyp si-tiny.txt data hyp-tiny.txt 2> tiny.log || fail "--adapt-first-beam 0.5: $(cat tiny.log)"
cmp -s si-tiny.txt si.txt && fail "--adapt-first-beam 0.5 did not change the first pass"
# --adapt-beam: the adapted passes' beam (10 by default), not the first pass's
"$WREN" decode --model "$MODEL" --graph graph --adapt-beam 0.5 --si-hyp si-ab.txt data hyp-ab.txt 2> ab.log \
  || fail "--adapt-beam 0.5: $(cat ab.log)"
cmp -s si-ab.txt si.txt || fail "--adapt-beam 0.5 changed the first pass"
cmp -s hyp-ab.txt hyp.txt && fail "--adapt-beam 0.5 did not change the adapted pass"
"$WREN" decode --model "$MODEL" --graph graph --adapt-beam -1 data x.txt 2> bad.log && fail "--adapt-beam -1 accepted"
grep -q -- "--adapt-beam must be >= 0" bad.log || fail "--adapt-beam -1: $(cat bad.log)"

# --- an utt2spk without some utterances: they are decoded, each its own speaker, with a warning
mkdir -p data4 && cp data/wav.scp data4/ && head -3 data/utt2spk > data4/utt2spk
u4=$(sed -n 4p data/utt2spk | cut -d' ' -f1)
"$WREN" decode --model "$MODEL" --graph graph data4 hyp4.txt 2> d4.log || fail "utt2spk without 2 utterances: $(cat d4.log)"
[ "$(wc -l < hyp4.txt)" = 5 ] || fail "utt2spk without 2 utterances: $(wc -l < hyp4.txt) hypotheses"
grep -q "warning: data4/utt2spk: 2 of 5 utterances not in it (the first: $u4)" d4.log || fail "no warning for utterances not in utt2spk: $(grep warning d4.log)"
grep -q "fmllr speaker $u4:" d4.log || fail "$u4 not adapted as its own speaker"

# --- a bare wav.scp: each utterance its own speaker
"$WREN" decode --model "$MODEL" --graph graph --adapt fmllr --transforms-out per-utt.txt data/wav.scp hyp-u.txt 2> u.log \
  || fail "per-utterance adaptation: $(cat u.log)"
[ "$(grep -c '  \[$' per-utt.txt)" = 5 ] || fail "expected 5 per-utterance transforms"
[ "$(wc -l < hyp-u.txt)" = 5 ] || fail "per-utterance hypotheses"
# a speaker absent from --transforms is decoded unadapted, with a warning
"$WREN" decode --model "$MODEL" --graph graph --transforms trans.txt data/wav.scp hyp-w.txt 2> w.log \
  || fail "--transforms with unknown speakers"
grep -q "warning: .*no transform for speaker" w.log || fail "no warning for a missing speaker"

# --- egs/steps/adapt_bound.sh: the leave-one-out speakers hold the speaker's OTHER utterances only
mkdir -p bpool bdata
cp data/wav.scp data/text bpool/
awk 'NR <= 3 { print $1, "spka"; next } { print $1, "spkb" }' data/utt2spk > bpool/utt2spk
u1=$(sed -n 1p bpool/utt2spk | cut -d' ' -f1); u4=$(sed -n 4p bpool/utt2spk | cut -d' ' -f1)
for f in wav.scp text utt2spk; do grep -E "^($u1|$u4) " bpool/$f > bdata/$f; done
WREN=$WREN "$src/egs/steps/adapt_bound.sh" --nj 1 --baseline hyp.txt "$MODEL" "$DICT" graph bdata bpool bound > bound.txt 2> bound.log \
  || fail "adapt_bound.sh: $(tail -3 bound.log)"
expect=$(awk -v a="$u1" -v b="$u4" '$2 == "spka" && $1 != a { print a "__" $1, a } $2 == "spkb" && $1 != b { print b "__" $1, b }' bpool/utt2spk | LC_ALL=C sort)
[ "$(cat bound/loo/utt2spk)" = "$expect" ] || fail "adapt_bound.sh leave-one-out speakers: $(cat bound/loo/utt2spk)"
[ "$(cut -d' ' -f2- bound/loo-target/utt2spk | sort -u | wc -l)" = 2 ] || fail "adapt_bound.sh loo-target: one speaker per utterance"
for r in "baseline (" "speaker-independent" "self, hypotheses" "others, hypotheses" "others, reference" "self, reference"; do
  grep -F -- "$r" bound.txt | grep -Eq '[0-9]+\.[0-9]{2} \[ [0-9]+ / [0-9]+' || fail "adapt_bound.sh: no %WER row '$r': $(cat bound.txt)"
done
[ "$(grep -c 'matched-pairs' bound.txt)" = 6 ] || fail "adapt_bound.sh: 6 paired tests expected: $(cat bound.txt)"
before=$(stat -c %Y bound/hyp-*.txt | md5sum)
WREN=$WREN "$src/egs/steps/adapt_bound.sh" --nj 1 "$MODEL" "$DICT" graph bdata bpool bound > bound2.txt 2> bound2.log || fail "adapt_bound.sh rerun"
[ "$(stat -c %Y bound/hyp-*.txt | md5sum)" = "$before" ] || fail "adapt_bound.sh rerun decoded again"
ls bound | grep -q 'tmp' && fail "adapt_bound.sh left temporary files: $(ls bound)"
head -1 bpool/utt2spk > bpool2; mkdir -p bpool1; cp bpool/wav.scp bpool/text bpool1/; mv bpool2 bpool1/utt2spk
WREN=$WREN "$src/egs/steps/adapt_bound.sh" "$MODEL" "$DICT" graph bdata bpool1 bound3 > x.txt 2> e.log; [ $? = 1 ] || fail "adapt_bound.sh: data not in pool accepted"
grep -q "1 utterances of bdata are not in bpool1" e.log || fail "adapt_bound.sh message: $(cat e.log)"
rm -f x.txt

# --- bad input
"$WREN" decode --model "$MODEL" --graph graph --adapt mllt data x.txt 2> e1.log; [ $? = 1 ] || fail "--adapt mllt exit"
grep -q "unknown adaptation 'mllt'" e1.log || fail "message for --adapt mllt: $(cat e1.log)"
for bad in "--adapt-posteriors nbest:neither best-path nor lattice" "--fmllr-em-iters 0:--fmllr-em-iters must be >= 1" \
           "--adapt-map-tau -1:--adapt-map-tau must be >= 0" "--adapt-first-beam -1:--adapt-first-beam must be >= 0" \
           "--adapt-first-max-active -5:--adapt-first-max-active must be >= 0" \
           "--fmllr-blocks 2:--fmllr-blocks 2 does not divide the feature dimension 39"; do
  "$WREN" decode --model "$MODEL" --graph graph --adapt fmllr ${bad%%:*} data x.txt 2> e3.log; [ $? = 1 ] || fail "${bad%%:*}: exit"
  grep -q -- "${bad#*:}" e3.log || fail "message for ${bad%%:*}: $(cat e3.log)"
done
head -5 trans.txt > short.txt
"$WREN" decode --model "$MODEL" --graph graph --transforms short.txt data x.txt 2> e2.log; [ $? = 1 ] || fail "bad table exit"
grep -q "short.txt:[0-9]*:" e2.log || fail "bad table message does not name file:line: $(cat e2.log)"
[ -e x.txt ] && fail "output written on bad input"
ls | grep -q '\.tmp' && fail "temporary files left behind"
echo "PASS"
