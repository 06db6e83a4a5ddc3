#!/usr/bin/env bash
# ngram-shards.sh — estimate an n-gram LM from a big text by counting it in shards, in
# parallel (on this machine or as one Slurm job array, through utils/run-jobs.sh), and merging
# the sorted count files from disk with `wren ngram-make`: the model is the one
# `wren ngram-count` builds from the whole text (the same ARPA file), but no single process
# ever counts the whole corpus. Not for: normalising text (wren text-norm) or evaluating
# models (wren ngram -ppl).
#
# usage: utils/ngram-shards.sh [options] TEXT DIR [-- NGRAM-MAKE-OPTIONS...]
#
# TEXT is one normalised sentence a line (plain, .gz or .xz). Writes into DIR:
#   text.K         the shards (K = 1..N, round-robin lines; removed after counting unless
#                  --keep-text)
#   counts.K.gz    the counts of each shard (`wren ngram-count -write`)
#   log/count.K.log, log/make.log
#   lm.arpa        the model (or --lm FILE)
# Options after "--" go to ngram-make (e.g. -prune 1e-8, -wbdiscount, -gt3min 2).
#
# options:
#   --shards N        number of shards (default 4)
#   --order N         n-gram order (default 3)
#   --lm FILE         output ARPA file (default DIR/lm.arpa)
#   --vocab FILE      closed vocabulary, applied when counting (smaller count files) and merging
#   --memory MB       ngram-count -memory of each shard job (default 1024)
#   --keep-text       keep the shard texts
#   --report          print wall time and peak RSS of each stage (needs GNU /usr/bin/time)
#   --wren PATH       the wren binary (default: $WREN, else `wren` in PATH); made absolute so
#                     that Slurm jobs find it
#   --nj N, --backend local|slurm, --slurm-opts "OPTS", --config FILE, --mem M, --time T,
#   --max-retries R   passed to utils/run-jobs.sh for the counting jobs (see its --help); give
#                     Slurm jobs memory for -memory plus the shard's distinct n-grams
#   -h, --help        this text
#
# exit status: 0 on success, 1 on bad usage or a failed step (the message names the log).
set -u
set -o pipefail

prog=ngram-shards.sh
die() { echo "$prog: $*" >&2; exit 1; }
usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

shards=4 order=3 lm="" vocab="" memory=1024 keep_text=0 report=0 wren=${WREN:-}
jobopts=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --shards|--order|--lm|--vocab|--memory|--wren|--nj|--backend|--slurm-opts|--config|--mem|--time|--max-retries)
      [ $# -ge 2 ] || die "option $1 needs a value"
      case "$1" in
        --shards) shards=$2 ;;
        --order) order=$2 ;;
        --lm) lm=$2 ;;
        --vocab) vocab=$2 ;;
        --memory) memory=$2 ;;
        --wren) wren=$2 ;;
        *) jobopts+=("$1" "$2") ;;
      esac
      shift 2 ;;
    --*=*) opt=${1%%=*}; val=${1#*=}; shift; set -- "$opt" "$val" "$@" ;;
    --keep-text) keep_text=1; shift ;;
    --report) report=1; shift ;;
    --) shift; break ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
