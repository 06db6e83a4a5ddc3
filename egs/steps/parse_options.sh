# shellcheck shell=bash
# parse_options.sh — the one option parser of the egs scripts, in the convention of Kaldi's
# utils/parse_options.sh (our own code). A script first sets every option variable to its
# default, then sources this file WITHOUT arguments (`. "$steps/parse_options.sh"`), so that it
# works on, and shifts, the script's own "$@":
#   --foo-bar VALUE   sets the existing shell variable foo_bar (also written --foo-bar=VALUE);
#                     a variable that holds true or false only takes true or false
#   --config FILE     sources FILE (a conf of VAR=value lines) before any other option is
#                     applied, so the options on the command line win whatever their order
#   --help, -h        prints the script's usage header ($help_message if the script sets it,
#                     else the comment block at the top of the script), then $help_more if
#                     set (e.g. the stages of a body the script sources), and exits 0
# Parsing stops at "--" or at the first argument that does not start with "--"; the rest stays in
# "$@". An unknown option, a missing value or an unreadable config is a one-line error on stderr
# naming it, and exit 1. Not for: flags without a value (write --foo true), short options.

_po_usage() {   # the usage header: help_message, else the script's leading comments; then help_more
  if [ -n "${help_message:-}" ]; then printf '%s\n' "$help_message"
  else awk 'NR == 1 && /^#!/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
  fi
  if [ -n "${help_more:-}" ]; then printf '%s\n' "$help_more"; fi
}
_po_fail() { echo "$0: $*" >&2; exit 1; }
_po_parse() {   # sets the options' variables; leaves in _po_n how many arguments they took
  local _po_i _po_opt _po_val _po_var _po_args=("$@")
  _po_n=0
  # pass 1: every --config file, in order (its values are defaults the other options override)
  for ((_po_i = 0; _po_i < ${#_po_args[@]}; _po_i++)); do
    case "${_po_args[_po_i]}" in
      --) break ;;
      --config) [ $((_po_i + 1)) -lt ${#_po_args[@]} ] || _po_fail "option '--config' needs a value"
        _po_i=$((_po_i + 1)); _po_val=${_po_args[_po_i]} ;;
      --config=*) _po_val=${_po_args[_po_i]#--config=} ;;
      --*=*) continue ;;
      --*) _po_i=$((_po_i + 1)); continue ;;   # (skips the option's value)
      *) break ;;
    esac
    if [ ! -f "$_po_val" ] || [ ! -r "$_po_val" ]; then _po_fail "--config $_po_val: no such readable file"; fi
    # shellcheck disable=SC1090
    . "$_po_val"
  done
  # pass 2: the options, in order
  while [ $# -gt 0 ]; do
    case "$1" in
      --) _po_n=$((_po_n + 1)); return ;;
      -h|--help) _po_usage; exit 0 ;;
      --*=*) _po_opt=${1%%=*}; _po_val=${1#*=}; shift; _po_n=$((_po_n + 1)) ;;
      --*) _po_opt=$1; [ $# -ge 2 ] || _po_fail "option '$1' needs a value"
        _po_val=$2; shift 2; _po_n=$((_po_n + 2)) ;;
      *) return ;;
    esac
    [ "$_po_opt" = --config ] && continue
    _po_var=${_po_opt#--}; _po_var=${_po_var//-/_}
    # only lower-case names of variables the script has set (never an environment variable)
    if ! [[ $_po_var =~ ^[a-z][a-z0-9_]*$ ]] || [ -z "${!_po_var+set}" ]; then
      _po_fail "unknown option '$_po_opt' (see --help)"
    fi
    case "${!_po_var}" in
      true|false) case "$_po_val" in true|false) ;; *) _po_fail "option '$_po_opt' takes true or false, not '$_po_val'" ;; esac ;;
    esac
    printf -v "$_po_var" '%s' "$_po_val"
  done
}
_po_parse "$@"
shift "$_po_n"
unset -f _po_usage _po_fail _po_parse
unset _po_n
