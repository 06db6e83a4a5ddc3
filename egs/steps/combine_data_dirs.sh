#!/usr/bin/env bash
# combine_data_dirs.sh — one Kaldi data dir holding every utterance of several (e.g. the dev sets
# of three corpora): wav.scp, text, utt2spk, spk2utt sorted as Kaldi wants them, duration (the
# sum), and utt2set (the source dir of each utterance, for per-set scoring). Utterance ids must be
# unique across the sources (an id seen twice is an error naming both dirs).
# Not for: choosing utterances (subset_data_dir.sh) or splitting for jobs (utils/split-data.sh).
# usage: egs/steps/combine_data_dirs.sh DEST SRC_DIR...
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DEST SRC_DIR..." >&2; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
dest=$1; shift
mkdir -p "$dest"
for f in wav.scp text utt2spk; do
  for s in "$@"; do [ -s "$s/$f" ] || { echo "$0: $s/$f: missing or empty" >&2; exit 1; }; done
done
for s in "$@"; do awk -v s="$s" '{print $1, s}' "$s/wav.scp"; done | LC_ALL=C sort > "$dest/utt2set.tmp"
dup=$(cut -d' ' -f1 "$dest/utt2set.tmp" | uniq -d | head -1)
[ -z "$dup" ] || { echo "$0: utterance id '$dup' is in more than one source: $(grep "^$dup " "$dest/utt2set.tmp" | cut -d' ' -f2 | tr '\n' ' ')" >&2; exit 1; }
mv "$dest/utt2set.tmp" "$dest/utt2set"
for f in wav.scp text utt2spk; do
  for s in "$@"; do cat "$s/$f"; done | LC_ALL=C sort > "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"
done
awk '{u[$2]=u[$2]" "$1} END{for(s in u) print s u[s]}' "$dest/utt2spk" | LC_ALL=C sort > "$dest/spk2utt"
"$top/utils/validate-data-dir.sh" "$dest"
for s in "$@"; do cat "$s/duration" 2>/dev/null || echo 0; done | awk '{t += $1} END {printf "%.2f\n", t}' > "$dest/duration"
echo "$dest: $(wc -l < "$dest/wav.scp") utterances from $# dirs, $(cat "$dest/duration") s of audio"
