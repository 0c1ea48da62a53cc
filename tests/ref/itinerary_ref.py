#!/usr/bin/python3
"""itinerary_ref.py - the reference implementation of `paicha itinerary`, by brute force.

    itinerary_ref.py CONFIG.yaml OUTDIR

Reads the itinerary config (data, cases with key and lookback, or trace; as_of,
merge_gap), the dataset file (h5py) and writes OUTDIR/itinerary.csv and
OUTDIR/same_trip.csv, byte for byte what `paicha itinerary` must write (README,
"Published itineraries"; SPEC "Itineraries"):

  * the cases: cases.csv read by trace_ref.py's load_cases (rule 1: one case per
    person, the hull of its rows' windows); a case's onset and line are the
    earliest of the rows naming it; with `trace:`, the hop-0 rows of its
    /contacts, window [exposure, the trace's as_of], in row order;
  * ordinals 1, 2, ... by (onset, line), or (exposure, row) for a trace;
  * a visit: a stay of a case on cafe, lodging, flight or rail, cut to the
    case's window, kept when something is left; then, per case in time order,
    a visit at the same channel, place and carriage as the one before it that
    starts at most merge_gap after that one ends is folded into it;
  * the same-trip table: at each place (channel, place, carriage) the visits
    of all cases, joined when two overlap by a positive length, directly or
    through others (connected components of the overlap graph, found by
    comparing every pair), one row per component with its distinct cases.

For small data: every pair of visits at a place is compared.
"""
import csv
import os
import sys

import h5py
import yaml

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "py"))
import siphash  # noqa: E402
import trace_ref as R  # noqa: E402

PUBLIC = {1: ("网吧", "cafe"), 2: ("酒店", "lodging"), 3: ("航班", "flight"), 4: ("列车", "rail")}
RAIL = 4


def fmt(t):
    """Local 'YYYY-MM-DDTHH:MM', ':SS' when not zero (as paicha writes times)."""
    d = R.datetime.datetime.fromtimestamp(t + R.UTC_OFFSET, R.datetime.timezone.utc)
    s = d.strftime("%Y-%m-%dT%H:%M")
    return s + (f":{d.second:02d}" if d.second else "")


def field(s):
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\r\n') else s


def cases_of_csv(cfg, f, as_of):
    key = siphash.load_key(cfg["key"])
    ids, st = f["identities"][()], f["stays"]["pid"][()]
    identity_pids = set(ids["pid"].tolist())
    phone_owner = {p.decode(): pid for pid, p in zip(ids["pid"].tolist(), ids["phone"].tolist()) if p}
    lookback = R.parse_duration(cfg.get("lookback", "2d"), "lookback")
    cases, unmatched = R.load_cases(cfg["cases"], key, identity_pids, phone_owner, set(st.tolist()), as_of,
                                    lookback, int(f.attrs["window_start"]))
    bad = {u[0] for u in unmatched}
    first = {}  # pid -> (onset, line): the earliest of the traced rows naming it
    with open(cfg["cases"], newline="", encoding="utf-8-sig") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            if line in bad:
                continue
            subj, phone = row["subject"].strip(), (row.get("phone") or "").strip()
            kind = (row.get("subject_type") or "").strip().lower() or ("id_card" if len(subj) == 18 else "phone")
            names = []
            for kd, s in ((kind, subj), ("phone", phone)):
                if not s:
                    continue
                if kd == "phone":
                    ph = R.phone_of(s)
                    names.append(phone_owner.get(ph) or siphash.pid_of_phone(key, ph) if ph else None)
                else:
                    names.append(R.document(key, kd, s))
            onset = R.parse_time(row["onset"].strip(), "onset")
            for pid in names:
                if pid in cases:
                    first[pid] = min(first.get(pid, (onset, line)), (onset, line))
    return [(first[p][0], first[p][1], p, w0, w1) for p, (w0, w1, _) in cases.items()]


def cases_of_trace(path):
    with h5py.File(path, "r") as t:
        c, as_of = t["contacts"][()], int(t.attrs["as_of"])
    return [(int(r["exposure"]), i, int(r["pid"]), int(r["exposure"]), as_of)
            for i, r in enumerate(c) if r["hop"] == 0]


