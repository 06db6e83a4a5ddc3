#!/usr/bin/env bash
# prepare_data.sh — Kaldi data dir from the Free Spoken Digit Dataset (audio/<digit>_<speaker>_<n>.wav,
# 8 kHz). The transcript is the digit's word. Writes wav.scp, text.raw, utt2spk, spk2utt.
# usage: local/prepare_data.sh CORPUS_DIR DATA_DIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 CORPUS_DIR DATA_DIR" >&2; exit 1; }
corpus=$(cd "$1" && pwd); data=$2
mkdir -p "$data"
ls "$corpus"/audio/*_*_*.wav > /dev/null 2>&1 || { echo "$0: $corpus/audio: no <digit>_<speaker>_<n>.wav files" >&2; exit 1; }
for f in "$corpus"/audio/*_*_*.wav; do
  b=$(basename "$f" .wav); d=${b%%_*}; r=${b#*_}; spk=${r%_*}; n=${r##*_}
  echo "$spk-$d-$n $f"
done | LC_ALL=C sort > "$data/wav.scp"
awk 'BEGIN{split("zero one two three four five six seven eight nine", w, " ")}
     { split($1, p, "-"); print $1, w[p[2] + 1] }' "$data/wav.scp" > "$data/text.raw"
awk '{ split($1, p, "-"); print $1, p[1] }' "$data/wav.scp" > "$data/utt2spk"
awk '{u[$2]=u[$2]" "$1} END{for(s in u) print s u[s]}' "$data/utt2spk" | LC_ALL=C sort > "$data/spk2utt"
echo "$0: $(wc -l < "$data/wav.scp") utterances in $data" >&2
