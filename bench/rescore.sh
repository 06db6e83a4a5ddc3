#!/bin/bash
# rescore.sh — cost of NNLM rescoring on real lattices: for each NNLM given and 1 and 2 BLAS
# threads, three systems over the same lattices and weights: 100-best (prefix-shared, the
# n-best lists of wren's default --lattice-batch lattices in one trie), lattice
# rescoring one lattice at a time (--lattice-batch 1) and lattice rescoring batched (wren's
# default --lattice-batch). Per row: WER, NNLM tokens (words scored), NNLM calls (each a set of
# GEMMs over its rows: tokens / calls is the batch the path achieves), forward passes (histories
# extended by a word and then scored from: what the blocks cost), tokens per wall and per CPU second, CPU
# seconds (user+sys of all threads) and wall seconds of rescoring without model loading (as the
# summary line of `wren rescore` reports them), and ratios against 100-best (same model and
# threads) and against the first model (same system and threads). CPU time is the
# figure to trust on a loaded machine. If `wren help rescore` lists --unnormalized
# (self-normalised NNLMs scored with one dot product per word), every model is also run with it
# (rows marked "+unnorm"). The first pass and the lattice oracle are the reference WER rows.
# Inputs (env): LAT (lattices from `wren decode`), REF (Kaldi text), LM (ARPA interpolated with
# the NNLM), FIRST_LM (the graph's ARPA, default LM), WORDS (graph words.txt), and either NNLM
# (one model) or NNLMS="name=model.safetensors name2=..." (the first is the reference, e.g.
# dense=a.safetensors lowrank0.5=b.safetensors). LAMBDA, LMW, WIP (default 0.5, 1, 0: tune
# them on dev with `wren rescore-tune`), NBEST (100), HISTORY and BEAM (lattice mode; default
# wren's), BATCH (batched rows' --lattice-batch; default wren's), THREADS ("1 2"), REPEAT (1: this many
# passes over all rows, each row showing its least CPU and least wall time; single runs of a few
# seconds vary by 5-15 % on a shared machine, in spells that last minutes). SYSTEMS picks the
# systems ("nbest one batched", the default; e.g. SYSTEMS=batched times the pruning study's
# lattice rescoring alone) and VARIANTS the scoring ("both", the default: normalised and, if
# offered, --unnormalized; "default": `wren rescore`'s own choice for each model, as the recipes
# run it, rows marked "+auto").
# Without LAT, a small LibriVox setup is built as in tests/e2e/rescore.sh (5 utterances: the
# figures show the plumbing, not a benchmark). With VARIANTS=both, rows without "+unnorm"
# are scored normalised (--unnormalized=false), whatever rescore's default for the model.
# Env: WREN (built wren) or WREN_BUILDDIR.
set -u
WREN=${WREN:-${WREN_BUILDDIR:-.}/wren}
[ -x "$WREN" ] || { echo "bench/rescore.sh: set WREN to the built wren" >&2; exit 1; }
WREN=$(cd "$(dirname "$WREN")" && pwd)/$(basename "$WREN")   # absolute: the default setup cd's away
LAMBDA=${LAMBDA:-0.5}; LMW=${LMW:-1}; WIP=${WIP:-0}; NBEST=${NBEST:-100}; THREADS=${THREADS:-1 2}
REPEAT=${REPEAT:-1}; SYSTEMS=${SYSTEMS:-nbest one batched}; VARIANTS=${VARIANTS:-both}
case $REPEAT in ''|*[!0-9]*|0) echo "bench/rescore.sh: REPEAT must be a positive integer, not '$REPEAT'" >&2; exit 1 ;; esac
n_sys=0
for sys in $SYSTEMS; do
  case $sys in nbest|one|batched) n_sys=$((n_sys + 1)) ;; *) echo "bench/rescore.sh: SYSTEMS takes nbest, one and batched, not '$sys'" >&2; exit 1 ;; esac
