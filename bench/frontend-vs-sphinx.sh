#!/usr/bin/env bash
# frontend-vs-sphinx.sh — Wren's MFCC cepstra against sphinxbase's sphinx_fe, the reference,
# on every file of a corpus: prints the number of files and frames, frame-count mismatches,
# the worst absolute difference over every coefficient of every frame (and where), and the
# CPU time of both on the same WAV files, measured in this run.
#
# usage: bench/frontend-vs-sphinx.sh [MODEL_DIR [CORPUS_DIR...]]
#   default: Debian's en-us model (16 kHz) on speech/arctic-fraser and speech/timit-sample;
#   e.g. MODEL_DIR=$WREN_SHARED/data/models/hub4wsj_sc_8k CORPUS=$WREN_SHARED/data/speech/fsdd-digits
# env: WREN (built wren), WREN_SHARED (../shared), LIMIT (at most this many files per corpus),
#      TOL (pass/fail threshold, default 1e-3; exit status 1 if exceeded).
# Two configurations are compared: feat.params as is (noise removal and VAD on, the
# sphinxbase defaults) and all frames (-remove_noise no -remove_silence no). No dither.
set -euo pipefail

shared=${WREN_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
wren=${WREN:-$(dirname "$0")/../build/wren}
model=${1:-/usr/share/pocketsphinx/model/en-us/en-us}
shift || true
corpora=("$@")
[ ${#corpora[@]} -gt 0 ] || corpora=("$shared/data/speech/arctic-fraser" "$shared/data/speech/timit-sample")
limit=${LIMIT:-0}
tol=${TOL:-1e-3}

for tool in sphinx_fe sox python3; do
  command -v $tool >/dev/null || { echo "frontend-vs-sphinx: $tool not found (run utils/setup.sh)"; exit 77; }
done
[ -x "$wren" ] || { echo "frontend-vs-sphinx: no wren at $wren (set WREN)"; exit 77; }

tmp=$(mktemp -d /tmp/wren-fe-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/wav" "$tmp/mfc"

# Every audio file (FLAC/WAV/SPHERE) of the corpora; sphinx_fe gets 16-bit WAV copies.
: > "$tmp/orig.scp"; : > "$tmp/wav.scp"; : > "$tmp/ctl"
for c in "${corpora[@]}"; do
  find "$c" -type f \( -name '*.wav' -o -name '*.flac' -o -name '*.WAV' -o -name '*.sph' \) |
    sort > "$tmp/all"
  if [ "$limit" -gt 0 ]; then sed -n "1,${limit}p" "$tmp/all" > "$tmp/list"; else cp "$tmp/all" "$tmp/list"; fi
  while read -r f; do
    key=$(basename "$c")_$(echo "${f#$c/}" | tr '/.' '__')
    sox "$f" -t wav -e signed-integer -b 16 "$tmp/wav/$key.wav"
    echo "$key $f" >> "$tmp/orig.scp"
    echo "$key $tmp/wav/$key.wav" >> "$tmp/wav.scp"
    echo "$key" >> "$tmp/ctl"
  done < "$tmp/list"
done
nfiles=$(wc -l < "$tmp/ctl")
echo "model: $model"
echo "corpora: ${corpora[*]}"
echo "files: $nfiles"

# The model's rate as Wren infers it (feat.params may lack -samprate: 8 kHz if upperf <= 4000);
# sphinx_fe gets it explicitly (taking it from the WAV header instead crashes it at 8 kHz).
rate=$(awk '$1=="-samprate"{r=$2} $1=="-upperf"{u=$2} END{if(r)print r; else if(u!="" && u+0<=4000)print 8000; else print 16000}' "$model/feat.params")
echo "sample rate: $rate"

# Two configurations: the model's feat.params as is (sphinxbase defaults: noise removal and
# VAD on, as plain `sphinx_fe -argfile feat.params`), and every frame kept (both off).
status=0
for config in defaults all-frames; do
  if [ $config = defaults ]; then sflags=(); wflags=()
  else sflags=(-remove_noise no -remove_silence no); wflags=(--remove-noise=no --remove-silence=no); fi
  rm -rf "$tmp/mfc"; mkdir -p "$tmp/mfc"
  echo "--- $config: sphinx_fe ${sflags[*]:-} vs wren compute-feats ${wflags[*]:-}"
  # CPU seconds (user + system) of each, measured in this run: wall time is meaningless on
  # a shared machine.
  TIMEFORMAT='%U %S'
  { time sphinx_fe -argfile "$model/feat.params" -c "$tmp/ctl" -di "$tmp/wav" -ei wav -do "$tmp/mfc" \
    -eo mfc -mswav yes -samprate "$rate" -dither no "${sflags[@]}" > "$tmp/sphinx_fe.log" 2>&1 ; } \
    2> "$tmp/t_sphinx" ||
    { tail -5 "$tmp/sphinx_fe.log"; echo "frontend-vs-sphinx: sphinx_fe failed"; exit 1; }
  { time "$wren" compute-feats --model "$model" --raw-cepstra --format kaldi --scp "$tmp/wav.scp" \
    "${wflags[@]}" --output "$tmp/wren-wav.ark" ; } 2> "$tmp/t_wren" || exit 1
  t0=0; t1=$(awk '{print $1 + $2}' "$tmp/t_sphinx"); t2=$(awk -v s="$t1" '{print s + $1 + $2}' "$tmp/t_wren")
  # Correctness on the original files (FLAC, SPHERE, WAV as stored), read by Wren itself.
  "$wren" compute-feats --model "$model" --raw-cepstra --format kaldi --scp "$tmp/orig.scp" \
    "${wflags[@]}" --output "$tmp/wren.ark"
  python3 - "$tmp" "$tol" "$t0" "$t1" "$t2" <<'EOF2' || status=1
import struct, sys, os
tmp, tol = sys.argv[1], float(sys.argv[2])
t0, t1, t2 = map(float, sys.argv[3:6])

def read_mfc(path, ncep=13):
    data = open(path, 'rb').read()
    n = struct.unpack('<i', data[:4])[0]
    e = '<'
    if 4 * n + 4 != len(data):
        n = struct.unpack('>i', data[:4])[0]
        e = '>'
    v = struct.unpack(e + '%df' % n, data[4:4 + 4 * n])
    return [v[i:i + ncep] for i in range(0, n, ncep)]

def read_ark(path):
    utts, key, rows = {}, None, None
    for line in open(path):
        tok = line.split()
        if not tok:
            continue
        if key is None:
            key, rows = tok[0], []
            tok = tok[2:]
        end = tok and tok[-1] == ']'
        if end:
            tok = tok[:-1]
        if tok:
            rows.append([float(x) for x in tok])
        if end:
            utts[key] = rows
            key = None
    return utts

wren = read_ark(os.path.join(tmp, 'wren.ark'))
wren_wav = read_ark(os.path.join(tmp, 'wren-wav.ark'))
keys = [l.strip() for l in open(os.path.join(tmp, 'ctl'))]
worst, where, frames, mism, same_wav = 0.0, None, 0, [], True
for k in keys:
    path = os.path.join(tmp, 'mfc', k + '.mfc')
    ref = read_mfc(path) if os.path.getsize(path) > 4 else []
    hyp = wren.get(k, [])
    if wren_wav.get(k) != hyp:
        same_wav = False
    if len(ref) != len(hyp):
        mism.append('%s: sphinx_fe %d frames, wren %d' % (k, len(ref), len(hyp)))
    for t, (r, h) in enumerate(zip(ref, hyp)):
        frames += 1
        for i, (a, b) in enumerate(zip(r, h)):
            d = abs(a - b)
            if d > worst:
                worst, where = d, '%s frame %d coef %d (sphinx_fe %.6f, wren %.6f)' % (k, t, i, a, b)
print('frames compared: %d' % frames)
print('frame-count mismatches: %d' % len(mism))
for m in mism[:10]:
    print('  ' + m)
print('Wren on original files == Wren on WAV copies: %s' % ('yes' if same_wav else 'NO'))
print('worst absolute cepstral difference: %.3g%s' % (worst, ' at ' + where if where else ''))
ts, tw = t1 - t0, t2 - t1
audio_s = frames / 100.0
print('CPU time: sphinx_fe %.2f s (%.0fx real time, binary .mfc output)   wren compute-feats '
      '%.2f s (%.0fx real time, incl. reading and text output)   wren/sphinx_fe: %.2f'
      % (ts, audio_s / ts, tw, audio_s / tw, tw / ts))
ok = worst <= tol and not mism and same_wav
print('RESULT: %s (tolerance %g)' % ('PASS' if ok else 'FAIL', tol))
sys.exit(0 if ok else 1)
EOF2
done
exit $status
