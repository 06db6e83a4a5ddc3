#!/usr/bin/env bash
# slurm.sh — end-to-end test of utils/run-jobs.sh --backend slurm on a real one-node Slurm
# cluster: installs Debian's slurm-wlm and munge if missing, starts munged + slurmctld + slurmd
# on loopback (utils/slurm/local-cluster.sh), runs a real Wren job array over a split data dir
# through Slurm and checks that its outputs equal the local backend's on the same job; then
# checks retries, failure propagation, a task killed by Slurm, --no-wait/--after chaining, and
# stops the daemons (always, even on failure or timeout).
# Needs root (to install packages and start slurmd/munged): otherwise exit 77 (skipped).
# Not for: the local backend's details (tests/e2e/run-jobs-local.sh).
#
# The job: JOB_CMD below, with @OUT@ for the output folder of each backend, over a 3-way split
# of Debian's LibriVox test utterances: `wren decode` (hypotheses and gzipped lattices) with a
# graph from `wren mkgraph`; if this build has no decode/mkgraph yet, `wren compute-feats`; if
# not even that, `wren wer`. Export WREN_SLURM_TEST_JOB to run another job line.
set -uo pipefail

src=${WREN_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cluster_sh=$src/utils/slurm/local-cluster.sh
limit=${WREN_SLURM_TEST_TIMEOUT:-400}     # seconds for everything, package installation included

# --- outer shell: skip unless root; run the test under a time limit; always clean up -----------
if [ -z "${WREN_SLURM_TEST_DIR:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "slurm: skipped: needs root to install and start Slurm and munge"; exit 77; }
  command -v apt-get >/dev/null && command -v dpkg-query >/dev/null ||
    { echo "slurm: skipped: needs a Debian system (apt-get)"; exit 77; }
  [ -n "${WREN:-}" ] && [ -x "$WREN" ] || { echo "slurm: FAIL: WREN must name the built wren program"; exit 1; }
  WREN_SLURM_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/wren-slurm.XXXXXX") || exit 99
  export WREN_SLURM_TEST_DIR
  # The inner run stops the cluster itself; this is the backstop if it was killed.
  trap '"$cluster_sh" stop "$WREN_SLURM_TEST_DIR/cluster" >/dev/null 2>&1; rm -rf "$WREN_SLURM_TEST_DIR"' EXIT
  start=$SECONDS
  timeout --kill-after=20 "$limit" bash "${BASH_SOURCE[0]}" "$@"
  rc=$?
  [ $rc -eq 124 ] && echo "slurm: FAIL: timed out after ${limit} s"
  echo "slurm: total $((SECONDS - start)) s"
  exit $rc
fi

# --- inner shell ---------------------------------------------------------------------------------
tmp=$WREN_SLURM_TEST_DIR
rj=$src/utils/run-jobs.sh
model=/usr/share/pocketsphinx/model/en-us/en-us
libri=/usr/share/pocketsphinx/test/data/librivox
nj=3
cleanup() { "$cluster_sh" stop "$tmp/cluster" > /dev/null 2>&1; }
trap cleanup EXIT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 130' INT

nfail=0
check() {  # $1 = description, rest = command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; nfail=$((nfail + 1)); fi
}
stage() { echo "== $1 ($((SECONDS - t0)) s)"; }
t0=$SECONDS

stage "install slurm-wlm and munge"
"$cluster_sh" install || { echo "slurm: FAIL: could not install slurm-wlm and munge"; exit 1; }
[ -d "$libri" ] && [ -d "$model" ] || { echo "slurm: skipped: needs Debian's pocketsphinx-testdata and pocketsphinx-en-us"; exit 77; }

stage "start a one-node cluster"
env_line=$(timeout 90 "$cluster_sh" start "$tmp/cluster") || { echo "slurm: FAIL: the cluster did not start"; exit 1; }
eval "$env_line"          # export SLURM_CONF=...
echo "   $(grep -E '^NodeName' "$SLURM_CONF")"
timeout 10 sinfo

# A data dir of the 5 LibriVox utterances, split into $nj parts.
work=$tmp/work; data=$work/data
mkdir -p "$data" && cd "$work" || exit 99
for f in "$libri"/*.wav; do echo "$(basename "$f" .wav) $f"; done | LC_ALL=C sort > "$data/wav.scp"
sed -E 's/^<s> (.*) <\/s> \((.*)\)$/\2 \1/' "$libri/transcription" | LC_ALL=C sort > "$data/text"
awk '{print $1, "austen"}' "$data/wav.scp" > "$data/utt2spk"
echo "austen $(cut -d' ' -f1 "$data/wav.scp" | tr '\n' ' ' | sed 's/ $//')" > "$data/spk2utt"
"$src/utils/split-data.sh" "$data" $nj 2>/dev/null || { echo "slurm: FAIL: split-data.sh"; exit 1; }

have() { "$WREN" "$1" --help > /dev/null 2>&1; }
if [ -n "${WREN_SLURM_TEST_JOB:-}" ]; then
  JOB_CMD=$WREN_SLURM_TEST_JOB
elif have decode && have mkgraph && have ngram-count; then
  # Real decoding: a graph from a small trigram of the five transcripts (as tests/e2e/decode.sh).
  stage "build a decoding graph"
  cut -d' ' -f2- "$data/text" > lm.txt
  "$WREN" ngram-count -order 3 -text lm.txt -lm lm.arpa 2> graph.log &&
    "$WREN" mkgraph --model "$model" --dict "$model/../cmudict-en-us.dict" --lm lm.arpa graph >> graph.log 2>&1 ||
    { tail -n 5 graph.log; echo "slurm: FAIL: could not build the decoding graph"; exit 1; }
  JOB_CMD="\"$WREN\" decode --model $model --graph $work/graph $data/split$nj/JOB @OUT@/hyp.JOB.txt @OUT@/lat.JOB.gz"
elif have compute-feats; then
  JOB_CMD="\"$WREN\" compute-feats --model $model --scp $data/split$nj/JOB/wav.scp --format kaldi --output @OUT@/feats.JOB.ark"
else
  # fallback while neither decode nor compute-feats is in this build: a wren command that exists
  JOB_CMD="\"$WREN\" wer $data/split$nj/JOB/text $data/split$nj/JOB/text > @OUT@/wer.JOB.txt"
fi
echo "   job: $JOB_CMD"
# In the sanitizer run, leaks inside the job's own command are that command's tests' business
# (e.g. tests/e2e/decode.sh); here they would only hide what this test is about.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

stage "the job through the local backend"
mkdir -p local slurm
"$rj" --backend local --nj $nj JOB=1:$nj local/log/job.JOB.log "${JOB_CMD//@OUT@/local}"
rc=$?
check "local backend: the job succeeds" test $rc -eq 0
[ $rc -eq 0 ] || tail -n 25 local/log/job.*.log

stage "the same job as a Slurm job array"
# A recipe's options file: sbatch options, job steps through srun, and a resource mapping.
mkdir -p conf
printf '%s\n' 'sbatch --time=10 --export=ALL' 'srun --quiet' 'option mem=* --mem-per-cpu=$0' > conf/slurm-jobs.conf
"$rj" --backend slurm --nj $nj --poll 0.5 --mem 200M JOB=1:$nj slurm/log/job.JOB.log "${JOB_CMD//@OUT@/slurm}" 2> err.txt
rc=$?; cat err.txt
check "slurm backend: the job array succeeds" test $rc -eq 0
[ $rc -eq 0 ] || tail -n 25 slurm/log/job.*.log
jobid=$(sed -n 's/.*submitted Slurm job array \([0-9]*\).*/\1/p' err.txt | head -n 1)
check "it was one job array of $nj tasks, at most $nj at once" grep -q "submitted Slurm job array [0-9]* (JOB=1-$nj%$nj)" err.txt
for ((j = 1; j <= nj; j++)); do
  check "task $j ran under Slurm ($jobid)" grep -q "^# Started at .*, Slurm job ${jobid}_$j\$" slurm/log/job.$j.log
done
outs=$(cd local && find . -type f ! -path './log/*' | LC_ALL=C sort)
check "the job wrote outputs ($(echo $outs))" test -n "$outs"
same=1
for f in $outs; do   # compressed outputs are compared uncompressed (gzip headers may differ)
  [ -s "local/$f" ] || same=0
  case "$f" in
    *.gz) cmp -s <(zcat "local/$f") <(zcat "slurm/$f" 2>/dev/null) ;;
    *) cmp -s "local/$f" "slurm/$f" ;;
  esac || { same=0; echo "   differs: $f"; }
