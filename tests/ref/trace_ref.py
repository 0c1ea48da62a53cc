#!/usr/bin/python3
"""trace_ref.py - the reference implementation of `paicha trace`, by brute force.

    trace_ref.py CONFIG.yaml OUTDIR

Reads the trace config, the dataset file (h5py) and cases.csv, applies rules
1-12 of docs/TRACE.md ("The rules, as implemented") as plainly as possible and
writes:

    OUTDIR/contacts.csv    pid,hop,exposure,source_pid,channel,place,code,jurisdiction,residence,age,sector
    OUTDIR/companions.csv  the same without hop
    OUTDIR/counts.json     persons per class (hop0, hop1, ..., companion) and per code

both CSVs sorted by pid; times are int64 seconds since the epoch (UTC). This is
the yardstick the C/MPI trace is checked against: clarity over speed. Stays are
grouped by place, and within a place every stay of a source is compared with
every stay of every other person there.

Choices where TRACE.md left room:
  * a duration is compared in seconds against whole minutes: m whole minutes
    qualify for min_overlap D when m * 60 >= D (so D = 90s needs 2 minutes);
    likewise cum(p, g) (whole minutes) against `cumulative`;
  * every hit needs at least one whole minute of overlap (rule 3), grid too;
  * `rows` only applies to flights and `cumulative`/`rule` only to grids
    (rules 4 and 5), whatever channel they are written under;
  * a phone subject in cases.csv that a registered person owns (/identities
    phone) is that person; any other phone is a visitor, pid = hash("P"+phone);
  * dispatch: the covering stay's region when non-zero, else the residence,
    else 0;
  * a person has exactly one class: their hop if in /contacts, else companion.
"""
import calendar
import csv
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

# Channel numbers, also the tie-break order of rules 8 and 11.
CHANNELS = ["household", "cafe", "lodging", "flight", "rail", "lbs", "grid"]
CHANNEL_NUMBER = {name: i for i, name in enumerate(CHANNELS)}
HOUSEHOLD = 0
FLIGHT = CHANNEL_NUMBER["flight"]
GRID = CHANNEL_NUMBER["grid"]
RAIL = CHANNEL_NUMBER["rail"]

# Default channel settings (TRACE.md, "trace config").
DEFAULT_CHANNELS = {
    "household": {"role": "close"},
    "cafe": {"role": "close", "min_overlap": "15m"},
    "lodging": {"role": "close", "min_overlap": "1h"},
    "flight": {"role": "close", "min_overlap": "0m", "rows": 3},
    "rail": {"role": "close", "min_overlap": "0m"},
    "lbs": {"role": "companion", "min_overlap": "10m"},
    "grid": {"role": "companion", "min_overlap": "10m", "cumulative": "30h", "rule": "and"},
}
CHANNEL_KEYS = {"role", "min_overlap", "rows", "cumulative", "rule"}
ROLES = {"close", "companion", "off"}
USED_KEYS = {"data", "cases", "key", "as_of", "hops", "lookback", "channels",
             "companions_of", "codes", "dispatch"}
IGNORED_KEYS = {"index", "output", "quiet", "breakdown", "io", "shuffle_round_mb", "output_mode"}
# Digits a region code keeps at each dispatch level (12-digit codes).
LEVEL_DIGITS = {"province": 2, "city": 4, "county": 6, "township": 9, "community": 12}


class ConfigError(Exception):
    pass


class DataError(Exception):
    pass


# ---------------------------------------------------------------- parsing

def parse_time(text, what):
    """'YYYY-MM-DDTHH:MM[:SS]' local time (UTC+8) -> int epoch seconds."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?", str(text).strip())
    if not m:
        raise ConfigError(f"{what}: {text!r} is not a time YYYY-MM-DDTHH:MM[:SS]")
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        local = datetime.datetime(y, mo, d, h, mi, s)
    except ValueError as e:
        raise ConfigError(f"{what}: {text!r}: {e}")
    return calendar.timegm(local.timetuple()) - UTC_OFFSET


def parse_duration(text, what):
    """'15m', '2h', '14d', '30s', '0m' -> seconds."""
    m = re.fullmatch(r"(\d+)([smhd])", str(text).strip())
    if not m:
        raise ConfigError(f"{what}: {text!r} is not a duration like 15m, 2h, 14d")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def local_date(t):
    """The local (UTC+8) calendar date of epoch seconds t."""
    return datetime.datetime.fromtimestamp(t + UTC_OFFSET, datetime.timezone.utc).date()


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves times and YAML 1.1 booleans as strings: we parse times
    ourselves as local time, and `role: off` is the word off, not false."""


