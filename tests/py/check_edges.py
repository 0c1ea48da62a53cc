#!/usr/bin/python3
"""check_edges.py - compare a trace result with the hand-computed expectations of make_edges.py.

    check_edges.py OUTDIR RESULTDIR [NAME]

OUTDIR holds expected.json (make_edges.py); RESULTDIR holds contacts.csv and
companions.csv as tests/ref/trace_ref.py writes them (and counts.json, checked
when present). NAME is the config the result came from: edges (default) or
edges_or. Prints every mismatch; exit 1 on any.
"""
import calendar
import csv
import datetime
import json
import os
import sys

FIELDS = ["hop", "exposure", "source_pid", "channel", "place", "code", "jurisdiction", "residence", "age",
          "sector"]
INT_FIELDS = {"hop", "exposure", "source_pid", "place", "jurisdiction", "residence", "age"}


def epoch(local):
    fmt = "%Y-%m-%dT%H:%M:%S" if local.count(":") == 2 else "%Y-%m-%dT%H:%M"
    return calendar.timegm(datetime.datetime.strptime(local, fmt).timetuple()) - 8 * 3600


def local(t):
    return datetime.datetime.utcfromtimestamp(t + 8 * 3600).strftime("%Y-%m-%dT%H:%M:%S")


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for r in rows:
        out[r["pid"]] = {k: (int(v) if k in INT_FIELDS else v) for k, v in r.items() if k != "pid"}
    return [r["pid"] for r in rows], out


def main(outdir, resultdir, name):
    exp = json.load(open(os.path.join(outdir, "expected.json")))
    labels = exp["labels"]
    want_all = exp["results"][name]
    bad = []

    def who(pid):
        return f"{labels.get(pid, '?')} ({pid})"

    for table in ("contacts", "companions"):
        order, got = read_csv(os.path.join(resultdir, table + ".csv"))
        if order != sorted(order, key=int):
            bad.append(f"{table}: not sorted by pid")
        want = want_all[table]
        for pid in sorted(set(want) - set(got), key=int):
            bad.append(f"{table}: missing {who(pid)}: expected {want[pid]['note']}")
        for pid in sorted(set(got) - set(want), key=int):
            g = got[pid]
            src = labels.get(str(g.get("source_pid")), g.get("source_pid"))
            bad.append(f"{table}: unexpected {who(pid)}: hop {g.get('hop', '-')} via {src} "
                       f"{g['channel']} at {local(g['exposure'])}")
        for pid in sorted(set(want) & set(got), key=int):
            w, g = dict(want[pid]), got[pid]
            w["exposure"] = epoch(w["exposure"])
            for k in FIELDS:
                if k == "hop" and table == "companions":
                    continue
                if w[k] != g[k]:
                    gv, wv = (local(g[k]), local(w[k])) if k == "exposure" else (g[k], w[k])
                    if k == "source_pid":
                        gv, wv = who(str(g[k])), who(str(w[k]))
                    bad.append(f"{table}: {who(pid)} {k}: got {gv!r}, expected {wv!r} ({w['note']})")
    counts_path = os.path.join(resultdir, "counts.json")
    if os.path.exists(counts_path):
        got_counts = json.load(open(counts_path))
        for k, v in want_all["counts"].items():
            if got_counts.get(k) != v:
                bad.append(f"counts.json: {k} = {got_counts.get(k)}, expected {v}")
    for b in bad:
        print("MISMATCH", b)
    n = len(want_all["contacts"]) + len(want_all["companions"])
    print(f"check_edges {name}: {n} expected rows, {len(bad)} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: check_edges.py OUTDIR RESULTDIR [edges|edges_or]")
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "edges"))
