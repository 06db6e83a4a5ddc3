#!/usr/bin/env bash
# pocketsphinx_baseline.sh — pocketsphinx_batch (Debian pocketsphinx) on a data dir with the same
# acoustic model, dictionary and ARPA LM as Wren's first pass, each process on one thread (as
# bench/decode.sh runs it): the audio is converted once to 16-bit RIFF wav with sox (flac, SPHERE),
# then decoded in --nj parts run side by side (shared by audio size; the hypotheses do not depend
# on the split: the model's feat.params normalise each utterance on its own, -cmn batch).
# Writes DIR/hyp.txt (Kaldi text), DIR/time.txt (wall seconds of the parts, incl. loading),
# DIR/cpu.txt (user + system CPU seconds of all parts: the figure to compare on a loaded machine),
# DIR/log (the parts' logs), DIR/settings (what it ran with: a rerun with the same settings keeps the
# finished run, and a killed run keeps its finished parts). Not for: Wren's decoding (decode.sh).
# usage: egs/steps/pocketsphinx_baseline.sh [--nj N] [--opts "extra pocketsphinx options"] MODEL DICT LM DATA DIR
set -euo pipefail
opts=""
nj=1
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 5 ] || { echo "usage: $0 [--nj N] [--opts OPTS] MODEL DICT LM DATA DIR" >&2; exit 1; }
case $nj in ''|*[!0-9]*|0) echo "$0: --nj takes a positive integer, not '$nj'" >&2; exit 1 ;; esac
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
# the parts: greedily by audio size, largest first, each to the lightest part so far (the lists
# of an earlier run are rewritten; a part whose list and settings are unchanged is kept)
rm -f "$dir"/fileids.*
cut -d' ' -f1 "$data/wav.scp" | while read -r u; do echo "$(stat -c %s "$dir/wav/$u.wav") $u"; done |
  sort -k1,1nr -k2,2 | awk -v n="$nj" -v d="$dir" '
    { k = 1; for (j = 2; j <= n; j++) if (w[j] < w[k]) k = j
      w[k] += $1; print $2 > (d "/fileids." k ".tmp") }'
decode_part() {   # k: DIR/part.k/{hyp.raw,cpu} from DIR/fileids.k; a part already done is kept
  local k=$1 p=$dir/part.$1
  [ -s "$dir/fileids.$k.tmp" ] || return 0
  LC_ALL=C sort "$dir/fileids.$k.tmp" > "$dir/fileids.$k" && rm -f "$dir/fileids.$k.tmp"
  local done_rec; done_rec="$record ids=$(sum "$dir/fileids.$k")"
  [ "$(cat "$p/done" 2>/dev/null)" = "$done_rec" ] && return 0
  rm -rf "$p"; mkdir -p "$p"
  # shellcheck disable=SC2086
  /usr/bin/time -o "$p/cpu.tmp" -f "%U %S" pocketsphinx_batch -hmm "$model" -dict "$dict" -lm "$lm" \
    -ctl "$dir/fileids.$k" -cepdir "$dir/wav" -cepext .wav -adcin yes -adchdr 44 $opts -hyp "$p/hyp.raw" > "$p/log" 2>&1 ||
    { echo "$0: pocketsphinx_batch failed on part $k (see $p/log)" >&2; return 1; }
  awk '{printf "%.2f\n", $1 + $2}' "$p/cpu.tmp" > "$p/cpu" && rm -f "$p/cpu.tmp"
  echo "$done_rec" > "$p/done"
}
t0=$(date +%s.%N)
pids=()
for k in $(seq "$nj"); do decode_part "$k" & pids+=($!); done
ok=1; for p in "${pids[@]}"; do wait "$p" || ok=0; done
[ $ok = 1 ] || exit 1
t1=$(date +%s.%N)
parts=(); for k in $(seq "$nj"); do [ -s "$dir/fileids.$k" ] && [ -s "$dir/part.$k/done" ] && parts+=("$dir/part.$k"); done
cat "${parts[@]/%//hyp.raw}" |
  sed -E 's/^(.*) \(([^ ]+)( [-0-9]+)?\)$/\2 \1/; s/^([^ ]+) $/\1/' | LC_ALL=C sort > "$dir/hyp.tmp"
[ "$(wc -l < "$dir/hyp.tmp")" -eq "$(wc -l < "$data/wav.scp")" ] ||
  { echo "$0: $(wc -l < "$dir/hyp.tmp") hypotheses for $(wc -l < "$data/wav.scp") utterances (see $dir/part.*/log)" >&2; exit 1; }
mv "$dir/hyp.tmp" "$dir/hyp.txt"
cat "${parts[@]/%//log}" > "$dir/log"
awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f\n", b - a}' > "$dir/time.txt"
cat "${parts[@]/%//cpu}" | awk '{ s += $1 } END { printf "%.2f\n", s }' > "$dir/cpu.txt"
echo "$record" > "$dir/settings"
echo "pocketsphinx_baseline.sh: $(wc -l < "$dir/hyp.txt") utterances in $(cat "$dir/time.txt") s -> $dir" >&2
