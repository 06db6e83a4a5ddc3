#!/usr/bin/env bash
# prepare_data.sh — Kaldi data dir from LJ Speech prompts read by one reader (audio/LJ*.flac,
# metadata.csv "id|text|normalised text"; the third column is used). Writes wav.scp, text.raw,
# utt2spk, spk2utt.
# usage: local/prepare_data.sh CORPUS_DIR DATA_DIR [SPEAKER]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 CORPUS_DIR DATA_DIR [SPEAKER]" >&2; exit 1; }
corpus=$(cd "$1" && pwd); data=$2; spk=${3:-reader}
[ -f "$corpus/metadata.csv" ] || { echo "$0: $corpus/metadata.csv: not found" >&2; exit 1; }
mkdir -p "$data"
awk -F'|' -v c="$corpus" -v s="$spk" 'NF >= 3 {
    f = c "/audio/" $1 ".flac"
    if ((getline tmp < f) < 0) { print "'"$0"': missing audio " f " (skipped)" > "/dev/stderr"; next }
    close(f)
    u = s "-" $1
    print u, f > "'"$data"'/wav.scp.u"; print u, $3 > "'"$data"'/text.raw.u"; print u, s > "'"$data"'/utt2spk.u"
  } NF < 3 { printf "%s: metadata.csv:%d: expected id|text|normalised text\n", "'"$0"'", NR > "/dev/stderr"; bad = 1 }
  END { exit bad }' "$corpus/metadata.csv"
for x in wav.scp text.raw utt2spk; do LC_ALL=C sort "$data/$x.u" > "$data/$x"; rm -f "$data/$x.u"; done
awk '{u[$2]=u[$2]" "$1} END{for(s in u) print s u[s]}' "$data/utt2spk" | LC_ALL=C sort > "$data/spk2utt"
echo "$0: $(wc -l < "$data/wav.scp") utterances in $data" >&2
