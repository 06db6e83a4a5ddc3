"""wren -- Wren from Python: decode audio (Decoder; resample converts samples' rate), score sentences with an ARPA n-gram
(NgramLM) or a Wren NNLM (NNLM), count word errors (wer), over the shared library libwren.so
through ctypes; errors raise WrenError with the library's message. The NNLM as a PyTorch module
is in wren.torch (needs torch; not imported here).

    import wren
    d = wren.Decoder("model_dir", "graph_dir")
    r = d.decode_file("utt.wav")
    print(r.words, r.times)
    for h in d.nbest_file("utt.wav", 5): print(h.graph_cost, h.acoustic_cost, h.text)
"""
from ._lib import WrenError, lib as _clib
from .decoder import Decoder, Hypothesis, Lattice, Result, resample
from .lm import NgramLM, NNLM
from .wer import wer, WerCounts

__version__ = _clib.wren_version().decode()
__all__ = ["Decoder", "Hypothesis", "Lattice", "Result", "NgramLM", "NNLM", "resample", "wer", "WerCounts",
           "WrenError"]


def __getattr__(name):
    # `wren.torch` without importing it first (it needs torch, so `import wren` does not load it)
    if name == "torch":
        import importlib
        return importlib.import_module(".torch", __name__)
    raise AttributeError("module 'wren' has no attribute %r" % name)
