"""_lib -- finds and loads libwren.so and declares the C signatures the package calls (the
public API, include/wren.h). Errors of the library become WrenError with its message
(wren_error_msg). Not here: the Python-facing classes (decoder.py, lm.py, wer.py)."""
import ctypes
import ctypes.util
import os

c_char_pp = ctypes.POINTER(ctypes.c_char_p)


class WrenError(RuntimeError):
    """A failed call into libwren; the message is the library's (file and position if any)."""


class _DecodeOpts(ctypes.Structure):
    # struct wren_decode_opts, in include/wren/decoder.h's order
    _fields_ = [("beam", ctypes.c_float), ("max_active", ctypes.c_int),
                ("min_active", ctypes.c_int), ("lattice_beam", ctypes.c_float),
                ("acwt", ctypes.c_float), ("word_penalty", ctypes.c_float),
                ("prune_interval", ctypes.c_int), ("beam_delta", ctypes.c_float),
                ("prune_scale", ctypes.c_float), ("determinize", ctypes.c_int),
                ("det_max_states", ctypes.c_int), ("remove_silence", ctypes.c_int),
                ("score_floor", ctypes.c_float), ("mbr", ctypes.c_int),
                ("mbr_max_cells", ctypes.c_int)]


class _WerCounts(ctypes.Structure):
    _fields_ = [(n, ctypes.c_long) for n in
                ("words", "corr", "sub", "del_", "ins", "sents", "sent_errs")]


def _candidates():
    env = os.environ.get("WREN_LIB")
    if env:   # an explicit choice is the only one tried
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    # the package's own tree first: <libdir>/python3[.X]/dist-packages/wren (also when it is
    # staged with DESTDIR or moved with its prefix)
    yield os.path.normpath(os.path.join(here, "..", "..", "..", "libwren.so.0"))
    try:
        from ._libdir import LIBDIR   # written at build time with the configured libdir
        yield os.path.join(LIBDIR, "libwren.so.0")
    except ImportError:
        pass
    found = ctypes.util.find_library("wren")
    if found:
        yield found
    yield "libwren.so.0"


def _load():
    errors = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            errors.append(path + ": no such file")
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(str(e))
    raise ImportError("wren: cannot load libwren.so (set WREN_LIB to its path): " + "; ".join(errors))


lib = _load()


def _sig(name, res, *args):
    f = getattr(lib, name)
    f.restype = res
    f.argtypes = list(args)


vp, cp, ci = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
_sig("wren_version", cp)
_sig("wren_error_msg", cp)
_sig("wren_error_clear", None)
_sig("wren_decode_default_options", _DecodeOpts)
_sig("wren_decoder_create", ci, cp, cp, ctypes.POINTER(_DecodeOpts), ctypes.POINTER(vp))
_sig("wren_decoder_free", None, vp)
_sig("wren_decoder_set_nnlm", ci, vp, cp, ctypes.c_float, ctypes.c_float)
_sig("wren_decoder_sample_rate", ci, vp)
_sig("wren_decoder_decode_file", ci, vp, cp, ctypes.POINTER(vp))
_sig("wren_decoder_decode_samples", ci, vp, ctypes.POINTER(ctypes.c_float), ctypes.c_size_t,
     ctypes.POINTER(vp))
_sig("wren_resampled_length", ctypes.c_size_t, ctypes.c_size_t, ci, ci)
_sig("wren_resample_samples", ci, ctypes.POINTER(ctypes.c_float), ctypes.c_size_t, ci, ci,
     ctypes.POINTER(ctypes.c_float), ctypes.c_size_t)
_sig("wren_decoder_decode_speaker_files", ci, vp, ctypes.POINTER(cp), ci, ctypes.POINTER(vp))
_sig("wren_decoder_start_utterance", None, vp)
_sig("wren_decoder_accept_samples", ci, vp, ctypes.POINTER(ctypes.c_float), ctypes.c_size_t)
_sig("wren_decoder_accept_samples_at", ci, vp, ctypes.POINTER(ctypes.c_float), ctypes.c_size_t, ci)
_sig("wren_decoder_partial_transcript", ci, vp, ctypes.POINTER(vp))
_sig("wren_decoder_finish_utterance", ci, vp, ctypes.POINTER(vp))
_sig("wren_transcript_num_words", ci, vp)
_sig("wren_transcript_word", cp, vp, ci)
_sig("wren_transcript_word_start", ctypes.c_double, vp, ci)
_sig("wren_transcript_word_end", ctypes.c_double, vp, ci)
_sig("wren_transcript_word_confidence", ctypes.c_double, vp, ci)
_sig("wren_transcript_text", cp, vp)
_sig("wren_transcript_complete", ci, vp)
_sig("wren_transcript_free", None, vp)
_sig("wren_decoder_nbest_file", ci, vp, cp, ci, ctypes.POINTER(vp))
_sig("wren_decoder_nbest_samples", ci, vp, ctypes.POINTER(ctypes.c_float), ctypes.c_size_t, ci,
     ctypes.POINTER(vp))
_sig("wren_nbest_size", ci, vp)
_sig("wren_nbest_transcript", vp, vp, ci)
_sig("wren_nbest_graph_cost", ctypes.c_double, vp, ci)
_sig("wren_nbest_acoustic_cost", ctypes.c_double, vp, ci)
_sig("wren_nbest_free", None, vp)
_sig("wren_decoder_lattice_file", ci, vp, cp, ctypes.POINTER(vp))
_sig("wren_decoder_lattice_samples", ci, vp, ctypes.POINTER(ctypes.c_float), ctypes.c_size_t,
     ctypes.POINTER(vp))
_sig("wren_word_lattice_num_states", ci, vp)
_sig("wren_word_lattice_start", ci, vp)
_sig("wren_word_lattice_num_arcs", ci, vp, ci)
_sig("wren_word_lattice_arc", ci, vp, ci, ci, ctypes.POINTER(ci), ctypes.POINTER(cp),
     ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ci))
_sig("wren_word_lattice_final", ci, vp, ci, ctypes.POINTER(ctypes.c_double),
     ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ci))
_sig("wren_word_lattice_frame_shift", ctypes.c_double, vp)
_sig("wren_word_lattice_free", None, vp)
_sig("wren_arpa_read", ci, cp, ctypes.POINTER(vp))
_sig("wren_arpa_free", None, vp)
_sig("wren_arpa_order", ci, vp)
_sig("wren_arpa_sentence_logprob", ci, vp, c_char_pp, ci, ctypes.POINTER(ctypes.c_double))
_sig("wren_nnlm_load", vp, cp)
_sig("wren_nnlm_free", None, vp)
_sig("wren_nnlm_sentence_logprob", ci, vp, c_char_pp, ci, ctypes.POINTER(ctypes.c_double))
_sig("wren_wer_count_strings", ci, cp, cp, ctypes.POINTER(_WerCounts))


def fail():
    """Raise WrenError with the library's last message."""
    msg = lib.wren_error_msg()
    lib.wren_error_clear()
    raise WrenError(msg.decode("utf-8", "replace") if msg else "wren: unknown error")


def check(rc):
    if rc != 0:
        fail()


def enc(s):
    """A str or os.PathLike as the bytes the C library takes."""
    return os.fsencode(s)


def words_array(words):
    """A (char *const *, n) pair for a sequence of words (kept alive by the returned array)."""
    words = [w for w in words]
    arr = (ctypes.c_char_p * max(len(words), 1))(*[w.encode("utf-8") for w in words])
    return arr, len(words)