_Loader.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_config(path):
    """The effective config as a dict of plain values (times and durations in seconds)."""
    with open(path) as f:
        raw = yaml.load(f, Loader=_Loader)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: not a map")
    for k in raw:
        if k not in USED_KEYS | IGNORED_KEYS:
            raise ConfigError(f"{path}: unknown key {k!r}")
    for k in ("data", "cases", "key"):
        if k not in raw:
            raise ConfigError(f"{path}: missing required key {k!r}")
    cfg = {"data": str(raw["data"]), "cases": str(raw["cases"]), "key": str(raw["key"])}
    cfg["as_of"] = parse_time(raw["as_of"], "as_of") if raw.get("as_of") is not None else None
    cfg["hops"] = int(raw.get("hops", 2))
    if cfg["hops"] < 0:
        raise ConfigError("hops must be >= 0")
    cfg["lookback"] = parse_duration(raw.get("lookback", "2d"), "lookback")

    # channels: each given map overrides the defaults key by key.
    given = raw.get("channels") or {}
    channels = {}
    for name in given:
        if name not in DEFAULT_CHANNELS:
            raise ConfigError(f"channels: unknown channel {name!r}")
    for name in CHANNELS:
        c = dict(DEFAULT_CHANNELS[name])
        over = given.get(name) or {}
        for k in over:
            if k not in CHANNEL_KEYS:
                raise ConfigError(f"channels.{name}: unknown key {k!r}")
        c.update(over)
        if c["role"] not in ROLES:
            raise ConfigError(f"channels.{name}.role: {c['role']!r} is not close, companion or off")
        channels[name] = {
            "role": c["role"],
            "min_overlap": parse_duration(c.get("min_overlap", "0m"), f"channels.{name}.min_overlap"),
            "rows": int(c.get("rows", 3)),
            "cumulative": parse_duration(c.get("cumulative", "30h"), f"channels.{name}.cumulative"),
            "rule": str(c.get("rule", "and")),
        }
        if channels[name]["rule"] not in ("and", "or"):
            raise ConfigError(f"channels.{name}.rule: {c['rule']!r} is not and/or")
    cfg["channels"] = channels

    cfg["companions_of"] = [int(h) for h in raw.get("companions_of", [0])]

    codes = raw.get("codes") or {"red": ["hop0", "hop1"], "yellow": ["hop2", "companion"]}
    for code, classes in codes.items():
        if code not in ("red", "yellow"):
            raise ConfigError(f"codes: unknown code {code!r} (red or yellow)")
        for c in classes:
            if not re.fullmatch(r"hop\d+|companion", str(c)):
                raise ConfigError(f"codes.{code}: unknown class {c!r}")
    cfg["codes"] = {"red": [str(c) for c in codes.get("red", [])],
                    "yellow": [str(c) for c in codes.get("yellow", [])]}

    dispatch = raw.get("dispatch") or {}
    for k in dispatch:
        if k not in ("level", "at"):
            raise ConfigError(f"dispatch: unknown key {k!r}")
    cfg["dispatch_level"] = str(dispatch.get("level", "city"))
    if cfg["dispatch_level"] not in LEVEL_DIGITS:
        raise ConfigError(f"dispatch.level: {cfg['dispatch_level']!r}")
    cfg["dispatch_at"] = parse_time(dispatch["at"], "dispatch.at") if dispatch.get("at") is not None else None
    return cfg


# ---------------------------------------------------------------- data

class Stay:
    __slots__ = ("pid", "place", "start", "end", "region", "channel", "carriage", "row")

    def __init__(self, pid, place, start, end, region, channel, carriage, row):
        self.pid, self.place, self.start, self.end = pid, place, start, end
        self.region, self.channel, self.carriage, self.row = region, channel, carriage, row


