#!/bin/bash
# adapt.sh — the cost of speaker adaptation: `wren decode --adapt fmllr` (both passes, its
# defaults: EM steps, the second estimate that rescores the adapted lattices) against the
# speaker-independent `wren decode` on the same audio, model and graph, in the same run, one job
# each. Prints the CPU seconds (user + system) of each, their ratio (the budget of issue 20: at
# most 2.2), the decoder's own split of the adapted run (first pass, adapted pass, statistics and
# estimation) and the WER of each. Data: the TIMIT sample (16 speakers x 10 sentences; speakers
# from egs/timit/local/prepare_data.sh). LM: a trigram of Jane Austen's novels, leak-guarded against
# the TIMIT transcripts and pruned to 200k n-grams, with its graph. Work files are kept in
# WREN_BENCH_DIR (default /tmp/wren-bench-adapt), so the LM and graph are built once.
# Env: WREN (built wren), WREN_SHARED; ADAPT_OPTS (extra wren decode options for the adapted run).
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/austen-graph.sh"   # WREN, SHARED, MODEL, DICT, CORPUS; bench_needs, austen_graph
TIMIT=$SHARED/data/speech/timit-sample
W=${WREN_BENCH_DIR:-/tmp/wren-bench-adapt}
bench_needs adapt "$TIMIT"
mkdir -p "$W"
cd "$W"
"$SRC/egs/timit/local/prepare_data.sh" "$TIMIT" data > /dev/null 2>&1
"$WREN" text-norm --ids data/text.raw data/text 2>/dev/null
austen_graph data/text
cpu() { awk '{printf "%.2f", $1 + $2}' "$1"; }
wer() { "$WREN" wer data/text "$1" | head -1 | sed 's/^%WER \([0-9.]*\).*/\1/'; }
/usr/bin/time -o si.cpu -f "%U %S" "$WREN" decode --model "$MODEL" --graph graph --nj 1 --adapt none data si.txt 2> si.log
# shellcheck disable=SC2086
/usr/bin/time -o fmllr.cpu -f "%U %S" "$WREN" decode --model "$MODEL" --graph graph --nj 1 --adapt fmllr \
  ${ADAPT_OPTS:-} --si-hyp fmllr-si.txt data fmllr.txt 2> fmllr.log
n_utt=$(wc -l < data/wav.scp); n_spk=$(cut -d' ' -f2 data/utt2spk | sort -u | wc -l)
printf '%-44s %9s %8s\n' "system ($n_utt utterances, $n_spk speakers)" "CPU s" "%WER"
printf '%-44s %9s %8s\n' "wren decode (speaker-independent)" "$(cpu si.cpu)" "$(wer si.txt)"
printf '%-44s %9s %8s\n' "wren decode --adapt fmllr ${ADAPT_OPTS:-}" "$(cpu fmllr.cpu)" "$(wer fmllr.txt)"
echo "adapted / speaker-independent CPU: $(echo "$(cpu fmllr.cpu) $(cpu si.cpu)" | awk '{printf "%.2f", $1 / $2}')x (budget 2.2x)"
grep 'CPU time' fmllr.log | sed 's/^wren decode: /adapted run: /'
cmp -s si.txt fmllr-si.txt && echo "(its first pass gave the same hypotheses as the speaker-independent run)"
echo "(files in $W)"
