#!/usr/bin/env bash
# decode_key.sh — one line naming what a first-pass decode depends on, for decode.sh and
# decode_fmllr.sh to keep a finished DIR only when it was made the same way: the wren binary's
# checksum (its defaults and its search), the model folder's files, the graph's HCLG.fst, the
# options and the data dir's wav.scp, segments and utt2spk (checksums; the number of jobs is left
# out: the outputs do not depend on it).
# Not for: other steps (pocketsphinx_baseline.sh and nnlm_rescore.sh keep their own records).
# usage: egs/steps/decode_key.sh WREN MODEL GRAPH DATA "OPTIONS"
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 WREN MODEL GRAPH DATA OPTIONS" >&2; exit 1; }
wren=$1; model=$2; graph=$3; data=$4; opts=$5
sum() { cksum < "$1" | cut -d' ' -f1; }
# (if, not &&: a missing last file must not end the loop with a failure, which pipefail would keep)
m=$(for f in "$model"/*; do if [ -f "$f" ]; then echo "$(basename "$f") $(sum "$f")"; fi; done | cksum | cut -d' ' -f1)
d=$(for f in wav.scp segments utt2spk; do if [ -f "$data/$f" ]; then echo "$f $(sum "$data/$f")"; fi; done | cksum | cut -d' ' -f1)
echo "wren $(sum "$wren") model $m graph $(sum "$graph/HCLG.fst") data $d opts $opts"