done
[ $n_sys -gt 0 ] || { echo "bench/rescore.sh: SYSTEMS names no system" >&2; exit 1; }
case $VARIANTS in both|default) ;; *) echo "bench/rescore.sh: VARIANTS is both or default, not '$VARIANTS'" >&2; exit 1 ;; esac
tmp=$(mktemp -d /tmp/wren-bench-rescore-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ -z "${LAT:-}" ]; then
  SHARED=${WREN_SHARED:-$(cd "$(dirname "$0")/.." && pwd)/../shared}   # default: beside the source tree
  MODEL=/usr/share/pocketsphinx/model/en-us/en-us
  DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
  LIBRI=/usr/share/pocketsphinx/test/data/librivox
  CORPUS=$SHARED/data/text/lm-corpus/austen-six-novels.txt.xz
  for p in "$MODEL/mdef" "$LIBRI/transcription" "$CORPUS"; do [ -e "$p" ] || { echo "SKIP: $p missing"; exit 77; }; done
  cd "$tmp" || exit 1
  for u in $(cat "$LIBRI/fileids"); do echo "$u $LIBRI/$u.wav"; done > wav.scp
  sed -e 's/<s> //; s/ <\/s>//' -e 's/^\(.*\) (\(.*\))$/\2 \1/' "$LIBRI/transcription" > ref.txt
  cut -d' ' -f2- ref.txt > test-sents.txt
  "$WREN" text-norm --paragraphs "$CORPUS" norm.txt 2> /dev/null
  "$WREN" leak-guard --eval test-sents.txt norm.txt guarded.txt > /dev/null 2>&1
  head -8000 guarded.txt > lm.txt; head -3000 guarded.txt > nn-train.txt; sed -n 3001,3300p guarded.txt > nn-valid.txt
  "$WREN" ngram-count -order 2 -text lm.txt -lm lm.arpa 2> /dev/null
  "$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa graph > /dev/null 2>&1 || { echo "mkgraph failed"; exit 1; }
  "$WREN" decode --model "$MODEL" --graph graph --adapt none wav.scp hyp1.txt lat.gz 2> /dev/null || { echo "decode failed"; exit 1; }
  "$WREN" nnlm-train --train nn-train.txt --valid nn-valid.txt --out nn.safetensors --layers 1 --d-model 64 \
    --heads 2 --ffn 128 --context 32 --steps 300 --batch 16 --valid-every 100 --threads 1 > /dev/null 2>&1
  LAT=$tmp/lat.gz REF=$tmp/ref.txt LM=$tmp/lm.arpa WORDS=$tmp/graph/words.txt NNLMS="dense=$tmp/nn.safetensors"
fi
NNLMS=${NNLMS:-dense=${NNLM:?set NNLM or NNLMS}}
FIRST_LM=${FIRST_LM:-$LM}
common=(--lm "$LM" --first-pass-lm "$FIRST_LM" --words "$WORDS" --lambda "$LAMBDA" --lm-weight "$LMW"
        --word-penalty "$WIP" --nbest "$NBEST")
[ -n "${HISTORY:-}" ] && common+=(--history "$HISTORY")
[ -n "${BEAM:-}" ] && common+=(--beam "$BEAM")
batched=(--mode lattice)
[ -n "${BATCH:-}" ] && batched+=(--lattice-batch "$BATCH")
# explicit both ways: rescore's default (auto) already scores self-normalised models unnormalised
variants=("")
[ "$VARIANTS" = both ] && "$WREN" help rescore 2>&1 | grep -q -- '--unnormalized' && variants=("--unnormalized=false" "--unnormalized=true")

wer() { "$WREN" wer "$REF" "$1" | sed -n 's/^%WER \([0-9.]*\) .*/\1/p' | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else printf "-" }'; }
declare -A ref_cpu nb_cpu nb_wall

fmt='%-24s %3s %-19s %6s %7s %6s %7s %7s %9s %7s %7s %8s %9s %7s\n'
printf "$fmt" model thr system WER tokens calls fwd tok/s tok/cpu-s cpu_s wall_s cpu/100b wall/100b cpu/ref
"$WREN" lattice best-path --words "$WORDS" "$LAT" "$tmp/fp.txt" 2> /dev/null
printf "$fmt" - - "first pass" "$(wer "$tmp/fp.txt")" - - - - - - - - - -
oracle=$("$WREN" lattice oracle --words "$WORDS" "$LAT" "$REF" | sed -n 's/^%WER \([0-9.]*\) .*/\1/p')
printf "$fmt" - - "lattice oracle" "$oracle" - - - - - - - - - -
# The rows: every thread count x model x variant x system. Each of the REPEAT passes runs every
# row once, so a slow spell of the machine (they last minutes on a shared VM) touches one run of
# every row rather than all runs of a few rows; each row keeps its least CPU and wall time.
rows=()
for thr in $THREADS; do
  for spec in $NNLMS; do
    for vi in "${!variants[@]}"; do
      for sys in $SYSTEMS; do rows+=("$thr|$spec|$vi|$sys"); done
    done
  done
