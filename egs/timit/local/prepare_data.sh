#!/usr/bin/env bash
# prepare_data.sh — Kaldi data dir from the public TIMIT sample (drN-spk/*.wav are NIST
# SPHERE files; *.txt hold "start end sentence"). Writes wav.scp, text.raw, utt2spk, spk2utt.
# usage: local/prepare_data.sh CORPUS_DIR DATA_DIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 CORPUS_DIR DATA_DIR" >&2; exit 1; }
corpus=$(cd "$1" && pwd); data=$2
mkdir -p "$data"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0
for d in "$corpus"/dr*-*/; do
  spk=$(basename "$d"); spk=${spk#*-}
  for w in "$d"*.wav; do
    id=$(basename "$w" .wav); t="${w%.wav}.txt"
    [ -f "$t" ] || { echo "$0: no transcript for $w (skipped)" >&2; continue; }
    printf '%s-%s %s\n' "$spk" "$id" "$w" >> "$tmp/wav.scp"
    printf '%s-%s %s\n' "$spk" "$id" "$(cut -d' ' -f3- < "$t" | tr -s '\r\n' '  ' | sed 's/ *$//')" >> "$tmp/text.raw"
    printf '%s-%s %s\n' "$spk" "$id" "$spk" >> "$tmp/utt2spk"
    n=$((n + 1))
  done
done
[ $n -gt 0 ] || { echo "$0: $corpus: no drN-speaker/*.wav files found" >&2; exit 1; }
for x in wav.scp text.raw utt2spk; do LC_ALL=C sort "$tmp/$x" > "$data/$x"; done
awk '{u[$2]=u[$2]" "$1} END{for(s in u) print s u[s]}' "$data/utt2spk" | LC_ALL=C sort > "$data/spk2utt"
echo "$0: $n utterances in $data" >&2
