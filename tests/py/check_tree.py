#!/usr/bin/python3
"""check_tree.py - every flagged person of a trace walks back through `source` to a case.

    check_tree.py TRACE.h5 [--companions-of 0,1]

Checks, as a planner reading the file with h5py/pandas would rely on:
  * /contacts and /companions are sorted by pid, no pid in both;
  * a case (hop 0) has channel "case", no source; everyone else has a source
    that is in /contacts at exactly one hop less (companions: at a hop listed
    in --companions-of), whose subject equals the row's `source` field;
  * exposures respect time: a contact's exposure is not before its source's;
  * following source links from any row reaches a case in at most hop steps.
Exit 1 with the first problems printed.
"""
import argparse
import sys

import h5py
import pandas as pd


def text(v):
    return v.decode("utf-8").rstrip("\0") if isinstance(v, bytes) else str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--companions-of", default="0")
    a = ap.parse_args()
    comp_hops = {int(x) for x in a.companions_of.split(",") if x != ""}
    problems = []
    with h5py.File(a.trace, "r") as f:
        c = pd.DataFrame(f["contacts"][()])
        m = pd.DataFrame(f["companions"][()])
    for df in (c, m):
        for k in ("subject", "source", "channel"):
            df[k] = df[k].map(text)
    if not c["pid"].is_monotonic_increasing or c["pid"].duplicated().any():
        problems.append("/contacts is not sorted by pid without repeats")
    if not m["pid"].is_monotonic_increasing or m["pid"].duplicated().any():
        problems.append("/companions is not sorted by pid without repeats")
    if set(c["pid"]) & set(m["pid"]):
        problems.append("a person is in both /contacts and /companions")
    by_pid = c.set_index("pid")
    cases = c[c["hop"] == 0]
    if len(cases) == 0:
        problems.append("no cases in /contacts")
    if (cases["channel"] != "case").any() or (cases["source_pid"] != 0).any() or (cases["source"] != "").any():
        problems.append("a case has a source or a channel other than 'case'")

    def check_link(row, want_hops, what):
        src = row.source_pid
        if src not in by_pid.index:
            problems.append(f"{what} pid {row.pid}: source {src} is not in /contacts")
            return
        s = by_pid.loc[src]
        if int(s["hop"]) not in want_hops:
            problems.append(f"{what} pid {row.pid}: source at hop {int(s['hop'])}, expected {sorted(want_hops)}")
        if s["subject"] != row.source:
            problems.append(f"{what} pid {row.pid}: source field does not name the source's subject")
        if row.exposure < s["exposure"]:
            problems.append(f"{what} pid {row.pid}: exposure before its source's window")

    for row in c[c["hop"] > 0].itertuples():
        check_link(row, {int(row.hop) - 1}, "contact")
    for row in m.itertuples():
        check_link(row, comp_hops, "companion")
    # Walk every contact back to a case.
    src_of = dict(zip(c["pid"], c["source_pid"]))
    hop_of = dict(zip(c["pid"], c["hop"]))
    for pid in c["pid"]:
        p, steps = pid, 0
        while hop_of.get(p, 0) > 0 and steps <= 64:
            p = src_of.get(p)
            steps += 1
            if p is None:
                break
        if p is None or hop_of.get(p) != 0:
            problems.append(f"pid {pid} does not walk back to a case")
            break
    for p in problems[:20]:
        print("check_tree:", p, file=sys.stderr)
    print(f"check_tree: {len(c)} contacts ({len(cases)} cases), {len(m)} companions, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
