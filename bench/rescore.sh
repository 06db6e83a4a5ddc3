#!/bin/bash
# rescore.sh — NNLM rescoring cost against WER: n-best rescoring at several N and pruned
# lattice rescoring at several beams/histories over the same lattices, each with its WER, NNLM
# tokens scored and wall time per utterance, so the two modes can be compared at matched WER.
# The first pass and the oracle WER of the lattices are the reference rows of the same run.
# Inputs (env): LAT (lattices from `wren decode`), REF (Kaldi text), NNLM, LM (the graph's
# ARPA), WORDS (graph words.txt); LAMBDA, LMW, WIP (default 0.5, 1, 0 — tune them on a dev
# split with `wren rescore-tune`). Without LAT, a small LibriVox setup is built as in
# tests/e2e/rescore.sh (5 utterances: the figures show the plumbing, not a benchmark).
# Env: WREN (built wren) or WREN_BUILDDIR.
set -u
WREN=${WREN:-${WREN_BUILDDIR:-.}/wren}
[ -x "$WREN" ] || { echo "bench/rescore.sh: set WREN to the built wren" >&2; exit 1; }
LAMBDA=${LAMBDA:-0.5}; LMW=${LMW:-1}; WIP=${WIP:-0}
tmp=$(mktemp -d /tmp/wren-bench-rescore-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ -z "${LAT:-}" ]; then
  SHARED=${WREN_SHARED:-/work/shared}
  MODEL=/usr/share/pocketsphinx/model/en-us/en-us
  DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
  LIBRI=/usr/share/pocketsphinx/test/data/librivox
  CORPUS=$SHARED/data/text/lm-corpus/austen-six-novels.txt.xz
  for p in "$MODEL/mdef" "$LIBRI/transcription" "$CORPUS"; do [ -e "$p" ] || { echo "SKIP: $p missing"; exit 77; }; done
  cd "$tmp"
  for u in $(cat "$LIBRI/fileids"); do echo "$u $LIBRI/$u.wav"; done > wav.scp
  sed -e 's/<s> //; s/ <\/s>//' -e 's/^\(.*\) (\(.*\))$/\2 \1/' "$LIBRI/transcription" > ref.txt
  cut -d' ' -f2- ref.txt > test-sents.txt
  "$WREN" text-norm --paragraphs "$CORPUS" norm.txt 2> /dev/null
  "$WREN" leak-guard --eval test-sents.txt norm.txt guarded.txt > /dev/null 2>&1
  head -8000 guarded.txt > lm.txt; head -3000 guarded.txt > nn-train.txt; sed -n 3001,3300p guarded.txt > nn-valid.txt
  "$WREN" ngram-count -order 2 -text lm.txt -lm lm.arpa 2> /dev/null
  "$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa graph > /dev/null 2>&1 || { echo "mkgraph failed"; exit 1; }
  "$WREN" decode --model "$MODEL" --graph graph wav.scp hyp1.txt lat.gz 2> /dev/null || { echo "decode failed"; exit 1; }
  "$WREN" nnlm-train --train nn-train.txt --valid nn-valid.txt --out nn.safetensors --layers 1 --d-model 64 \
    --heads 2 --ffn 128 --context 32 --steps 300 --batch 16 --valid-every 100 --threads 1 > /dev/null 2>&1
  LAT=$tmp/lat.gz REF=$tmp/ref.txt NNLM=$tmp/nn.safetensors LM=$tmp/lm.arpa WORDS=$tmp/graph/words.txt
fi
wer() { "$WREN" wer "$REF" "$1" | sed -n 's/^%WER \([0-9.]*\) .*/\1/p' | head -1; }
printf '%-28s %8s %12s %12s %10s\n' system WER tokens/utt ms/utt tokens
"$WREN" lattice best-path --words "$WORDS" "$LAT" "$tmp/fp.txt" 2> /dev/null
printf '%-28s %8s %12s %12s %10s\n' "first pass" "$(wer "$tmp/fp.txt")" - - -
oracle=$("$WREN" lattice oracle --words "$WORDS" "$LAT" "$REF" | sed -n 's/^%WER \([0-9.]*\) .*/\1/p')
printf '%-28s %8s %12s %12s %10s\n' "lattice oracle" "$oracle" - - -
run() {  # label, options...
  local label=$1; shift
  "$WREN" rescore --nnlm "$NNLM" --lm "$LM" --words "$WORDS" --lambda "$LAMBDA" --lm-weight "$LMW" \
    --wip "$WIP" "$@" "$LAT" "$tmp/h.txt" 2> "$tmp/log" || { echo "$label: $(cat "$tmp/log")"; return; }
  local tok per ms
  tok=$(sed -n 's/.*NNLM tokens \([0-9]*\) (\([0-9.]*\) per utt).*/\1/p' "$tmp/log")
  per=$(sed -n 's/.*NNLM tokens [0-9]* (\([0-9.]*\) per utt).*/\1/p' "$tmp/log")
  ms=$(sed -n 's/.*(\([0-9.]*\) ms per utt).*/\1/p' "$tmp/log")
  printf '%-28s %8s %12s %12s %10s\n' "$label" "$(wer "$tmp/h.txt")" "$per" "$ms" "$tok"
}
for n in 10 50 100 200; do run "nbest N=$n" --mode nbest --nbest "$n"; done
for b in 2 4 8; do for k in 2 3; do run "lattice beam=$b history=$k" --mode lattice --beam "$b" --history "$k"; done; done
echo "(lambda=$LAMBDA lm-weight=$LMW wip=$WIP; tokens = NNLM tokens scored; lattice rows at a WER equal to an n-best row compare the cost of the two modes)"
