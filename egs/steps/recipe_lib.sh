# recipe_lib.sh — sourced by the corpus recipes: parses the common options
# (--stage --stop-stage --nj --cmd, one optional CORPUS_DIR), enters egs/$name, reads
# conf/$name.conf and defines step / log / timed. Needs $name and $top set by the caller;
# sets stage, stop_stage, nj, cmd, here, corpus, WREN, steps.
here=$top/egs/$name
stage=0; stop_stage=100; nj=2; cmd="$top/utils/run-jobs.sh --backend local"
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage=$2; shift ;;
    --stop-stage) stop_stage=$2; shift ;;
    --nj) nj=$2; shift ;;
    --cmd) cmd=$2; shift ;;
    -h|--help) sed -n '2,22p' "$here/run.sh" | sed '/^set -euo/,$d'; exit 0 ;;
    -*) echo "run.sh: unknown option '$1'" >&2; exit 1 ;;
    *) break ;;
  esac
  shift
done
cd "$here"
. "conf/$name.conf"
corpus=${1:-$top/../shared/data/speech/$corpus_name}
# a conf may leave model empty: the 8 kHz model that the shared data root holds beside its speech
[ -n "${model:-}" ] || model=$(cd "$corpus/../.." 2>/dev/null && pwd)/models/hub4wsj_sc_8k
export WREN=${WREN:-$top/build/wren}
[ -x "$WREN" ] || { echo "run.sh: $WREN not built (set WREN=path/to/wren)" >&2; exit 1; }
steps=$top/egs/steps
# (stages run in "if step N; then ...; fi", never "step N && ...", so that set -e applies inside)
step() { [ "$1" -ge "$stage" ] && [ "$1" -le "$stop_stage" ]; }
log() { echo "[$name $(date +%H:%M:%S)] $*" >&2; }
timed() { local s=$1 t0; shift; t0=$(date +%s); "$@"; echo "stage $s: $(( $(date +%s) - t0 )) s" | tee -a exp/stage-times.txt >&2; }
mkdir -p exp
