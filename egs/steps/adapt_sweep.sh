#!/usr/bin/env bash
# adapt_sweep.sh — speaker-adaptation settings of `wren decode --adapt fmllr` side by side on one
# data dir (a dev set: this is where its defaults are chosen): for each setting, the adapted %WER
# per corpus and over the whole set, and the CPU seconds of the speaker-independent pass, of the
# adapted pass(es) and of the statistics, estimation and rescoring inside them (wren decode's log).
# Each setting is one run, kept in OUT/<name>/ (a rerun skips the settings already done).
# usage: egs/steps/adapt_sweep.sh [--corpora "C1 C2 ..."] MODEL GRAPH DATA_DIR OUT NAME="OPTS" ...
#   --corpora: the corpora of a pooled set (their utterances from DATA_DIR/../<corpus>/<set>/wav.scp,
#   <set> being DATA_DIR's name); without it only the whole set is scored.
#   Env: WREN (the built wren, default build/wren).
set -euo pipefail
corpora=""
. "$(dirname "$0")/parse_options.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
wren=${WREN:-$top/build/wren}
[ $# -ge 5 ] || { echo "usage: $0 [--corpora \"C1 ...\"] MODEL GRAPH DATA_DIR OUT NAME=\"OPTS\" ..." >&2; exit 1; }
model=$1; graph=$2; data=$3; out=$4; shift 4
set_name=$(basename "$data")
mkdir -p "$out"
ref_of() {   # the reference lines of corpus $1 (all when empty)
  if [ -z "$1" ]; then cat "$data/text"; else
    awk 'NR == FNR { keep[$1] = 1; next } keep[$1]' "$data/../$1/$set_name/wav.scp" "$data/text"; fi
}
wer_of() {   # %WER of hypotheses $2 on corpus $1
  local r; r=$(mktemp); ref_of "$1" > "$r"
  awk 'NR == FNR { keep[$1] = 1; next } keep[$1]' "$r" "$2" > "$r.hyp"
  "$wren" wer "$r" "$r.hyp" 2>/dev/null | sed -n 's/^%WER \([0-9.]*\) .*/\1/p'
  rm -f "$r" "$r.hyp"
}
printf '%-22s' setting; for c in $corpora; do printf ' %18s' "$c"; done
printf ' %8s %8s %9s %8s  %s\n' all si_cpu adapt_cpu est_cpu opts
for spec in "$@"; do
  case $spec in *=*) ;; *) echo "$0: '$spec' is not NAME=\"OPTS\"" >&2; exit 1 ;; esac
  name=${spec%%=*}; opts=${spec#*=}; d=$out/$name
  mkdir -p "$d"
  if [ ! -s "$d/hyp.txt" ]; then
    # shellcheck disable=SC2086
    "$wren" decode --model "$model" --graph "$graph" --adapt fmllr --si-hyp "$d/si.txt.tmp" $opts \
      "$data" "$d/hyp.txt.tmp" 2> "$d/log" || { echo "$0: setting $name failed: $(tail -1 "$d/log")" >&2; exit 1; }
    mv "$d/si.txt.tmp" "$d/si.txt"; mv "$d/hyp.txt.tmp" "$d/hyp.txt"
  fi
  printf '%-22s' "$name"
  for c in $corpora; do printf ' %18s' "$(wer_of "$c" "$d/hyp.txt")"; done
  # (the second form is the log of wren decode before 2026-12-03)
  cpu=$(sed -n -e 's/.*speaker-independent pass \([0-9.]*\) s, adapted pass(es) \([0-9.]*\) s (.*); fMLLR [a-z ()]*, [a-zA-Z ]* \([0-9.]*\) s$/\1 \2 \3/p' \
    -e 's/.*speaker-independent pass \([0-9.]*\) s, adapted pass(es) \([0-9.]*\) s, of which [a-zA-Z ,]* \([0-9.]*\) s.*/\1 \2 \3/p' "$d/log")
  # shellcheck disable=SC2086
  printf ' %8s %8s %9s %8s  %s\n' "$(wer_of "" "$d/hyp.txt")" $cpu "${opts:-(defaults)}"
done
printf '%-22s' si; for c in $corpora; do printf ' %18s' "$(wer_of "$c" "$out/$name/si.txt")"; done
printf ' %8s\n' "$(wer_of "" "$out/$name/si.txt")"
