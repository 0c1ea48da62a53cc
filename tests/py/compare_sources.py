#!/usr/bin/python3
"""compare_sources.py - a `paicha sources` output equals the reference's CSVs (sources_ref.py).

    compare_sources.py SOURCES.h5 REFDIR

Row for row, in order: /common_exposures with their cases (/common_exposure_cases), /clusters,
/candidates and, when REFDIR has hotspots.csv, /hotspots. Prints the first difference of each
table and exits 1 when any differs."""
import csv
import os
import sys

import h5py


def s(b):
    return b.decode() if isinstance(b, bytes) else str(b)


def main(out, ref):
    f = h5py.File(out, "r")
    bad = 0

    def check(name, got, want):
        nonlocal bad
        if got == want:
            print(f"{name}: identical ({len(got)} rows)")
            return
        bad += 1
        print(f"{name}: {len(got)} rows, reference {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                print(f"  first difference at row {i}:\n    got  {g}\n    want {w}")
                break

    def rows(fname):
        with open(os.path.join(ref, fname), newline="") as fh:
            return list(csv.reader(fh))[1:]
    ce, cc = f["common_exposures"][()], f["common_exposure_cases"][()]
    who = {}
    for e, p in zip(cc["exposure"].tolist(), cc["pid"].tolist()):
        who.setdefault(e, []).append(p)
    got = [[s(r["channel"]), str(r["place"]), str(r["from"]), str(r["to"]), str(r["cases"]),
            " ".join(map(str, sorted(who.get(int(r["exposure"]), []))))] for r in ce]
    check("common_exposures", got, rows("common.csv"))
    order = [int(x) for x in ce["exposure"]] == list(range(len(ce)))
    check("exposure numbers", [order], [True])
    cl = f["clusters"][()]
    check("clusters", [[str(r["pid"]), str(r["cluster"]), str(r["size"]), str(r["top_exposure"])] for r in cl],
          rows("clusters.csv"))
    ca = f["candidates"][()]
    check("candidates", [[str(r[k]) for k in ("pid", "cases", "exposures", "first", "dwell", "top_exposure")]
                         for r in ca], rows("candidates.csv"))
    if os.path.exists(os.path.join(ref, "hotspots.csv")):
        h = f["hotspots"][()]
        check("hotspots", [[s(r["kind"]), s(r["channel"]), str(r["place"]), str(r["region"]), str(r["persons"]),
                            str(r["dwell"])] for r in h], rows("hotspots.csv"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
