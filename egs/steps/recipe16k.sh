# shellcheck shell=bash
# recipe16k.sh — the stages of the single-corpus 16 kHz recipes (egs/arctic, arctic-full, timit,
# lj), sourced by their run.sh after it sets recipe_conf (its corpus's settings file, relative to
# the recipe folder). One body for the four, so that a stage changed for one is changed for all.
# $0 stays the run.sh, so paths below are the recipe's. --help prints the run.sh's header, then
# the stage list below.
# Not for: egs/pooled (the study on the three corpora together) or egs/lm16k (the shared models).
# stages (each reuses what exists; the shared ones are egs/lm16k stages, built once for all):
#   0 data prep: local/prepare_data.sh -> data/all (wav.scp, text.raw, utt2spk, spk2utt), text
#     normalised by wren text-norm --ids; data/{dev,test} by the split rule below (max_utts: a subset)
#   1 the shared leak-guarded LM text and n-gram LMs: egs/lm16k stage 1 -> ../lm16k/exp/lm/{lm3,lm4}.arpa
#   2 the shared graph: egs/lm16k stage 2 (wren mkgraph) -> ../lm16k/exp/graph-lm3-v2
#   3 first pass on dev and test, lattices kept (../steps/decode.sh): exp/decode_{dev,test}; with
#     adapt=fmllr (the default) also the speaker-adapted first pass (../steps/decode_fmllr.sh):
#     exp/decode_fmllr_{dev,test}, whose lattices every later stage rescores (the first pass FP
#     below: decode_fmllr, or decode with --adapt ""); with beam_sweep set, also the WER/speed
#     trade-off on dev (single job): exp/beam_sweep_dev/sweep.txt
#   4 4-gram lattice rescoring of FP (../steps/lmrescore.sh): exp/rescore4_{dev,test}
#   5 pocketsphinx_batch, same model/dict/ARPA trigram/audio, --nj single-thread processes: exp/psphx_{dev,test}
#   6 scoring with wren wer (plus best-path acwt and word penalty tuned on dev, applied to test;
#     ../steps/tune_acwt.sh), table in exp/results.txt
#   7 the shared Transformer NNLM and the KN 4-gram on the same split: egs/lm16k stage 3 -> ../lm16k/exp/nnlm
#   8 NNLM + 4-gram rescoring of FP on dev and test (../steps/nnlm_rescore.sh): weights tuned on dev
#     (wren rescore-tune), then n-best and lattice rescoring; table with significance in exp/results-nnlm.txt
#   9 the shared pruned NNLM families: egs/lm16k stage 4 -> ../lm16k/exp/nnlm/pruned (every
#     criterion x method x schedule of ../steps/conf/prune.conf; dev ppl / size / bytes / speed-up table)
#   10 test WER of the pruned NNLMs (../steps/pruned_wer.sh -> exp/pruned_wer/table.txt), the gnuplot
#     plots exp/plots/{wer,ppl,speed}-vs-size.{png,svg} (../steps/plot_pruning.sh) and the findings
#     with their significance (../steps/pruning_findings.sh -> exp/pruned_wer/findings.txt)

# --help: the run.sh header (parse_options.sh), then the stage list above
help_more=$(awk '/^# stages/ { on = 1 } on && !/^#/ { exit } on { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}")
stage=0
stop_stage=100
nj=2                                          # parallel decoding jobs (stages 3 and 5) and scoring jobs (stage 10)
cmd="utils/run-jobs.sh --backend local"       # the job runner (--backend slurm: utils/slurm/README.md)
. "$(dirname "$0")/../steps/conf/16k.conf"    # settings shared by the 16 kHz recipes
. "$(dirname "$0")/$recipe_conf"              # what this corpus sets differently
. "$(dirname "$0")/../steps/parse_options.sh" # any variable above as an option: --stage 3, --max-utts 0, --config FILE
[ $# -le 1 ] || { echo "$0: at most one CORPUS_DIR (see --help)" >&2; exit 1; }
. "$(dirname "$0")/../steps/recipe_lib.sh"    # here, top, steps, name, WREN (checked), log, timed
corpus=$(realpath -m "${1:-$top/../shared/data/speech/$corpus_name}")
cd "$here"
mkdir -p exp
fp=decode${adapt:+_$adapt}   # the first pass the later stages rescore: exp/${fp}_{dev,test}
case $adapt in ""|fmllr) ;; *) echo "$name/run.sh: --adapt takes fmllr or \"\", not '$adapt'" >&2; exit 1 ;; esac
# the options of egs/lm16k, the recipe of the shared models (stages 1, 2, 7 and 9 call it)
lm16k=(../lm16k/run.sh --model "$model" --dict "$dict" --lm-dir "$lm_dir" --graph-dir "$graph_dir"
       --mkgraph-opts "$mkgraph_opts" --nnlm-dir "$nnlm_dir" --prune-dir "$prune_dir")

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "stage 0: data prep from $corpus"
  # the dev/test split rule: every dev_every-th utterance in sorted id order is dev, the rest test
  timed 0 "$steps/prepare_split.sh" --dev-every "$dev_every" --max-utts "$max_utts" local/prepare_data.sh "$corpus" data
fi

