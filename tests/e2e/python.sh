#!/bin/bash
# python.sh — the Python package python/wren and wren.torch, from an installed tree: `make
# install DESTDIR=...` of this build, then Debian's python3 with PYTHONPATH on the staged
# package (which loads the staged libwren.so next to it). tests/python/test_wren.py: a decode of
# a pocketsphinx-testdata utterance gives `wren decode`'s words, n-best list and lattice, and of
# 74 s of audio the words and times of `wren segment` + `wren decode`; n-gram, NNLM and WER figures
# equal the commands'. tests/python/test_nnlm_pass.py: a Decoder given an NNLM gives `wren decode
# --nnlm`'s words, for a file and for one speaker's files. tests/python/test_torch.py: wren.torch's per-sentence log-probabilities
# agree with `wren nnlm-eval --debug 1` within 1e-4 for a small model trained here and each form
# `wren prune` writes of it; Wren -> PyTorch -> Wren gives identical bytes.
# In the sanitizer build python gets the ASan/UBSan runtimes by LD_PRELOAD, leak checking off
# (the interpreter's own allocations are not ours).
# Env: WREN (built wren), WREN_SRCDIR, PYTHON3 (optional). Exit 77 = skip (python3 with numpy,
# torch, or the pocketsphinx test data missing).
set -u
WREN=${WREN:?set WREN to the built wren}
src=${WREN_SRCDIR:?set WREN_SRCDIR}
build=$(dirname "$WREN")
export OPENBLAS_NUM_THREADS=1
MODEL=/usr/share/pocketsphinx/model/en-us/en-us
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
LIBRI=/usr/share/pocketsphinx/test/data/librivox
for p in "$MODEL/mdef" "$DICT" "$LIBRI/transcription"; do
  [ -e "$p" ] || { echo "SKIP: $p missing (apt-get install pocketsphinx-en-us pocketsphinx-testdata)"; exit 77; }
done
# the distribution's python3 (python3-numpy, python3-torch) before any other on PATH
PY=
for p in ${PYTHON3:-} /usr/bin/python3 python3; do
  "$p" -c 'import numpy' 2> /dev/null && { PY=$p; break; }
