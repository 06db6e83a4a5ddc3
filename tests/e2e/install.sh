#!/bin/bash
# install.sh — Wren as a library a C programmer links: `make install DESTDIR=...` of this build,
# then examples/decode-wav.c compiled and linked with nothing but `pkg-config --cflags --libs
# wren` against the installed tree, run on a pocketsphinx-testdata utterance: its words must be
# those `wren decode` writes for it, with increasing times (given an NNLM, those of `wren decode
# --nnlm`; a missing NNLM named in its error); examples/nbest-wav.c likewise prints
# the n-best list `wren decode --nbest 5` writes, examples/lattice-wav.c the arcs and final
# states of the lattice it writes, and examples/stream-wav.c the same words as decode-wav after
# feeding the file in 100 ms chunks (partial transcripts on the way; also for a 44.1 kHz copy,
# which the library resamples). Also: libwren.so has a soname and
# exports only wren_* functions that the public headers declare (no wren_cmd_*, no internals),
# the public headers compile on their own as C and as C++, and the library API reports errors.
# Env: WREN (built wren), WREN_SRCDIR. Exit 77 = skip (inputs missing).
set -u
WREN=${WREN:?set WREN to the built wren}
src=${WREN_SRCDIR:?set WREN_SRCDIR}
build=$(dirname "$WREN")
MODEL=/usr/share/pocketsphinx/model/en-us/en-us
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
LIBRI=/usr/share/pocketsphinx/test/data/librivox
for p in "$MODEL/mdef" "$DICT" "$LIBRI/transcription"; do
  [ -e "$p" ] || { echo "SKIP: $p missing (apt-get install pocketsphinx-en-us pocketsphinx-testdata)"; exit 77; }
