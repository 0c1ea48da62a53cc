#!/usr/bin/python3
"""check_stay_buckets.py DATASET - the dataset's /stay_buckets counts its /stays by place bucket.

The bucket of a stay, as SPEC's index and README's co-location index define it, recomputed row
by row here: a rail stay's place is its train (the carriage byte cleared); the place hashed;
for lbs and grid, the local day (UTC+8) of its start hashed in; the low bits taken. The bucket
count is index's default for the stays (one per 128 stays, a power of two, 1024 to 2^24), and
the tag is the file's stays_checksum.
"""
import sys

import h5py
import numpy as np

from h5dataset import M64, _mix64

RAIL, LBS, GRID = 4, 5, 6


def bucket(place, channel, start, nb):
    if channel == RAIL:
        place &= ~0xFF
    h = _mix64((place * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & M64)
    if channel in (LBS, GRID):
        h = _mix64(h ^ (((start + 8 * 3600) // 86400) & M64))
    return h & (nb - 1)


def main():
    f = h5py.File(sys.argv[1], "r")
    st = f["stays"][()]
    got = f["stay_buckets"][()]
    nb = 1024
    while nb < (1 << 24) and nb * 128 < len(st):
        nb <<= 1
    assert len(got) == nb, f"/stay_buckets has {len(got)} buckets, index's default is {nb}"
    assert got.dtype == np.uint64
    assert int(f.attrs["stay_buckets_checksum"]) == int(f.attrs["stays_checksum"]), "tag is not stays_checksum"
    want = np.zeros(nb, np.uint64)
    for p, c, s in zip(st["place"].tolist(), st["channel"].tolist(), st["start"].tolist()):
        want[bucket(p, c, s, nb)] += 1
    bad = np.nonzero(want != got)[0]
    assert len(bad) == 0, f"{len(bad)} buckets miscounted, first {bad[0]}: {got[bad[0]]} for {want[bad[0]]}"
    assert int(got.sum()) == len(st) and np.count_nonzero(got) > nb // 4
    print(f"check_stay_buckets: {len(st)} stays in {nb} buckets ({np.count_nonzero(got)} used) as recomputed")


main()
