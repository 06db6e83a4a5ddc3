#!/bin/bash
# decode.sh — end-to-end test of `wren decode` and `wren lattice` on real audio: Debian's
# pocketsphinx-en-us model, the five LibriVox test utterances of pocketsphinx-testdata, and a
# graph from `wren mkgraph` with a small trigram estimated on the five transcripts (a closed,
# in-domain LM: this checks the plumbing and the search, it is not a WER benchmark — see
# bench/decode.sh). Checks: WER, lattices (gzip, readable, best path = hypothesis, oracle <= 1-best,
# n-best, LM-cost replacement with the same LM leaves the best path), CTM, --nj, data dir with
# segments, a wav.scp key without audio (an error naming file and line), and bad audio entries
# (missing file, not audio, failing pipe, another sample rate
# with --no-resample) failing only their utterance with a logged error while the rest is
# decoded and counted; 44.1 and 48 kHz copies resampled to the same words, segments included.
# Env: WREN (built wren), WREN_SHARED. Exit 77 = skip (inputs missing).
set -u
WREN=${WREN:?set WREN to the built wren}
MODEL=/usr/share/pocketsphinx/model/en-us/en-us
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
LIBRI=/usr/share/pocketsphinx/test/data/librivox
for p in "$MODEL/mdef" "$DICT" "$LIBRI/transcription"; do
  [ -e "$p" ] || { echo "SKIP: $p missing (apt-get install pocketsphinx-en-us pocketsphinx-testdata)"; exit 77; }
