#!/usr/bin/env bash
# layering.sh — the include structure of the library, checked from the sources: every folder has
# a layer, and a file may include headers of its own folder or of a LOWER layer only (so there is
# no include cycle between folders and the flow reads off the tree). Also no folder holds more
# than 20 % of the code. Not for: tests/, bench/ and examples/, which may include anything.
set -euo pipefail
shopt -s nullglob
src=${WREN_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$src"
# layer of each folder, lowest first (keep in step with the comment at the top of Makefile.am)
declare -A layer=(
  [include]=0
  [utils]=1
  [fstext]=2 [feat]=2 [lm]=2 [text]=2 [score]=2 [nnlm]=2
  [am]=3
  [transform]=4 [graph]=4 [lat]=4
  [rescore]=5 [prune]=5
  [decoder]=6
  [cli]=7
)
bad=0
for d in "${!layer[@]}"; do
  [ -d "$d" ] || { echo "layering.sh: folder $d is in the layer table but not in the tree" >&2; bad=1; }
done
for d in */; do
  d=${d%/}
  case $d in tests|bench|examples|egs|build*|m4|build-aux|autom4te.cache|python) continue ;; esac
  files=("$d"/*.c "$d"/*.h "$d"/*.cc)
  [ ${#files[@]} -gt 0 ] || continue
  [ -n "${layer[$d]:-}" ] || { echo "layering.sh: folder $d has sources but no layer (add it to the table)" >&2; bad=1; }
done
while IFS=: read -r file lineno inc; do
  from=${file%%/*}
  inc=${inc#*\"}; inc=${inc%\"*}
  case $inc in
    */*) to=${inc%%/*} ;;
    *) continue ;;   # a header of the same folder, by its bare name
  esac
  [ "$to" = wren ] && to=include   # <wren/...> and "wren/..." are the public headers
  [ -n "${layer[$to]:-}" ] || continue
  if [ "$to" != "$from" ] && [ "${layer[$to]}" -ge "${layer[$from]}" ]; then
    echo "layering.sh: $file:$lineno: $from (layer ${layer[$from]}) includes $inc of $to (layer ${layer[$to]}): only lower layers may be included" >&2
    bad=1
  fi
done < <(for d in "${!layer[@]}"; do
           for f in "$d"/*.c "$d"/*.h "$d"/*.cc "$d"/*/*.h; do
             grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" || true
           done
         done)
# no folder over 20 % of the library's lines
total=0; declare -A lines=()
for d in "${!layer[@]}"; do
  files=("$d"/*.c "$d"/*.h "$d"/*.cc "$d"/*/*.h)
  n=$(cat "${files[@]}" | wc -l)
  lines[$d]=$n; total=$((total + n))
done
for d in "${!lines[@]}"; do
  if [ $((lines[$d] * 100)) -gt $((total * 20)) ]; then
    echo "layering.sh: $d holds ${lines[$d]} of $total lines (over 20 %): split it" >&2; bad=1
  fi
done
[ $bad = 0 ] && echo "layering: ${#layer[@]} folders, $total lines, every include points down"
exit $bad
