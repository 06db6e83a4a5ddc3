#!/usr/bin/env bash
# make_lm.sh — the shared n-gram LMs of the 16 kHz recipes (arctic, timit, lj): the shared LM
# corpus normalised with `wren text-norm`, leak-guarded (`wren leak-guard`) against the
# transcripts of EVERY evaluation set in conf/lm.conf (not just the caller's), vocabulary via
# `wren vocab-select` with CMUdict, a pruned trigram for the first pass and a 4-gram for
# lattice rescoring. Built once; later calls reuse what exists (delete OUT_DIR to rebuild).
# Not for: the 8 kHz digit grammar (egs/digits builds its own).
# usage: egs/steps/make_lm.sh [--config FILE] [--VAR VALUE ...] SHARED_DATA_DIR OUT_DIR
#   the tunables: egs/steps/conf/lm.conf, then --config FILE, then any of its variables as an option
#   writes OUT_DIR/{eval/<set>/text, norm.txt, guarded.txt, vocab.txt, lm3.arpa, lm4.arpa, eval.txt}
set -euo pipefail
. "$(dirname "$0")/conf/lm.conf"
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 2 ] || { echo "usage: $0 [--config FILE] [--VAR VALUE ...] SHARED_DATA_DIR OUT_DIR" >&2; exit 1; }
steps=$(cd "$(dirname "$0")" && pwd); top=$(cd "$steps/../.." && pwd)
shared=$(cd "$1" && pwd); out=$2
wren=${WREN:-$top/build/wren}
log() { echo "[make_lm $(date +%H:%M:%S)] $*" >&2; }
mkdir -p "$out"

# eval transcripts of every evaluation set, normalised like the LM text
declare -A cdir=([arctic]=arctic-fraser [timit]=timit-sample [lj]=lj-prompts-reader)
evals=()
for s in $eval_sets; do
  d=$out/eval/$s
  if [ ! -s "$d/text" ]; then
    "$top/egs/$s/local/prepare_data.sh" "$shared/speech/${cdir[$s]}" "$d"
    "$wren" text-norm --ids "$d/text.raw" "$d/text"
  fi
  cut -d' ' -f2- "$d/text" > "$d/sentences"
  evals+=(--eval "$d/sentences")
done
cat "$out"/eval/*/sentences > "$out/eval.txt"

if [ ! -s "$out/norm.txt" ]; then
  log "normalising $(ls $shared/$lm_corpus_glob | wc -l) files of $shared/$lm_corpus_glob"
  # shellcheck disable=SC2086
  xz -dc $shared/$lm_corpus_glob | "$wren" text-norm - "$out/norm.txt"
fi
if [ ! -s "$out/guarded.txt" ]; then
  log "leak guard (window $leak_window) against: $eval_sets"
  "$wren" leak-guard --window "$leak_window" "${evals[@]}" "$out/norm.txt" "$out/guarded.txt" \
    2> "$out/leak-guard.log" | tee "$out/leak-guard.summary"
  cat "$out/leak-guard.log" >&2
fi
if [ ! -s "$out/vocab.txt" ]; then
  "$wren" vocab-select --top "$vocab_size" --lexicon "$dict" --report-oov "$out/eval.txt" \
    "$out/guarded.txt" "$out/vocab.txt" | tee "$out/vocab-select.log"
fi
if [ ! -s "$out/lm3.arpa" ]; then
  log "pruned trigram (target $lm3_target n-grams)"
  "$wren" ngram-count -order 3 -text "$out/guarded.txt" -vocab "$out/vocab.txt" \
    -prune-target "$lm3_target" -lm "$out/lm3.arpa.tmp" && mv "$out/lm3.arpa.tmp" "$out/lm3.arpa"
fi
if [ ! -s "$out/lm4.arpa" ]; then
  log "4-gram ($lm4_opts)"
  # shellcheck disable=SC2086
  "$wren" ngram-count -order 4 -text "$out/guarded.txt" -vocab "$out/vocab.txt" $lm4_opts \
    -lm "$out/lm4.arpa.tmp" && mv "$out/lm4.arpa.tmp" "$out/lm4.arpa"
fi
echo "leak guard: $(cat "$out/leak-guard.summary")"
for m in lm3 lm4; do
  [ -s "$out/$m.ppl" ] || "$wren" ngram -lm "$out/$m.arpa" -ppl "$out/eval.txt" > "$out/$m.ppl"
  echo "$m: $(sed -n '/^\\data\\/,/^$/p' "$out/$m.arpa" | grep ngram | tr '\n' ' ')"; tail -1 "$out/$m.ppl"
done
