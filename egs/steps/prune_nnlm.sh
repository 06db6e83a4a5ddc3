#!/usr/bin/env bash
# prune_nnlm.sh — the pruned NNLM families of the 16 kHz recipes: `wren prune` for every
# criterion x method x schedule of conf/prune.conf, from the shared NNLM of make_nnlm.sh, with
# the same fine-tuning budget (tokens) for one-shot and incremental runs; then a table of every
# model's dev perplexity, stored parameters, bytes on disk and NNLM scoring speed relative to the
# dense model, all measured by `wren nnlm-eval` (one thread) in this run; with scratch=1 (conf)
# also the from-scratch baseline of scratch_nnlm.sh (dense models of each size trained on the
# same token budget as the one-shot fine-tuning).
# Resumable: existing models are kept (wren prune skips them), measured rows are reused.
# Not for: WER of the pruned models (egs/steps/nnlm_rescore.sh, recipe stage 10).
# usage: egs/steps/prune_nnlm.sh [--config FILE] [--VAR VALUE ...] NNLM_DIR OUT_DIR
#   the tunables: egs/steps/conf/prune.conf, then --config FILE, then any of its variables as an option
#   reads NNLM_DIR/{nnlm.safetensors,train.txt,dev.txt}; writes OUT_DIR/<crit>-<method>-<sched>-<size>.safetensors,
#   OUT_DIR/logs/, OUT_DIR/table.txt, OUT_DIR/settings.txt (the fine-tuning recipe; a rerun with
#   another one stops with an error)
set -euo pipefail
. "$(dirname "$0")/conf/prune.conf"
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 2 ] || { echo "usage: $0 [--config FILE] [--VAR VALUE ...] NNLM_DIR OUT_DIR" >&2; exit 1; }
steps=$(cd "$(dirname "$0")" && pwd); top=$(cd "$steps/../.." && pwd)
nn=$1; out=$2
wren=${WREN:-$top/build/wren}
log() { echo "[prune_nnlm $(date +%H:%M:%S)] $*" >&2; }
mkdir -p "$out/logs"
export OPENBLAS_NUM_THREADS=1
dense=$nn/nnlm.safetensors
[ -s "$dense" ] || { echo "prune_nnlm.sh: no $dense (run make_nnlm.sh)" >&2; exit 1; }

# calibration: the last lines of the training text (the criteria's statistics; fine-tuning
# samples the whole training text); table dev: the first dev_lines of the dev split
# (each written under a .tmp name first: a killed copy must not be kept as the whole text)
keep_or_make() { [ -s "$1" ] || { "${@:2}" > "$1.tmp" && mv "$1.tmp" "$1"; }; }   # file command...
keep_or_make "$out/calib.txt" tail -n 5000 "$nn/train.txt"
keep_or_make "$out/dev.txt" head -n "$dev_lines" "$nn/dev.txt"
keep_or_make "$out/valid.txt" head -n 300 "$nn/dev.txt"
# fine-tuning reads a slice of the training text (far more tokens than the budget; loading all
# 10M tokens for every fine-tuning step would cost more than the fine-tuning itself)
keep_or_make "$out/finetune.txt" head -n "$finetune_lines" "$nn/train.txt"

