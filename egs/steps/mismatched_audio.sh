#!/usr/bin/env bash
# mismatched_audio.sh — graceful degradation on audio unlike the acoustic model's training data:
# the first N utterances of DATA made into four mismatched sets — espeak-ng speaking their
# transcripts (synthetic speech), band-limited to 300-3400 Hz, white noise added (sox synth
# whitenoise vol 0.03), sped up 1.25x (tempo and pitch) — each decoded by `wren decode` with
# default options on the set as a data dir whose utt2spk gives the speakers (espeak-ng's one voice;
# DATA's speakers for the others), so two passes, the second adapted to each speaker; by `wren
# decode --adapt none` (the speaker-independent pass alone), by `wren decode --adapt none
# --score-floor 0` (that pass with exact acoustic scores) and by pocketsphinx_batch with the same
# model, dictionary and LM. The LM is a trigram on LM_TEXT
# (a small closed-vocabulary LM, as a user adapting a recogniser to a known prompt list would
# build), so what is measured is how much speech the acoustic side lets through. sox runs
# with -R (fixed random numbers: the same dither and noise on every run, so a rerun makes the
# same audio; without dither espeak-ng's digital silence stays exact zeros, which costs every
# system about a third of its correct words).
# Prints one line per set: reference words, then correct words (reference - deletions -
# substitutions) and %WER of each system; writes the same to OUT/summary.txt.
# usage: egs/steps/mismatched_audio.sh [--n 12] [--match STRING] MODEL DICT DATA LM_TEXT OUT
#   --match: only the utterances whose wav.scp line contains STRING (e.g. a corpus folder)
# Env: WREN (built wren; default the tree's build/wren). Needs espeak-ng, sox, pocketsphinx_batch.
set -euo pipefail
n=12
match=""
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 5 ] || { echo "usage: $0 [--n N] [--match STRING] MODEL DICT DATA LM_TEXT OUT" >&2; exit 1; }
model=$1; dict=$2; data=$3; lm_text=$4; out=$5
WREN=${WREN:-$(cd "$(dirname "$0")/../.." && pwd)/build/wren}
for t in espeak-ng sox pocketsphinx_batch; do
  command -v $t > /dev/null || { echo "$0: $t not installed (utils/setup.sh installs it)" >&2; exit 1; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -s "$out/lm.arpa" ] || "$WREN" ngram-count -order 3 -text "$lm_text" -lm "$out/lm.arpa" 2> "$out/ngram.log"
[ -s "$out/graph/HCLG.fst" ] || "$WREN" mkgraph --model "$model" --dict "$dict" --lm "$out/lm.arpa" "$out/graph" > "$out/mkgraph.log" 2>&1
grep -F -- "$match" "$data/wav.scp" | head -n "$n" > "$out/base.scp" || true
[ -s "$out/base.scp" ] || { echo "$0: no utterance of $data/wav.scp matches '$match'" >&2; exit 1; }
awk 'NR == FNR { t[$1] = 1; next } ($1 in t)' "$out/base.scp" "$data/text" > "$out/ref.txt"
hits() {   # HYP -> "correct %WER"
  "$WREN" wer "$out/ref.txt" "$1" | awk '/^%WER/ { gsub(/[],]/, ""); print $6 - $9 - $11, $2; exit }'
}
: > "$out/summary.tmp"
for set in espeak band noise speed; do
  d=$out/$set
  mkdir -p "$d/wav"
  while read -r u f; do
    w=$d/wav/$u.wav
    if [ ! -s "$w" ]; then
      case $set in
        espeak) espeak-ng -w "$d/es.wav" "$(awk -v u="$u" '$1 == u { $1 = ""; print }' "$out/ref.txt")"
                sox -R "$d/es.wav" -r 16000 -b 16 -e signed-integer "$w.tmp.wav" ;;
        band) sox -R "$f" -b 16 -e signed-integer "$w.tmp.wav" sinc 300-3400 ;;
        noise) sox -R "$f" -p synth whitenoise vol 0.03 | sox -R -m "$f" - -b 16 -e signed-integer "$w.tmp.wav" ;;
        speed) sox -R "$f" -b 16 -e signed-integer "$w.tmp.wav" speed 1.25 rate 16000 ;;
      esac 2> /dev/null
      mv "$w.tmp.wav" "$w"
    fi
    echo "$u $w"
  done < "$out/base.scp" > "$d/wav.scp"
  cut -d' ' -f1 "$d/wav.scp" > "$d/fileids"
  if [ $set = espeak ]; then awk '{print $1, "espeak"}' "$d/wav.scp"
  else awk 'NR == FNR { s[$1] = $2; next } { print $1, ($1 in s) ? s[$1] : $1 }' "$data/utt2spk" "$d/wav.scp"
  fi > "$d/utt2spk"
  "$WREN" decode --model "$model" --graph "$out/graph" "$d" "$d/hyp-default.txt" 2> "$d/decode.log"
  "$WREN" decode --model "$model" --graph "$out/graph" --adapt none "$d/wav.scp" "$d/hyp-si.txt" 2> "$d/decode-si.log"
  "$WREN" decode --model "$model" --graph "$out/graph" --adapt none --score-floor 0 "$d/wav.scp" "$d/hyp-exact.txt" \
    2> "$d/decode-exact.log"
  pocketsphinx_batch -hmm "$model" -dict "$dict" -lm "$out/lm.arpa" -ctl "$d/fileids" -cepdir "$d/wav" \
    -cepext .wav -adcin yes -adchdr 44 -hyp "$d/ps.raw" > "$d/ps.log" 2>&1
  sed -E 's/^(.*) \(([^ ]+)( [-0-9]+)?\)$/\2 \1/; s/^([^ ]+) $/\1/' "$d/ps.raw" | LC_ALL=C sort > "$d/ps.txt"
  printf '%-7s words %4d  correct/%%WER: wren %s  --adapt none %s  --adapt none --score-floor 0 %s  pocketsphinx %s\n' \
    "$set" "$(cut -d' ' -f2- "$out/ref.txt" | wc -w)" "$(hits "$d/hyp-default.txt")" "$(hits "$d/hyp-si.txt")" \
    "$(hits "$d/hyp-exact.txt")" "$(hits "$d/ps.txt")" >> "$out/summary.tmp"
done
mv "$out/summary.tmp" "$out/summary.txt"
cat "$out/summary.txt"
