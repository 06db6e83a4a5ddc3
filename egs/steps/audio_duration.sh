#!/usr/bin/env bash
# audio_duration.sh — total seconds of audio of a wav.scp (sox's soxi; SPHERE read as sph).
# usage: egs/steps/audio_duration.sh WAV_SCP
set -euo pipefail
while read -r _ f; do
  case "$f" in *.wav) soxi -D "$f" 2>/dev/null || soxi -t sph -D "$f" ;; *) soxi -D "$f" ;; esac
done < "$1" | awk '{s += $1} END {printf "%.2f\n", s}'
