#!/usr/bin/python3
"""check_registry.py - a planner-side check of a dataset file written by synth (h5py + numpy only)."""
import sys

import h5py
import numpy as np

W = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK = "10X98765432"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def main(path, n_expected):
    f = h5py.File(path, "r")
    P, I, R = f["persons"][()], f["identities"][()], f["regions"][()]
    n = len(P)
    if n != n_expected:
        fail(f"{n} persons, expected {n_expected}")
    if len(I) != n:
        fail("identities and persons differ in length")
    if not (np.all(P["pid"][1:] > P["pid"][:-1])):
        fail("/persons not strictly sorted by pid")
    if not np.array_equal(P["pid"], I["pid"]):
        fail("/identities pids do not match /persons")
    # GB 11643: check character, embedded birth date and sex agree with /persons.
    ids = I["subject"].astype("S18")
    digits = np.frombuffer(ids, dtype="S1").reshape(n, 18)
    d17 = digits[:, :17].astype(np.int64)
    expect = np.array([CHECK[s % 11] for s in (d17 * W).sum(axis=1)], dtype="S1")
    if not np.array_equal(expect, digits[:, 17]):
        bad = np.nonzero(expect != digits[:, 17])[0][:3]
        fail(f"{len(np.nonzero(expect != digits[:, 17])[0])} ID numbers fail the check (rows {bad})")
    birth = np.array([int(s[6:14]) for s in ids])
    if not np.array_equal(birth, P["birth_date"]):
        fail("birth date in ID number differs from /persons.birth_date")
    sex = np.where(d17[:, 16] % 2 == 1, 1, 2)
    if not np.array_equal(sex, P["sex"]):
        fail("sex parity of the ID number differs from /persons.sex")
    if len(set(ids.tolist())) != n:
        fail("duplicate ID numbers")
    area = np.array([int(s[:6]) for s in ids])
    if not np.array_equal(area, P["region"] // 1000000):
        fail("ID area code is not the county of residence")
    # Phones: 11 digits starting 13-19, unique; none for small children.
    ph = I["phone"]
    has = ph != b""
    ph_ok = [len(p) == 11 and p[:1] == b"1" and b"3" <= p[1:2] <= b"9" and p.isdigit() for p in ph[has]]
    if not all(ph_ok):
        fail("malformed phone number")
    if len(set(ph[has].tolist())) != has.sum():
        fail("two persons share a phone")
    # Regions: residence is a community of the table.
    comm = set(R["code"][R["level"] == 5].tolist())
    if not set(np.unique(P["region"]).tolist()) <= comm:
        fail("residence outside the community table")
    # A Chinese province's shape: ages, households, sectors.
    y, md = P["birth_date"] // 10000, P["birth_date"] % 10000
    age = 2021 - y - (md > 809)
    young, old = (age < 15).mean(), (age >= 60).mean()
    print(f"persons {n}, aged 0-14 {young:.1%}, 60+ {old:.1%}, phones {has.mean():.1%}")
    if not (0.12 < young < 0.26 and 0.13 < old < 0.28):
        fail(f"age pyramid off: 0-14 {young:.1%}, 60+ {old:.1%}")
    hh, counts = np.unique(P["household"], return_counts=True)
    mean_hh = counts.mean()
    print(f"households {len(hh)}, mean size {mean_hh:.2f}, max {counts.max()}")
    if not (2.2 < mean_hh < 3.1) or counts.max() > 8:
        fail(f"household sizes off: mean {mean_hh:.2f}")
    sec = P["sector"]
    stud = sec[(age >= 7) & (age <= 14)]
    if (stud == b"S0").mean() < 0.95:
        fail("school-age children are not students")
    if (sec[age < 3] != b"U0").any():
        fail("infants with a sector")
    if (P["doses"] > 3).any() or (P["doses"][age < 3] > 0).any():
        fail("impossible vaccine doses")
    if not np.all(np.isin(P["sex"], [1, 2])):
        fail("sex outside 1/2")
    print("registry OK")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
