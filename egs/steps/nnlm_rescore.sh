#!/usr/bin/env bash
# nnlm_rescore.sh — second pass with the NNLM interpolated with the 4-gram (`wren rescore`),
# weights tuned on DEV only: `wren rescore-tune` picks lambda (NNLM share), LM weight and word
# insertion penalty on the dev lattices' n-best lists; the same weights are then applied to every
# set, both as n-best rescoring and as lattice rescoring. Per set and mode it writes the
# hypotheses, the scored NNLM tokens and the wall time, and the %WER.
# Not for: choosing weights on a test set (it never reads test references).
# usage: egs/steps/nnlm_rescore.sh [--tag T] [--modes "nbest lattice"] [--nnlm-tuned FILE] [--tune-only-dev] NNLM GRAPH LM3 LM4 DEV_DATA DEV_DECODE OUT_DIR [DATA DECODE ...]
#   writes OUT_DIR/tuned.txt ("lambda=.. lm-weight=.. wip=.."), OUT_DIR/<set>/{hyp-MODE.txt,log-MODE,wer-MODE.txt,stats-MODE.txt}
#   (<set> = the data dir's name); --nnlm-tuned reuses weights tuned earlier (e.g. with the dense NNLM);
#   --tune-only-dev uses dev only for tuning (its tuned n-best WER is the last line of tune.log)
#   and rescores just the DATA sets.
#   env: nbest (100), lat_history (3), lat_beam (8), acwt (0.1), tune_grid (extra rescore-tune options)
set -euo pipefail
steps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); top=$(cd "$steps/../.." && pwd)
tag=nnlm; modes="nbest lattice"; tuned_in=; dev_rescore=1
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --nnlm-tuned) tuned_in=$2; shift 2 ;;
    --tune-only-dev) dev_rescore=0; shift ;;
    *) break ;;
  esac
done
[ $# -ge 7 ] && [ $(( ($# - 7) % 2 )) -eq 0 ] || {
  echo "usage: $0 [--tag T] [--modes M] [--nnlm-tuned FILE] NNLM GRAPH LM3 LM4 DEV_DATA DEV_DECODE OUT_DIR [DATA DECODE ...]" >&2; exit 1; }
nnlm=$1; graph=$2; lm3=$3; lm4=$4; dev_data=$5; dev_dec=$6; out=$7; shift 7
wren=${WREN:-$top/build/wren}
nbest=${nbest:-100}; lat_history=${lat_history:-2}; lat_beam=${lat_beam:-4}; acwt=${acwt:-0.1}
mkdir -p "$out"
common=(--nnlm "$nnlm" --lm "$lm4" --first-pass-lm "$lm3" --words "$graph/words.txt" --acwt "$acwt")

if [ -n "$tuned_in" ]; then
  cp "$tuned_in" "$out/tuned.txt"
elif [ ! -s "$out/tuned.txt" ]; then
  # shellcheck disable=SC2086
  "$wren" rescore-tune "${common[@]}" --nbest "$nbest" --ref "$dev_data/text" ${tune_grid:-} \
    "$dev_dec/lat.gz" > "$out/tune.log" 2>&1
  tail -1 "$out/tune.log" | grep '^best ' | sed 's/^best //; s/ wer=.*//' > "$out/tuned.txt.tmp"
  [ -s "$out/tuned.txt.tmp" ] || { echo "nnlm_rescore.sh: rescore-tune failed: $(tail -1 "$out/tune.log")" >&2; exit 1; }
  mv "$out/tuned.txt.tmp" "$out/tuned.txt"
fi
read -r lambda lmw wip < <(sed 's/lambda=//; s/lm-weight=//; s/wip=//' "$out/tuned.txt")
echo "nnlm_rescore.sh: weights (tuned on $dev_data): lambda $lambda, lm-weight $lmw, wip $wip" >&2

rescore_set() {   # data decode_dir
  local data=$1 dec=$2 set; set=$(basename "$1")
  local d=$out/$set; mkdir -p "$d"
  for mode in $modes; do
    [ -s "$d/wer-$mode.txt" ] && continue
    local s e
    s=$(date +%s.%N)
    "$wren" rescore "${common[@]}" --mode "$mode" --nbest "$nbest" --history "$lat_history" --beam "$lat_beam" \
      --lambda "$lambda" --lm-weight "$lmw" --wip "$wip" "$dec/lat.gz" "$d/hyp-$mode.txt.tmp" 2> "$d/log-$mode"
    e=$(date +%s.%N)
    mv "$d/hyp-$mode.txt.tmp" "$d/hyp-$mode.txt"
    # "tokens T time S": NNLM tokens scored and rescoring wall time (incl. loading the models)
    echo "tokens $(sed -n 's/.*NNLM tokens \([0-9]*\).*/\1/p' "$d/log-$mode" | tail -1) time $(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.2f", e - s}')" > "$d/stats-$mode.txt"
    "$wren" wer "$data/text" "$d/hyp-$mode.txt" | head -1 > "$d/wer-$mode.txt"
    echo "nnlm_rescore.sh: $set $mode: $(cat "$d/wer-$mode.txt") ($(cat "$d/stats-$mode.txt"))" >&2
  done
}
[ "$dev_rescore" = 1 ] && rescore_set "$dev_data" "$dev_dec"
while [ $# -gt 0 ]; do rescore_set "$1" "$2"; shift 2; done
