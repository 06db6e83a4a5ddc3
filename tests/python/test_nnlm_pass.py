"""test_nnlm_pass.py -- the NNLM second pass of the `wren` Python package (wren_decoder_set_nnlm)
against `wren decode --nnlm`: a file decoded by a Decoder given an NNLM has the words the command
wrote for it (one speaker-independent pass, --adapt none), one speaker's files decoded together
those the command wrote for them as a data dir (adapted; only the output pass rescored), the top
of the n-best list is that hypothesis, set_nnlm(None) gives the first pass back, and a bad weight
or a graph that does not record its LM raise WrenError.
Run by tests/e2e/python.sh:
  test_nnlm_pass.py MODEL GRAPH WAV NNLM HYP_NNLM SPK_SCP SPK_NNLM HYP_FIRST"""
import os
import sys
import tempfile

import wren
from checks import check, finish

model, graph, wav, nnlm, hyp_nnlm, spk_scp, spk_nnlm, hyp_first = sys.argv[1:9]


def words_of(path):
    return {l.split()[0]: l.split()[1:] for l in open(path)}


want = list(words_of(hyp_nnlm).values())[0]
first = list(words_of(hyp_first).values())[0]
d = wren.Decoder(model, graph, nnlm=nnlm)
r = d.decode_file(wav)
print("decode_file with the NNLM pass:", r.text)
check(r.words == want, "decode_file with nnlm %r, wren decode --nnlm wrote %r" % (r.words, want))
check(r.confidences is None, "the rescored best path has confidences %r" % (r.confidences,))
check(len(r.times) == len(r.words) and all(s <= e for s, e in r.times), "times %r" % (r.times,))
nb = d.nbest_file(wav, 3)
check(nb and nb[0].words == want, "n-best of the rescored lattice: first %r, not %r" % (nb[0].words if nb else None, want))
# one speaker's files: the adapted pass's lattices rescored, as `wren decode --nnlm` on a data dir
spk_files = [l.split()[1] for l in open(spk_scp)]
spk_want = words_of(spk_nnlm)
got = [x.words for x in d.decode_speaker_files(spk_files)]
check(got == [spk_want[l.split()[0]] for l in open(spk_scp)],
      "decode_speaker_files with nnlm %r, wren decode --nnlm on the data dir %r" % (got, spk_want))
d.set_nnlm(None)
check(d.decode_file(wav).words == first, "set_nnlm(None): not the first pass again")
try:
    d.set_nnlm(nnlm, 1.5)
    check(False, "nnlm_lambda 1.5 accepted")
except wren.WrenError as e:
    check("lambda must be in [0, 1]" in str(e), "bad lambda: %s" % e)
# a graph without lm.txt (built before mkgraph recorded its LM) cannot remove its LM's costs
with tempfile.TemporaryDirectory() as g2:
    for f in os.listdir(graph):
        if f != "lm.txt":
            os.symlink(os.path.abspath(os.path.join(graph, f)), os.path.join(g2, f))
    try:
        wren.Decoder(model, g2, nnlm=nnlm)
        check(False, "a graph without lm.txt accepted for the NNLM pass")
    except wren.WrenError as e:
        check("records no LM" in str(e) and g2 in str(e), "no lm.txt: %s" % e)
finish("test_nnlm_pass.py")
