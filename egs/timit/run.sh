#!/usr/bin/env bash
# run.sh — Wren recipe for timit-sample (public TIMIT sample, 16 speakers x 10 sentences, 16 kHz SPHERE):
# data prep -> shared leak-guarded LM -> HCLG -> first pass -> 4-gram lattice rescoring ->
# pocketsphinx_batch side by side -> WER/RTF table -> NNLM rescoring -> pruned NNLMs. Staged and
# resumable (Kaldi style).
#
# usage: egs/timit/run.sh [--stage N] [--stop-stage N] [--nj N] [--cmd CMD] [--config FILE] [--VAR VALUE ...] [CORPUS_DIR]
#   CORPUS_DIR defaults to ../shared/data/speech/timit-sample (relative to the repo root).
#   Env: WREN (the built wren, default build/wren), WREN_SHARED_DATA (default CORPUS_DIR/../..).
#   Settings: ../steps/conf/16k.conf (shared), conf/timit.conf (this corpus); every variable of
#   either is also an option (--max-utts 0, --decode-opts "..."). Outputs: data/, exp/ (git-ignored).
#   Stages: egs/steps/recipe16k.sh (the same for every single-corpus 16 kHz recipe; --help lists them).
set -euo pipefail
recipe_conf=conf/timit.conf
. "$(dirname "$0")/../steps/recipe16k.sh"
