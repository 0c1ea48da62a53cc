#!/usr/bin/python3
"""check_rejects.py - an ingest of make_bad_inputs.py's files (in DIR, with DIR/expected.json) is
exactly what the generator said.

  check_rejects.py check FILE.h5 DIR [--key KEYFILE]
  check_rejects.py identities DIR        the ID numbers and phones in the inputs, one a line
  check_rejects.py failing DIR RATIO     per file: would its rejects fail max_reject_ratio?

check verifies:

  /rejects       exactly the expected (file, line, code), in (file, line) order; reason the code's
                 number; source the file's name; raw the line's first 256 bytes as in the file
                 (no line end, no BOM); truncated iff the line is longer than 256 bytes
  inputs         (root attribute) per file: rows, rejected and the count of each reason
  --key: /regions, /persons + /identities (registered and visitors, flags), /stays (every field,
                 pids computed here from the key), /places, and the counts in the root attributes
"""
import argparse
import collections
import datetime
import json
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import siphash  # noqa: E402

CODES = ["ok", "line_long", "encoding", "quote", "fields", "id_format", "id_check", "id_birth",
         "birth_mismatch", "sex_mismatch", "phone", "region", "channel", "time", "order",
         "window", "seat", "field", "duplicate", "conflict"]
CHANNELS = {"cafe": 1, "lodging": 2, "flight": 3, "rail": 4, "lbs": 5, "grid": 6}
PLACE_KEY = (0x706169636861706c).to_bytes(8, "little") + (0x6163652069647321).to_bytes(8, "little")
TZ = datetime.timezone(datetime.timedelta(hours=8))

bad = 0


def fail(msg):
    global bad
    bad += 1
    if bad <= 40:
        print("MISMATCH:", msg)


def file_lines(path):
    data = open(path, "rb").read()
    if data.startswith(b"\xEF\xBB\xBF"):
        data = data[3:]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [l[:-1] if l.endswith(b"\r") else l for l in lines]


def epoch(t):
    return int(datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=TZ).timestamp())


def place_id(channel, name, carriage):
    ch = CHANNELS[channel]
    b = name.encode()
    assert len(b) <= 256
    h = siphash.siphash24(PLACE_KEY, bytes([ch]) + b)
    if ch == 4:  # rail: the train in 48 bits, then the carriage (0 unknown)
        return ch << 56 | (h & ((1 << 48) - 1)) << 8 | carriage
    return ch << 56 | (h & ((1 << 56) - 1))


