#!/bin/bash
# sweep.sh — fault-injection sweep (SQLite style) over short real runs of the main commands:
# ngram-count, mkgraph, decode (also with --nj 2, cutting its utterances at their pauses,
# sharing one utterance's pieces among two workers, and a long utterance's pieces then two
# short utterances),
# nnlm-eval, rescore, prune. Each command runs
# once with WREN_FAULT_COUNT=1 to count its allocations and output writes (utils/fault.h), then again
# with the N-th allocation (WREN_FAULT_ALLOC=N) or the N-th write (WREN_FAULT_WRITE=N) failing,
# and each faulty run must:
#   - not crash (no signal, no sanitizer report: run it in the --enable-sanitizers build),
#   - exit 0 with outputs identical to the good run's, or exit 1/2 with exactly one line on
#     stderr naming the failure ("out of memory" / a write error),
#   - leave every output file either absent or identical to the good run's, and no temp file;
#   - when it failed and left files, a rerun without the fault over them gives the good outputs
#     (once per distinct set of files left).
# Plus one run with stdout on /dev/full for each command that prints on stdout.
# Env: WREN (the built wren), WREN_SHARED;
#   FAULT_SAMPLES     call sites tried per command and kind (default 4, evenly spaced; mkgraph,
#                     ~5 s of CPU a run under ASan: 3)
#   FAULT_SWEEP=full  every write, and every allocation up to FAULT_FULL_MAX (default 2000)
#                     of them (beyond that, FAULT_FULL_MAX evenly spaced: mkgraph makes
#                     ~130,000 allocations, decode ~14,000)
#   FAULT_CMDS="decode ..."  restrict the commands.
# Exit 77 = skip (inputs missing).
set -u
WREN=${WREN:?set WREN to the built wren}
SHARED=${WREN_SHARED:-../shared}
MODE=${FAULT_SWEEP:-sample}
SAMPLES=${FAULT_SAMPLES:-4}
FULL_MAX=${FAULT_FULL_MAX:-2000}
CMDS=${FAULT_CMDS:-"ngram-count mkgraph decode decode-nj decode-cut decode-cut-nj decode-mix-nj nnlm-eval rescore prune"}
MODEL=/usr/share/pocketsphinx/model/en-us/en-us
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
LIBRI=/usr/share/pocketsphinx/test/data/librivox
CORPUS=$SHARED/data/text/lm-corpus/austen-six-novels.txt.xz
for p in "$MODEL/mdef" "$DICT" "$LIBRI/fileids" "$CORPUS"; do
  [ -e "$p" ] || { echo "SKIP: $p missing"; exit 77; }
