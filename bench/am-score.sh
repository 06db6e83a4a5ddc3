#!/bin/bash
# am-score.sh — senone scoring speed (frames/s, real-time factor) of both default acoustic
# models on a real utterance each: top-N vs the full Gaussian sum, all senones vs 20 % active.
# Env: WREN_BUILDDIR (where bench/am-score-bench is), WREN_SHARED (shared corpus), AM_BENCH_SECONDS.
set -euo pipefail
B=${WREN_BUILDDIR:-.}/bench/am-score-bench
S=${WREN_SHARED:-../shared}
SECS=${AM_BENCH_SECONDS:-2}
EN_US=/usr/share/pocketsphinx/model/en-us/en-us
HUB4=$S/data/models/hub4wsj_sc_8k
if [ ! -x "$B" ]; then echo "am-score.sh: $B not built" >&2; exit 1; fi
if [ -d "$EN_US" ]; then
  "$B" "$EN_US" "$S/data/speech/arctic-fraser/audio/arctic_a0001.flac" "$SECS"
else
  echo "am-score.sh: $EN_US missing (install pocketsphinx-en-us); skipped"
fi
if [ -d "$HUB4" ]; then
  "$B" "$HUB4" "$S/data/speech/fsdd-digits/audio/3_jackson_0.wav" "$SECS"
else
  echo "am-score.sh: $HUB4 missing; skipped"
fi
