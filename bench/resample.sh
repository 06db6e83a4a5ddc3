#!/bin/bash
# resample.sh — what decoding audio at another sample rate than the model's costs: the first 40
# CMU ARCTIC sentences of arctic-fraser (16 kHz) decoded as they are (the reference) and as
# sox-made copies at 44.1 kHz (16-bit WAV), 48 kHz (24-bit FLAC) and 8 kHz (16-bit WAV), which
# `wren decode` resamples to the model's 16 kHz (sox without dither, so that every run makes the
# same copies): CPU seconds (user + system), the ratio to the reference, and %WER. One
# speaker-independent pass (--adapt none); then the 8 kHz copies adapted to their speaker (a
# data dir), through this model and through the 8 kHz hub4wsj_sc_8k model. LM and graph:
# bench/austen-graph.sh, leak-guarded against the 40 transcripts. Work files are kept in
# WREN_BENCH_DIR (default /tmp/wren-bench-resample), so the LMs and graphs are built once.
# Env: WREN (built wren), WREN_SHARED.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/austen-graph.sh"   # WREN, SHARED, MODEL, DICT, CORPUS; bench_needs, austen_graph
A=$SHARED/data/speech/arctic-fraser
W=${WREN_BENCH_DIR:-/tmp/wren-bench-resample}
bench_needs resample "$A/audio/arctic_a0040.flac"
command -v sox > /dev/null || { echo "resample bench: sox missing, skipped"; exit 0; }
mkdir -p "$W"
cd "$W"
ids=$(seq -f 'arctic_a%04g' 1 40)
for i in $ids; do echo "$i $(tr -s '\r\n' '  ' < "$A/text/$i.txt")"; done > text.raw
"$WREN" text-norm --ids text.raw text 2> /dev/null
austen_graph text
# name, file extension, sox output options
sets=("16k flac" "44k wav -b 16 -r 44100" "48k flac -b 24 -r 48000" "8k wav -b 16 -r 8000")
for s in "${sets[@]}"; do
  read -r name ext opts <<< "$s"
  mkdir -p "$name"
  for i in $ids; do
    [ -s "$name/$i.$ext" ] || sox -D "$A/audio/$i.flac" $opts "$name/$i.$ext"
    echo "$i $PWD/$name/$i.$ext"
  done > "$name.scp"
done
dec=("$WREN" decode --model "$MODEL" --graph graph --nj 1 --adapt none)
for s in "${sets[@]}"; do
  read -r name _ <<< "$s"
  /usr/bin/time -o "$name.res" -f "%U %S" "${dec[@]}" "$name.scp" "$name.txt" 2> "$name.log"
done
cpu() { awk '{ printf "%.2f", $1 + $2 }' "$1"; }
wer() { "$WREN" wer text "$1" | head -1 | sed 's/^%WER \([0-9.]*\).*/\1/'; }
row() {   # LABEL NAME: the CPU of NAME.res, its ratio to the reference's, the %WER of NAME.txt
  printf '%-48s %8s %8s %8s\n' "$1" "$(cpu "$2.res")" \
    "$(awk 'NR == FNR { r = $1 + $2; next } { printf "%.2f", ($1 + $2) / r }' 16k.res "$2.res")" "$(wer "$2.txt")"
}
printf '%-48s %8s %8s %8s\n' "40 ARCTIC sentences ($(soxi -DT 16k/*.flac | awk '{ printf "%.1f s", $1 }'))" "CPU s" "x ref" "%WER"
for s in "${sets[@]}"; do
  read -r name _ <<< "$s"
  label="resampled from $(soxi -r "$name/arctic_a0001".* ) Hz"
  [ "$name" = 16k ] && label="16 kHz originals (reference)"
  row "$label" "$name"
done
# 8 kHz audio with its speaker known (wren decode's default: adapted to the speaker), through this
# model, and through the 8 kHz model of the shared data (its own graph), which needs no resampling
M8=$SHARED/data/models/hub4wsj_sc_8k
mkdir -p speaker8k
cp 8k.scp speaker8k/wav.scp
awk '{ print $1, "fraser" }' 8k.scp > speaker8k/utt2spk
/usr/bin/time -o adapt8k.res -f "%U %S" "$WREN" decode --model "$MODEL" --graph graph --nj 1 speaker8k adapt8k.txt 2> adapt8k.log
row "resampled from 8000 Hz, adapted to the speaker" adapt8k
if [ -e "$M8/mdef" ]; then
  [ -s graph8k/HCLG.fst ] || "$WREN" mkgraph --model "$M8" --dict "$DICT" --lm lm.arpa graph8k > graph8k.log 2>&1
  /usr/bin/time -o model8k.res -f "%U %S" "$WREN" decode --model "$M8" --graph graph8k --nj 1 speaker8k model8k.txt 2> model8k.log
  row "8 kHz model hub4wsj_sc_8k, adapted" model8k
fi
echo "(files in $W)"
