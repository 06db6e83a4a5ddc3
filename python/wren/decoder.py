"""decoder -- wren.Decoder: decode audio files or sample buffers (numpy arrays or lists) with a
Sphinx acoustic model and a graph from `wren mkgraph`, as `wren decode` does, through libwren
(include/wren/decoder.h), with their n best word sequences and word lattices. Not here:
lattice operations (the `wren lattice` command)."""
import ctypes

from . import _lib


class Result:
    """The words of one utterance (by default its minimum-Bayes-risk word sequence; its best
    path with mbr=False, in partial results and in n-best lists): .words (list of str, as
    spelled in the graph's words.txt), .times (a (start, end) pair in seconds per word),
    .confidences (each word's posterior in the lattice, 0..1, for an MBR result; None
    otherwise), .text (the words joined by spaces) and .complete (False if the search ended
    outside a final state of the graph)."""

    def __init__(self, words, times, complete, confidences=None):
        self.words = words
        self.times = times
        self.complete = complete
        self.confidences = confidences

    @property
    def text(self):
        return " ".join(self.words)

    def __repr__(self):
        return "wren.Result(%r)" % self.text


class Hypothesis(Result):
    """One entry of an n-best list: a Result with its graph_cost and acoustic_cost (-ln p,
    acoustic unscaled; the search ranks by graph_cost + acwt * acoustic_cost)."""

    def __init__(self, words, times, complete, graph_cost, acoustic_cost):
        super().__init__(words, times, complete)
        self.graph_cost = graph_cost
        self.acoustic_cost = acoustic_cost

    def __repr__(self):
        return "wren.Hypothesis(%r, graph_cost=%.4f, acoustic_cost=%.4f)" % (
            self.text, self.graph_cost, self.acoustic_cost)


def _fields(t):
    n = _lib.lib.wren_transcript_num_words(t)
    words = [_lib.lib.wren_transcript_word(t, i).decode("utf-8") for i in range(n)]
    times = [(_lib.lib.wren_transcript_word_start(t, i), _lib.lib.wren_transcript_word_end(t, i))
             for i in range(n)]
    return words, times, bool(_lib.lib.wren_transcript_complete(t))


def _confidences(t):
    c = [_lib.lib.wren_transcript_word_confidence(t, i) for i in range(_lib.lib.wren_transcript_num_words(t))]
    return c if c and min(c) >= 0 else None


def _result(t):
    try:
        return Result(*_fields(t), confidences=_confidences(t))
    finally:
        _lib.lib.wren_transcript_free(t)


def _nbest(b):
    try:
        out = []
        for i in range(_lib.lib.wren_nbest_size(b)):
            t = ctypes.c_void_p(_lib.lib.wren_nbest_transcript(b, i))
            out.append(Hypothesis(*_fields(t), _lib.lib.wren_nbest_graph_cost(b, i),
                                  _lib.lib.wren_nbest_acoustic_cost(b, i)))
        return out
    finally:
        _lib.lib.wren_nbest_free(b)


class Lattice:
    """An utterance's word lattice, as `wren decode` writes it: states 0 .. num_states-1 (every
    arc goes to a higher state), start, arcs (src, dst, word or None for epsilon, graph_cost,
    acoustic_cost, frames), finals {state: (graph_cost, acoustic_cost, frames)}, frame_shift
    (seconds) and acwt (the decoder's acoustic scale). Costs are -ln p, acoustic unscaled."""

    def __init__(self, num_states, start, arcs, finals, frame_shift, acwt):
        self.num_states, self.start, self.arcs, self.finals = num_states, start, arcs, finals
        self.frame_shift, self.acwt = frame_shift, acwt

    def best_path(self, acwt=None):
        """(words, cost) of the path with the least graph_cost + acwt * acoustic_cost."""
        acwt = self.acwt if acwt is None else acwt
        if self.start < 0:
            return [], float("inf")
        inf = float("inf")
        best = [inf] * self.num_states
        back = [None] * self.num_states
        best[self.start] = 0.0
        for src, dst, word, g, a, _ in sorted(self.arcs, key=lambda x: x[0]):   # topological
            c = best[src] + g + acwt * a
            if c < best[dst]:
                best[dst], back[dst] = c, (src, word)
        end, cost = None, inf
        for s, (g, a, _) in self.finals.items():
            if best[s] + g + acwt * a < cost:
                end, cost = s, best[s] + g + acwt * a
        words = []
        while end is not None and back[end] is not None:
            end, w = back[end]
            if w is not None:
                words.append(w)
        return words[::-1], cost

    def __repr__(self):
        return "wren.Lattice(%d states, %d arcs)" % (self.num_states, len(self.arcs))


