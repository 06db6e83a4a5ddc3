#!/usr/bin/env bash
# run.sh — Wren recipe for arctic-fraser (CMU ARCTIC prompts, one British male, 16 kHz):
# data prep -> shared leak-guarded LM -> HCLG -> first pass -> 4-gram lattice rescoring ->
# pocketsphinx_batch side by side -> WER/RTF table -> NNLM rescoring -> pruned NNLMs. Staged and
# resumable (Kaldi style). A 60 + 60 subset (max_utts); the full set is egs/arctic-full.
#
# usage: egs/arctic/run.sh [--stage N] [--stop-stage N] [--nj N] [--cmd CMD] [--config FILE] [--VAR VALUE ...] [CORPUS_DIR]
#   CORPUS_DIR defaults to ../shared/data/speech/arctic-fraser (relative to the repo root).
#   Env: WREN (the built wren, default build/wren), WREN_SHARED_DATA (default CORPUS_DIR/../..).
#   Settings: ../steps/conf/16k.conf (shared), conf/arctic.conf (this corpus); every variable of
#   either is also an option (--max-utts 0, --decode-opts "..."). Outputs: data/, exp/ (git-ignored).
#   Stages: egs/steps/recipe16k.sh (the same for every single-corpus 16 kHz recipe; --help lists them).
set -euo pipefail
recipe_conf=conf/arctic.conf
. "$(dirname "$0")/../steps/recipe16k.sh"
