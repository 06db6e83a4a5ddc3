"""wren.torch -- Wren's Transformer NNLM as a PyTorch nn.Module, built from a Wren safetensors
file's metadata and tensors in every form `wren prune` writes (dense; masked layers stored as
CSR or as weight + mask; factored U/V layers and a factored tied embedding; structurally
pruned blocks with fewer heads or FFN units and a narrowed d_model), and written back in
Wren's format (save_nnlm) so that `wren nnlm-eval`/`wren rescore` use a model trained or
fine-tuned in PyTorch. The architecture is nnlm/README.md's: token embedding (tied with the
output layer, plus an output bias) + learned or sinusoidal positions, pre-LayerNorm blocks
x += O(attn(LN1 x)), x += FC2(gelu_tanh(FC1(LN2 x))), final LayerNorm, logits h E^T + b.
State-dict names are the file's tensor names. Not here: Wren's training loop, dropout."""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import safetensors as st

FORMAT = "wren-nnlm-1"
ARCH = "decoder-only transformer LM, pre-LayerNorm, GELU(tanh), tied embeddings"
LINEARS = ("attn.q", "attn.k", "attn.v", "attn.o", "ffn.fc1", "ffn.fc2")
BOS, EOS, UNK = 0, 1, 2
CSR_MAX_IN = 65536   # widest masked layer stored as CSR (U16 column indices), as nnlm/sparse.h
# metadata Wren writes itself, in its order (nnlm/model.c); other keys are kept and written after
# self_norm, before vocab
_META_KEYS = ("format", "arch", "vocab_size", "d_model", "n_layers", "n_heads", "head_dim",
              "d_ffn", "context", "pos", "attn_reset", "ln_eps", "self_norm", "vocab")


class Linear(nn.Module):
    """nn.Linear in one of Wren's stored forms: 'dense' (weight [out,in]), 'masked' (weight
    times the 0/1 buffer mask, which stays fixed), 'factored' (U [out,r] V [r,in])."""

    def __init__(self, out_features, in_features, kind="dense", rank=0):
        super().__init__()
        if kind not in ("dense", "masked", "factored"):
            raise ValueError("wren.torch.Linear: kind must be dense, masked or factored, not %r" % kind)
        self.kind, self.in_features, self.out_features = kind, in_features, out_features
        if kind == "factored":
            self.U = nn.Parameter(torch.zeros(out_features, rank))
            self.V = nn.Parameter(torch.zeros(rank, in_features))
        else:
            self.weight = nn.Parameter(torch.zeros(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        if kind == "masked":
            self.register_buffer("mask", torch.ones(out_features, in_features, dtype=torch.uint8))

    @property
    def rank(self):
        return self.U.shape[1] if self.kind == "factored" else 0

    def forward(self, x):
        if self.kind == "factored":
            return F.linear(F.linear(x, self.V), self.U, self.bias)
        w = self.weight * self.mask.to(self.weight.dtype) if self.kind == "masked" else self.weight
        return F.linear(x, w, self.bias)


class Attention(nn.Module):
    """Causal multi-head self-attention; the number of heads is q's rows / head_dim."""

    def __init__(self, d_model, n_heads, head_dim, kinds=("dense",) * 4, ranks=(0,) * 4):
        super().__init__()
        hd = n_heads * head_dim
        self.head_dim = head_dim
        self.q = Linear(hd, d_model, kinds[0], ranks[0])
        self.k = Linear(hd, d_model, kinds[1], ranks[1])
        self.v = Linear(hd, d_model, kinds[2], ranks[2])
        self.o = Linear(d_model, hd, kinds[3], ranks[3])

    @property
    def n_heads(self):
        return self.q.out_features // self.head_dim

    def forward(self, x):
        B, T, _ = x.shape
        H, dh = self.n_heads, self.head_dim
        q, k, v = (lin(x).view(B, T, H, dh).transpose(1, 2) for lin in (self.q, self.k, self.v))
        s = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(dh))
        causal = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        p = torch.softmax(s.masked_fill(causal, float("-inf")), dim=-1)
        ctx = torch.matmul(p, v).transpose(1, 2).reshape(B, T, H * dh)
        return self.o(ctx)


class FFN(nn.Module):
    def __init__(self, d_model, d_ffn, kinds=("dense",) * 2, ranks=(0,) * 2):
        super().__init__()
        self.fc1 = Linear(d_ffn, d_model, kinds[0], ranks[0])
        self.fc2 = Linear(d_model, d_ffn, kinds[1], ranks[1])

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, d_model, n_heads, head_dim, d_ffn, eps, kinds=("dense",) * 6, ranks=(0,) * 6):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model, eps=eps)
        self.attn = Attention(d_model, n_heads, head_dim, kinds[:4], ranks[:4])
        self.ln2 = nn.LayerNorm(d_model, eps=eps)
        self.ffn = FFN(d_model, d_ffn, kinds[4:], ranks[4:])

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.ffn(self.ln2(x))


