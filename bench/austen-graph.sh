# austen-graph.sh — sourced by the decoding benches: austen_graph EVAL_TEXT builds, in the
# current folder and only if missing, lm.arpa (a trigram of Jane Austen's novels, normalised,
# leak-guarded with 6-word windows against the transcripts of EVAL_TEXT, a Kaldi text, and
# pruned to 200k n-grams) and its graph (graph/HCLG.fst). Needs WREN, MODEL, DICT and CORPUS.
austen_graph() {
  if [ ! -s lm.arpa ]; then
    "$WREN" text-norm "$CORPUS" corpus.txt 2> /dev/null
    cut -d' ' -f2- "$1" > eval.txt
    "$WREN" leak-guard --window 6 --eval eval.txt corpus.txt corpus-guarded.txt 2> /dev/null
    "$WREN" ngram-count -order 3 -text corpus-guarded.txt -prune-target 200000 -lm lm.arpa 2>&1 | tail -1
  fi
  [ -s graph/HCLG.fst ] || "$WREN" mkgraph --model "$MODEL" --dict "$DICT" --lm lm.arpa graph 2>&1 | tail -1
}
