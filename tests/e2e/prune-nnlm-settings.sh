#!/bin/bash
# prune-nnlm-settings.sh — egs/steps/prune_nnlm.sh records the fine-tuning recipe of its output
# folder (settings.txt) and refuses to continue that folder with another recipe, since
# `wren prune` keeps the models that exist and the table would mix the two; a rerun with the
# same recipe resumes; a batch given by budget ("TOKENS:BATCH ...") resolves to the run's. A tiny
# NNLM trained on Brown text, one low-rank one-shot run. Then
# egs/steps/finetune_batch_sweep.sh on the same model: a table row per run with the dev
# perplexity its report printed, a rerun keeping the reports, another learning rate refused.
set -u
WREN=${WREN:-./wren}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${WREN_SHARED:-$SRC/../shared}   # default: beside the source tree
BROWN=$SHARED/data/text/lm-corpus/brown.txt.xz
[ -f "$BROWN" ] || { echo "skip: no $BROWN"; exit 77; }
WREN=$(cd "$(dirname "$WREN")" && pwd)/$(basename "$WREN")
export WREN OPENBLAS_NUM_THREADS=1
T=$(mktemp -d /tmp/wren-e2e-prune-nnlm.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$T/nn"
xz -dc "$BROWN" | head -1500 | tr A-Z a-z | sed "s/[^a-z' ]/ /g" | awk 'NF>2' > "$T/all.txt"
head -1200 "$T/all.txt" > "$T/nn/train.txt"
sed -n 1201,1400p "$T/all.txt" > "$T/nn/dev.txt"
"$WREN" nnlm-train --train "$T/nn/train.txt" --out "$T/nn/nnlm.safetensors" --vocab-size 1000 --layers 2 \
  --d-model 32 --heads 4 --ffn 64 --context 16 --batch 16 --steps 100 --valid-every 100 --lr 3e-3 \
  --threads 1 2> "$T/train.log" || fail "nnlm-train: $(tail -1 "$T/train.log")"
run() {   # prune_nnlm.sh with a small fine-tuning budget and whatever options follow
  bash "$SRC/egs/steps/prune_nnlm.sh" --criteria magnitude --methods lowrank --schedules oneshot \
    --sizes 0.5 --finetune-tokens 4096 --finetune-lines 1000 --dev-lines 50 --extra-runs "" --scratch 0 \
    "$@" "$T/nn" "${OUT:-$T/out}"
}
run > "$T/run1.txt" 2> "$T/run1.log" || fail "first run: $(tail -1 "$T/run1.log")"
model=$T/out/magnitude-lowrank-oneshot-0.5.safetensors
[ -s "$model" ] || fail "no $model"
grep -qx "finetune_tokens=4096 batch=32 lr=3e-4 dropout=0 calib_tokens=20000" "$T/out/settings.txt" \
  || fail "settings.txt: $(cat "$T/out/settings.txt")"
before=$(md5sum < "$model")
# another recipe on the same folder: one line naming settings.txt, exit 1, the model untouched
run --prune-lr 1e-4 > /dev/null 2> "$T/run2.log"; rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$T/run2.log")" = 1 ] && grep -q "$T/out/settings.txt: .*lr=3e-4.*not .*lr=1e-4" "$T/run2.log" \
  || fail "another recipe: rc $rc $(cat "$T/run2.log")"
run --finetune-tokens 8192 > /dev/null 2> "$T/run3.log"; rc=$?
[ $rc = 1 ] && grep -q "settings.txt" "$T/run3.log" || fail "another budget: rc $rc $(cat "$T/run3.log")"
[ "$(md5sum < "$model")" = "$before" ] || fail "a refused run changed $model"
# the same recipe resumes: the model is kept, the table made again
run > "$T/run4.txt" 2> "$T/run4.log" || fail "resume: $(tail -1 "$T/run4.log")"
[ "$(md5sum < "$model")" = "$before" ] || fail "the resumed run changed $model"
grep -q "^magnitude  *lowrank  *oneshot  *0.5 " "$T/out/table.txt" || fail "table: $(cat "$T/out/table.txt")"
# a batch by budget: the entry of the largest budget <= the run's (4096 tokens: batch 8)
OUT=$T/out-map run --prune-batch "8192:32 0:8" > /dev/null 2> "$T/run5.log" || fail "batch map: $(tail -1 "$T/run5.log")"
grep -q " batch=8 " "$T/out-map/settings.txt" || fail "batch map: $(cat "$T/out-map/settings.txt")"
OUT=$T/out-bad run --prune-batch "0:8 big:32" > /dev/null 2> "$T/run6.log"; rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$T/run6.log")" = 1 ] && grep -q "'big:32' is not TOKENS:BATCH" "$T/run6.log" \
  || fail "a bad batch map: rc $rc $(cat "$T/run6.log")"

# --- finetune_batch_sweep.sh: two batches at one budget
sweep() { bash "$SRC/egs/steps/finetune_batch_sweep.sh" --budgets 4096 --batches "4 16" --models "lowrank:0.5" \
  --finetune-lines 1000 --jobs 1 "$@" "$T/nn" "$T/sweep"; }
sweep > "$T/sweep1.txt" 2> "$T/sweep1.log" || fail "sweep: $(tail -1 "$T/sweep1.log")"
[ "$(wc -l < "$T/sweep/table.tsv")" = 3 ] || fail "sweep table: $(cat "$T/sweep/table.tsv")"
for b in 4 16; do
  r=$T/sweep/reports/lowrank-0.5-ft4096-b$b.txt
  p=$(grep -o 'dev_ppl [0-9.]*' "$r" | cut -d' ' -f2)
  [ -n "$p" ] && awk -F'\t' -v b="$b" -v p="$p" '$1 == 4096 && $2 == "lowrank" && $3 == 0.5 && $4 == b && $5 == p { f = 1 } END { exit !f }' \
    "$T/sweep/table.tsv" || fail "sweep batch $b: report ppl '$p', table $(cat "$T/sweep/table.tsv")"
  # one model: its geometric mean is its perplexity
  awk -v b="$b" -v p="$p" '$1 == 4096 && $2 == b && $3 == 1 && $4 - p < 0.006 && p - $4 < 0.006 { f = 1 } END { exit !f }' \
    "$T/sweep1.txt" || fail "sweep geomean of batch $b (ppl $p): $(tail -3 "$T/sweep1.txt")"
done
ls "$T/sweep/reports" | grep -q 'safetensors\|\.tmp' && fail "sweep left models or temporary files: $(ls "$T/sweep/reports")"
touch -d 2000-01-01 "$T/sweep/reports/lowrank-0.5-ft4096-b4.txt"
sweep > /dev/null 2> "$T/sweep2.log" || fail "sweep rerun: $(tail -1 "$T/sweep2.log")"
[ "$(stat -c %Y "$T/sweep/reports/lowrank-0.5-ft4096-b4.txt")" = "$(date -d 2000-01-01 +%s)" ] || fail "sweep rerun ran again"
sweep --lr 1e-3 > /dev/null 2> "$T/sweep3.log"; rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$T/sweep3.log")" = 1 ] && grep -q "settings.txt" "$T/sweep3.log" || fail "sweep with another lr: rc $rc $(cat "$T/sweep3.log")"
echo "prune-nnlm-settings e2e ok"