done
if [[ $JOB_CMD == *" decode "* ]]; then
  check "the decoding jobs together produced a hypothesis for each of the 5 utterances" \
    test "$(cat slurm/hyp.*.txt | cut -d' ' -f1 | LC_ALL=C sort | tr '\n' ' ')" = "$(cut -d' ' -f1 "$data/text" | tr '\n' ' ')"
fi
check "Slurm outputs equal the local backend's" test $same -eq 1
jobinfo=$(timeout 10 scontrol show job "$jobid" 2>/dev/null)
check "the options file's sbatch line was used (TimeLimit=00:10:00)" grep -q 'TimeLimit=00:10:00' <<< "$jobinfo"
check "--mem 200M was mapped by the options file (MinMemoryCPU=200M)" grep -q 'MinMemoryCPU=200M' <<< "$jobinfo"

stage "retries and failures"
export RUN_JOBS_STATUS_WAIT=2
# Task 2 fails on its first attempt only: rerun alone, then the array succeeds.
"$rj" --backend slurm --poll 0.5 --max-retries 1 JOB=1:3 flaky/log/f.JOB.log \
  'echo step=$SLURM_STEP_ID; echo run >> flaky/tries.JOB; [ JOB -ne 2 ] || [ $(wc -l < flaky/tries.JOB) -ge 2 ] || exit 5' 2> err.txt
