#!/usr/bin/env bash
# run-fuzz.sh — run libFuzzer harnesses, FUZZ_JOBS at a time, and report, per harness, the
# executions, coverage (libFuzzer's cov: edges and ft: features from its final lines) and any
# crash, leak or timeout (the input is kept as an artifact to become a regression under
# tests/fuzz/regress/<harness>/). Used by `make fuzz` and utils/run-tests.sh.
#
# usage: run-fuzz.sh BUILD_DIR HARNESS...
# env:   FUZZ_SECONDS (60) per harness; FUZZ_JOBS (one per CPU) harnesses at once;
#        FUZZ_LOG_DIR (BUILD_DIR/tests/fuzz/logs) for logs and crash artifacts; the corpus each
#        run grows is kept in BUILD_DIR/tests/fuzz/work/<h>.
#        WREN_SHARED: optional real inputs added as seeds at run time (never committed).
# Prints "fuzz <harness>: PASS|FAIL execs=N cov=N ft=N" lines; exits 1 if any harness failed.
set -uo pipefail

builddir=$1; shift
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
seconds=${FUZZ_SECONDS:-60}
logdir=${FUZZ_LOG_DIR:-$builddir/tests/fuzz/logs}
mkdir -p "$logdir"

# Seeds from installed packages and the shared corpus (their first bytes only: libFuzzer
# mutates small inputs far faster), copied to a scratch dir at run time.
runtime_seeds() {  # $1 harness, $2 dir
  local h=$1 d=$2 f
  mkdir -p "$d"
  case $h in
    audio)
      for f in /usr/share/pocketsphinx/test/data/librivox/*.wav; do
        [ -f "$f" ] && head -c 4096 "$f" > "$d/$(basename "$f")"
      done ;;
    am)
      f=/usr/share/pocketsphinx/model/en-us/en-us/feat.params
      [ -f "$f" ] && { printf '\0'; cat "$f"; } > "$d/en-us-feat.params" ;;
    lexicon)
      for f in /usr/share/pocketsphinx/test/data/turtle.dic /usr/share/pocketsphinx/test/data/defective.dic; do
        [ -f "$f" ] && head -c 4096 "$f" > "$d/$(basename "$f")"
      done ;;
    text_norm)
      f=/usr/share/pocketsphinx/test/data/librivox/transcription
      [ -f "$f" ] && head -c 4096 "$f" > "$d/transcription" ;;
  esac
  return 0
}

# One harness: its report line(s) go to $logdir/$h.result.
fuzz_one() {  # $1 harness
  local h=$1 bin work extra args dirs log rc execs last cov ft
  bin=$builddir/tests/fuzz/fuzz_$h
  work=$builddir/tests/fuzz/work/$h
  extra=$builddir/tests/fuzz/seeds-runtime/$h
  mkdir -p "$work"
  runtime_seeds "$h" "$extra"
  args=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -detect_leaks=1
        -print_final_stats=1 -artifact_prefix="$logdir/$h-")
  [ -f "$src/dict/$h.dict" ] && args+=(-dict="$src/dict/$h.dict")
  dirs=("$work" "$src/corpus/$h" "$extra")
  [ -d "$src/regress/$h" ] && dirs+=("$src/regress/$h")
  log=$logdir/$h.log
  "$bin" "${args[@]}" "${dirs[@]}" > "$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n1)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<< "$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
  if [ $rc -eq 0 ]; then
    echo "fuzz $h: PASS execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} seconds=$seconds"
  else
    echo "fuzz $h: FAIL (exit $rc) execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} log=$log"
    grep -E 'ERROR: |SUMMARY: |^artifact_prefix|Test unit written' "$log" | head -n 8
  fi > "$logdir/$h.result"
}

# FUZZ_JOBS harnesses at a time (one per CPU by default): each still gets FUZZ_SECONDS.
njobs=${FUZZ_JOBS:-$(nproc)}
for h in "$@"; do
  rm -f "$logdir/$h.result"
  while [ "$(jobs -rp | wc -l)" -ge "$njobs" ]; do wait -n; done
  fuzz_one "$h" &
done
wait
failed=0
for h in "$@"; do
  if [ -s "$logdir/$h.result" ]; then
    cat "$logdir/$h.result"
    grep -q '^fuzz .*: PASS' "$logdir/$h.result" || failed=1
  else
    echo "fuzz $h: FAIL (no report: the runner was killed)"
    failed=1
  fi
done
exit $failed
