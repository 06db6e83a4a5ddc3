#!/bin/bash
# prune.sh — end-to-end test of `wren prune`: a tiny NNLM trained on Brown text is pruned by
# every method (one-shot and incremental with fine-tuning); every output exists, has the size
# asked for, loads in `wren nnlm-info` and `wren nnlm-eval`; resume keeps outputs made with the
# same settings and refuses others (each output records them); a run with
# knowledge distillation from the dense model, the embedding masked and whole-model sizes; bad
# options exit 1 with a one-line message.
set -u
WREN=${WREN:-./wren}
SHARED=${WREN_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/../shared}   # default: beside the source tree
BROWN=$SHARED/data/text/lm-corpus/brown.txt.xz
[ -f "$BROWN" ] || { echo "skip: no $BROWN"; exit 77; }
export OPENBLAS_NUM_THREADS=1
T=$(mktemp -d /tmp/wren-e2e-prune.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
xz -dc "$BROWN" | head -1500 | tr A-Z a-z | sed "s/[^a-z' ]/ /g" | awk 'NF>2' > "$T/all.txt"
head -1100 "$T/all.txt" > "$T/train.txt"
sed -n 1101,1300p "$T/all.txt" > "$T/dev.txt"
sed -n 1301,1450p "$T/all.txt" > "$T/calib.txt"
"$WREN" nnlm-train --train "$T/train.txt" --out "$T/dense.safetensors" --vocab-size 1000 --layers 2 \
  --d-model 32 --heads 4 --ffn 64 --context 16 --batch 16 --steps 200 --valid-every 200 --lr 3e-3 \
  --threads 1 2> "$T/train.log" || fail "nnlm-train: $(tail -1 "$T/train.log")"
"$WREN" prune --help > /dev/null || fail "prune --help"
for method in unstructured structured lowrank; do
  for crit in magnitude activation; do
    out=$T/$method-$crit
    sizes="0.9 0.5 0.1"
    # one head + one neuron per block is 13% of this tiny model: structured stops at 0.2
    [ $method = structured ] && sizes="0.9 0.5 0.2"
    "$WREN" prune --model "$T/dense.safetensors" --criterion $crit --method $method --schedule oneshot \
      --calib-text "$T/calib.txt" --calib-tokens 3000 --valid-text "$T/dev.txt" \
      --sizes $(echo $sizes | tr ' ' ,) --out-prefix "$out" > "$out.txt" 2> "$out.log" || fail "$method $crit: $(tail -1 "$out.log")"
    [ "$(wc -l < "$out.txt")" = 3 ] || fail "$method $crit: expected 3 report lines: $(cat "$out.txt")"
    for s in $sizes; do
      [ -f "$out-$s.safetensors" ] || fail "no $out-$s.safetensors"
      # prunable size within 0.07 below the target, never above
      awk -v s=$s '$1=="size" && $2==s { if ($4 > s + 1e-6 || $4 < s - 0.07) exit 1; found=1 } END { exit !found }' \
        "$out.txt" || fail "$method $crit size $s: $(grep "size $s " "$out.txt")"
      "$WREN" nnlm-info "$out-$s.safetensors" | grep -q stored_params || fail "nnlm-info $out-$s"
      "$WREN" nnlm-eval --model "$out-$s.safetensors" "$T/dev.txt" | grep -q "ppl=" || fail "nnlm-eval $out-$s"
    done
  done
done
# incremental with fine-tuning; then a rerun resumes (outputs kept, marked existing)
"$WREN" prune --model "$T/dense.safetensors" --criterion fisher --method lowrank --schedule incremental \
  --steps 3 --schedule-shape linear --calib-text "$T/calib.txt" --calib-tokens 2000 --finetune-text "$T/train.txt" \
  --finetune-tokens 1536 --batch 8 --valid-text "$T/dev.txt" --sizes 0.5,0.25 --out-prefix "$T/inc" \
  > "$T/inc.txt" 2> "$T/inc.log" || fail "incremental: $(tail -1 "$T/inc.log")"
grep -q "size 0.25 .*finetune_tokens 1536 " "$T/inc.txt" || fail "incremental tokens: $(cat "$T/inc.txt")"
"$WREN" prune --model "$T/dense.safetensors" --criterion fisher --method lowrank --schedule incremental \
  --steps 3 --schedule-shape linear --calib-text "$T/calib.txt" --calib-tokens 2000 --finetune-text "$T/train.txt" \
  --finetune-tokens 1536 --batch 8 --sizes 0.5,0.25 --out-prefix "$T/inc" > "$T/inc2.txt" 2>&1 || fail "resume"
[ "$(grep -c existing "$T/inc2.txt")" = 2 ] || fail "resume did not keep outputs: $(cat "$T/inc2.txt")"
# every output records its settings; a rerun asking for others (here the fine-tuning lr) is
# refused with one line naming the file and the setting, and leaves the model as it was
"$WREN" nnlm-info "$T/inc-0.5.safetensors" | grep -q "^prune_settings model_crc32=[0-9a-f]\{8\} criterion=fisher method=lowrank schedule=incremental .* lr=0.0003 " \
  || fail "nnlm-info shows no prune_settings: $("$WREN" nnlm-info "$T/inc-0.5.safetensors" | grep prune)"
sum=$(md5sum < "$T/inc-0.5.safetensors")
"$WREN" prune --model "$T/dense.safetensors" --criterion fisher --method lowrank --schedule incremental \
  --steps 3 --schedule-shape linear --calib-text "$T/calib.txt" --calib-tokens 2000 --finetune-text "$T/train.txt" \
  --finetune-tokens 1536 --batch 8 --lr 1e-3 --sizes 0.5,0.25 --out-prefix "$T/inc" > /dev/null 2> "$T/err.txt"; rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$T/err.txt")" = 1 ] && grep -q "inc-0.5.safetensors: made with other settings (lr 0.0003 (asked 0.001))" "$T/err.txt" \
  && [ "$(md5sum < "$T/inc-0.5.safetensors")" = "$sum" ] || fail "rerun with another lr: rc $rc $(cat "$T/err.txt")"
