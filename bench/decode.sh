#!/bin/bash
# decode.sh — first-pass decoding benchmark: Wren's beam search against pocketsphinx_batch on
# the same audio, with the same acoustic model (pocketsphinx-en-us), the same dictionary
# (cmudict-en-us) and the same ARPA trigram (Jane Austen's novels, leak-guarded against the test
# transcripts, pruned), single thread. Test sets: the five LibriVox utterances of
# pocketsphinx-testdata (Sense and Sensibility) and the first N ARCTIC prompts (arctic-fraser).
# Prints WER and real-time factor per system and beam (the WER/speed trade-off of the
# speaker-independent pass, --adapt none), the same for `wren decode` with its default options
# (two passes, adapted to each of the two speakers: the LibriVox reader and the ARCTIC one), and
# Wren's RTF as a ratio of pocketsphinx's. Work files are kept in WREN_BENCH_DIR (default
# /tmp/wren-bench-decode) so that the LM and graph are built once.
# Env: WREN (built wren), WREN_SHARED; N_ARCTIC (default 60); BEAMS (default "8 10 13 16").
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/austen-graph.sh"   # WREN, SHARED, MODEL, DICT, CORPUS; bench_needs, austen_graph
LIBRI=/usr/share/pocketsphinx/test/data/librivox
ARCTIC=$SHARED/data/speech/arctic-fraser
N_ARCTIC=${N_ARCTIC:-60}
BEAMS=${BEAMS:-8 10 13 16}
W=${WREN_BENCH_DIR:-/tmp/wren-bench-decode}
bench_needs decode "$LIBRI/fileids"
command -v pocketsphinx_batch >/dev/null || { echo "decode bench: pocketsphinx_batch missing, skipped"; exit 0; }
mkdir -p "$W"
cd "$W"

# --- test sets as Kaldi data (wav.scp + text), and 16-bit wav copies for pocketsphinx
mkdir -p wav
: > wav.scp; : > text.raw; : > utt2spk
for u in $(cat "$LIBRI/fileids"); do
  echo "$u $LIBRI/$u.wav" >> wav.scp
  echo "$u librivox" >> utt2spk
  grep "($u)" "$LIBRI/transcription" | sed -e 's/<s> //; s/ <\/s>//; s/ ([^)]*)$//' -e "s/^/$u /" >> text.raw
  [ -e "wav/$u.wav" ] || cp "$LIBRI/$u.wav" "wav/$u.wav"
done
if [ -d "$ARCTIC/audio" ] && command -v sox >/dev/null; then
  for f in $(ls "$ARCTIC"/audio/*.flac | head -n "$N_ARCTIC"); do
    u=$(basename "$f" .flac)
    echo "$u $f" >> wav.scp
    echo "$u arctic" >> utt2spk
    echo "$u $(cat "$ARCTIC/text/$u.txt")" >> text.raw
    [ -e "wav/$u.wav" ] || sox "$f" -b 16 -e signed-integer "wav/$u.wav"
  done
fi
"$WREN" text-norm --ids text.raw text 2>/dev/null
cut -d' ' -f1 wav.scp > fileids
n_utt=$(wc -l < wav.scp)
audio_sec=$(for u in $(cat fileids); do soxi -D "wav/$u.wav" 2>/dev/null || echo 0; done | awk '{s += $1} END {printf "%.1f", s}')

# --- LM (Austen, leak-guarded against the test text, trigram pruned to 200k n-grams) and graph
austen_graph text

wer() { "$WREN" wer text "$1" | head -1 | sed 's/^%WER \([0-9.]*\).*/\1/'; }
printf '\n%-26s %6s %8s %8s %10s\n' "system ($n_utt utts, ${audio_sec}s)" beam "%WER" RTF "RTF/psphx"

# --- pocketsphinx_batch: same model, dictionary, LM (default beams, single thread)
t0=$(date +%s.%N)
pocketsphinx_batch -hmm "$MODEL" -dict "$DICT" -lm lm.arpa -ctl fileids -cepdir wav -cepext .wav \
  -adcin yes -adchdr 44 -hyp psphx.hyp > psphx.log 2>&1
t1=$(date +%s.%N)
sed -E 's/^(.*) \(([^ ]+)( [-0-9]+)?\)$/\2 \1/; s/^([^ ]+) $/\1/' psphx.hyp > psphx.txt
ps_rtf=$(echo "$t0 $t1 $audio_sec" | awk '{printf "%.4f", ($2 - $1) / $3}')
printf '%-26s %6s %8s %8s %10s\n' pocketsphinx_batch default "$(wer psphx.txt)" "$ps_rtf" 1.00

# --- Wren: beam sweep
for b in $BEAMS; do
  t0=$(date +%s.%N)
  "$WREN" --quiet decode --model "$MODEL" --graph graph --nj 1 --adapt none --beam "$b" wav.scp "hyp-$b.txt" "lat-$b.gz" 2> "decode-$b.log"
  t1=$(date +%s.%N)
  rtf=$(echo "$t0 $t1 $audio_sec" | awk '{printf "%.4f", ($2 - $1) / $3}')
  printf '%-26s %6s %8s %8s %10s\n' "wren decode" "$b" "$(wer "hyp-$b.txt")" "$rtf" \
    "$(echo "$rtf $ps_rtf" | awk '{printf "%.2f", $1 / $2}')"
done
# --- Wren with its default options on the data dir (this folder: wav.scp, utt2spk): speaker-adapted
t0=$(date +%s.%N)
"$WREN" --quiet decode --model "$MODEL" --graph graph --nj 1 . hyp-default.txt 2> decode-default.log
t1=$(date +%s.%N)
rtf=$(echo "$t0 $t1 $audio_sec" | awk '{printf "%.4f", ($2 - $1) / $3}')
printf '%-26s %6s %8s %8s %10s\n' "wren decode (defaults)" default "$(wer hyp-default.txt)" "$rtf" \
  "$(echo "$rtf $ps_rtf" | awk '{printf "%.2f", $1 / $2}')"
echo "(RTF = wall time incl. model and graph loading / audio time; files in $W)"

# --- lattice rescoring: first-pass LM (pruned trigram) replaced by an unpruned 4-gram on the
#     same leak-guarded text, on the lattices of the middle beam
[ -s lm4.arpa ] || "$WREN" ngram-count -order 4 -text corpus-guarded.txt -lm lm4.arpa 2>&1 | tail -1
set -- $BEAMS; b=${2:-$1}
t0=$(date +%s.%N)
"$WREN" lattice lmrescore --words graph/words.txt --old-lm lm.arpa --new-lm lm4.arpa "lat-$b.gz" "lat4-$b.gz" 2>/dev/null
"$WREN" lattice best-path --words graph/words.txt "lat4-$b.gz" "hyp4-$b.txt" 2>/dev/null
t1=$(date +%s.%N)
"$WREN" lattice oracle --words graph/words.txt "lat-$b.gz" text > "oracle-$b.txt"
printf '\nbeam %s: first pass %%WER %s, after 4-gram lattice rescoring %%WER %s (%.1f s), lattice oracle %s\n' "$b" \
  "$(wer "hyp-$b.txt")" "$(wer "hyp4-$b.txt")" "$(echo "$t0 $t1" | awk '{print $2 - $1}')" \
  "$(sed 's/^%WER \([0-9.]*\).*/\1/' "oracle-$b.txt")"
