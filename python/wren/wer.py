"""wer -- word error counts of one hypothesis against its reference through libwren
(include/wren/wer.h), aligned as `wren wer` and sclite align them. Not here: whole files and
significance tests (the `wren wer` command)."""
import ctypes

from . import _lib


class WerCounts:
    """words (reference length), corr, sub, dels, ins; errors = sub + dels + ins; rate = errors
    / words (0 for an empty reference)."""

    def __init__(self, c):
        self.words, self.corr, self.sub = c.words, c.corr, c.sub
        self.dels, self.ins = c.del_, c.ins

    @property
    def errors(self):
        return self.sub + self.dels + self.ins

    @property
    def rate(self):
        return self.errors / self.words if self.words else 0.0

    def __repr__(self):
        return ("wren.WerCounts(words=%d, corr=%d, sub=%d, dels=%d, ins=%d)"
                % (self.words, self.corr, self.sub, self.dels, self.ins))


def wer(ref, hyp):
    """Align hyp to ref (each a list of words or a whitespace-separated string) -> WerCounts."""
    if not isinstance(ref, str):
        ref = " ".join(ref)
    if not isinstance(hyp, str):
        hyp = " ".join(hyp)
    c = _lib._WerCounts()
    _lib.check(_lib.lib.wren_wer_count_strings(ref.encode("utf-8"), hyp.encode("utf-8"),
                                               ctypes.byref(c)))
    return WerCounts(c)
