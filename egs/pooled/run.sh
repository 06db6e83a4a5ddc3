#!/usr/bin/env bash
# run.sh — the pooled 16 kHz evaluation: every utterance of arctic-fraser, timit-sample and
# lj-prompts-reader (1,193 utterances, 10,837 words), each corpus split into dev (every 3rd
# utterance in sorted id order, about one third) and test by the shared rule, the dev and test sets
# being the unions. Results are reported per corpus and pooled, each %WER with its 95 % bootstrap
# confidence interval; the larger pooled test set is what makes differences between systems
# measurable (a few hundred words per corpus cannot separate them). The first pass runs with
# `wren decode`'s default options, as a user who reads no recipe gets it, against
# pocketsphinx_batch with the same acoustic model, dictionary and trigram.
#
# usage: egs/pooled/run.sh [--stage N] [--stop-stage N] [--nj N] [--cmd CMD] [--config FILE] [--VAR VALUE ...] [SPEECH_DIR]
#   SPEECH_DIR holds the corpora (default ../shared/data/speech relative to the repo root).
#   Env: WREN (the built wren, default build/wren), WREN_SHARED_DATA (default SPEECH_DIR/..).
#   Settings: ../steps/conf/16k.conf (shared), conf/pooled.conf (this recipe); every variable of
#   either is also an option. Outputs: data/, exp/ (git-ignored).
# stages (each reuses what exists; the shared ones are egs/lm16k stages, built once for all):
#   0 data prep: each corpus's local/prepare_data.sh -> data/<corpus>/all, text normalised
#     (wren text-norm --ids), split -> data/<corpus>/{dev,test}; unions -> data/{dev,test}
#   1 the shared leak-guarded LM text and n-gram LMs: egs/lm16k stage 1
#   2 the shared graph: egs/lm16k stage 2
#   3 first pass on dev and test with decode_opts (default: none, wren decode's defaults), lattices
#     kept: exp/decode_{dev,test} (time.txt: wall s; cpu.txt: CPU s of all jobs)
#   5 pocketsphinx_batch, same model/dict/ARPA trigram/audio: exp/psphx_{dev,test}
#   6 scoring per corpus and pooled: %WER with 95 % bootstrap intervals, Wren vs pocketsphinx
#     (difference, its interval, paired p-values) and CPU seconds -> exp/results.txt
set -euo pipefail
stage=0
stop_stage=100
nj=2                                          # parallel decoding jobs (stage 3)
cmd="utils/run-jobs.sh --backend local"       # the job runner (--backend slurm: utils/slurm/README.md)
. "$(dirname "$0")/../steps/conf/16k.conf"    # settings shared by the 16 kHz recipes
. "$(dirname "$0")/conf/pooled.conf"          # what this recipe sets differently
. "$(dirname "$0")/../steps/parse_options.sh" # any variable above as an option
[ $# -le 1 ] || { echo "$0: at most one SPEECH_DIR (see --help)" >&2; exit 1; }
. "$(dirname "$0")/../steps/recipe_lib.sh"    # here, top, steps, name, WREN (checked), log, timed
speech=$(realpath -m "${1:-$top/../shared/data/speech}")
cd "$here"
mkdir -p exp
lm16k=(../lm16k/run.sh --model "$model" --dict "$dict" --lm-dir "$lm_dir" --graph-dir "$graph_dir"
       --mkgraph-opts "$mkgraph_opts" --nnlm-dir "$nnlm_dir" --prune-dir "$prune_dir")
read -r -a corpus_list <<< "$corpora"
read -r -a prep_list <<< "$prep_scripts"
[ ${#corpus_list[@]} -eq ${#prep_list[@]} ] || { echo "$0: corpora and prep_scripts differ in length" >&2; exit 1; }

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "stage 0: data prep from $speech (${corpus_list[*]})"
  for i in "${!corpus_list[@]}"; do
    c=${corpus_list[$i]}
    timed 0 "${prep_list[$i]}" "$speech/$c" data/$c/all
    "$WREN" text-norm --ids data/$c/all/text.raw data/$c/all/text
    mkdir -p data/$c/dev data/$c/test
    awk -v e="$dev_every" 'NR % e == 0 {print $1}' data/$c/all/wav.scp > data/$c/dev/uttlist.all
    awk -v e="$dev_every" 'NR % e != 0 {print $1}' data/$c/all/wav.scp > data/$c/test/uttlist.all
    for x in dev test; do
      "$steps/subset_data_dir.sh" --max-utts "$max_utts" data/$c/all data/$c/$x/uttlist.all data/$c/$x
    done
  done
  for x in dev test; do
    dirs=(); for c in "${corpus_list[@]}"; do dirs+=(data/$c/$x); done
    "$steps/combine_data_dirs.sh" data/$x "${dirs[@]}"
  done
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "stage 1: the shared n-gram LMs (egs/lm16k stage 1; built once)"
  timed 1 "${lm16k[@]}" --stage 1 --stop-stage 1 "${WREN_SHARED_DATA:-$speech/..}"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "stage 2: the shared graph (egs/lm16k stage 2; built once)"
  timed 2 "${lm16k[@]}" --stage 2 --stop-stage 2
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  for x in dev test; do
    log "stage 3: first pass on $x (wren decode $decode_opts)"
    timed 3 "$steps/decode.sh" --nj "$nj" --cmd "$cmd" --opts "$decode_opts" "$model" "$graph_dir" data/$x exp/decode_$x
  done
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  for x in dev test; do
    log "stage 5: pocketsphinx_batch on $x"
    timed 5 "$steps/pocketsphinx_baseline.sh" --opts "$psphx_opts" "$model" "$dict" "$lm_dir/lm3.arpa" data/$x exp/psphx_$x
  done
fi

if [ "$stage" -le 6 ] && [ "$stop_stage" -ge 6 ]; then
  log "stage 6: scoring per corpus and pooled -> exp/results.txt"
  "$steps/pooled_table.sh" "$name: wren decode (defaults) vs pocketsphinx_batch" exp "${corpus_list[@]}" > exp/results.txt.tmp
  mv exp/results.txt.tmp exp/results.txt
  cat exp/results.txt
fi
