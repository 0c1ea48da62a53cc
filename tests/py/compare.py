#!/usr/bin/python3
"""compare.py - the named datasets (and groups' datasets, recursively) are identical across files."""
import argparse
import sys

import h5py
import numpy as np


def items(f, name):
    obj = f[name]
    if isinstance(obj, h5py.Dataset):
        return {name: obj}
    out = {}
    obj.visititems(lambda k, v: out.__setitem__(f"{name}/{k}", v) if isinstance(v, h5py.Dataset) else None)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--datasets", nargs="+", required=True)
    a = ap.parse_args()
    ref = h5py.File(a.files[0], "r")
    bad = 0
    for other in a.files[1:]:
        g = h5py.File(other, "r")
        for name in a.datasets:
            for path, d in items(ref, name).items():
                if path not in g:
                    print(f"{other}: missing {path}")
                    bad += 1
                    continue
                x, y = d[()], g[path][()]
                if x.dtype != y.dtype or x.shape != y.shape:
                    print(f"{other}:{path}: dtype/shape {y.dtype}{y.shape} != {x.dtype}{x.shape}")
                    bad += 1
                elif x.tobytes() != y.tobytes():
                    diff = np.nonzero(x != y)[0] if x.ndim == 1 else "n/a"
                    print(f"{other}:{path}: contents differ (first rows {diff[:5]})")
                    bad += 1
                else:
                    print(f"{other}:{path}: identical ({x.shape[0] if x.ndim else 1} rows)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
