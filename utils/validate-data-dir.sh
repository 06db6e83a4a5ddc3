#!/usr/bin/env bash
# validate-data-dir.sh — check a Kaldi-style data directory before anything reads it: every
# table sorted (C locale) with unique keys, the same utterances in utt2spk, text, segments and
# feats.scp, spk2utt the exact inverse of utt2spk, segments pointing at recordings of wav.scp
# with 0 <= start < end, and the audio files of plain-path wav.scp entries present.
# Not for: checking the audio itself (`wren` reports unreadable audio per utterance) or
# fixing anything; it stops at the first problem with one line "FILE:LINE: what is wrong".
#
# usage: utils/validate-data-dir.sh [--no-text] [--no-wav] [--no-files] [--quiet] DATA_DIR
#   --no-text   the directory need not have a text file (e.g. test audio without transcripts)
#   --no-wav    do not require wav.scp (feats.scp is enough) and do not look for audio files
#   --no-files  do not look for the audio files of wav.scp (only check the tables)
#   --quiet     print nothing when the directory is valid
# exit status: 0 valid, 1 invalid (or bad usage).
set -uo pipefail
export LC_ALL=C

prog=validate-data-dir.sh
die() { echo "$prog: $*" >&2; exit 1; }

no_text=0; no_wav=0; no_files=0; quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-text) no_text=1 ;;
    --no-wav) no_wav=1 ;;
    --no-files) no_files=1 ;;
    --quiet|-q) quiet=1 ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 1 ] || die "expected one DATA_DIR (see --help)"
d=${1%/}
[ -d "$d" ] || die "$d: no such directory"

# Check one table: no empty lines, no CR, key first, NF within [min, max] (max 0 = any),
# keys sorted and unique. Prints the first problem as FILE:LINE: message.
check_table() {  # $1 = file, $2 = min fields, $3 = max fields, $4 = what the fields are
  awk -v f="$1" -v min="$2" -v max="$3" -v what="$4" '
    function bad(msg) { printf "%s:%d: %s\n", f, NR, msg; failed = 1; exit 1 }
    /\r/ { bad("carriage return (DOS line ending)") }
    /^[ \t]*$/ { bad("empty line") }
    /^[ \t]/ { bad("line starts with whitespace") }
    NF < min || (max > 0 && NF > max) { bad("expected " what ", found " NF " field" (NF == 1 ? "" : "s")) }
    {
      k = $1 ""
      if (NR > 1 && k == prev) bad("duplicate key \047" k "\047")
      if (NR > 1 && k < prev) bad("not sorted: \047" k "\047 after \047" prev "\047 (sort with LC_ALL=C sort)")
      prev = k
    }
    END { if (failed) exit 1; if (NR == 0) { printf "%s: empty file\n", f; exit 1 } }' "$1"
}

# Every key of B is a key of A and every key of A is a key of B.
same_keys() {  # $1 = A, $2 = B, $3 = what the keys are
  awk -v a="$1" -v b="$2" -v what="$3" '
    FNR == 1 { file++ }
    file == 1 { line[$1] = FNR; next }
    { if (!($1 in line)) { printf "%s:%d: %s \047%s\047 is not in %s\n", b, FNR, what, $1, a; failed = 1; exit 1 }
      seen[$1] = 1 }
    END { if (failed) exit 1
          for (k in line) if (!(k in seen)) { if (!bad || line[k] < bad) { bad = line[k]; key = k } }
          if (bad) { printf "%s:%d: %s \047%s\047 has no line in %s\n", a, bad, what, key, b; exit 1 } }' "$1" "$2"
}

# spk2utt lists exactly the utterances of utt2spk, each once, under the speaker utt2spk gives.
check_spk2utt() {
  awk -v u2s="$d/utt2spk" -v s2u="$d/spk2utt" '
    FNR == 1 { file++ }
    file == 1 { spk[$1] = $2; line[$1] = FNR; next }
    function bad(msg) { printf "%s:%d: %s\n", s2u, FNR, msg; failed = 1; exit 1 }
    { for (i = 2; i <= NF; i++) {
        u = $i
        if (!(u in spk)) bad("utterance \047" u "\047 is not in utt2spk")
        if (u in where) bad("utterance \047" u "\047 listed twice (also line " where[u] ")")
        if (spk[u] != $1) bad("utterance \047" u "\047 listed under speaker \047" $1 "\047 but utt2spk:" line[u] " gives \047" spk[u] "\047")
        where[u] = FNR
      } }
    END { if (failed) exit 1
          for (u in spk) if (!(u in where)) { if (!first || line[u] < first) { first = line[u]; key = u } }
          if (first) { printf "%s:%d: utterance \047%s\047 is missing from spk2utt\n", u2s, first, key; exit 1 } }' \
    "$d/utt2spk" "$d/spk2utt"
}

