#!/bin/bash
# am-info.sh — `wren am-info` loads both default acoustic models and prints their sizes; the
# senone/phone counts must equal those in pocketsphinx's own text rendering of each mdef
# (pocketsphinx_mdef_convert), and a broken model folder fails with one "wren am-info:" line
# and exit code 1. Env: WREN (built program), WREN_SHARED. Exit 77 = skipped.
set -euo pipefail
WREN=${WREN:-./wren}
S=${WREN_SHARED:-../shared}
EN_US=/usr/share/pocketsphinx/model/en-us/en-us
HUB4=$S/data/models/hub4wsj_sc_8k
[ -d "$EN_US" ] && [ -d "$HUB4" ] || { echo "models missing: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$2"; }

check_model() {   # dir kind rate
  "$WREN" am-info "$1" > "$tmp/info"
  [ "$(field kind "$tmp/info")" = "$2" ] || { echo "FAIL: $1 kind"; cat "$tmp/info"; exit 1; }
  [ "$(field sample_rate "$tmp/info")" = "$3" ] || { echo "FAIL: $1 sample_rate"; exit 1; }
  [ "$(field feature_type "$tmp/info")" = "1s_c_d_dd" ] || { echo "FAIL: $1 feature_type"; exit 1; }
  if command -v pocketsphinx_mdef_convert >/dev/null; then
    pocketsphinx_mdef_convert -text "$1/mdef" "$tmp/mdef.txt" >/dev/null 2>&1
    hdr() { awk -v k="$1" '$2 == k { print $1; exit }' "$tmp/mdef.txt"; }
    [ "$(field senones "$tmp/info")" = "$(hdr n_tied_state)" ] || { echo "FAIL: $1 senones"; exit 1; }
    [ "$(field ci_phones "$tmp/info")" = "$(hdr n_base)" ] || { echo "FAIL: $1 ci_phones"; exit 1; }
    [ "$(field triphones "$tmp/info")" = "$(hdr n_tri)" ] || { echo "FAIL: $1 triphones"; exit 1; }
    [ "$(field transition_matrices "$tmp/info")" = "$(hdr n_tied_tmat)" ] || { echo "FAIL: $1 tmat"; exit 1; }
  fi
  echo "ok: $1 ($2, $(field senones "$tmp/info") senones, $(field codebooks "$tmp/info") codebooks)"
}
check_model "$EN_US" ptm 16000
check_model "$HUB4" semi-continuous 8000

# A model folder with truncated means: exit 1, one line naming the file.
mkdir "$tmp/bad"
for f in feat.params mdef variances sendump transition_matrices noisedict; do ln -s "$EN_US/$f" "$tmp/bad/$f"; done
head -c 5000 "$EN_US/means" > "$tmp/bad/means"
set +e
"$WREN" am-info "$tmp/bad" > /dev/null 2> "$tmp/err"
rc=$?
set -e
[ "$rc" = 1 ] || { echo "FAIL: exit code $rc for a truncated means file"; exit 1; }
[ "$(wc -l < "$tmp/err")" = 1 ] && grep -q "^wren am-info: .*bad/means" "$tmp/err" || { echo "FAIL: message"; cat "$tmp/err"; exit 1; }
echo "ok: truncated means -> $(cat "$tmp/err")"
"$WREN" am-info --help | grep -q "^usage: wren am-info"
echo "ok: --help"
