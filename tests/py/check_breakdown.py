#!/usr/bin/python3
"""check_breakdown.py - the breakdown file read as a planner would, checked against /persons with numpy/pandas."""
import sys

import h5py
import numpy as np
import pandas as pd

LEVEL_DIV = {"city": 10**8, "county": 10**6, "township": 10**3, "community": 1}
SECTORS = [chr(ord("A") + i) for i in range(20)] + ["S0", "R0", "U0", "unknown"]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def main(data, out, level, required, min_age):
    required, min_age = int(required), int(min_age)
    d, b = h5py.File(data, "r"), h5py.File(out, "r")
    P = pd.DataFrame(d["persons"][()])
    as_of = int(b.attrs["as_of"])
    # as_of is local midnight 2021-08-09 in the tests; compute ages from it.
    day = pd.Timestamp(as_of + 8 * 3600, unit="s")
    ymd = day.year * 10000 + day.month * 100 + day.day
    P["age"] = (ymd // 10000 - P["birth_date"] // 10000) - ((ymd % 10000) < (P["birth_date"] % 10000))
    cube = b["population"]
    # The axes speak for themselves: labels and scales on every dimension.
    labels = [dim.label for dim in cube.dims]
    if labels != ["region", "age_band", "sector", "doses"]:
        fail(f"axis labels {labels}")
    regions = cube.dims[0]["region"][()]
    bands = [x.decode() for x in cube.dims[1][0][()]]
    sectors = [x.decode() for x in cube.dims[2][0][()]]
    doses = cube.dims[3][0][()]
    names = cube.dims[0]["region_name"][()]
    if sectors != SECTORS or list(doses) != [0, 1, 2, 3]:
        fail("sector or doses scale wrong")
    if regions[-1] != 0 or names[-1] != b"unknown":
        fail("last region entry should be 'unknown' (code 0)")
    edges = list(b["axes"].attrs["age_edges"])
    C = cube[()]
    if C.shape != (len(regions), len(edges) + 1, 24, 4):
        fail(f"cube shape {C.shape}")
    if C.sum() != len(P):
        fail(f"cube total {C.sum()} != persons {len(P)}")
    # Marginals, independently from the persons table.
    reg = P["region"] // LEVEL_DIV[level] * LEVEL_DIV[level]
    want = reg.value_counts()
    got = dict(zip(regions.tolist(), C.sum(axis=(1, 2, 3)).tolist()))
    for code, cnt in want.items():
        if got.get(code, -1) != cnt:
            fail(f"region {code}: cube {got.get(code)} persons {cnt}")
    band = np.searchsorted(np.array(edges), P["age"], side="right") - 1
    if not np.array_equal(np.bincount(band, minlength=len(edges) + 1), C.sum(axis=(0, 2, 3))):
        fail("age band marginal differs")
    sec = P["sector"].map(lambda s: s.decode() if s.decode() in SECTORS else "unknown")
    sc = sec.value_counts()
    for i, s in enumerate(SECTORS):
        if C.sum(axis=(0, 1, 3))[i] != sc.get(s, 0):
            fail(f"sector {s} marginal differs")
    dz = np.minimum(P["doses"], 3)
    if not np.array_equal(np.bincount(dz, minlength=4), C.sum(axis=(0, 1, 2))):
        fail("doses marginal differs")
    # Names: the region axis carries Chinese names.
    if not any("\u533a" in n.decode("utf-8") or "\u53bf" in n.decode("utf-8") or "\u5e02" in n.decode("utf-8") for n in names[:-1]):
        fail("no region name looks like a Chinese division name")
    # Targets: per community and band, people at or above min_age below the required doses.
    T = pd.DataFrame(b["targets"][()])
    P["band"] = band
    el = P[(P["age"] >= min_age)]
    exp = el[el["doses"] < required].groupby(["region", "band"]).size()
    got_t = T.set_index(["community", "age_from"])["below_required"]
    if T["below_required"].sum() != (el["doses"] < required).sum():
        fail("targets total differs")
    if int(b.attrs["below_required"]) != (el["doses"] < required).sum():
        fail("root attribute below_required differs")
    for (code, bnd), cnt in exp.items():
        if got_t.get((code, edges[bnd]), -1) != cnt:
            fail(f"target {code} band {bnd}: {got_t.get((code, edges[bnd]))} != {cnt}")
    # int64 first: a uint64 difference wraps instead of going negative.
    if not (np.diff(T["below_required"].to_numpy(np.int64)) <= 0).all():
        fail("targets not sorted by below_required, most first")
    if T["persons"].sum() != len(P):
        fail("targets persons do not cover the population")
    print(f"breakdown OK: {len(P)} persons, {len(regions) - 1} regions, {len(T)} target rows; "
          f"top: {T.iloc[0]['community']} {T.iloc[0]['community_name'].decode()} {T.iloc[0]['age_band'].decode()} "
          f"{T.iloc[0]['below_required']}")


if __name__ == "__main__":
    main(*sys.argv[1:])
