#!/usr/bin/python3
"""summary.py - a short human summary of a dataset and its breakdown, read with h5py as a planner would."""
import sys
import unicodedata

import h5py
import numpy as np
import pandas as pd


def pad(text, width):
    """Left-justify for a terminal: CJK characters take two columns."""
    cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - cols)


def main(data, breakdown):
    d, b = h5py.File(data, "r"), h5py.File(breakdown, "r")
    R = pd.DataFrame(d["regions"][()])
    R["name"] = R["name"].str.decode("utf-8")
    n = int(d["persons"].shape[0])
    cities = R[R["level"] == 2]
    print(f"\nprovince: {n:,} persons in {len(cities)} cities, {int((R['level'] == 3).sum())} counties, "
          f"{int((R['level'] == 5).sum()):,} communities (as of {d.attrs['as_of_local'].decode()})")
    C = b["population"][()]
    regions = b["population"].dims[0]["region"][()]
    by_county = pd.Series(C.sum(axis=(1, 2, 3)), index=regions)
    by_city = by_county.groupby(lambda c: c // 10**8 * 10**8).sum()
    names = dict(zip(R["code"], R["name"]))
    print("persons by city:")
    for code, cnt in by_city.sort_values(ascending=False).items():
        if code:
            print(f"   {pad(str(names.get(code, code)), 22)} {cnt:>10,}")
    T = pd.DataFrame(b["targets"][()])
    T["age_band"] = T["age_band"].str.decode("utf-8")
    T["community_name"] = T["community_name"].str.decode("utf-8")
    T["county_name"] = T["county_name"].str.decode("utf-8")
    old = T[T["age_from"] >= 60].groupby(["community", "community_name", "county_name"])["unvaccinated"].sum()
    top = old.sort_values(ascending=False).head(5)
    print(f"five communities with most unvaccinated people aged 60+ (0 doses):")
    for (code, name, county), cnt in top.items():
        print(f"   {code}  {pad(county + ' ' + name, 28)} {cnt:>6,}")
    print(f"below {int(b.attrs['required_doses'])} doses (aged 3+): {int(b.attrs['below_required']):,} persons")


if __name__ == "__main__":
    main(*sys.argv[1:])
