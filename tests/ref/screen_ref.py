#!/usr/bin/python3
"""screen_ref.py - the reference implementation of `paicha screen`, by brute force.

    screen_ref.py CONFIG.yaml OUT.json

Reads the screen config and the dataset file (h5py) and, for every person and
every area, enumerates MINUTES: the minute [m, m + 60) (m a multiple of 60)
counts when it lies inside one of the person's stays that match the area,
inside the period [from, to) and, when the area has `hours`, inside that day's
local window. The counted minutes of (person, area) are a Python set, so
overlapping stays are counted once. For minute-aligned stays, periods and
windows this is exactly the contract's rule (the union of the matching stays,
cut to the period and the windows, in whole minutes); it is for small data.

    dwell    = 60 * number of counted minutes
    flagged  when dwell >= min_dwell and dwell >= 60
    exposure = the first counted minute
    reached_at (t_A) = the end of the k-th counted minute in time order, k = the
               minutes min_dwell asks for (at least one): the instant the running
               dwell reached min_dwell

An area with `then: {regions | places, within, min_dwell}` (SPEC "Screening
across areas and origins") flags only those of the above whose minutes in the
then area (its stays matched as an area's; no period, no daily window) lying
inside [t_A, t_A + within) number at least then's min_dwell (and one):
then_dwell = 60 * that number, then_at = the end of the k-th of them. Without
`then` both are 0. An area with `id_origin: [prefixes]` considers only persons
whose /identities row is a resident ID card (id_type 0) and whose subject (the
ID number) starts with one of the prefixes: a visitor known by phone, or a
person registered by passport, has no ID number and is never kept there.

A stay matches an area when its region (12-digit code) lies under one of the
area's prefixes (prefix p of k digits: region // 10^(12-k) == p; region 0 never
matches), or when its place is listed: a decimal number is a place id as is, any
other string a place name, which stands for the id `pc_place_key` gives the name
on every channel but rail (cafe, lodging, flight, lbs, grid; household is never
a stay).

Jurisdiction (SPEC "Dispatch"): among all the person's stays with
start <= at < end the longest (end - start) wins, ties by channel number, then
place id; its region, when non-zero, else the residence (/persons.region), else
0; cut to dispatch.level. dispatch.at defaults to 03:00 local of the day before
as_of; as_of to the dataset's attribute. Age: whole years at as_of's local date
(-1 when the birth date is unknown or after as_of). Code: red when the class
`screened` is listed under codes.red, else yellow.

OUT.json: {"as_of", "dispatch_at", "rows": [{pid, subject, exposure, dwell, area,
code, jurisdiction, residence, age, sector, reached_at, then_at, then_dwell}, ...] sorted by pid then area order,
"counts": {"screened", "rows", "areas": {name: rows}, "red", "yellow"}}.
Times are int64 seconds since the epoch (UTC).
"""
import calendar
import datetime
import json
import os
import re
import sys

import h5py
import yaml

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "py"))
import siphash  # noqa: E402

UTC_OFFSET = 8 * 3600  # local time is UTC+8, no daylight saving
CHANNELS = ["household", "cafe", "lodging", "flight", "rail", "lbs", "grid"]
RAIL = CHANNELS.index("rail")
NAMED_CHANNELS = [c for c in range(1, len(CHANNELS)) if c != RAIL]  # a name: every channel but rail
LEVEL_DIGITS = {"province": 2, "city": 4, "county": 6, "township": 9, "community": 12}
KEYS = {"data", "output", "as_of", "areas", "codes", "dispatch", "breakdown", "quiet",
        "shuffle_round_mb", "output_mode", "io"}
AREA_KEYS = {"name", "regions", "places", "from", "to", "hours", "min_dwell", "then", "id_origin"}
THEN_KEYS = {"regions", "places", "within", "min_dwell"}
# pc_place_key's fixed public key (kernels/pc_hash.c): k0, k1 little-endian.
PLACE_KEY = (0x706169636861706c).to_bytes(8, "little") + (0x6163652069647321).to_bytes(8, "little")


