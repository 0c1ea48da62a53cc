#!/usr/bin/env python3
"""ledger.py - a campaign's ledger as h5py/numpy read it, whether one file or kept in parts.

A ledger of fewer than `ledger_parts_from` persons is one HDF5 file holding /persons and
/events. A larger one keeps them in part files beside it (LEDGER.partNNNN, listed in the
ledger's /parts): a base, then deltas holding the persons each later batch changed or added;
a person's latest row wins. persons() and events() give the current tables either way.

    python3 tools/ledger.py LEDGER OUT.h5   # a one-file copy (persons, events and the small tables)
"""
import os
import sys

import h5py
import numpy as np


def part_paths(path):
    """The part files of a ledger, in order ([] for a ledger in one file)."""
    with h5py.File(path, "r") as f:
        if "parts" not in f:
            return []
        return [f"{path}.part{int(b):04d}" for b in f["parts"]["batch"]]


def _table(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


def _concat(tables):
    """Rows of several parts as one array, its columns in the file's order, packed (no gaps,
    so two ledgers' tables compare byte for byte)."""
    rows = np.concatenate(tables)
    dt = tables[0].dtype
    out = np.zeros(len(rows), dtype=np.dtype([(n, dt.fields[n][0]) for n in dt.names]))
    for n in dt.names:
        out[n] = rows[n]
    return out


def persons(path):
    """/persons as the batches left it: sorted by pid, one row per person."""
    parts = part_paths(path)
    if not parts:
        return _concat([_table(path, "persons")])
    tables = [_table(p, "persons") for p in parts]
    rows = _concat(tables)
    seq = np.arange(len(rows))
    order = np.lexsort((seq, rows["pid"]))  # by pid, then in the order written
    rows = rows[order]
    last = np.ones(len(rows), dtype=bool)
    last[:-1] = rows["pid"][1:] != rows["pid"][:-1]  # a pid's last row wins
    return rows[last]


def events(path):
    """/events: every feedback event applied, sorted by (pid, at, batch, line)."""
    parts = part_paths(path)
    if not parts:
        return _concat([_table(path, "events")])
    tables = [_table(p, "events") for p in parts]
    ev = _concat(tables)
    return ev[np.lexsort((ev["line"], ev["batch"], ev["at"], ev["pid"]))]


def export(path, out):
    """A one-file copy of the ledger at `out` (owner-only: it holds identities)."""
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    with h5py.File(path, "r") as f, h5py.File(out, "w") as g:
        g["persons"], g["events"] = persons(path), events(path)
        for name in ("batches", "measures", "yield"):
            if name in f:
                g[name] = f[name][()]
        for k, v in f.attrs.items():
            g.attrs[k] = v


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    export(sys.argv[1], sys.argv[2])