def load_dataset(path):
    with h5py.File(path, "r") as f:
        attrs = {k: int(f.attrs[k]) for k in ("as_of", "window_start", "window_end")}
        P = f["persons"][()]
        I = f["identities"][()]
        S = f["stays"][()]
    persons = {}  # pid -> (household, region, birth_date, sector)
    for pid, hh, region, bd, sector in zip(P["pid"].tolist(), P["household"].tolist(), P["region"].tolist(),
                                           P["birth_date"].tolist(), P["sector"].tolist()):
        persons[pid] = (hh, region, bd, sector.decode("ascii"))
    identity_pids = set(I["pid"].tolist())
    phone_owner = {}
    for pid, phone in zip(I["pid"].tolist(), I["phone"].tolist()):
        if phone:
            phone_owner[phone.decode("ascii")] = pid
    stays = [Stay(*row) for row in zip(S["pid"].tolist(), S["place"].tolist(), S["start"].tolist(),
                                       S["end"].tolist(), S["region"].tolist(), S["channel"].tolist(),
                                       S["carriage"].tolist(), S["row"].tolist())]
    return attrs, persons, identity_pids, phone_owner, stays


GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def valid_id_number(s):
    if len(s) != 18 or not s[:17].isdigit():
        return False
    return "10X98765432"[sum(int(c) * w for c, w in zip(s[:17], GB11643_WEIGHTS)) % 11] == s[17]


DOC_TYPES = ["id_card", "passport", "hk_macao", "taiwan", "foreign_pr", "other", "phone"]
STATUSES = ["confirmed", "asymptomatic", "suspected"]  # most certain first


def phone_of(s):
    """SPEC: +86, 0086, 86 (also in parentheses), blanks and dashes go; 11 digits 1[3-9]..."""
    t = s.replace(" ", "").replace("\t", "").replace("-", "")
    for pre in ("(+86)", "(0086)", "(86)", "+86", "0086"):
        if t.startswith(pre) and len(t) == len(pre) + 11:
            t = t[len(pre):]
            break
    else:
        if len(t) == 13 and t.startswith("86"):
            t = t[2:]
    return t if len(t) == 11 and t.isdigit() and t[0] == "1" and t[1] in "3456789" else None


def document(key, kind, s):
    """pid of document s of type kind (SPEC), or None when s is not one."""
    t = s.strip(" \t").upper()
    if kind == "id_card" or (kind == "foreign_pr" and len(t) == 18 and t.startswith("9")):
        if not valid_id_number(t):
            return None
        if kind == "id_card":
            return siphash.pid_of_idnum(key, t)
    elif not (5 <= len(t) <= 20 and all(c.isdigit() or "A" <= c <= "Z" for c in t)):
        return None
    return siphash._nonzero(siphash.siphash24(key, b"D" + kind.encode() + b":" + t.encode()))


