#!/usr/bin/env bash
# compute-feats.sh — end-to-end test of `wren compute-feats`: the documented interface
# (--raw-cepstra --format text: 13 cepstra a line, matching sphinx_fe within 1e-3), the full
# 39-dim stream, Kaldi archives from a wav.scp with a pipe entry, fbank, a 48 kHz copy resampled
# to the cepstra of the 16 kHz original, and bad inputs (exit 1, one line naming the file). env: WREN, WREN_SHARED; exit 77 = skip.
set -uo pipefail

WREN=${WREN:?WREN must point to the built wren}
SH=${WREN_SHARED:-../shared}
EN_US=/usr/share/pocketsphinx/model/en-us/en-us
M8K=$SH/data/models/hub4wsj_sc_8k
[ -f "$EN_US/feat.params" ] || { echo "skip: pocketsphinx-en-us not installed"; exit 77; }
command -v sox >/dev/null || { echo "skip: sox not installed"; exit 77; }

tmp=$(mktemp -d /tmp/wren-e2e-feats.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

A=$SH/data/speech/arctic-fraser/audio/arctic_a0005.flac
T=$SH/data/speech/timit-sample/dr2-faem0/sa2.wav
D=$SH/data/speech/fsdd-digits/audio/3_theo_7.wav

# --help
"$WREN" compute-feats --help > "$tmp/help" && grep -q -- '--raw-cepstra' "$tmp/help" && ok "--help" || bad "--help"

# raw cepstra: 13 columns, one frame a line; matches sphinx_fe when it is installed
"$WREN" compute-feats --model "$EN_US" --raw-cepstra --format text "$A" > "$tmp/a.txt" || bad "raw cepstra exit"
cols=$(awk '{print NF}' "$tmp/a.txt" | sort -u)
[ "$cols" = 13 ] && ok "13 columns" || bad "raw cepstra columns: $cols"
if command -v sphinx_fe >/dev/null && command -v sphinx_cepview >/dev/null; then
  sox "$A" -t wav -e signed-integer -b 16 "$tmp/a.wav"
  sphinx_fe -argfile "$EN_US/feat.params" -samprate 16000 -i "$tmp/a.wav" -o "$tmp/a.mfc" -mswav yes \
    -dither no > /dev/null 2>&1 || bad "sphinx_fe"
  # sphinx_cepview prints 3 decimals: compare to within 1e-3 + its rounding (5e-4)
  sphinx_cepview -d 13 -i 13 -f "$tmp/a.mfc" 2>/dev/null > "$tmp/a.ref"
  if [ "$(wc -l < "$tmp/a.ref")" = "$(wc -l < "$tmp/a.txt")" ] &&
     paste -d' ' "$tmp/a.ref" "$tmp/a.txt" | awk '{ for (i = 1; i <= 13; i++) { d = $i - $(i + 13); if (d < 0) d = -d;
        if (d > w) w = d } } END { print "worst vs sphinx_cepview:", w; exit !(w <= 1.5e-3) }'; then
    ok "matches sphinx_fe"
  else
    bad "differs from sphinx_fe ($(wc -l < "$tmp/a.ref") vs $(wc -l < "$tmp/a.txt") frames)"
  fi
else
  echo "note: sphinx_fe not installed, comparison skipped"
fi

# full stream: 39 columns, same number of frames
"$WREN" compute-feats --model "$EN_US" "$A" > "$tmp/a39.txt" || bad "full stream exit"
[ "$(awk '{print NF}' "$tmp/a39.txt" | sort -u)" = 39 ] && ok "39 columns" || bad "full stream columns"
[ "$(wc -l < "$tmp/a39.txt")" = "$(wc -l < "$tmp/a.txt")" ] && ok "same frame count" || bad "frame counts differ"

# wav.scp with a path and a pipe, Kaldi text archive
printf 'utt1 %s\nutt2 sox %s -t wav - |\n' "$T" "$A" > "$tmp/wav.scp"
"$WREN" compute-feats --model "$EN_US" --format kaldi --scp "$tmp/wav.scp" --output "$tmp/out.ark" || bad "scp exit"
grep -c '\[' "$tmp/out.ark" | grep -qx 2 && grep -q '^utt2  \[' "$tmp/out.ark" && ok "kaldi archive" || bad "kaldi archive"
# the pipe gives the same cepstra as the file
"$WREN" compute-feats --model "$EN_US" --raw-cepstra "sox $A -t wav - |" > "$tmp/pipe.txt"
cmp -s "$tmp/pipe.txt" "$tmp/a.txt" && ok "pipe == file" || bad "pipe differs from file"

