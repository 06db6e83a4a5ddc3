#!/usr/bin/env bash
# adapt_bound.sh — how far can a per-speaker fMLLR transform take this acoustic model on a data
# dir, whatever the adaptation's supervision? Decodes DATA_DIR with fMLLR transforms estimated four
# ways and prints their %WER side by side with the speaker-independent pass and the default
# adapted pass (`wren decode` on a data dir: fMLLR, a second estimate, MAP means):
#   self, hypotheses  the transform of `wren decode --adapt fmllr` (first-pass words of the
#                     scored utterances themselves; what a user gets, without MAP or 2nd estimate)
#   self, reference   estimated on the reference words of the scored utterances: a bound no
#                     decoder reaches, since the transform then also learns the answer
#   others, reference estimated on the reference words of the speaker's OTHER utterances in
#                     POOL_DIR (leave-one-out): supervised enrolment, the most a transform of the
#                     speaker's voice can give an utterance it has not seen
#   others, hypotheses the same utterances' first-pass words: the same data, unsupervised
# The reference words are turned into alignments by decoding with a graph of a trigram on
# POOL_DIR's own text (Witten-Bell; its first pass is within a few errors of the reference).
# Every transform is then applied the same way (`wren decode --adapt none --transforms`).
# Not a result for the paper: the reference rows read the answer. A diagnostic of issue 20.
# usage: egs/steps/adapt_bound.sh [--nj N] [--baseline HYP] MODEL_DIR DICT GRAPH_DIR DATA_DIR POOL_DIR OUT_DIR
#   DATA_DIR: Kaldi data dir (wav.scp, text, utt2spk) to score; POOL_DIR: one holding DATA_DIR's
#   utterances and more of the same speakers (e.g. dev + test), the same files.
#   --baseline HYP: another system's hypotheses of DATA_DIR (e.g. pocketsphinx_batch's): its
#   %WER is printed and every row's ratio to it.
#   Writes OUT_DIR/{oracle,loo,loo-target}/, OUT_DIR/{hyp,T,log}-*.txt; a rerun keeps what is done.
#   Env: WREN (the built wren, default build/wren).
set -euo pipefail
nj=2
baseline=""
. "$(dirname "$0")/parse_options.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
wren=${WREN:-$top/build/wren}
[ $# -eq 6 ] || { echo "usage: $0 [--nj N] [--baseline HYP] MODEL_DIR DICT GRAPH_DIR DATA_DIR POOL_DIR OUT_DIR" >&2; exit 1; }
model=$1; dict=$2; graph=$3; data=$4; pool=$5; out=$6
for d in "$data" "$pool"; do for f in wav.scp text utt2spk; do
  [ -s "$d/$f" ] || { echo "adapt_bound.sh: no $d/$f" >&2; exit 1; }; done; done
[ -z "$baseline" ] || [ -s "$baseline" ] || { echo "adapt_bound.sh: no $baseline" >&2; exit 1; }
missing=$(awk 'NR == FNR { in_pool[$1] = 1; next } !($1 in in_pool) { n++ } END { print n + 0 }' "$pool/utt2spk" "$data/utt2spk")
[ "$missing" -eq 0 ] || { echo "adapt_bound.sh: $missing utterances of $data are not in $pool" >&2; exit 1; }
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=1

# The graph of the references: a trigram on the pool's text, closed over its words.
if [ ! -s "$out/oracle/graph/HCLG.fst" ]; then
  mkdir -p "$out/oracle"
  cut -d' ' -f2- "$pool/text" > "$out/oracle/text.txt"
  "$wren" ngram-count -order 3 -wbdiscount -text "$out/oracle/text.txt" -lm "$out/oracle/lm.arpa" 2> "$out/oracle/log.txt" ||
    { echo "adapt_bound.sh: ngram-count failed (see $out/oracle/log.txt)" >&2; exit 1; }
  "$wren" mkgraph --model "$model" --dict "$dict" --lm "$out/oracle/lm.arpa" "$out/oracle/graph.tmp" >> "$out/oracle/log.txt" 2>&1 ||
    { echo "adapt_bound.sh: mkgraph failed (see $out/oracle/log.txt)" >&2; exit 1; }
  rm -rf "$out/oracle/graph"; mv "$out/oracle/graph.tmp" "$out/oracle/graph"
fi

# Leave-one-out: for each utterance u of DATA_DIR, a pseudo-speaker u made of the other utterances
# of u's speaker in POOL_DIR (ids u__o); loo-target/ holds u alone as speaker u.
if [ ! -s "$out/loo-target/utt2spk" ]; then
  mkdir -p "$out/loo" "$out/loo-target"
  awk -v dir="$out/loo" 'FILENAME == ARGV[1] { spk[$1] = $2; utts[$2] = utts[$2] " " $1; next }
       FILENAME == ARGV[2] { w = $0; sub(/^[^ \t]+[ \t]+/, "", w); wav[$1] = w; next }
       FILENAME == ARGV[3] { t = $0; sub(/^[^ \t]+[ \t]*/, "", t); txt[$1] = t; next }
       { n = split(utts[spk[$1]], o, " ")
         for (i = 1; i <= n; i++) if (o[i] != $1) {
           id = $1 "__" o[i]
           print id, wav[o[i]] > (dir "/wav.scp.u"); print id, $1 > (dir "/utt2spk.u"); print id, txt[o[i]] > (dir "/text.u") } }' \
    "$pool/utt2spk" "$pool/wav.scp" "$pool/text" "$data/utt2spk"
  for f in wav.scp utt2spk text; do LC_ALL=C sort "$out/loo/$f.u" > "$out/loo/$f"; rm "$out/loo/$f.u"; done
  cp "$data/wav.scp" "$data/text" "$out/loo-target/"
  awk '{ print $1, $1 }' "$data/utt2spk" > "$out/loo-target/utt2spk"
fi

decode() {   # NAME DATA GRAPH OPTS...: hyp-NAME.txt (kept when there)
  local name=$1 d=$2 g=$3; shift 3
  [ -s "$out/hyp-$name.txt" ] && return 0
  "$wren" decode --model "$model" --graph "$g" --nj "$nj" "$@" "$d" "$out/hyp-$name.txt.tmp" 2> "$out/log-$name.txt" ||
    { echo "adapt_bound.sh: $name: wren decode failed (see $out/log-$name.txt)" >&2; exit 1; }
  mv "$out/hyp-$name.txt.tmp" "$out/hyp-$name.txt"
}
estimate() {   # NAME DATA GRAPH: T-NAME.txt, the fMLLR-only transforms of an adapted pass on DATA
  local name=$1 d=$2 g=$3
  [ -s "$out/T-$name.txt" ] && return 0
  rm -f "$out/hyp-est-$name.txt"   # a run killed between the two renames: decode again
  decode "est-$name" "$d" "$g" --adapt fmllr --no-adapt-rescore --adapt-map-tau 0 --adapt-beam 0 \
    --transforms-out "$out/T-$name.txt.tmp"
  mv "$out/T-$name.txt.tmp" "$out/T-$name.txt"
}
decode si "$data" "$graph" --adapt none
decode default "$data" "$graph" --adapt fmllr
estimate self-hyp "$data" "$graph"
estimate self-ref "$data" "$out/oracle/graph"
estimate loo-ref "$out/loo" "$out/oracle/graph"
estimate loo-hyp "$out/loo" "$graph"
for t in self-hyp self-ref; do decode "$t" "$data" "$graph" --adapt none --transforms "$out/T-$t.txt"; done
for t in loo-ref loo-hyp; do decode "$t" "$out/loo-target" "$graph" --adapt none --transforms "$out/T-$t.txt"; done

wer_of() { "$wren" wer "$1" "$2" 2>/dev/null | sed -n 's/^%WER //p'; }   # REF HYP: "12.34 [ e / N, ... ]"
compare() { "$wren" wer --compare "$1" "$data/text" "$2" 2>/dev/null | grep -E "^(compare|WER A) " | sed "s|$out/||g; s/^/  /"; }
echo "supervision of the alignment the transforms are estimated on (oracle graph, first pass, %WER):"
printf '  %-28s %s\n' "self (DATA_DIR)" "$(wer_of "$data/text" "$out/hyp-est-self-ref.txt")"
printf '  %-28s %s\n' "others (leave-one-out)" "$(wer_of "$out/loo/text" "$out/hyp-est-loo-ref.txt")"
base=""
if [ -n "$baseline" ]; then   # its lines of DATA_DIR's utterances (a pooled system's file holds more)
  awk 'NR == FNR { keep[$1] = 1; next } keep[$1]' "$data/text" "$baseline" > "$out/hyp-baseline.txt"
  base=$(wer_of "$data/text" "$out/hyp-baseline.txt" | awk '{ print $1 }')
fi
printf '%-50s %s\n' "system" "%WER [err / N, ins, del, sub]${base:+   x baseline}"
row() {   # LABEL HYP
  local l; l=$(wer_of "$data/text" "$2")
  if [ -n "$base" ]; then printf '%-50s %s   %.3f\n' "$1" "$l" "$(awk -v a="${l%% *}" -v b="$base" 'BEGIN { print a / b }')"
  else printf '%-50s %s\n' "$1" "$l"; fi
}
[ -z "$baseline" ] || row "baseline ($(basename "$(dirname "$baseline")"))" "$out/hyp-baseline.txt"
row "speaker-independent (--adapt none)" "$out/hyp-si.txt"
row "adapted, wren decode's default" "$out/hyp-default.txt"
row "fMLLR: self, hypotheses (unsupervised)" "$out/hyp-self-hyp.txt"
row "fMLLR: others, hypotheses (leave-one-out)" "$out/hyp-loo-hyp.txt"
row "fMLLR: others, reference (supervised enrolment)" "$out/hyp-loo-ref.txt"
row "fMLLR: self, reference (reads the answer)" "$out/hyp-self-ref.txt"
echo "paired tests (wren wer --compare):"
[ -z "$baseline" ] || compare "$out/hyp-self-hyp.txt" "$out/hyp-baseline.txt"
for p in "self-hyp si" "loo-ref self-hyp" "loo-hyp self-hyp" "loo-ref loo-hyp" "self-ref self-hyp"; do
  read -r a b <<< "$p"
  compare "$out/hyp-$a.txt" "$out/hyp-$b.txt"
done
