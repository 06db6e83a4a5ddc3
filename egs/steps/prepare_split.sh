#!/usr/bin/env bash
# prepare_split.sh — one corpus as a recipe's data dirs: the corpus's own preparation script
# (a recipe's local/prepare_data.sh) into DATA/all, its text normalised (wren text-norm --ids),
# then the shared split rule, every --dev-every-th utterance in sorted id order into DATA/dev and
# the rest into DATA/test (each cut to --max-utts, 0: all; subset_data_dir.sh).
# Used by recipe16k.sh (the single-corpus recipes) and egs/pooled (once per corpus).
# Not for: preparing a corpus (its local/prepare_data.sh), combining corpora (combine_data_dirs.sh).
# usage: egs/steps/prepare_split.sh [--dev-every N] [--max-utts N] PREPARE_SCRIPT CORPUS_DIR DATA
#   Env: WREN (the built wren).
set -euo pipefail
dev_every=3
max_utts=0
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 3 ] || { echo "usage: $0 [--dev-every N] [--max-utts N] PREPARE_SCRIPT CORPUS_DIR DATA" >&2; exit 1; }
steps=$(cd "$(dirname "$0")" && pwd)
prep=$1; corpus=$2; data=$3
: "${WREN:?set WREN to the built wren}"
"$prep" "$corpus" "$data/all"
"$WREN" text-norm --ids "$data/all/text.raw" "$data/all/text"
mkdir -p "$data/dev" "$data/test"
awk -v e="$dev_every" 'NR % e == 0 {print $1}' "$data/all/wav.scp" > "$data/dev/uttlist.all"
awk -v e="$dev_every" 'NR % e != 0 {print $1}' "$data/all/wav.scp" > "$data/test/uttlist.all"
for x in dev test; do
  "$steps/subset_data_dir.sh" --max-utts "$max_utts" "$data/all" "$data/$x/uttlist.all" "$data/$x"
done
