#!/usr/bin/env bash
# split-data.sh — split a Kaldi-style data directory into N parts for N parallel jobs:
# DATA_DIR/splitN/1 .. DATA_DIR/splitN/N, each a valid data directory (utt2spk, spk2utt, text,
# wav.scp, segments, feats.scp and the other utt2*/spk2*/reco2* tables that DATA_DIR has).
# Speakers are kept whole (all of a speaker's utterances in one part, so per-speaker
# normalisation sees them all) when there are at least N speakers; otherwise, or with --per-utt,
# utterances are split. Parts are contiguous in sorted order and balanced by utterance count.
# Not for: checking the data dir in depth (utils/validate-data-dir.sh, which this calls first)
# or selecting subsets.
#
# usage: utils/split-data.sh [--per-utt] DATA_DIR N
# An existing DATA_DIR/splitN that is newer than every file of DATA_DIR and made the same way
# is kept as it is. Exit status: 0 ok, 1 bad input or usage.
set -uo pipefail
export LC_ALL=C

prog=split-data.sh
die() { echo "$prog: $*" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

per_utt=0
while [ $# -gt 0 ]; do
  case "$1" in
    --per-utt) per_utt=1 ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 2 ] || die "expected DATA_DIR N (see --help)"
d=${1%/}; n=$2
[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || die "N must be a positive integer, not '$n'"
n=$((10#$n))
[ -d "$d" ] || die "$d: no such directory"

vopts=(--quiet --no-files)
[ -f "$d/text" ] || vopts+=(--no-text)
[ -f "$d/wav.scp" ] || vopts+=(--no-wav)
"$here/validate-data-dir.sh" "${vopts[@]}" "$d" || exit 1

nutt=$(wc -l < "$d/utt2spk"); nspk=$(wc -l < "$d/spk2utt")
[ "$nutt" -ge "$n" ] || die "$d has $nutt utterances, cannot split it into $n parts"
if [ $per_utt = 0 ] && [ "$nspk" -ge "$n" ]; then mode="by speaker"
else
  mode="by utterance"
  [ $per_utt = 1 ] || echo "$prog: $d has $nspk speaker(s), fewer than $n parts: splitting by utterance" >&2
fi

out=$d/split$n
if [ -f "$out/.made" ] && [ "$(cat "$out/.made")" = "$mode" ] &&
   [ -z "$(find "$d" -maxdepth 1 -type f -newer "$out/.made" -print -quit)" ]; then
  exit 0
fi

tmp=$d/.split$n.tmp.$$
rm -rf "$tmp"; mkdir -p "$tmp" || die "cannot create $tmp"
trap 'rm -rf "$tmp"' EXIT
for ((p = 1; p <= n; p++)); do mkdir "$tmp/$p"; done

# utt -> part. Units (speakers or utterances) in sorted order; a part is closed when its
# cumulative utterance count reaches its share, or when each remaining part needs one unit.
if [ "$mode" = "by speaker" ]; then
  awk -v n="$n" -v total="$nutt" '
    { c = NF - 1; units = NR; cnt[NR] = c; line[NR] = $0 }
    END { part = 1; cum = 0
      for (j = 1; j <= units; j++) {
        split(line[j], w, " "); for (i = 2; i <= cnt[j] + 1; i++) print w[i], part
        cum += cnt[j]
        if (part < n && (cum >= total * part / n || units - j == n - part)) part++
      } }' "$d/spk2utt" | sort -k1,1 > "$tmp/utt2part"
else
  awk -v n="$n" -v total="$nutt" '
    { part = int((NR - 1) * n / total) + 1; print $1, part }' "$d/utt2spk" > "$tmp/utt2part"
fi

# Write the lines of a table to the parts listed for its key in a "key part..." map.
split_table() {  # $1 = map file, $2 = table
  awk -v out="$tmp" -v name="$(basename "$2")" '
    FNR == 1 { file++ }
    file == 1 { k = $1; $1 = ""; parts[k] = parts[k] $0; next }
    ($1 in parts) { np = split(parts[$1], ps, " "); for (i = 1; i <= np; i++) print > (out "/" ps[i] "/" name) }' "$1" "$2"
}

# key -> parts maps for speakers and recordings, from the utterance map.
join -j 1 "$tmp/utt2part" "$d/utt2spk" | awk '{print $3, $2}' | sort -u -k1,1 -k2,2n > "$tmp/spk2part"
if [ -f "$d/segments" ]; then
  join -j 1 "$tmp/utt2part" <(awk '{print $1, $2}' "$d/segments") | awk '{print $3, $2}' | sort -u -k1,1 -k2,2n > "$tmp/reco2part"
else
  cp "$tmp/utt2part" "$tmp/reco2part"
fi
for m in spk2part reco2part; do   # one line per key: "key part part..."
  awk '$1 != k { if (NR > 1) print line; k = $1; line = $0; next } { line = line " " $2 } END { if (NR) print line }' \
    "$tmp/$m" > "$tmp/$m.1" && mv "$tmp/$m.1" "$tmp/$m"
done

for f in "$d"/*; do
  [ -f "$f" ] || continue
  b=$(basename "$f")
  case "$b" in
    text|segments|feats.scp|utt2*) split_table "$tmp/utt2part" "$f" ;;
    spk2utt) ;;                                        # remade below from each part's utt2spk
    cmvn.scp|spk2*) split_table "$tmp/spk2part" "$f" ;;
    wav.scp|reco2*) split_table "$tmp/reco2part" "$f" ;;
    *) ;;                                              # not a per-utterance table: not split
  esac
done
for ((p = 1; p <= n; p++)); do
  sort -s -k2,2 "$tmp/$p/utt2spk" |
    awk '$2 != s { if (NR > 1) print line; s = $2; line = $2 } { line = line " " $1 } END { if (NR) print line }' |
    sort -k1,1 > "$tmp/$p/spk2utt"
  "$here/validate-data-dir.sh" "${vopts[@]}" "$tmp/$p" || die "internal error: part $p of $d is not valid"
done

rm -f "$tmp/utt2part" "$tmp/spk2part" "$tmp/reco2part"
echo "$mode" > "$tmp/.made"
rm -rf "$out" && mv "$tmp" "$out" || die "cannot move $tmp to $out"
trap - EXIT
exit 0
