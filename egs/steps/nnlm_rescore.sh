#!/usr/bin/env bash
# nnlm_rescore.sh — second pass with the NNLM interpolated with the 4-gram (`wren rescore`),
# weights tuned on DEV only: `wren rescore-tune` picks lambda (NNLM share), LM weight and word
# insertion penalty on the dev lattices' n-best lists; the same weights are then applied to every
# set, both as n-best rescoring and as lattice rescoring. Per set and mode it writes the
# hypotheses, the scored NNLM tokens and the wall time, and the %WER.
# Not for: choosing weights on a test set (it never reads test references).
# usage: egs/steps/nnlm_rescore.sh [options] NNLM GRAPH LM3 LM4 DEV_DATA DEV_DECODE OUT_DIR [DATA DECODE ...]
#   writes OUT_DIR/tuned.txt ("lambda=.. lm-weight=.. wip=.."), OUT_DIR/<set>/{hyp-MODE.txt,log-MODE,wer-MODE.txt,stats-MODE.txt}
#   and the keys a rerun checks before reusing them (OUT_DIR/tuned.key, OUT_DIR/<set>/key-MODE: the
#   NNLM's and the lattices' checksums and the options; an output whose key differs is redone)
#   (<set> = the data dir's name). Options (the defaults of the last five can also come from the
#   environment variables of the same name):
#   --modes "nbest lattice"  the rescoring modes
#   --nnlm-tuned FILE        reuse weights tuned earlier (e.g. with the dense NNLM) instead of tuning
#   --tune-only-dev true     use dev only for tuning (its tuned n-best WER is the last line of
#                            tune.log) and rescore just the DATA sets (default false)
#   --nbest 100  --lat-history 2  --lat-beam 4  --acwt 0.1  --tune-grid "extra rescore-tune options"
#   --rescore-opts "options of both wren rescore-tune and wren rescore" (e.g. "--unnormalized false")
set -euo pipefail
modes="nbest lattice"
nnlm_tuned=""
tune_only_dev=false
nbest=${nbest:-100}
lat_history=${lat_history:-2}
lat_beam=${lat_beam:-4}
acwt=${acwt:-0.1}
tune_grid=${tune_grid:-}
rescore_opts=${rescore_opts:-}
. "$(dirname "$0")/parse_options.sh"
if [ $# -lt 7 ] || [ $(( ($# - 7) % 2 )) -ne 0 ]; then
  echo "usage: $0 [options] NNLM GRAPH LM3 LM4 DEV_DATA DEV_DECODE OUT_DIR [DATA DECODE ...] (see --help)" >&2; exit 1
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
nnlm=$1; graph=$2; lm3=$3; lm4=$4; dev_data=$5; dev_dec=$6; out=$7; shift 7
wren=${WREN:-$top/build/wren}
mkdir -p "$out"
common=(--nnlm "$nnlm" --lm "$lm4" --first-pass-lm "$lm3" --words "$graph/words.txt" --acwt "$acwt")
# shellcheck disable=SC2206
common+=($rescore_opts)

# What an output was computed from: a rerun reuses tuned weights or a set's rescoring only when
# the NNLM, the lattices and the options are the same (a new first pass, e.g. --adapt, or a
# retrained NNLM must not be paired with the old results)
id_of() { md5sum < "$1" | cut -c1-32; }
nnlm_id=$(id_of "$nnlm")
if [ -n "$nnlm_tuned" ]; then
  cp "$nnlm_tuned" "$out/tuned.txt"
else
  tune_key="nnlm $nnlm_id lat $(id_of "$dev_dec/lat.gz") nbest $nbest acwt $acwt grid $tune_grid opts $rescore_opts"
  if [ ! -s "$out/tuned.txt" ] || [ "$(cat "$out/tuned.key" 2>/dev/null)" != "$tune_key" ]; then
    # shellcheck disable=SC2086
    "$wren" rescore-tune "${common[@]}" --nbest "$nbest" --ref "$dev_data/text" $tune_grid \
      "$dev_dec/lat.gz" > "$out/tune.log" 2>&1
    tail -1 "$out/tune.log" | grep '^best ' | sed 's/^best //; s/ wer=.*//' > "$out/tuned.txt.tmp"
    [ -s "$out/tuned.txt.tmp" ] || { echo "nnlm_rescore.sh: rescore-tune failed: $(tail -1 "$out/tune.log")" >&2; exit 1; }
    mv "$out/tuned.txt.tmp" "$out/tuned.txt"
    echo "$tune_key" > "$out/tuned.key"
  fi
fi
read -r lambda lmw wip < <(sed 's/lambda=//; s/lm-weight=//; s/wip=//' "$out/tuned.txt")
echo "nnlm_rescore.sh: weights (tuned on $dev_data): lambda $lambda, lm-weight $lmw, wip $wip" >&2

rescore_set() {   # data decode_dir
  local data=$1 dec=$2 set; set=$(basename "$1")
  local d=$out/$set; mkdir -p "$d"
  local key
  key="nnlm $nnlm_id lat $(id_of "$dec/lat.gz") weights $lambda $lmw $wip nbest $nbest history $lat_history beam $lat_beam acwt $acwt opts $rescore_opts"
  for mode in $modes; do
    [ -s "$d/wer-$mode.txt" ] && [ "$(cat "$d/key-$mode" 2>/dev/null)" = "$key" ] && continue
    rm -f "$d/wer-$mode.txt"
    local s e
    s=$(date +%s.%N)
    "$wren" rescore "${common[@]}" --mode "$mode" --nbest "$nbest" --history "$lat_history" --expand-beam "$lat_beam" \
      --lambda "$lambda" --lm-weight "$lmw" --word-penalty "$wip" "$dec/lat.gz" "$d/hyp-$mode.txt.tmp" 2> "$d/log-$mode"
    e=$(date +%s.%N)
    mv "$d/hyp-$mode.txt.tmp" "$d/hyp-$mode.txt"
    # "tokens T time S": NNLM tokens scored and rescoring wall time (incl. loading the models)
    echo "tokens $(sed -n 's/.*NNLM tokens \([0-9]*\).*/\1/p' "$d/log-$mode" | tail -1) time $(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.2f", e - s}')" > "$d/stats-$mode.txt"
    "$wren" wer "$data/text" "$d/hyp-$mode.txt" | head -1 > "$d/wer-$mode.txt.tmp"
    echo "$key" > "$d/key-$mode"
    mv "$d/wer-$mode.txt.tmp" "$d/wer-$mode.txt"
    echo "nnlm_rescore.sh: $set $mode: $(cat "$d/wer-$mode.txt") ($(cat "$d/stats-$mode.txt"))" >&2
  done
}
[ "$tune_only_dev" = true ] || rescore_set "$dev_data" "$dev_dec"
while [ $# -gt 0 ]; do rescore_set "$1" "$2"; shift 2; done