class ConfigError(Exception):
    pass


def parse_time(text, what):
    """'YYYY-MM-DDTHH:MM[:SS]' local time (UTC+8) -> int epoch seconds."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?", str(text).strip())
    if not m:
        raise ConfigError(f"{what}: {text!r} is not a time YYYY-MM-DDTHH:MM[:SS]")
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return calendar.timegm(datetime.datetime(y, mo, d, h, mi, s).timetuple()) - UTC_OFFSET


def parse_duration(text, what):
    """'15m', '2h', '14d', '30s', '0m' -> seconds."""
    m = re.fullmatch(r"(\d+)([smhd])", str(text).strip())
    if not m:
        raise ConfigError(f"{what}: {text!r} is not a duration like 15m, 2h, 14d")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def parse_hours(text, what):
    """'HH:MM-HH:MM' -> (start, end) seconds after local midnight; end may be 24:00."""
    m = re.fullmatch(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})", str(text).strip())
    if not m:
        raise ConfigError(f"{what}: {text!r} is not HH:MM-HH:MM")
    h0, m0, h1, m1 = (int(g) for g in m.groups())
    if h0 > 23 or m0 > 59 or m1 > 59 or h1 > 24 or (h1 == 24 and m1 != 0):
        raise ConfigError(f"{what}: {text!r} is not a window of the day")
    return h0 * 3600 + m0 * 60, h1 * 3600 + m1 * 60


def local_date(t):
    return datetime.datetime.fromtimestamp(t + UTC_OFFSET, datetime.timezone.utc).date()


def place_key(channel, name):
    """pc_place_key of a place name on a channel other than rail."""
    data = name.encode("utf-8")
    assert len(data) <= 256, "long names are hashed twice by pc_place_key: not needed here"
    h = siphash.siphash24(PLACE_KEY, bytes([channel]) + data)
    return channel << 56 | (h & ((1 << 56) - 1))


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves times and booleans as strings (times are parsed as local time)."""


_Loader.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_config(path):
    with open(path) as f:
        raw = yaml.load(f, Loader=_Loader)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: not a map")
    for k in raw:
        if k not in KEYS:
            raise ConfigError(f"{path}: unknown key {k!r}")
    if "data" not in raw or "areas" not in raw:
        raise ConfigError(f"{path}: data and areas are required")
    cfg = {"data": str(raw["data"])}
    cfg["as_of"] = parse_time(raw["as_of"], "as_of") if raw.get("as_of") is not None else None
    areas = []
    for i, a in enumerate(raw["areas"]):
        what = f"areas[{i}]"
        for k in a:
            if k not in AREA_KEYS:
                raise ConfigError(f"{what}: unknown key {k!r}")
        name = str(a["name"])
        if not 0 < len(name.encode("utf-8")) <= 31:
            raise ConfigError(f"{what}.name: {name!r} is not 1-31 bytes")
        prefixes, places = where(a, what)
        then = None
        if a.get("then") is not None:
            t = a["then"]
            for k in t:
                if k not in THEN_KEYS:
                    raise ConfigError(f"{what}.then: unknown key {k!r}")
            then_prefixes, then_places = where(t, f"{what}.then")
            then = {"prefixes": then_prefixes, "places": then_places,
                    "within": parse_duration(t["within"], f"{what}.then.within"),
                    "min_dwell": parse_duration(t["min_dwell"], f"{what}.then.min_dwell")}
        origins = None
        if a.get("id_origin") is not None:
            origins = [str(p) for p in a["id_origin"]]
            if not origins or not all(re.fullmatch(r"\d{1,17}", p) for p in origins):
                raise ConfigError(f"{what}.id_origin: {origins!r} is not a list of 1-17 digits")
        hours = parse_hours(a["hours"], f"{what}.hours") if a.get("hours") is not None else None
        areas.append({"name": name, "prefixes": prefixes, "places": places,
                      "from": parse_time(a["from"], f"{what}.from"), "to": parse_time(a["to"], f"{what}.to"),
                      "hours": hours, "min_dwell": parse_duration(a["min_dwell"], f"{what}.min_dwell"),
                      "then": then, "origins": origins})
    cfg["areas"] = areas
    codes = raw.get("codes") or {}
    cfg["code"] = "red" if "screened" in [str(c) for c in (codes.get("red") or [])] else "yellow"
    dispatch = raw.get("dispatch") or {}
    cfg["dispatch_level"] = str(dispatch.get("level", "city"))
    if cfg["dispatch_level"] not in LEVEL_DIGITS:
        raise ConfigError(f"dispatch.level: {cfg['dispatch_level']!r}")
    cfg["dispatch_at"] = parse_time(dispatch["at"], "dispatch.at") if dispatch.get("at") is not None else None
    return cfg