done
declare -A r_cpu r_wall r_tok r_calls r_fwd r_fail
for pass in $(seq "$REPEAT"); do
  [ "$REPEAT" -gt 1 ] && echo "bench/rescore.sh: pass $pass of $REPEAT" >&2
  for i in "${!rows[@]}"; do
    [ -n "${r_fail[$i]:-}" ] && continue
    IFS='|' read -r thr spec vi sys <<< "${rows[$i]}"
    model=${spec#*=}; var=${variants[$vi]}
    case $sys in
      nbest) opts=(--mode nbest) ;;
      one) opts=(--mode lattice --lattice-batch 1) ;;
      batched) opts=("${batched[@]}") ;;
    esac
    # `wren rescore` has no --threads: OpenBLAS reads OPENBLAS_NUM_THREADS
    # shellcheck disable=SC2086
    if ! OPENBLAS_NUM_THREADS=$thr "$WREN" rescore --nnlm "$model" "${common[@]}" $var "${opts[@]}" "$LAT" "$tmp/h$i.txt" 2> "$tmp/log"; then
      r_fail[$i]=$(tail -1 "$tmp/log"); continue
    fi
    # the summary line: rescoring's own wall and CPU (user+sys, all threads) time, without loading
    r_tok[$i]=$(sed -n 's/.*NNLM tokens \([0-9]*\) .*/\1/p' "$tmp/log")
    r_calls[$i]=$(sed -n 's/.* in \([0-9]*\) calls,.*/\1/p' "$tmp/log")
    r_fwd[$i]=$(sed -n 's/.* calls, \([0-9]*\) forward passes,.*/\1/p' "$tmp/log")
    w1=$(sed -n 's/.*, time \([0-9.]*\) s .*/\1/p' "$tmp/log")
    c1=$(sed -n 's/.*, cpu \([0-9.]*\) s .*/\1/p' "$tmp/log")
    r_cpu[$i]=$(awk -v a="$c1" -v b="${r_cpu[$i]:-}" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }')
    r_wall[$i]=$(awk -v a="$w1" -v b="${r_wall[$i]:-}" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }')
  done
done
for i in "${!rows[@]}"; do
  IFS='|' read -r thr spec vi sys <<< "${rows[$i]}"
  name=${spec%%=*}; var=${variants[$vi]}
  label=$name; [ "$var" = "--unnormalized=true" ] && label=$name+unnorm
  [ "$VARIANTS" = default ] && label=$name+auto
  case $sys in
    nbest) sname="$NBEST-best" ;;
    one) sname="lattice 1-at-a-time" ;;
    batched) sname="lattice batched" ;;
  esac
  if [ -n "${r_fail[$i]:-}" ]; then
    printf "$fmt" "$label" "$thr" "$sname" "failed: ${r_fail[$i]}" "" "" "" "" "" "" "" "" "" ""; continue
  fi
  c=${r_cpu[$i]}; wall=${r_wall[$i]}; tok=${r_tok[$i]}; calls=${r_calls[$i]}
  [ $sys = nbest ] && { nb_cpu[$thr/$label]=$c; nb_wall[$thr/$label]=$wall; }
  key=$thr/$sys/$var
  [ -z "${ref_cpu[$key]:-}" ] && ref_cpu[$key]=$c
  printf "$fmt" "$label" "$thr" "$sname" "$(wer "$tmp/h$i.txt")" "$tok" "${calls:--}" "${r_fwd[$i]:--}" "$(ratio "$tok" "$wall" | sed 's/\.[0-9]*$//')" \
    "$(ratio "$tok" "$c" | sed 's/\.[0-9]*$//')" "$c" "$wall" "$(ratio "$c" "${nb_cpu[$thr/$label]:-}")" \
    "$(ratio "$wall" "${nb_wall[$thr/$label]:-}")" "$(ratio "$c" "${ref_cpu[$key]}")"
done
echo "(lambda=$LAMBDA lm-weight=$LMW wip=$WIP; cpu_s, wall_s: rescoring without model loading, as"
echo " \`wren rescore\` reports them (CPU = user+sys of all threads); tok/s, tok/cpu-s: NNLM tokens per"
echo " second of those; ratios against $NBEST-best of the same model and threads, and against the first"
echo " model of NNLMS with the same system and threads; least of $REPEAT run(s) each, in $REPEAT passes over all rows)"