def main(cfg_path, outdir):
    cfg = yaml.load(open(cfg_path), Loader=R._Loader)
    gap = R.parse_duration(cfg.get("merge_gap", "1h"), "merge_gap")
    with h5py.File(cfg["data"], "r") as f:
        as_of = R.parse_time(cfg["as_of"], "as_of") if "as_of" in cfg else int(f.attrs["as_of"])
        cases = cases_of_trace(cfg["trace"]) if "trace" in cfg else cases_of_csv(cfg, f, as_of)
        S = f["stays"][()]
        names = {int(p["id"]): p["name"].decode().rstrip("\0") for p in f["places"][()]}
        regions = {int(r["code"]): r["name"].decode().rstrip("\0") for r in f["regions"][()]}
    cases.sort()
    visits = []
    for o, (_, _, pid, w0, w1) in enumerate(cases, start=1):
        mine = []
        for s in S[S["pid"] == pid]:
            ch = int(s["channel"])
            a, b = max(int(s["start"]), w0), min(int(s["end"]), w1)
            if ch in PUBLIC and b > a:
                mine.append([o, a, b, ch, int(s["place"]), int(s["carriage"]) if ch == RAIL else 0,
                             int(s["region"]), 1])
        mine.sort(key=lambda v: (v[1], v[2], v[3], v[4], v[5]))
        for v in mine:
            last = visits[-1] if visits and visits[-1][0] == o else None
            if last and last[3:6] == v[3:6] and v[1] - last[2] <= gap:
                last[2], last[7] = max(last[2], v[2]), last[7] + 1
            else:
                visits.append(v)

    def where(place, region, ch, car, a, b):
        city, dist = (regions.get(region // 10 ** k * 10 ** k, "") if region else "" for k in (8, 6))
        return [fmt(a)[:10], fmt(a), fmt(b), PUBLIC[ch][0], PUBLIC[ch][1], field(names.get(place, "")),
                str(car) if car else "", field(city), field(dist)]

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "itinerary.csv"), "w", encoding="utf-8", newline="") as out:
        out.write("\ufeffcase,case_en,ordinal,visit,date,from,to,channel_zh,channel,place,carriage,city,"
                  "district,stays\n")
        k = 0
        for i, (o, a, b, ch, place, car, region, n) in enumerate(visits):
            k = k + 1 if i and visits[i - 1][0] == o else 1
            out.write(",".join([f"病例{o}", f"Case {o}", str(o), str(k)] + where(place, region, ch, car, a, b)
                               + [str(n)]) + "\n")
    rows = []
    for key in sorted({tuple(v[3:6]) for v in visits}):
        at = [v for v in visits if tuple(v[3:6]) == key]
        comp = list(range(len(at)))  # component labels, merged until nothing changes
        changed = True
        while changed:
            changed = False
            for i in range(len(at)):
                for j in range(len(at)):
                    if min(at[i][2], at[j][2]) > max(at[i][1], at[j][1]) and comp[i] != comp[j]:
                        comp[i] = comp[j] = min(comp[i], comp[j])
                        changed = True
        for c in sorted(set(comp)):
            vs = [v for v, k in zip(at, comp) if k == c]
            first = min(vs, key=lambda v: (v[1], v[2], v[0]))
            rows.append((min(v[1] for v in vs), key[0], key[1], key[2], max(v[2] for v in vs), first[6],
                         sorted({v[0] for v in vs})))
    rows.sort(key=lambda r: r[:4])
    with open(os.path.join(outdir, "same_trip.csv"), "w", encoding="utf-8", newline="") as out:
        out.write("\ufeffdate,from,to,channel_zh,channel,place,carriage,city,district,cases,cases_en,ncases\n")
        for a, ch, place, car, b, region, cs in rows:
            out.write(",".join(where(place, region, ch, car, a, b) + [";".join(f"病例{c}" for c in cs),
                                                                    ";".join(f"Case {c}" for c in cs),
                                                                    str(len(cs))]) + "\n")
    print(f"itinerary_ref: {len(cases)} cases, {len(visits)} visits, {len(rows)} same-trip rows")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: itinerary_ref.py CONFIG.yaml OUTDIR")
    sys.exit(main(sys.argv[1], sys.argv[2]))
