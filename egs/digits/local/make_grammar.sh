#!/usr/bin/env bash
# make_grammar.sh — the digit "grammar" of egs/digits: an ARPA unigram LM giving each digit word
# the same probability (with <s> and </s>), and the dictionary restricted to those words (all
# CMUdict pronunciations, e.g. zero(2)). One word per utterance is what the graph prefers; the
# unigram also allows sequences (word insertions show up as errors).
# usage: local/make_grammar.sh DICT_SRC OUT_DIR WORD...
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 DICT_SRC OUT_DIR WORD..." >&2; exit 1; }
src=$1; out=$2; shift 2
mkdir -p "$out"
n=$#
{
  printf '\\data\\\nngram 1=%d\n\n\\1-grams:\n' $((n + 2))
  lp=$(awk -v n="$n" 'BEGIN{printf "%.6f", log(1 / (n + 1)) / log(10)}')
  printf -- '-99\t<s>\n%s\t</s>\n' "$lp"
  for w in "$@"; do printf '%s\t%s\n' "$lp" "$w"; done
  printf '\n\\end\\\n'
} > "$out/grammar.arpa"
for w in "$@"; do
  grep -E "^$w(\([0-9]+\))?[[:space:]]" "$src" || { echo "$0: $w: not in $src" >&2; exit 1; }
done > "$out/dict"
echo "$0: $n words, $(wc -l < "$out/dict") pronunciations -> $out" >&2
