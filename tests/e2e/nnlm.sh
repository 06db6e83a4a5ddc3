#!/bin/bash
# nnlm.sh — end to end: nnlm-train / nnlm-eval / nnlm-info through the `wren` program on a
# small text; the safetensors file checked by an independent reader (python3 json + struct,
# following the published format); a training run killed with SIGKILL and resumed gives the
# same model as an uninterrupted run; perplexity bookkeeping (</s> counted, OOVs); --self-norm
# (metadata, log Z statistics) and --unnormalized scoring on both paths; bad input.
# Env: WREN (the built program). Exit 77 = skip.
set -u
WREN=${WREN:-wren}
export OPENBLAS_NUM_THREADS=1
command -v "$WREN" >/dev/null 2>&1 || [ -x "$WREN" ] || { echo "no wren program"; exit 77; }
T=$(mktemp -d /tmp/wren-nnlm-e2e.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# a small repetitive text and a held-out text with an unknown word
for i in $(seq 1 30); do
  echo "the cat sat on the mat"; echo "a dog ran in the park"; echo "the dog sat on a hat"
  echo "a cat ran on the mat"; echo "the bird sang in the tree"
done > "$T/train.txt"
printf 'the cat sat on the hat\na bird ran in the park\nthe zebra sat on the mat\n' > "$T/valid.txt"

ARGS=(--train "$T/train.txt" --valid "$T/valid.txt" --layers 2 --d-model 32 --heads 2 --ffn 64
      --context 16 --batch 8 --steps 120 --valid-every 20 --patience 0 --threads 1 --seed 3)

# a: a plain model (cross-entropy alone; the default is self-normalised, --self-norm 0.1)
"$WREN" nnlm-train "${ARGS[@]}" --self-norm 0 --out "$T/a.safetensors" 2> "$T/train.log" || { cat "$T/train.log"; fail "nnlm-train"; }
grep -q "^step 120/120 loss" "$T/train.log" || fail "no progress line for the last step"
grep -q "tok/s ETA" "$T/train.log" || fail "progress lacks tok/s and ETA"
grep -q "valid ppl" "$T/train.log" || fail "no validation lines"

# --- the safetensors layout, read independently
if command -v python3 >/dev/null 2>&1; then
python3 - "$T/a.safetensors" <<'PY' || fail "safetensors layout"
import json, struct, sys, math
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
assert 8 + n <= len(raw), "header length"
hdr = json.loads(raw[8:8 + n].decode('utf-8'))
meta = hdr.pop('__metadata__')
assert all(isinstance(v, str) for v in meta.values()), "metadata values must be strings"
vocab = meta['vocab'].split('\n')[:-1]
assert vocab[:3] == ['<s>', '</s>', '<unk>'] and len(vocab) == int(meta['vocab_size']), "vocab"
D, L = int(meta['d_model']), int(meta['n_layers'])
assert (D, L, int(meta['n_heads']), int(meta['d_ffn']), int(meta['context'])) == (32, 2, 2, 64, 16)
sizes = {'F32': 4, 'U8': 1}
spans = []
for name, t in hdr.items():
    a, b = t['data_offsets']
    cnt = 1
    for s in t['shape']:
        cnt *= s
    assert b - a == cnt * sizes[t['dtype']], name
    spans.append((a, b))
spans.sort()
pos = 0
for a, b in spans:
    assert a == pos, "gap or overlap in data"
    pos = b
assert pos == len(raw) - 8 - n, "data section not covered exactly"
assert hdr['tok_emb.weight']['shape'] == [len(vocab), D]
assert hdr['blocks.1.attn.q.weight']['shape'] == [32, D]
assert hdr['blocks.0.ffn.fc1.weight']['shape'] == [64, D]
a, b = hdr['tok_emb.weight']['data_offsets']
vals = struct.unpack('<%df' % ((b - a) // 4), raw[8 + n + a:8 + n + b])
assert all(math.isfinite(v) for v in vals) and max(abs(v) for v in vals) > 0
print("safetensors layout ok:", len(hdr), "tensors")
PY
else
  echo "python3 missing: safetensors layout checked by the unit test only"
fi

# --- nnlm-info
"$WREN" nnlm-info "$T/a.safetensors" > "$T/info" || fail "nnlm-info"
grep -q "^d_model 32$" "$T/info" || fail "info d_model"
# non-embedding: per block 2*LN(2*32) + 4 attn (32*32+32) + fc1 (64*32+64) + fc2 (32*64+32); + ln_f
want=$(( 2 * (2*64 + 4*(32*32+32) + (64*32+64) + (32*64+32)) + 64 ))
grep -q "^nonembedding_params $want$" "$T/info" || { cat "$T/info"; fail "non-embedding count != $want"; }

# --- nnlm-eval: last line format, </s> counted, OOV bookkeeping, debug consistent with totals
"$WREN" nnlm-eval --model "$T/a.safetensors" --debug 2 "$T/valid.txt" > "$T/eval" || fail "nnlm-eval"
last=$(tail -1 "$T/eval")
echo "$last" | grep -Eq '^sentences= 3 words= 18 oovs= 1 ppl= [0-9.]+ log_z_mean= -?[0-9.]+ log_z_sd= [0-9.]+$' || fail "last line: $last"
python3 - "$T/eval" <<'PY' || fail "ppl does not follow from the per-word log10 probabilities"
import re, sys
lines = open(sys.argv[1]).read().split('\n')
l10 = [float(m.group(1)) for m in (re.search(r'\[ (-?[0-9.]+) \]$', x) for x in lines) if m]
assert len(l10) == 18 + 3, len(l10)               # every word and every </s>
f = lines[-2].split()
ppl = float(f[f.index('ppl=') + 1])
want = 10 ** (-sum(l10) / (18 + 3))
assert abs(ppl - want) / want < 1e-3, (ppl, want)
PY
# --kv (word by word through the KV-cache states, the rescoring path): the same per-word scores
"$WREN" nnlm-eval --kv --batch 2 --model "$T/a.safetensors" --debug 2 "$T/valid.txt" > "$T/eval-kv" || fail "nnlm-eval --kv"
paste <(grep -o '\[ [-0-9.]* \]$' "$T/eval") <(grep -o '\[ [-0-9.]* \]$' "$T/eval-kv") |
  awk '{ n++; d = $2 - $5; if (d > 1e-4 || d < -1e-4) bad = 1 } END { exit !(n == 21 && !bad) }' ||
  fail "--kv scores differ from whole-sentence scoring"
"$WREN" nnlm-eval --model "$T/a.safetensors" --skip-oovs "$T/valid.txt" | tail -1 | grep -q "oovs= 1" || fail "skip-oovs"
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
p1=$(echo "$last" | field ppl=)
p2=$("$WREN" nnlm-eval --model "$T/a.safetensors" --skip-oovs "$T/valid.txt" | tail -1 | field ppl=)
[ "$p1" != "$p2" ] || fail "--skip-oovs should change the perplexity"
# a trained model must beat the uniform distribution over its vocabulary by far
awk -v p="$p1" 'BEGIN{exit !(p < 8)}' || fail "valid ppl $p1 too high"

# --- self-normalisation: --self-norm is recorded in the metadata and drives log Z towards 0;
# --unnormalized scores raw logits (log Z taken as 0), so its log10 total is the normalised one
# plus the summed log Z / ln 10, on both scoring paths
"$WREN" nnlm-train "${ARGS[@]}" --self-norm 0.5 --out "$T/sn.safetensors" 2> "$T/sn.log" || { cat "$T/sn.log"; fail "--self-norm"; }
"$WREN" nnlm-info "$T/sn.safetensors" | grep -q "^self_norm 0.5$" || fail "nnlm-info self_norm"
"$WREN" nnlm-info "$T/a.safetensors" | grep -q "^self_norm 0$" || fail "nnlm-info self_norm of a plain model"
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import json,struct,sys; r=open(sys.argv[1],"rb").read(); n=struct.unpack("<Q",r[:8])[0]; assert json.loads(r[8:8+n])["__metadata__"]["self_norm"]=="0.5"' \
    "$T/sn.safetensors" || fail "self_norm metadata"
fi
for m in a sn; do
  for kv in "" --kv; do
    "$WREN" nnlm-eval $kv --model "$T/$m.safetensors" "$T/valid.txt" > "$T/e-$m$kv" || fail "nnlm-eval $m $kv"
    "$WREN" nnlm-eval $kv --unnormalized --model "$T/$m.safetensors" "$T/valid.txt" > "$T/u-$m$kv" || fail "nnlm-eval --unnormalized $m $kv"
    tail -1 "$T/u-$m$kv" | grep -Eq 'ppl= [0-9.]+ log_z_mean= 0.0000 log_z_sd= 0.0000$' || fail "--unnormalized last line: $(tail -1 "$T/u-$m$kv")"
    n=$(tail -2 "$T/e-$m$kv" | head -1 | field tokens=)
    l=$(tail -2 "$T/e-$m$kv" | head -1 | field logprob10=); z=$(tail -1 "$T/e-$m$kv" | field log_z_mean=)
    u=$(tail -2 "$T/u-$m$kv" | head -1 | field logprob10=)
    awk -v l="$l" -v z="$z" -v u="$u" -v n="$n" 'BEGIN { d = u - (l + n * z / log(10)); exit !(d < 0.01 && d > -0.01) }' ||
      fail "$m $kv: unnormalised logprob10 $u is not $l + $n * $z / ln 10"
  done
done
za=$(tail -1 "$T/e-a" | field log_z_mean=); zs=$(tail -1 "$T/e-sn" | field log_z_mean=)
awk -v a="$za" -v s="$zs" 'BEGIN { exit !(s * s < 0.25 * a * a) }' || fail "log_z_mean $zs with --self-norm, $za without"
echo "log_z_mean: $za plain, $zs with --self-norm 0.5"
"$WREN" nnlm-train "${ARGS[@]}" --self-norm -1 --out "$T/x.safetensors" 2> "$T/err" && fail "--self-norm -1 accepted"
grep -q -- "--self-norm" "$T/err" || fail "bad --self-norm not reported: $(cat "$T/err")"

# --- centring log Z: nnlm-train --self-norm ends by subtracting the mean log Z on its training
# text from the output bias (--center-tokens 0: not). The same training uncentred gives the
# same normalised probabilities, a log Z mean further from 0 on that text, no log_z_shift;
# nnlm-center on it recovers the centred model's shift and probabilities
"$WREN" nnlm-train "${ARGS[@]}" --self-norm 0.5 --center-tokens 0 --out "$T/sn0.safetensors" 2>/dev/null || fail "--center-tokens 0"
"$WREN" nnlm-info "$T/sn0.safetensors" | grep -q "^log_z_shift 0$" || fail "an uncentred model has a log_z_shift"
shift_sn=$("$WREN" nnlm-info "$T/sn.safetensors" | awk '$1 == "log_z_shift" {print $2}')
grep -q "centred log Z: mean" "$T/sn.log" || fail "nnlm-train --self-norm did not log its centring"
"$WREN" nnlm-center --model "$T/sn0.safetensors" --out "$T/snc.safetensors" "$T/train.txt" > "$T/c.out" 2>/dev/null || fail "nnlm-center"
shift_c=$(field total= < "$T/c.out")
awk -v a="$shift_sn" -v b="$shift_c" 'BEGIN { d = a - b; exit !(a != 0 && d < 1e-4 && d > -1e-4) }' ||
  fail "nnlm-center's shift $shift_c is not nnlm-train's $shift_sn"
for m in sn0 sn snc; do
  "$WREN" nnlm-eval --model "$T/$m.safetensors" "$T/train.txt" | tail -2 > "$T/t-$m" || fail "nnlm-eval $m"
done
l0=$(head -1 "$T/t-sn0" | field logprob10=)
for m in sn snc; do
  l=$(head -1 "$T/t-$m" | field logprob10=)
  awk -v a="$l0" -v b="$l" 'BEGIN { d = a - b; exit !(d < 0.01 && d > -0.01) }' || fail "centring changed the normalised logprob10: $l0 -> $l ($m)"
  z=$(tail -1 "$T/t-$m" | field log_z_mean=); z0=$(tail -1 "$T/t-sn0" | field log_z_mean=)
  awk -v z="$z" -v z0="$z0" 'BEGIN { exit !(z * z < 1e-6 && z0 * z0 > 1e-4) }' || fail "$m: log_z_mean $z on the training text (uncentred $z0)"
done
echo "log Z centring: shift $shift_sn, log_z_mean $z0 -> $z on the training text"
: > "$T/empty.txt"
"$WREN" nnlm-center --model "$T/sn0.safetensors" --out "$T/x.safetensors" "$T/empty.txt" 2> "$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "empty.txt" "$T/err" && [ ! -e "$T/x.safetensors" ] || fail "nnlm-center on an empty text: rc $rc, $(cat "$T/err")"

# --- SIGKILL and resume: the same final model as the uninterrupted run
"$WREN" nnlm-train "${ARGS[@]}" --steps 400 --out "$T/full.safetensors" 2>/dev/null || fail "full run"
"$WREN" nnlm-info "$T/full.safetensors" | grep -q "^self_norm 0.1$" || fail "a model trained with the defaults is not self-normalised (0.1)"
"$WREN" nnlm-train "${ARGS[@]}" --steps 400 --out "$T/k.safetensors" 2>/dev/null &
pid=$!
for _ in $(seq 1 400); do [ -f "$T/k.safetensors.ckpt" ] && break; sleep 0.02; done
kill -9 $pid 2>/dev/null && echo "killed training at its first checkpoint or later"
wait $pid 2>/dev/null
"$WREN" nnlm-train "${ARGS[@]}" --steps 400 --out "$T/k.safetensors" --resume 2> "$T/resume.log" || { cat "$T/resume.log"; fail "resume"; }
grep -h "resuming" "$T/resume.log" || fail "the resumed run did not start from a checkpoint"
cmp -s "$T/full.safetensors" "$T/k.safetensors" || fail "resumed model differs from the uninterrupted one"

# --- bad input: one line naming the file, exit 1
printf 'not a model' > "$T/bad.safetensors"
"$WREN" nnlm-eval --model "$T/bad.safetensors" "$T/valid.txt" 2> "$T/err"; rc=$?
[ $rc -eq 1 ] || fail "exit code $rc for a bad model"
grep -q "bad.safetensors" "$T/err" || fail "error does not name the file: $(cat "$T/err")"
"$WREN" nnlm-train --train "$T/train.txt" --out "$T/x.safetensors" --heads 3 --d-model 32 2> "$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "multiple of heads" "$T/err" || fail "bad architecture not reported: $(cat "$T/err")"
"$WREN" nnlm-train --help | grep -q -- "--resume" || fail "--help"
echo "nnlm e2e ok"