def load_cases(path, key, identity_pids, phone_owner, stay_pids, as_of, lookback, window_start):
    """Rule 1 and SPEC "Cases": each case's pid -> (w0, w1, status); a person named by
    several rows (or by subject and phone) is one case: the hull of the windows, the most
    certain status. Rows that cannot be traced -> unmatched [(line, subject_type, why)]."""
    cases, unmatched = {}, []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "subject" not in reader.fieldnames or "onset" not in reader.fieldnames:
            raise DataError(f"{path}: header must be subject,onset,isolated,last_negative")
        for line, row in enumerate(reader, start=2):
            v = {k: (row.get(k) or "").strip() for k in
                 ("subject", "onset", "isolated", "last_negative", "subject_type", "phone", "status", "reported")}
            kind = v["subject_type"].lower() or ("id_card" if len(v["subject"]) == 18 else "phone")
            if kind not in DOC_TYPES:
                unmatched.append((line, "", "type"))
                continue
            ids = []
            if kind == "phone":
                ph = phone_of(v["subject"])
                ids.append(phone_owner.get(ph) or siphash.pid_of_phone(key, ph) if ph else None)
            else:
                ids.append(document(key, kind, v["subject"]))
            if ids[0] is None:
                unmatched.append((line, kind, "subject"))
                continue
            ph = phone_of(v["phone"]) if v["phone"] else None
            if ph:  # a second identifier of the same case (a bad one is ignored)
                ids.append(phone_owner.get(ph) or siphash.pid_of_phone(key, ph))
            status = v["status"].lower() or "confirmed"
            if status not in STATUSES:
                unmatched.append((line, kind, "status"))
                continue
            try:
                onset = parse_time(v["onset"], "onset")
                isolated = parse_time(v["isolated"], "isolated") if v["isolated"] else None
                last_neg = parse_time(v["last_negative"], "last_negative") if v["last_negative"] else None
                if v["reported"]:
                    parse_time(v["reported"], "reported")
            except ConfigError:
                unmatched.append((line, kind, "time"))
                continue
            # Rule 1: W = [w0, w1), w0 = onset - lookback raised to last_negative
            # when that is later; w1 = isolated, else as_of.
            w0 = onset - lookback
            if last_neg is not None and last_neg > w0:
                w0 = last_neg
            w1 = isolated if isolated is not None else as_of
            why = ("onset" if onset > as_of else "isolated" if w1 > as_of else "empty" if w1 <= w0
                   else "before" if w1 <= window_start else None)
            known = [p for p in ids if p in identity_pids or p in stay_pids]
            if why is None and not known:
                why = "not found"
            if why:
                unmatched.append((line, kind, why))
                continue
            for pid in known:
                if pid in cases:
                    a, b, st = cases[pid]
                    cases[pid] = (min(a, w0), max(b, w1), min(st, STATUSES.index(status)))
                else:
                    cases[pid] = (w0, w1, STATUSES.index(status))
    return cases, unmatched


# ---------------------------------------------------------------- the rules