done
[ $# -ge 2 ] || die "expected TEXT DIR [-- NGRAM-MAKE-OPTIONS] (see --help)"
text=$1 dir=$2; shift 2
[ $# -gt 0 ] && [ "$1" = -- ] && shift
make_opts=("$@")
[[ $shards =~ ^[0-9]+$ ]] && [ "$shards" -ge 1 ] || die "--shards must be a positive integer, not '$shards'"
[[ $order =~ ^[1-5]$ ]] || die "--order must be 1..5, not '$order'"
[ -r "$text" ] || die "$text: cannot read the text"
[ -z "$vocab" ] || [ -r "$vocab" ] || die "$vocab: cannot read the vocabulary"
[ -n "$wren" ] || wren=$(command -v wren) || die "wren not found: give --wren PATH or set WREN"
case "$wren" in */*) wren=$(cd "$(dirname "$wren")" && pwd)/$(basename "$wren") ;; esac
[ -x "$wren" ] || die "$wren is not executable"
[ $report = 0 ] || [ -x /usr/bin/time ] || die "--report needs GNU time in /usr/bin/time"
mkdir -p "$dir/log" || die "cannot create $dir"
dir=$(cd "$dir" && pwd)
[ -n "$lm" ] || lm=$dir/lm.arpa
vocab_opt=""
if [ -n "$vocab" ]; then
  vocab=$(cd "$(dirname "$vocab")" && pwd)/$(basename "$vocab")
  vocab_opt="-vocab $(printf %q "$vocab")"
fi
timer="" timer_args=()
if [ $report = 1 ]; then
  timer_args=(/usr/bin/time -f '# time: %e s, cpu %U+%S s, peak RSS %M KB' --)
  timer="/usr/bin/time -f '# time: %e s, cpu %U+%S s, peak RSS %M KB' --"
fi

# 1. split, round-robin (counts do not depend on which lines go together)
start=$(date +%s.%N)
case "$text" in
  *.gz) reader=(gzip -dc -- "$text") ;;
  *.xz) reader=(xz -dc -- "$text") ;;
  *) reader=(cat -- "$text") ;;
esac
rm -f "$dir"/text.* "$dir"/counts.*.gz
"${reader[@]}" | awk -v n="$shards" -v d="$dir" '{ print > (d "/text." ((NR - 1) % n + 1)) }' \
  || die "splitting $text failed"
for ((k = 1; k <= shards; k++)); do [ -e "$dir/text.$k" ] || : > "$dir/text.$k"; done
split_end=$(date +%s.%N)

# 2. count each shard (a job array)
"$here/run-jobs.sh" "${jobopts[@]}" JOB=1:"$shards" "$dir/log/count.JOB.log" \
  "$timer $(printf %q "$wren") ngram-count -order $order -text $(printf %q "$dir")/text.JOB \
   -write $(printf %q "$dir")/counts.JOB.gz -memory $memory $vocab_opt" \
  || die "counting failed (see $dir/log/count.*.log)"
count_end=$(date +%s.%N)
[ $keep_text = 1 ] || rm -f "$dir"/text.*

# 3. merge from disk and estimate
reads=()
for ((k = 1; k <= shards; k++)); do reads+=(-read "$dir/counts.$k.gz"); done
vocab_args=()
[ -z "$vocab" ] || vocab_args=(-vocab "$vocab")
"${timer_args[@]}" "$wren" ngram-make -order "$order" "${reads[@]}" "${vocab_args[@]}" \
  -lm "$lm" "${make_opts[@]}" > "$dir/log/make.log" 2>&1 \
  || { tail -n 3 "$dir/log/make.log" >&2; die "ngram-make failed (see $dir/log/make.log)"; }
make_end=$(date +%s.%N)

if [ $report = 1 ]; then
  rss() { sed -n 's/^# time: .* peak RSS \([0-9]*\) KB$/\1/p' "$@" | sort -n | tail -n 1; }
  sum_rss() { sed -n 's/^# time: .* peak RSS \([0-9]*\) KB$/\1/p' "$@" | awk '{ s += $1 } END { print s + 0 }'; }
  cpu() { sed -n 's/^# time: .* cpu \([0-9.]*\)+\([0-9.]*\) s,.*/\1 \2/p' "$@" | awk '{ s += $1 + $2 } END { print s + 0 }'; }
  awk -v a="$start" -v b="$split_end" -v c="$count_end" -v d="$make_end" \
      -v cm="$(rss "$dir"/log/count.*.log)" -v cs="$(sum_rss "$dir"/log/count.*.log)" \
      -v mm="$(rss "$dir/log/make.log")" -v n="$shards" -v cc="$(cpu "$dir"/log/count.*.log)" \
      -v mc="$(cpu "$dir/log/make.log")" 'BEGIN {
    printf "%s: split %.1f s; count %d shards %.1f s wall, peak RSS %d MB per job (%d MB all jobs); merge+estimate %.1f s, peak RSS %d MB; total %.1f s; cpu: count %.1f s (all jobs), merge+estimate %.1f s\n",
      "'"$prog"'", b - a, n, c - b, cm / 1024, cs / 1024, d - c, mm / 1024, d - a, cc, mc }' >&2
fi
echo "$prog: wrote $lm" >&2
