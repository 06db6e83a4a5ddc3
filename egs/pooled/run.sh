#!/usr/bin/env bash
# run.sh — the pooled 16 kHz evaluation: every utterance of arctic-fraser, timit-sample and
# lj-prompts-reader (1,193 utterances, 10,837 words), each corpus split into dev (every 3rd
# utterance in sorted id order, about one third) and test by the shared rule, the dev and test sets
# being the unions. Results are reported per corpus and pooled, each %WER with its 95 % bootstrap
# confidence interval; the larger pooled test set is what makes differences between systems
# measurable (a few hundred words per corpus cannot separate them). The first pass is `wren
# decode` with its default options otherwise: one speaker-independent pass (stage 3), then what
# a user who reads no recipe gets for a data dir with an utt2spk, two passes adapted to each
# speaker (stage 4); both against pocketsphinx_batch with the same acoustic model, dictionary
# and trigram (stage 5).
#
# usage: egs/pooled/run.sh [--stage N] [--stop-stage N] [--nj N] [--cmd CMD] [--config FILE] [--VAR VALUE ...] [SPEECH_DIR]
#   SPEECH_DIR holds the corpora (default ../shared/data/speech relative to the repo root).
#   Env: WREN (the built wren, default build/wren), WREN_SHARED_DATA (default SPEECH_DIR/..).
#   Settings: ../steps/conf/16k.conf (shared), conf/pooled.conf (this recipe); every variable of
#   either is also an option. Outputs: data/, exp/ (git-ignored).
# stages (each reuses what exists; the shared ones are egs/lm16k stages, built once for all):
#   0 data prep (../steps/prepare_split.sh): each corpus's local/prepare_data.sh ->
#     data/<corpus>/all, text normalised (wren text-norm --ids), split -> data/<corpus>/{dev,test};
#     unions -> data/{dev,test}
#   1 the shared leak-guarded LM text and n-gram LMs: egs/lm16k stage 1
#   2 the shared graph: egs/lm16k stage 2
#   3 speaker-independent first pass on dev and test (../steps/decode.sh: wren decode --adapt none
#     and decode_opts, default none; the hypotheses are each lattice's MBR word sequence),
#     lattices kept: exp/decode_{dev,test}
#     (time.txt: wall s; cpu.txt: CPU s of all jobs)
#   4 with adapt=fmllr (the default), the speaker-adapted first pass on dev and test
#     (../steps/decode_fmllr.sh: wren decode --adapt fmllr with its defaults: the
#     speaker-independent pass, one fMLLR transform per speaker of utt2spk with EM steps and
#     MAP-adapted means (prior weight 500 frames), the adapted pass, a second estimate that
#     rescores its lattices; --nj workers of whole speakers):
#     exp/decode_fmllr_<set>, table against stage 3 and pocketsphinx (stage 5) -> exp/results-fmllr.txt
#   The later stages rescore the lattices of the first pass FP: exp/decode_fmllr_<set> with
#   adapt=fmllr, exp/decode_<set> with --adapt "".
#   5 pocketsphinx_batch, same model/dict/ARPA trigram/audio, --nj single-thread processes: exp/psphx_{dev,test}
#   6 scoring per corpus and pooled: %WER with 95 % bootstrap intervals, Wren vs pocketsphinx
#     (difference, its interval, paired p-values) and CPU seconds -> exp/results.txt; with
#     adapt=fmllr, stage 4's table again, now with pocketsphinx -> exp/results-fmllr.txt
# the pruning study (NNLM rescoring of these lattices; settings in conf/study.conf, conf/pooled.conf):
#   7 4-gram lattice rescoring of FP on dev and test: exp/rescore4_{dev,test} (the no-NNLM reference);
#     MBR 1-best and calibrated word confidences of both (calibration fitted on dev), per-corpus
#     table against the Viterbi 1-best of the same lattices (hyp_viterbi.txt) and test NCE per
#     corpus -> exp/results-mbr.txt (the first pass's hyp.txt is already its MBR 1-best when
#     decoded by a build since 2026-12-04)
#   8 the shared dense NNLM (egs/lm16k stage 3; built once) rescoring dev and test, weights tuned
#     on dev (../steps/nnlm_rescore.sh): exp/nnlm_rescore; every pruned model reuses these weights
#     (and, with per_model_weights=true, is also scored with its own, tuned the same way);
#     the same model normalised (exp/nnlm_rescore_normalised) and its rescored lattices' MBR
#     hypotheses (exp/nnlm_rescore_mbr); per-corpus table -> exp/results-nnlm.txt
#   9 the data-driven criterion, chosen on dev: every candidate of select_criteria prunes one-shot
#     without fine-tuning (each method, each size); the lowest mean log dev perplexity wins ->
#     exp/prune/criterion.txt
#  10 the pruned families at study_budget fine-tuning tokens: magnitude and the chosen criterion x
#     unstructured/structured/low-rank x one-shot/incremental, all sizes of the total, plus
#     distillation, low-rank with a larger embedding share (conf/study.conf's extra_runs) and
#     from-scratch baselines (../steps/prune_nnlm.sh): exp/prune/ft<budget>
#  11 test WER and rescoring speed of stage 10's models (../steps/pruned_wer.sh): exp/pruned_wer/ft<budget>
#     with the dense NNLM's weights (stage 8) and, with per_model_weights=true, exp/pruned_wer_tuned/ft<budget>
#     with each model's own, tuned on dev
#  12 the budget sweep: stages 10 and 11 for each budget of budget_sweep (sweep_methods only)
#  13 results/study.tsv, results/findings.tsv (paired tests, Holm-corrected per finding),
#     results/budget-summary.tsv (finding b per budget), results/wer-by-budget.tsv and the plots
#     with 95 % intervals; the same with per-model weights in results/per-model/
#     (../steps/study_table.sh, ../steps/study_budget_summary.sh, ../steps/study_budget_table.sh,
#     ../steps/plot_study.sh)
set -euo pipefail
stage=0
stop_stage=100
nj=2                                          # parallel decoding jobs (stages 3, 4 and 5)
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
fp=decode${adapt:+_$adapt}   # the first pass the later stages rescore: exp/${fp}_{dev,test}
case $adapt in ""|fmllr) ;; *) echo "$name/run.sh: --adapt takes fmllr or \"\", not '$adapt'" >&2; exit 1 ;; esac
read -r -a corpus_list <<< "$corpora"
read -r -a prep_list <<< "$prep_scripts"
[ ${#corpus_list[@]} -eq ${#prep_list[@]} ] || { echo "$0: corpora and prep_scripts differ in length" >&2; exit 1; }

if [ "$stage" -le 0 ] && [ "$stop_stage" -ge 0 ]; then
  log "stage 0: data prep from $speech (${corpus_list[*]})"
  for i in "${!corpus_list[@]}"; do
    c=${corpus_list[$i]}
    timed 0 "$steps/prepare_split.sh" --dev-every "$dev_every" --max-utts "$max_utts" "${prep_list[$i]}" "$speech/$c" data/$c
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

# the adapted first pass against the speaker-independent one and pocketsphinx_batch ->
# exp/results-fmllr.txt: written by stage 4, and again by stage 6 once stage 5 has run
# pocketsphinx (on a first run in stage order its rows are missing from stage 4's)
fmllr_table() {
  "$steps/pooled_compare.sh" --sets "dev test" --pairs "fmllr:si fmllr:pocketsphinx" \
    "$name: speaker-adapted first pass against the speaker-independent one and pocketsphinx_batch" "${corpus_list[*]}" \
    si=exp/decode_{set}/hyp.txt pocketsphinx=exp/psphx_{set}/hyp.txt fmllr=exp/decode_fmllr_{set}/hyp.txt > exp/results-fmllr.txt.tmp
  for x in dev test; do
    echo "# $x CPU seconds: adapted (both passes) $(cat exp/decode_fmllr_$x/cpu.txt), speaker-independent $(cat exp/decode_$x/cpu.txt 2>/dev/null || echo -), pocketsphinx $(cat exp/psphx_$x/cpu.txt 2>/dev/null || echo -)"
  done >> exp/results-fmllr.txt.tmp
  mv exp/results-fmllr.txt.tmp exp/results-fmllr.txt
  cat exp/results-fmllr.txt
}

if [ "$stage" -le 4 ] && [ "$stop_stage" -ge 4 ] && [ -n "$adapt" ]; then
  for x in dev test; do
    log "stage 4: speaker-adapted first pass on $x (wren decode --adapt $adapt $decode_opts; $nj workers of whole speakers from utt2spk)"
    timed 4 "$steps/decode_fmllr.sh" --nj "$nj" --cmd "$cmd" --opts "$decode_opts" "$model" "$graph_dir" data/$x exp/${fp}_$x
  done
  fmllr_table
fi

if [ "$stage" -le 5 ] && [ "$stop_stage" -ge 5 ]; then
  for x in dev test; do
    log "stage 5: pocketsphinx_batch on $x"
    timed 5 "$steps/pocketsphinx_baseline.sh" --nj "$nj" --opts "$psphx_opts" "$model" "$dict" "$lm_dir/lm3.arpa" data/$x exp/psphx_$x
  done
fi

if [ "$stage" -le 6 ] && [ "$stop_stage" -ge 6 ]; then
  log "stage 6: scoring per corpus and pooled -> exp/results.txt"
  "$steps/pooled_table.sh" "$name: wren decode (defaults) vs pocketsphinx_batch" exp "${corpus_list[@]}" > exp/results.txt.tmp
  mv exp/results.txt.tmp exp/results.txt
  cat exp/results.txt
  if [ -n "$adapt" ] && [ -s exp/decode_fmllr_test/hyp.txt ]; then
    log "stage 6: the adapted first pass against pocketsphinx too -> exp/results-fmllr.txt"
    fmllr_table
  fi
fi

lm3=$lm_dir/lm3.arpa
lm4=$lm_dir/lm4.arpa
dense=$nnlm_dir/nnlm.safetensors
if [ "$stage" -le 7 ] && [ "$stop_stage" -ge 7 ]; then
  for x in dev test; do
    log "stage 7: 4-gram lattice rescoring of $x"
    # kept only if it rescored the same first pass (exp/rescore4_X/first_pass; --adapt changes it)
    if [ ! -s exp/rescore4_$x/hyp.txt ] || [ "$(cat exp/rescore4_$x/first_pass 2>/dev/null)" != "$fp" ]; then
      timed 7 "$steps/lmrescore.sh" --acwt "$acwt" "$graph_dir" "$lm3" "$lm4" exp/${fp}_$x exp/rescore4_$x
      echo "$fp" > exp/rescore4_$x/first_pass
    fi
  done
  log "stage 7: MBR 1-best and word confidences (logistic calibration fitted on dev), NCE per corpus on test"
  for d in $fp rescore4; do
    # the Viterbi 1-best of the same lattices (a first pass decoded since 2026-12-04 has the MBR one as hyp.txt)
    for x in dev test; do
      "$WREN" lattice best-path --acwt "$acwt" --words "$graph_dir/words.txt" exp/${d}_$x/lat.gz \
        exp/${d}_$x/hyp_viterbi.txt 2> exp/${d}_$x/log-viterbi
    done
    "$WREN" lattice mbr --acwt "$acwt" --words "$graph_dir/words.txt" --ref data/dev/text \
      --fit-calibration exp/${d}_dev/mbr-calibration.txt exp/${d}_dev/lat.gz exp/${d}_dev/hyp_mbr.txt 2> exp/${d}_dev/log-mbr
    "$WREN" lattice mbr --acwt "$acwt" --words "$graph_dir/words.txt" --calibration exp/${d}_dev/mbr-calibration.txt \
      exp/${d}_test/lat.gz exp/${d}_test/hyp_mbr.txt exp/${d}_test/mbr.ctm 2> exp/${d}_test/log-mbr
    for c in "${corpus_list[@]}" pooled; do
      if [ "$c" = pooled ]; then cp data/test/text exp/${d}_test/ref.tmp
      else awk 'NR == FNR { k[$1]; next } $1 in k' data/$c/test/wav.scp data/test/text > exp/${d}_test/ref.tmp; fi
      echo "$c $("$WREN" lattice mbr --acwt "$acwt" --words "$graph_dir/words.txt" --ref exp/${d}_test/ref.tmp \
        --calibration exp/${d}_dev/mbr-calibration.txt exp/${d}_test/lat.gz /dev/null 2>&1 | grep '^NCE')"
    done > exp/${d}_test/nce.txt
    rm -f exp/${d}_test/ref.tmp
  done
  "$steps/pooled_compare.sh" --pairs "first-mbr:first 4gram-mbr:4gram" \
    "$name: Viterbi and MBR 1-best of the first pass and of 4-gram rescoring (acwt $acwt)" "${corpus_list[*]}" \
    first=exp/${fp}_{set}/hyp_viterbi.txt first-mbr=exp/${fp}_{set}/hyp_mbr.txt \
    4gram=exp/rescore4_{set}/hyp_viterbi.txt 4gram-mbr=exp/rescore4_{set}/hyp_mbr.txt > exp/results-mbr.txt.tmp
  for d in $fp rescore4; do sed "s/^/# test NCE of the calibrated confidences, $d: /" exp/${d}_test/nce.txt; done >> exp/results-mbr.txt.tmp
  mv exp/results-mbr.txt.tmp exp/results-mbr.txt
  cat exp/results-mbr.txt
fi

if [ "$stage" -le 8 ] && [ "$stop_stage" -ge 8 ]; then
  log "stage 8: the shared NNLM (egs/lm16k stage 3), then its rescoring of dev and test (weights tuned on dev)"
  timed 8 "${lm16k[@]}" --stage 3 --stop-stage 3
  export OPENBLAS_NUM_THREADS=1   # rescoring speed is measured on one thread
  timed 8 "$steps/nnlm_rescore.sh" --acwt "$acwt" "$dense" "$graph_dir" "$lm3" "$lm4" \
    data/dev exp/${fp}_dev exp/nnlm_rescore data/test exp/${fp}_test
  # the cost of skipping the softmax normalisation: the same model and weights, normalised
  timed 8 "$steps/nnlm_rescore.sh" --acwt "$acwt" --tune-only-dev true --nnlm-tuned exp/nnlm_rescore/tuned.txt \
    --rescore-opts "--unnormalized false" "$dense" "$graph_dir" "$lm3" "$lm4" data/dev exp/${fp}_dev \
    exp/nnlm_rescore_normalised data/test exp/${fp}_test
  # the MBR word sequence of the rescored lattices instead of their best path (same weights), on
  # dev and test: what `wren rescore --mbr` would give as its default
  timed 8 "$steps/nnlm_rescore.sh" --acwt "$acwt" --modes lattice --nnlm-tuned exp/nnlm_rescore/tuned.txt \
    --rescore-opts "--mbr true" "$dense" "$graph_dir" "$lm3" "$lm4" data/dev exp/${fp}_dev \
    exp/nnlm_rescore_mbr data/test exp/${fp}_test
  "$steps/pooled_compare.sh" --pairs "4gram:first nnlm:4gram nbest:nnlm normalised:nnlm nnlm-mbr:nnlm" \
    "$name: NNLM rescoring (weights tuned on pooled dev), per corpus and pooled" "${corpus_list[*]}" \
    first=exp/${fp}_{set}/hyp.txt 4gram=exp/rescore4_{set}/hyp.txt nnlm=exp/nnlm_rescore/{set}/hyp-lattice.txt \
    nbest=exp/nnlm_rescore/{set}/hyp-nbest.txt normalised=exp/nnlm_rescore_normalised/{set}/hyp-lattice.txt \
    nnlm-mbr=exp/nnlm_rescore_mbr/{set}/hyp-lattice.txt > exp/results-nnlm.txt.tmp
  mv exp/results-nnlm.txt.tmp exp/results-nnlm.txt
  cat exp/results-nnlm.txt
fi

prune_family() {   # budget out_dir [prune_nnlm.sh options...]
  local b=$1 d=$2; shift 2
  "$steps/prune_nnlm.sh" --config "$study_conf" --criteria "magnitude $(cat exp/prune/criterion.txt)" \
    --finetune-tokens "$b" "$@" "$nnlm_dir" "$d"
}
wer_family() {   # prune_dir -> exp/pruned_wer/<its name>; the dense model is rescored again there,
  # in the same run as the pruned ones, so that its CPU time is measured alongside theirs
  local w; w=exp/pruned_wer/$(basename "$1")
  mkdir -p "$w"; [ -L "$w/dense" ] && rm "$w/dense"   # (older runs linked stage 8's rescoring)
  "$steps/pruned_wer.sh" --jobs "$nj" --mode "$rescore_mode" --dense "$dense" "$1" exp/nnlm_rescore/tuned.txt \
    "$graph_dir" "$lm3" "$lm4" data/test exp/${fp}_test "$w"
  [ "$per_model_weights" = true ] || return 0
  # each model with its own weights, tuned on the dev n-best lists as stage 8 tuned the dense
  # model's: a small model gets a smaller NNLM share instead of the dense model's
  "$steps/pruned_wer.sh" --jobs "$nj" --mode "$rescore_mode" --dense "$dense" \
    --tune-data data/dev --tune-decode exp/${fp}_dev "$1" exp/nnlm_rescore/tuned.txt \
    "$graph_dir" "$lm3" "$lm4" data/test exp/${fp}_test "exp/pruned_wer_tuned/$(basename "$1")"
}

if [ "$stage" -le 9 ] && [ "$stop_stage" -ge 9 ]; then
  log "stage 9: the data-driven criterion, chosen on dev ($select_criteria; one-shot, no fine-tuning)"
  mkdir -p exp/prune
  timed 9 "$steps/prune_nnlm.sh" --config "$study_conf" --criteria "magnitude $select_criteria" \
    --schedules oneshot --finetune-tokens 0 --extra-runs "" --scratch 0 --dev-lines 600 "$nnlm_dir" exp/prune/select
  # table: criterion method schedule size params rel bytes rel dev_ppl words/s speedup
  awk -v cands=" $select_criteria " '!/^#/ && $1 != "criterion" && index(cands, " " $1 " ") {
      s[$1] += log($9); n[$1]++ } END { for (c in s) printf "%.4f %s\n", s[c] / n[c], c }' exp/prune/select/table.txt |
    sort -g | head -1 | cut -d' ' -f2 > exp/prune/criterion.txt.tmp
  [ -s exp/prune/criterion.txt.tmp ] || { echo "$0: stage 9 chose no criterion (see exp/prune/select)" >&2; exit 1; }
  mv exp/prune/criterion.txt.tmp exp/prune/criterion.txt
  log "stage 9: chosen on dev: $(cat exp/prune/criterion.txt)"
fi

if [ "$stage" -le 10 ] && [ "$stop_stage" -ge 10 ]; then
  log "stage 10: pruned families at $study_budget fine-tuning tokens, distillation, from scratch"
  timed 10 prune_family "$study_budget" "exp/prune/ft$study_budget" --methods "$study_methods"
fi

if [ "$stage" -le 11 ] && [ "$stop_stage" -ge 11 ]; then
  log "stage 11: test WER and rescoring speed of the ft$study_budget models"
  timed 11 wer_family "exp/prune/ft$study_budget"
fi

if [ "$stage" -le 12 ] && [ "$stop_stage" -ge 12 ]; then
  for b in $budget_sweep; do
    log "stage 12: budget sweep: $b fine-tuning tokens ($sweep_methods)"
    timed 12 prune_family "$b" "exp/prune/ft$b" --methods "$sweep_methods" --extra-runs "" --scratch 0
    timed 12 wer_family "exp/prune/ft$b"
  done
fi

if [ "$stage" -le 13 ] && [ "$stop_stage" -ge 13 ]; then
  log "stage 13: results/study.tsv, results/findings.tsv, plots"
  # results/: every model with the dense model's weights; results/per-model/: each with its own
  for weights in dense per-model; do
    r=results; wers=pruned_wer; what="the dense NNLM's weights"
    if [ $weights = per-model ]; then
      [ "$per_model_weights" = true ] || continue
      r=results/per-model; wers=pruned_wer_tuned; what="weights tuned on dev per model"
    fi
    mkdir -p $r
    "$steps/study_table.sh" --mode "$rescore_mode" --first "$fp" --wers $wers exp "$study_budget" data/test $r
    "$steps/study_budget_summary.sh" --methods "$sweep_methods" "$study_budget" $r   # (b) against the budget
    "$steps/study_budget_table.sh" --methods "$sweep_methods" $r                      # %WER against the budget
    "$steps/plot_study.sh" "$name: pruned NNLMs rescoring the pooled test lattices ($what)" $r "$study_budget" \
      "egs/$name/run.sh --stage 13 (egs/steps/plot_study.sh)"
    cat $r/findings.tsv
  done
fi
