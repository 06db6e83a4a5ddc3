#!/bin/bash
# segment.sh — decoding a long recording whole against cut at its pauses by `wren segment`, in
# the same run: CPU seconds (user + system), peak memory (maximum resident set) and WER of
# `wren decode` on one 3-minute recording (the first 40 CMU ARCTIC sentences of arctic-fraser
# joined) searched whole (--cut-seconds 0), of `wren decode` with its default, which cuts a
# recording over a minute at its pauses itself and joins the pieces' outputs, of `wren segment`
# + `wren decode` of its pieces (hypotheses joined per recording), the wall time of `wren decode
# --nj 2` sharing the recording's pieces between two workers against one job (and on the 40
# sentence files and the recording in one list: they were shared by count, the recording whole:
# 18.71 s of wall time against 26.90 s for one job, measured by hand on a quiet machine),
# the recording streamed through the public C API in 100 ms chunks with a partial transcript
# after every second (examples/stream-wav.c, built as bench/stream-wav: a stream is cut at a pause
# each time 20 s have gathered),
# and, as the reference, of the 40 sentence files decoded one by one; and the same pieces cut
# from a 44.1 kHz FLAC copy of the recording (a recording is read, decompressed and resampled
# once for all its pieces; when it was read again for each piece, this cost 1.24x the CPU of
# the WAV's pieces, measured with another job running). LM and graph: bench/austen-graph.sh,
# leak-guarded against the 40 transcripts. Work files are kept in WREN_BENCH_DIR (default
# /tmp/wren-bench-segment), so the LM and graph are built once. Env: WREN (built wren),
# WREN_SHARED.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/austen-graph.sh"   # WREN, SHARED, MODEL, DICT, CORPUS; bench_needs, austen_graph
A=$SHARED/data/speech/arctic-fraser
W=${WREN_BENCH_DIR:-/tmp/wren-bench-segment}
bench_needs segment "$A/audio/arctic_a0040.flac"
command -v sox > /dev/null || { echo "segment bench: sox missing, skipped"; exit 0; }
mkdir -p "$W"
cd "$W"
ids=$(seq -f 'arctic_a%04g' 1 40)
for i in $ids; do echo "$i $(tr -s '\r\n' '  ' < "$A/text/$i.txt")"; done > text.raw
"$WREN" text-norm --ids text.raw text 2> /dev/null
for i in $ids; do echo "$i $A/audio/$i.flac"; done > sentences.scp
[ -s long.wav ] || sox $(for i in $ids; do echo "$A/audio/$i.flac"; done) long.wav
echo "long $PWD/long.wav" > long.scp
echo "long $(cut -d' ' -f2- text | tr '\n' ' ')" > long.ref
austen_graph text
dec=("$WREN" decode --model "$MODEL" --graph graph --nj 1 --adapt none)   # one pass: the cost of the cutting alone
timed() { local out=$1; shift; /usr/bin/time -o "$out" -f "%U %S %M %e" "$@"; }
timed whole.res "${dec[@]}" --cut-seconds 0 long.scp whole.txt 2> whole.log
timed cut.res "${dec[@]}" long.scp cut.txt 2> cut.log
timed cut-nj2.res "${dec[@]}" --nj 2 long.scp cut-nj2.txt 2> cut-nj2.log   # its pieces shared by two workers
timed seg.res "$WREN" segment --model "$MODEL" long.scp seg 2> seg.log
timed pieces.res "${dec[@]}" seg pieces.txt 2> pieces.log
# the hypotheses of a data dir's pieces joined per recording: join_pieces SEGMENTS HYP > JOINED
join_pieces() {
  awk 'NR == FNR { rec[$1] = $2; next } { r = rec[$1]; $1 = ""; h[r] = h[r] $0 } END { for (r in h) print r h[r] }' "$@"
}
join_pieces seg/segments pieces.txt > pieces-joined.txt
timed sentences.res "${dec[@]}" sentences.scp sentences.txt 2> sentences.log
# the 40 sentence files and the recording in one wav.scp: --nj 2 against one job
{ cat sentences.scp; cat long.scp; } > mixed.scp
timed mixed.res "${dec[@]}" mixed.scp mixed.txt 2> mixed.log
timed mixed-nj2.res "${dec[@]}" --nj 2 mixed.scp mixed-nj2.txt 2> mixed-nj2.log
timed stream.res "${WREN_BUILDDIR:-$SRC}/bench/stream-wav" "$MODEL" graph long.wav > stream.out 2> stream.log
echo "long $(awk '{ printf "%s ", $3 }' stream.out)" > stream.txt
[ -s long44.flac ] || sox -D long.wav -r 44100 long44.flac
rm -rf seg44 && cp -r seg seg44 && echo "long $PWD/long44.flac" > seg44/wav.scp
timed pieces44.res "${dec[@]}" seg44 pieces44.txt 2> pieces44.log
cpu() { awk '{ printf "%.2f", $1 + $2 }' "$@"; }
rss() { awk '{ printf "%.0f", $3 / 1024 }' "$1"; }
wer() { "$WREN" wer "$1" "$2" | head -1 | sed 's/^%WER \([0-9.]*\).*/\1/'; }
cat seg.res pieces.res | awk '{ u += $1; s += $2; m = $3 > m ? $3 : m } END { print u, s, m }' > segment-decode.res
printf '%-52s %8s %8s %8s\n' "$(soxi -D long.wav | awk '{ printf "one recording of %.1f s (40 sentences)", $1 }')" "CPU s" "peak MB" "%WER"
printf '%-52s %8s %8s %8s\n' "wren decode --cut-seconds 0 (one search)" "$(cpu whole.res)" "$(rss whole.res)" "$(wer long.ref whole.txt)"
printf '%-52s %8s %8s %8s\n' "wren decode (default: cut at its pauses itself)" "$(cpu cut.res)" "$(rss cut.res)" "$(wer long.ref cut.txt)"
printf '%-52s %8s %8s %8s\n' "wren segment ($(wc -l < seg/segments) pieces) + wren decode" "$(cpu segment-decode.res)" \
  "$(rss segment-decode.res)" "$(wer long.ref pieces-joined.txt)"
