#!/usr/bin/env bash
# run_16k.sh — the stages shared by the 16 kHz recipes (egs/arctic, egs/timit, egs/lj): each
# recipe's run.sh documents its stages and calls this with its own name, so the recipes differ
# only in conf/<name>.conf and local/prepare_data.sh.
# usage: egs/steps/run_16k.sh NAME [--stage N] [--stop-stage N] [--nj N] [--cmd CMD] [CORPUS_DIR]
set -euo pipefail
name=${1:?usage: run_16k.sh CORPUS_NAME [run.sh options]}; shift
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$top/egs/steps/recipe_lib.sh"
# the shared data root (text/lm-corpus, and speech/ for the other eval sets the LM is guarded against)
shared=${WREN_SHARED_DATA:-$(cd "$corpus/../.." && pwd)}

stage0() {
  log "stage 0: data prep from $corpus"
  local all=data/all
  local/prepare_data.sh "$corpus" $all
  "$WREN" text-norm --ids $all/text.raw $all/text
  for x in dev test; do
    mkdir -p data/$x
    if [ $x = dev ]; then r='NR % e == 0'; else r='NR % e != 0'; fi
    awk -v e="$dev_every" "$r" $all/wav.scp | cut -d' ' -f1 > data/$x/uttlist.all
    if [ "$max_utts" -gt 0 ]; then head -n "$max_utts" data/$x/uttlist.all; else cat data/$x/uttlist.all; fi > data/$x/uttlist
    for f in wav.scp text utt2spk; do awk 'NR == FNR {k[$1]; next} $1 in k' data/$x/uttlist $all/$f > data/$x/$f; done
    awk '{u[$2]=u[$2]" "$1} END{for(s in u) print s u[s]}' data/$x/utt2spk | LC_ALL=C sort > data/$x/spk2utt
    "$top/utils/validate-data-dir.sh" data/$x
    echo "data/$x: $(wc -l < data/$x/wav.scp) utterances ($(wc -l < data/$x/uttlist.all) before max_utts=$max_utts), $("$steps/audio_duration.sh" data/$x/wav.scp | tee data/$x/duration) s of audio"
  done
}
if step 0; then timed 0 stage0; fi

if step 1; then log "stage 1: shared LM"; timed 1 "$steps/make_lm.sh" "$shared" "$lm_dir"; fi

if step 2; then
  log "stage 2: graph"
  if [ ! -s "$graph_dir/HCLG.fst" ]; then
    timed 2 "$WREN" mkgraph --model "$model" --dict "$dict" --lm "$lm_dir/lm3.arpa" ${mkgraph_opts:-} "$graph_dir"
  else echo "stage 2: $graph_dir exists (shared; delete it to rebuild)"; fi
fi

if step 3; then
  for x in dev test; do
    log "stage 3: first pass on $x"
    timed 3 "$steps/decode.sh" --nj "$nj" --cmd "$cmd" --opts "$decode_opts" "$model" "$graph_dir" data/$x exp/decode_$x
  done
  if [ -n "${beam_sweep:-}" ]; then
    log "stage 3: beam sweep on dev (single job): $beam_sweep"
    timed 3 "$steps/beam_sweep.sh" --opts "$decode_opts" "$model" "$graph_dir" data/dev exp/beam_sweep_dev "$beam_sweep"
  fi
fi

if step 4; then
  for x in dev test; do
    log "stage 4: 4-gram lattice rescoring of $x"
    timed 4 "$steps/lmrescore.sh" --acwt "$acwt" "$graph_dir" "$lm_dir/lm3.arpa" "$lm_dir/lm4.arpa" exp/decode_$x exp/rescore4_$x
  done
fi

if step 5; then
  for x in dev test; do
    log "stage 5: pocketsphinx_batch on $x"
    timed 5 "$steps/pocketsphinx_baseline.sh" --opts "$psphx_opts" "$model" "$dict" "$lm_dir/lm3.arpa" data/$x exp/psphx_$x
  done
fi

if step 6; then
  log "stage 6: scoring (lattice best-path acoustic scale tuned on dev, applied to test)"
  for s in decode rescore4; do
    [ -s exp/${s}_dev/lat.gz ] && "$steps/tune_acwt.sh" --wips "${wip_sweep:-0}" "$graph_dir" data/dev exp/${s}_dev "$acwt_sweep" exp/${s}_test
  done
  "$steps/results_table.sh" "$name ($corpus_name)" exp > exp/results.txt
  cat exp/results.txt
fi

# the NNLM part: shared model and pruned families in ../steps/exp (built once for all recipes)
nnlm_dir=${nnlm_dir:-$top/egs/steps/exp/nnlm}
prune_dir=${prune_dir:-$nnlm_dir/pruned}

if step 7; then
  log "stage 7: shared Transformer NNLM and the KN 4-gram on the same split ($nnlm_dir)"
  timed 7 "$steps/make_nnlm.sh" "$lm_dir" "$nnlm_dir"
fi

if step 8; then
  log "stage 8: NNLM rescoring (weights tuned on dev; n-best and lattice)"
  timed 8 "$steps/nnlm_rescore.sh" "$nnlm_dir/nnlm.safetensors" "$graph_dir" "$lm_dir/lm3.arpa" "$lm_dir/lm4.arpa" \
    data/dev exp/decode_dev exp/nnlm_rescore data/test exp/decode_test
  "$steps/nnlm_table.sh" "$name ($corpus_name)" exp > exp/results-nnlm.txt
  cat exp/results-nnlm.txt
fi

if step 9; then
  log "stage 9: pruned NNLM families (shared: $prune_dir)"
  timed 9 "$steps/prune_nnlm.sh" "$nnlm_dir" "$prune_dir"
fi

if step 10; then
  log "stage 10: test WER of the pruned NNLMs (weights tuned on dev per model), plots"
  tune=(--tune-data data/dev --tune-decode exp/decode_dev)
  [ "${pruned_tune:-1}" = 1 ] || tune=()   # 0: every model reuses the dense NNLM's dev weights
  timed 10 "$steps/pruned_wer.sh" --jobs "$nj" "${tune[@]}" "$prune_dir" exp/nnlm_rescore/tuned.txt "$graph_dir" \
    "$lm_dir/lm3.arpa" "$lm_dir/lm4.arpa" data/test exp/decode_test exp/pruned_wer
  base=$(awk 'NR == 1 {print $2}' exp/rescore4_test/score_tuned/wer.txt 2>/dev/null || true)
  "$steps/plot_pruning.sh" "$name ($corpus_name): pruned NNLMs" "$prune_dir/table.txt" exp/pruned_wer/table.txt \
    "$base" exp/plots "egs/$name/run.sh --stage 10 (egs/steps/plot_pruning.sh)"
  "$steps/pruning_findings.sh" exp/pruned_wer data/test > exp/pruned_wer/findings.txt
  cat exp/pruned_wer/findings.txt
fi
