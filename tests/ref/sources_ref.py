#!/usr/bin/python3
"""sources_ref.py - the reference of `paicha sources`, by brute force, from SPEC ("Looking back
and across": Sources, Hotspots).

    sources_ref.py CONFIG.yaml OUTDIR

Reads the sources config, the dataset (h5py: /persons, /identities, /stays) and cases.csv
(ID-number and phone subjects) and writes, ranked as SPEC says:

    OUTDIR/common.csv      channel,place,from,to,cases,pids   (pids: ascending, space-separated)
    OUTDIR/clusters.csv    pid,cluster,size,top_exposure      (by cluster, then pid)
    OUTDIR/candidates.csv  pid,cases,exposures,first,dwell,top_exposure
    OUTDIR/hotspots.csv    kind,channel,place,region,persons,dwell   (with `flagged`)

How, plainly (not as the job does it):
  * a case's window is [onset - lookback, onset]; its stays (channels whose role is not
    off) are clipped to it; its household counts as a stay over the whole window;
  * common exposures: at each place (channel, place id) the times where any presence starts
    or ends cut the line into elementary intervals; each elementary interval has the set of
    cases present all through it; runs of adjacent intervals with at least min_cases cases
    make the maximal intervals; kept when (to - from) // 60 >= the channel's whole minutes
    (ceil(min_overlap / 60); flight and rail 0; never below 1); cases = the union;
  * ranked by cases (descending), from, channel number, place;
  * clusters: cases joined by a common exposure, or by a contact between them under the
    close channels' rules of TRACE.md (each side clipped to its own window): overlap whole
    minutes >= the channel's, flights within `rows` rows when both rows are known, grids
    with either side's total minutes there >= cumulative (`rule` and/or); numbered by size
    (descending), then their best-ranked exposure (none last), then their smallest pid;
  * candidates: every stay of a person other than the cases (household members: their
    household over the data window) at an exposure's place (rail: the same carriage, or
    the same train with a carriage unknown on either side) overlapping the exposure's
    interval by the channel's whole minutes; per person the exposures attended, the
    distinct cases of those (kept when >= min_cases), the earliest overlap start, the
    longest overlap with each exposure summed (dwell), the best-ranked exposure; ranked by
    cases, exposures (descending), first, pid;
  * hotspots: the pids of the `flagged` outputs' /contacts, /companions, /screened; their
    stays (no households) clipped to [as_of - lookback, as_of); per place and per
    community (the stay's region) the distinct persons and the sum of each person's union
    in whole minutes (x 60); kept with >= min_flagged persons; ranked by persons, dwell
    (descending), kind, place, region.
"""
import csv
import os
import sys

import h5py
import yaml

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "py"))
import siphash  # noqa: E402
from trace_ref import (CHANNELS, DEFAULT_CHANNELS, _Loader, document, parse_duration,  # noqa: E402
                       parse_time, phone_of)

FLIGHT, RAIL, GRID = 3, 4, 6


def load_config(path):
    with open(path) as f:
        raw = yaml.load(f, Loader=_Loader)
    base = os.path.dirname(os.path.abspath(path))

    def p(k):
        v = str(raw[k])
        return v if os.path.isabs(v) else os.path.join(base, v)
    cfg = {k: p(k) for k in ("data", "cases", "key")}
    cfg["as_of"] = parse_time(raw["as_of"], "as_of") if raw.get("as_of") else None
    cfg["lookback"] = parse_duration(raw.get("lookback", "14d"), "lookback")
    cfg["min_cases"] = int(raw.get("min_cases", 2))
    cfg["min_flagged"] = int(raw.get("min_flagged", 2))
    cfg["flagged"] = [str(x) if os.path.isabs(str(x)) else os.path.join(base, str(x))
                      for x in raw.get("flagged") or []]
    given = raw.get("channels") or {}
    cfg["channels"] = []
    for name in CHANNELS:
        c = dict(DEFAULT_CHANNELS[name])
        c.update(given.get(name) or {})
        cfg["channels"].append({
            "role": c["role"], "min_overlap": parse_duration(c.get("min_overlap", "0m"), name),
            "rows": int(c.get("rows", 3)), "cumulative": parse_duration(c.get("cumulative", "30h"), name),
            "or": c.get("rule", "and") == "or"})
    return cfg


