# austen-graph.sh — sourced by the decoding benches (after setting SRC, the source tree): the
# settings they share (WREN, checked; SHARED; the pocketsphinx-en-us MODEL and DICT; the Austen
# CORPUS), bench_needs NAME PATH... (the bench is skipped, exit 0, if a path is missing), and
# austen_graph EVAL_TEXT, which builds in the current folder, only if missing, lm.arpa (a trigram
# of Jane Austen's novels, normalised, leak-guarded with 6-word windows against the transcripts
# of EVAL_TEXT, a Kaldi text, and pruned to 200k n-grams) and its graph (graph/HCLG.fst).
WREN=${WREN:?set WREN to the built wren}
SHARED=${WREN_SHARED:-$SRC/../shared}
MODEL=/usr/share/pocketsphinx/model/en-us/en-us
DICT=/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict
CORPUS=$SHARED/data/text/lm-corpus/austen-six-novels.txt.xz

bench_needs() {
  local name=$1 p
  shift
  for p in "$MODEL/mdef" "$DICT" "$CORPUS" "$@"; do
    [ -e "$p" ] || { echo "$name bench: $p missing, skipped"; exit 0; }
  done
}

austen_graph() {
  if [ ! -s lm.arpa ]; then
    "$WREN" text-norm "$CORPUS" corpus.txt 2> /dev/null
    cut -d' ' -f2- "$1" > eval.txt
    "$WREN" leak-guard --window 6 --eval eval.txt corpus.txt corpus-guarded.txt 2> /dev/null
    "$WREN" ngram-count -order 3 -text corpus-guarded.txt -prune-target 200000 -lm lm.arpa 2>&1 | tail -1
  fi
  [ -s graph/HCLG.fst ] || "$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa graph 2>&1 | tail -1
}