class TiedEmbedding(nn.Module):
    """The token embedding E [V,D], also the output layer; factored (rank > 0): E = U V."""

    def __init__(self, vocab_size, d_model, rank=0):
        super().__init__()
        if rank > 0:
            self.U = nn.Parameter(torch.zeros(vocab_size, rank))
            self.V = nn.Parameter(torch.zeros(rank, d_model))
        else:
            self.weight = nn.Parameter(torch.zeros(vocab_size, d_model))

    @property
    def rank(self):
        return self.U.shape[1] if hasattr(self, "U") else 0

    def forward(self, tokens):
        return self.U[tokens] @ self.V if self.rank else self.weight[tokens]

    def logits(self, h, bias):
        if self.rank:
            return F.linear(F.linear(h, self.V), self.U, bias)
        return F.linear(h, self.weight, bias)


class _Bias(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(n))


def _sinusoidal(context, d_model):
    # as sinus_table in nnlm/model.c: in double, then float
    t = np.zeros((context, d_model), dtype=np.float64)
    for i in range(0, d_model, 2):
        f = np.arange(context, dtype=np.float64) / math.pow(10000.0, i / d_model)
        t[:, i] = np.sin(f)
        if i + 1 < d_model:
            t[:, i + 1] = np.cos(f)
    return torch.from_numpy(t.astype(np.float32))