# a 48 kHz copy is resampled to the model's 16 kHz: the same frames, the same cepstra but for
# the resamplers' roll-off (measured: mean absolute difference 0.007, worst 0.15)
sox -D "$A" -b 24 -r 48000 "$tmp/a48.flac"
"$WREN" compute-feats --model "$EN_US" --raw-cepstra --format text "$tmp/a48.flac" > "$tmp/a48.txt" || bad "48 kHz exit"
if [ "$(wc -l < "$tmp/a48.txt")" = "$(wc -l < "$tmp/a.txt")" ] &&
   paste -d' ' "$tmp/a.txt" "$tmp/a48.txt" | awk '{ for (i = 1; i <= 13; i++) { d = $i - $(i + 13); s += d < 0 ? -d : d; n++ } }
      END { print "48 kHz copy: mean |difference|", s / n; exit !(s / n < 0.02) }'; then
  ok "48 kHz resampled"
else
  bad "48 kHz copy: $(wc -l < "$tmp/a48.txt") frames against $(wc -l < "$tmp/a.txt"), or cepstra apart"
fi

# 8 kHz model on an 8 kHz digit; fbank
"$WREN" compute-feats --model "$M8K" --raw-cepstra "$D" > "$tmp/d.txt" && [ -s "$tmp/d.txt" ] && ok "8 kHz model" || bad "8 kHz model"
"$WREN" compute-feats --fbank --num-mel-bins 40 --samprate 16000 "$T" > "$tmp/fb.txt" &&
  [ "$(awk '{print NF}' "$tmp/fb.txt" | sort -u)" = 40 ] && ok "fbank 40 bins" || bad "fbank"

# bad inputs: exit status 1 and one line naming the file
expect_fail() {  # description, expected text, args...
  local what=$1 text=$2; shift 2
  "$WREN" compute-feats "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  if [ $rc = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && grep -q -- "$text" "$tmp/err"; then
    ok "$what: $(cat "$tmp/err")"
  else
    bad "$what: exit $rc, stderr: $(cat "$tmp/err")"
  fi
}
head -c 20000 "$A" > "$tmp/trunc.flac"
expect_fail "truncated FLAC" "$tmp/trunc.flac" --model "$EN_US" "$tmp/trunc.flac"
echo "hello, not audio" > "$tmp/text.wav"
expect_fail "text named .wav" "$tmp/text.wav: not a readable audio file" --model "$EN_US" "$tmp/text.wav"
expect_fail "8 kHz vs 16 kHz model, --no-resample" "8000 Hz does not match the model's 16000 Hz" --model "$EN_US" --no-resample "$D"
sox -D "$T" -c 2 "$tmp/stereo.wav" remix 1 1
"$WREN" compute-feats --model "$EN_US" --raw-cepstra "$T" > "$tmp/mono.txt"
"$WREN" compute-feats --model "$EN_US" --raw-cepstra "$tmp/stereo.wav" > "$tmp/stereo.txt" &&
  cmp -s "$tmp/mono.txt" "$tmp/stereo.txt" && ok "two equal channels mixed down: the mono cepstra" || bad "stereo mix-down"
expect_fail "a channel the file lacks" "$tmp/stereo.wav: channel 2 requested, the file has 2" --model "$EN_US" --channel 2 "$tmp/stereo.wav"
sox -n -r 16000 -b 16 -c 1 "$tmp/zero.wav" trim 0 0
expect_fail "zero-length" "$tmp/zero.wav: no audio samples" --model "$EN_US" "$tmp/zero.wav"
: > "$tmp/empty.wav"
expect_fail "empty file" "$tmp/empty.wav: empty" --model "$EN_US" "$tmp/empty.wav"
expect_fail "missing model" "feat.params" --model "$tmp/nomodel" "$T"
printf 'u1 %s\nu2 false |\n' "$T" > "$tmp/bad.scp"
expect_fail "failing pipe in wav.scp" "u2" --model "$EN_US" --scp "$tmp/bad.scp" --output "$tmp/bad.ark"
[ ! -e "$tmp/bad.ark" ] && ok "no partial output on error" || bad "partial output left behind"

exit $fail
