#!/usr/bin/env bash
# decode_fmllr.sh — the speaker-adapted first pass of a Kaldi data dir: `wren decode --adapt
# fmllr` with its defaults (the speaker-independent pass, one fMLLR transform per speaker of
# DATA/utt2spk estimated with EM steps on its best paths, MAP-adapted means (prior weight 500
# frames), the adapted pass, a second estimate that rescores the adapted lattices), --nj forked
# workers of whole speakers, as one job of --cmd (utils/run-jobs.sh, local or Slurm; a
# speaker's utterances must stay in one process, so the data dir is not split; on Slurm the job
# asks for N CPUs, --num-threads N).
# Writes DIR/hyp.txt, DIR/lat.gz (the adapted lattices), DIR/si.txt (the speaker-independent
# pass's hypotheses), DIR/trans.txt (the transforms, Kaldi text matrices), DIR/log/decode.1.log,
# DIR/time.txt (wall s), DIR/workers (N) and, last, DIR/cpu.txt (user + system CPU s of both
# passes; local backend only), DIR/key (what it was decoded with: the wren binary's checksum,
# model, graph, options, data). A DIR with hyp.txt, lat.gz, cpu.txt and a matching key is kept
# (resume); one decoded otherwise is decoded again.
# Not for: the speaker-independent pass alone (decode.sh) or scoring (score.sh).
# usage: egs/steps/decode_fmllr.sh [--nj N] [--cmd CMD] [--opts "wren decode options"] MODEL GRAPH DATA DIR
set -euo pipefail
nj=1
cmd="utils/run-jobs.sh --backend local"   # relative to the repo root, or an absolute path
opts=""
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 4 ] || { echo "usage: $0 [--nj N] [--cmd CMD] [--opts OPTS] MODEL GRAPH DATA DIR" >&2; exit 1; }
steps=$(cd "$(dirname "$0")" && pwd); top=$(cd "$steps/../.." && pwd)
model=$1; graph=$2; data=$3; dir=$4
wren=${WREN:-$top/build/wren}
c1=${cmd%% *}; [ -x "$c1" ] || [ ! -x "$top/$c1" ] || cmd="$top/$cmd"
key=$("$steps/decode_key.sh" "$wren" "$model" "$graph" "$data" "--adapt fmllr $opts")
if [ -s "$dir/hyp.txt" ] && [ -s "$dir/lat.gz" ] && [ -s "$dir/cpu.txt" ] && [ "$(cat "$dir/key" 2>/dev/null)" = "$key" ]; then
  echo "decode_fmllr.sh: $dir is decoded with these settings (kept)" >&2
  exit 0
fi
rm -f "$dir/key"
[ -s "$data/utt2spk" ] || echo "decode_fmllr.sh: $data has no utt2spk: each utterance is its own speaker" >&2
mkdir -p "$dir/log"
# the outputs go to .tmp names first, so that a killed job leaves no complete-looking DIR
t0=$(date +%s.%N)
# shellcheck disable=SC2086
/usr/bin/time -o "$dir/cpu.tmp" -f "%U %S" $cmd --nj 1 --num-threads "$nj" JOB=1:1 "$dir/log/decode.JOB.log" \
  "$wren" decode --model "$model" --graph "$graph" $opts --nj "$nj" --adapt fmllr \
  --si-hyp "$dir/si.tmp" --transforms-out "$dir/trans.tmp" "$data" "$dir/hyp.tmp" "$dir/lat.tmp.gz"
t1=$(date +%s.%N)
LC_ALL=C sort "$dir/si.tmp" > "$dir/si.txt" && rm "$dir/si.tmp"
mv "$dir/trans.tmp" "$dir/trans.txt"
mv "$dir/lat.tmp.gz" "$dir/lat.gz"
LC_ALL=C sort "$dir/hyp.tmp" > "$dir/hyp.txt" && rm "$dir/hyp.tmp"
awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f\n", b - a}' > "$dir/time.txt"
echo "$nj" > "$dir/workers"
case $cmd in *slurm*) echo "-" > "$dir/cpu.txt" ;; *) awk '{printf "%.2f\n", $1 + $2}' "$dir/cpu.tmp" > "$dir/cpu.txt" ;; esac
rm -f "$dir/cpu.tmp"
echo "$key" > "$dir/key"
grep -h -i 'fail\|error' "$dir"/log/decode.*.log >&2 || true
echo "decode_fmllr.sh: $(wc -l < "$dir/hyp.txt") of $(wc -l < "$data/wav.scp") utterances decoded in $(cat "$dir/time.txt") s (both passes, $nj workers) -> $dir" >&2