class Tracer:
    def __init__(self, cfg, attrs, persons, stays):
        self.cfg = cfg
        self.window_start, self.window_end = attrs["window_start"], attrs["window_end"]
        self.persons = persons
        self.ch_cfg = [cfg["channels"][name] for name in CHANNELS]  # by channel number
        self.stays_of = {}    # pid -> [Stay]
        self.at_place = {}    # (channel, place) -> [Stay]; rail: (channel, train) -> [Stay]
        for s in stays:
            self.stays_of.setdefault(s.pid, []).append(s)
            self.at_place.setdefault(self.place_of(s.channel, s.place), []).append(s)
        self.members = {}     # household id -> [pid], from /persons.household (rule 6)
        for pid, (hh, _, _, _) in persons.items():
            if hh != 0:
                self.members.setdefault(hh, []).append(pid)
        self._cum = {}

    @staticmethod
    def place_of(channel, place):
        """The key stays meet under: the place, or for rail the train and date (the id
        without its low byte, the carriage: TRACE.md), the carriage checked by meets()."""
        return (channel, place & ~0xFF) if channel == RAIL else (channel, place)

    @staticmethod
    def meets(s, u):
        """Same place; for rail the same carriage, or either carriage unknown (0): a ticket
        without a carriage matches every carriage of that train and date (SPEC)."""
        if s.channel != RAIL:
            return s.place == u.place
        return s.carriage == u.carriage or s.carriage == 0 or u.carriage == 0

    def cum_minutes(self, pid, channel, place):
        """Rule 5: whole minutes of the union of pid's stays at this place, clipped to the data window."""
        k = (pid, channel, place)
        if k not in self._cum:
            iv = sorted((max(s.start, self.window_start), min(s.end, self.window_end))
                        for s in self.stays_of.get(pid, []) if s.channel == channel and s.place == place)
            total, cur_a, cur_b = 0, None, None
            for a, b in iv:
                if b <= a:
                    continue
                if cur_b is None or a > cur_b:
                    if cur_b is not None:
                        total += cur_b - cur_a
                    cur_a, cur_b = a, b
                else:
                    cur_b = max(cur_b, b)
            if cur_b is not None:
                total += cur_b - cur_a
            self._cum[k] = total // 60
        return self._cum[k]

    def qualifies(self, x, s, u, minutes):
        """Rules 3-5: does an overlap of `minutes` whole minutes between s (of x) and u count?"""
        c = self.ch_cfg[s.channel]
        if minutes < 1:                                   # rule 3: at least one whole minute
            return False
        long_enough = minutes * 60 >= c["min_overlap"]    # rule 3: boundary included
        if s.channel == FLIGHT:                           # rule 4: rows; unknown (0) is within range
            if s.row != 0 and u.row != 0 and abs(s.row - u.row) > c["rows"]:
                return False
        if s.channel == GRID:                             # rule 5
            cum_ok = (self.cum_minutes(x, s.channel, s.place) * 60 >= c["cumulative"]
                      or self.cum_minutes(u.pid, u.channel, u.place) * 60 >= c["cumulative"])
            if c["rule"] == "and":
                return long_enough and cum_ok
            return long_enough or cum_ok
        return long_enough

    def hits(self, x, window, role):
        """Every hit (y, exposure, x, channel, place) from person x with window [w0, w1)
        over the channels whose role is `role`."""
        w0, w1 = window
        out = []
        # Rule 6: household members, exposure = w0, when the window is non-empty.
        if self.ch_cfg[HOUSEHOLD]["role"] == role and w0 < w1 and x in self.persons:
            hh = self.persons[x][0]
            if hh != 0:
                for y in self.members[hh]:
                    if y != x:
                        out.append((y, w0, x, HOUSEHOLD, hh))
        # Rules 3-5, 7: every stay of x against every stay of every other person at that place.
        for s in self.stays_of.get(x, []):
            if self.ch_cfg[s.channel]["role"] != role:
                continue
            # The part of s inside x's window; a stay outside the window overlaps nothing.
            s0, s1 = max(s.start, w0), min(s.end, w1)
            if s1 <= s0:
                continue
            for u in self.at_place[self.place_of(s.channel, s.place)]:
                if u.pid == x or u.end <= s0 or u.start >= s1 or not self.meets(s, u):
                    continue  # the same person, or no overlap (b <= a below)
                a = max(s0, u.start)  # = max(s.start, u.start, w0)
                b = min(s1, u.end)    # = min(s.end, u.end, w1), > a here
                minutes = (b - a) // 60
                if self.qualifies(x, s, u, minutes):
                    out.append((u.pid, a, x, s.channel, s.place))  # rule 7: exposure = a
        return out

    def run(self, cases, as_of):
        hop, best, window = {}, {}, {}
        # Rule 8: hop 0 = the cases, exposure = w0, windows from rule 1.
        for pid, w in cases.items():
            hop[pid] = 0
            best[pid] = (w[0], 0, None, 0)
            window[pid] = w[:2]
        frontier = sorted(cases)
        for h in range(self.cfg["hops"]):
            candidates = {}
            for x in frontier:
                for y, exposure, src, ch, place in self.hits(x, window[x], "close"):
                    if y in hop:          # already at hop <= h: dropped
                        continue
                    t = (exposure, src, ch, place)
                    if y not in candidates or t < candidates[y]:
                        candidates[y] = t
            for y, t in candidates.items():
                hop[y] = h + 1
                best[y] = t
                window[y] = (t[0], as_of)  # rule 2
            frontier = sorted(candidates)
        # Rule 9: companions of the persons whose hop is in companions_of.
        companions = {}
        for x in sorted(p for p in hop if hop[p] in self.cfg["companions_of"]):
            for y, exposure, src, ch, place in self.hits(x, window[x], "companion"):
                if y in hop:
                    continue
                t = (exposure, src, ch, place)
                if y not in companions or t < companions[y]:
                    companions[y] = t
        return hop, best, companions

    def jurisdiction(self, pid, t):
        """Rule 11: region of the longest stay covering t (ties: channel, place), else residence, else 0."""
        covering = [s for s in self.stays_of.get(pid, []) if s.start <= t < s.end]
        region = 0
        if covering:
            s = min(covering, key=lambda s: (-(s.end - s.start), s.channel, s.place))
            region = s.region
        if region == 0 and pid in self.persons:
            region = self.persons[pid][1]
        drop = 12 - LEVEL_DIGITS[self.cfg["dispatch_level"]]
        return region // 10 ** drop * 10 ** drop


