#!/usr/bin/env python3
# check_dispatch_table.py DATA INDEX - the index's dispatch table holds, for each person with a
# stay covering dispatch_at, exactly the stay rule 11 picks (brute force over /stays), and its
# directory is right.
import sys, h5py, numpy as np

d, ix = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
s, at = d["stays"][()], int(ix.attrs["dispatch_at"])
t = ix["dispatch_stays"][()]
cov = s[(s["start"] <= at) & (at < s["end"])]
best = {}
for r in cov:  # /stays order: the first of equals wins
    k = (-(int(r["end"]) - int(r["start"])), int(r["channel"]), int(r["place"]))
    p = int(r["pid"])
    if p not in best or k < best[p][0]:
        best[p] = (k, r)
assert len(t) == len(best), (len(t), len(best))
for r in t:
    assert best[int(r["pid"])][1].tobytes() == r.tobytes(), int(r["pid"])
bits = int(ix.attrs["pid_bits"])
dirv, sums = ix["dispatch_dir"][()], ix["dispatch_sum"][()]
keys = (t["pid"].astype(np.uint64) >> np.uint64(64 - bits)).astype(np.int64)
assert np.array_equal(np.searchsorted(keys, np.arange(len(dirv)), "left"), dirv), "dispatch_dir"
print(f"dispatch table: {len(t)} persons, each rule 11's stay")
