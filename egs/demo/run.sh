#!/usr/bin/env bash
# run.sh — Wren's demo: real audio → first pass (WFST beam search over HCLG) → NNLM rescoring →
# one pruned NNLM, and a WER/size/speed table. Inputs come only from Debian packages (acoustic
# model, dictionary, five LibriVox utterances with transcripts from pocketsphinx-testdata) and
# the npm registry (LM training text: the nlp-corpus package). Installs what it needs itself.
#
# usage: egs/demo/run.sh [--stage N] [--stop-stage N] [--exp DIR] [--config FILE] [--VAR VALUE ...]
#   Tunables: conf/demo.conf; each of its variables is also an option (--nbest 50,
#   --decode-opts "--beam 13"). Outputs: exp/ (git-ignored), or --exp DIR.
# stages: 0 install packages and build; 1 test data; 2 LM text; 3 n-gram LM and graph; 4 first
#   pass; 5 NNLM training; 6 NNLM pruning; 7 rescoring and the table (exp/results.txt)
set -euo pipefail
stage=0
stop_stage=100
exp=""                                        # default: egs/demo/exp
. "$(dirname "$0")/conf/demo.conf"
. "$(dirname "$0")/../steps/parse_options.sh"
[ $# -eq 0 ] || { echo "$0: unexpected argument '$1' (see --help)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
exp=$(realpath -m "${exp:-$here/exp}")
wren=$top/build/wren
log() { echo "[demo $(date +%H:%M:%S)] $*" >&2; }
t0=$(date +%s)
mkdir -p "$exp"

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "stage 0: install Debian packages and build Wren"
  "$top/utils/setup.sh"
fi
[ -x "$wren" ] || { echo "run.sh: $wren not built (run stage 0)" >&2; exit 1; }

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "stage 1: test data from pocketsphinx-testdata ($audio_dir)"
  d=$exp/data/test; mkdir -p "$d"
  for u in $(cat "$audio_dir/fileids"); do echo "$u $audio_dir/$u.wav"; done | LC_ALL=C sort > "$d/wav.scp"
  sed -e 's/<s> //; s/ <\/s>//' -e 's/^\(.*\) (\(.*\))$/\2 \1/' "$audio_dir/transcription" | LC_ALL=C sort > "$d/text.raw"
  "$wren" text-norm --ids "$d/text.raw" "$d/text"
  # one LibriVox chapter, one reader: one speaker, whom the first pass adapts to
  awk '{print $1, "librivox-reader"}' "$d/wav.scp" > "$d/utt2spk"
  { printf 'librivox-reader'; cut -d' ' -f1 "$d/wav.scp" | sed 's/^/ /' | tr -d '\n'; echo; } > "$d/spk2utt"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "stage 2: LM text from npm ($npm_text), normalised, leak-guarded against the test transcripts"
  t=$exp/text; mkdir -p "$t"
  if [ ! -s "$t/raw.txt" ]; then
    command -v npm > /dev/null || { echo "run.sh: npm is needed for the LM text (apt-get install npm)" >&2; exit 1; }
    (cd "$t" && npm pack --silent "$npm_text" > /dev/null && tar xzf nlp-corpus-*.tgz)
    # each builds/doc-*.json is a JSON array of sentence strings, one per line
    cat "$t"/package/builds/doc-*.json | LC_ALL=C sed -n 's/^ *"\(.*\)",\{0,1\}$/\1/p' | sed 's/\\"/"/g' > "$t/raw.txt.tmp"
    mv "$t/raw.txt.tmp" "$t/raw.txt"
  fi
  "$wren" text-norm "$t/raw.txt" "$t/norm.txt"
  cut -d' ' -f2- "$exp/data/test/text" > "$t/eval.txt"
  "$wren" leak-guard --window 8 --eval "$t/eval.txt" "$t/norm.txt" "$t/guarded.txt"
  # hold out every 50th line as dev (NNLM validation), the rest trains
  awk 'NR % 50 == 0' "$t/guarded.txt" > "$t/dev.txt"
  awk 'NR % 50 != 0' "$t/guarded.txt" > "$t/train.txt"
  "$wren" vocab-select --top "$vocab_size" --lexicon "$dict" --report-oov "$t/eval.txt" "$t/train.txt" "$t/vocab.txt"
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  log "stage 3: pruned ${ngram_order}-gram (target $ngram_target n-grams) and the decoding graph"
  "$wren" ngram-count -order "$ngram_order" -text "$exp/text/train.txt" -vocab "$exp/text/vocab.txt" \
    -prune-target "$ngram_target" -lm "$exp/lm.arpa"
  "$wren" ngram -lm "$exp/lm.arpa" -ppl "$exp/text/eval.txt"
  "$wren" mkgraph --model "$model" --dict "$dict" --lm "$exp/lm.arpa" "$exp/graph"
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  log "stage 4: first pass (wren decode's default: two passes, the second adapted to the reader)"
  "$wren" decode --model "$model" --graph "$exp/graph" --acwt "$acwt" $decode_opts \
    "$exp/data/test" "$exp/hyp-1pass.txt" "$exp/lat.gz"
  "$wren" wer "$exp/data/test/text" "$exp/hyp-1pass.txt" | tee "$exp/wer-1pass.txt"
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  log "stage 5: train the NNLM"
  "$wren" nnlm-train --train "$exp/text/train.txt" --valid "$exp/text/dev.txt" --out "$exp/nnlm.safetensors" $nnlm_opts
  "$wren" nnlm-eval --model "$exp/nnlm.safetensors" "$exp/text/dev.txt" | tail -1
fi

if [ "$stage" -le 6 ] && [ "$stop_stage" -ge 6 ]; then
  log "stage 6: prune the NNLM ($prune_opts)"
  # prune keeps existing outputs (resumable): drop those of an older NNLM (stage 5 retrains)
  for f in "$exp"/nnlm-pruned-*.safetensors; do
    if [ -e "$f" ] && [ "$f" -ot "$exp/nnlm.safetensors" ]; then rm -f "$f"; fi
  done
  "$wren" prune --model "$exp/nnlm.safetensors" $prune_opts --out-prefix "$exp/nnlm-pruned"
fi

if [ "$stage" -le 7 ] && [ "$stop_stage" -ge 7 ]; then
  log "stage 7: rescoring and the table"
  rescore() {  # $1 = model, $2 = mode, $3 = name
    local start end
    start=$(date +%s.%N)
    "$wren" rescore --nnlm "$1" --lm "$exp/lm.arpa" --words "$exp/graph/words.txt" --mode "$2" \
      --nbest "$nbest" --lm-weight "$lm_weight" --lambda "$lambda" --acwt "$acwt" \
      "$exp/lat.gz" "$exp/hyp-$3.txt" 2> "$exp/rescore-$3.log"
    end=$(date +%s.%N)
    echo "$(awk -v s="$start" -v e="$end" 'BEGIN{printf "%.2f", e - s}')" > "$exp/time-$3.txt"
  }
  rescore "$exp/nnlm.safetensors" nbest dense-nbest
  rescore "$exp/nnlm.safetensors" lattice dense-lattice
  pruned=$(ls "$exp"/nnlm-pruned-*.safetensors | head -1)
  rescore "$pruned" lattice pruned-lattice
  params() { "$wren" nnlm-info "$1" | sed -n 's/^stored_params[^0-9]*\([0-9]*\).*/\1/p' | head -1; }
  # "%WER [lo, hi]": wren wer's score and its 95 % bootstrap interval
  wer() { "$wren" wer "$exp/data/test/text" "$1" | awk '/^%WER / { w = $2 } /^%WER-CI / { gsub(/[],[]/, " "); lo = $3; hi = $4 }
    END { printf "%6.2f [%5.2f, %5.2f]", w, lo, hi }'; }
  {
    printf '%-38s %12s %22s %10s\n' system "NNLM params" "WER % [95 % interval]" "rescore s"
    printf '%-38s %12s %22s %10s\n' "first pass (pruned trigram)" - "$(wer "$exp/hyp-1pass.txt")" -
    printf '%-38s %12s %22s %10s\n' "NNLM ${nbest}-best" "$(params "$exp/nnlm.safetensors")" \
      "$(wer "$exp/hyp-dense-nbest.txt")" "$(cat "$exp/time-dense-nbest.txt")"
    printf '%-38s %12s %22s %10s\n' "NNLM lattice" "$(params "$exp/nnlm.safetensors")" \
      "$(wer "$exp/hyp-dense-lattice.txt")" "$(cat "$exp/time-dense-lattice.txt")"
    printf '%-38s %12s %22s %10s\n' "pruned NNLM lattice ($(basename "$pruned" .safetensors))" "$(params "$pruned")" \
      "$(wer "$exp/hyp-pruned-lattice.txt")" "$(cat "$exp/time-pruned-lattice.txt")"
    echo "($(wc -w < "$exp/data/test/text" | awk -v n="$(wc -l < "$exp/data/test/text")" '{ print $1 - n }') test words: a smoke test of the chain, not a" \
      "benchmark; \`wren wer --compare\` tests whether a difference is significant)"
  } | tee "$exp/results.txt"
  log "done in $(( $(date +%s) - t0 )) s; results in $exp/results.txt"
fi
