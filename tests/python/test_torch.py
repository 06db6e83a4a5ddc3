"""test_torch.py -- wren.torch against the `wren` program: for each model file given (a dense
model and the forms `wren prune` writes of it), the per-sentence log-probabilities of
load_nnlm(path).sentence_logprob agree with `wren nnlm-eval --debug 1` within 1e-4, and
save_nnlm of the loaded model gives the file's bytes again; a model fine-tuned in PyTorch and
one created in PyTorch (sinusoidal positions), saved with save_nnlm, score in `wren nnlm-eval`
as they do in PyTorch. Run by tests/e2e/python.sh:
  test_torch.py WREN TEXT TRAIN_TEXT WORKDIR MODEL..."""
import math
import os
import subprocess
import sys

import torch

import wren
from checks import check, finish
from wren.torch import WrenNNLM, load_nnlm, save_nnlm

wren_prog, text, train_text, work = sys.argv[1:5]
models = sys.argv[5:]
sents = [line.split() for line in open(text) if line.strip()]
torch.manual_seed(1)


def wren_eval(path):
    """ln P per sentence as `wren nnlm-eval --debug 1` prints it (log10, 6 decimals)."""
    out = subprocess.run([wren_prog, "nnlm-eval", "--model", path, "--debug", "1", text],
                         check=True, capture_output=True, text=True).stdout.split("\n")
    return [float(b.split("logprob=")[1].split()[0]) * math.log(10)
            for a, b in zip(out, out[1:]) if a.startswith("1 sentences,")]


def agree(m, path, what):
    ref = wren_eval(path)
    check(len(ref) == len(sents), "%s: nnlm-eval scored %d of %d sentences" % (what, len(ref), len(sents)))
    worst = 0.0
    for s, r in zip(sents, ref):
        got = m.sentence_logprob(s)
        worst = max(worst, abs(got - r))
        check(abs(got - r) < 1e-4, "%s: %r: torch %.6f, wren nnlm-eval %.6f" % (what, " ".join(s), got, r))
    return worst


def finetune(m, steps=5):
    """A few Adam steps of next-word cross-entropy on the training text, in PyTorch."""
    ids = [[0] + m.ids(line) + [1] for line in open(train_text) if line.strip()][:40]
    T = max(len(s) for s in ids)
    tok = torch.tensor([s + [1] * (T - len(s)) for s in ids])
    tgt = torch.tensor([s[1:] + [-100] * (T - len(s) + 1) for s in ids])
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    m.train()
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(m(tok).flatten(0, 1), tgt.flatten(), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        opt.step()
    m.eval()


for path in models:
    name = os.path.basename(path)
    m = load_nnlm(path)
    worst = agree(m, path, name)
    kinds = sorted({b.get_submodule(l).kind for b in m.blocks for l in ("attn.q", "ffn.fc1")})
    print("%s: %d blocks (%s), heads %s, d_ffn %s, d_model %d, emb rank %d: max |torch - wren| %.2e"
          % (name, m.n_layers, ",".join(kinds), [b.attn.n_heads for b in m.blocks],
             [b.ffn.fc1.out_features for b in m.blocks], m.d_model, m.tok_emb.rank, worst))
    rt = os.path.join(work, "rt-" + name)
    save_nnlm(m, rt)
    check(open(rt, "rb").read() == open(path, "rb").read(), "%s: Wren -> PyTorch -> Wren changed the bytes" % name)
    before = [m.sentence_logprob(s) for s in sents]
    finetune(m)
    check(any(abs(a - m.sentence_logprob(s)) > 1e-3 for a, s in zip(before, sents)), "%s: fine-tuning changed nothing" % name)
    tuned = os.path.join(work, "tuned-" + name)
    save_nnlm(m, tuned)
    agree(m, tuned, "fine-tuned " + name)
    agree(load_nnlm(tuned), tuned, "fine-tuned, reloaded " + name)

check(wren.torch.save_nnlm is save_nnlm, "wren.torch is not reachable as an attribute of wren")

# a model created in PyTorch: another vocabulary, sinusoidal positions, 3 heads of 8
vocab = ["<s>", "</s>", "<unk>"] + sorted({w for line in open(train_text) for w in line.split()})
m = WrenNNLM(vocab, d_model=24, n_heads=3, head_dim=8, d_ffn=48, context=16, pos="sinusoidal", n_layers=2)
for name, p in m.named_parameters():
    if p.dim() == 2:
        torch.nn.init.normal_(p, std=0.1)
finetune(m, steps=20)
new = os.path.join(work, "new.safetensors")
save_nnlm(m, new)
agree(m, new, "a model made in PyTorch")

finish("test_torch.py")
