#!/usr/bin/python3
"""siphash.py - pure-Python SipHash-2-4 (64-bit output) and paicha's pseudonymous ids.

The key file holds 32 hexadecimal digits on one line; the 16 decoded bytes are
the standard SipHash key (k0 = bytes 0..7 little-endian, k1 = bytes 8..15
little-endian). A person's pid is SipHash-2-4 of b"I" + the 18-character ID
number; a visitor's pid is SipHash-2-4 of b"P" + the 11-digit phone. A hash of 0
becomes 1 (0 means "none" in the outputs).

Run as a script for the self-test against the reference vectors.
"""
import sys

MASK = (1 << 64) - 1


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def _sipround(v0, v1, v2, v3):
    v0 = (v0 + v1) & MASK
    v1 = _rotl(v1, 13)
    v1 ^= v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & MASK
    v3 = _rotl(v3, 16)
    v3 ^= v2
    v0 = (v0 + v3) & MASK
    v3 = _rotl(v3, 21)
    v3 ^= v0
    v2 = (v2 + v1) & MASK
    v1 = _rotl(v1, 17)
    v1 ^= v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash24(key16, data):
    """SipHash-2-4 of bytes `data` under the 16-byte key `key16`; a 64-bit int."""
    key16, data = bytes(key16), bytes(data)
    if len(key16) != 16:
        raise ValueError("SipHash key must be 16 bytes")
    k0 = int.from_bytes(key16[0:8], "little")
    k1 = int.from_bytes(key16[8:16], "little")
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    n = len(data)
    whole = n - n % 8
    for i in range(0, whole, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v3 ^= m
        v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)  # c = 2 compression rounds
        v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
        v0 ^= m
    # Last block: the remaining bytes, and the length mod 256 in the top byte.
    b = ((n & 0xFF) << 56) | int.from_bytes(data[whole:], "little")
    v3 ^= b
    v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
    v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
    v0 ^= b
    v2 ^= 0xFF
    for _ in range(4):  # d = 4 finalisation rounds
        v0, v1, v2, v3 = _sipround(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def load_key(path):
    """The 16 key bytes from a key file (32 hex digits on one line)."""
    with open(path) as f:
        text = f.read().strip()
    if len(text) != 32 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise ValueError(f"{path}: a key file holds 32 hexadecimal digits on one line")
    return bytes.fromhex(text)


def _nonzero(h):
    return h if h != 0 else 1


def pid_of_idnum(key, id18):
    """pid of a registered person: SipHash-2-4 of "I" + the 18-character ID number."""
    if len(id18) != 18:
        raise ValueError(f"ID number {id18!r} is not 18 characters")
    return _nonzero(siphash24(key, b"I" + id18.encode("ascii")))


def pid_of_phone(key, phone):
    """pid of a visitor known only by phone: SipHash-2-4 of "P" + the 11 digits."""
    if len(phone) != 11 or not phone.isdigit():
        raise ValueError(f"phone {phone!r} is not 11 digits")
    return _nonzero(siphash24(key, b"P" + phone.encode("ascii")))


def opaque_id(key, kind, s):
    """id of an agency's opaque identifier (kind "H" household, "E" employer):
    SipHash-2-4 of the kind's letter + the trimmed UTF-8 bytes, low 56 bits; 0 for none."""
    s = s.strip(" \t")
    if not s:
        return 0
    return _nonzero(siphash24(key, kind.encode() + s.encode("utf-8")) & ((1 << 56) - 1))


# SipHash-2-4 reference vectors (the 64-bit table of the reference
# implementation, vectors.h / the paper's appendix): key = bytes 0..15,
# message = bytes 0..n-1, for n = 0..63.
VECTORS = [
    0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
    0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
    0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
    0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
    0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
    0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
    0xb8ad50c6f649af94, 0xbce192de8a85b8ea, 0x17d835b85bbb15f3, 0x2f2e6163076bcfad,
    0xde4daaaca71dc9a5, 0xa6a2506687956571, 0xad87a3535c49ef28, 0x32d892fad841c342,
    0x7127512f72f27cce, 0xa7f32346f95978e3, 0x12e0b01abb051238, 0x15e034d40fa197ae,
    0x314dffbe0815a3b4, 0x027990f029623981, 0xcadcd4e59ef40c4d, 0x9abfd8766a33735c,
    0x0e3ea96b5304a7d0, 0xad0c42d6fc585992, 0x187306c89bc215a9, 0xd4a60abcf3792b95,
    0xf935451de4f21df2, 0xa9538f0419755787, 0xdb9acddff56ca510, 0xd06c98cd5c0975eb,
    0xe612a3cb9ecba951, 0xc766e62cfcadaf96, 0xee64435a9752fe72, 0xa192d576b245165a,
    0x0a8787bf8ecb74b2, 0x81b3e73d20b49b6f, 0x7fa8220ba3b2ecea, 0x245731c13ca42499,
    0xb78dbfaf3a8d83bd, 0xea1ad565322a1a0b, 0x60e61c23a3795013, 0x6606d7e446282b93,
    0x6ca4ecb15c5f91e1, 0x9f626da15c9625f3, 0xe51b38608ef25f57, 0x958a324ceb064572,
]


def self_test():
    key = bytes(range(16))
    bad = 0
    for n, want in enumerate(VECTORS):
        got = siphash24(key, bytes(range(n)))
        if got != want:
            print(f"siphash24 vector n={n}: got {got:#018x}, want {want:#018x}")
            bad += 1
    # The key file convention: hex digits in byte order.
    if bytes.fromhex("000102030405060708090a0b0c0d0e0f") != key:
        bad += 1
    return bad


if __name__ == "__main__":
    failures = self_test()
    if failures:
        print(f"siphash self-test: {failures} failures")
        sys.exit(1)
    print(f"siphash self-test: {len(VECTORS)} reference vectors OK")
