#!/usr/bin/env bash
# run-jobs-local.sh — end-to-end test of utils/run-jobs.sh --backend local: the job range is
# substituted into log names and commands, at most --nj jobs run at once (and that many do run
# together), per-job logs record command, status and output, a failing job makes the whole
# call fail naming it and its log, --max-retries reruns only failed jobs, stopping run-jobs.sh
# stops the jobs' pipelines, and bad usage is one line with exit 1.
# Not for: the Slurm backend (tests/e2e/slurm.sh) or data splitting (tests/e2e/data-dir.sh).
set -uo pipefail

src=${WREN_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
rj=$src/utils/run-jobs.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wren-run-jobs.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99

nfail=0
check() {  # $1 = description, rest = command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; nfail=$((nfail + 1)); fi
}

# --- substitution, per-job logs, outputs; Kaldi-style quoted pipe and redirection ---------
"$rj" --nj 3 JOB=1:5 log/echo.JOB.log echo job JOB \| tr a-z A-Z \> out.JOB.txt 2> err.txt
check "5 jobs succeed" test $? -eq 0
check "outputs carry their index" test "$(cat out.1.txt out.5.txt)" = "$(printf 'JOB 1\nJOB 5')"
check "log starts with the substituted command" grep -qx '# echo job 3 | tr a-z A-Z > out.3.txt' log/echo.3.log
check "log records start and end with status" \
  bash -c "grep -q '^# Started at ' log/echo.2.log && grep -q '^# Ended (code 0) at ' log/echo.2.log"
check "no output on stderr when all succeed" test ! -s err.txt

# A single argument is a shell command line; a different variable name; a range not from 1.
"$rj" SPK=3:4 log/spk.SPK.log 'printf "%s\n" SPK-a "b c" > spk.SPK.txt; echo to-log'
check "single-string command and SPK=3:4" test "$(cat spk.3.txt spk.4.txt | tr '\n' ,)" = "3-a,b c,4-a,b c,"
check "command output goes to the log" grep -qx to-log log/spk.4.log
check "nothing run outside the range" test ! -e spk.1.txt -a ! -e spk.2.txt -a ! -e spk.5.txt
"$rj" log/single.log echo "two words" \> single.txt
check "no range: one job, argument with a space kept whole" test "$(cat single.txt)" = "two words"

# --- parallelism: with --nj 2, two jobs run together and never three ----------------------
# Each job registers in running/ and records how many are registered, twice; jobs 1 and 2 first
# wait (at most 10 s) until two are registered: if run-jobs.sh ran them one after the other,
# job 1 would see only itself.
mkdir running
barrier='mkdir running/JOB; [ JOB -gt 2 ] || for i in $(seq 200); do [ $(ls running | wc -l) -ge 2 ] && break; sleep 0.05; done;
  ls running | wc -l >> seen.JOB; sleep 0.2; ls running | wc -l >> seen.JOB; rmdir running/JOB'
"$rj" --nj 2 JOB=1:6 log/par.JOB.log "$barrier"
check "parallel jobs succeed" test $? -eq 0
max=$(cat seen.* | sort -n | tail -n 1)
check "at most --nj=2 jobs at once (saw $max)" test "$max" -le 2
check "--nj=2 jobs really ran together" test "$(head -n 1 seen.1),$(head -n 1 seen.2)" = "2,2"
"$rj" --nj 1 JOB=1:3 log/ser.JOB.log 'mkdir running/JOB; sleep 0.1; ls running | wc -l >> one.JOB; rmdir running/JOB'
check "--nj 1 runs one job at a time" test "$(cat one.* | sort -u)" = 1

# --- failure propagation -------------------------------------------------------------------
"$rj" --nj 2 JOB=1:5 log/fail.JOB.log 'echo ran > ran.JOB; [ JOB -ne 4 ] || exit 7' 2> err.txt
rc=$?
check "a failing job makes the call fail (rc=$rc)" test $rc -eq 1
check "the message names the job, its status and its log" grep -q 'JOB=4 (exit 7, log/fail.4.log)' err.txt
check "the message counts the failures" grep -q '1 of 5 jobs failed' err.txt
check "the other jobs still ran" test "$(ls ran.* | wc -l)" -eq 5
check "the failed job's log has its status" grep -q '^# Ended (code 7)' log/fail.4.log

# pipefail: a failure inside a pipeline is a failure of the job
"$rj" log/pipe.log 'false | cat' 2> /dev/null
check "a failure inside a pipeline fails the job" test $? -eq 1

# --- retries -------------------------------------------------------------------------------
# Jobs 2 and 3 fail on their first attempt only; job 1 succeeds at once.
"$rj" --max-retries 2 JOB=1:3 log/retry.JOB.log \
  'echo attempt >> tries.JOB; [ JOB -eq 1 ] || [ $(wc -l < tries.JOB) -ge 2 ] || exit 3' 2> err.txt
check "retried jobs succeed" test $? -eq 0
check "only failed jobs are rerun" test "$(cat tries.1 | wc -l),$(wc -l < tries.2),$(wc -l < tries.3)" = "1,2,2"
check "the failed attempt's log is kept" grep -q '^# Ended (code 3)' log/retry.2.log.attempt1
check "the final log is the successful attempt" grep -q '^# Ended (code 0)' log/retry.2.log
check "retries are reported" grep -q 'JOB=2 failed (exit 3), retrying (attempt 2 of 3)' err.txt
"$rj" --max-retries 1 JOB=1:2 log/always.JOB.log 'echo x >> always.JOB; [ JOB -eq 1 ]' 2> err.txt
check "a job failing every attempt fails the call" test $? -eq 1
check "it ran 1 + max-retries times" test "$(wc -l < always.2)" -eq 2
check "and is named" grep -q 'JOB=2 (exit 1, log/always.2.log)' err.txt

# --- stopping run-jobs.sh stops whole pipelines ----------------------------------------------
"$rj" --nj 2 JOB=1:2 log/long.JOB.log 'echo $$ > pid.JOB; sleep 300 | cat' &
bg=$!
for i in $(seq 100); do [ -s pid.1 ] && [ -s pid.2 ] && break; sleep 0.1; done
kill -TERM "$bg"; wait "$bg"; rc=$?
check "TERM: run-jobs.sh exits 143 (rc=$rc)" test $rc -eq 143
alive() {  # is pid $1 a live process (not gone, not a zombie)?
  local st; st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }; [ "${st%% *}" != Z ]
}
gone() { local i; for i in $(seq 100); do alive "$1" || return 0; sleep 0.1; done; return 1; }
check "TERM: the jobs' shells are gone (within 10 s)" bash -c "$(declare -f alive gone); gone $(cat pid.1) && gone $(cat pid.2)"

