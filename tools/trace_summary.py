#!/usr/bin/python3
"""trace_summary.py - what a commander wants first from a trace: counts and who must act.

    trace_summary.py TRACE.h5 DATA.h5

Prints persons per hop, channel and code (from /contacts and /companions, checked
against the root attribute `counts`), and the five jurisdictions with most people to
reach, with their names from the dataset's /regions.
"""
import json
import sys

import h5py
import pandas as pd


def text(v):
    return v.decode("utf-8").rstrip("\0") if isinstance(v, bytes) else str(v)


def main(trace, data):
    with h5py.File(trace, "r") as f:
        c = pd.DataFrame(f["contacts"][()])
        m = pd.DataFrame(f["companions"][()])
        counts = json.loads(f.attrs["counts"])
    with h5py.File(data, "r") as f:
        r = f["regions"][()]
        names = {int(code): text(n) for code, n in zip(r["code"], r["name"])}
    for df in (c, m):
        for k in ("channel", "code"):
            df[k] = df[k].map(text)
    print("== trace: persons per hop (close contacts chain through household, cafe, lodging, flight, rail)")
    for hop, n in c.groupby("hop").size().items():
        label = {0: "cases", 1: "close contacts", 2: "contacts of close contacts"}.get(int(hop), "")
        print(f"   hop {int(hop)}  {n:>9,}  {label}")
    print(f"   companions {len(m):>6,}  (lbs/grid, around the cases)")
    hops = c.groupby("hop").size()
    if hops.get(1, 0):  # the frontier's shape: Hunan traced 38,368 of 16,840 close contacts'
        print(f"   hop 2 / hop 1: {hops.get(2, 0) / hops[1]:.1f} (Hunan 2.3)")
    print("== by channel (who was met where)")
    both = pd.concat([c[c["hop"] > 0]["channel"], m["channel"]]).value_counts()
    for ch, n in both.items():
        print(f"   {ch:<10} {n:>9,}")
    print("== by code")
    codes = pd.concat([c["code"], m["code"]]).value_counts()
    for code, n in codes.items():
        print(f"   {code:<10} {n:>9,}")
    for k in ("red", "yellow", "companion"):
        want = int(codes.get(k, 0)) if k != "companion" else len(m)
        if counts.get(k) != want:
            print(f"!! counts attribute says {k} {counts.get(k)}, tables say {want}", file=sys.stderr)
            return 1
    print("== five jurisdictions with most people to reach (dispatch at 03:00 the day before as_of)")
    j = pd.concat([c["jurisdiction"], m["jurisdiction"]]).value_counts().head(5)
    for code, n in j.items():
        name = names.get(int(code), "unassigned" if int(code) == 0 else "?")
        print(f"   {int(code):012d}  {name}  {n:>9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