done
case $WREN in /*) ;; *) WREN=$(cd "$(dirname "$WREN")" && pwd)/$(basename "$WREN");; esac
CORPUS=$(cd "$(dirname "$CORPUS")" && pwd)/$(basename "$CORPUS")   # absolute: the sweep runs in a temp dir
# one thread everywhere (deterministic counts), and no re-exec for the thread settings
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive OPENBLAS_THREAD_TIMEOUT=20
unset WREN_FAULT_ALLOC WREN_FAULT_WRITE WREN_FAULT_COUNT
tmp=$(mktemp -d /tmp/wren-fault-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"
# temporary files of the runs (decode --nj's worker folder) go here, and must not stay
mkdir tmpdir
export TMPDIR=$tmp/tmpdir

# --- fixtures (normal runs): text, bigram, graph, one utterance's lattice, a tiny NNLM
mkdir fix
xz -dc "$CORPUS" | head -4000 > fix/raw.txt
"$WREN" --quiet text-norm --paragraphs fix/raw.txt fix/norm.txt || fail "text-norm"
head -300 fix/norm.txt > fix/text.txt
sed -n 301,320p fix/norm.txt > fix/eval.txt
u=$(head -1 "$LIBRI/fileids")
echo "$u $LIBRI/$u.wav" > fix/wav.scp
head -2 "$LIBRI/fileids" | while read -r u; do echo "$u $LIBRI/$u.wav"; done > fix/wav2.scp
# 7.1, 3.0 and 3.3 s: one over --cut-seconds 5, then two under it
sed -n '1p;2p;5p' "$LIBRI/fileids" | while read -r u; do echo "$u $LIBRI/$u.wav"; done > fix/wav3.scp
"$WREN" --quiet ngram-count -order 2 -text fix/text.txt -lm fix/lm.arpa || fail "ngram-count"
wants() { local w; for w in "$@"; do case " $CMDS " in *" $w "*) return 0;; esac; done; return 1; }
# the graph and the lattices only when a command needs them (when mkgraph is swept, its good
# run's graph is the fixture: one mkgraph run less)
graph_fixture() {
  [ -e fix/graph ] || "$WREN" --quiet mkgraph --model "$MODEL" --dict "$DICT" --lm fix/lm.arpa fix/graph \
    > /dev/null || fail "mkgraph"
}
lattice_fixture() {
  [ -e fix/lat.gz ] || "$WREN" --quiet decode --model "$MODEL" --graph fix/graph fix/wav.scp fix/hyp.txt \
    fix/lat.gz 2> /dev/null || fail "decode"
}
if wants nnlm-eval rescore prune; then
  "$WREN" --quiet nnlm-train --train fix/text.txt --out fix/nn.safetensors --vocab-size 300 --layers 1 \
    --d-model 16 --heads 2 --ffn 32 --context 8 --batch 4 --steps 10 --valid-every 10 --threads 1 \
    > /dev/null || fail "nnlm-train"
fi

# --- the commands under test: arguments; outputs go to out/
args() {
  case $1 in
    ngram-count) echo "ngram-count -order 2 -text fix/text.txt -lm out/lm.arpa -write out/counts.gz" ;;
    mkgraph) echo "mkgraph --model $MODEL --dict $DICT --lm fix/lm.arpa out/graph" ;;
    # plain lattice text: written while decoding (a .gz archive is compressed at the end)
    decode) echo "decode --model $MODEL --graph fix/graph fix/wav2.scp out/hyp.txt out/lat.txt" ;;
    # two forked workers: the counts are shared, so the N-th event fails in whichever process
    # reaches it (not always the same one: the parallel runs interleave)
    decode-nj) echo "decode --nj 2 --model $MODEL --graph fix/graph fix/wav2.scp out/hyp.txt out/lat.gz" ;;
    # each utterance cut at its pauses into pieces of at most 2 s, their outputs joined
    decode-cut) echo "decode --cut-seconds 2 --remove-silence 0 --ctm out/ctm.txt --model $MODEL --graph fix/graph fix/wav2.scp out/hyp.txt out/lat.txt" ;;
    # one utterance's pieces shared by two workers, their outputs joined by the parent
    decode-cut-nj) echo "decode --nj 2 --cut-seconds 2 --remove-silence 0 --ctm out/ctm.txt --model $MODEL --graph fix/graph fix/wav.scp out/hyp.txt out/lat.txt" ;;
    # a long utterance's pieces shared by two workers, then two short ones shared whole
    decode-mix-nj) echo "decode --nj 2 --cut-seconds 5 --remove-silence 0 --ctm out/ctm.txt --model $MODEL --graph fix/graph fix/wav3.scp out/hyp.txt out/lat.txt" ;;
    nnlm-eval) echo "nnlm-eval --model fix/nn.safetensors fix/eval.txt" ;;
    rescore) echo "rescore --nnlm fix/nn.safetensors --lm fix/lm.arpa --words fix/graph/words.txt fix/lat.gz out/hyp.txt out/lat.gz" ;;
    # incremental, data-driven, fine-tuned and evaluated: calibration, training and resumption
    # (a rerun after a failure starts from the sizes already written) are all swept
    prune) echo "prune --model fix/nn.safetensors --criterion activation --method unstructured --schedule incremental --steps 2 --calib-text fix/eval.txt --calib-tokens 200 --finetune-text fix/text.txt --finetune-tokens 64 --valid-text fix/eval.txt --sizes 0.7,0.4 --out-prefix out/p" ;;
  esac
}

# run CMD [ENV=...]: fresh out/, wren --quiet CMD with the env; sets rc; stdout in run.out,
# stderr in run.err
run() {
  local c=$1; shift
  rm -rf out; mkdir out
  env "$@" "$WREN" --quiet $(args "$c") > run.out 2> run.err
  rc=$?
}

# same_report A B: two stdout/stderr reports are the same but for times, speeds and memory, and
# prune's "existing" mark of the outputs a rerun kept
timeless() {
  sed -E 's/[0-9]+(\.[0-9]+)? ?(s|ms|MB|tok\/s|tokens per cpu s)\b/T/g; s/RTF [0-9.]+/RTF T/g; s/ existing / /' "$1"
}
same_report() { cmp -s <(timeless "$1") <(timeless "$2"); }

# rerun CMD DESC: after a failed run, the same command without the fault over what it left in
# out/ must succeed with the good run's outputs, stdout and stderr (when it left nothing, the
# rerun would be the good run itself, and is skipped; see check for leftovers seen before)
rerun() {
  local c=$1 what=$2
  "$WREN" --quiet $(args "$c") > rerun.out 2> rerun.err || fail "$c $what: the rerun without the fault exited $?: $(head -3 rerun.err)"
  diff -r out good/out > /dev/null || fail "$c $what: the rerun's outputs differ from the good run's"
  same_report rerun.out good/stdout || fail "$c $what: the rerun's stdout differs from the good run's"
  same_report rerun.err good/stderr || fail "$c $what: the rerun's stderr: $(head -3 rerun.err)"
  reruns=$((reruns + 1))
}

# check CMD DESC EXPECT: the faulty run just made obeys the rules above (EXPECT: a regex the
# error line must match)
check() {
  local c=$1 what=$2 expect=$3
  if grep -q 'Sanitizer\|runtime error' run.err || [ $rc -ge 128 ]; then
    fail "$c $what: crash (exit $rc): $(head -c 3000 run.err)"
  fi
  if [ $rc = 0 ]; then
    # tolerated: the outputs must be the good ones
    diff -r out good/out > /dev/null || fail "$c $what: exit 0 but outputs differ from the good run"
    same_report run.err good/stderr || fail "$c $what: exit 0 but stderr: $(head -3 run.err)"
    tolerated=$((tolerated + 1))
  else
    [ $rc = 1 ] || [ $rc = 2 ] || fail "$c $what: exit $rc"
    [ "$(wc -l < run.err)" = 1 ] || fail "$c $what: stderr is not one line: $(head -5 run.err)"
    grep -Eqi "$expect" run.err || fail "$c $what: error does not name the failure: $(cat run.err)"
    failed=$((failed + 1))
  fi
  [ -z "$(ls -A tmpdir)" ] || fail "$c $what: left in TMPDIR: $(ls -A tmpdir)"
  # partial outputs: every file is absent or the good one; nothing else (temp files)
  local f
  while IFS= read -r f; do
    [ -f "good/$f" ] || fail "$c $what: leftover $f"
    cmp -s "$f" "good/$f" || fail "$c $what: $f differs from the good run's (partial output)"
  done < <(find out -type f)
  # rerun over what was left, once per distinct set of leftover files (over the same files the
  # deterministic rerun would do the same again)
  local left
  left=$(find out -type f | sort | tr '\n' ' ')
  if [ $rc != 0 ] && [ -n "$left" ] && [ -z "${rerun_seen["$c:$left"]:-}" ]; then
    rerun_seen["$c:$left"]=1
    rerun "$c" "$what"
  fi
}

# points COUNT KIND CMD: the call sites to try, 1..COUNT or K of them evenly spaced (first and
# last included); decode-nj, sampled: 2 inside (its first and last events are the parent's, as
# in decode; the middle ones are in the workers)
points() {
  local n=$1 k=$SAMPLES i
  [ "$3" = mkgraph ] && [ -z "${FAULT_SAMPLES:-}" ] && k=3
  [ "$n" -gt 0 ] || return 0
  if [ "$MODE" = full ]; then
    [ "$2" = write ] && k=$n || k=$FULL_MAX
  elif [ "$3" = decode-nj ] || [ "$3" = decode-cut-nj ] || [ "$3" = decode-mix-nj ]; then
    echo $((n / 3 + 1)); echo $((2 * n / 3 + 1)); return
  fi
  if [ "$n" -le "$k" ]; then seq 1 "$n"; return; fi
  for ((i = 0; i < k; i++)); do echo $((1 + i * (n - 1) / (k - 1))); done | uniq
}

total=0
declare -A rerun_seen
for c in $CMDS; do
  t0=$SECONDS
  case $c in decode|decode-nj|decode-cut|decode-cut-nj|decode-mix-nj) graph_fixture;; rescore) graph_fixture; lattice_fixture;; esac
  # the good run, counting
  run "$c" WREN_FAULT_COUNT=1
  [ $rc = 0 ] || fail "$c: good run exited $rc: $(head -5 run.err)"
  counts=$(sed -n 's/^wren-fault: \([0-9]*\) allocations, \([0-9]*\) writes$/\1 \2/p' run.err | tail -1)
  [ -n "$counts" ] || fail "$c: no wren-fault count line: $(tail -3 run.err)"
  read -r nalloc nwrite <<< "$counts"
  rm -rf good; mkdir good; mv out good/out; cp run.out good/stdout
  [ "$c" != mkgraph ] || [ -e fix/graph ] || cp -r good/out/graph fix/graph
  grep -v '^wren-fault: ' run.err > good/stderr
  tolerated=0 failed=0 tried=0 reruns=0
  for n in $(points "$nalloc" alloc "$c"); do
    run "$c" WREN_FAULT_ALLOC=$n
    check "$c" "allocation $n/$nalloc" 'out of memory'
    tried=$((tried + 1))
  done
  for n in $(points "$nwrite" write "$c"); do
    run "$c" WREN_FAULT_WRITE=$n
    check "$c" "write $n/$nwrite" 'write|no space|disk full|standard output'
    tried=$((tried + 1))
  done
  # stdout on a full disk (for the commands that print on it)
  if [ -s good/stdout ]; then
    rm -rf out; mkdir out
    "$WREN" --quiet $(args "$c") > /dev/full 2> run.err; rc=$?
    [ $rc != 0 ] || fail "$c: stdout on /dev/full: exit 0"
    check "$c" "stdout on /dev/full" 'write|no space|standard output|stdout'
    tried=$((tried + 1))
  fi
  echo "$c: $nalloc allocations, $nwrite writes; tried $tried call sites: $failed clean errors" \
       "($reruns reruns over what they left: good outputs), $tolerated tolerated; $((SECONDS - t0)) s"
  total=$((total + tried))
done
echo "PASS ($total faulty runs)"
