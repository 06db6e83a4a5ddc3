#!/usr/bin/env bash
# mkgraph.sh — time and peak memory of `wren mkgraph` for Debian's pocketsphinx-en-us model,
# CMUdict and a pruned trigram of ~300k n-grams (the acceptance case of the graph issue),
# against a reference measured in the same run: OpenFst's own command-line tools building
# min(det(L o G)) from the L.fst and G.fst that mkgraph wrote.
# Usage: bench/mkgraph.sh [LM.arpa]   (default: a 300k-n-gram trigram estimated here with
# `wren ngram-count -prune-target 300000` from $WREN_SHARED/data/text/lm-corpus, lower-cased).
# Not for: correctness (tests/test_graph.c, tests/e2e/mkgraph.sh).
set -uo pipefail
export LC_ALL=C

wren=${WREN:-wren}
shared=${WREN_SHARED:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared}
model=/usr/share/pocketsphinx/model/en-us/en-us
dict=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
[ -f "$model/mdef" ] || { echo "mkgraph bench: skipped: needs pocketsphinx-en-us"; exit 0; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wren-mkgraph-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

lm=${1:-}
if [ -z "$lm" ]; then
  corpus=$shared/data/text/lm-corpus
  ls "$corpus"/*.txt.xz > /dev/null 2>&1 || { echo "mkgraph bench: skipped: no $corpus"; exit 0; }
  xzcat "$corpus"/*.txt.xz | tr 'A-Z' 'a-z' | sed -e "s/[^a-z' ]/ /g" -e 's/  */ /g' \
    -e 's/^ //' -e 's/ $//' | grep -v '^$' > "$tmp/corpus.txt"
  "$wren" ngram-count -order 3 -text "$tmp/corpus.txt" -lm "$tmp/lm.arpa" -prune-target 300000 \
    2> "$tmp/ngram.log" || { cat "$tmp/ngram.log"; exit 1; }
  rm -f "$tmp/corpus.txt"
  lm=$tmp/lm.arpa
fi
echo "LM: $lm ($(awk '/^ngram [0-9]+=/ {split($2, a, "="); n += a[2]} END {print n}' "$lm") n-grams)"

timev() {  # run "$@", print "wall_s cpu_s peak_MB" (CPU = user + system; the machine may be
           # shared, so CPU seconds are the comparable figure)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time.txt" "$@" || return 1
    awk '{printf "%.1f %.1f %.0f\n", $1, $2 + $3, $4 / 1024}' "$tmp/time.txt"
  else
    local t0=$(date +%s.%N); "$@" || return 1
    echo "$(echo "$(date +%s.%N) - $t0" | bc) ? ?"
  fi
}

read -r t_hclg c_hclg m_hclg < <(timev "$wren" mkgraph --model "$model" --dict "$dict" --lm "$lm" \
  --keep-intermediate "$tmp/graph" > "$tmp/mkgraph.out" 2> "$tmp/mkgraph.log") \
  || { grep -v "LM word" "$tmp/mkgraph.log"; cat "$tmp/time.txt" 2> /dev/null
         echo "mkgraph bench: mkgraph failed"; exit 1; }
grep -E '^mkgraph: (L|G|min\(|HCLG)' "$tmp/mkgraph.log" | grep -v dropped
tail -n 1 "$tmp/mkgraph.out"
echo "wren mkgraph (HCLG): ${t_hclg} s wall, ${c_hclg} s CPU, peak ${m_hclg} MB"

if command -v fstcompose > /dev/null; then
  ref() {
    fstarcsort --sort_type=olabel "$tmp/graph/L.fst" | fstcompose - "$tmp/graph/G.fst" \
      | fstrmepsilon | fstdeterminize | fstminimize > "$tmp/LG.ref.fst"
  }
  read -r t_ref c_ref m_ref < <(timev bash -c "$(declare -f ref); tmp=$tmp; ref")
  echo "reference: OpenFst CLI min(det(L o G)) from the same L.fst, G.fst: ${t_ref} s wall, ${c_ref} s CPU, peak ${m_ref} MB"
  awk -v a="$c_hclg" -v b="$c_ref" 'BEGIN { if (b > 0) printf "ratio (CPU): full HCLG build / OpenFst LG build = %.2f\n", a / b }'
else
  echo "reference skipped: OpenFst command-line tools (libfst-tools) not installed"
fi