done
[ -n "$PY" ] || { echo "SKIP: no python3 with numpy (apt-get install python3-numpy)"; exit 77; }
tmp=$(mktemp -d /tmp/wren-e2e-python-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

make -C "$build" install DESTDIR="$tmp/root" > "$tmp/install.log" 2>&1 || fail "make install: $(tail -5 "$tmp/install.log")"
init=$(find "$tmp/root" -path '*/wren/__init__.py' | head -1)
[ -n "$init" ] || fail "the python package is not installed"
for f in decoder.py lm.py wer.py torch.py safetensors.py _lib.py _libdir.py; do
  [ -e "$(dirname "$init")/$f" ] || fail "not installed: wren/$f"
done
export PYTHONPATH=$(dirname "$(dirname "$init")")
libdir=$(dirname "$(find "$tmp/root" -name libwren.so.0 | head -1)")
if ldd "$WREN" 2> /dev/null | grep -q libasan; then
  cc=${CC:-cc}; cc=${cc##* }
  export LD_PRELOAD="$($cc -print-file-name=libasan.so) $($cc -print-file-name=libubsan.so)"
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  echo "sanitizer build: python runs with LD_PRELOAD=$LD_PRELOAD, detect_leaks=0"
fi
loaded=$("$PY" -c 'import wren, wren._lib as l; print(l.lib._name)') || fail "import wren"
[ "$(readlink -f "$loaded")" = "$(readlink -f "$libdir/libwren.so.0")" ] || fail "wren loaded $loaded, not the installed $libdir/libwren.so.0"

# --- inputs: a graph of pocketsphinx-testdata (as install.sh), a small NNLM, an n-gram
u=$(head -1 "$LIBRI/fileids")
cd "$tmp"
sed -e 's/<s> //; s/ <\/s>//' -e 's/ ([^)]*)$//' "$LIBRI/transcription" > lm.txt
"$WREN" ngram-count -order 3 -text lm.txt -lm lm.arpa 2> ngram.log || fail "ngram-count: $(cat ngram.log)"
"$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa graph > mkgraph.log 2>&1 || fail "mkgraph: $(tail -3 mkgraph.log)"
echo "$u $LIBRI/$u.wav" > wav.scp
# the library decodes utterance by utterance, speaker-independently: the command's --adapt none
"$WREN" decode --model "$MODEL" --graph graph --adapt none --nbest 5 wav.scp hyp.txt lat.txt 2> decode.log || fail "wren decode: $(cat decode.log)"
for i in $(seq 1 30); do
  echo "the cat sat on the mat"; echo "a dog ran in the park"; echo "the dog sat on a hat"
  echo "a cat ran on the mat"; echo "the bird sang in the tree"
done > train.txt
printf 'the cat sat on the hat\na bird ran in the park\nthe zebra sat on the mat\n' > valid.txt
# a sentence longer than the context (16): scored with the sliding history
printf 'the cat sat on the mat and the dog ran in the park and the bird sang in the tree on a hat\n' >> valid.txt
"$WREN" nnlm-train --train train.txt --valid valid.txt --layers 2 --d-model 32 --heads 2 --ffn 64 \
  --context 16 --batch 8 --steps 60 --valid-every 20 --patience 0 --threads 1 --seed 3 \
  --out dense.safetensors 2> train.log || fail "nnlm-train: $(tail -3 train.log)"
"$WREN" nnlm-eval --model dense.safetensors --debug 1 valid.txt > dense.eval 2> eval.log || fail "nnlm-eval: $(cat eval.log)"
head -3 lm.txt > lmtest.txt
"$WREN" ngram -lm lm.arpa -ppl lmtest.txt -debug 1 > ngram.dbg 2> ngram.log || fail "wren ngram: $(cat ngram.log)"
"$WREN" nnlm-eval --model dense.safetensors --debug 1 lmtest.txt > lmtest.nnlm 2> eval.log || fail "nnlm-eval: $(cat eval.log)"

# over a minute of audio (the five utterances three times): the library cuts it as `wren segment`
sox $(for i in 1 2 3; do for v in $(cat "$LIBRI/fileids"); do echo "$LIBRI/$v.wav"; done; done) long.wav || fail "sox"
"$WREN" segment --model "$MODEL" long.wav long 2> seg.log || fail "wren segment: $(cat seg.log)"
"$WREN" decode --model "$MODEL" --graph graph --ctm long-adapted.ctm long long-adapted.txt 2> long.log || fail "wren decode of the pieces, adapted: $(tail -2 long.log)"
"$WREN" decode --model "$MODEL" --graph graph --adapt none --ctm long.ctm long long.txt 2> long.log || fail "wren decode of the pieces: $(tail -2 long.log)"
# the five LibriVox utterances as one speaker's data dir: `wren decode` adapts to the reader
mkdir -p spk
for v in $(cat "$LIBRI/fileids"); do echo "$v $LIBRI/$v.wav"; done > spk/wav.scp
awk '{print $1, "reader"}' spk/wav.scp > spk/utt2spk
"$WREN" decode --model "$MODEL" --graph graph --ctm spk.ctm spk spk.txt 2> spk.log || fail "wren decode of the speaker: $(tail -2 spk.log)"
grep -q "fmllr speaker reader" spk.log || fail "wren decode did not adapt to the speaker: $(tail -2 spk.log)"
"$PY" "$src/tests/python/test_wren.py" "$MODEL" graph "$LIBRI/$u.wav" "$(cut -d' ' -f2- hyp.txt)" \
  lm.arpa ngram.dbg dense.safetensors lmtest.nnlm lmtest.txt hyp.txt.nbest lat.txt long.wav long.ctm \
  spk/wav.scp spk.txt spk.ctm long-adapted.ctm || fail "tests/python/test_wren.py"
# the NNLM second pass (wren_decoder_set_nnlm) against `wren decode --nnlm`
"$WREN" decode --model "$MODEL" --graph graph --adapt none --nnlm dense.safetensors wav.scp hyp-nnlm.txt 2> dn.log \
  || fail "wren decode --nnlm: $(tail -2 dn.log)"
"$WREN" decode --model "$MODEL" --graph graph --nnlm dense.safetensors spk spk-nnlm.txt 2> dn.log \
  || fail "wren decode --nnlm of the speaker: $(tail -2 dn.log)"
"$PY" "$src/tests/python/test_nnlm_pass.py" "$MODEL" graph "$LIBRI/$u.wav" dense.safetensors hyp-nnlm.txt \
  spk/wav.scp spk-nnlm.txt hyp.txt || fail "tests/python/test_nnlm_pass.py"

# --- wren.torch
"$PY" -c 'import torch' 2> /dev/null || { echo "SKIP: wren.torch untested, no torch for $PY (apt-get install python3-torch)"; exit 77; }
# the forms `wren prune` writes of the dense model, and a self-normalised model (its log Z
# centred: metadata log_z_shift)
"$WREN" nnlm-train --train train.txt --valid valid.txt --layers 2 --d-model 32 --heads 2 --ffn 64 \
  --context 16 --batch 8 --steps 60 --valid-every 20 --patience 0 --threads 1 --seed 3 --self-norm 0.5 \
  --out selfnorm.safetensors 2> train.log || fail "nnlm-train --self-norm: $(tail -3 train.log)"
models=(dense.safetensors selfnorm.safetensors)
for spec in unstructured: lowrank: lowrank:--embedding structured: structured:--embedding; do
  method=${spec%%:*}; extra=${spec#*:}; out=$method${extra:+-emb}
  "$WREN" prune --model dense.safetensors --criterion magnitude --method "$method" $extra --schedule oneshot \
    --sizes 0.5 --out-prefix "$out" > prune.log 2>&1 || fail "prune --method $method $extra: $(tail -3 prune.log)"
  models+=("$out-0.5.safetensors")
done
"$PY" "$src/tests/python/test_torch.py" "$WREN" valid.txt train.txt "$tmp" "${models[@]}" || fail "tests/python/test_torch.py"
echo "PASS: python package (decode, n-gram, NNLM, WER as the commands); wren.torch (dense and pruned forms, round trips, models made or fine-tuned in PyTorch)"