def s(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def check_rejects(f, exp, indir):
    rj = f["rejects"][()]
    want = [(fi["index"], line, code) for fi in exp["files"] for line, code in fi["rejects"]]
    want.sort()
    got = [(int(r["file"]), int(r["line"]), s(r["code"])) for r in rj]
    if got != want:
        gs, ws = set(got), set(want)
        for x in sorted(ws - gs):
            fail(f"reject expected, not found: file {x[0]} line {x[1]} {x[2]}")
        for x in sorted(gs - ws):
            fail(f"reject found, not expected: file {x[0]} line {x[1]} {x[2]}")
        if gs == ws:
            fail("rejects not in (file, line) order or repeated")
    lines = {fi["index"]: file_lines(os.path.join(indir, fi["name"])) for fi in exp["files"]}
    names = {fi["index"]: fi["name"] for fi in exp["files"]}
    for i, r in enumerate(rj):
        fi, ln, code = int(r["file"]), int(r["line"]), s(r["code"])
        where = f"{names.get(fi, fi)}:{ln} ({code})"
        if code in CODES and int(r["reason"]) != CODES.index(code):
            fail(f"{where}: reason {int(r['reason'])} is not the number of {code}")
        if s(r["source"]) != names.get(fi):
            fail(f"{where}: source {s(r['source'])!r}")
        if fi not in lines or not 1 <= ln <= len(lines[fi]):
            fail(f"{where}: no such line")
            continue
        line = lines[fi][ln - 1]
        raw = rj[i:i + 1]["raw"].tobytes()  # the 256 bytes as stored (NUL-padded)
        if raw != line[:256].ljust(256, b"\0"):
            fail(f"{where}: raw {raw.rstrip(bytes(1))[:80]!r}... is not the line {line[:80]!r}...")
        if int(r["truncated"]) != (len(line) > 256):
            fail(f"{where}: truncated = {int(r['truncated'])} for a line of {len(line)} bytes")
    inputs = json.loads(f.attrs["inputs"])
    for fi in exp["files"]:
        got_in = inputs[fi["index"]] if fi["index"] < len(inputs) else {}
        cnt = collections.Counter(code for _, code in fi["rejects"])
        if got_in.get("rows") != fi["rows"]:
            fail(f"inputs[{fi['index']}].rows = {got_in.get('rows')}, expected {fi['rows']}")
        if got_in.get("rejected") != len(fi["rejects"]):
            fail(f"inputs[{fi['index']}].rejected = {got_in.get('rejected')}, expected {len(fi['rejects'])}")
        if got_in.get("reasons") != dict(cnt):
            fail(f"inputs[{fi['index']}].reasons = {got_in.get('reasons')}, expected {dict(cnt)}")
        if fi["name"].startswith("stays"):
            for k in ("clipped", "seat_unknown"):
                if got_in.get(k) != fi[k]:
                    fail(f"inputs[{fi['index']}].{k} = {got_in.get(k)}, expected {fi[k]}")
        if got_in.get("lines") != fi["lines"]:
            fail(f"inputs[{fi['index']}].lines = {got_in.get('lines')}, expected {fi['lines']}")
    return len(rj)


def check_data(f, exp, key):
    def pid(who):
        return siphash.pid_of_idnum(key, who["id"]) if "id" in who else siphash.pid_of_phone(key, who["phone"])

    # regions
    rg = f["regions"][()]
    if [int(c) for c in rg["code"]] != exp["regions"]:
        fail(f"/regions codes {[int(c) for c in rg['code']]} != {exp['regions']}")
    for r in rg:
        want = exp["region_names"].get(str(int(r["code"])))
        if want is not None and s(r["name"]) != want:
            fail(f"/regions {int(r['code'])}: name {s(r['name'])!r}, expected {want!r}")
    # persons and identities
    pe, ide = f["persons"][()], f["identities"][()]
    want = {}
    for p in exp["persons"]:
        k = pid(p["pid_of"])
        if k in want:
            fail(f"expected persons share pid {k}")
        want[k] = p
    got_pids = [int(x) for x in pe["pid"]]
    if got_pids != sorted(got_pids) or [int(x) for x in ide["pid"]] != got_pids:
        fail("/persons and /identities are not both sorted by pid, row for row")
    if set(got_pids) != set(want) or len(got_pids) != len(want):
        fail(f"/persons: {len(got_pids)} rows, expected {len(want)}; "
             f"missing {len(set(want) - set(got_pids))}, unexpected {len(set(got_pids) - set(want))}")
        for k in set(want) - set(got_pids):
            fail(f"/persons: missing {'visitor' if want[k]['flags'] else 'person'} (flags {want[k]['flags']})")
    for r, i in zip(pe, ide):
        p = want.get(int(r["pid"]))
        if p is None:
            continue
        tag = f"pid {int(r['pid']):#x} ({'visitor' if p['flags'] else 'registered'})"
        for fld, kind in (("household", "H"), ("employer", "E")):
            if int(r[fld]) != siphash.opaque_id(key, kind, p[fld]):
                fail(f"/persons {tag}: {fld} = {int(r[fld]):#x}, expected the id of {p[fld]!r}")
        for fld in ("region", "birth_date", "sex", "doses", "flags"):
            if int(r[fld]) != p[fld]:
                fail(f"/persons {tag}: {fld} = {int(r[fld])}, expected {p[fld]}")
        if s(r["sector"]) != p["sector"]:
            fail(f"/persons {tag}: sector {s(r['sector'])!r}, expected {p['sector']!r}")
        if s(i["subject"]) != p["subject"] or s(i["phone"]) != p["phone"] or int(i["flags"]) != p["flags"]:
            fail(f"/identities {tag}: subject/phone/flags differ from the expected row")
    c = exp["counts"]
    for attr, n in (("persons", c["persons"]), ("visitors", c["visitors"]), ("stays", c["stays"])):
        if int(f.attrs[attr]) != n:
            fail(f"root attribute {attr} = {int(f.attrs[attr])}, expected {n}")
    nvis = int(np.count_nonzero(pe["flags"] == 1))
    if nvis != c["visitors"]:
        fail(f"{nvis} persons flagged visitors, expected {c['visitors']}")
    # stays: every field of every kept row
    st = f["stays"][()]
    want_st, places = [], {}
    for x in exp["stays"]:
        pl = place_id(x["channel"], x["place"], x["carriage"])
        want_st.append((pid(x["who"]), pl, epoch(x["start"]), epoch(x["end"]), x["region"],
                        CHANNELS[x["channel"]], x["carriage"], x["row"]))
        o = places.get(pl)
        places[pl] = (min(o[0], x["region"]) if o else x["region"], CHANNELS[x["channel"]], x["place"])
    got_st = [tuple(int(r[k]) for k in ("pid", "place", "start", "end", "region", "channel", "carriage", "row"))
              for r in st]
    order = sorted(got_st, key=lambda t: (t[0], t[2], t[5], t[1]))
    if got_st != order:
        fail("/stays not sorted by (pid, start, channel, place)")
    if sorted(got_st) != sorted(want_st):
        gs, ws = collections.Counter(got_st), collections.Counter(want_st)
        byrow = {w: x for w, x in zip(want_st, exp["stays"])}
        for w in ws - gs:
            x = byrow[w]
            fail(f"/stays: missing the stay of file {x['file']} line {x['line']} ({x['channel']} {x['place']})")
        for g in gs - ws:
            fail(f"/stays: unexpected row {g}")
    kept_lines = {(x["file"], x["line"]) for x in exp["stays"]}
    for (kf, kl), (df, dl) in exp["dup_pairs"]:
        if kf >= 2 and (kf, kl) not in kept_lines:
            fail(f"generator: the kept stay {kf}:{kl} of a duplicate pair is not expected kept")
    # places
    pc = f["places"][()]
    got_pl = {int(r["id"]): (int(r["region"]), int(r["channel"]), s(r["name"])) for r in pc}
    if got_pl != places:
        fail(f"/places: {len(got_pl)} rows, expected {len(places)}: "
             f"{sorted(set(got_pl.items()) ^ set(places.items()))[:4]}")
    return len(got_pids), len(got_st)


def identities(indir):
    """Every ID-number-like (17 digits, check character optional) and phone-like (10 or 11 digits
    starting with 1) token of the inputs, good or bad: none may reach a log."""
    import re
    exp = json.load(open(os.path.join(indir, "expected.json")))
    toks = set()
    for fi in exp["files"]:
        data = open(os.path.join(indir, fi["name"]), "rb").read()
        toks |= set(re.findall(rb"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx]?(?![0-9A-Za-z])", data))
        toks |= set(re.findall(rb"(?<![0-9A-Za-z])1[0-9]{9,10}(?![0-9A-Za-z])", data))
    toks |= {t.upper() for t in toks}  # a lowercase x is kept as X: neither may reach a log
    for p in exp["persons"]:
        assert p["subject"].encode() in toks and (not p["phone"] or p["phone"].encode() in toks), p
    return sorted(t.decode() for t in toks)


def failing(indir, ratio):
    """Files whose rejects other than duplicates exceed ratio of their rows."""
    exp = json.load(open(os.path.join(indir, "expected.json")))
    out = []
    for fi in exp["files"]:
        nbad = sum(1 for _, code in fi["rejects"] if code != "duplicate")
        out.append((fi["name"], nbad / fi["rows"] > ratio))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="FILE.h5 DIR [--key KEY]: the file holds what expected.json says")
    c.add_argument("h5")
    c.add_argument("dir")
    c.add_argument("--key", help="also check the dataset (without: /rejects and `inputs` only)")
    i = sub.add_parser("identities", help="DIR: print the ID numbers and phones of the inputs")
    i.add_argument("dir")
    f = sub.add_parser("failing", help="DIR RATIO: print 'fail NAME' or 'pass NAME' per file")
    f.add_argument("dir")
    f.add_argument("ratio", type=float)
    a = ap.parse_args()
    if a.cmd == "identities":
        print("\n".join(identities(a.dir)))
        return
    if a.cmd == "failing":
        for name, fails in failing(a.dir, a.ratio):
            print("fail" if fails else "pass", name)
        return
    exp = json.load(open(os.path.join(a.dir, "expected.json")))
    h = h5py.File(a.h5, "r")
    nr = check_rejects(h, exp, a.dir)
    msg = f"{a.h5}: {nr} rejects"
    if a.key:
        np_, ns = check_data(h, exp, siphash.load_key(a.key))
        msg += f", {np_} persons, {ns} stays"
    if bad:
        print(f"{msg}: {bad} mismatches")
        sys.exit(1)
    print(msg + ": as expected")


if __name__ == "__main__":
    main()
