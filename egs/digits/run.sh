#!/usr/bin/env bash
# run.sh — Wren recipe for the Free Spoken Digit Dataset (isolated digits, 8 kHz, 6 speakers)
# with the CMU Sphinx 8 kHz semi-continuous model hub4wsj_sc_8k and a digit grammar (ARPA
# unigram over the ten digit words): data prep -> grammar -> HCLG -> first pass ->
# pocketsphinx_batch side by side -> WER/RTF table. Staged and resumable (Kaldi style).
#
# usage: egs/digits/run.sh [--stage N] [--stop-stage N] [--nj N] [--cmd CMD] [--config FILE] [--VAR VALUE ...] [CORPUS_DIR]
#   CORPUS_DIR defaults to ../shared/data/speech/fsdd-digits (relative to the repo root).
#   Env: WREN (the built wren, default build/wren). Settings: conf/digits.conf; each of its
#   variables is also an option (--max-utts 20). Outputs: data/, exp/ (git-ignored).
# stages:
#   0 data prep: local/prepare_data.sh -> data/all, text normalised by wren text-norm --ids;
#     data/{dev,test} by the split rule below
#   1 grammar: exp/lang/{grammar.arpa,dict}
#   2 graph: wren mkgraph -> exp/graph
#   3 first pass on dev and test (lattices kept; ../steps/decode.sh): exp/decode_{dev,test}; with
#     adapt=fmllr (the default) also the speaker-adapted first pass (../steps/decode_fmllr.sh):
#     exp/decode_fmllr_{dev,test}
#   4 (none: there is no bigger LM to rescore a one-word grammar with)
#   5 pocketsphinx_batch, same model/dict/ARPA grammar/audio, --nj single-thread processes: exp/psphx_{dev,test}
#   6 scoring with wren wer, table in exp/results.txt
# The NNLM stages of the 16 kHz recipes do not apply to a digit grammar; none are planned here.
set -euo pipefail
stage=0
stop_stage=100
nj=2                                          # parallel decoding jobs (stages 3 and 5)
cmd="utils/run-jobs.sh --backend local"       # the job runner (--backend slurm: utils/slurm/README.md)
. "$(dirname "$0")/conf/digits.conf"
. "$(dirname "$0")/../steps/parse_options.sh" # any variable above as an option: --stage 3, --max-utts 20, --config FILE
[ $# -le 1 ] || { echo "$0: at most one CORPUS_DIR (see --help)" >&2; exit 1; }
. "$(dirname "$0")/../steps/recipe_lib.sh"    # here, top, steps, name, WREN (checked), log, timed
corpus=$(realpath -m "${1:-$top/../shared/data/speech/$corpus_name}")
# an empty model: the 8 kHz model that the shared data root holds beside its speech
[ -n "$model" ] || model=$(realpath -m "$corpus/../../models/hub4wsj_sc_8k")
cd "$here"
mkdir -p exp
case $adapt in ""|fmllr) ;; *) echo "$name/run.sh: --adapt takes fmllr or \"\", not '$adapt'" >&2; exit 1 ;; esac

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "stage 0: data prep from $corpus"
  timed 0 local/prepare_data.sh "$corpus" data/all
  "$WREN" text-norm --ids data/all/text.raw data/all/text
  # the dev/test split rule (FSDD's own): utterance ids are speaker-digit-n; n in dev_nums is dev,
  # n in test_nums is test
  for x in dev test; do
    if [ $x = dev ]; then nums=$dev_nums; else nums=$test_nums; fi
    mkdir -p data/$x
    awk -v nums="$nums" 'BEGIN{split(nums, a, " "); for (i in a) k[a[i]]} {split($1, p, "-"); if (p[3] in k) print $1}' \
      data/all/wav.scp > data/$x/uttlist.all
    "$steps/subset_data_dir.sh" --max-utts "$max_utts" data/all data/$x/uttlist.all data/$x
  done
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "stage 1: digit grammar"
  # shellcheck disable=SC2086
  timed 1 local/make_grammar.sh "$dict_src" exp/lang $words
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "stage 2: graph"
  timed 2 "$WREN" mkgraph --model "$model" --dict exp/lang/dict --lm exp/lang/grammar.arpa exp/graph
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  for x in dev test; do
    log "stage 3: first pass on $x"
    timed 3 "$steps/decode.sh" --nj "$nj" --cmd "$cmd" --opts "$decode_opts" "$model" exp/graph data/$x exp/decode_$x
    if [ -n "$adapt" ]; then
      log "stage 3: speaker-adapted first pass on $x (wren decode --adapt $adapt $decode_opts)"
      timed 3 "$steps/decode_fmllr.sh" --nj "$nj" --cmd "$cmd" --opts "$decode_opts" "$model" exp/graph data/$x exp/decode_${adapt}_$x
    fi
  done
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  for x in dev test; do
    log "stage 5: pocketsphinx_batch on $x"
    timed 5 "$steps/pocketsphinx_baseline.sh" --nj "$nj" --opts "$psphx_opts" "$model" exp/lang/dict exp/lang/grammar.arpa data/$x exp/psphx_$x
  done
fi

if [ "$stage" -le 6 ] && [ "$stop_stage" -ge 6 ]; then
  log "stage 6: scoring"
  "$steps/results_table.sh" "digits ($corpus_name, hub4wsj_sc_8k, digit unigram grammar)" exp > exp/results.txt
  cat exp/results.txt
fi
