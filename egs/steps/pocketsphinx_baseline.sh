#!/usr/bin/env bash
# pocketsphinx_baseline.sh — pocketsphinx_batch (Debian pocketsphinx) on a data dir with the same
# acoustic model, dictionary and ARPA LM as Wren's first pass, single thread (as bench/decode.sh
# runs it): the audio is converted once to 16-bit RIFF wav with sox (flac, SPHERE), then decoded.
# Writes DIR/hyp.txt (Kaldi text), DIR/time.txt (wall seconds of pocketsphinx_batch, incl. loading),
# DIR/cpu.txt (its user + system CPU seconds: the figure to compare on a loaded machine), DIR/log,
# DIR/settings (what it ran with: a rerun with the same settings keeps the finished run). Not for: Wren's decoding (decode.sh).
# usage: egs/steps/pocketsphinx_baseline.sh [--opts "extra pocketsphinx options"] MODEL DICT LM DATA DIR
set -euo pipefail
opts=""
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 5 ] || { echo "usage: $0 [--opts OPTS] MODEL DICT LM DATA DIR" >&2; exit 1; }
model=$1; dict=$2; lm=$3; data=$4; dir=$5
command -v pocketsphinx_batch > /dev/null || { echo "$0: pocketsphinx_batch not installed (apt-get install pocketsphinx)" >&2; exit 1; }
mkdir -p "$dir/wav"
# a finished run on the same inputs is kept (a rerun of the recipe resumes): its record names the
# model, the options and the checksums of the dictionary, the LM (rebuilt by the recipes) and the
# data's wav.scp
sum() { cksum < "$1" | cut -d' ' -f1; }
record="model=$model opts=$opts dict=$(sum "$dict") lm=$(sum "$lm") wav.scp=$(sum "$data/wav.scp")"
if [ -s "$dir/hyp.txt" ] && [ -s "$dir/cpu.txt" ] && [ "$(cat "$dir/settings" 2>/dev/null)" = "$record" ]; then
  echo "pocketsphinx_baseline.sh: $dir is done with these settings (kept)" >&2; exit 0
fi
rm -f "$dir/settings"
while read -r u f; do
  [ -s "$dir/wav/$u.wav" ] && continue
  t=$dir/wav/$u.tmp.wav   # renamed when complete: a killed conversion is redone, not kept
  case "$f" in
    *.flac) sox "$f" -b 16 -e signed-integer "$t" ;;
    *.wav) if head -c 4 "$f" | grep -q RIFF; then cp "$f" "$t"; else sox -t sph "$f" -b 16 -e signed-integer -t wav "$t"; fi ;;
    *) sox "$f" -b 16 -e signed-integer "$t" ;;
  esac
  mv "$t" "$dir/wav/$u.wav"
done < "$data/wav.scp"
cut -d' ' -f1 "$data/wav.scp" > "$dir/fileids"
t0=$(date +%s.%N)
# shellcheck disable=SC2086
/usr/bin/time -o "$dir/cpu.tmp" -f "%U %S" pocketsphinx_batch -hmm "$model" -dict "$dict" -lm "$lm" \
  -ctl "$dir/fileids" -cepdir "$dir/wav" -cepext .wav -adcin yes -adchdr 44 $opts -hyp "$dir/hyp.raw" > "$dir/log" 2>&1
t1=$(date +%s.%N)
sed -E 's/^(.*) \(([^ ]+)( [-0-9]+)?\)$/\2 \1/; s/^([^ ]+) $/\1/' "$dir/hyp.raw" | LC_ALL=C sort > "$dir/hyp.tmp"
mv "$dir/hyp.tmp" "$dir/hyp.txt"
awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f\n", b - a}' > "$dir/time.txt"
awk '{printf "%.2f\n", $1 + $2}' "$dir/cpu.tmp" > "$dir/cpu.txt" && rm -f "$dir/cpu.tmp"
echo "$record" > "$dir/settings"
echo "pocketsphinx_baseline.sh: $(wc -l < "$dir/hyp.txt") utterances in $(cat "$dir/time.txt") s -> $dir" >&2
