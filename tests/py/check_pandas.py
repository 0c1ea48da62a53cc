#!/usr/bin/env python3
"""check_pandas.py - a planner's pandas reads the outputs as README "Reading the outputs
with pandas" says: the function `frame` taken from the README itself, run on /regions (a
dataset), /contacts (a trace) and /testing (a breakdown with `flagged`), gives str text
columns equal to the province's names, and every text column is stored as UTF-8.

usage: check_pandas.py README.md DATA.h5 TRACE.h5 BREAKDOWN.h5
"""
import re
import sys

import h5py
import numpy as np


def readme_frame(readme):
    """The README's `frame`, exactly as written there (the test fails if it goes)."""
    text = open(readme, encoding="utf-8").read()
    sec = text.split("### Reading the outputs with pandas", 1)
    assert len(sec) == 2, "README lacks 'Reading the outputs with pandas'"
    code = re.search(r"```python\n(.*?)```", sec[1], re.S).group(1)
    fn = "".join(l + "\n" for l in code.splitlines() if l.startswith(("import", "def", "    ")))
    env = {}
    exec(fn, env)
    return env["frame"]


def utf8_columns(f, name):
    """Every text column of table `name` is UTF-8 in the file (what HDF5 readers rely on)."""
    dt = f[name].dtype
    for col in dt.names:
        base = dt.fields[col][0]
        if base.kind == "S":
            info = h5py.check_string_dtype(base)
            assert info is not None and info.encoding == "utf-8", f"/{name}.{col} is not stored as UTF-8"


def main():
    readme, data, trace, bd = sys.argv[1:5]
    frame = readme_frame(readme)
    d, t, b = h5py.File(data, "r"), h5py.File(trace, "r"), h5py.File(bd, "r")
    for f, name in ((d, "regions"), (t, "contacts"), (b, "testing"), (b, "targets")):
        utf8_columns(f, name)
    regions = frame(d["regions"])
    contacts = frame(t["contacts"])
    testing = frame(b["testing"])
    for nm, df in (("regions", regions), ("contacts", contacts), ("testing", testing)):
        assert len(df), f"/{nm} is empty"
        for col in df.columns:
            if df[col].dtype == object:
                bad = [v for v in df[col] if not isinstance(v, str)]
                assert not bad, f"/{nm}.{col}: {type(bad[0]).__name__} values, not str"
    names = dict(zip(regions["code"], regions["name"]))
    # Names known of the synthetic province, compared as str.
    assert names[430000000000] == "湖南省" and names[430100000000] == "长沙市", "province/city names"
    assert names.get(430102000000) == "芙蓉区", "芙蓉区 not read back as str"
    # /testing: each community with its county, code and name, the names those of /regions.
    assert {"county", "county_name"} <= set(testing.columns), "/testing lacks county, county_name"
    known = testing[testing["community"] != 0]
    assert len(known), "/testing has no known community"
    for r in known.itertuples():
        assert r.county == r.community // 10**6 * 10**6, (r.community, r.county)
        assert r.community_name == names[r.community], (r.community, r.community_name)
        assert r.county_name == names[r.county], (r.county, r.county_name)
        assert r.county_name.endswith(("区", "县", "市")), r.county_name
    # /contacts: codes and channels as str a planner compares with "red", not b"red".
    assert set(contacts["code"]) <= {"red", "yellow"} and (contacts["code"] == "red").any()
    assert np.issubdtype(contacts["hop"].dtype, np.integer)
    print(f"pandas: /regions {len(regions)}, /contacts {len(contacts)}, /testing {len(testing)} rows, "
          f"text as str; e.g. {known.iloc[0].county_name} {known.iloc[0].community_name}")


if __name__ == "__main__":
    main()
