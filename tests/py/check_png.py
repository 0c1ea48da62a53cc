#!/usr/bin/env python3
"""check_png.py PNG WIDTH HEIGHT [MIN_BYTES] - a screenshot of a rendered page, not a blank one.

The PNG's pixel rows (after zlib, before unfiltering) of a one-colour image are nearly all
one byte value; a page of text and charts is not. Exit 1 naming what is wrong."""
import struct
import sys
import zlib
from collections import Counter

path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
min_bytes = int(sys.argv[4]) if len(sys.argv) > 4 else 0
b = open(path, "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
assert len(b) > min_bytes, f"screenshot of {len(b)} bytes"
i, idat, w, h = 8, b"", 0, 0
while i < len(b):
    n, t = struct.unpack(">I4s", b[i:i + 8])
    if t == b"IHDR":
        w, h = struct.unpack(">II", b[i + 8:i + 16])
    elif t == b"IDAT":
        idat += b[i + 8:i + 8 + n]
    i += 12 + n
raw = zlib.decompress(idat)
hist = Counter(raw)
common = hist.most_common(1)[0][1] / len(raw)
assert (w, h) == (want_w, want_h), (w, h)
assert len(hist) >= 64 and common < 0.99, f"{len(hist)} byte values, the commonest {common:.1%}: one colour"
print(f"screenshot {w}x{h}, {len(b):,} bytes, {len(hist)} byte values, the commonest {common:.1%}")
