#!/usr/bin/env bash
# run-tests.sh — the whole test suite, from a fresh machine: installs what it needs
# (utils/setup.sh), runs `make check` on the normal build (the slowest tests first:
# tests/slowest.txt), then again on a build with
# AddressSanitizer + UndefinedBehaviorSanitizer, then runs every libFuzzer harness briefly
# (FUZZ_SECONDS, 15 s each) in a clang build with --enable-fuzzing (build-fuzz; each harness
# counts as one test), and prints one closing line "N passed, N failed".
#
# usage: utils/run-tests.sh [--no-sanitizers] [--no-fuzz]
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sanitizers=1
fuzz=1
for a in "$@"; do
  case $a in
    --no-sanitizers) sanitizers=0 ;;
    --no-fuzz) fuzz=0 ;;
    *) echo "run-tests.sh: unknown option '$a'" >&2; exit 1 ;;
  esac
done
jobs=$(nproc)

pass=0; fail=0
# The build's TESTS, those of tests/slowest.txt first (in its order), then the rest in TESTS order.
ordered_tests() {  # $1 = build dir (configured)
  local all slow t
  all=" $(make -s --no-print-directory -C "$1" print-tests | sed -n 's/^TESTS: //p') " || return 1
  slow=" $(grep -v '^#' "$top/tests/slowest.txt" | tr '\n' ' ') "
  for t in $slow; do [[ $all == *" $t "* ]] && printf '%s ' "$t"; done
  for t in $all; do [[ $slow == *" $t "* ]] || printf '%s ' "$t"; done
}
run_suite() {  # $1 = build dir, $2 = label
  local dir=$1 label=$2 tests
  echo "=== make check ($label) in $dir"
  tests=$(ordered_tests "$dir") && [ -n "$tests" ] || { echo "run-tests.sh: no TESTS in $dir/Makefile"; fail=$((fail + 1)); return 1; }
  ( cd "$dir" && make -j"$jobs" check TESTS="$tests" )
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
# Short fuzzing: each harness for FUZZ_SECONDS from the committed seeds; a crash, leak or
# timeout fails that harness (its input is left in build-fuzz/tests/fuzz/logs/).
run_fuzz() {  # $1 = build dir
  local dir=$1
  echo "=== fuzzing (libFuzzer + ASan + UBSan, ${FUZZ_SECONDS:-15} s per harness) in $dir"
  mkdir -p "$dir" || { fail=$((fail + 1)); return 1; }
  if [ ! -f "$dir/Makefile" ]; then
    ( cd "$dir" && "$top/configure" -q --enable-fuzzing ) || { fail=$((fail + 1)); return 1; }
  fi
  local harnesses targets
  harnesses=$(sed -n 's/^FUZZ_HARNESSES = //p' "$dir/Makefile")
  targets=$(for h in $harnesses; do printf 'tests/fuzz/fuzz_%s ' "$h"; done)
  ( cd "$dir" && make -j"$jobs" $targets ) || { fail=$((fail + 1)); return 1; }
  local out
  out=$(FUZZ_SECONDS=${FUZZ_SECONDS:-15} bash "$top/tests/fuzz/run-fuzz.sh" "$dir" $harnesses)
  local rc=$?
  echo "$out"
  pass=$((pass + $(grep -c '^fuzz .*: PASS' <<< "$out")))
  fail=$((fail + $(grep -c '^fuzz .*: FAIL' <<< "$out")))
  return $rc
}
if [ $fuzz = 1 ]; then
  run_fuzz "$top/build-fuzz" || status=1
fi

echo "$pass passed, $fail failed"
exit $status
