#!/usr/bin/env bash
# vtln_grid.sh — would VTLN help the adapted first pass? Decodes a data dir once per warp factor
# (`wren decode --adapt fmllr` with the model's feat.params plus `-vtln_warp A`, every speaker
# warped alike) and prints per speaker the errors at each warp, then the total at warp 1, the
# total if each speaker had its best warp (an oracle: chosen on the scored text itself, an upper
# bound, not a result) and the total if each speaker took the warp of the highest likelihood
# (the per-frame auxiliary function of its first fMLLR estimate, before the estimate and after
# its EM steps, as the decode log prints them; no Jacobian of the warp, as in Sphinx's VTLN).
# Not for: decoding with VTLN (use a model folder whose feat.params sets -vtln_warp).
# usage: egs/steps/vtln_grid.sh [--warps "0.85 0.90 0.95 1.00 1.05 1.10 1.15"] [--opts "OPTS"]
#          MODEL_DIR GRAPH_DIR DATA_DIR OUT_DIR
#   DATA_DIR: Kaldi data dir with wav.scp, text, utt2spk; writes OUT_DIR/m<A>/ (model folders of
#   symbolic links and a feat.params), OUT_DIR/{hyp,si,log}-<A>.txt; reruns keep finished warps.
set -euo pipefail
warps="0.85 0.90 0.95 1.00 1.05 1.10 1.15"
opts=""
. "$(dirname "$0")/parse_options.sh"
steps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); top=$(cd "$steps/../.." && pwd)
[ $# -eq 4 ] || { echo "usage: $0 [--warps \"A ...\"] [--opts OPTS] MODEL_DIR GRAPH_DIR DATA_DIR OUT_DIR" >&2; exit 1; }
case " $warps " in *" 1.00 "*|*" 1 "*|*" 1.0 "*) ;; *) echo "vtln_grid.sh: --warps must include 1.00 (the reference)" >&2; exit 1 ;; esac
model=$(realpath "$1"); graph=$2; data=$3; out=$4
wren=${WREN:-$top/build/wren}
for f in feat.params mdef; do [ -s "$model/$f" ] || { echo "vtln_grid.sh: no $model/$f" >&2; exit 1; }; done
for f in wav.scp text utt2spk; do [ -s "$data/$f" ] || { echo "vtln_grid.sh: no $data/$f" >&2; exit 1; }; done
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=1
for a in $warps; do
  m=$out/m$a
  if [ ! -s "$m/feat.params" ]; then
    mkdir -p "$m"
    for f in "$model"/*; do [ "$(basename "$f")" = feat.params ] || ln -sfn "$f" "$m/"; done
    { cat "$model/feat.params"; echo "-vtln_warp $a"; } > "$m/feat.params.tmp" && mv "$m/feat.params.tmp" "$m/feat.params"
  fi
  [ -s "$out/hyp-$a.txt" ] && continue
  # shellcheck disable=SC2086
  "$wren" decode --model "$m" --graph "$graph" --adapt fmllr $opts --si-hyp "$out/si-$a.txt.tmp" \
    "$data" "$out/hyp-$a.txt.tmp" 2> "$out/log-$a.txt" ||
    { echo "vtln_grid.sh: warp $a: wren decode failed (see $out/log-$a.txt)" >&2; exit 1; }
  mv "$out/si-$a.txt.tmp" "$out/si-$a.txt"; mv "$out/hyp-$a.txt.tmp" "$out/hyp-$a.txt"
done
for a in $warps; do
  # speaker warp errors
  "$wren" wer --per-spk "$data/utt2spk" "$data/text" "$out/hyp-$a.txt" |
    awk -v a="$a" 'f && $1 != "Sum/Avg" && NF >= 9 { printf "E %s %s %d\n", $1, a, int($3 * $9 / 100 + 0.5) } /^SPKR/ { f = 1 }'
  # speaker warp first-aux last-aux: the first fMLLR line of each speaker (the speaker-independent alignment)
  awk -v a="$a" '/ fmllr speaker .*auxiliary function/ { s = $5; sub(":$", "", s)
      for (i = 1; i < NF; i++) if ($i == "function") v = $(i + 1)
      if (!(s in first)) { first[s] = v; last[s] = $NF } }
    END { for (s in first) printf "L %s %s %s %s\n", s, a, first[s], last[s] }' "$out/log-$a.txt"
done | awk -v warps="$warps" '
  $1 == "E" { e[$2, $3] = $4; spk[$2] = 1 }
  $1 == "L" { l0[$2, $3] = $4; l1[$2, $3] = $5 }
  END {
    n = split(warps, w, " ")
    printf "%-10s", "speaker"; for (i = 1; i <= n; i++) printf " %6s", w[i]; printf "  oracle  ML-before  ML-after\n"
    for (s in spk) order[++m] = s
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (order[j] < order[i]) { t = order[i]; order[i] = order[j]; order[j] = t }
    for (k = 1; k <= m; k++) {
      s = order[k]; printf "%-10s", s; bo = ""; b0 = ""; b1 = ""
      for (i = 1; i <= n; i++) {
        a = w[i]; printf " %6d", e[s, a]
        if (bo == "" || e[s, a] < e[s, bo] || (e[s, a] == e[s, bo] && (a - 1) ^ 2 < (bo - 1) ^ 2)) bo = a
        if (b0 == "" || l0[s, a] > l0[s, b0]) b0 = a
        if (b1 == "" || l1[s, a] > l1[s, b1]) b1 = a
        if (a + 0 == 1) ref += e[s, a]
      }
      printf "  %6s  %9s  %8s\n", bo, b0, b1; to += e[s, bo]; t0 += e[s, b0]; t1 += e[s, b1]
    }
    printf "errors: warp 1 %d, oracle warp per speaker %d, most likely warp before the estimate %d, after it %d\n", ref, to, t0, t1
  }'