done
command -v pkg-config > /dev/null || { echo "SKIP: pkg-config missing"; exit 77; }
tmp=$(mktemp -d /tmp/wren-e2e-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
CC=${CC:-cc}; CXX=${CXX:-c++}
# the sanitizer build's library needs the sanitizer runtime in the program too
san=
ldd "$WREN" 2> /dev/null | grep -q libasan && san="-fsanitize=address,undefined"

# --- install into a staging tree
make -C "$build" install DESTDIR="$tmp/root" > "$tmp/install.log" 2>&1 || fail "make install: $(tail -5 "$tmp/install.log")"
prefix=$(sed -n 's/^prefix=//p' "$build/wren.pc")
root=$tmp/root$prefix
libdir=$(find "$root" -name wren.pc -path '*pkgconfig*' -exec dirname {} \; | head -1)
[ -n "$libdir" ] || fail "wren.pc not installed"
libdir=$(dirname "$libdir")
for f in "$root/include/wren.h" "$root/include/wren/decoder.h" "$libdir/libwren.a" "$libdir/libwren.so"; do
  [ -e "$f" ] || fail "not installed: ${f#"$tmp/root"}"
done
[ -e "$root/include/wren/error.h" ] && fail "an internal header is installed (include/wren/error.h)"

# --- the shared library: soname, exports
soname=$(objdump -p "$libdir/libwren.so" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = libwren.so.0 ] || fail "soname is '$soname', expected libwren.so.0"
nm -D --defined-only "$libdir/libwren.so" | awk '$2 ~ /^[TWDBRiu]$/ {print $3}' | sed 's/@.*//' | grep -v '^WREN_0$' | sort -u > "$tmp/exports.txt"
[ -s "$tmp/exports.txt" ] || fail "libwren.so exports nothing"
grep -v '^wren_' "$tmp/exports.txt" > "$tmp/bad.txt" && fail "exported without the wren_ prefix: $(head -5 "$tmp/bad.txt" | tr '\n' ' ')"
grep '^wren_cmd_' "$tmp/exports.txt" && fail "commands exported from the library"
cat "$root/include/wren.h" "$root"/include/wren/*.h | grep -o '\bwren_[a-z0-9_]*[[:space:]]*(' | sed 's/[[:space:]]*($//' | sort -u > "$tmp/declared.txt"
comm -23 "$tmp/exports.txt" "$tmp/declared.txt" > "$tmp/extra.txt"
[ -s "$tmp/extra.txt" ] && fail "exported but not in the public headers: $(head -5 "$tmp/extra.txt" | tr '\n' ' ')"
comm -13 "$tmp/exports.txt" "$tmp/declared.txt" > "$tmp/missing.txt"
[ -s "$tmp/missing.txt" ] && fail "declared in the public headers but not exported: $(head -5 "$tmp/missing.txt" | tr '\n' ' ')"
echo "libwren.so: soname $soname, $(wc -l < "$tmp/exports.txt") exported functions, all declared in the public headers"

# --- every public header compiles alone, as C11 and as C++
export PKG_CONFIG_PATH=$libdir/pkgconfig
pc() { pkg-config --define-variable=prefix="$root" "$@" wren; }
for h in wren.h wren/common.h wren/decoder.h wren/lm.h wren/nnlm.h wren/wer.h; do
  printf '#include <%s>\nint main(void) { return 0; }\n' "$h" > "$tmp/h.c"
  $CC -std=c11 -Wall -Wextra -Werror $(pc --cflags) -c "$tmp/h.c" -o "$tmp/h.o" || fail "$h does not compile alone as C11"
  cp "$tmp/h.c" "$tmp/h.cc"
  $CXX -Wall -Wextra -Werror $(pc --cflags) -c "$tmp/h.cc" -o "$tmp/h.o" || fail "$h does not compile as C++"
done

# --- the example, built with pkg-config only, against the installed tree
$CC -std=c11 -Wall -Wextra -Werror $san "$src/examples/decode-wav.c" $(pc --cflags --libs) -o "$tmp/decode-wav" \
  || fail "examples/decode-wav.c does not build with pkg-config --cflags --libs wren"
$CC -std=c11 -Wall -Wextra -Werror $san "$src/examples/nbest-wav.c" $(pc --cflags --libs) -o "$tmp/nbest-wav" \
  || fail "examples/nbest-wav.c does not build with pkg-config --cflags --libs wren"
$CC -std=c11 -Wall -Wextra -Werror $san "$src/examples/lattice-wav.c" $(pc --cflags --libs) -o "$tmp/lattice-wav" \
  || fail "examples/lattice-wav.c does not build with pkg-config --cflags --libs wren"
$CC -std=c11 -Wall -Wextra -Werror $san "$src/examples/stream-wav.c" $(pc --cflags --libs) -o "$tmp/stream-wav" \
  || fail "examples/stream-wav.c does not build with pkg-config --cflags --libs wren"
$CC -std=c11 -Wall -Wextra -Werror $san "$src/examples/decode-speaker.c" $(pc --cflags --libs) -o "$tmp/decode-speaker" \
  || fail "examples/decode-speaker.c does not build with pkg-config --cflags --libs wren"
ldd "$tmp/decode-wav" | grep -q "$libdir/libwren.so.0" && fail "resolved the library without LD_LIBRARY_PATH?"
export LD_LIBRARY_PATH=$libdir
ldd "$tmp/decode-wav" | grep -q "libwren.so.0 => $libdir/libwren.so.0" || fail "the example does not use the installed libwren.so: $(ldd "$tmp/decode-wav" | grep wren)"

u=$(head -1 "$LIBRI/fileids")
cd "$tmp"
sed -e 's/<s> //; s/ <\/s>//' -e 's/ ([^)]*)$//' "$LIBRI/transcription" > lm.txt
"$WREN" ngram-count -order 3 -text lm.txt -lm lm.arpa 2> ngram.log || fail "ngram-count: $(cat ngram.log)"
"$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa graph > mkgraph.log 2>&1 || fail "mkgraph: $(tail -3 mkgraph.log)"
echo "$u $LIBRI/$u.wav" > wav.scp
# the library decodes utterance by utterance, speaker-independently: the command's --adapt none
"$WREN" decode --model "$MODEL" --graph graph --adapt none --nbest 5 wav.scp hyp.txt lat.txt 2> decode.log || fail "wren decode: $(cat decode.log)"
./decode-wav "$MODEL" graph "$LIBRI/$u.wav" > ex.out 2> ex.err || fail "the example failed: $(cat ex.err)"
cat ex.out
[ -s ex.out ] || fail "the example printed no words"
[ "$(awk '{print $3}' ex.out | tr '\n' ' ' | sed 's/ $//')" = "$(cut -d' ' -f2- hyp.txt)" ] \
  || fail "the example's words differ from wren decode's: '$(awk '{print $3}' ex.out | tr '\n' ' ')' vs '$(cut -d' ' -f2- hyp.txt)'"
awk '$2 < $1 || $1 < t - 0.005 || $4 < 0 || $4 > 1 {exit 1} {t = $2}' ex.out || fail "word times not increasing or a confidence outside [0, 1]"
# the NNLM second pass (wren_decoder_set_nnlm): wren decode --nnlm's words; a missing model is named
"$WREN" nnlm-train --train lm.txt --valid lm.txt --layers 1 --d-model 16 --heads 2 --ffn 32 --context 16 \
  --batch 4 --steps 20 --valid-every 20 --threads 1 --out nn.safetensors > nn.log 2>&1 || fail "nnlm-train: $(tail -2 nn.log)"
"$WREN" decode --model "$MODEL" --graph graph --adapt none --nnlm nn.safetensors wav.scp hyp-nn.txt 2> dn.log \
  || fail "wren decode --nnlm: $(tail -2 dn.log)"
./decode-wav "$MODEL" graph "$LIBRI/$u.wav" nn.safetensors > exn.out 2> exn.err || fail "the example with an NNLM: $(cat exn.err)"
[ "$(awk '{print $3}' exn.out | tr '\n' ' ' | sed 's/ $//')" = "$(cut -d' ' -f2- hyp-nn.txt)" ] \
  || fail "the example's words with the NNLM differ from wren decode --nnlm's: '$(awk '{print $3}' exn.out | tr '\n' ' ')'"
./decode-wav "$MODEL" graph "$LIBRI/$u.wav" missing.safetensors > /dev/null 2> exm.err && fail "a missing NNLM accepted"
grep -q "missing.safetensors" exm.err || fail "the missing NNLM is not named: $(cat exm.err)"
# streaming: 100 ms chunks, a partial transcript per second, the same final words and times
./stream-wav "$MODEL" graph "$LIBRI/$u.wav" > st.out 2> st.err || fail "examples/stream-wav failed: $(cat st.err)"
cmp -s ex.out st.out || fail "stream-wav's final transcript differs from decode-wav's: $(diff ex.out st.out | head -4)"
[ "$(grep -c '^partial ' st.err)" -ge 2 ] || fail "stream-wav printed no partial transcripts: $(head -3 st.err)"
[ -n "$(grep '^partial ' st.err | tail -1 | cut -d: -f2)" ] || fail "the last partial transcript is empty: $(tail -2 st.err)"
# streamed from a 44.1 kHz copy (resampled by the library): decode-wav's words for that copy
if command -v sox > /dev/null; then
  sox -D "$LIBRI/$u.wav" -r 44100 u44.wav
  ./decode-wav "$MODEL" graph u44.wav > ex44.out 2> ex44.err || fail "decode-wav of the 44.1 kHz copy: $(cat ex44.err)"
  ./stream-wav "$MODEL" graph u44.wav > st44.out 2> st44.err || fail "stream-wav of the 44.1 kHz copy: $(cat st44.err)"
  cmp -s ex44.out st44.out || fail "stream-wav at 44.1 kHz differs from decode-wav: $(diff ex44.out st44.out | head -4)"
  [ "$(awk '{print $3}' ex44.out | tr '\n' ' ')" = "$(awk '{print $3}' ex.out | tr '\n' ' ')" ] \
    || fail "the 44.1 kHz copy's words differ from the original's: $(awk '{print $3}' ex44.out | tr '\n' ' ')"
fi
# one speaker's files together: what `wren decode` writes for them as a data dir naming the speaker
mkdir spk
for v in $(cat "$LIBRI/fileids"); do echo "$v $LIBRI/$v.wav"; done > spk/wav.scp
awk '{print $1, "reader"}' spk/wav.scp > spk/utt2spk
"$WREN" decode --model "$MODEL" --graph graph spk spk.txt 2> spk.log || fail "wren decode of the speaker: $(tail -2 spk.log)"
# shellcheck disable=SC2046
./decode-speaker "$MODEL" graph $(cut -d' ' -f2 spk/wav.scp) > sp.out 2> sp.err || fail "examples/decode-speaker failed: $(cat sp.err)"
[ ! -s sp.err ] || fail "the library printed on stderr: $(head -2 sp.err)"
paste -d' ' <(cut -d' ' -f1 spk/wav.scp) <(cut -d' ' -f2- sp.out) | sed 's/ $//' | cmp -s - spk.txt \
  || fail "decode-speaker's words differ from wren decode's on the data dir: $(diff <(cut -d' ' -f2- sp.out) <(cut -d' ' -f2- spk.txt) | head -4)"
./nbest-wav "$MODEL" graph "$LIBRI/$u.wav" 5 > nb.out 2> nb.err || fail "examples/nbest-wav failed: $(cat nb.err)"
[ "$(wc -l < nb.out)" -ge 2 ] || fail "nbest-wav printed $(wc -l < nb.out) entries"
sed "s/^$u-//" hyp.txt.nbest | cmp -s - nb.out || fail "nbest-wav's list differs from wren decode --nbest 5: $(diff <(sed "s/^$u-//" hyp.txt.nbest) nb.out | head -4)"
# errors come back as messages, not crashes
./decode-wav "$MODEL" graph "$tmp/no-such.wav" > /dev/null 2> err.txt && fail "a missing file decoded"
grep -q "no-such.wav" err.txt || fail "the error does not name the file: $(cat err.txt)"
./decode-wav "$MODEL" "$tmp/no-graph" "$LIBRI/$u.wav" > /dev/null 2> err.txt && fail "a missing graph loaded"
grep -q "no-graph" err.txt || fail "the error does not name the graph: $(cat err.txt)"
./lattice-wav "$MODEL" graph "$LIBRI/$u.wav" > lat.out 2> lat.err || fail "examples/lattice-wav failed: $(cat lat.err)"
# wren decode's lattice: "src<TAB>dst<TAB>word-id<TAB>g,a,tids" and "state<TAB>g,a,tids"
awk -F'\t' 'NR == FNR {split($0, p, " "); w[p[2]] = p[1]; next} FNR == 1 {next}
  function fr(s) { return s == "" ? 0 : split(s, _, "_") }
  NF == 4 {split($4, c, ","); printf "%d %d %s %.4f %.4f %d\n", $1, $2, $3 == 0 ? "<eps>" : w[$3], c[1], c[2], fr(c[3])}
  NF == 2 {split($2, c, ","); printf "%d %.4f %.4f %d\n", $1, c[1], c[2], fr(c[3])}' graph/words.txt lat.txt | sort > lat.ref
[ "$(wc -l < lat.ref)" -gt 10 ] || fail "wren decode wrote a lattice of $(wc -l < lat.ref) lines"
# the same arcs and finals, costs equal up to the text's 9 significant digits
awk 'function near(x, y) { d = x - y; if (d < 0) d = -d; return d <= 1e-3 + 1e-6 * (x < 0 ? -x : x) }
  { k = NF == 6 ? $1 " " $2 " " $3 " " $6 : $1 " " $4; g = NF == 6 ? $4 : $2; a = NF == 6 ? $5 : $3 }
  NR == FNR { G[k] = g; A[k] = a; n++; next }
  !(k in G) || !near(G[k], g) || !near(A[k], a) { print "differs: " $0; bad = 1 }
  { m++ } END { if (m != n) print "lines: " n " vs " m; exit bad || m != n }' lat.out lat.ref > lat.diff \
  || fail "lattice-wav's lattice differs from wren decode's: $(head -3 lat.diff | tr '\n' ' ')"
./nbest-wav "$MODEL" graph "$LIBRI/$u.wav" 0 > /dev/null 2> err.txt && fail "an n-best list of 0 entries"
grep -q "at least 1" err.txt || fail "n = 0 gives no clear error: $(cat err.txt)"
echo "PASS: installed library, pkg-config, example decodes $u as wren decode does: $(cut -d' ' -f2- hyp.txt)"
