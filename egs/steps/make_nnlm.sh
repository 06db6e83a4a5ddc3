#!/usr/bin/env bash
# make_nnlm.sh — the shared Transformer NNLM of the 16 kHz recipes: holds out a dev split of the
# leak-guarded LM text of make_lm.sh, trains `wren nnlm-train` on the rest, and builds the
# Kneser-Ney 4-gram on the same vocabulary and split so the two perplexities compare.
# Resumable: training continues from its checkpoint; finished pieces are reused.
# Not for: pruning (egs/steps/prune_nnlm.sh) or rescoring (the recipes' later stages).
# usage: egs/steps/make_nnlm.sh [--config FILE] [--VAR VALUE ...] LM_DIR OUT_DIR
#   the tunables: egs/steps/conf/nnlm.conf, then --config FILE (e.g. egs/steps/conf/nnlm-long.conf),
#   then any of its variables as an option (--nnlm-steps 100)
#   reads LM_DIR/{guarded.txt,vocab.txt}; writes OUT_DIR/{train.txt,dev.txt,vocab.txt,
#   nnlm.safetensors,train.log,kn4.arpa,kn4-dev.ppl,nnlm-dev.ppl,summary.txt}
set -euo pipefail
. "$(dirname "$0")/conf/nnlm.conf"
. "$(dirname "$0")/parse_options.sh"
[ $# -eq 2 ] || { echo "usage: $0 [--config FILE] [--VAR VALUE ...] LM_DIR OUT_DIR" >&2; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
lm=$1; out=$2
wren=${WREN:-$top/build/wren}
log() { echo "[make_nnlm $(date +%H:%M:%S)] $*" >&2; }
mkdir -p "$out"

if [ ! -s "$out/dev.txt" ]; then
  awk -v e="$dev_every" 'NR % e == 0' "$lm/guarded.txt" > "$out/dev.txt.tmp"
  awk -v e="$dev_every" 'NR % e != 0' "$lm/guarded.txt" > "$out/train.txt.tmp"
  mv "$out/train.txt.tmp" "$out/train.txt"; mv "$out/dev.txt.tmp" "$out/dev.txt"
fi
if [ ! -s "$out/vocab.txt" ]; then   # (under a .tmp name first: a killed copy is not kept)
  head -n "$nnlm_vocab_size" "$lm/vocab.txt" > "$out/vocab.txt.tmp"
  mv "$out/vocab.txt.tmp" "$out/vocab.txt"
fi
log "split: train $(wc -lw < "$out/train.txt" | awk '{print $1" lines "$2" words"}'), dev $(wc -lw < "$out/dev.txt" | awk '{print $1" lines "$2" words"}')"

# nnlm.safetensors is (re)written at every better validation, so completion is marked apart;
# an interrupted run continues from its checkpoint (--resume)
if [ ! -e "$out/train.done" ]; then
  log "training the NNLM ($nnlm_opts --steps $nnlm_steps), log in $out/train.log"
  # shellcheck disable=SC2086
  /usr/bin/time -f "nnlm-train wall %e s, peak RSS %M kB" \
    nice "$wren" nnlm-train --train "$out/train.txt" --valid "$out/dev.txt" --vocab "$out/vocab.txt" \
      $nnlm_opts --steps "$nnlm_steps" --threads "$nnlm_threads" --resume --out "$out/nnlm.safetensors" \
      2>&1 | tee -a "$out/train.log"
  touch "$out/train.done"
fi
# a self-normalised model has its log Z centred on the training text (nnlm-train does it since
# --center-tokens; a model trained before is centred here); its dev figures are then redone
info=$("$wren" nnlm-info "$out/nnlm.safetensors")
self_norm=$(awk '$1 == "self_norm" {print $2}' <<< "$info")
if awk -v s="${self_norm:-0}" 'BEGIN {exit !(s > 0)}' && grep -q '^log_z_shift 0$' <<< "$info"; then
  log "centring log Z on the training text (wren nnlm-center)"
  "$wren" nnlm-center --threads "$nnlm_threads" --model "$out/nnlm.safetensors" --out "$out/nnlm.safetensors" \
    "$out/train.txt" 2>&1 | tee -a "$out/train.log"
  rm -f "$out/nnlm-dev.ppl" "$out/nnlm-dev-unnorm.ppl"
fi
if [ ! -s "$out/kn$kn_order.arpa" ]; then
  log "Kneser-Ney $kn_order-gram on the same split and vocabulary"
  "$wren" ngram-count -order "$kn_order" -text "$out/train.txt" -vocab "$out/vocab.txt" \
    -lm "$out/kn$kn_order.arpa.tmp" && mv "$out/kn$kn_order.arpa.tmp" "$out/kn$kn_order.arpa"
fi
[ -s "$out/kn$kn_order-dev.ppl" ] || "$wren" ngram -lm "$out/kn$kn_order.arpa" -ppl "$out/dev.txt" > "$out/kn$kn_order-dev.ppl"
[ -s "$out/nnlm-dev.ppl" ] || "$wren" nnlm-eval --skip-oovs --threads "$nnlm_threads" --model "$out/nnlm.safetensors" "$out/dev.txt" > "$out/nnlm-dev.ppl"
# a self-normalised model (nnlm-train --self-norm) is also scored unnormalised, as rescoring uses it
if awk -v s="${self_norm:-0}" 'BEGIN {exit !(s > 0)}' && [ ! -s "$out/nnlm-dev-unnorm.ppl" ]; then
  "$wren" nnlm-eval --skip-oovs --unnormalized --threads "$nnlm_threads" --model "$out/nnlm.safetensors" "$out/dev.txt" \
    > "$out/nnlm-dev-unnorm.ppl.tmp" && mv "$out/nnlm-dev-unnorm.ppl.tmp" "$out/nnlm-dev-unnorm.ppl"
fi
kn=$(awk '/ppl=/{for(i=1;i<=NF;i++) if($i=="ppl=") print $(i+1)}' "$out/kn$kn_order-dev.ppl")
nn=$(awk '/ppl=/{for(i=1;i<=NF;i++) if($i=="ppl=") print $(i+1)}' "$out/nnlm-dev.ppl" | tail -1)
{
  echo "dev perplexity (OOVs skipped, same $(wc -l < "$out/vocab.txt")-word vocabulary, same split):"
  echo "  KN $kn_order-gram  $kn"
  echo "  NNLM       $nn"
  awk -v a="$kn" -v b="$nn" 'BEGIN{printf "  NNLM is %.1f %% below KN\n", 100*(1-b/a)}'
  tail -1 "$out/nnlm-dev.ppl" | awk '{for(i=1;i<=NF;i++) if($i=="log_z_mean=") m=$(i+1); else if($i=="log_z_sd=") s=$(i+1)}
    END {if (m != "") printf "  log Z on dev: mean %s, sd %s\n", m, s}'
  if [ -s "$out/nnlm-dev-unnorm.ppl" ]; then
    echo "  NNLM scored unnormalised (log Z taken as 0, as rescoring does): ppl $(awk '/ppl=/{for(i=1;i<=NF;i++) if($i=="ppl=") print $(i+1)}' "$out/nnlm-dev-unnorm.ppl" | tail -1)"
  fi
  "$wren" nnlm-info "$out/nnlm.safetensors" | sed 's/^/  /'
} | tee "$out/summary.txt"
