#!/usr/bin/python3
"""compare_trace.py - compare paicha trace's output file with the reference's CSVs.

    compare_trace.py TRACE.h5 REFDIR [--counts]

TRACE.h5 holds /contacts and /companions (compound datasets as in docs/TRACE.md,
"Outputs of trace"); REFDIR holds contacts.csv and companions.csv written by
tests/ref/trace_ref.py. Both tables must hold the same set of pids and, per
pid, identical hop (contacts only), exposure, source_pid, channel (name),
place, code, jurisdiction, residence, age and sector. A string longer than its
fixed-size field (TRACE.md gives `channel` 8 bytes, but "household" has 9)
counts as equal when the field holds exactly its first bytes; a NOTE says so. The h5 tables must be
sorted by pid without repeats. With --counts, the root attribute `counts`
(JSON) must also agree with REFDIR/counts.json on every key of the latter.
Prints the first 20 differences and a summary; exit 1 on any difference.
"""
import argparse
import collections
import csv
import json
import os
import sys

import h5py
import numpy as np

FIELDS = ["hop", "exposure", "source_pid", "channel", "place", "code", "jurisdiction", "residence", "age", "sector",
          "root_status"]
INT_FIELDS = {"pid", "hop", "exposure", "source_pid", "place", "jurisdiction", "residence", "age"}
SHOW = 20


def as_text(v):
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v).rstrip(b"\0").decode("utf-8")
    return str(v)


def read_h5(f, table, fields, problems, widths):
    """pid -> {field: value} from one compound dataset; notes order/repeat problems."""
    if table not in f:
        problems.append(f"{table}: no such dataset in the trace file")
        return {}
    d = f[table][()]
    missing = [k for k in ["pid"] + fields if k not in (d.dtype.names or ())]
    if missing:
        problems.append(f"{table}: fields missing: {', '.join(missing)}")
        return {}
    for k in fields:  # the width of each fixed-size string field, to tell truncation
        if d.dtype[k].kind == "S":
            widths[(table, k)] = d.dtype[k].itemsize
    pids = d["pid"].astype(np.uint64)
    if len(pids) > 1 and not np.all(pids[1:] > pids[:-1]):
        problems.append(f"{table}: not sorted by pid or a pid repeats")
    out = {}
    for row in d:
        rec = {}
        for k in fields:
            v = row[k]
            rec[k] = int(v) if k in INT_FIELDS else as_text(v)
        out[int(row["pid"])] = rec
    return out


def read_csv(path, fields):
    out = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            out[int(r["pid"])] = {k: (int(r[k]) if k in INT_FIELDS else r[k]) for k in fields}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trace_h5")
    ap.add_argument("refdir")
    ap.add_argument("--counts", action="store_true", help="also compare the root attribute counts")
    a = ap.parse_args()

    diffs, problems, widths = [], [], {}
    truncated = collections.Counter()
    per_field = collections.Counter()
    with h5py.File(a.trace_h5, "r") as f:
        for table in ("contacts", "companions"):
            fields = FIELDS if table == "contacts" else [k for k in FIELDS if k != "hop"]
            got = read_h5(f, table, fields, problems, widths)
            want = read_csv(os.path.join(a.refdir, table + ".csv"), fields)
            for pid in sorted(set(want) - set(got)):
                w = want[pid]
                diffs.append(f"{table}: pid {pid} missing from the trace file "
                             f"(reference: {w.get('hop', '')} {w['channel']} from {w['source_pid']} at {w['exposure']})")
                per_field["missing pid"] += 1
            for pid in sorted(set(got) - set(want)):
                g = got[pid]
                diffs.append(f"{table}: pid {pid} not in the reference "
                             f"(trace: {g.get('hop', '')} {g['channel']} from {g['source_pid']} at {g['exposure']})")
                per_field["extra pid"] += 1
            for pid in sorted(set(got) & set(want)):
                for k in fields:
                    g, w = got[pid][k], want[pid][k]
                    width = widths.get((table, k))
                    if g != w and width is not None and len(w.encode()) > width and g == w.encode()[:width].decode():
                        # a name longer than the fixed-size field ('household' in a
                        # string 8), cut by the field: the same value, noted below
                        truncated[(table, k, w, g)] += 1
                        continue
                    if g != w:
                        diffs.append(f"{table}: pid {pid} {k}: trace {g!r}, reference {w!r}")
                        per_field[f"{table}.{k}"] += 1
            print(f"{table}: trace {len(got)} rows, reference {len(want)} rows")
        um = os.path.join(a.refdir, "unmatched.csv")
        if os.path.exists(um):  # the case rows not traced: by line and what they named the case by
            with open(um, newline="") as fu:
                want_um = sorted((int(r["line"]), r["subject_type"]) for r in csv.DictReader(fu))
            got_um = sorted((int(r["line"]), as_text(r["subject_type"])) for r in f["unmatched"][()]) \
                if "unmatched" in f else None
            if got_um != want_um:
                problems.append(f"/unmatched {got_um}, reference {want_um}")
        if a.counts:
            want_counts = json.load(open(os.path.join(a.refdir, "counts.json")))
            raw = f.attrs.get("counts")
            if raw is None:
                problems.append("root attribute counts is missing")
            else:
                got_counts = json.loads(as_text(raw))
                for k, v in want_counts.items():
                    if got_counts.get(k) != v:
                        problems.append(f"counts[{k!r}]: trace {got_counts.get(k)!r}, reference {v!r}")

    for (table, k, w, g), n in sorted(truncated.items()):
        print(f"NOTE {table}.{k}: {w!r} does not fit the field (string {widths[(table, k)]}), "
              f"stored as {g!r} in {n} rows; counted as equal")
    for p in problems:
        print("PROBLEM", p)
    for d in diffs[:SHOW]:
        print("DIFF", d)
    if len(diffs) > SHOW:
        print(f"... and {len(diffs) - SHOW} more differences")
    if per_field:
        print("differences by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(per_field.items())))
    print(f"compare_trace: {len(diffs)} differences, {len(problems)} problems")
    sys.exit(1 if diffs or problems else 0)


if __name__ == "__main__":
    main()
