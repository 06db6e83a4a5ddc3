"""lm -- language models from Python through libwren: wren.NgramLM (an ARPA file, as `wren
ngram -ppl` scores) and wren.NNLM (a Wren NNLM safetensors file in any stored form, as `wren
nnlm-eval` scores). Natural-log sentence probabilities with </s>, from <s>, OOVs as <unk>.
Not here: the NNLM as a PyTorch module (wren.torch)."""
import ctypes

from . import _lib


def _sentence(words):
    if isinstance(words, str):
        words = words.split()
    # <s> and </s> in the text are markup, as `wren nnlm-eval` and `wren ngram -ppl` read them
    return [w for w in words if w not in ("<s>", "</s>")]


class NgramLM:
    """An ARPA n-gram model (plain, .gz or .xz)."""

    def __init__(self, path):
        self._m = None
        m = ctypes.c_void_p()
        _lib.check(_lib.lib.wren_arpa_read(_lib.enc(path), ctypes.byref(m)))
        self._m = m

    @property
    def order(self):
        return _lib.lib.wren_arpa_order(self._m)

    def sentence_logprob(self, words):
        """ln P(words </s> | <s>); words is a list of str or a whitespace-separated string."""
        arr, n = _lib.words_array(_sentence(words))
        lp = ctypes.c_double()
        _lib.check(_lib.lib.wren_arpa_sentence_logprob(self._m, arr, n, ctypes.byref(lp)))
        return lp.value

    def close(self):
        if self._m is not None:
            _lib.lib.wren_arpa_free(self._m)
            self._m = None

    def __del__(self):
        if getattr(self, "_m", None) is not None and _lib is not None and _lib.lib is not None:
            self.close()


class NNLM:
    """A Wren Transformer NNLM (dense or any form `wren prune` writes). One object per thread."""

    def __init__(self, path):
        self._m = None
        m = _lib.lib.wren_nnlm_load(_lib.enc(path))
        if not m:
            _lib.fail()
        self._m = ctypes.c_void_p(m)

    def sentence_logprob(self, words):
        """ln P(words </s> | <s>); words is a list of str or a whitespace-separated string."""
        arr, n = _lib.words_array(_sentence(words))
        lp = ctypes.c_double()
        _lib.check(_lib.lib.wren_nnlm_sentence_logprob(self._m, arr, n, ctypes.byref(lp)))
        return lp.value

    def close(self):
        if self._m is not None:
            _lib.lib.wren_nnlm_free(self._m)
            self._m = None

    def __del__(self):
        if getattr(self, "_m", None) is not None and _lib is not None and _lib.lib is not None:
            self.close()
