#!/usr/bin/env bash
# run-tests.sh — the whole test suite, from a fresh machine: installs what it needs
# (utils/setup.sh), runs `make check` on the normal build, then again on a build with
# AddressSanitizer + UndefinedBehaviorSanitizer, and prints one closing line
# "N passed, N failed".
#
# usage: utils/run-tests.sh [--no-sanitizers]
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sanitizers=1
[ "${1:-}" = "--no-sanitizers" ] && sanitizers=0
jobs=$(nproc)

pass=0; fail=0
run_suite() {  # $1 = build dir, $2 = label
  local dir=$1 label=$2
  echo "=== make check ($label) in $dir"
  ( cd "$dir" && make -j"$jobs" check )
  local rc=$?
  local log="$dir/test-suite.log"
  if [ -f "$log" ]; then
    local p f
    p=$(sed -n 's/^# PASS: *//p' "$log" | head -n1); f=$(sed -n 's/^# FAIL: *//p' "$log" | head -n1)
    local e; e=$(sed -n 's/^# ERROR: *//p' "$log" | head -n1)
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0} + ${e:-0}))
    # show what failed, so that CI's output says why
    for t in $(grep -l -E '^(FAIL|ERROR)' $(find "$dir/tests" -name '*.trs' 2>/dev/null) 2>/dev/null); do
      echo "--- ${t%.trs}.log"; tail -n 40 "${t%.trs}.log"
    done
  fi
  [ $rc -eq 0 ] || [ -f "$log" ] || fail=$((fail + 1))
  return $rc
}

"$top/utils/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }
status=0
run_suite "$top/build" "-Wall -Wextra -Werror" || status=1
if [ $sanitizers = 1 ]; then
  "$top/utils/setup.sh" --sanitizers --build-dir "$top/build-asan" || { echo "$pass passed, $((fail + 1)) failed"; exit 1; }
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    run_suite "$top/build-asan" "AddressSanitizer + UndefinedBehaviorSanitizer" || status=1
fi
echo "$pass passed, $fail failed"
exit $status
