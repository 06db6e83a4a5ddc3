#!/usr/bin/env bash
# run.sh — Wren recipe for timit-sample (public TIMIT sample, 16 speakers x 10 sentences, 16 kHz SPHERE):
# data prep -> shared leak-guarded LM -> HCLG -> first pass -> 4-gram lattice rescoring ->
# pocketsphinx_batch side by side -> WER/RTF table. Staged and resumable (Kaldi style).
#
# usage: egs/timit/run.sh [--stage N] [--stop-stage N] [--nj N] [--cmd "utils/run-jobs.sh --backend local"] [CORPUS_DIR]
#   CORPUS_DIR defaults to ../shared/data/speech/timit-sample (relative to the repo root).
#   Env: WREN (the built wren, default build/wren), WREN_SHARED_DATA (default CORPUS_DIR/../..).
#   Tunables: conf/timit.conf (split rule, subset size, decoding options), ../steps/conf/lm.conf.
# stages:
#   0 data prep: data/{dev,test} (wav.scp, text normalised by wren text-norm --ids, utt2spk, spk2utt)
#   1 LM (shared by timit/timit/lj): ../steps/make_lm.sh -> ../steps/exp/lm/{lm3,lm4}.arpa
#   2 graph (shared): wren mkgraph -> ../steps/exp/graph-lm3
#   3 first pass on dev and test, lattices kept: exp/decode_{dev,test}; with beam_sweep set in
#     conf, also the WER/speed trade-off on dev (single job): exp/beam_sweep_dev/sweep.txt
#   4 4-gram lattice rescoring: exp/rescore4_{dev,test}
#   5 pocketsphinx_batch, same model/dict/ARPA trigram/audio, single thread: exp/psphx_{dev,test}
#   6 scoring with wren wer (plus best-path acwt tuned on dev, applied to test), table in exp/results.txt
#   7 shared Transformer NNLM (../steps/make_nnlm.sh -> ../steps/exp/nnlm): held-out dev split of the
#     guarded LM text, wren nnlm-train, and the KN 4-gram on the same split/vocabulary for comparison
#   8 NNLM + 4-gram rescoring of dev and test (../steps/nnlm_rescore.sh): weights tuned on dev
#     (wren rescore-tune), then n-best and lattice rescoring; table with significance in exp/results-nnlm.txt
#   9 pruned NNLM families, shared (../steps/prune_nnlm.sh -> ../steps/exp/nnlm/pruned): every
#     criterion x method x schedule of ../steps/conf/prune.conf; dev ppl / size / bytes / speed-up table
#   10 test WER of the pruned NNLMs (../steps/pruned_wer.sh -> exp/pruned_wer/table.txt) and the
#     gnuplot plots exp/plots/{wer,ppl,speed}-vs-size.{png,svg} (../steps/plot_pruning.sh)
exec "$(dirname "${BASH_SOURCE[0]}")/../steps/run_16k.sh" timit "$@"
