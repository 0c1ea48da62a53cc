#!/usr/bin/python3
"""check_itinerary.py - checks of `paicha itinerary`'s files.

    check_itinerary.py privacy DATA FILE...    no identity of DATA in any FILE (exit 1 naming
                                               the kind, never the value, when one is)
    check_itinerary.py sample DATA KIND        one identity of DATA of that kind, for a positive
                                               control (kinds: id, phone, pid, pidhex, household,
                                               cell, grid)
    check_itinerary.py structure CSV TRIPS     the files' shape: BOM, header, ordinals, channels
                                               published only, visits merged, each visit in one
                                               same-trip row that names its case
    check_itinerary.py edges JSON CSV TRIPS    the rows of make_itinerary_edges.py, by hand
    check_itinerary.py subset CSV CSV2         every (case, channel, place, from) of CSV is in CSV2
    check_itinerary.py h5 H5 CSV TRIPS         the HDF5 output holds the CSVs' rows

Identities of DATA: the ID numbers (and other documents) and phones of /identities, the
pids of /persons and /stays (decimal, hexadecimal with and without leading zeros), the
household ids of /persons, and the ids (decimal, hexadecimal) and names of every cell (lbs)
and grid place of /places. A file is split into tokens (runs of letters and digits) and an
identity is found when it is a token (names: when they occur anywhere); identifiers shorter
than 5 characters are not looked for: they cannot be told from a time, a date or an ordinal.
"""
import csv
import io
import json
import re
import sys

BOM = "\ufeff"
PUBLIC = {"cafe": "网吧", "lodging": "酒店", "flight": "航班", "rail": "列车"}
CELL, GRID = 5, 6


def identities(data):
    import h5py
    import numpy as np
    with h5py.File(data, "r") as f:
        ids, per, st, pl = f["identities"][:], f["persons"][:], f["stays"]["pid"], f["places"][:]
        pids = np.union1d(per["pid"], np.unique(st[:]))
        kinds = {
            "id": {s.decode().strip("\0") for s in ids["subject"]},
            "phone": {s.decode().strip("\0") for s in ids["phone"]},
            "pid": {str(int(p)) for p in pids},
            "pidhex": {f"{int(p):016x}" for p in pids} | {f"{int(p):x}" for p in pids},
            "household": {str(int(h)) for h in per["household"] if h},
            "cell": {str(int(x["id"])) for x in pl if x["channel"] == CELL}
            | {f"{int(x['id']):x}" for x in pl if x["channel"] == CELL},
            "grid": {str(int(x["id"])) for x in pl if x["channel"] == GRID}
            | {f"{int(x['id']):x}" for x in pl if x["channel"] == GRID},
        }
        names = {x["name"].decode().strip("\0") for x in pl if x["channel"] in (CELL, GRID)}
    for k in kinds:
        kinds[k] = {v.lower() for v in kinds[k] if len(v) >= 5}
    return kinds, {n for n in names if len(n) >= 5}


def text_of(path):
    """A file's text; an HDF5 output's every value and attribute, as text."""
    if not path.endswith(".h5"):
        return open(path, encoding="utf-8").read()
    import h5py
    out = []
    with h5py.File(path, "r") as f:
        out += [f"{k}={v}" for k, v in f.attrs.items()]
        for name in f:
            a = f[name][()]
            out += [" ".join(x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x) for x in row)
                    for row in a.tolist()]
    return "\n".join(out)


def privacy(data, files):
    kinds, names = identities(data)
    bad = 0
    for path in files:
        text = text_of(path)
        tokens = {t.lower() for t in re.findall(r"[0-9A-Za-z]+", text)}
        for k, vals in kinds.items():
            n = len(tokens & vals)
            if n:
                print(f"{path}: {n} {k} of the dataset in the file", file=sys.stderr)
                bad = 1
        n = sum(1 for nm in names if nm in text)
        if n:
            print(f"{path}: {n} cell or grid name of the dataset in the file", file=sys.stderr)
            bad = 1
    checked = sum(len(v) for v in kinds.values()) + len(names)
    print(f"privacy: {checked} identifiers of the dataset looked for in {len(files)} files")
    return bad