rc=$?; cat err.txt
check "a task failing once is retried and the array succeeds" test $rc -eq 0
check "only the failed task was resubmitted" grep -q 'submitted Slurm job array [0-9]* (JOB=2) ' err.txt
check "tries: 1,2,1" test "$(wc -l < flaky/tries.1),$(wc -l < flaky/tries.2),$(wc -l < flaky/tries.3)" = "1,2,1"
check "the failed attempt's log is kept" grep -q '^# Ended (code 5)' flaky/log/f.2.log.attempt1
check "tasks ran as job steps (the options file's srun line)" grep -qx 'step=0' flaky/log/f.1.log

# Task 3 always fails; task 2 is cancelled while it runs (as by an administrator or a
# preemption), so it never writes its status: the call fails and names both.
"$rj" --backend slurm --poll 0.5 IDX=1:3 bad/log/b.IDX.log \
  '[ IDX -ne 2 ] || sleep 120; [ IDX -ne 3 ] || exit 9' 2> err.txt &
bg=$!
for i in $(seq 120); do
  badjob=$(sed -n 's/.*submitted Slurm job array \([0-9]*\).*/\1/p' err.txt | head -n 1)
  [ -n "$badjob" ] && [ -s bad/log/b.2.log ] && break
  sleep 0.25
done
timeout 10 scancel "${badjob}_2"
wait $bg
rc=$?; cat err.txt
check "failures make the call fail (rc=$rc)" test $rc -eq 1
check "the failing task is named with its status and log" grep -q 'IDX=3 (exit 9, bad/log/b.3.log)' err.txt
# (the task's shell may or may not live long enough to record a status: both are failures)
check "the cancelled task is named, with Slurm's reason and output file" \
  grep -qE "IDX=2 \((no exit status|exit [0-9]+[^,]*), Slurm: CANCELLED, see bad/log/q/b.${badjob}_2.out, bad/log/b.2.log\)" err.txt
check "2 of 3 failed" grep -q '2 of 3 jobs failed' err.txt

stage "chaining: --no-wait, then --after"
first=$("$rj" --backend slurm --no-wait JOB=1:2 chain/log/a.JOB.log 'sleep 1; echo from-a-JOB > chain/a.JOB' 2>/dev/null)
check "--no-wait prints the job id ($first)" test -n "$first"
"$rj" --backend slurm --poll 0.5 --after "$first" JOB=1:2 chain/log/b.JOB.log 'cat chain/a.JOB > chain/b.JOB' 2>/dev/null
check "--after: the second array ran after the first one's outputs existed" \
  test "$(cat chain/b.1 chain/b.2 2>/dev/null | tr '\n' ,)" = "from-a-1,from-a-2,"
failing=$("$rj" --backend slurm --no-wait JOB=1:1 chain/log/c.log 'exit 3' 2>/dev/null)
"$rj" --backend slurm --poll 0.5 --after "$failing" chain/log/d.log 'echo ran > chain/d' 2> err.txt
rc=$?
check "--after a failed job: the dependent job never runs and the call fails (rc=$rc)" test $rc -eq 1 -a ! -e chain/d
check "and the message says it never started" grep -q 'JOB=1 (no exit status, Slurm: never started' err.txt

stage "stop the cluster"
cleanup
check "the cluster had recorded its 3 daemons" test "$(awk '{print $1}' "$tmp/cluster/pids.stopped" | tr '\n' ' ')" = "munged slurmctld slurmd "
check "the daemons are gone" bash -c "! kill -0 $(awk '{print $2}' "$tmp/cluster/pids.stopped" | tr '\n' ' ') 2>/dev/null"
stage "done"
echo "slurm: $nfail failed"
[ $nfail -eq 0 ]
