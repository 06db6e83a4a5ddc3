"""test_wren.py -- the `wren` Python package (ctypes over the installed libwren.so) against the
`wren` program: a decode gives the words `wren decode` wrote, from a file (also as a stereo and a
44.1 kHz copy), a numpy array and a list (also at 44.1 kHz, whole or streamed), and its n-best list and word lattice are `wren decode`'s; NgramLM and NNLM sentence log-probabilities equal `wren ngram -ppl -debug 1` and `wren
nnlm-eval --debug 1`; wer counts; library errors arrive as WrenError naming the file.
Run by tests/e2e/python.sh, which prepares the inputs:
  test_wren.py MODEL GRAPH WAV HYP_WORDS ARPA NGRAM_DEBUG NNLM NNLM_DEBUG TEXT NBEST LATTICE_TEXT
               LONG_WAV LONG_CTM SPK_SCP SPK_HYP SPK_CTM LONG_ADAPTED
LONG_WAV is over a minute: decode_file cuts it at its pauses, and must give the words and
times of LONG_CTM, which `wren segment` + `wren decode --ctm` wrote for it. SPK_SCP lists the
files of one speaker; decode_speaker_files must give SPK_HYP and the confidences of SPK_CTM, what
`wren decode` wrote for them as a data dir whose utt2spk names that one speaker (two passes, the
second adapted), and confidences that differ from decode_file's (one pass); for LONG_WAV alone,
the words and confidences of LONG_ADAPTED, the CTM `wren decode` wrote for its pieces (adapted
to the recording)."""
import math
import os
import shutil
import subprocess
import sys
import tempfile
import wave

import numpy as np

import wren
from checks import check, finish

(model, graph, wav, hyp, arpa, ngram_dbg, nnlm, nnlm_dbg, text, nbest, lat_text, long_wav, long_ctm,
 spk_scp, spk_hyp, spk_ctm, long_adapted) = sys.argv[1:18]
expected = hyp.split()


def debug_logprobs(path):
    """log10 per sentence from a `-debug 1` listing (the line after each "1 sentences, ...")."""
    lines = open(path).read().split("\n")
    return [float(b.split("logprob=")[1].split()[0])
            for a, b in zip(lines, lines[1:]) if a.startswith("1 sentences,")]


# --- decoding
d = wren.Decoder(model, graph)
check(d.sample_rate == 16000, "sample rate %d" % d.sample_rate)
r = d.decode_file(wav)
print("decode_file:", r.text)
check(r.words == expected, "decode_file words %r, wren decode wrote %r" % (r.words, expected))
check(r.text == " ".join(expected), "text %r" % r.text)
check(len(r.times) == len(r.words) and all(s <= e for s, e in r.times), "times %r" % r.times)
check(all(a[1] <= b[0] + 0.005 for a, b in zip(r.times, r.times[1:])), "times not increasing %r" % r.times)
# the default result is the MBR word sequence: each word has its posterior; the best path has none
check(r.confidences is not None and len(r.confidences) == len(r.words) and all(0 <= c <= 1 for c in r.confidences),
      "MBR confidences %r" % (r.confidences,))
best = wren.Decoder(model, graph, mbr=False).decode_file(wav)
check(best.confidences is None and best.words, "best path (mbr=False): %r, confidences %r" % (best.text, best.confidences))
print("decode_file, mbr=False:", best.text)
# no model folder: the one the graph was built with (graph/model.txt, written by wren mkgraph)
check(wren.Decoder(None, graph).decode_file(wav).words == expected, "Decoder(None, graph): not the model's words")
with wave.open(wav) as w:
    samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
r2 = d.decode(samples)
check(r2.words == expected, "decode(int16 array) words %r" % r2.words)
r3 = d.decode(samples.astype(np.float32) / 32768.0, sample_rate=16000, normalized=True)
check(r3.words == expected, "decode(normalized float array) words %r" % r3.words)
# a file as users have them: two channels (mixed down to their mean) and, if sox can make a
# copy, 44.1 kHz (resampled to the model's rate)
with tempfile.TemporaryDirectory() as tmpdir:
    st = os.path.join(tmpdir, "stereo.wav")
    with wave.open(st, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.repeat(samples, 2).astype("<i2").tobytes())
    rs = d.decode_file(st)
    check(rs.words == expected and rs.times == r.times, "stereo copy: %r, the mono file's %r" % (rs.words, expected))
    if shutil.which("sox"):
        st44 = os.path.join(tmpdir, "stereo44.wav")
        subprocess.run(["sox", "-D", st, "-r", "44100", st44], check=True)
        r44 = d.decode_file(st44)
        check(wren.wer(expected, r44.words).errors <= 1, "44.1 kHz stereo copy: %r, the original %r" % (r44.words, expected))
