# shellcheck shell=bash disable=SC2034
# recipe_lib.sh — sourced by each recipe's run.sh (egs/<recipe>/run.sh) once its options are
# parsed: sets top (the repo root), here (the recipe folder), name (the recipe's folder name),
# steps (egs/steps) and WREN (the built wren: $WREN, else build/wren; checked, exported for the
# step scripts), and defines log and timed. The run.sh then enters $here, whose exp/ and data/
# (both git-ignored) receive every output of the recipe.
# Not for: options (parse_options.sh) or stages (each run.sh, or recipe16k.sh for the four
# single-corpus 16 kHz recipes).
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
name=$(basename "$here")
steps=$top/egs/steps
WREN=${WREN:-$top/build/wren}
case $WREN in /*) ;; */*) WREN=$PWD/$WREN ;; esac   # a relative path still works after the cd
export WREN
[ -x "$WREN" ] || { echo "$name/run.sh: $WREN not built (set WREN=path/to/wren)" >&2; exit 1; }
log() { echo "[$name $(date +%H:%M:%S)] $*" >&2; }
# timed N CMD...: runs CMD and appends its wall seconds to exp/stage-times.txt as stage N's
timed() { local s=$1 t0; shift; t0=$(date +%s); "$@"; echo "stage $s: $(( $(date +%s) - t0 )) s" | tee -a exp/stage-times.txt >&2; }