check_segments() {
  awk -v f="$d/segments" -v w="$d/wav.scp" -v have_wav="$1" '
    FNR == 1 { file++ }
    file == 1 { reco[$1] = 1; next }
    function bad(msg) { printf "%s:%d: %s\n", f, FNR, msg; exit 1 }
    function num(x) { return x ~ /^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/ }
    {
      if (!num($3) || !num($4)) bad("start and end must be non-negative numbers of seconds")
      if ($3 + 0 >= $4 + 0) bad("segment \047" $1 "\047 ends (" $4 ") before it starts (" $3 ")")
      if (have_wav && !($2 in reco)) bad("recording \047" $2 "\047 is not in wav.scp")
    }' "$( [ "$1" = 1 ] && echo "$d/wav.scp" || echo /dev/null)" "$d/segments"
}

# Plain "key path" entries of wav.scp must name existing files (a Kaldi "path:offset" too).
check_wav_files() {
  local lineno path
  awk -v f="$d/wav.scp" '
    $NF == "|" || substr($NF, length($NF)) == "|" { next }
    NF != 2 { printf "%s:%d: expected \047recording path\047 or \047recording command |\047\n", f, NR; exit 1 }
    { print NR, $2 }' "$d/wav.scp" | {
    while read -r lineno path; do
      case "$lineno" in *:*) echo "$lineno $path"; exit 1 ;; esac
      [ -f "$path" ] && continue
      [[ $path =~ ^(.*):[0-9]+$ ]] && [ -f "${BASH_REMATCH[1]}" ] && continue
      echo "$d/wav.scp:$lineno: no such file '$path'"; exit 1
    done; }
}

fail() { echo "$prog: $1" >&2; exit 1; }
run() { local msg; msg=$("$@") || fail "${msg:-$* failed}"; }

for f in utt2spk spk2utt; do [ -f "$d/$f" ] || fail "$d/$f: missing (every data dir needs utt2spk and spk2utt)"; done
[ $no_text = 1 ] || [ -f "$d/text" ] || fail "$d/text: missing (use --no-text for audio without transcripts)"
if [ $no_wav = 0 ]; then [ -f "$d/wav.scp" ] || fail "$d/wav.scp: missing"
else [ -f "$d/wav.scp" ] || [ -f "$d/feats.scp" ] || fail "$d: has neither wav.scp nor feats.scp"
fi

run check_table "$d/utt2spk" 2 2 "'utterance speaker'"
run check_table "$d/spk2utt" 2 0 "'speaker utterance...'"
run check_spk2utt
[ -f "$d/text" ] && { run check_table "$d/text" 1 0 "'utterance word...'"; run same_keys "$d/utt2spk" "$d/text" utterance; }
[ -f "$d/feats.scp" ] && { run check_table "$d/feats.scp" 2 2 "'utterance rxfilename'"; run same_keys "$d/utt2spk" "$d/feats.scp" utterance; }
[ -f "$d/wav.scp" ] && run check_table "$d/wav.scp" 2 0 "'recording path' or 'recording command |'"
if [ -f "$d/segments" ]; then
  run check_table "$d/segments" 4 4 "'utterance recording start end'"
  run same_keys "$d/utt2spk" "$d/segments" utterance
  run check_segments "$( [ -f "$d/wav.scp" ] && echo 1 || echo 0)"
elif [ -f "$d/wav.scp" ]; then
  run same_keys "$d/utt2spk" "$d/wav.scp" utterance
fi
[ -f "$d/spk2gender" ] && { run check_table "$d/spk2gender" 2 2 "'speaker m|f'"; run same_keys "$d/spk2utt" "$d/spk2gender" speaker; }
[ $no_wav = 0 ] && [ $no_files = 0 ] && run check_wav_files

if [ $quiet = 0 ]; then
  nutt=$(wc -l < "$d/utt2spk"); nspk=$(wc -l < "$d/spk2utt")
  echo "$prog: $d is valid ($nutt utterances, $nspk speakers$([ -f "$d/segments" ] && echo ", $(wc -l < "$d/wav.scp") recordings"))"
fi
exit 0
