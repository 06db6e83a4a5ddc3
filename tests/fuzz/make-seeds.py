#!/usr/bin/env python3
# make-seeds.py — writes the committed seed corpora under tests/fuzz/corpus/<harness>/: small
# valid (and a few nearly valid) inputs for each parser, made here from scratch so that no
# model or speech data is copied into the repository. Run from anywhere; rewrites the files.
# Larger real inputs are added at fuzz time by run-fuzz.sh (not committed).
import math, os, struct

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def put(harness, name, data):
    d = os.path.join(top, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)

# ---- audio: a 200-sample 440 Hz tone as WAV (mono, stereo, 8 kHz float), SPHERE, AIFF-less raw
tone = [int(8000 * math.sin(2 * math.pi * 440 * i / 16000)) for i in range(200)]
pcm = struct.pack("<%dh" % len(tone), *tone)
def wav(rate, ch, samples_bytes, fmt=1, bits=16):
    block = ch * bits // 8
    return (b"RIFF" + struct.pack("<I", 36 + len(samples_bytes)) + b"WAVE" +
            b"fmt " + struct.pack("<IHHIIHH", 16, fmt, ch, rate, rate * block, block, bits) +
            b"data" + struct.pack("<I", len(samples_bytes)) + samples_bytes)
put("audio", "mono16k.wav", wav(16000, 1, pcm))
put("audio", "stereo16k.wav", wav(16000, 2, pcm))
put("audio", "float8k.wav", wav(8000, 1, struct.pack("<%df" % 50, *[t / 32768 for t in tone[:50]]), 3, 32))
put("audio", "truncated.wav", wav(16000, 1, pcm)[:100])
hdr = ("NIST_1A\n   1024\nsample_count -i 200\nsample_rate -i 16000\nchannel_count -i 1\n"
       "sample_n_bytes -i 2\nsample_byte_format -s2 01\nsample_coding -s3 pcm\nend_head\n")
put("audio", "tone.sph", hdr.encode().ljust(1024, b" ") + pcm)
put("audio", "shorten.sph", hdr.replace("-s3 pcm", "-s7 shorten").encode().ljust(1024, b" ") + pcm[:40])

# ---- mdef: three CI phones and one triphone (text format 0.3)
put("mdef", "tiny.mdef", """0.3
3 n_base
1 n_tri
16 n_state_map
10 n_tied_state
9 n_tied_ci_state
3 n_tied_tmat
#
# Columns definitions
#base lft  rt p attrib tmat      ... state id's ...
AH\t-\t-\t-\tn/a\t0\t0\t1\t2\tN
K\t-\t-\t-\tn/a\t1\t3\t4\t5\tN
SIL\t-\t-\t-\tfiller\t2\t6\t7\t8\tN
AH\tK\tSIL\te\tn/a\t0\t9\t1\t2\tN
""")

# ---- am: first byte chooses the reader (0 feat.params, 1 means/variances, 2 mixture_weights,
# 3 sendump); Sphinx-3 binary files with and without a checksum.
put("am", "feat.params", b"\x00" + b"""-lowerf 130
-upperf 6800
-nfilt 25
-transform dct
-lifter 22
-feat 1s_c_d_dd
-svspec 0-12/13-25/26-38
-agc none
-cmn batch
-varnorm no
-model ptm
-cmninit 40,3,-1
""")
def s3(words, chksum):
    head = b"s3\nversion 1.0\n" + (b"chksum0 yes\n" if chksum else b"") + b"endhdr\n"
    body = struct.pack("<I", 0x11223344)
    raw = []
    for w in words:
        raw.append(struct.pack("<i", w) if isinstance(w, int) else struct.pack("<f", w))
    body += b"".join(raw)
    if chksum:
        s = 0
        for r in raw:
            v = struct.unpack("<I", r)[0]
            s = ((((s << 20) | (s >> 12)) & 0xffffffff) + v) & 0xffffffff
        body += struct.pack("<I", s)
    return head + body
# means: 2 codebooks, 1 stream of length 3, 2 densities
gauss = [2, 1, 2, 3, 12] + [0.5 + 0.1 * i for i in range(12)]
put("am", "means.s3", b"\x01" + s3(gauss, True))
put("am", "means-nochksum.s3", b"\x01" + s3(gauss, False))
# mixture_weights: 3 senones, 1 stream, 2 densities
mixw = [3, 1, 2, 6] + [1.0, 3.0, 2.0, 2.0, 0.0, 5.0]
put("am", "mixw.s3", b"\x02" + s3(mixw, True))
put("am", "sendump-bad", b"\x03\x01\x02\x01" + s3(mixw, False))

# ---- lexicon
put("lexicon", "tiny.dict", """a AH
a(2) EY
cat K AE T
don't D OW N T
;;; a comment
the DH AH
the(2) DH IY
""")

# ---- ARPA
put("arpa", "bigram.arpa", """\\data\\
ngram 1=5
ngram 2=4

\\1-grams:
-1.0\t</s>
-99\t<s>\t-0.5
-0.8\tcat\t-0.3
-0.7\tthe\t-0.2
-1.2\t<unk>

\\2-grams:
-0.3\t<s> the
-0.2\tthe cat
-0.4\tcat </s>
-0.9\tthe </s>

\\end\\
""")
put("arpa", "trigram.arpa", """\\data\\
ngram 1=4
ngram 2=3
ngram 3=1

\\1-grams:
-0.6\t</s>
-99\t<s>\t-0.4
-0.5\ta\t-0.3
-0.5\tb\t-0.2

\\2-grams:
-0.3\t<s> a\t-0.1
-0.2\ta b\t-0.1
-0.2\tb </s>

\\3-grams:
-0.1\t<s> a b

\\end\\
""")

# ---- Kaldi compact lattices (text)
put("lattice", "two.lat", """utt1
0\t1\t5\t1.5,20.25,1_1_2_2
1\t2\t7\t0.5,10,3_4
0\t2\t9\t4,35.5,1_2_3_4_5
2\t0,0,
1\t3.5,1,6

utt2
0\t1\t3\t0,1,1
1\t0,0,

""")
put("lattice", "eps.lat", "u\n0\t1\t0\t0,0,\n1\t2\t4\t1,1,2\n2\t0.5,0,\n\n")

# ---- Kaldi tables
put("table", "wav.scp", "utt1 /data/a.wav\nutt2 sox b.flac -t wav - |\n\nutt3 c.sph\n")
put("table", "segments", "seg1 rec1 0.00 1.25\nseg2 rec1 1.25 3.50\n")
put("table", "text", "utt1 THE CAT SAT\nutt2\nutt3   spaced   words  \n")
put("table", "dup", "a 1\nb 2\na 3\n")

# ---- text normalisation (the first byte also chooses options)
put("text_norm", "prose.txt", "Mr. Smith paid $5.50 on Jan. 3rd, 1984 -- at 10:30 a.m. in the U.S.!\n"
    "\"Don't,\" she said; 'twas 25% of 1/2... Well-known x-ray B12 #5.\n")
put("text_norm", "ids.txt", "\x10utt1 Dr. Jones's 1st &amp; 2nd caf\u00e9s\nutt2 -5 pct 3.14\n")
put("text_norm", "upper.txt", "\x0cTHE WELL-KNOWN twenty-one o'clock <s> <unk> MR. bros.\n")
