#!/usr/bin/python3
"""golden.py - a digest of a run's outputs, to prove a change left them byte-identical.

  golden.py digest DIR            print one line per object: "file:object  sha256"
  golden.py check DIR GOLDEN      compare DIR's digest with a committed one; exit 1 and
                                  list every object that differs, is missing or is new

What is digested, for every file under DIR (sorted):
  *.h5      every dataset: its dtype, shape and raw bytes (string columns as their bytes);
            every attribute of the file and of each object, except those that change from
            run to run by nature: run_time, tool_version, ranks, slurm_job_id, slurm_nodelist.
            The file's own bytes (HDF5 layout, filters, superblock) are not compared:
            what a reader gets is.
  *.csv     the bytes.
  *.html    the bytes, with the run-dependent parts of the provenance masked (run time,
            version, ranks, wall seconds, the run records' text).
  Run records (*.run.json), the key, logs and dot-files are left out.
"""
import hashlib
import os
import re
import sys

import h5py
import numpy as np

VOLATILE_ATTRS = {"run_time", "tool_version", "ranks", "slurm_job_id", "slurm_nodelist"}


def sha(b):
    return hashlib.sha256(b).hexdigest()[:32]


def value_bytes(v, f=None):
    """An attribute's or column's bytes; object references as the names they point to."""
    if isinstance(v, h5py.Reference):
        return (f[v].name if f is not None and v else "").encode()
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    a = np.asarray(v)
    if a.dtype.names:
        return b"".join(value_bytes(a[n], f) for n in a.dtype.names)
    if a.dtype.kind == "O":
        return b"\0".join(value_bytes(x, f) for x in a.ravel())
    return a.dtype.str.encode() + repr(a.shape).encode() + a.tobytes()


def dataset_digest(d):
    """Columns by name and type, in the file's order, then each column's values: the
    padding between fields is not data, and a layout change that keeps every value is
    not a change a reader sees."""
    h = hashlib.sha256()
    dt = d.dtype
    names = dt.names or ()
    h.update(repr(([(n, dt.fields[n][0].str) for n in names] or dt.str, d.shape)).encode())
    n = d.shape[0] if d.shape else 0
    step = 1 << 20
    chunks = [d[()]] if d.shape == () or n == 0 else (d[i:i + step] for i in range(0, n, step))
    cols = [hashlib.sha256() for _ in names]
    for a in chunks:
        if names:
            for c, nm in zip(cols, names):
                c.update(value_bytes(np.ascontiguousarray(a[nm])))
        else:
            h.update(value_bytes(a))
    for c in cols:
        h.update(c.digest())
    return h.hexdigest()[:32]


def h5_lines(path, rel):
    out = []
    with h5py.File(path, "r") as f:
        def attrs(obj, name):
            for k in sorted(obj.attrs):
                if k in VOLATILE_ATTRS and name == "/":
                    continue
                v = value_bytes(obj.attrs[k], f)
                if k == "config":
                    v = CONFIG_PATH.sub(rb"\1", v)
                out.append(f"{rel}:{name}@{k}  {sha(v)}")

        attrs(f, "/")
        names = []
        f.visit(names.append)
        for n in sorted(names):
            obj = f[n]
            if isinstance(obj, h5py.Dataset):
                out.append(f"{rel}:/{n}  {dataset_digest(obj)}")
            attrs(obj, "/" + n)
    return out


# The report's run-dependent parts: rows of the provenance table, the run records shown
# whole, and the config's first line (the absolute path of the config file).
VOLATILE_ROWS = rb"ranks|run at \(UTC\)|wall time|peak memory per rank|paicha version"
CONFIG_PATH = re.compile(rb"(# effective config of )[^\n]*/")


def html_digest(path):
    b = open(path, "rb").read()
    b = re.sub(rb"(<tr><td>(?:" + VOLATILE_ROWS + rb")</td>)(<td>.*?</td>)*</tr>",
               rb"\1MASKED</tr>", b)
    b = re.sub(rb"(<summary>[^<]*run record.*?<pre>).*?(</pre>)", rb"\1MASKED\2", b, flags=re.S)
    b = CONFIG_PATH.sub(rb"\1", b)
    return sha(b)


def digest(top):
    lines = []
    for dirpath, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name.endswith((".run.json", ".key", ".log")):
                continue
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, top)
            if name.endswith(".h5"):
                lines += h5_lines(p, rel)
            elif name.endswith(".csv"):
                lines.append(f"{rel}  {sha(open(p, 'rb').read())}")
            elif name.endswith(".html"):
                lines.append(f"{rel}  {html_digest(p)}")
    return lines


def main(argv):
    if len(argv) == 3 and argv[1] == "digest":
        print("\n".join(digest(argv[2])))
        return 0
    if len(argv) == 4 and argv[1] == "check":
        got = dict(l.rsplit("  ", 1) for l in digest(argv[2]))
        want = dict(l.rsplit("  ", 1) for l in open(argv[3]).read().splitlines()
                    if l and not l.startswith("#"))
        bad = 0
        for k in sorted(set(got) | set(want)):
            if k not in got:
                print(f"missing: {k}"); bad += 1
            elif k not in want:
                print(f"new:     {k}"); bad += 1
            elif got[k] != want[k]:
                print(f"differs: {k}"); bad += 1
        print(f"golden: {len(want)} objects, {len(want) - bad if bad <= len(want) else 0} identical,"
              f" {bad} differ, missing or new")
        return 1 if bad else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
