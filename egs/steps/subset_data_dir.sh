#!/usr/bin/env bash
# subset_data_dir.sh — a Kaldi data dir holding the utterances of a list, taken from a bigger one
# (a recipe's data/all): keeps the first --max-utts ids of the list (0: all) in DEST/uttlist, and
# writes DEST/{wav.scp,text,utt2spk,spk2utt} in SRC's order, checks the dir
# (utils/validate-data-dir.sh) and writes its seconds of audio to DEST/duration.
# Not for: choosing the utterances (the recipe's split rule writes the list).
# usage: egs/steps/subset_data_dir.sh [--max-utts N] SRC_DIR UTTLIST DEST_DIR
set -euo pipefail
max_utts=0
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 3 ] || { echo "usage: $0 [--max-utts N] SRC_DIR UTTLIST DEST_DIR" >&2; exit 1; }
steps=$(cd "$(dirname "$0")" && pwd); top=$(cd "$steps/../.." && pwd)
src=$1; list=$2; dest=$3
mkdir -p "$dest"
if [ "$max_utts" -gt 0 ]; then head -n "$max_utts" "$list"; else cat "$list"; fi > "$dest/uttlist.tmp"
mv "$dest/uttlist.tmp" "$dest/uttlist"
for f in wav.scp text utt2spk; do awk 'NR == FNR {k[$1]; next} $1 in k' "$dest/uttlist" "$src/$f" > "$dest/$f"; done
awk '{u[$2]=u[$2]" "$1} END{for(s in u) print s u[s]}' "$dest/utt2spk" | LC_ALL=C sort > "$dest/spk2utt"
"$top/utils/validate-data-dir.sh" "$dest"
echo "$dest: $(wc -l < "$dest/wav.scp") utterances ($(wc -l < "$list") before max_utts=$max_utts), $("$steps/audio_duration.sh" "$dest/wav.scp" | tee "$dest/duration") s of audio"
