#!/bin/bash
# segment.sh — end-to-end test of `wren segment`: ten CMU ARCTIC sentences read by one speaker
# (../shared arctic-fraser) joined into one 33-second recording. The pieces must be in order,
# inside the recording, no longer than --max-seconds, and cut where the sentences meet (most
# joins between two sentences lie in a pause between two pieces); `wren decode` of the
# segmented data dir must decode every piece and, joined per recording, be no worse than one
# search over the whole recording (plus a word's slack). Also: a silent recording gets no
# piece and a warning, an unreadable one is named and the run exits 1 with the rest written,
# `wren decode --cut-seconds` cuts a long utterance itself into the same pieces and joins their
# outputs (text, CTM, lattice) under its name, adapted or not, read from a pipe, and with --nj 2
# shares one recording's pieces among the workers with the same outputs,
# a data dir's utt2spk gives the speaker, the outputs pass utils/validate-data-dir.sh, a data dir that has segments and bad values are
# refused with one line.
# Not for: decoding itself (decode.sh). Env: WREN (built wren), WREN_SHARED. Exit 77 = skip.
set -u
WREN=${WREN:?set WREN to the built wren}
SRC=${WREN_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SHARED=${WREN_SHARED:-$SRC/../shared}
MODEL=/usr/share/pocketsphinx/model/en-us/en-us
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
A=$SHARED/data/speech/arctic-fraser
for p in "$MODEL/mdef" "$DICT" "$A/audio/arctic_a0001.flac"; do
  [ -e "$p" ] || { echo "SKIP: $p missing"; exit 77; }
done
command -v sox > /dev/null && command -v soxi > /dev/null || { echo "SKIP: sox missing"; exit 77; }
tmp=$(mktemp -d /tmp/wren-e2e-segment-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"
ids=$(seq -f 'arctic_a%04g' 1 10)
sox $(for i in $ids; do echo "$A/audio/$i.flac"; done) long.wav || fail "sox"
# where the sentences meet, in seconds
for i in $ids; do soxi -D "$A/audio/$i.flac"; done | awk '{ t += $1; if (NR < 10) print t }' > joins.txt
for i in $ids; do echo "$i $(tr -s '\r\n' '  ' < "$A/text/$i.txt")"; done > raw.txt
"$WREN" text-norm --ids raw.txt norm.txt 2> norm.log || fail "text-norm: $(cat norm.log)"
cut -d' ' -f2- norm.txt > sentences.txt
echo "long $(tr '\n' ' ' < sentences.txt)" > ref.txt
echo "long $PWD/long.wav" > wav.scp
"$WREN" ngram-count -order 3 -text sentences.txt -lm lm.arpa 2> /dev/null || fail "ngram-count"
"$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa g > mk.log 2>&1 || fail "mkgraph: $(tail -3 mk.log)"

# --- the pieces -------------------------------------------------------------------------
"$WREN" segment --model "$MODEL" wav.scp seg 2> seg.log || fail "segment: $(cat seg.log)"
dur=$(soxi -D long.wav)
n=$(wc -l < seg/segments)
[ "$n" -ge 7 ] && [ "$n" -le 20 ] || fail "$n pieces for 10 sentences: $(cat seg/segments)"
awk -v dur="$dur" '$2 != "long" || $3 < prev_end || $3 >= $4 || $4 > dur + 0.01 { bad = 1; print "bad: " $0 }
  { prev_end = $4 } END { exit bad }' seg/segments || fail "pieces out of order, overlapping or outside the recording"
awk '$2 != "long" { exit 1 }' seg/utt2spk || fail "utt2spk: $(head -3 seg/utt2spk)"
[ "$(wc -l < seg/spk2utt)" -eq 1 ] && [ "$(wc -w < seg/spk2utt)" -eq $((n + 1)) ] || fail "spk2utt: $(cat seg/spk2utt)"
cmp -s wav.scp seg/wav.scp || fail "seg/wav.scp is not the input's"
# a join between sentences inside a piece (more than 0.3 s from its ends): at most 3 of 9
inside=$(awk 'NR == FNR { s[NR] = $3; e[NR] = $4; m = NR; next }
  { for (i = 1; i <= m; i++) if ($1 > s[i] + 0.3 && $1 < e[i] - 0.3) { c++; break } } END { print c + 0 }' seg/segments joins.txt)
[ "$inside" -le 3 ] || fail "$inside of 9 sentence joins fall inside pieces: $(cat seg/segments)"
grep -q "1 recordings, .* $n pieces" seg.log || fail "summary: $(cat seg.log)"

# one audio file in place of the wav.scp: the recording named after it
"$WREN" segment --model "$MODEL" long.wav segf 2> /dev/null || fail "segment of long.wav"
cmp -s seg/segments segf/segments || fail "segments of long.wav differ from those of its wav.scp"
[ "$(cat segf/wav.scp)" = "long long.wav" ] || fail "segf/wav.scp: $(cat segf/wav.scp)"
# a folder of audio files: each a recording named after its file
mkdir -p recs && ln -s "$PWD/long.wav" recs/long.wav && echo "not audio" > recs/readme.txt
"$WREN" segment --model "$MODEL" recs segdir 2> /dev/null || fail "segment of a folder"
cmp -s seg/segments segdir/segments || fail "segments of the folder differ from those of its wav.scp"
[ "$(cat segdir/wav.scp)" = "long recs/long.wav" ] || fail "segdir/wav.scp: $(cat segdir/wav.scp)"

# --- at most --max-seconds each, cut at quiet frames ------------------------------------
"$WREN" segment --model "$MODEL" --max-seconds 2 wav.scp seg2 2> /dev/null || fail "segment --max-seconds 2"
awk '$4 - $3 > 2.03 { print; bad = 1 } END { exit bad }' seg2/segments || fail "--max-seconds 2: a longer piece"
[ "$(wc -l < seg2/segments)" -gt "$n" ] || fail "--max-seconds 2 cut nothing more"

# --- decoding the pieces ------------------------------------------------------------------
"$WREN" decode --model "$MODEL" --graph g seg hyp_seg.txt 2> dec.log || fail "decode seg: $(tail -2 dec.log)"
grep -q "$n utterances decoded, 0 failed" dec.log || fail "decode seg: $(tail -1 dec.log)"
awk 'NR == FNR { rec[$1] = $2; next } { r = rec[$1]; $1 = ""; h[r] = h[r] $0 } END { for (r in h) print r h[r] }' \
  seg/segments hyp_seg.txt > hyp_joined.txt
"$WREN" decode --model "$MODEL" --graph g wav.scp hyp_whole.txt 2> whole.log || fail "decode whole"
errs() { "$WREN" wer ref.txt "$1" | awk '/^%WER/ { print $4; exit }'; }
es=$(errs hyp_joined.txt); ew=$(errs hyp_whole.txt)
echo "errors of $(wc -w < sentences.txt) words: pieces $es, whole recording $ew"
[ -n "$es" ] && [ -n "$ew" ] && [ "$es" -le $((ew + 1)) ] || fail "the pieces decode worse ($es errors) than the whole ($ew)"

# the CTM of the pieces is the recording's: its id, times from its start, in order
"$WREN" decode --model "$MODEL" --graph g --remove-silence 0 --ctm rec.ctm seg hyp_rs0.txt 2> /dev/null || fail "decode --ctm"
[ "$(wc -l < rec.ctm)" -gt 40 ] || fail "rec.ctm has $(wc -l < rec.ctm) words"
awk -v dur="$dur" '$1 != "long" || $3 < t - 0.005 || $3 + $4 > dur + 0.01 { print "bad: " $0; bad = 1 } { t = $3 + $4 } END { exit bad }' \
  rec.ctm || fail "the pieces' CTM is not in the recording's time"

# --- wren decode cuts a long utterance itself (--cut-seconds; default 60 s, this recording is 33 s)
# Its outputs are those of `wren segment` + `wren decode` of the pieces, joined under its name:
# hypotheses, CTM (times from the start of the recording), with adaptation to its speaker too,
# and with --nj 2; its lattice is the pieces' in sequence (best path = the --no-mbr hypothesis).
"$WREN" segment --model "$MODEL" --max-seconds 20 wav.scp seg20 2> /dev/null || fail "segment --max-seconds 20"
n20=$(wc -l < seg20/segments)
"$WREN" decode --model "$MODEL" --graph g --adapt none --ctm seg20.ctm seg20 hyp20.txt 2> /dev/null || fail "decode seg20"
join_pieces() { awk 'NR == FNR { rec[$1] = $2; next } { r = rec[$1]; $1 = ""; h[r] = h[r] $0 } END { for (r in h) print r h[r] }' "$@"; }
join_pieces seg20/segments hyp20.txt > hyp20_joined.txt
"$WREN" decode --model "$MODEL" --graph g --cut-seconds 20 --ctm cut.ctm --ref ref.txt --nbest 3 long.wav hyp_cut.txt \
  lat_seq.gz 2> cut.log ||
  fail "decode --cut-seconds 20: $(tail -2 cut.log)"
grep -q "1 utterance longer than 20 s cut at its pauses into $n20 pieces" cut.log || fail "no cut line: $(cat cut.log)"
grep -q "1 utterance decoded, 0 failed" cut.log || fail "summary of the cut decode: $(tail -1 cut.log)"
grep -q "oracle %WER" cut.log || fail "no oracle over the joined lattice: $(tail -1 cut.log)"
cmp -s hyp20_joined.txt hyp_cut.txt || fail "the cut decode differs from the segmented one: $(cat hyp_cut.txt) / $(cat hyp20_joined.txt)"
cmp -s seg20.ctm cut.ctm || fail "the cut decode's CTM differs from the segmented one's"
# a pipe's length is known only once it is read: cut the same
echo "long sox $PWD/long.wav -t wav - |" > pipe.scp
"$WREN" decode --model "$MODEL" --graph g --cut-seconds 20 pipe.scp hyp_pipe.txt 2> pipe.log || fail "a pipe: $(tail -2 pipe.log)"
cmp -s hyp_cut.txt hyp_pipe.txt && grep -q "cut at its pauses into $n20 pieces" pipe.log || fail "a pipe is not cut: $(cat pipe.log)"
# --nj 2 on one long recording: its pieces shared by two workers, their outputs joined as one
# process joins them (the n-best and the oracle taken from the joined lattice)
"$WREN" decode --model "$MODEL" --graph g --cut-seconds 20 --nj 2 --ctm cut_nj.ctm --ref ref.txt --nbest 3 long.wav \
  hyp_cut_nj.txt lat_nj.gz 2> nj.log || fail "--cut-seconds --nj 2: $(tail -2 nj.log)"
cmp -s hyp_cut.txt hyp_cut_nj.txt && cmp -s cut.ctm cut_nj.ctm || fail "--nj 2: $(cat hyp_cut_nj.txt)"
cut -d' ' -f1,4- hyp_cut.txt.nbest > nb1.txt && cut -d' ' -f1,4- hyp_cut_nj.txt.nbest > nb2.txt && cmp -s nb1.txt nb2.txt &&
  [ "$(wc -l < nb1.txt)" = 3 ] || fail "--nj 2: n-best $(cat nb2.txt)"
[ "$(grep -o 'oracle %WER [0-9.]*' nj.log)" = "$(grep -o 'oracle %WER [0-9.]*' cut.log)" ] || fail "--nj 2: oracle $(tail -1 nj.log)"
"$WREN" lattice best-path --words g/words.txt lat_seq.gz bp_seq.txt 2> /dev/null &&
  "$WREN" lattice best-path --words g/words.txt lat_nj.gz bp_nj.txt 2> /dev/null && cmp -s bp_seq.txt bp_nj.txt &&
  [ "$(zcat lat_nj.gz | grep -c '^long$')" = 1 ] || fail "--nj 2: the joined lattice differs: $(cat bp_nj.txt)"
# --nj 2 over sentences and long recordings mixed: each long one (by its header) has its pieces
# shared, the sentences between are shared whole or decoded alone; the outputs are one job's
{ echo "s1 $A/audio/arctic_a0011.flac"; echo "long $PWD/long.wav"; echo "s2 $A/audio/arctic_a0012.flac"
  echo "s3 $A/audio/arctic_a0013.flac"; echo "long2 $PWD/long.wav"; echo "s4 $A/audio/arctic_a0014.flac"; } > mix.scp
for o in 1 2; do
  "$WREN" decode --model "$MODEL" --graph g --adapt none --cut-seconds 20 --nj $o --ctm mix$o.ctm --nbest 2 mix.scp \
    mix$o.txt mix$o.gz 2> mix$o.log || fail "mixed input, --nj $o: $(tail -2 mix$o.log)"
done
cmp -s mix1.txt mix2.txt && cmp -s mix1.ctm mix2.ctm || fail "mixed input: --nj 2 differs from one job: $(diff mix1.txt mix2.txt | head -4)"
cut -d' ' -f1,4- mix1.txt.nbest > mnb1.txt && cut -d' ' -f1,4- mix2.txt.nbest > mnb2.txt && cmp -s mnb1.txt mnb2.txt ||
  fail "mixed input: the n-best lists differ"
"$WREN" lattice best-path --words g/words.txt mix1.gz mbp1.txt 2> /dev/null && "$WREN" lattice best-path --words g/words.txt mix2.gz mbp2.txt 2> /dev/null &&
  cmp -s mbp1.txt mbp2.txt || fail "mixed input: the lattices' best paths differ"
[ "$(cut -d' ' -f1 mix2.txt | tr '\n' ' ')" = "s1 long s2 s3 long2 s4 " ] || fail "mixed input: order $(cut -d' ' -f1 mix2.txt)"
grep -q "2 utterances longer than 20 s cut at their pauses" mix2.log && grep -q "6 utterances decoded, 0 failed" mix2.log ||
  fail "mixed input, --nj 2: $(tail -2 mix2.log)"
"$WREN" decode --model "$MODEL" --graph g --cut-seconds 20 --no-mbr --ctm cut.ctm long.wav hyp_vit.txt lat_cut.gz 2> /dev/null ||
  fail "--cut-seconds with lattices"
[ "$(zcat lat_cut.gz | grep -c '^long$')" -eq 1 ] || fail "not one joined lattice: $(zcat lat_cut.gz | grep -v '^[0-9]' | head)"
"$WREN" lattice best-path --words g/words.txt lat_cut.gz bp.txt 2> /dev/null || fail "best path of the joined lattice"
cmp -s bp.txt hyp_vit.txt || fail "the joined lattice's best path is not the hypothesis: $(cat bp.txt)"
# the joined lattice's times are the recording's, with the VAD's dropped frames (the default) and
# with every frame kept (--remove-silence 0): each word of its best path starts and ends where the
# decode's CTM says (without the pauses every word after the first piece would be early by all of them)
"$WREN" decode --model "$MODEL" --graph g --cut-seconds 20 --remove-silence 0 --no-mbr --ctm vit.ctm long.wav \
  hyp_v0.txt lat_v0.gz 2> /dev/null || fail "--cut-seconds --remove-silence 0"
for v in cut:lat_cut vit:lat_v0; do
  "$WREN" lattice to-ctm --words g/words.txt ${v#*:}.gz ${v#*:}.ctm 2> /dev/null || fail "to-ctm of the joined lattice ${v#*:}"
  paste -d' ' ${v%:*}.ctm ${v#*:}.ctm | awk 'function abs(x) { return x < 0 ? -x : x }
    { if (abs($3 - $8) > 0.011 || abs($3 + $4 - $8 - $9) > 0.011 || $5 != $10) { print; bad = 1 } }
    END { exit bad || NR < 40 }' || fail "the joined lattice ${v#*:}'s times are not the recording's"
done
# speaker adaptation: the pieces are the utterance's speaker
mkdir dc && cp wav.scp dc/ && echo "long alice" > dc/utt2spk
mkdir seg20a && cp seg20/wav.scp seg20/segments seg20a/ && awk '{ print $1, "alice" }' seg20/segments > seg20a/utt2spk
"$WREN" decode --model "$MODEL" --graph g seg20a hyp20a.txt 2> /dev/null || fail "decode seg20a"
join_pieces seg20/segments hyp20a.txt > hyp20a_joined.txt
"$WREN" decode --model "$MODEL" --graph g --cut-seconds 20 dc hyp_cut_a.txt 2> cuta.log || fail "adapted cut decode: $(tail -2 cuta.log)"
cmp -s hyp20a_joined.txt hyp_cut_a.txt || fail "the adapted cut decode differs from the segmented one"
# --cut-seconds 0: one search; a bad value: one line
"$WREN" decode --model "$MODEL" --graph g --cut-seconds 0 long.wav hyp_whole0.txt 2> whole0.log || fail "--cut-seconds 0"
cmp -s hyp_whole0.txt hyp_whole.txt && ! grep -q "cut at" whole0.log || fail "--cut-seconds 0 is not one search"
"$WREN" decode --model "$MODEL" --graph g --cut-seconds -1 long.wav x.txt > out.txt 2> err.txt; rc=$?
[ $rc -ne 0 ] && [ "$(wc -l < err.txt)" -eq 1 ] && grep -q -- '--cut-seconds' err.txt && [ ! -e x.txt ] ||
  fail "--cut-seconds -1: exit $rc, $(cat err.txt)"

# --- silent and unreadable recordings ---------------------------------------------------------
sox -n -r 16000 -b 16 -c 1 silence.wav trim 0 3 || fail "sox silence"
printf 'bad %s/nope.wav\nlong %s/long.wav\nquiet %s/silence.wav\n' "$PWD" "$PWD" "$PWD" > wav3.scp
"$WREN" segment --model "$MODEL" wav3.scp seg3 2> seg3.log; rc=$?
[ $rc -eq 1 ] || fail "an unreadable recording: exit $rc, not 1"
grep -q 'recording bad skipped: .*nope.wav' seg3.log || fail "the unreadable recording is not named: $(cat seg3.log)"
grep -q 'recording quiet: no speech found' seg3.log || fail "no warning for the silent recording: $(cat seg3.log)"
cmp -s seg/segments seg3/segments || fail "seg3/segments differ from the single recording's"

# --- data dirs ----------------------------------------------------------------------------
mkdir d && cp wav.scp d/ && echo "long alice" > d/utt2spk
"$WREN" segment --model "$MODEL" d segd 2> /dev/null || fail "segment of a data dir"
awk '$2 != "alice" { exit 1 }' segd/utt2spk || fail "the data dir's speaker is not kept: $(head -2 segd/utt2spk)"
[ "$(cut -d' ' -f1 segd/spk2utt)" = alice ] || fail "spk2utt of the data dir: $(cat segd/spk2utt)"
# two recordings whose speakers sort the other way: the tables stay a valid Kaldi data dir
mkdir d2 && printf 'b %s/long.wav\nz %s/long.wav\n' "$PWD" "$PWD" > d2/wav.scp && printf 'b zed\nz adam\n' > d2/utt2spk
"$WREN" segment --model "$MODEL" d2 segd2 2> /dev/null || fail "segment of a two-speaker data dir"
for d in seg segd segd2; do
  "$SRC/utils/validate-data-dir.sh" --no-text "$d" > val.txt 2>&1 || fail "$d is not a valid data dir: $(cat val.txt)"
done
[ "$(cut -d' ' -f1 segd2/spk2utt | tr '\n' ' ')" = "adam zed " ] || fail "segd2/spk2utt: $(cut -c1-60 segd2/spk2utt)"
"$WREN" segment --model "$MODEL" seg again > out.txt 2> err.txt; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l < err.txt)" -eq 1 ] && grep -q 'already has segments' err.txt ||
  fail "a segmented data dir: exit $rc, $(cat err.txt)"
[ ! -e again/segments ] || fail "a refused run wrote again/segments"
for bad in "--max-seconds 0" "--join-seconds 40" "--join-seconds -1"; do
  # shellcheck disable=SC2086
  "$WREN" segment --model "$MODEL" $bad wav.scp x > out.txt 2> err.txt; rc=$?
  [ $rc -eq 1 ] && [ "$(wc -l < err.txt)" -eq 1 ] && [ ! -s out.txt ] || fail "$bad: exit $rc, $(cat err.txt)"
done
# without --model: Debian's en-us, the model of this test
if [ "$(realpath "$MODEL")" = "$(realpath /usr/share/pocketsphinx/model/en-us/en-us)" ]; then
  "$WREN" segment wav.scp nomodel 2> err.txt || fail "no --model: $(cat err.txt)"
  cmp -s seg/segments nomodel/segments || fail "no --model: other segments than --model $MODEL's"
fi
echo PASS
