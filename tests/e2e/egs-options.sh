#!/usr/bin/env bash
# egs-options.sh — end-to-end test of the recipes' option parser egs/steps/parse_options.sh and
# of its use by every egs script: --foo-bar VALUE and --foo-bar=VALUE set the existing variable
# foo_bar, --config FILE is applied before the other options whatever their order, true/false
# variables only take true/false, "--" and the first non-option end the options, --help prints
# the usage header; an unknown option, a missing value or an unreadable config is one line on
# stderr naming it, exit 1, for every egs script that takes options.
# Not for: running recipe stages (they need the corpora and hours of CPU; see egs/*/RESULTS.md).
set -uo pipefail

src=${WREN_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wren-egs-options.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99

nfail=0
check() {  # $1 = description, rest = command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; nfail=$((nfail + 1)); fi
}

# --- the parser on a script of its own ----------------------------------------------------
cat > t.sh <<EOF
#!/usr/bin/env bash
# t.sh — a script with options.
# usage: t.sh [--stage N] [--foo-bar V] [--flag true|false] ARG...
set -euo pipefail
stage=0; foo_bar=x; flag=false
. "$src/egs/steps/parse_options.sh"
echo "stage=\$stage foo_bar=\$foo_bar flag=\$flag rest=\$*"
EOF
chmod +x t.sh
printf 'stage=7\nfoo_bar="from conf"\n' > c.conf
run() { ./t.sh "$@" > out.txt 2> err.txt; echo $? > rc.txt; }
ok_case() {  # $1 = expected stdout, rest = arguments
  local want=$1; shift
  run "$@"
  check "t.sh $*: exit 0, '$want'" test "$(cat rc.txt)" = 0 -a "$(cat out.txt)" = "$want" -a ! -s err.txt
}
ok_case "stage=0 foo_bar=x flag=false rest=" 
ok_case "stage=3 foo_bar=x flag=false rest=a b" --stage 3 a b
ok_case "stage=2 foo_bar=hello world flag=false rest=--x" --foo-bar="hello world" --stage 2 -- --x
ok_case "stage=5 foo_bar=from conf flag=false rest=" --stage 5 --config c.conf
ok_case "stage=5 foo_bar=from conf flag=false rest=z" --config=c.conf --stage 5 z
ok_case "stage=0 foo_bar=x flag=true rest=" --flag true
run --help
check "--help prints the usage header, exit 0" \
  test "$(cat rc.txt)" = 0 -a "$(cat out.txt)" = "$(printf 't.sh — a script with options.\nusage: t.sh [--stage N] [--foo-bar V] [--flag true|false] ARG...')"
bad_case() {  # $1 = expected text, rest = arguments
  local want=$1; shift
  run "$@"
  check "t.sh $*: exit 1, one line with '$want'" \
    test "$(cat rc.txt)" = 1 -a "$(wc -l < err.txt)" -eq 1 -a ! -s out.txt -a -n "$(grep -F -- "$want" err.txt)"
}
bad_case "unknown option '--nope'" --nope 1
bad_case "unknown option '--PATH'" --PATH /x
bad_case "unknown option '--foo.bar'" --foo.bar 1
bad_case "option '--stage' needs a value" --stage
bad_case "option '--flag' takes true or false, not '1'" --flag 1
bad_case "--config missing.conf: no such readable file" --config missing.conf
bad_case "option '--config' needs a value" --config

# --- every egs script that takes options rejects an unknown one, and has a --help ---------
for s in egs/steps/decode.sh egs/steps/beam_sweep.sh egs/steps/lmrescore.sh egs/steps/make_lm.sh \
         egs/steps/make_nnlm.sh egs/steps/nnlm_rescore.sh egs/steps/pocketsphinx_baseline.sh \
         egs/steps/prune_nnlm.sh egs/steps/pruned_wer.sh egs/steps/tune_acwt.sh \
         egs/steps/subset_data_dir.sh egs/steps/prepare_split.sh egs/steps/pooled_compare.sh egs/steps/scratch_nnlm.sh egs/steps/finetune_batch_sweep.sh egs/steps/study_table.sh egs/steps/mismatched_audio.sh egs/steps/study_budget_summary.sh egs/steps/study_budget_table.sh egs/steps/adapt_sweep.sh egs/steps/adapt_bound.sh egs/steps/vtln_grid.sh egs/steps/decode_fmllr.sh egs/steps/nnlm_table.sh egs/lm16k/run.sh egs/arctic/run.sh egs/arctic-full/run.sh \
         egs/timit/run.sh egs/lj/run.sh egs/digits/run.sh egs/demo/run.sh egs/pooled/run.sh; do
  "$src/$s" --frobnicate 1 a b > out.txt 2> err.txt; rc=$?
  check "$s --frobnicate: exit 1, one line naming it" \
    test $rc -eq 1 -a "$(wc -l < err.txt)" -eq 1 -a ! -s out.txt -a -n "$(grep -F -- "'--frobnicate'" err.txt)"
  "$src/$s" --help > out.txt 2> err.txt; rc=$?
  check "$s --help: exit 0, its usage line" test $rc -eq 0 -a -n "$(grep -- '^usage: ' out.txt)"
done
"$src/egs/steps/vtln_grid.sh" --warps "0.9 1.1" m g d o > out.txt 2> err.txt; rc=$?
check "vtln_grid.sh without warp 1: exit 1, one line" \
  test $rc -eq 1 -a "$(wc -l < err.txt)" -eq 1 -a -n "$(grep -F 'must include 1.00' err.txt)"
# a conf variable is an option of the script that reads the conf
check "make_lm.sh takes its conf's --vocab-size (then wants its arguments)" \
  bash -c "'$src/egs/steps/make_lm.sh' --vocab-size 10 2>&1 | grep -q '^usage: '"

echo "egs-options: $nfail failed"
[ $nfail -eq 0 ]