def sample(data, kind):
    kinds, names = identities(data)
    vals = sorted(names) if kind == "cellname" else sorted(kinds[kind])
    print(vals[len(vals) // 2])
    return 0


def read(path):
    raw = open(path, "rb").read().decode("utf-8")
    assert raw.startswith(BOM), f"{path}: no BOM"
    return list(csv.DictReader(io.StringIO(raw[1:])))


def structure(path, trips_path):
    rows, trips = read(path), read(trips_path)
    last = {}
    for r in rows:
        o = int(r["ordinal"])
        assert r["case"] == f"病例{o}" and r["case_en"] == f"Case {o}", r
        assert r["channel"] in PUBLIC and r["channel_zh"] == PUBLIC[r["channel"]], r
        assert (r["carriage"] != "") == (r["channel"] == "rail" and r["carriage"] != ""), r
        assert r["from"] < r["to"] and r["date"] == r["from"][:10], r
        prev = last.get(o)
        assert o >= max(last) if last else True, f"{path}: cases out of order at {r}"
        if prev:
            assert int(r["visit"]) == int(prev["visit"]) + 1, r
            assert (prev["from"], prev["to"]) <= (r["from"], r["to"]), f"visits out of order: {r}"
            same = (prev["channel"], prev["place"], prev["carriage"]) == (r["channel"], r["place"], r["carriage"])
            assert not (same and r["from"] <= prev["to"]), f"{path}: overlapping visits not merged: {r}"
        else:
            assert r["visit"] == "1", r
        last[o] = r
    for r in rows:  # each visit lies in one same-trip row of its place that names its case
        hit = [t for t in trips if (t["channel"], t["place"], t["carriage"]) == (r["channel"], r["place"], r["carriage"])
               and t["from"] <= r["from"] and r["to"] <= t["to"]]
        assert len(hit) == 1, f"visit {r} in {len(hit)} same-trip rows"
        assert r["case"] in hit[0]["cases"].split(";"), f"{r['case']} not named in {hit[0]}"
    for t in trips:
        cs = t["cases"].split(";")
        assert int(t["ncases"]) == len(cs) == len(set(cs)), t
        assert t["cases_en"] == ";".join(c.replace("病例", "Case ") for c in cs), t
        assert t["channel"] in PUBLIC, t
    print(f"structure: {len(rows)} visits of {len(last)} cases, {len(trips)} same-trip rows")
    return 0


def edges(js, path, trips_path):
    e = json.load(open(js))
    ordinal, rows, trips = e["ordinal"], read(path), read(trips_path)
    got = {(r["case"], r["from"], r["to"], r["channel"], r["place"], r["carriage"], r["city"], r["district"],
            r["stays"]) for r in rows}
    for lab, f, t, ch, pl, car, city, dist, stays in e["rows"]:
        want = (f"病例{ordinal[lab]}", f, t, ch, pl, car, city, dist, stays)
        assert want in got, f"missing {lab}'s row {want}"
    for lab, n in e["visits"].items():
        have = sum(1 for r in rows if r["case"] == f"病例{ordinal[lab]}")
        assert have == n, f"{lab} (病例{ordinal[lab]}): {have} visits, by hand {n}"
    assert max(int(r["ordinal"]) for r in rows) <= len(ordinal)
    for f, t, pl, labs in e["shared"]:
        cs = ";".join(f"病例{o}" for o in sorted(ordinal[l] for l in labs))
        assert any((x["from"], x["to"], x["place"], x["cases"]) == (f, t, pl, cs) for x in trips), \
            f"no same-trip row {pl} {f}-{t} of {cs}"
    print(f"edges: {len(e['rows'])} rows by hand present, visits per case as by hand")
    return 0


def subset(a, b):
    key = lambda r: (r["case"], r["channel"], r["place"], r["carriage"], r["from"])
    ka, kb = {key(r) for r in read(a)}, {key(r) for r in read(b)}
    assert ka <= kb, f"{len(ka - kb)} visits of {a} not in {b}: {sorted(ka - kb)[:3]}"
    print(f"subset: {len(ka)} visits of {a} in {b}")
    return 0


def h5(path, csv_path, trips_path):
    import h5py
    rows, trips = read(csv_path), read(trips_path)
    with h5py.File(path, "r") as f:
        it, st = f["itinerary"][()], f["same_trip"][()]
    fmt = lambda t: __import__("time").strftime("%Y-%m-%dT%H:%M", __import__("time").gmtime(int(t) + 8 * 3600))
    got = [(f"病例{r['ordinal']}", r["visit"], fmt(r["start"]), fmt(r["end"]), r["channel"].decode(),
            r["place"].decode(), r["carriage"] or "", r["stays"]) for r in it]
    want = [(r["case"], int(r["visit"]), r["from"], r["to"], r["channel"], r["place"],
             int(r["carriage"]) if r["carriage"] else "", int(r["stays"])) for r in rows]
    assert got == want, f"/itinerary differs from the CSV: {[g for g, w in zip(got, want) if g != w][:2]}"
    pairs = [(fmt(r["from"]), r["place"].decode(), f"病例{r['ordinal']}") for r in st]
    want = [(t["from"], t["place"], c) for t in trips for c in t["cases"].split(";")]
    assert pairs == want, "/same_trip differs from the same-trip CSV"
    print(f"h5: /itinerary ({len(it)} rows) and /same_trip ({len(st)}) hold the CSVs' rows")
    return 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    fn = {"privacy": lambda: privacy(args[0], args[1:]), "sample": lambda: sample(*args),
          "structure": lambda: structure(*args), "edges": lambda: edges(*args), "subset": lambda: subset(*args), "h5": lambda: h5(*args)}
    sys.exit(fn[cmd]())
