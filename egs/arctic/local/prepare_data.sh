#!/usr/bin/env bash
# prepare_data.sh — Kaldi data dir from the CMU ARCTIC prompts read by one speaker
# (arctic-fraser layout: audio/arctic_*.flac, text/arctic_*.txt). Writes wav.scp, text.raw
# (transcripts as the corpus has them; normalisation is a later step), utt2spk, spk2utt.
# usage: local/prepare_data.sh CORPUS_DIR DATA_DIR [SPEAKER]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 CORPUS_DIR DATA_DIR [SPEAKER]" >&2; exit 1; }
corpus=$(cd "$1" && pwd); data=$2; spk=${3:-fraser}
[ -d "$corpus/audio" ] && [ -d "$corpus/text" ] || { echo "$0: $corpus: expected audio/ and text/ folders" >&2; exit 1; }
mkdir -p "$data"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for f in "$corpus"/audio/*.flac; do
  id=$(basename "$f" .flac); t="$corpus/text/$id.txt"
  if [ ! -f "$t" ]; then echo "$0: no transcript for $f (skipped)" >&2; continue; fi
  printf '%s-%s %s\n' "$spk" "$id" "$f" >> "$tmp/wav.scp"
  printf '%s-%s %s\n' "$spk" "$id" "$(tr -s '\r\n' '  ' < "$t" | sed 's/ *$//')" >> "$tmp/text.raw"
  printf '%s-%s %s\n' "$spk" "$id" "$spk" >> "$tmp/utt2spk"
done
for x in wav.scp text.raw utt2spk; do LC_ALL=C sort "$tmp/$x" > "$data/$x"; done
awk '{u[$2]=u[$2]" "$1} END{for(s in u) print s u[s]}' "$data/utt2spk" | LC_ALL=C sort > "$data/spk2utt"
echo "$0: $(wc -l < "$data/wav.scp") utterances in $data" >&2
