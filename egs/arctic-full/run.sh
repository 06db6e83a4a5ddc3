#!/usr/bin/env bash
# run.sh — egs/arctic on the FULL arctic-fraser set (all 892 prompts: 297 dev, 595 test) instead
# of egs/arctic's 60 + 60 subset; same stages, data prep (local -> ../arctic/local), shared LM,
# graph and NNLMs. Meant for stages 0-8 (first pass against pocketsphinx, 4-gram and NNLM
# rescoring); stage 10 over every pruned model is the subset recipe's job (egs/arctic).
#
# usage: egs/arctic-full/run.sh [--stage N] [--stop-stage N] [--nj N] [--cmd CMD] [--config FILE] [--VAR VALUE ...] [CORPUS_DIR]
#   CORPUS_DIR defaults to ../shared/data/speech/arctic-fraser (relative to the repo root).
#   Env: WREN (the built wren, default build/wren), WREN_SHARED_DATA (default CORPUS_DIR/../..).
#   Settings: ../steps/conf/16k.conf (shared), conf/arctic-full.conf (this corpus); every variable of
#   either is also an option (--max-utts 0, --decode-opts "..."). Outputs: data/, exp/ (git-ignored).
#   Stages: egs/steps/recipe16k.sh (the same for every single-corpus 16 kHz recipe; --help lists them).
set -euo pipefail
recipe_conf=conf/arctic-full.conf
. "$(dirname "$0")/../steps/recipe16k.sh"
