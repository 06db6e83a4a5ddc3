#!/usr/bin/env bash
# run.sh — Wren recipe for the Free Spoken Digit Dataset (isolated digits, 8 kHz, 6 speakers)
# with the CMU Sphinx 8 kHz semi-continuous model hub4wsj_sc_8k and a digit grammar (ARPA
# unigram over the ten digit words): data prep -> grammar -> HCLG -> first pass ->
# pocketsphinx_batch side by side -> WER/RTF table. Staged and resumable (Kaldi style).
#
# usage: egs/digits/run.sh [--stage N] [--stop-stage N] [--nj N] [--cmd "utils/run-jobs.sh --backend local"] [CORPUS_DIR]
#   CORPUS_DIR defaults to ../shared/data/speech/fsdd-digits (relative to the repo root).
#   Tunables: conf/digits.conf.
# stages:
#   0 data prep: data/{dev,test} (split rule in conf), text normalised by wren text-norm --ids
#   1 grammar: exp/lang/{grammar.arpa,dict}
#   2 graph: wren mkgraph -> exp/graph
#   3 first pass on dev and test (lattices kept): exp/decode_{dev,test}
#   4 (none: there is no bigger LM to rescore a one-word grammar with)
#   5 pocketsphinx_batch, same model/dict/ARPA grammar/audio, single thread: exp/psphx_{dev,test}
#   6 scoring with wren wer, table in exp/results.txt
# TODO (later): the NNLM stages do not apply to a digit grammar; none are planned here.
set -euo pipefail
name=digits; top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$top/egs/steps/recipe_lib.sh"

stage0() {
  log "stage 0: data prep from $corpus"
  local all=data/all
  local/prepare_data.sh "$corpus" $all
  "$WREN" text-norm --ids $all/text.raw $all/text
  for x in dev test; do
    mkdir -p data/$x
    if [ $x = dev ]; then nums=$dev_nums; else nums=$test_nums; fi
    # utterance ids are speaker-digit-n
    awk -v nums="$nums" 'BEGIN{split(nums, a, " "); for (i in a) k[a[i]]} {split($1, p, "-"); if (p[3] in k) print $1}' $all/wav.scp > data/$x/uttlist.all
    if [ "$max_utts" -gt 0 ]; then head -n "$max_utts" data/$x/uttlist.all; else cat data/$x/uttlist.all; fi > data/$x/uttlist
    for f in wav.scp text utt2spk; do awk 'NR == FNR {k[$1]; next} $1 in k' data/$x/uttlist $all/$f > data/$x/$f; done
    awk '{u[$2]=u[$2]" "$1} END{for(s in u) print s u[s]}' data/$x/utt2spk | LC_ALL=C sort > data/$x/spk2utt
    "$top/utils/validate-data-dir.sh" data/$x
    echo "data/$x: $(wc -l < data/$x/wav.scp) utterances ($(wc -l < data/$x/uttlist.all) before max_utts=$max_utts), $("$steps/audio_duration.sh" data/$x/wav.scp | tee data/$x/duration) s of audio"
  done
}
if step 0; then timed 0 stage0; fi
if step 1; then log "stage 1: digit grammar"; timed 1 local/make_grammar.sh "$dict_src" exp/lang $words; fi
if step 2; then log "stage 2: graph"; timed 2 "$WREN" mkgraph --model "$model" --dict exp/lang/dict --lm exp/lang/grammar.arpa exp/graph; fi
if step 3; then
  for x in dev test; do
    log "stage 3: first pass on $x"
    timed 3 "$steps/decode.sh" --nj "$nj" --cmd "$cmd" --opts "$decode_opts" "$model" exp/graph data/$x exp/decode_$x
  done
fi
if step 5; then
  for x in dev test; do
    log "stage 5: pocketsphinx_batch on $x"
    timed 5 "$steps/pocketsphinx_baseline.sh" --opts "$psphx_opts" "$model" exp/lang/dict exp/lang/grammar.arpa data/$x exp/psphx_$x
  done
fi
if step 6; then
  log "stage 6: scoring"
  "$steps/results_table.sh" "digits ($corpus_name, hub4wsj_sc_8k, digit unigram grammar)" exp > exp/results.txt
  cat exp/results.txt
fi
