#!/usr/bin/env bash
# decode.sh — the speaker-independent first pass of a Kaldi data dir (`wren decode --adapt none`:
# the data dir is split per utterance, so speakers are not kept together; the adapted pass is
# decode_fmllr.sh), split into --nj parts (utils/split-data.sh --per-utt) and run through --cmd
# (utils/run-jobs.sh, local or Slurm).
# Writes DIR/hyp.txt (Kaldi text), DIR/lat.gz (compact lattices, all parts), DIR/log/, and
# DIR/time.txt (wall seconds of the decoding jobs) and DIR/cpu.txt (user + system CPU seconds of
# all jobs: the figure to compare on a loaded machine; with the local backend only, since Slurm
# jobs run outside this process tree), and last DIR/key (what it was decoded with: the wren
# binary's checksum, model, graph, options, data): a DIR whose key matches is kept (resume), one
# decoded otherwise is decoded again. Not for: scoring (score.sh) or rescoring.
# usage: egs/steps/decode.sh [--nj N] [--cmd CMD] [--opts "wren decode options"] MODEL GRAPH DATA DIR
set -euo pipefail
nj=1
cmd="utils/run-jobs.sh --backend local"   # relative to the repo root, or an absolute path
opts=""
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 4 ] || { echo "usage: $0 [--nj N] [--cmd CMD] [--opts OPTS] MODEL GRAPH DATA DIR" >&2; exit 1; }
steps=$(cd "$(dirname "$0")" && pwd); top=$(cd "$steps/../.." && pwd)
model=$1; graph=$2; data=$3; dir=$4
wren=${WREN:-$top/build/wren}
# a --cmd given relative to the repo root (utils/run-jobs.sh ...) works from any recipe folder
c1=${cmd%% *}; [ -x "$c1" ] || [ ! -x "$top/$c1" ] || cmd="$top/$cmd"
key=$("$steps/decode_key.sh" "$wren" "$model" "$graph" "$data" "--adapt none $opts")
if [ -s "$dir/hyp.txt" ] && [ -s "$dir/lat.gz" ] && [ -s "$dir/cpu.txt" ] && [ "$(cat "$dir/key" 2>/dev/null)" = "$key" ]; then
  echo "decode.sh: $dir is decoded with these settings (kept)" >&2
  exit 0
fi
rm -f "$dir/key"
mkdir -p "$dir/log"
n=$(wc -l < "$data/wav.scp"); [ "$nj" -le "$n" ] || nj=$n
"$top/utils/split-data.sh" --per-utt "$data" "$nj" >&2
sd=$data/split$nj
t0=$(date +%s.%N)
# each job one worker (wren decode --nj 1): the parallelism is the jobs', as --cmd places them
# shellcheck disable=SC2086
/usr/bin/time -o "$dir/cpu.tmp" -f "%U %S" $cmd --nj "$nj" JOB=1:$nj "$dir/log/decode.JOB.log" \
  "$wren" decode --model "$model" --graph "$graph" --nj 1 --adapt none $opts "$sd/JOB/wav.scp" "$dir/hyp.JOB.txt" "$dir/lat.JOB.gz"
t1=$(date +%s.%N)
case $cmd in *slurm*) echo "-" > "$dir/cpu.txt" ;; *) awk '{printf "%.2f\n", $1 + $2}' "$dir/cpu.tmp" > "$dir/cpu.txt" ;; esac
rm -f "$dir/cpu.tmp"
for j in $(seq "$nj"); do cat "$dir/hyp.$j.txt"; done | LC_ALL=C sort > "$dir/hyp.tmp"
for j in $(seq "$nj"); do cat "$dir/lat.$j.gz"; done > "$dir/lat.tmp.gz"   # concatenated gzip members
mv "$dir/hyp.tmp" "$dir/hyp.txt"; mv "$dir/lat.tmp.gz" "$dir/lat.gz"
rm -f "$dir"/hyp.[0-9]*.txt "$dir"/lat.[0-9]*.gz
awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f\n", b - a}' > "$dir/time.txt"
echo "$key" > "$dir/key"
grep -h -i 'fail\|error' "$dir"/log/decode.*.log >&2 || true
echo "decode.sh: $(wc -l < "$dir/hyp.txt") of $n utterances decoded in $(cat "$dir/time.txt") s ($nj jobs) -> $dir" >&2