def code_of(cls, codes):
    """Rule 10: red if the class is listed as red, else yellow (listed yellow, or a hop beyond the lists)."""
    return "red" if cls in codes["red"] else "yellow"


def age_of(persons, pid, as_of):
    """Rule 12: whole years at the local date of as_of; -1 unknown."""
    if pid not in persons or persons[pid][2] == 0:
        return -1
    bd = persons[pid][2]
    by, bm, bday = bd // 10000, bd // 100 % 100, bd % 100
    d = local_date(as_of)
    return d.year - by - ((d.month, d.day) < (bm, bday))


def main(argv):
    if len(argv) != 3:
        print("usage: trace_ref.py CONFIG.yaml OUTDIR", file=sys.stderr)
        return 2
    try:
        cfg = load_config(argv[1])
    except (ConfigError, OSError, yaml.YAMLError, ValueError, TypeError) as e:
        print(f"trace_ref: config error: {e}", file=sys.stderr)
        return 2
    outdir = argv[2]
    try:
        key = siphash.load_key(cfg["key"])
        attrs, persons, identity_pids, phone_owner, stays = load_dataset(cfg["data"])
        as_of = cfg["as_of"] if cfg["as_of"] is not None else attrs["as_of"]
        stay_pids = {s.pid for s in stays}
        cases, unmatched = load_cases(cfg["cases"], key, identity_pids, phone_owner, stay_pids, as_of,
                                      cfg["lookback"], attrs["window_start"])
    except (DataError, OSError, ValueError, KeyError) as e:
        print(f"trace_ref: error: {e}", file=sys.stderr)
        return 1
    if cfg["dispatch_at"] is None:  # default: 03:00 local of the day before as_of
        day_before = local_date(as_of) - datetime.timedelta(days=1)
        cfg["dispatch_at"] = parse_time(day_before.isoformat() + "T03:00", "dispatch.at")

    tracer = Tracer(cfg, attrs, persons, stays)
    hop, best, companions = tracer.run(cases, as_of)

    def common(pid, t):
        exposure, src, ch, place = t
        return [exposure, src, "case" if ch is None else CHANNELS[ch], place]

    def tail(pid, cls):
        return [code_of(cls, cfg["codes"]), tracer.jurisdiction(pid, cfg["dispatch_at"]),
                persons[pid][1] if pid in persons else 0, age_of(persons, pid, as_of),
                persons[pid][3] if pid in persons else ""]

    os.makedirs(outdir, exist_ok=True)
    counts = {f"hop{h}": 0 for h in range(cfg["hops"] + 1)}
    counts.update({"companion": 0, "red": 0, "yellow": 0, "unmatched": len(unmatched)})
    cols = ["pid", "hop", "exposure", "source_pid", "channel", "place", "code",
            "jurisdiction", "residence", "age", "sector", "root_status"]

    def root(pid):  # the status of the case the person's chain (their provenance) starts from
        while hop.get(pid, 0) != 0 or pid not in cases:
            pid = best[pid][1] if pid in best else companions[pid][1]
        return STATUSES[cases[pid][2]]
    with open(os.path.join(outdir, "contacts.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for pid in sorted(hop):
            cls = f"hop{hop[pid]}"
            row = [pid, hop[pid]] + common(pid, best[pid]) + tail(pid, cls) + [root(pid)]
            counts[cls] += 1
            counts[row[6]] += 1
            w.writerow(row)
    with open(os.path.join(outdir, "companions.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([c for c in cols if c != "hop"])
        for pid in sorted(companions):
            row = [pid] + common(pid, companions[pid]) + tail(pid, "companion") + [root(companions[pid][1])]
            counts["companion"] += 1
            counts[row[5]] += 1
            w.writerow(row)
    with open(os.path.join(outdir, "unmatched.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["line", "subject_type", "why"])
        w.writerows(unmatched)
    with open(os.path.join(outdir, "counts.json"), "w") as f:
        json.dump(counts, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