def _lattice(p, acwt):
    L = _lib.lib
    try:
        arcs, finals = [], {}
        nxt, word, fr = ctypes.c_int(), ctypes.c_char_p(), ctypes.c_int()
        g, a = ctypes.c_double(), ctypes.c_double()
        n = L.wren_word_lattice_num_states(p)
        for s in range(n):
            for i in range(L.wren_word_lattice_num_arcs(p, s)):
                L.wren_word_lattice_arc(p, s, i, ctypes.byref(nxt), ctypes.byref(word), ctypes.byref(g),
                                        ctypes.byref(a), ctypes.byref(fr))
                arcs.append((s, nxt.value, word.value.decode("utf-8") if word.value is not None else None,
                             g.value, a.value, fr.value))
            if L.wren_word_lattice_final(p, s, ctypes.byref(g), ctypes.byref(a), ctypes.byref(fr)):
                finals[s] = (g.value, a.value, fr.value)
        return Lattice(n, L.wren_word_lattice_start(p), arcs, finals,
                       L.wren_word_lattice_frame_shift(p), acwt)
    finally:
        L.wren_word_lattice_free(p)


def _samples(samples, scale):
    """(buffer kept alive, float pointer, count) of mono samples, times scale."""
    try:
        import numpy as np
    except ImportError:
        np = None
    if np is not None and isinstance(samples, np.ndarray):
        if samples.ndim != 1:
            raise ValueError("wren.Decoder: samples must be one channel (a 1-D array)")
        buf = np.ascontiguousarray(samples, dtype=np.float32)
        if scale != 1.0:
            buf = buf * np.float32(scale)
        return buf, buf.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), buf.shape[0]
    vals = [float(x) * scale for x in samples]
    buf = (ctypes.c_float * max(len(vals), 1))(*vals)
    return buf, ctypes.cast(buf, ctypes.POINTER(ctypes.c_float)), len(vals)


def _resampled(buf, ptr, n, from_rate, to_rate):
    """(buffer, float pointer, count) of the n floats at ptr converted from from_rate to to_rate."""
    m = _lib.lib.wren_resampled_length(n, int(from_rate), int(to_rate))
    try:
        import numpy as np
        out = np.zeros(max(m, 1), dtype=np.float32)
        optr = out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
    except ImportError:
        out = (ctypes.c_float * max(m, 1))()
        optr = ctypes.cast(out, ctypes.POINTER(ctypes.c_float))
    _lib.check(_lib.lib.wren_resample_samples(ptr, n, int(from_rate), int(to_rate), optr, m))
    return out, optr, m


def resample(samples, from_rate, to_rate):
    """One channel of samples (a numpy array or a sequence of numbers, any scale) at from_rate
    Hz converted to to_rate Hz with libsoxr, as the library converts the files it reads: a
    float32 numpy array (a ctypes float array without numpy). from_rate: 4000 to 768000 Hz."""
    buf, ptr, n = _samples(samples, 1.0)
    out, _, m = _resampled(buf, ptr, n, from_rate, to_rate)
    return out[:m]