# a --finetune-text without --finetune-tokens fine-tunes 1,000,000 tokens (the study's budget), not
# none: the same rerun without the option is refused for asking that budget
"$WREN" prune --model "$T/dense.safetensors" --criterion fisher --method lowrank --schedule incremental \
  --steps 3 --schedule-shape linear --calib-text "$T/calib.txt" --calib-tokens 2000 --finetune-text "$T/train.txt" \
  --batch 8 --sizes 0.5,0.25 --out-prefix "$T/inc" > /dev/null 2> "$T/err.txt"; rc=$?
[ $rc = 1 ] && grep -q "made with other settings (.*finetune_tokens 1536 (asked 1000000)" "$T/err.txt" ||
  fail "the default fine-tuning budget with a --finetune-text: rc $rc $(cat "$T/err.txt")"
# so is a rerun from another input model (a retrained dense model: here an earlier pruned one)
"$WREN" prune --model "$T/lowrank-magnitude-0.9.safetensors" --criterion fisher --method lowrank --schedule incremental \
  --steps 3 --schedule-shape linear --calib-text "$T/calib.txt" --calib-tokens 2000 --finetune-text "$T/train.txt" \
  --finetune-tokens 1536 --batch 8 --sizes 0.5,0.25 --out-prefix "$T/inc" > /dev/null 2> "$T/err.txt"; rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$T/err.txt")" = 1 ] && grep -q "inc-0.5.safetensors: made with other settings (model_crc32 [0-9a-f]* (asked [0-9a-f]*))" "$T/err.txt" \
  || fail "rerun from another model: rc $rc $(cat "$T/err.txt")"
# a model from before the record (here the dense one in an output's place) is kept, with a warning
cp "$T/dense.safetensors" "$T/old-0.5.safetensors"
"$WREN" prune --model "$T/dense.safetensors" --method lowrank --sizes 0.5 --out-prefix "$T/old" > "$T/old.txt" 2> "$T/err.txt" \
  || fail "a model without a record: $(cat "$T/err.txt")"
grep -q "existing" "$T/old.txt" && grep -q "warning: .*old-0.5.safetensors: no record of the settings" "$T/err.txt" \
  || fail "a model without a record: $(cat "$T/old.txt" "$T/err.txt")"
# a resumed run reports the tokens the first run really used (whole batches), not the budget
# asked for (100 tokens is not a whole number of batches: the rerun reported 50 and 150, not 64 and 192)
for i in 1 2; do
  "$WREN" prune --model "$T/dense.safetensors" --schedule incremental --steps 2 --finetune-text "$T/train.txt" \
    --finetune-tokens 100 --batch 2 --sizes 0.5,0.25 --out-prefix "$T/res" > "$T/res$i.txt" 2> "$T/res.log" \
    || fail "resume run $i: $(tail -1 "$T/res.log")"
done
[ "$(grep -c existing "$T/res2.txt")" = 2 ] || fail "resume did not keep outputs: $(cat "$T/res2.txt")"
diff <(sed 's/ existing//' "$T/res2.txt") "$T/res1.txt" > /dev/null \
  || fail "the resumed run reports other figures: $(cat "$T/res1.txt" "$T/res2.txt")"
