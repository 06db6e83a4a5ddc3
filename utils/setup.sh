#!/usr/bin/env bash
# setup.sh — install every Debian package Wren needs (idempotent), then bootstrap, configure
# and build it. Safe to run twice: it installs only what is missing and rebuilds only what
# changed.
#
# usage: utils/setup.sh [--deps-only] [--build-dir DIR] [--sanitizers] [--no-build]
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="$top/build"
deps_only=0
sanitizers=0
while [ $# -gt 0 ]; do
  case "$1" in
    --deps-only|--no-build) deps_only=1 ;;
    --build-dir) build_dir=$2; shift ;;
    --sanitizers) sanitizers=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$1'" >&2; exit 1 ;;
  esac
  shift
done

# Build tools and libraries, the default acoustic model, the reference tools that tests
# compare against (sphinx_fe, sphinx_lm_eval, sclite, IRSTLM, pocketsphinx), valgrind (a test
# runs wren under it), the speech synthesiser espeak-ng (mismatched audio for
# tests/e2e/decode-mismatch.sh), plotting, and clang with libFuzzer for the fuzzing build
# (--enable-fuzzing), and python3 with numpy and torch for the Python package (python/wren,
# wren.torch; tests/e2e/python.sh).
packages=(
  build-essential autoconf automake pkg-config
  libfst-dev libfst-tools libopenblas-dev libsndfile1-dev libsoxr-dev check zlib1g-dev
  pocketsphinx-en-us pocketsphinx-testdata pocketsphinx sphinxbase-utils
  sctk irstlm gnuplot-nox xz-utils sox valgrind espeak-ng
  clang libclang-rt-14-dev
  python3 python3-numpy python3-torch
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup.sh: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
[ "$deps_only" = 1 ] && exit 0

cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
  ./bootstrap >&2
fi
mkdir -p "$build_dir"
cd "$build_dir"
if [ ! -f Makefile ]; then
  conf=()
  [ "$sanitizers" = 1 ] && conf+=(--enable-sanitizers)
  "$top/configure" -q "${conf[@]}" >&2
fi
make -j"$(nproc)" >&2
echo "setup.sh: built $build_dir/wren" >&2
