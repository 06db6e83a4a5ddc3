#!/usr/bin/env bash
# run.sh — Wren recipe for arctic-fraser (CMU ARCTIC prompts, one British male, 16 kHz):
# data prep -> shared leak-guarded LM -> HCLG -> first pass -> 4-gram lattice rescoring ->
# pocketsphinx_batch side by side -> WER/RTF table. Staged and resumable (Kaldi style).
#
# usage: egs/arctic/run.sh [--stage N] [--stop-stage N] [--nj N] [--cmd "utils/run-jobs.sh --backend local"] [CORPUS_DIR]
#   CORPUS_DIR defaults to ../shared/data/speech/arctic-fraser (relative to the repo root).
#   Env: WREN (the built wren, default build/wren), WREN_SHARED_DATA (default CORPUS_DIR/../..).
#   Tunables: conf/arctic.conf (split rule, subset size, decoding options), ../steps/conf/lm.conf.
# stages:
#   0 data prep: data/{dev,test} (wav.scp, text normalised by wren text-norm --ids, utt2spk, spk2utt)
#   1 LM (shared by arctic/timit/lj): ../steps/make_lm.sh -> ../steps/exp/lm/{lm3,lm4}.arpa
#   2 graph (shared): wren mkgraph -> ../steps/exp/graph-lm3
#   3 first pass on dev and test, lattices kept: exp/decode_{dev,test}; with beam_sweep set in
#     conf, also the WER/speed trade-off on dev (single job): exp/beam_sweep_dev/sweep.txt
#   4 4-gram lattice rescoring: exp/rescore4_{dev,test}
#   5 pocketsphinx_batch, same model/dict/ARPA trigram/audio, single thread: exp/psphx_{dev,test}
#   6 scoring with wren wer (plus best-path acwt tuned on dev, applied to test), table in exp/results.txt
# TODO (later stages, not implemented here): 7 NNLM training (wren nnlm-train) on the shared
#   guarded text; 8 NNLM lattice rescoring with weights tuned on dev (wren rescore-tune);
#   9 pruned NNLM families (wren prune: criterion x method x schedule) rescored on dev/test;
#   10 plots (gnuplot) and significance tests (wren wer --compare).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); top=$(cd "$here/../.." && pwd)
stage=0; stop_stage=100; nj=2; cmd="$top/utils/run-jobs.sh --backend local"
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage=$2; shift ;;
    --stop-stage) stop_stage=$2; shift ;;
    --nj) nj=$2; shift ;;
    --cmd) cmd=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option '$1'" >&2; exit 1 ;;
    *) break ;;
  esac
  shift
done
cd "$here"
. conf/arctic.conf
corpus=${1:-$top/../shared/data/speech/$corpus_name}
# the shared data root (text/lm-corpus, and speech/ for the other eval sets the LM is guarded against)
shared=${WREN_SHARED_DATA:-$(cd "$corpus/../.." && pwd)}
export WREN=${WREN:-$top/build/wren}
[ -x "$WREN" ] || { echo "run.sh: $WREN not built (set WREN=path/to/wren)" >&2; exit 1; }
steps=$top/egs/steps
# (stages run in "if step N; then ...; fi", never "step N && ...", so that set -e applies inside)
step() { [ "$1" -ge "$stage" ] && [ "$1" -le "$stop_stage" ]; }
log() { echo "[arctic $(date +%H:%M:%S)] $*" >&2; }
timed() { local s=$1 t0; shift; t0=$(date +%s); "$@"; echo "stage $s: $(( $(date +%s) - t0 )) s" | tee -a exp/stage-times.txt >&2; }
mkdir -p exp

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
    timed 2 "$WREN" mkgraph --model "$model" --dict "$dict" --lm "$lm_dir/lm3.arpa" "$graph_dir"
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
    [ -s exp/${s}_dev/lat.gz ] && "$steps/tune_acwt.sh" "$graph_dir" data/dev exp/${s}_dev "$acwt_sweep" exp/${s}_test
  done
  "$steps/results_table.sh" "arctic ($corpus_name)" exp > exp/results.txt
  cat exp/results.txt
fi