class WrenNNLM(nn.Module):
    """The model. vocab: the words in id order (<s>, </s>, <unk> first). blocks: one dict per
    block with n_heads, d_ffn, and optionally kinds (6 of dense/masked/factored, in LINEARS
    order) and ranks. forward(tokens [B,T]) gives the logits [B,T,V] of each row scored as one
    sentence from position 0 (as Wren scores a sentence from <s>)."""

    def __init__(self, vocab, d_model, n_heads, head_dim, d_ffn, context, pos="learned",
                 ln_eps=1e-5, self_norm=0.0, attn_reset=1, blocks=None, n_layers=None,
                 emb_rank=0, extra_metadata=None):
        super().__init__()
        if list(vocab[:3]) != ["<s>", "</s>", "<unk>"]:
            raise ValueError("wren.torch: the vocabulary must start with <s>, </s>, <unk>")
        if pos not in ("learned", "sinusoidal"):
            raise ValueError("wren.torch: pos must be learned or sinusoidal, not %r" % pos)
        self.vocab = list(vocab)
        self.word_id = {w: i for i, w in enumerate(self.vocab)}
        self.d_model, self.n_heads, self.head_dim, self.d_ffn = d_model, n_heads, head_dim, d_ffn
        self.context, self.pos, self.attn_reset = context, pos, attn_reset
        # Wren keeps these as C floats; the model uses them (and writes them) as such
        self.ln_eps = float(np.float32(ln_eps))
        self.self_norm = float(np.float32(self_norm))
        self.extra_metadata = dict(extra_metadata or {})
        if blocks is None:
            blocks = [{"n_heads": n_heads, "d_ffn": d_ffn} for _ in range(n_layers or 0)]
        V = len(self.vocab)
        self.tok_emb = TiedEmbedding(V, d_model, emb_rank)
        if pos == "learned":
            self.pos_emb = nn.Embedding(context, d_model)
        else:
            self.register_buffer("sinus", _sinusoidal(context, d_model), persistent=False)
        self.blocks = nn.ModuleList(
            Block(d_model, b["n_heads"], head_dim, b["d_ffn"], self.ln_eps,
                  tuple(b.get("kinds", ("dense",) * 6)), tuple(b.get("ranks", (0,) * 6)))
            for b in blocks)
        self.ln_f = nn.LayerNorm(d_model, eps=self.ln_eps)
        self.out = _Bias(V)

    @property
    def n_layers(self):
        return len(self.blocks)

    def forward(self, tokens):
        T = tokens.shape[-1]
        if T > self.context:
            raise ValueError("wren.torch: %d tokens, more than the context of %d" % (T, self.context))
        pos = self.pos_emb.weight[:T] if self.pos == "learned" else self.sinus[:T]
        x = self.tok_emb(tokens)
        x = x + pos.to(x.dtype)
        for b in self.blocks:
            x = b(x)
        return self.tok_emb.logits(self.ln_f(x), self.out.bias)

    def ids(self, words):
        """Token ids of words (a list or a whitespace-separated string); OOVs as <unk>, the
        markup <s> and </s> left out (as `wren nnlm-eval` reads text)."""
        if isinstance(words, str):
            words = words.split()
        return [self.word_id.get(w, UNK) for w in words if w not in ("<s>", "</s>")]

    @torch.no_grad()
    def token_logprobs(self, words):
        """Natural-log probabilities of each word and of </s>, from <s>. A sentence longer than
        the context continues, once the history fills it, from the history's last context/2
        tokens (as Wren's KV-cache states do)."""
        tgt = self.ids(words) + [EOS]
        dev = self.out.bias.device
        if len(tgt) <= self.context:
            tok = torch.tensor([[BOS] + tgt[:-1]], device=dev)
            lp = torch.log_softmax(self.forward(tok)[0], dim=-1)
            return lp[torch.arange(len(tgt), device=dev), torch.tensor(tgt, device=dev)].tolist()
        out, hist = [], [BOS]
        for w in tgt:
            lp = torch.log_softmax(self.forward(torch.tensor([hist], device=dev))[0, -1], dim=-1)
            out.append(lp[w].item())
            if len(hist) >= self.context:
                hist = hist[-(self.context // 2):]
            hist.append(w)
        return out

    def sentence_logprob(self, words):
        """ln P(words </s> | <s>), OOVs as <unk>, as `wren nnlm-eval` counts a sentence."""
        return float(sum(self.token_logprobs(words)))


def _t(a):
    return torch.from_numpy(np.array(a, dtype=np.float32))


def load_nnlm(path, map_location="cpu"):
    """A WrenNNLM from a Wren NNLM file (any stored form; a checkpoint loads its model)."""
    meta, ts = st.read(path)
    if meta.get("format") != FORMAT:
        raise ValueError("%s: metadata format is %r, not %s (not a Wren NNLM?)" % (path, meta.get("format"), FORMAT))

    def num(key, conv=int, default=None):
        if key not in meta:
            if default is not None:
                return default
            raise ValueError("%s: metadata has no '%s'" % (path, key))
        return conv(meta[key])

    vocab = meta["vocab"].split("\n")[:-1]
    L, dh = num("n_layers"), num("head_dim")

    def need(name):
        if name not in ts:
            raise ValueError("%s: tensor '%s' is missing" % (path, name))
        return ts[name]

    blocks = []
    for i in range(L):
        kinds, ranks, heads, ffn = [], [], 0, 0
        for j, lin in enumerate(LINEARS):
            base = "blocks.%d.%s" % (i, lin)
            if base + ".U" in ts:
                kinds.append("factored")
                ranks.append(ts[base + ".U"].shape[1])
                rows = ts[base + ".U"].shape[0]
            elif base + ".rowptr" in ts:
                kinds.append("masked")
                ranks.append(0)
                rows = ts[base + ".rowptr"].shape[0] - 1
            else:
                kinds.append("masked" if base + ".mask" in ts else "dense")
                ranks.append(0)
                rows = need(base + ".weight").shape[0]
            if j == 0:
                heads = rows // dh
            if j == 4:
                ffn = rows
        blocks.append({"n_heads": heads, "d_ffn": ffn, "kinds": kinds, "ranks": ranks})
    extra = {k: v for k, v in meta.items() if k not in _META_KEYS}
    m = WrenNNLM(vocab, num("d_model"), num("n_heads"), dh, num("d_ffn"), num("context"),
                 pos=meta.get("pos", "learned"), ln_eps=num("ln_eps", float),
                 self_norm=num("self_norm", float, 0.0), attn_reset=num("attn_reset", int, 1),
                 blocks=blocks, emb_rank=ts["tok_emb.U"].shape[1] if "tok_emb.U" in ts else 0,
                 extra_metadata=extra)
    sd = m.state_dict()
    new = {}
    for i, b in enumerate(m.blocks):
        for lin in LINEARS:
            base = "blocks.%d.%s" % (i, lin)
            if base + ".rowptr" in ts:   # CSR -> weight + mask
                layer = b.get_submodule(lin)
                w = np.zeros((layer.out_features, layer.in_features), dtype=np.float32)
                mk = np.zeros(w.shape, dtype=np.uint8)
                rp, cols, vals = ts[base + ".rowptr"], ts[base + ".cols"], ts[base + ".values"]
                rows = np.repeat(np.arange(w.shape[0]), np.diff(rp))
                w[rows, cols.astype(np.int64)] = vals
                mk[rows, cols.astype(np.int64)] = 1
                new[base + ".weight"], new[base + ".mask"] = w, mk
    for name in sd:
        a = new.get(name)
        if a is None:
            a = need(name)
        if tuple(a.shape) != tuple(sd[name].shape):
            raise ValueError("%s: tensor '%s' has shape %s, the metadata implies %s"
                             % (path, name, list(a.shape), list(sd[name].shape)))
        new[name] = a
    m.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in new.items() if k in sd})
    return m.to(map_location)