def where(a, what):
    """An area's (or a then's) regions as (prefix, divisor) and places as a set of ids."""
    prefixes = []
    for p in a.get("regions") or []:
        p = str(p)
        if not re.fullmatch(r"\d{1,12}", p):
            raise ConfigError(f"{what}.regions: {p!r} is not 1-12 digits")
        prefixes.append((int(p), 10 ** (12 - len(p))))
    places = set()
    for p in a.get("places") or []:
        p = str(p)
        if re.fullmatch(r"\d+", p):
            places.add(int(p))
        else:
            places.update(place_key(c, p) for c in NAMED_CHANNELS)
    if not prefixes and not places:
        raise ConfigError(f"{what}: give regions or places")
    return prefixes, places


def matches(area, region, place):
    if place in area["places"]:
        return True
    return region != 0 and any(region // div == p for p, div in area["prefixes"])


def in_window(area, m):
    """Does the minute [m, m + 60) lie inside the area's daily window? (bounds are whole minutes)"""
    if area["hours"] is None:
        return True
    s, e = area["hours"]
    tod = (m + UTC_OFFSET) % 86400
    return s <= tod < e if s < e else (tod >= s or tod < e)


def minutes_of(area, stays):
    """The set of counted minutes of one person in one area."""
    got = set()
    for start, end, region, place, _channel in stays:
        if not matches(area, region, place):
            continue
        lo, hi = max(start, area["from"]), min(end, area["to"])
        m = -(-lo // 60) * 60               # first minute starting at or after lo
        while m + 60 <= hi:                 # the whole minute inside the stay and the period
            if in_window(area, m):
                got.add(m)
            m += 60
    return got


def minutes_then(then, stays, t_a):
    """The set of minutes in the then area inside [t_a, t_a + within)."""
    got = set()
    for start, end, region, place, _channel in stays:
        if not matches(then, region, place):
            continue
        lo, hi = max(start, t_a), min(end, t_a + then["within"])
        m = -(-lo // 60) * 60
        while m + 60 <= hi:
            got.add(m)
            m += 60
    return got


def reached(got, min_dwell):
    """The end of the minute with which the counted minutes reached min_dwell (at least one)."""
    k = max(1, -(-min_dwell // 60))
    return sorted(got)[k - 1] + 60


def screen_one(area, stays):
    """(exposure, dwell, reached_at, then_at, then_dwell) of a flagged person, else None."""
    got = minutes_of(area, stays)
    dwell = 60 * len(got)
    if dwell < area["min_dwell"] or dwell < 60:
        return None
    t_a = reached(got, area["min_dwell"])
    then = area["then"]
    if then is None:
        return min(got), dwell, t_a, 0, 0
    after = minutes_then(then, stays, t_a)
    then_dwell = 60 * len(after)
    if then_dwell < then["min_dwell"] or then_dwell < 60:
        return None
    return min(got), dwell, t_a, reached(after, then["min_dwell"]), then_dwell


def origin_kept(area, id_type, subject):
    """id_origin: only a resident ID number (id_type 0) under one of the prefixes."""
    if area["origins"] is None:
        return True
    return id_type == 0 and any(subject.startswith(p) for p in area["origins"])


def jurisdiction(stays, residence, at, digits):
    covering = [s for s in stays if s[0] <= at < s[1]]
    region = 0
    if covering:
        best = min(covering, key=lambda s: (-(s[1] - s[0]), s[4], s[3]))  # longest, channel, place
        region = best[2]
    if region == 0:
        region = residence
    cut = 10 ** (12 - digits)
    return region // cut * cut


def age_of(birth, as_of):
    if birth <= 0:
        return -1
    d = local_date(as_of)
    today = d.year * 10000 + d.month * 100 + d.day
    if birth > today:
        return -1
    return d.year - birth // 10000 - ((d.month, d.day) < (birth // 100 % 100, birth % 100))


def text(b):
    return b.rstrip(b"\0").decode("utf-8") if isinstance(b, bytes) else str(b)


def main(argv):
    if len(argv) != 3:
        print("usage: screen_ref.py CONFIG.yaml OUT.json", file=sys.stderr)
        return 2
    try:
        cfg = load_config(argv[1])
    except (ConfigError, OSError, yaml.YAMLError, ValueError, TypeError, KeyError) as e:
        print(f"screen_ref: config error: {e}", file=sys.stderr)
        return 2
    with h5py.File(cfg["data"], "r") as f:
        as_of = cfg["as_of"] if cfg["as_of"] is not None else int(f.attrs["as_of"])
        P, I, S = f["persons"][()], f["identities"][()], f["stays"][()]
    at = cfg["dispatch_at"]
    if at is None:  # 03:00 local of the day before as_of
        at = parse_time((local_date(as_of) - datetime.timedelta(days=1)).isoformat() + "T03:00", "at")
    persons = {int(p): (int(r), int(b), text(s)) for p, r, b, s in
               zip(P["pid"], P["region"], P["birth_date"], P["sector"])}
    subjects = {int(p): text(s) for p, s in zip(I["pid"], I["subject"])}
    id_types = {int(p): int(t) for p, t in zip(I["pid"], I["id_type"])}
    stays_of = {}
    for row in zip(S["pid"].tolist(), S["start"].tolist(), S["end"].tolist(), S["region"].tolist(),
                   S["place"].tolist(), S["channel"].tolist()):
        stays_of.setdefault(row[0], []).append(row[1:])
    digits = LEVEL_DIGITS[cfg["dispatch_level"]]

    rows = []
    for pid in sorted(stays_of):
        stays = stays_of[pid]
        for area in cfg["areas"]:
            if not origin_kept(area, id_types.get(pid, -1), subjects.get(pid, "")):
                continue
            hit = screen_one(area, stays)
            if hit is None:
                continue
            exposure, dwell, t_a, then_at, then_dwell = hit
            residence, birth, sector = persons.get(pid, (0, 0, ""))
            rows.append({"pid": pid, "subject": subjects.get(pid, ""), "exposure": exposure, "dwell": dwell,
                         "area": area["name"], "code": cfg["code"],
                         "jurisdiction": jurisdiction(stays, residence, at, digits),
                         "residence": residence, "age": age_of(birth, as_of), "sector": sector,
                         "reached_at": t_a, "then_at": then_at, "then_dwell": then_dwell})
    flagged = {r["pid"] for r in rows}
    counts = {"screened": len(flagged), "rows": len(rows),
              "areas": {a["name"]: sum(r["area"] == a["name"] for r in rows) for a in cfg["areas"]},
              "red": len(flagged) if cfg["code"] == "red" else 0,
              "yellow": len(flagged) if cfg["code"] == "yellow" else 0}
    with open(argv[2], "w") as f:
        json.dump({"as_of": as_of, "dispatch_at": at, "rows": rows, "counts": counts}, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