if [ "$stage" -le 1 ] && [ "$stop_stage" -ge 1 ]; then
  log "stage 1: the shared n-gram LMs (egs/lm16k stage 1; built once)"
  timed 1 "${lm16k[@]}" --stage 1 --stop-stage 1 "${WREN_SHARED_DATA:-$corpus/../..}"
fi

if [ "$stage" -le 2 ] && [ "$stop_stage" -ge 2 ]; then
  log "stage 2: the shared graph (egs/lm16k stage 2; built once)"
  timed 2 "${lm16k[@]}" --stage 2 --stop-stage 2
fi

if [ "$stage" -le 3 ] && [ "$stop_stage" -ge 3 ]; then
  for x in dev test; do
    log "stage 3: first pass on $x"
    timed 3 "$steps/decode.sh" --nj "$nj" --cmd "$cmd" --opts "$decode_opts" "$model" "$graph_dir" data/$x exp/decode_$x
    if [ -n "$adapt" ]; then
      log "stage 3: speaker-adapted first pass on $x (wren decode --adapt $adapt $decode_opts)"
      timed 3 "$steps/decode_fmllr.sh" --nj "$nj" --cmd "$cmd" --opts "$decode_opts" "$model" "$graph_dir" data/$x exp/${fp}_$x
    fi
  done
  if [ -n "$beam_sweep" ]; then
    log "stage 3: beam sweep on dev (single job): $beam_sweep"
    timed 3 "$steps/beam_sweep.sh" --opts "$decode_opts" "$model" "$graph_dir" data/dev exp/beam_sweep_dev "$beam_sweep"
  fi
fi

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ]; then
  for x in dev test; do
    log "stage 4: 4-gram lattice rescoring of $x"
    timed 4 "$steps/lmrescore.sh" --acwt "$acwt" "$graph_dir" "$lm_dir/lm3.arpa" "$lm_dir/lm4.arpa" exp/${fp}_$x exp/rescore4_$x
  done
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  for x in dev test; do
    log "stage 5: pocketsphinx_batch on $x"
    timed 5 "$steps/pocketsphinx_baseline.sh" --nj "$nj" --opts "$psphx_opts" "$model" "$dict" "$lm_dir/lm3.arpa" data/$x exp/psphx_$x
  done
fi

if [ "$stage" -le 6 ] && [ "$stop_stage" -ge 6 ]; then
  log "stage 6: scoring (lattice best-path acoustic scale tuned on dev, applied to test)"
  for s in decode ${adapt:+$fp} rescore4; do
    if [ -s exp/${s}_dev/lat.gz ]; then
      "$steps/tune_acwt.sh" --wips "${wip_sweep:-0}" "$graph_dir" data/dev exp/${s}_dev "$acwt_sweep" exp/${s}_test
    fi
  done
  "$steps/results_table.sh" "$name ($corpus_name)" exp > exp/results.txt
  cat exp/results.txt
fi

if [ "$stage" -le 7 ] && [ "$stop_stage" -ge 7 ]; then
  log "stage 7: the shared Transformer NNLM (egs/lm16k stage 3; built once)"
  timed 7 "${lm16k[@]}" --stage 3 --stop-stage 3
fi

if [ "$stage" -le 8 ] && [ "$stop_stage" -ge 8 ]; then
  log "stage 8: NNLM rescoring (weights tuned on dev; n-best and lattice)"
  timed 8 "$steps/nnlm_rescore.sh" "$nnlm_dir/nnlm.safetensors" "$graph_dir" "$lm_dir/lm3.arpa" "$lm_dir/lm4.arpa" \
    data/dev exp/${fp}_dev exp/nnlm_rescore data/test exp/${fp}_test
  "$steps/nnlm_table.sh" --first "$fp" "$name ($corpus_name)" exp > exp/results-nnlm.txt
  cat exp/results-nnlm.txt
fi

if [ "$stage" -le 9 ] && [ "$stop_stage" -ge 9 ]; then
  log "stage 9: the shared pruned NNLM families (egs/lm16k stage 4; built once)"
  timed 9 "${lm16k[@]}" --stage 4 --stop-stage 4
fi

if [ "$stage" -le 10 ] && [ "$stop_stage" -ge 10 ]; then
  log "stage 10: test WER of the pruned NNLMs (weights tuned on dev per model), plots"
  tune=(--tune-data data/dev --tune-decode exp/${fp}_dev)
  [ "$pruned_tune" = 1 ] || tune=()   # 0: every model reuses the dense NNLM's dev weights
  timed 10 "$steps/pruned_wer.sh" --jobs "$nj" "${tune[@]}" "$prune_dir" exp/nnlm_rescore/tuned.txt "$graph_dir" \
    "$lm_dir/lm3.arpa" "$lm_dir/lm4.arpa" data/test exp/${fp}_test exp/pruned_wer
  base=$(awk 'NR == 1 {print $2}' exp/rescore4_test/score_tuned/wer.txt 2>/dev/null || true)
  "$steps/plot_pruning.sh" "$name ($corpus_name): pruned NNLMs" "$prune_dir/table.txt" exp/pruned_wer/table.txt \
    "$base" exp/plots "egs/$name/run.sh --stage 10 (egs/steps/plot_pruning.sh)"
  "$steps/pruning_findings.sh" exp/pruned_wer data/test > exp/pruned_wer/findings.txt
  cat exp/pruned_wer/findings.txt
fi