class Decoder:
    """A loaded model and graph. model_dir None: the model the graph was built with (its
    model.txt, written by `wren mkgraph`), else Debian's pocketsphinx-en-us. Keyword options are
    the fields of struct wren_decode_opts
    (beam, max_active, min_active, lattice_beam, acwt, word_penalty, prune_interval,
    beam_delta, prune_scale, determinize, det_max_states, remove_silence, score_floor, mbr,
    mbr_max_cells); the defaults are
    `wren decode`'s. nnlm (a path) adds the NNLM second pass (set_nnlm). Decoding is sequential:
    one Decoder per thread."""

    def __init__(self, model_dir, graph_dir, nnlm=None, nnlm_lambda=0.5, nnlm_lm_weight=1.0, **options):
        opts = _lib.lib.wren_decode_default_options()
        known = [f[0] for f in _lib._DecodeOpts._fields_]
        for k, v in options.items():
            if k not in known:
                raise TypeError("wren.Decoder: unknown option '%s' (known: %s)" % (k, ", ".join(known)))
            setattr(opts, k, v)
        self._d = None
        self._acwt = opts.acwt
        d = ctypes.c_void_p()
        _lib.check(_lib.lib.wren_decoder_create(None if model_dir is None else _lib.enc(model_dir),
                                                _lib.enc(graph_dir),
                                                ctypes.byref(opts), ctypes.byref(d)))
        self._d = d
        if nnlm is not None:
            self.set_nnlm(nnlm, nnlm_lambda, nnlm_lm_weight)

    def set_nnlm(self, path, nnlm_lambda=0.5, lm_weight=1.0):
        """The second pass of `wren decode --nnlm`: each final lattice rescored by the neural LM
        at path (wren nnlm-train's or wren prune's safetensors) interpolated with the n-gram the
        graph was built from (its lm.txt), the NNLM's share nnlm_lambda and the LM weight
        lm_weight (wren rescore's defaults). The final Results are then the rescored lattices'
        best paths (no confidences), lattice_file gives the rescored lattice and nbest_file its
        n best; partial() is not rescored. path None: one pass again."""
        _lib.check(_lib.lib.wren_decoder_set_nnlm(self._d, None if path is None else _lib.enc(path),
                                                  nnlm_lambda, lm_weight))

    @property
    def sample_rate(self):
        """The sample rate the model expects (Hz)."""
        return _lib.lib.wren_decoder_sample_rate(self._d)

    def decode_file(self, path):
        """Decode an audio file (any format libsndfile reads, or NIST SPHERE; several channels
        are mixed down to their mean, another rate than the model's is resampled) and return
        its Result. Audio over a minute is cut at its pauses and
        decoded piece by piece (as `wren segment` cuts it), times counted from its start."""
        t = ctypes.c_void_p()
        _lib.check(_lib.lib.wren_decoder_decode_file(self._d, _lib.enc(path), ctypes.byref(t)))
        return _result(t)

    def decode_speaker_files(self, paths):
        """Decode the audio files of ONE speaker together and return their Results, in order:
        a speaker-independent pass, an fMLLR transform (and MAP means) estimated for the
        speaker, the adapted pass, as `wren decode` decodes a speaker of a data dir (on Wren's
        pooled dev set 1.03x the CPU of decode_file on each, and 37.48 %WER instead of 43.30).
        Any unreadable file raises WrenError naming it, and nothing is returned."""
        paths = [str(p) for p in paths]
        n = len(paths)
        arr = (ctypes.c_char_p * max(n, 1))(*[_lib.enc(p) for p in paths])
        out = (ctypes.c_void_p * max(n, 1))()
        _lib.check(_lib.lib.wren_decoder_decode_speaker_files(self._d, arr, n, out))
        results = []
        for i in range(n):
            try:
                results.append(_result(ctypes.c_void_p(out[i])))   # frees out[i]
            except BaseException:
                for j in range(i + 1, n):
                    _lib.lib.wren_transcript_free(out[j])
                raise
        return results

    def decode(self, samples, sample_rate=None, normalized=False):
        """Decode mono samples: a numpy array or any sequence of numbers on the 16-bit scale
        (-32768 .. 32767; int16 arrays as they are). normalized=True takes floats in [-1, 1]
        (as soundfile reads them) and scales them by 32768. Samples at another sample_rate than
        the model's are resampled to it (as files are). Over a minute of audio is cut at its
        pauses, as decode_file cuts it."""
        buf, ptr, n = self._prepare(samples, sample_rate, normalized)
        t = ctypes.c_void_p()
        _lib.check(_lib.lib.wren_decoder_decode_samples(self._d, ptr, n, ctypes.byref(t)))
        return _result(t)

    def start(self):
        """Begin a streamed utterance (dropping an unfinished one); then feed() its audio in
        chunks as it arrives, partial() for the best path so far, finish() for the final
        Result (the one decode() gives for all of the audio, up to a minute of it; a longer
        stream is cut at a pause each time 20 s have gathered, the part before the pause
        decoded piece by piece and dropped, so memory stays that of about 20 s however long it
        runs; a stream that ends within a minute is decoded again whole at finish())."""
        _lib.lib.wren_decoder_start_utterance(self._d)

    def feed(self, samples, sample_rate=None, normalized=False):
        """Append a chunk of the streamed utterance, taken as decode() takes samples: at another
        sample_rate (one per utterance, as a 44.1 or 48 kHz microphone gives them) the audio so
        far is resampled whole for each result, so finish() gives decode()'s Result."""
        if sample_rate is not None and sample_rate != self.sample_rate:
            buf, ptr, n = _samples(samples, 32768.0 if normalized else 1.0)
            _lib.check(_lib.lib.wren_decoder_accept_samples_at(self._d, ptr, n, int(sample_rate)))
            return
        buf, ptr, n = self._prepare(samples, sample_rate, normalized)
        _lib.check(_lib.lib.wren_decoder_accept_samples(self._d, ptr, n))

    def partial(self):
        """The best path over the audio fed so far (its words may still change)."""
        t = ctypes.c_void_p()
        _lib.check(_lib.lib.wren_decoder_partial_transcript(self._d, ctypes.byref(t)))
        return _result(t)

    def finish(self):
        """End the streamed utterance: its final Result."""
        t = ctypes.c_void_p()
        _lib.check(_lib.lib.wren_decoder_finish_utterance(self._d, ctypes.byref(t)))
        return _result(t)

    def nbest_file(self, path, n=10):
        """The n best distinct word sequences of an audio file, best first (a list of
        Hypothesis; fewer if the lattice has fewer), as `wren decode --nbest n` writes them (from
        the joined lattice of its pieces for audio over a minute)."""
        b = ctypes.c_void_p()
        _lib.check(_lib.lib.wren_decoder_nbest_file(self._d, _lib.enc(path), n, ctypes.byref(b)))
        return _nbest(b)

    def nbest(self, samples, n=10, sample_rate=None, normalized=False):
        """nbest_file for samples, taken as decode() takes them."""
        buf, ptr, count = self._prepare(samples, sample_rate, normalized)
        b = ctypes.c_void_p()
        _lib.check(_lib.lib.wren_decoder_nbest_samples(self._d, ptr, count, n, ctypes.byref(b)))
        return _nbest(b)

    def lattice_file(self, path):
        """The word lattice of an audio file (a Lattice), as `wren decode` writes it (audio over a
        minute cut at its pauses, the pieces' lattices joined in sequence)."""
        p = ctypes.c_void_p()
        _lib.check(_lib.lib.wren_decoder_lattice_file(self._d, _lib.enc(path), ctypes.byref(p)))
        return _lattice(p, self._acwt)

    def lattice(self, samples, sample_rate=None, normalized=False):
        """lattice_file for samples, taken as decode() takes them."""
        buf, ptr, count = self._prepare(samples, sample_rate, normalized)
        p = ctypes.c_void_p()
        _lib.check(_lib.lib.wren_decoder_lattice_samples(self._d, ptr, count, ctypes.byref(p)))
        return _lattice(p, self._acwt)

    def _prepare(self, samples, sample_rate, normalized):
        other = sample_rate is not None and sample_rate != self.sample_rate
        buf, ptr, n = _samples(samples, 32768.0 if normalized else 1.0)
        if other:
            return _resampled(buf, ptr, n, sample_rate, self.sample_rate)
        return buf, ptr, n

    def close(self):
        """Free the model and graph now (else when the object is collected)."""
        if self._d is not None:
            _lib.lib.wren_decoder_free(self._d)
            self._d = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_d", None) is not None and _lib is not None and _lib.lib is not None:
            self.close()