def _csr(w, mask):
    rows, cols = np.nonzero(mask)   # row-major order, columns increasing within a row
    rowptr = np.zeros(w.shape[0] + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=w.shape[0]), out=rowptr[1:])
    return rowptr, cols.astype(np.uint16), w[rows, cols].astype(np.float32)


def save_nnlm(m, path):
    """Write m in Wren's format (metadata, vocabulary, tensors in Wren's order; masked layers
    as CSR), atomically. A model loaded with load_nnlm and saved unchanged gives the same bytes."""
    def arr(t):
        return t.detach().to("cpu", torch.float32).contiguous().numpy()

    meta = {"format": FORMAT, "arch": ARCH, "vocab_size": str(len(m.vocab)),
            "d_model": str(m.d_model), "n_layers": str(m.n_layers), "n_heads": str(m.n_heads),
            "head_dim": str(m.head_dim), "d_ffn": str(m.d_ffn), "context": str(m.context),
            "pos": m.pos, "attn_reset": str(m.attn_reset), "ln_eps": "%.9g" % m.ln_eps,
            "self_norm": "%.9g" % m.self_norm}
    meta.update(m.extra_metadata)   # (log_z_shift, distill_*) before the vocabulary, as Wren writes them
    meta["vocab"] = "".join(w + "\n" for w in m.vocab)
    out = {}
    if m.tok_emb.rank:
        out["tok_emb.U"], out["tok_emb.V"] = arr(m.tok_emb.U), arr(m.tok_emb.V)
    else:
        out["tok_emb.weight"] = arr(m.tok_emb.weight)
    if m.pos == "learned":
        out["pos_emb.weight"] = arr(m.pos_emb.weight)
    for i, b in enumerate(m.blocks):
        p = "blocks.%d." % i
        out[p + "ln1.weight"], out[p + "ln1.bias"] = arr(b.ln1.weight), arr(b.ln1.bias)
        for lin in LINEARS:
            if lin == "ffn.fc1":
                out[p + "ln2.weight"], out[p + "ln2.bias"] = arr(b.ln2.weight), arr(b.ln2.bias)
            layer, base = b.get_submodule(lin), p + lin
            wide_mask = None
            if layer.kind == "factored":
                out[base + ".U"], out[base + ".V"] = arr(layer.U), arr(layer.V)
            elif layer.kind == "masked" and layer.in_features <= CSR_MAX_IN:
                mk = layer.mask.cpu().numpy()
                rp, cols, vals = _csr(arr(layer.weight), mk)
                out[base + ".rowptr"], out[base + ".cols"] = ("I32", rp), ("U16", cols)
                out[base + ".values"] = ("F32", vals)
            else:
                w = arr(layer.weight)
                if layer.kind == "masked":
                    wide_mask = layer.mask.cpu().numpy().astype(np.uint8)
                    w = w * wide_mask
                out[base + ".weight"] = w
            out[base + ".bias"] = arr(layer.bias)
            if wide_mask is not None:
                out[base + ".mask"] = ("U8", wide_mask)
    out["ln_f.weight"], out["ln_f.bias"] = arr(m.ln_f.weight), arr(m.ln_f.bias)
    out["out.bias"] = arr(m.out.bias)
    st.write(path, meta, out)