# streaming: 100 ms chunks, partial results on the way, the same final words and times
d.start()
partials = []
for i in range(0, len(samples), 1600):
    d.feed(samples[i:i + 1600])
    if (i // 1600) % 10 == 9:
        partials.append(d.partial())
r5 = d.finish()
check(r5.words == expected and r5.times == r.times, "streamed words %r, decode_file's %r" % (r5.words, r.words))
check(len(partials) >= 2 and partials[-1].words and not partials[-1].complete,
      "partial results %r" % [p.text for p in partials])
# over a minute: cut at its pauses as `wren segment` cuts it, times from the start of the audio
rl = d.decode_file(long_wav)
ctm = [l.split() for l in open(long_ctm)]
check(rl.words == [c[4] for c in ctm], "long audio: %d words %r..., the pieces' CTM %d" % (len(rl.words), rl.words[:5], len(ctm)))
check(len(rl.times) == len(ctm) and all(abs(t[0] - float(c[2])) < 0.006 for t, c in zip(rl.times, ctm)),
      "long audio: times %r..., the CTM's %r..." % (rl.times[:3], [c[2] for c in ctm[:3]]))
check(rl.times and rl.times[-1][1] > 60, "long audio: the last word ends at %r" % (rl.times[-1:],))
# streamed in 100 ms chunks, with a partial result every 5 s: every 20 s the stream is cut at a
# pause and the part before decoded and dropped, so the partials after 65 s still start with the
# first parts' words, the final words are decode_file's but for the cuts, and times run from the start;
# at 44.1 kHz the cut is on the fed samples
with wave.open(long_wav) as w:
    long_samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
for rate, audio in ((16000, long_samples), (44100, wren.resample(long_samples, 16000, 44100))):
    d.start()
    step, late = rate // 10, []
    for i in range(0, len(audio), step):
        d.feed(audio[i:i + step], sample_rate=rate)
        if (i // step) % 50 == 49 and i > 65 * rate:
            late.append(d.partial())
    rs = d.finish()
    errs = wren.wer(rl.words, rs.words).errors
    check(errs <= len(rl.words) // 20, "long audio streamed at %d Hz: %d errors against decode_file's %d words"
          % (rate, errs, len(rl.words)))
    check(rs.times == sorted(rs.times) and rs.times[-1][1] > 60 and rs.complete,
          "long audio streamed at %d Hz: times %r, complete %r" % (rate, rs.times[-3:], rs.complete))
    check(late and all(len(p.words) >= len(rl.words) * 3 // 4 and p.words[:10] == rs.words[:10] for p in late),
          "long audio streamed at %d Hz: the partials after the cut lost the first part: %r" % (rate, [p.text[:60] for p in late]))
    print("long audio streamed at %d Hz: %d words, %d errors against decode_file" % (rate, len(rs.words), errs))
# a stream cut at 20 s that ends within a minute is decoded again whole: decode()'s words and times
audio50 = wren.resample(long_samples[:50 * 16000], 16000, 44100)
d.start()
for i in range(0, len(audio50), 4410):
    d.feed(audio50[i:i + 4410], sample_rate=44100)
r50s, r50 = d.finish(), d.decode(audio50, sample_rate=44100)
check(r50s.words == r50.words and r50s.times == r50.times and len(r50.words) > 40,
      "50 s streamed at 44.1 kHz: %r, decode() %r" % (r50s.words, r50.words))
# its n-best list and lattice: the pieces' lattices joined, as `wren decode` joins them (one search
# over it would take memory growing with its length); the best path is nearly the MBR transcript
nbl = d.nbest_file(long_wav, n=2)
lw, _ = d.lattice_file(long_wav).best_path()
check(len(nbl) == 2 and nbl[0].words == lw, "long audio: n-best %r..., the lattice's best path %r..." % (nbl[0].words[:5], lw[:5]))
check(wren.wer(rl.words, lw).errors <= len(rl.words) // 20,
      "long audio: the joined lattice's best path is far from the transcript (%d errors in %d words)"
      % (wren.wer(rl.words, lw).errors, len(rl.words)))
# one speaker's files together: the adapted pass, as `wren decode` on a data dir with utt2spk
spk_files = [l.split()[1] for l in open(spk_scp)]
spk_want = {l.split()[0]: l.split()[1:] for l in open(spk_hyp)}
rs = d.decode_speaker_files(spk_files)
got = [r.words for r in rs]
want = [spk_want[l.split()[0]] for l in open(spk_scp)]
check(got == want, "decode_speaker_files %r, wren decode on the data dir %r" % (got, want))
conf = [float(l.split()[5]) for l in open(spk_ctm)]
got_conf = [c for r in rs for c in (r.confidences or [])]
check(len(got_conf) == len(conf) and all(abs(a - b) < 1e-3 for a, b in zip(got_conf, conf)),
      "decode_speaker_files confidences %r..., the CTM's %r..." % (got_conf[:4], conf[:4]))
si_conf = [c for f in spk_files for c in (d.decode_file(f).confidences or [])]
check(len(si_conf) != len(conf) or max(abs(a - b) for a, b in zip(si_conf, conf)) > 0.01,
      "the adapted confidences are the speaker-independent ones: nothing was adapted")
check(d.decode_file(wav).words == expected, "after decode_speaker_files the decoder is not speaker-independent")
# a long file: cut at its pauses, its pieces adapted together, as `wren decode` does the pieces of
# `wren segment` (their speaker is the recording)
lctm = [l.split() for l in open(long_adapted)]
rla = d.decode_speaker_files([long_wav])[0]
check(rla.words == [c[4] for c in lctm], "long file as a speaker: %d words %r..., wren decode %d" % (len(rla.words), rla.words[:5], len(lctm)))
check(len(rla.confidences or []) == len(lctm) and all(abs(a - float(c[5])) < 1e-3 for a, c in zip(rla.confidences, lctm)),
      "long file as a speaker: confidences %r..., the CTM's %r..." % ((rla.confidences or [])[:3], [c[5] for c in lctm[:3]]))
check(d.decode_speaker_files([]) == [], "no files")
try:
    d.decode_speaker_files([spk_files[0], "no-such.wav"])
    check(False, "a missing speaker file decoded")
except wren.WrenError as e:
    check("no-such.wav" in str(e), "the speaker error does not name the file: %s" % e)
r4 = d.decode(samples[:16000].tolist())
check(r4.words == d.decode(samples[:16000]).words, "decode(list) differs from decode(array)")
# samples at another rate are resampled: the same words from 44.1 kHz (made by sox, or by
# wren.resample); feed() takes the model's rate only
r44s = wren.resample(samples, 16000, 44100)
check(len(r44s) == round(len(samples) * 44100 / 16000), "wren.resample: %d samples from %d" % (len(r44s), len(samples)))
check(d.decode(r44s, sample_rate=44100).words == expected, "decode at 44.1 kHz (wren.resample)")
check(wren.wer(expected, d.decode(r44s / 32768.0, sample_rate=44100, normalized=True).words).errors <= 1,
      "decode of normalised 44.1 kHz samples")
back = wren.resample(r44s, 44100, 16000)
inner = slice(200, len(samples) - 200)
snr = 10 * math.log10(np.sum(samples[inner].astype(np.float64) ** 2) /
                      max(np.sum((samples[inner] - back[inner].astype(np.float64)) ** 2), 1e-30))
check(len(back) == len(samples) and snr > 50, "16 -> 44.1 -> 16 kHz: %d samples, SNR %.1f dB" % (len(back), snr))
# streamed at 44.1 kHz in 100 ms chunks: the final Result is decode()'s of the whole signal
r44 = d.decode(r44s, sample_rate=44100)
d.start()
for i in range(0, len(r44s), 4410):
    d.feed(r44s[i:i + 4410], sample_rate=44100)
    if i == 44100:
        check(d.partial().words, "no partial words after 1 s at 44.1 kHz")
r44f = d.finish()
check(r44f.words == r44.words and r44f.times == r44.times, "streamed at 44.1 kHz: %r, decode() %r" % (r44f.words, r44.words))
d.start()
d.feed(r44s[:4410], sample_rate=44100)
try:
    d.feed(samples[:1600])
    check(False, "a chunk at 16 kHz after one at 44.1 kHz was accepted")
except wren.WrenError as e:
    check("16000 Hz, after samples at 44100 Hz" in str(e), "the mixed-rate error: %s" % e)
d.start()
try:
    wren.resample(samples, 1000, 16000)
    check(False, "resampling from 1000 Hz was accepted")
except wren.WrenError as e:
    check("1000 Hz" in str(e), "the resampling error does not name the rate: %s" % e)
try:
    d.decode_file("no-such.wav")
    check(False, "a missing file decoded")
except wren.WrenError as e:
    check("no-such.wav" in str(e), "the error does not name the file: %s" % e)
try:
    wren.Decoder(model, "no-graph")
    check(False, "a missing graph loaded")
except wren.WrenError as e:
    check("no-graph" in str(e), "the error does not name the graph: %s" % e)

# --- n-best lists: `wren decode --nbest 5` lines are "utt-K graph_cost acoustic_cost words..."
ref = [line.split() for line in open(nbest)]
check(len(ref) >= 2, "wren decode wrote %d n-best entries" % len(ref))
for hyps in (d.nbest_file(wav, 5), d.nbest(samples, 5)):
    check(len(hyps) == len(ref), "%d n-best entries, wren decode wrote %d" % (len(hyps), len(ref)))
    for h, e in zip(hyps, ref):
        check(h.words == e[3:], "n-best words %r, wren decode wrote %r" % (h.words, e[3:]))
        check(abs(h.graph_cost - float(e[1])) < 1e-3 and abs(h.acoustic_cost - float(e[2])) < 1e-3,
              "n-best costs %.4f %.4f, wren decode wrote %s %s" % (h.graph_cost, h.acoustic_cost, e[1], e[2]))
    check(hyps and hyps[0].words == best.words and hyps[0].times == best.times,
          "the best n-best entry is not decode_file's best path (mbr=False)")
    print("n-best:", len(hyps), "entries; 2nd:", hyps[1].text if len(hyps) > 1 else None)
# --- the word lattice, against the one `wren decode` wrote (Kaldi compact-lattice text)
import os
words = dict((int(i), w) for w, i in (line.split() for line in open(os.path.join(graph, "words.txt"))))
ref_arcs, ref_finals = [], {}
for line in open(lat_text).read().split("\n")[1:]:
    f = line.split("\t")
    if len(f) == 4:
        g, a, tids = f[3].split(",")
        ref_arcs.append((int(f[0]), int(f[1]), words[int(f[2])] if int(f[2]) else None, float(g), float(a),
                         len(tids.split("_")) if tids else 0))
    elif len(f) == 2:
        g, a, tids = f[1].split(",")
        ref_finals[int(f[0])] = (float(g), float(a), len(tids.split("_")) if tids else 0)
for lat in (d.lattice_file(wav), d.lattice(samples)):
    check(len(lat.arcs) == len(ref_arcs) > 0, "lattice arcs %d, wren decode wrote %d" % (len(lat.arcs), len(ref_arcs)))
    same = all(x[:3] == y[:3] and x[5] == y[5] and abs(x[3] - y[3]) < 1e-3 and abs(x[4] - y[4]) < 1e-2
               for x, y in zip(sorted(lat.arcs, key=lambda t: t[:3]), sorted(ref_arcs, key=lambda t: t[:3])))
    check(same, "lattice arcs differ from wren decode's")
    check(sorted(lat.finals) == sorted(ref_finals), "final states %r vs %r" % (sorted(lat.finals), sorted(ref_finals)))
    check(all(src < dst for src, dst, *_ in lat.arcs), "a lattice arc goes back")
    check(lat.best_path()[0] == best.words, "lattice best path %r, decode_file's (mbr=False) %r" % (lat.best_path()[0], best.words))
print("lattice: %d states, %d arcs, %d finals" % (lat.num_states, len(lat.arcs), len(lat.finals)))
try:
    d.nbest_file(wav, 0)
    check(False, "an n-best list of 0 entries was accepted")
except wren.WrenError as e:
    check("at least 1" in str(e), "n = 0 error: %s" % e)
d.close()

# --- language models, sentence by sentence as the commands count them
sents = [line.split() for line in open(text) if line.strip()]
lm = wren.NgramLM(arpa)
ref = debug_logprobs(ngram_dbg)
check(len(ref) == len(sents), "ngram debug lines %d for %d sentences" % (len(ref), len(sents)))
for s, l10 in zip(sents, ref):
    got = lm.sentence_logprob(s) / math.log(10)
    check(abs(got - l10) < 1e-4, "NgramLM %r: %.6f, wren ngram says %.6f" % (" ".join(s), got, l10))
nn = wren.NNLM(nnlm)
ref = debug_logprobs(nnlm_dbg)
check(len(ref) == len(sents), "nnlm-eval debug lines %d for %d sentences" % (len(ref), len(sents)))
for s, l10 in zip(sents, ref):
    got = nn.sentence_logprob(s) / math.log(10)
    check(abs(got - l10) < 1e-4, "NNLM %r: %.6f, wren nnlm-eval says %.6f" % (" ".join(s), got, l10))
check(nn.sentence_logprob(" ".join(sents[0])) == nn.sentence_logprob(sents[0]), "str and list differ")
try:
    wren.NNLM(text)
    check(False, "a text file loaded as an NNLM")
except wren.WrenError as e:
    check(text in str(e), "the NNLM error does not name the file: %s" % e)

# --- word errors (sclite's alignment: one substitution, one deletion)
c = wren.wer("a b c d", "a x c")
check((c.words, c.corr, c.sub, c.dels, c.ins) == (4, 2, 1, 1, 0), "wer counts %r" % c)
c = wren.wer(["a", "b"], ["a", "b", "c"])
check((c.corr, c.ins, c.errors) == (2, 1, 1) and abs(c.rate - 0.5) < 1e-12, "wer counts %r" % c)

finish("test_wren.py")