# The fine-tuning recipe of OUT's models. wren prune keeps the outputs that exist, so a rerun
# with another recipe would mix old models into the new table: it stops instead.
# prune_batch is a number, or "TOKENS:BATCH ..." (the entry of the largest TOKENS <= the
# fine-tuning budget): a small budget buys more steps with smaller batches
case $prune_batch in
  *:*) b=""; k=-1; for e in $prune_batch; do
         [[ $e =~ ^[0-9]+:[0-9]+$ ]] || { echo "prune_nnlm.sh: prune_batch: '$e' is not TOKENS:BATCH" >&2; exit 1; }
         if [ "${e%%:*}" -le "$finetune_tokens" ] && [ "${e%%:*}" -gt "$k" ]; then k=${e%%:*}; b=${e#*:}; fi
       done
       [ -n "$b" ] || { echo "prune_nnlm.sh: prune_batch '$prune_batch' has no entry for $finetune_tokens tokens" >&2; exit 1; }
       prune_batch=$b ;;
esac
settings="finetune_tokens=$finetune_tokens batch=$prune_batch lr=$prune_lr dropout=$prune_dropout calib_tokens=$calib_tokens"
if [ -s "$out/settings.txt" ]; then
  [ "$(cat "$out/settings.txt")" = "$settings" ] || {
    echo "prune_nnlm.sh: $out/settings.txt: its models were made with '$(cat "$out/settings.txt")', not '$settings'; move them away or choose another OUT_DIR" >&2
    exit 1; }
elif compgen -G "$out/*.safetensors" > /dev/null; then
  echo "prune_nnlm.sh: warning: $out has models but no settings.txt (made before it was recorded); they are kept as they are" >&2
else
  echo "$settings" > "$out/settings.txt.tmp" && mv "$out/settings.txt.tmp" "$out/settings.txt"
fi

run_one() {   # criterion method schedule [label extra-prune-options...]
  local c=$1 m=$2 s=$3 label=${4:-$2}
  local tag=$c-$label-$s
  [ -s "$out/logs/$tag.done" ] && return 0
  local extra=() x
  # the run's own options; @DENSE@ stands for the dense model (e.g. --distill @DENSE@)
  for x in "${@:5}"; do extra+=("${x//@DENSE@/$dense}"); done
  [ "$s" = incremental ] && extra+=(--steps "$inc_steps")
  # prune_opts (conf) go to every run; the run's own options come last: they override the
  # shared ones (e.g. --sizes)
  # shellcheck disable=SC2086
  if nice "$wren" prune --model "$dense" --criterion "$c" --method "$m" --schedule "$s" \
      --sizes "$sizes" --out-prefix "$out/$tag" --finetune-text "$out/finetune.txt" \
      --finetune-tokens "$finetune_tokens" --valid-text "$out/valid.txt" --calib-text "$out/calib.txt" \
      --calib-tokens "$calib_tokens" --batch "$prune_batch" --lr "$prune_lr" --dropout "$prune_dropout" --size-basis "${size_basis:-prunable}" ${prune_opts:-} "${extra[@]}" > "$out/logs/$tag.txt" 2> "$out/logs/$tag.log"; then
    mv "$out/logs/$tag.txt" "$out/logs/$tag.done"
  else
    echo "prune_nnlm.sh: $tag failed: $(tail -1 "$out/logs/$tag.log")" >&2
  fi
}
runs=()
for c in $criteria; do for m in $methods; do for s in $schedules; do runs+=("$c $m $s"); done; done; done
# extra variants: "criterion method schedule label options..." separated by ';' (label = the
# method column of the table, e.g. lowrank+emb for --embedding)
IFS=';' read -ra xr <<< "${extra_runs:-}"
for r in "${xr[@]}"; do [ -n "${r// /}" ] && runs+=("$r"); done
log "${#runs[@]} runs, $prune_jobs at a time, fine-tuning budget $finetune_tokens tokens each"
for r in "${runs[@]}"; do
  # a free slot: runs differ in cost by 5x (masked training is dense), so no batch barrier
  while [ "$(jobs -rp | wc -l)" -ge "$prune_jobs" ]; do wait -n || true; done
  # shellcheck disable=SC2086
  run_one $r &
done
wait
if [ "${scratch:-1}" = 1 ]; then
  log "from-scratch dense baselines of each size (same fine-tuning budget)"
  "$steps/scratch_nnlm.sh" --basis "${size_basis:-prunable}" "$nn" "$out" || echo "prune_nnlm.sh: scratch_nnlm.sh failed" >&2
fi

# the table: one nnlm-eval per model (one thread; its wall time gives the speed)
measure() {   # model -> "ppl words_per_cpu_s": CPU time (user+sys) of a one-thread nnlm-eval, so
  # other load on the machine does not change the speed figures
  local ppl t tf="$out/time.$BASHPID.tmp"   # one per measurement: they run in parallel
  ppl=$(/usr/bin/time -o "$tf" -f "%U %S" "$wren" nnlm-eval --threads 1 --model "$1" "$out/dev.txt" |
        tail -1 | sed -n 's/.*ppl= *\([0-9.]*\).*/\1/p')
  t=$(awk '{print $1 + $2}' "$tf"); rm -f "$tf"
  [ -n "$ppl" ] || { echo "prune_nnlm.sh: nnlm-eval gave no perplexity for $1" >&2; return 1; }
  awk -v p="$ppl" -v t="$t" -v w="$(wc -w < "$out/dev.txt")" -v n="$(wc -l < "$out/dev.txt")" \
    'BEGIN { printf "%s %.0f\n", p, (w + n) / (t > 0 ? t : 1e-3) }'
}
params() { "$wren" nnlm-info "$1" | sed -n 's/^stored_params[^0-9]*\([0-9]*\).*/\1/p' | head -1; }
row() {   # name model
  local key; key=$(basename "$2")
  local cached; cached=$(awk -v k="$key" '$1 == k' "$out/measured.txt" | tail -1)
  if [ -z "$cached" ]; then
    cached="$key $(params "$2") $(stat -c %s "$2") $(measure "$2")"
    echo "$cached" >> "$out/measured.txt"
  fi
  echo "$1 $cached"
}
log "measuring dev perplexity and speed of every model (one thread each, $prune_jobs at a time)"
touch "$out/measured.txt"
models=("$dense")
for r in "${runs[@]}"; do
  set -- $r
  for z in ${sizes//,/ }; do models+=("$out/$1-${4:-$2}-$3-$z.safetensors"); done
done
for z in ${sizes//,/ }; do models+=("$out/scratch-dense-samebudget-$z.safetensors"); done
for f in "${models[@]}"; do   # the measurements row() would make one by one, in parallel
  [ -s "$f" ] || continue
  awk -v k="$(basename "$f")" '$1 == k { f = 1 } END { exit !f }' "$out/measured.txt" && continue
  while [ "$(jobs -rp | wc -l)" -ge "$prune_jobs" ]; do wait -n || true; done
  ( m=$(measure "$f") && echo "$(basename "$f") $(params "$f") $(stat -c %s "$f") $m" >> "$out/measured.txt" ) &
done
wait
{
  row "dense - - 1.0" "$dense"
  for r in "${runs[@]}"; do
    set -- $r
    label=${4:-$2}
    for z in ${sizes//,/ }; do
      f=$out/$1-$label-$3-$z.safetensors
      [ -s "$f" ] && row "$1 $label $3 $z" "$f"
    done
  done
  for z in ${sizes//,/ }; do
    f=$out/scratch-dense-samebudget-$z.safetensors
    [ -s "$f" ] && row "scratch dense samebudget $z" "$f"
  done
} > "$out/rows.txt"
awk 'NR == 1 { p0 = $6; b0 = $7; s0 = $9 }
     { printf "%-10s %-12s %-11s %5s %10d %6.3f %11d %6.3f %9.2f %8.0f %6.2f\n",
         $1, $2, $3, $4, $6, $6 / p0, $7, $7 / b0, $8, $9, $9 / s0 }' "$out/rows.txt" > "$out/table.body"
{
  echo "# pruned NNLMs: dev ppl on the first $(wc -l < "$out/dev.txt") dev sentences; stored params (masked: non-zeros + indices,"
  echo "# factored: both factors) and bytes on disk relative to dense; speed = nnlm-eval words per CPU second, one thread, this run"
  printf "%-10s %-12s %-11s %5s %10s %6s %11s %6s %9s %8s %6s\n" criterion method schedule size params rel bytes rel dev_ppl words/s speedup
  cat "$out/table.body"
} > "$out/table.txt"
cat "$out/table.txt"
