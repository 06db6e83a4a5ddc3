#!/usr/bin/env bash
# data-dir.sh — end-to-end test of utils/validate-data-dir.sh and utils/split-data.sh on real
# data dirs: Debian's pocketsphinx-testdata (LibriVox, 5 utterances, with segments variants) and,
# when WREN_SHARED has it, the FSDD digits corpus (3000 utterances, 6 speakers).
# Validation: a good dir passes; each kind of damage gives exit 1 and one line naming the file
# and line. Splitting: parts are valid, together hold exactly the original lines, keep speakers
# whole when there are enough of them, carry the recordings their segments need, and an up to
# date split is not redone.
# Combining: egs/steps/combine_data_dirs.sh puts the parts back together, and refuses an id
# present in two sources.
# Not for: run-jobs.sh (tests/e2e/run-jobs-local.sh, tests/e2e/slurm.sh).
set -uo pipefail
export LC_ALL=C

src=${WREN_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
shared=${WREN_SHARED:-$src/../shared}
validate=$src/utils/validate-data-dir.sh
split=$src/utils/split-data.sh
libri=/usr/share/pocketsphinx/test/data/librivox
[ -f "$libri/transcription" ] || { echo "data-dir: skipped: needs Debian's pocketsphinx-testdata"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wren-data-dir.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99

nfail=0
check() {  # $1 = description, rest = command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; nfail=$((nfail + 1)); fi
}

spk2utt_of() {  # utt2spk on stdin -> spk2utt on stdout
  sort -s -k2,2 | awk '$2 != s { if (NR > 1) print l; s = $2; l = $2 } { l = l " " $1 } END { if (NR) print l }' | sort
}

# --- a real data dir: 5 LibriVox utterances; the speaker is the reader -----------------------
mkdir lv
for f in "$libri"/*.wav; do echo "$(basename "$f" .wav) $f"; done | sort > lv/wav.scp
sed -E 's/^<s> (.*) <\/s> \((.*)\)$/\2 \1/' "$libri/transcription" | sort > lv/text
awk '{print $1, "austen"}' lv/wav.scp > lv/utt2spk
spk2utt_of < lv/utt2spk > lv/spk2utt
"$validate" lv > out.txt
check "a good data dir is valid" test $? -eq 0
check "it says so with counts" grep -q 'is valid (5 utterances, 1 speakers)' out.txt

# --- each kind of damage: exit 1, one line naming the file and line ------------------------
bad_case() {  # $1 = name, $2 = shell edit run in the copy, $3 = expected message, [$4 = option]
  rm -rf "bad-$1"; cp -r lv "bad-$1"
  (cd "bad-$1" && eval "$2")
  "$validate" ${4:-} "bad-$1" > out.txt 2> err.txt
  local rc=$?
  check "bad $1: exit 1, one line '$3'" \
    test $rc -eq 1 -a "$(wc -l < err.txt)" -eq 1 -a ! -s out.txt -a -n "$(grep -F -- "$3" err.txt)"
  [ $rc -eq 1 ] || cat err.txt
}
u2=sense_and_sensibility_01_austen_64kb-0880
bad_case unsorted 'sort -r utt2spk > x && mv x utt2spk' "bad-unsorted/utt2spk:2: not sorted"
bad_case duplicate 'sed -i 2p text' "bad-duplicate/text:3: duplicate key '$u2'"
bad_case missing-text-line 'sed -i 2d text' "bad-missing-text-line/utt2spk:2: utterance '$u2' has no line in bad-missing-text-line/text"
bad_case extra-text-line 'echo "zz_extra hello" >> text' "bad-extra-text-line/text:6: utterance 'zz_extra' is not in"
bad_case utt2spk-fields 'sed -i "3s/\$/ extra/" utt2spk' "bad-utt2spk-fields/utt2spk:3: expected 'utterance speaker', found 3 fields"
bad_case spk2utt-missing 'sed -i "s/ $u2//" spk2utt' "bad-spk2utt-missing/utt2spk:2: utterance '$u2' is missing from spk2utt"
bad_case spk2utt-wrong-speaker 'sed -i "s/^austen/bronte/" spk2utt' "bad-spk2utt-wrong-speaker/spk2utt:1: utterance 'sense_and_sensibility_01_austen_64kb-0870' listed under speaker 'bronte' but utt2spk:1 gives 'austen'"
bad_case audio-missing 'sed -i "4s/0920.wav/0921.wav/" wav.scp' "bad-audio-missing/wav.scp:4: no such file '$libri/sense_and_sensibility_01_austen_64kb-0921.wav'"
bad_case empty-line 'sed -i "2s/.*//" text' "bad-empty-line/text:2: empty line"
bad_case crlf 'sed -i "s/\$/\r/" utt2spk' "bad-crlf/utt2spk:1: carriage return"
bad_case no-spk2utt 'rm spk2utt' "bad-no-spk2utt/spk2utt: missing"
bad_case no-text 'rm text' "bad-no-text/text: missing"
bad_case wav-fields 'sed -i "2s/\$/ extra/" wav.scp' "bad-wav-fields/wav.scp:2: expected 'recording path' or 'recording command |'"
rm -rf ok-notext; cp -r lv ok-notext; rm ok-notext/text
check "--no-text accepts a dir without text" "$validate" --quiet --no-text ok-notext
# keys compared as strings, not numbers: "10" sorts before "9"
mkdir num; printf '10 a\n9 a\n' > num/utt2spk; printf 'a 10 9\n' > num/spk2utt
printf '10 %s\n9 %s\n' "$libri/$u2.wav" "$libri/$u2.wav" > num/wav.scp; printf '10 x\n9 y\n' > num/text
check "numeric-looking keys sorted as strings are valid" "$validate" --quiet num

# --- pipes and segments ---------------------------------------------------------------------
# Two segments of each recording, one speaker per segment half: a segments data dir.
mkdir seg
awk '{print $1, "sox", $2, "-t", "wav", "-", "|"}' lv/wav.scp > seg/wav.scp
awk '{print $1 "-a", $1, "0.00", "1.50"; print $1 "-b", $1, "1.50", "3.00"}' lv/wav.scp | sort > seg/segments
awk '{print $1, ($1 ~ /-a$/ ? "spk-a" : "spk-b")}' seg/segments > seg/utt2spk
spk2utt_of < seg/utt2spk > seg/spk2utt
awk '{print $1, "word"}' seg/segments > seg/text
check "a segments data dir with piped wav.scp is valid" "$validate" --quiet seg
bad_case segment-times 'cp -r ../seg/* . && sed -i "2s/ 1.50 3.00/ 3.00 1.50/" segments' "bad-segment-times/segments:2: segment 'sense_and_sensibility_01_austen_64kb-0870-b' ends (1.50) before it starts (3.00)"
bad_case segment-reco 'cp -r ../seg/* . && sed -i "1s/ sense_and_sensibility_01_austen_64kb-0870 / nowhere /" segments' "bad-segment-reco/segments:1: recording 'nowhere' is not in wav.scp"

# --- splitting -------------------------------------------------------------------------------
union_equal() {  # $1 = data dir, $2 = N, $3 = file: the parts' lines together equal the file's
  [ "$(cat "$1/split$2"/*/"$3" | sort)" = "$(sort "$1/$3")" ]
}
parts_valid() {  # $1 = data dir, $2 = N, [$3 = validate options]
  local p; for ((p = 1; p <= $2; p++)); do "$validate" --quiet ${3:-} "$1/split$2/$p" || return 1; done
}

"$split" lv 3 2> err.txt
check "split of a 1-speaker dir into 3 succeeds" test $? -eq 0
check "it says it splits by utterance" grep -q 'fewer than 3 parts: splitting by utterance' err.txt
check "3 valid parts" parts_valid lv 3
for f in wav.scp text utt2spk; do check "parts hold exactly lv/$f" union_equal lv 3 $f; done
check "parts are balanced (2,2,1 utterances)" test "$(wc -l < lv/split3/1/text),$(wc -l < lv/split3/2/text),$(wc -l < lv/split3/3/text)" = "2,2,1"

"$split" seg 4 2> err.txt
check "split of the segments dir into 4 (2 speakers: by utterance)" test $? -eq 0
check "4 valid segment parts" parts_valid seg 4 --no-files
check "parts hold exactly seg/segments" union_equal seg 4 segments
check "each part's wav.scp holds exactly the recordings its segments use" bash -c '
  for p in seg/split4/*; do
    [ "$(cut -d" " -f2 $p/segments | sort -u)" = "$(cut -d" " -f1 $p/wav.scp)" ] || exit 1
  done'
"$split" --per-utt seg 2 2> err.txt
check "--per-utt splits by utterance silently" test $? -eq 0 -a ! -s err.txt
"$split" seg 2
check "2 speakers into 2 parts: one speaker per part" \
  test "$(cut -d' ' -f1 seg/split2/1/spk2utt),$(cut -d' ' -f1 seg/split2/2/spk2utt)" = "spk-a,spk-b"

"$split" lv 6 2> err.txt
check "more parts than utterances: exit 1 with a message" test $? -eq 1 -a -n "$(grep -F 'lv has 5 utterances, cannot split it into 6 parts' err.txt)"
"$split" lv 0 2> err.txt
check "N=0: exit 1" test $? -eq 1
"$split" bad-unsorted 2 2> err.txt
check "splitting an invalid dir fails with the validator's message" test $? -eq 1 -a -n "$(grep -F 'bad-unsorted/utt2spk:2: not sorted' err.txt)"

# up to date: not redone; redone after a source file changes
stamp=$(stat -c %Y.%i lv/split3/1/text)
sleep 1.1; "$split" lv 3 2>/dev/null
check "an up-to-date split is kept" test "$(stat -c %Y.%i lv/split3/1/text)" = "$stamp"
touch lv/text; "$split" lv 3 2>/dev/null
check "a split older than its source is redone" test "$(stat -c %Y.%i lv/split3/1/text)" != "$stamp"

# --- combining (egs/steps/combine_data_dirs.sh): the split's parts back into one dir -----------
combine=$src/egs/steps/combine_data_dirs.sh
"$combine" comb lv/split3/3 lv/split3/1 lv/split3/2 > out.txt 2> err.txt
check "combining the 3 parts succeeds" test $? -eq 0
for f in wav.scp text utt2spk spk2utt; do check "the combined $f equals lv/$f" cmp -s comb/$f lv/$f; done
check "utt2set names each utterance's part" \
  test "$(cut -d' ' -f2 comb/utt2set | sort | uniq -c | awk '{printf "%s ", $1}')" = "2 2 1 "
"$combine" dup lv/split3/1 lv/split3/1 > out.txt 2> err.txt
check "an id in two sources: exit 1, one line naming the id" \
  test $? -eq 1 -a "$(wc -l < err.txt)" -eq 1 -a -n "$(grep "id '$(head -1 lv/split3/1/text | cut -d' ' -f1)'" err.txt)"

# --- a larger real corpus: FSDD digits, 3000 utterances by 6 speakers --------------------------
fsdd=$shared/data/speech/fsdd-digits/audio
if [ -d "$fsdd" ]; then
  mkdir fsdd
  for f in "$fsdd"/*.wav; do b=$(basename "$f" .wav); IFS=_ read -r dig spk idx <<< "$b"; echo "${spk}_${dig}_$idx $f"; done |
    sort > fsdd/wav.scp
  awk '{split($1, a, "_"); print $1, a[1]}' fsdd/wav.scp > fsdd/utt2spk
  spk2utt_of < fsdd/utt2spk > fsdd/spk2utt
  awk '{split($1, a, "_"); print $1, a[2]}' fsdd/wav.scp > fsdd/text
  check "FSDD data dir is valid" "$validate" --quiet fsdd
  "$split" fsdd 4
  check "FSDD split into 4 valid parts" parts_valid fsdd 4
  for f in wav.scp text utt2spk spk2utt; do check "FSDD parts hold exactly $f" union_equal fsdd 4 $f; done
  check "each speaker is in exactly one part" bash -c '[ "$(cut -d" " -f1 fsdd/split4/*/spk2utt | sort | uniq -d)" = "" ]'
  sizes=$(for p in 1 2 3 4; do wc -l < fsdd/split4/$p/utt2spk; done | sort -n | tr '\n' ' ')
  check "speaker split is as balanced as whole speakers allow ($sizes)" test "$sizes" = "500 500 1000 1000 "
  "$split" fsdd 7 2> err.txt
  check "6 speakers into 7 parts falls back to utterances" parts_valid fsdd 7
  sizes=$(for p in 1 2 3 4 5 6 7; do wc -l < fsdd/split7/$p/utt2spk; done | sort -n | uniq | tr '\n' ' ')
  check "utterance split is balanced ($sizes)" test "$sizes" = "428 429 "
else
  echo "skip FSDD checks: $fsdd not found"
fi

echo "data-dir: $nfail failed"
[ $nfail -eq 0 ]
