"""safetensors -- read and write safetensors files exactly as Wren does (nnlm/safetensors.c):
an 8-byte little-endian header length, a compact JSON header ("__metadata__" first, then the
tensors in file order, data offsets cumulative), padded with spaces to a multiple of 8, then
the raw little-endian data. Writing what was read gives the same bytes. Uses numpy only.
Not here: what the tensors mean (wren.torch)."""
import json
import os
import struct
import tempfile

import numpy as np

DTYPES = {"F32": "<f4", "I32": "<i4", "U16": "<u2", "U8": "u1", "F64": "<f8", "I64": "<i8",
          "F16": "<f2", "I16": "<i2", "I8": "i1"}


def read(path):
    """-> (metadata: dict str -> str in file order, tensors: dict name -> numpy array in file
    order). Raises ValueError naming the file on a malformed header."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError("%s: header length %d runs past the end of the file" % (path, n))
    hdr = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = hdr.pop("__metadata__", {}) or {}
    base = 8 + n
    tensors = {}
    for name, t in hdr.items():
        if t["dtype"] not in DTYPES:
            raise ValueError("%s: tensor '%s' has dtype %s, not supported" % (path, name, t["dtype"]))
        a, b = t["data_offsets"]
        arr = np.frombuffer(raw, dtype=DTYPES[t["dtype"]], count=(b - a) // np.dtype(DTYPES[t["dtype"]]).itemsize,
                            offset=base + a)
        tensors[name] = arr.reshape(t["shape"]).copy()
    return meta, tensors


def _json_string(s):
    # as sb_json_string in nnlm/safetensors.c: escape " and \, \n, other controls as \u00xx,
    # everything else (UTF-8 included) as it is
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif c < 0x20:
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _dtype_name(arr):
    for k, v in DTYPES.items():
        if np.dtype(v) == arr.dtype.newbyteorder("<") or np.dtype(v) == arr.dtype:
            return k
    raise ValueError("safetensors: no dtype name for %s" % arr.dtype)


def write(path, metadata, tensors):
    """Write metadata (str -> str) and tensors (name -> numpy array, or (dtype name, array))
    in the given order, atomically (a temporary file renamed over path)."""
    parts = ["{\"__metadata__\":{"]
    parts.append(",".join(_json_string(k) + ":" + _json_string(v) for k, v in metadata.items()))
    parts.append("}")
    blobs = []
    off = 0
    for name, arr in tensors.items():
        if isinstance(arr, tuple):
            dt, arr = arr
        else:
            dt = _dtype_name(arr)
        data = np.ascontiguousarray(arr, dtype=DTYPES[dt]).tobytes()
        shape = ",".join(str(int(s)) for s in np.shape(arr))
        parts.append(",%s:{\"dtype\":%s,\"shape\":[%s],\"data_offsets\":[%d,%d]}"
                     % (_json_string(name), _json_string(dt), shape, off, off + len(data)))
        off += len(data)
        blobs.append(data)
    parts.append("}")
    head = "".join(parts).encode("utf-8")
    head += b" " * (-len(head) % 8)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(head)))
            f.write(head)
            for b in blobs:
                f.write(b)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