def whole_minutes_needed(cfg, ch):
    m = 0 if ch in (FLIGHT, RAIL) else -(-cfg["channels"][ch]["min_overlap"] // 60)
    return max(1, m)


def load_cases(cfg, key, phone_owner, known):
    """pid -> (w0, w1) for the rows of cases.csv that name a known person (hull per person)."""
    cases = {}
    with open(cfg["cases"], newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            s = row["subject"].strip()
            if len(s) == 18:
                pid = document(key, "id_card", s)
            else:
                ph = phone_of(s)
                pid = (phone_owner.get(ph) or siphash.pid_of_phone(key, ph)) if ph else None
            if pid is None or pid not in known:
                continue
            onset = parse_time(row["onset"], "onset")
            w0, w1 = onset - cfg["lookback"], onset
            a, b = cases.get(pid, (w0, w1))
            cases[pid] = (min(a, w0), max(b, w1))
    return cases


def union_minutes(ivs):
    total, cur = 0, None
    for a, b in sorted(ivs):
        if cur and a <= cur[1]:
            cur[1] = max(cur[1], b)
        else:
            if cur:
                total += (cur[1] - cur[0]) // 60
            cur = [a, b]
    if cur:
        total += (cur[1] - cur[0]) // 60
    return total


def place_meets(ch, a, b):
    return a == b or (ch == RAIL and a & ~0xff == b & ~0xff and (not a & 0xff or not b & 0xff))


def common_exposures(cfg, pres):
    """pres: (channel, place) -> [(pid, start, end, row, cum)]."""
    out = []
    for (ch, place), ps in pres.items():
        cuts = sorted({t for _, a, b, _, _ in ps for t in (a, b)})
        runs, cur = [], None
        for a, b in zip(cuts, cuts[1:]):
            here = {pid for pid, s, e, _, _ in ps if s <= a and e >= b}
            if len(here) >= cfg["min_cases"]:
                if cur and cur[1] == a:
                    cur[1] = b
                    cur[2] |= here
                else:
                    cur = [a, b, set(here)]
                    runs.append(cur)
            else:
                cur = None
        for a, b, who in runs:
            if (b - a) // 60 >= whole_minutes_needed(cfg, ch):
                out.append((ch, place, a, b, sorted(who)))
    out.sort(key=lambda e: (-len(e[4]), e[2], e[0], e[1]))
    return out


def contact(cfg, ch, x, y):
    r = cfg["channels"][ch]
    a, b = max(x[1], y[1]), min(x[2], y[2])
    if b <= a:
        return False
    m = (b - a) // 60
    if m < 1:
        return False
    need = -(-r["min_overlap"] // 60)
    if ch == FLIGHT and x[3] and y[3] and abs(x[3] - y[3]) > r["rows"]:
        return False
    if ch == GRID:
        long_stay = max(x[4], y[4]) >= -(-r["cumulative"] // 60)
        return (m >= need or long_stay) if r["or"] else (m >= need and long_stay)
    return m >= need


def main(argv):
    cfg = load_config(argv[1])
    outdir = argv[2]
    os.makedirs(outdir, exist_ok=True)
    key = siphash.load_key(cfg["key"])
    with h5py.File(cfg["data"], "r") as f:
        ws, we = int(f.attrs["window_start"]), int(f.attrs["window_end"])
        as_of = cfg["as_of"] or int(f.attrs["as_of"])
        P, I, S = f["persons"][()], f["identities"][()], f["stays"][()]
    household = dict(zip(P["pid"].tolist(), P["household"].tolist()))
    phone_owner = {ph.decode(): pid for pid, ph in zip(I["pid"].tolist(), I["phone"].tolist()) if ph}
    stays = list(zip(S["pid"].tolist(), S["place"].tolist(), S["start"].tolist(), S["end"].tolist(),
                     S["region"].tolist(), S["channel"].tolist(), S["row"].tolist()))
    known = set(I["pid"].tolist()) | {s[0] for s in stays}
    cases = load_cases(cfg, key, phone_owner, known)
    role = [c["role"] for c in cfg["channels"]]

    grid_min = {}  # (pid, grid) -> whole minutes of the union over the data window
    by_pg = {}
    for pid, place, s, e, _, ch, _ in stays:
        if ch == GRID:
            by_pg.setdefault((pid, place), []).append((max(s, ws), min(e, we)))
    for k, ivs in by_pg.items():
        grid_min[k] = union_minutes([(a, b) for a, b in ivs if b > a])

    pres = {}
    for pid, place, s, e, _, ch, row in stays:
        if pid in cases and role[ch] != "off":
            w0, w1 = cases[pid]
            a, b = max(s, w0), min(e, w1)
            if b > a:
                pres.setdefault((ch, place), []).append((pid, a, b, row, grid_min.get((pid, place), 0)))
    for pid, (w0, w1) in cases.items():
        if household.get(pid) and role[0] != "off":
            pres.setdefault((0, household[pid]), []).append((pid, w0, w1, 0, 0))
    common = common_exposures(cfg, pres)
    with open(os.path.join(outdir, "common.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["channel", "place", "from", "to", "cases", "pids"])
        for ch, place, a, b, who in common:
            w.writerow([CHANNELS[ch], place, a, b, len(who), " ".join(map(str, who))])

    # clusters
    ids = sorted(cases)
    parent = {p: p for p in ids}

    def find(p):
        while parent[p] != p:
            p = parent[p]
        return p

    def join(a, b):
        a, b = find(a), find(b)
        parent[max(a, b)] = min(a, b)
    for e in common:
        for p in e[4][1:]:
            join(e[4][0], p)
    for (ch, place), ps in pres.items():
        if role[ch] != "close":
            continue
        for i, x in enumerate(ps):
            for y in ps[i + 1:]:
                if x[0] != y[0] and contact(cfg, ch, x, y):
                    join(x[0], y[0])
    groups = {}
    for p in ids:
        groups.setdefault(find(p), []).append(p)
    top = {}
    for k, e in enumerate(common):
        r = find(e[4][0])
        top.setdefault(r, k)
    order = sorted(groups, key=lambda r: (-len(groups[r]), top.get(r, 1 << 62), min(groups[r])))
    with open(os.path.join(outdir, "clusters.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["pid", "cluster", "size", "top_exposure"])
        for n, r in enumerate(order, start=1):
            for p in sorted(groups[r]):
                w.writerow([p, n, len(groups[r]), top.get(r, -1)])

    # candidates
    rows = [(pid, place, s, e, ch) for pid, place, s, e, _, ch, _ in stays]
    rows += [(pid, hh, ws, we, 0) for pid, hh in household.items() if hh]
    att = {}  # pid -> {exposure: (first, longest)}
    for k, (ch, place, a, b, who) in enumerate(common):
        need = whole_minutes_needed(cfg, ch)
        for pid, pl, s, e, c in rows:
            if c != ch or pid in cases or not place_meets(ch, pl, place):
                continue
            x, y = max(s, a), min(e, b)
            if y > x and (y - x) // 60 >= need:
                f0, lg = att.setdefault(pid, {}).get(k, (x, 0))
                att[pid][k] = (min(f0, x), max(lg, y - x))
    cand = []
    for pid, ex in att.items():
        who = set()
        for k in ex:
            who |= set(common[k][4])
        if len(who) >= cfg["min_cases"]:
            cand.append((pid, len(who), len(ex), min(v[0] for v in ex.values()),
                         sum(v[1] for v in ex.values()), min(ex)))
    cand.sort(key=lambda c: (-c[1], -c[2], c[3], c[0]))
    with open(os.path.join(outdir, "candidates.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["pid", "cases", "exposures", "first", "dwell", "top_exposure"])
        w.writerows(cand)

    if not cfg["flagged"]:
        return 0
    flagged = set()
    for path in cfg["flagged"]:
        with h5py.File(path, "r") as f:
            for t in ("contacts", "companions", "screened"):
                if t in f:
                    flagged |= set(f[t]["pid"][()].tolist())
    lo, hi = as_of - cfg["lookback"], as_of
    spans = {}  # (kind, key, channel, region) -> {pid: [(a, b)]}
    for pid, place, s, e, region, ch, _ in stays:
        a, b = max(s, lo), min(e, hi)
        if pid not in flagged or b <= a or ch == 0:
            continue
        spans.setdefault(("place", place, ch), {}).setdefault(pid, []).append((a, b))
        if region:
            spans.setdefault(("community", region, 0), {}).setdefault(pid, []).append((a, b))
    region_of = {}
    for pid, place, s, e, region, ch, _ in stays:
        region_of[place] = region
    hot = []
    for (kind, k, ch), who in spans.items():
        if len(who) >= cfg["min_flagged"]:
            dwell = sum(union_minutes(v) * 60 for v in who.values())
            place, region = (k, region_of[k]) if kind == "place" else (0, k)
            hot.append((kind, CHANNELS[ch] if kind == "place" else "", place, region, len(who), dwell))
    hot.sort(key=lambda h: (-h[4], -h[5], h[0], h[2], h[3]))
    with open(os.path.join(outdir, "hotspots.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["kind", "channel", "place", "region", "persons", "dwell"])
        w.writerows(hot)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