# --- bad usage: one line, exit 1 ---------------------------------------------------------------
usage_case() {  # $1 = expected text, rest = arguments
  local want=$1; shift
  "$rj" "$@" > out.txt 2> err.txt
  local rc=$?
  check "usage error ($*): exit 1, one line with '$want'" \
    test $rc -eq 1 -a "$(wc -l < err.txt)" -eq 1 -a ! -s out.txt -a -n "$(grep -F -- "$want" err.txt)"
}
usage_case "must contain JOB" JOB=1:3 log/x.log true
usage_case "--nj must be a positive integer" --nj 0 JOB=1:2 x.JOB true
usage_case "empty job range" JOB=5:2 x.JOB true
usage_case "bad job range" JOB=a:b x.JOB true
usage_case "unknown option '--frobnicate'" --frobnicate JOB=1:2 x.JOB true
usage_case "--backend must be local or slurm" --backend pbs JOB=1:2 x.JOB true
usage_case "expected [JOB=A:B] LOGFILE CMD" JOB=1:2 x.JOB
usage_case "--no-wait and --after need --backend slurm" --no-wait x.log true
"$rj" --help > help.txt
check "--help documents the options" bash -c "grep -q -- '--max-retries' help.txt && grep -q -- '--slurm-opts' help.txt"

echo "run-jobs-local: $nfail failed"
[ $nfail -eq 0 ]