done
tmp=$(mktemp -d /tmp/wren-e2e-decode-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"

# --- inputs: wav.scp, reference text, LM, graph
for u in $(cat "$LIBRI/fileids"); do echo "$u $LIBRI/$u.wav"; done > wav.scp
sed -e 's/<s> //; s/ <\/s>//' -e 's/^\(.*\) (\(.*\))$/\2 \1/' "$LIBRI/transcription" > ref.txt
cut -d' ' -f2- ref.txt > lm.txt
"$WREN" ngram-count -order 3 -text lm.txt -lm lm.arpa 2> ngram.log || fail "ngram-count: $(cat ngram.log)"
"$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa graph > mkgraph.log 2>&1 \
  || fail "mkgraph: $(tail -3 mkgraph.log)"

# --- decode with every output
"$WREN" decode --model "$MODEL" --graph graph --nj 1 --ctm out.ctm --nbest 5 --ref ref.txt \
  wav.scp hyp.txt lat.gz 2> decode.log || fail "decode: $(cat decode.log)"
cat decode.log
[ "$(wc -l < hyp.txt)" = 5 ] || fail "expected 5 hypotheses, got $(wc -l < hyp.txt)"
grep -q "5 utterances decoded, 0 failed" decode.log || fail "summary line"
"$WREN" wer ref.txt hyp.txt > wer.txt || fail "wer"
cat wer.txt
errs=$(sed -n 's/^%WER [0-9.]* \[ \([0-9]*\) \/ 71.*/\1/p' wer.txt)
[ -n "$errs" ] && [ "$errs" -le 7 ] || fail "first-pass WER too high with an in-domain LM: $(head -1 wer.txt)"
# one audio file in place of the wav.scp: one utterance named after it, the same words
u1=$(head -1 wav.scp | cut -d' ' -f1)
"$WREN" decode --model "$MODEL" --graph graph "$LIBRI/$u1.wav" hyp1.txt 2> one.log || fail "decode of $u1.wav: $(cat one.log)"
[ "$(cat hyp1.txt)" = "$(head -1 hyp.txt)" ] || fail "decode of $u1.wav: '$(cat hyp1.txt)', not '$(head -1 hyp.txt)'"
# a file name with white space: the utterance id has '_' there (a Kaldi key ends at white space)
ln -s "$LIBRI/$u1.wav" "my take.wav"
"$WREN" decode --model "$MODEL" --graph graph "my take.wav" hyp-sp.txt 2> sp.log || fail "decode of 'my take.wav': $(cat sp.log)"
[ "$(cat hyp-sp.txt)" = "my_take $(head -1 hyp.txt | cut -d' ' -f2-)" ] || fail "decode of 'my take.wav': '$(cat hyp-sp.txt)'"
# without --model: the one the graph was built with (graph/model.txt); a moved model is an error,
# and --model another folder than the graph's is a warning
"$WREN" decode --graph graph "$LIBRI/$u1.wav" hyp-nm.txt 2> nm.log || fail "decode without --model: $(cat nm.log)"
cmp -s hyp1.txt hyp-nm.txt || fail "decode without --model: '$(cat hyp-nm.txt)', not '$(cat hyp1.txt)'"
mkdir -p moved && cp graph/* moved/ && echo /nonexistent/model > moved/model.txt
"$WREN" decode --graph moved "$LIBRI/$u1.wav" x.txt > out.txt 2> mv.log; rc=$?
[ $rc = 1 ] && [ "$(wc -l < mv.log)" = 1 ] && grep -q "moved/model.txt: the graph's model folder /nonexistent/model has no mdef" mv.log \
  && [ ! -e x.txt ] || fail "a graph whose model moved: rc $rc, $(cat mv.log)"
mkdir -p m2 && ln -s "$MODEL"/* m2/
"$WREN" decode --model m2 --graph graph "$LIBRI/$u1.wav" hyp-m2.txt 2> m2.log || fail "decode --model m2: $(cat m2.log)"
grep -q "warning: graph was built with the model $(realpath "$MODEL") (its model.txt), not --model m2" m2.log \
  || fail "no warning for another model folder: $(cat m2.log)"
cmp -s hyp1.txt hyp-m2.txt || fail "decode --model m2 (the same files): other words"
# a wav.scp line with a key and no audio: one line naming file and line, exit 1, nothing written
{ head -1 wav.scp; echo "$u1-alone"; } > nowav.scp
"$WREN" decode --model "$MODEL" --graph graph nowav.scp hyp-nowav.txt > out.txt 2> nowav.log; rc=$?
[ $rc = 1 ] && [ "$(wc -l < nowav.log)" = 1 ] && grep -q "nowav.scp:2: utterance $u1-alone has no audio" nowav.log \
  && [ ! -e hyp-nowav.txt ] || fail "a wav.scp key without audio: rc $rc, $(cat nowav.log)"
# a folder of audio files: each an utterance named after its file (other files passed over)
mkdir -p folder
while read -r u p; do ln -s "$p" "folder/$u.wav"; done < wav.scp
echo "not audio" > folder/notes.txt
"$WREN" decode --model "$MODEL" --graph graph folder hyp-folder.txt 2> folder.log || fail "decode of a folder: $(cat folder.log)"
cmp -s hyp.txt hyp-folder.txt || fail "a folder of the files: $(cat hyp-folder.txt), not the wav.scp's"
cp "$LIBRI/$u1.wav" "folder/$u1.flac"
"$WREN" decode --model "$MODEL" --graph graph folder hyp-dup.txt 2> dup.log && fail "two files of one utterance accepted"
grep -q "folder: folder/$u1.flac and folder/$u1.wav both name utterance '$u1'" dup.log || fail "duplicate stems: $(cat dup.log)"
rm -f "folder/$u1.flac"
# the same as headerless PCM, given its format
if command -v sox > /dev/null; then
  sox "$LIBRI/$u1.wav" -t raw -e signed -b 16 -L "$u1.raw"
  "$WREN" decode --model "$MODEL" --graph graph --raw-format s16le --raw-rate 16000 "$u1.raw" hyp1raw.txt 2> raw.log \
    || fail "decode of $u1.raw: $(cat raw.log)"
  [ "$(cat hyp1raw.txt)" = "$(head -1 hyp.txt)" ] || fail "decode of $u1.raw: '$(cat hyp1raw.txt)', not '$(head -1 hyp.txt)'"
fi
# lattices: gzip, one per utterance; the hypotheses are their MBR word sequences (the default)
# and, with --no-mbr, their best paths
[ "$(head -c2 lat.gz | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "lattice file not gzip"
[ "$(zcat lat.gz | grep -c '^sense_and')" = 5 ] || fail "expected 5 lattices"
"$WREN" lattice mbr --words graph/words.txt --graph graph lat.gz lat-mbr.txt lat-mbr.ctm 2>/dev/null || fail "lattice mbr of the lattices"
cmp -s lat-mbr.txt hyp.txt || { diff lat-mbr.txt hyp.txt; fail "the lattices' MBR word sequences differ from the hypotheses"; }
"$WREN" decode --model "$MODEL" --graph graph --no-mbr --nbest 5 --ctm best.ctm wav.scp hyp-best.txt 2> /dev/null || fail "decode --no-mbr"
"$WREN" lattice best-path --words graph/words.txt lat.gz best.txt 2>/dev/null || fail "best-path"
cmp -s best.txt hyp-best.txt || { diff best.txt hyp-best.txt; fail "lattice best path differs from the --no-mbr hypothesis"; }
# to-ctm of the lattices times the best path's words as the decode does: without the silence at a
# word's edges (the graph folder of --words tells silence from words); without the graph it
# counts that silence into the words, so some start earlier or end later
"$WREN" lattice to-ctm --words graph/words.txt lat.gz lat.ctm 2>/dev/null || fail "to-ctm of the lattices"
cmp -s best.ctm lat.ctm || { diff best.ctm lat.ctm | head; fail "to-ctm's times differ from decode --no-mbr --ctm's"; }
mkdir -p wordsonly && cp graph/words.txt wordsonly/
"$WREN" lattice to-ctm --words wordsonly/words.txt lat.gz lat-untrimmed.ctm 2>/dev/null || fail "to-ctm without the graph"
! cmp -s best.ctm lat-untrimmed.ctm && [ "$(wc -l < lat-untrimmed.ctm)" = "$(wc -l < best.ctm)" ] ||
  fail "to-ctm without the graph: no word's time includes silence"
"$WREN" lattice to-ctm --graph wordsonly lat.gz x.ctm > out.txt 2> err.txt && fail "to-ctm --graph of a folder without transitions"
[ "$(wc -l < err.txt)" -eq 1 ] && grep -q "wordsonly" err.txt && [ ! -e x.ctm ] || fail "to-ctm --graph wordsonly: $(cat err.txt)"
mkdir -p other && cp graph/words.txt graph/phones.txt other/ && head -3 graph/transitions.txt > other/transitions.txt
"$WREN" lattice to-ctm --graph other lat.gz x.ctm > out.txt 2> err.txt && fail "to-ctm with another graph's transitions"
[ "$(wc -l < err.txt)" -eq 1 ] && grep -q "lat.gz: lattice .*: transition id" err.txt && [ ! -e x.ctm ] ||
  fail "to-ctm --graph other: $(cat err.txt)"
# word times are the audio's where the front end drops pauses (feat.params -remove_silence, on by
# default): an utterance twice between 2 s of quiet noise is timed as with every frame searched
# (--remove-silence 0), and so is its lattice: the dropped frames are silence frames in it
command -v sox > /dev/null || fail "sox missing (apt-get install sox)"
sox -R -n -r 16000 -b 16 -c 1 quiet.wav synth 2.0 whitenoise vol 0.002
sox quiet.wav "$LIBRI/$u1.wav" quiet.wav "$LIBRI/$u1.wav" quiet.wav padded.wav
"$WREN" decode --model "$MODEL" --graph graph --no-mbr --ctm pad.ctm padded.wav pad.txt pad-lat.gz 2> pad.log \
  || fail "decode of padded.wav: $(cat pad.log)"
"$WREN" decode --model "$MODEL" --graph graph --no-mbr --remove-silence 0 --ctm pad0.ctm padded.wav pad0.txt pad0-lat.gz 2> pad.log \
  || fail "decode --remove-silence 0 of padded.wav: $(cat pad.log)"
"$WREN" lattice to-ctm --words graph/words.txt pad-lat.gz pad-lat.ctm 2> /dev/null || fail "to-ctm of padded.wav"
d1=$(soxi -D "$LIBRI/$u1.wav")
# most words start where the same word starts without the VAD, the last in the second copy; the
# lattice has the audio's frames, as many as without the VAD, and to-ctm times its words as the CTM
awk 'NR == FNR { s[$5] = s[$5] " " $3; next }
     { n++; split(s[$5], t, " "); for (i in t) if (t[i] - $3 < 0.1 && $3 - t[i] < 0.1) { m++; break } }
     END { exit !(n > 10 && m >= 0.9 * n) }' pad0.ctm pad.ctm \
  || { paste pad.ctm pad0.ctm | head -20; fail "the VAD's word times are not the audio's"; }
awk -v d="$d1" 'END { exit !($3 > 4 + d) }' pad.ctm || fail "padded.wav's last word: $(tail -1 pad.ctm)"
f_vad=$("$WREN" lattice info pad-lat.gz 2> /dev/null | awk 'NR == 1 { print $7 }')
f_all=$("$WREN" lattice info pad0-lat.gz 2> /dev/null | awk 'NR == 1 { print $7 }')
[ -n "$f_vad" ] && [ "$f_vad" = "$f_all" ] || fail "the VAD's lattice has $f_vad frames, the audio $f_all"
cmp -s pad.ctm pad-lat.ctm || { diff pad.ctm pad-lat.ctm | head; fail "to-ctm of the VAD's lattice differs from its CTM"; }
# oracle over the lattices is never worse than the 1-best
"$WREN" lattice oracle --words graph/words.txt lat.gz ref.txt oracle.txt > oracle.log || fail "oracle"
oerr=$(sed -n 's/^%WER [0-9.]* \[ \([0-9]*\) .*/\1/p' oracle.log)
cat oracle.log
[ "$oerr" -le "$errs" ] || fail "oracle errors $oerr > 1-best errors $errs"
# n-best: first entry of each utterance is the best path; at most 5 per utterance
[ "$(grep -c -- '-1 ' hyp.txt.nbest)" = 5 ] || fail "n-best: one '-1' entry per utterance"
awk '{print $1}' hyp.txt.nbest | sed 's/-[0-9]*$//' | sort | uniq -c | awk '$1 > 5 {exit 1}' || fail "n-best: more than 5"
paste -d' ' <(grep -- '-1 ' hyp.txt.nbest | cut -d' ' -f1 | sed 's/-1$//') \
             <(grep -- '-1 ' hyp.txt.nbest | cut -d' ' -f4-) | sed 's/ *$//' > nb1.txt
sed 's/ *$//' hyp-best.txt | cmp -s - nb1.txt || fail "n-best first entries differ from the best paths"
cmp -s hyp.txt.nbest hyp-best.txt.nbest || fail "n-best lists differ with --no-mbr"
# CTM: one line per hypothesis word, times increasing within an utterance, the word's posterior
# as sixth column; times and posteriors as lattice mbr --graph writes them from the lattices
# (the posteriors within its rounding)
[ "$(wc -l < out.ctm)" = "$(cut -d' ' -f2- hyp.txt | wc -w)" ] || fail "CTM word count"
awk '$1 == u && $3 < t - 0.005 {exit 1} {u = $1; t = $3 + $4}' out.ctm || fail "CTM times overlap"
paste -d' ' out.ctm lat-mbr.ctm | awk 'NF != 12 || $1 != $7 || $5 != $11 || $6 < 0 || $6 > 1 || $6 - $12 > 2e-4 || $12 - $6 > 2e-4 {exit 1}' \
  || { paste out.ctm lat-mbr.ctm | head; fail "CTM confidences differ from lattice mbr's"; }
paste -d' ' out.ctm lat-mbr.ctm | awk '$3 != $9 || $4 != $10 {exit 1}' \
  || { paste out.ctm lat-mbr.ctm | awk '$3 != $9 || $4 != $10' | head; fail "CTM times differ from lattice mbr's"; }
# prune with beam 0 leaves one word sequence per lattice (the best); to-ctm and info read them
"$WREN" lattice prune --lattice-beam 0 lat.gz pruned.gz 2>/dev/null || fail "prune"
"$WREN" lattice nbest --n 3 --words graph/words.txt pruned.gz pruned.nbest 2>/dev/null || fail "nbest"
[ "$(wc -l < pruned.nbest)" = 5 ] || fail "pruned lattices hold more than the best path"
"$WREN" lattice to-ctm --words graph/words.txt pruned.gz pruned.ctm 2>/dev/null || fail "to-ctm"
[ "$(wc -l < pruned.ctm)" = "$(cut -d' ' -f2- hyp-best.txt | wc -w)" ] || fail "to-ctm word count"
"$WREN" lattice info lat.gz | grep -q "^total 5 lattices" || fail "info"
# LM-cost replacement with the same LM keeps every best path
"$WREN" lattice lmrescore --words graph/words.txt --old-lm lm.arpa --new-lm lm.arpa lat.gz same.gz 2>/dev/null \
  || fail "lmrescore"
"$WREN" lattice best-path --words graph/words.txt same.gz same.txt 2>/dev/null
cmp -s same.txt hyp-best.txt || fail "lmrescore with the first-pass LM changed the best path"
# MBR 1-best: one line per utterance, a CTM whose 6th column is a posterior in [0, 1] with one
# row per hypothesis word, expected errors never above the best path's, and an NCE line
"$WREN" lattice mbr --words graph/words.txt --ref ref.txt lat.gz mbr.txt mbr.ctm > mbr.log 2> /dev/null \
  || fail "lattice mbr"
[ "$(wc -l < mbr.txt)" = 5 ] || fail "mbr: expected 5 hypotheses"
[ "$(wc -l < mbr.ctm)" = "$(cut -d' ' -f2- mbr.txt | wc -w)" ] || fail "mbr CTM word count"
awk 'NF != 6 || $6 < 0 || $6 > 1 {exit 1}' mbr.ctm || fail "mbr CTM confidences"
# every word right: NCE is undefined (no errors to predict); with each reference's first word
# changed, some hypothesis words are wrong and NCE is a number
n=$(cut -d' ' -f2- mbr.txt | wc -w)
grep -qx "NCE nan over $n words ($n correct)" mbr.log || { cat mbr.log; fail "mbr NCE line (all correct)"; }
awk '{$2 = "xyzzy"; print}' ref.txt > ref-wrong.txt
"$WREN" lattice mbr --words graph/words.txt --ref ref-wrong.txt lat.gz mbr2.txt > mbr2.log 2> /dev/null || fail "lattice mbr 2"
grep -Eq "^NCE -?[0-9]+\.[0-9]+ over $n words \([0-9]+ correct\)$" mbr2.log \
  && [ "$(sed 's/.*(\([0-9]*\) correct).*/\1/' mbr2.log)" -lt "$n" ] || { cat mbr2.log; fail "mbr NCE line"; }
# a calibration fitted to that reference is never worse than the raw posteriors on it
"$WREN" lattice mbr --words graph/words.txt --ref ref-wrong.txt --fit-calibration calib lat.gz mbr3.txt > mbr3.log 2> /dev/null \
  || fail "lattice mbr --fit-calibration"
grep -q '^logistic [-0-9.e]* [-0-9.e]*$' calib || fail "calibration file"
awk 'NR == FNR {a = $2; next} {exit !($2 >= a - 1e-4)}' mbr2.log mbr3.log || fail "calibrated NCE below the raw one"
"$WREN" lattice mbr --words graph/words.txt --ref ref-wrong.txt --calibration calib lat.gz mbr4.txt > mbr4.log 2> /dev/null
cmp -s mbr3.log mbr4.log || fail "--calibration does not reproduce the fitted NCE"
"$WREN" wer ref.txt mbr.txt > mbr.wer || fail "wer of mbr"
# the determinised lattices against the undeterminised ones: same best path
"$WREN" decode --model "$MODEL" --graph graph --no-determinize --no-mbr wav.scp hyp-nd.txt lat-nd.txt 2> /dev/null \
  || fail "decode --no-determinize"
cmp -s hyp-best.txt hyp-nd.txt || fail "best paths differ with --no-determinize"

# --nj: forked workers give the same outputs as one job, in the same order; by default as many
# as the CPUs this process may use (nproc reads the same affinity mask)
"$WREN" decode --model "$MODEL" --graph graph --nj 2 --ctm out-nj.ctm wav.scp hyp-nj.txt lat-nj.gz 2> nj.log \
  || fail "decode --nj 2"
# the summary gives the CPU RTF beside the wall one, and the workers (their CPU included)
grep -q 'RTF [0-9.]* (load [0-9.]* s; CPU RTF [0-9.]*, 2 workers)' nj.log || fail "--nj 2 summary: $(tail -1 nj.log)"
grep -q 'RTF [0-9.]* (load [0-9.]* s; CPU RTF [0-9.]*);' decode.log || fail "--nj 1 summary: $(grep RTF decode.log)"
awk '/CPU RTF/ { sub(/.*CPU RTF /, ""); exit !($1 + 0 > 0.005) }' nj.log || fail "--nj 2: the workers' CPU not counted: $(tail -1 nj.log)"
cmp -s hyp.txt hyp-nj.txt && cmp -s out.ctm out-nj.ctm || fail "--nj 2 outputs differ"
cmp -s <(zcat lat.gz) <(zcat lat-nj.gz) || fail "--nj 2 lattices differ"
"$WREN" decode --help | grep -- '--nj ' | grep -q "(default: $(nproc))" \
  || fail "--nj's default is not the $(nproc) CPUs: $("$WREN" decode --help | grep -- '--nj ')"
taskset -c 0 "$WREN" decode --help | grep -- '--nj ' | grep -q "(default: 1)" || fail "--nj's default under taskset -c 0 is not 1"
out=$("$WREN" decode --model "$MODEL" --graph graph --nj -1 wav.scp hyp-bad.txt 2>&1) && fail "--nj -1 was accepted"
[ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q -- "--nj" || fail "--nj -1: not one line naming --nj: $out"
[ ! -e hyp-bad.txt ] || fail "--nj -1 wrote its output"

# --- bad entries fail only their utterance
u1=$(head -1 "$LIBRI/fileids"); u2=$(sed -n 2p "$LIBRI/fileids")
digit=$(ls "${WREN_SHARED:-/nonexistent}"/data/speech/fsdd-digits/audio/*.wav 2>/dev/null | head -1)
{
  echo "$u1 $LIBRI/$u1.wav"
  echo "missing /nonexistent/x.wav"
  echo "notaudio $LIBRI/transcription"
  echo "badpipe false |"
  [ -n "$digit" ] && echo "rate8k $digit"
  echo "$u2 cat $LIBRI/$u2.wav |"
} > bad.scp
nbad=3; [ -n "$digit" ] && nbad=4
"$WREN" decode --model "$MODEL" --graph graph --no-resample bad.scp hyp-bad.txt 2> bad.log; rc=$?
cat bad.log
[ $rc = 0 ] || fail "decode with bad entries exited $rc"
[ "$(cut -d' ' -f1 hyp-bad.txt | tr '\n' ' ')" = "$u1 $u2 " ] || fail "good utterances not decoded: $(cut -d' ' -f1 hyp-bad.txt)"
for u in missing notaudio badpipe; do
  grep -q "utterance $u failed: " bad.log || fail "no error line naming $u"
done
[ -n "$digit" ] && { grep -q "utterance rate8k failed: .*8000 Hz does not match the model's 16000 Hz" bad.log || fail "no sample-rate error"; }
grep -q "2 utterances decoded, $nbad failed" bad.log || fail "summary does not count the failures"
grep "^$u1 " hyp.txt | cmp -s - <(grep "^$u1 " hyp-bad.txt) || fail "hypothesis changed by bad neighbours"
ls | grep -q '\.tmp' && fail "temporary files left behind"
# nothing decodable: exit 1, no output file
echo "x /nonexistent.wav" > allbad.scp
"$WREN" decode --model "$MODEL" --graph graph allbad.scp hyp-none.txt 2> none.log && fail "all-bad set exited 0"
[ -e hyp-none.txt ] && fail "output written for an all-bad set"

# --- audio at another rate is resampled to the model's: the same words as the originals
command -v sox > /dev/null || fail "sox missing (apt-get install sox)"
while read -r u p; do
  sox -D "$p" -r 44100 "r44-$u.wav" && echo "$u $PWD/r44-$u.wav"
done < wav.scp > r44.scp
"$WREN" decode --model "$MODEL" --graph graph r44.scp hyp-r44.txt 2> r44.log || fail "decode at 44.1 kHz: $(cat r44.log)"
grep -q "^wren decode: 5 utterances resampled from 44100 Hz to the model's 16000 Hz$" r44.log \
  || fail "no resampling summary: $(cat r44.log)"
r44err=$("$WREN" wer ref.txt hyp-r44.txt | sed -n 's/^%WER [0-9.]* \[ \([0-9]*\) .*/\1/p')
[ "$r44err" -le $((errs + 1)) ] || fail "44.1 kHz copies: $r44err errors, the originals $errs"
if [ -n "$digit" ]; then   # 8 kHz: decoded, with the warning about the empty upper band
  echo "rate8k $digit" > r8.scp
  "$WREN" decode --model "$MODEL" --graph graph r8.scp hyp-r8.txt 2> r8.log || fail "decode at 8 kHz: $(cat r8.log)"
  grep -q "resampled from 8000 Hz to the model's 16000 Hz; audio at a lower rate" r8.log || fail "no 8 kHz warning: $(cat r8.log)"
fi

# --- a data dir with segments: one recording cut in two
mkdir -p data
echo "rec $LIBRI/$u2.wav" > data/wav.scp
printf 'seg1 rec 0.0 1.5\nseg2 rec 1.5 -1\nseg3 rec 99 100\n' > data/segments
"$WREN" decode --model "$MODEL" --graph graph --remove-silence 0 --ctm seg.ctm data hyp-seg.txt 2> seg.log &&
  fail "a segment outside its recording exited 0"
cat seg.log
[ "$(cut -d' ' -f1 hyp-seg.txt | tr '\n' ' ')" = "seg1 seg2 " ] || fail "segments not decoded"
grep -q "utterance seg3 failed: data/segments:3: segment 99.00-100.00 s is outside" seg.log \
  || fail "segment outside the recording not reported"
grep -q "^wren decode: data: 1 segment lies outside its recording$" seg.log || fail "no final error line"
# the CTM of segments is the recording's (NIST): its id, and seg2's words after 1.5 s
[ "$(wc -l < seg.ctm)" = "$(cut -d' ' -f2- hyp-seg.txt | wc -w)" ] || fail "segments' CTM word count"
awk '$1 != "rec" { exit 1 }' seg.ctm || fail "segments' CTM not named after the recording: $(head -2 seg.ctm)"
n1=$(awk '$1 == "seg1" { print NF - 1 }' hyp-seg.txt)
awk -v n1="$n1" 'NR > n1 && $3 < 1.5 { exit 1 } NR <= n1 && $3 >= 1.5 { exit 1 }' seg.ctm ||
  fail "segments' CTM not in recording time: $(cat seg.ctm)"
# a recording is read once for all its segments by one job (each of --nj workers reads those
# of its own segments): a pipe that counts its runs
mkdir -p datapipe
echo "rec sh -c 'echo run >> $PWD/runs; cat $LIBRI/$u2.wav' |" > datapipe/wav.scp
head -2 data/segments > datapipe/segments
"$WREN" decode --model "$MODEL" --graph graph --nj 1 --remove-silence 0 datapipe hyp-pipe.txt 2> pipe.log \
  || fail "segments of a pipe recording: $(cat pipe.log)"
cmp -s hyp-seg.txt hyp-pipe.txt || fail "segments of the pipe: $(cat hyp-pipe.txt), not $(cat hyp-seg.txt)"
[ "$(wc -l < runs)" = 1 ] || fail "the recording was read $(wc -l < runs) times for 2 segments"
# the same recording at 48 kHz: segment times are seconds, so the same pieces and words
mkdir -p data48
sox -D "$LIBRI/$u2.wav" -r 48000 r48.wav
echo "rec $PWD/r48.wav" > data48/wav.scp
head -2 data/segments > data48/segments
"$WREN" decode --model "$MODEL" --graph graph --remove-silence 0 data48 hyp-seg48.txt 2> seg48.log \
  || fail "segments of a 48 kHz recording: $(cat seg48.log)"
"$WREN" wer --mode present hyp-seg.txt hyp-seg48.txt | grep -q '^%WER 0.00 ' \
  || fail "segments of the 48 kHz copy: $(cat hyp-seg48.txt), not $(cat hyp-seg.txt)"
# bad segments lines fail the run before decoding, with one line naming file and line; a
# duplicate key must not leak the wav.scp table (the ASan build checks)
bad_segments() {   # $1: segments text, $2: expected message
  printf "$1" > data/segments
  rm -f hyp-badseg.txt
  "$WREN" decode --model "$MODEL" --graph graph data hyp-badseg.txt 2> badseg.log \
    && fail "segments '$1' accepted"
  [ "$(grep -c . badseg.log)" = 1 ] || fail "segments '$1': not one error line: $(cat badseg.log)"
  grep -q "$2" badseg.log || fail "segments '$1': expected '$2', got: $(cat badseg.log)"
  [ -e hyp-badseg.txt ] && fail "segments '$1': output written"
  return 0
}
bad_segments 'seg1 rec 0.0 1.5\nseg2 rec 1.5 nan\n' "data/segments:2: segment times must be finite"
bad_segments 'seg1 rec 0.0 inf\n' "data/segments:1: segment times must be finite"
bad_segments 'seg1 rec 0.0 1.5\nseg2 rec 1.0 -2\n' "data/segments:2: segment from 1.0 to -2 s: needs 0 <= start < end"
bad_segments 'seg1 rec 2.0 1.5\n' "data/segments:1: segment from 2.0 to 1.5 s: needs"
bad_segments 'seg1 rec 0.0 1.5\nseg1 rec 1.5 -1\n' "data/segments:2: duplicate key 'seg1'"
# within Kaldi's 0.5 s overshoot a segment is cut at the end of the recording
dur=$(soxi -D "$LIBRI/$u2.wav" 2>/dev/null || echo)
if [ -n "$dur" ]; then
  end=$(awk -v d="$dur" 'BEGIN { printf "%.2f", d + 0.3 }')
  printf 'seg1 rec 1.0 %s\n' "$end" > data/segments
  "$WREN" decode --model "$MODEL" --graph graph data hyp-over.txt 2> over.log || fail "0.3 s overshoot rejected: $(cat over.log)"
fi
echo "PASS"