printf '%-52s %8s %8s %8s\n' "streamed, 100 ms chunks, a partial each second" "$(cpu stream.res)" "$(rss stream.res)" \
  "$(wer long.ref stream.txt)"
printf '%-52s %8s %8s %8s\n' "wren decode, the 40 sentence files (reference)" "$(cpu sentences.res)" "$(rss sentences.res)" \
  "$(wer text sentences.txt)"
awk '{ c[NR] = $1 + $2; m[NR] = $3 } END { printf "whole / segmented: CPU %.2fx, peak memory %.2fx; cut by wren decode / segmented: CPU %.2fx, peak memory %.2fx\n", c[1] / c[2], m[1] / m[2], c[3] / c[2], m[3] / m[2] }' \
  whole.res segment-decode.res cut.res
awk -v same="$(cmp -s cut.txt cut-nj2.txt && echo "the same words" || echo "OTHER WORDS")" '{ w[NR] = $4 }
  END { printf "wren decode --nj 2 on the recording (its pieces shared by two workers): wall %.2f s against %.2f s, %.2fx; %s\n", w[2], w[1], w[1] / w[2], same }' \
  cut.res cut-nj2.res
awk -v same="$(cmp -s mixed.txt mixed-nj2.txt && echo "the same words" || echo "OTHER WORDS")" '{ w[NR] = $4 }
  END { printf "wren decode --nj 2 on the 40 sentence files and the recording (the recording'"'"'s pieces shared): wall %.2f s against %.2f s, %.2fx; %s\n", w[2], w[1], w[1] / w[2], same }' \
  mixed.res mixed-nj2.res
join_pieces seg44/segments pieces44.txt > pieces44-joined.txt
awk -v w="$(wer long.ref pieces44-joined.txt)" '{ c[NR] = $1 + $2 }
  END { printf "the pieces from a 44.1 kHz FLAC copy / from the WAV: decode CPU %.2fx (%%WER %s)\n", c[1] / c[2], w }' \
  pieces44.res pieces.res
echo "(files in $W)"