# distillation from the dense model in the fine-tuning, the embedding masked too, a whole-model
# (total) size: the line says 'distill 0.7', the model records it, the total is within 0.01 below
"$WREN" prune --model "$T/dense.safetensors" --method unstructured --embedding --size-basis total \
  --finetune-text "$T/train.txt" --finetune-tokens 1024 --batch 8 --valid-text "$T/dev.txt" --sizes 0.3 \
  --distill "$T/dense.safetensors" --distill-weight 0.7 --out-prefix "$T/dist" > "$T/dist.txt" 2> "$T/dist.log" \
  || fail "distill: $(tail -1 "$T/dist.log")"
grep -q "^size 0.3 prunable+emb .* distill 0.7 finetune_tokens 1024 .*dist-0.3.safetensors$" "$T/dist.txt" \
  || fail "distill line: $(cat "$T/dist.txt")"
awk '$1=="size" { if ($6 > 0.3 + 1e-6 || $6 < 0.29) exit 1; found=1 } END { exit !found }' "$T/dist.txt" \
  || fail "distill total size: $(cat "$T/dist.txt")"
grep -q " kl [0-9.]* " "$T/dist.log" || fail "no kl in the fine-tuning progress: $(tail -3 "$T/dist.log")"
"$WREN" nnlm-info "$T/dist-0.3.safetensors" > "$T/dist-info.txt" || fail "nnlm-info dist"
grep -q "^distill_weight 0.7$" "$T/dist-info.txt" && grep -q "^tok_emb masked" "$T/dist-info.txt" \
  || fail "nnlm-info of the distilled model: $(cat "$T/dist-info.txt")"
"$WREN" nnlm-eval --model "$T/dist-0.3.safetensors" "$T/dev.txt" | grep -q "ppl=" || fail "nnlm-eval dist"
# a teacher over other words is refused, naming its file, before any output
"$WREN" nnlm-train --train "$T/calib.txt" --out "$T/other.safetensors" --vocab-size 300 --layers 1 --d-model 16 \
  --heads 2 --ffn 16 --context 16 --steps 1 --threads 1 2> /dev/null || fail "nnlm-train other"
"$WREN" prune --model "$T/dense.safetensors" --method lowrank --sizes 0.5 --finetune-text "$T/train.txt" \
  --finetune-tokens 256 --distill "$T/other.safetensors" --out-prefix "$T/y" 2> "$T/err.txt"; rc=$?
[ $rc = 1 ] && grep -q "other.safetensors: the teacher's vocabulary" "$T/err.txt" && [ "$(wc -l < "$T/err.txt")" = 1 ] \
  && [ ! -e "$T/y-0.5.safetensors" ] || fail "wrong-vocabulary teacher: rc $rc $(cat "$T/err.txt")"
# bad options: exit 1, one line naming the problem
"$WREN" prune --model "$T/dense.safetensors" --method structured --sizes 0.05 --out-prefix "$T/x" 2> "$T/err.txt"; rc=$?
[ $rc = 1 ] && grep -q "cannot reach size 0.05" "$T/err.txt" || fail "unreachable structured size: rc $rc $(cat "$T/err.txt")"
"$WREN" prune --model "$T/dense.safetensors" --criterion bogus --method lowrank --sizes 0.5 \
  --out-prefix "$T/x" 2> "$T/err.txt"; rc=$?
[ $rc = 1 ] && grep -q "unknown criterion 'bogus'" "$T/err.txt" || fail "bad criterion: rc $rc $(cat "$T/err.txt")"
"$WREN" prune --model "$T/missing.safetensors" --sizes 0.5 --out-prefix "$T/x" 2> "$T/err.txt"; rc=$?
[ $rc = 1 ] && grep -q "missing.safetensors" "$T/err.txt" || fail "missing model: rc $rc $(cat "$T/err.txt")"
"$WREN" prune --model "$T/dense.safetensors" --method lowrank --sizes 0.1 --size-basis total --out-prefix "$T/x" \
  2> "$T/err.txt"; rc=$?
[ $rc = 1 ] && grep -q "total size 0.1 is unreachable" "$T/err.txt" || fail "unreachable total size: rc $rc $(cat "$T/err.txt")"
for bad in "--dropout 1" "--dropout -0.1" "--lr 0"; do
  # shellcheck disable=SC2086
  "$WREN" prune --model "$T/dense.safetensors" --method lowrank --sizes 0.5 --out-prefix "$T/x" $bad \
    2> "$T/err.txt"; rc=$?
  [ $rc = 1 ] && [ "$(wc -l < "$T/err.txt")" = 1 ] && grep -q -- "${bad%% *} must be" "$T/err.txt" \
    && [ ! -e "$T/x-0.5.safetensors" ] || fail "prune $bad: rc $rc $(cat "$T/err.txt")"
done
echo "prune e2e ok"
