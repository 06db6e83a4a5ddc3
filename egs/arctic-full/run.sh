#!/usr/bin/env bash
# run.sh — egs/arctic on the FULL arctic-fraser set (all 892 prompts: 297 dev, 595 test) instead
# of egs/arctic's 60 + 60 subset; same stages, data prep (local -> ../arctic/local), shared LM,
# graph and NNLMs. Meant for stages 0-8 (first pass against pocketsphinx, 4-gram and NNLM
# rescoring); stage 10 over every pruned model is the subset recipe's job (egs/arctic).
# usage: egs/arctic-full/run.sh [--stage N] [--stop-stage N] [--nj N] [--cmd CMD] [CORPUS_DIR]
#   (options, env and stages as egs/arctic/run.sh; tunables in conf/arctic-full.conf)
exec "$(dirname "${BASH_SOURCE[0]}")/../steps/run_16k.sh" arctic-full "$@"
