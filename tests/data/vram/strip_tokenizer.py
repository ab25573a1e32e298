#!/usr/bin/env python3
"""Copies a header-only GGUF without its tokenizer arrays (tokenizer.ggml.*
lists): the memory estimator reads n_vocab from token_embd when the token list
is absent, and the arrays are most of a header's bytes. Pure Python, no numpy.
usage: strip_tokenizer.py IN.gguf OUT.gguf"""
import struct, sys

SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}  # scalar types

def skip_value(buf, pos, vtype):
    if vtype in SIZES:
        return pos + SIZES[vtype]
    if vtype == 8:  # string
        (n,) = struct.unpack_from("<Q", buf, pos)
        return pos + 8 + n
    if vtype == 9:  # array
        (etype, count) = struct.unpack_from("<IQ", buf, pos)
        pos += 12
        if etype in SIZES:
            return pos + SIZES[etype] * count
        for _ in range(count):
            pos = skip_value(buf, pos, etype)
        return pos
    raise ValueError("unknown GGUF value type %d" % vtype)

def main(src, dst):
    buf = open(src, "rb").read()
    magic, version, n_tensors, n_kv = struct.unpack_from("<4sIQQ", buf, 0)
    assert magic == b"GGUF" and version == 3
    pos = 24
    kept = []
    for _ in range(n_kv):
        start = pos
        (klen,) = struct.unpack_from("<Q", buf, pos)
        key = buf[pos + 8:pos + 8 + klen].decode()
        pos += 8 + klen
        (vtype,) = struct.unpack_from("<I", buf, pos)
        pos = skip_value(buf, pos + 4, vtype)
        if not (key.startswith("tokenizer.ggml.") and vtype == 9):
            kept.append(buf[start:pos])
    ti_start = pos
    for _ in range(n_tensors):
        (nlen,) = struct.unpack_from("<Q", buf, pos)
        pos += 8 + nlen
        (ndim,) = struct.unpack_from("<I", buf, pos)
        pos += 4 + 8 * ndim + 4 + 8
    out = struct.pack("<4sIQQ", b"GGUF", 3, n_tensors, len(kept)) + b"".join(kept) + buf[ti_start:pos]
    out += b"\0" * (-len(out) % 32)
    open(dst, "wb").write(out)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
