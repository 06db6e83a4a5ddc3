#!/usr/bin/env bash
# replay.sh — runs each fuzz harness, linked with tests/fuzz/replay.c instead of libFuzzer, over
# its committed seed corpus and its crash regressions (tests/fuzz/regress/<harness>/): every
# input a fuzzer once crashed on must now be read (or refused) cleanly, in the normal build
# and under ASan+UBSan. Env: WREN_SRCDIR (source tree); run from the build directory.
set -u
src=${WREN_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
status=0
n=0
for h in audio mdef am lexicon arpa lattice nnlm table text_norm; do
  files=()
  for d in "$src/tests/fuzz/corpus/$h" "$src/tests/fuzz/regress/$h"; do
    [ -d "$d" ] && for f in "$d"/*; do [ -f "$f" ] && files+=("$f"); done
  done
  [ ${#files[@]} -eq 0 ] && { echo "FAIL: no seeds for $h"; status=1; continue; }
  if ! ./tests/fuzz/replay_$h "${files[@]}" > /dev/null; then
    echo "FAIL: replay_$h on ${files[*]}"; status=1
  fi
  n=$((n + ${#files[@]}))
done
echo "replayed $n inputs"
exit $status
