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
exec "$(dirname "${BASH_SOURCE[0]}")/../steps/run_16k.sh" arctic "$@"
