#!/usr/bin/python3
"""check_campaign.py - a campaign's ledger, recomputed from SPEC "The campaign" alone, against the files.

  check_campaign.py --data DATA.h5 --key KEY --ledger LEDGER.h5 --campaign CAMPAIGN.jsonl

CAMPAIGN.jsonl holds the campaign's batches so far, one JSON object a line, in batch order:

  {"kind": "trace", "output": "trace.h5", "lists": "DIR"}            (lists: dispatch only_new)
  {"kind": "screen", "output": "screen.h5", "lists": "DIR"}
  {"kind": "feedback", "at": "2021-08-10T12:00", "feedback": ["a.csv", ...],
   "expire": {"red": {"after": "14d", "negative_tests": 2}, ...},   (absent: the defaults)
   "output": "out.h5", "new_cases": "new.csv", "rejects": "a.expected.json"}

Written from SPEC and the campaign's decisions (README "The campaign"), never from the C code,
so that the two check each other. The batches are replayed in order; at each one:

  trace/screen  every output row's `new` (1: not in the ledger or the code went up, else 0);
                with lists: the lists hold exactly the rows with new == 1
  feedback      the rows checked (rejects: line and reason; with "rejects", the generator's
                expected (line, reason) exactly), applied, codes lifted at `at` per `expire`;
                the output's /active, /measures, /yield, /batches (found_under_control) and
                new_cases equal pandas' counts
and at the end the ledger's /persons (every field this script can derive), /batches, /measures
and /yield. Across batches: nobody is on two batches' lists unless their code went up.
Where SPEC is silent this script takes the campaign's decisions (README "Choices where the
spec is silent") and, beyond them: a duplicate feedback row is the person's same event, time
and result as any row applied before (this batch or an earlier one); isolated_at and
released_at are the latest report, last_test_at the latest test in time; a positive never
flagged gets a row whose jurisdiction and residence are taken from the ledger file, and a
feedback batch's `raised` is taken from the file. Prints one line per check and every difference as
(person, field, expected, got); exit 1 on any difference.
"""
import argparse
import csv
import datetime
import glob
import json
import math
import os
import re
import sys

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import siphash  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import ledger as ledgerfile  # noqa: E402  (a ledger in one file or in parts)

TZ = datetime.timezone(datetime.timedelta(hours=8))
LEVEL = {"green": 0, "yellow": 1, "red": 2}
DOCS = ["id_card", "passport", "hk_macao", "taiwan", "foreign_pr", "other", "phone"]
EVENTS = ("reached", "tested", "isolated", "released")
DAY = 86400
DEFAULT_EXPIRE = {"red": {"after": "14d", "negative_tests": 2},
                  "yellow": {"after": "7d", "negative_tests": 3}}
# Fields of /persons this script derives (jurisdiction/residence of a new positive: from the file).
FIELDS = ["code", "code_since", "code_batch", "lifted_at", "class", "channel", "source_pid",
          "root_pid", "jurisdiction", "residence", "first_batch", "flagged_at", "first_class",
          "first_channel", "case_batch", "case_at", "traced_batch", "positive_at", "reached_at",
          "isolated_at", "released_at", "last_test_at", "tests", "negatives", "subject",
          "subject_type"]

bad = 0


def fail(msg):
    global bad
    bad += 1
    if bad <= 60:
        print("DIFF " + msg)


def ok(msg):
    print("ok   " + msg)


def frame(d, cols=None):
    """An HDF5 table (only cols, when given) as a DataFrame, its text columns as str."""
    df = pd.DataFrame(d.fields(cols)[()] if cols else d[()])
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].str.decode("utf-8")
    return df


def parse_time(s):
    """Province-local YYYY-MM-DDTHH:MM[:SS] -> epoch seconds, None when malformed."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?", s)
    if not m:
        return None
    try:
        y, mo, d, h, mi = (int(m.group(i)) for i in range(1, 6))
        return int(datetime.datetime(y, mo, d, h, mi, int(m.group(6) or 0), tzinfo=TZ).timestamp())
    except ValueError:
        return None


def duration(s):
    if isinstance(s, (int, float)):
        return int(s)
    parts = re.findall(r"(\d+)([dhms])", s)
    return sum(int(n) * {"d": DAY, "h": 3600, "m": 60, "s": 1}[u] for n, u in parts)


def id_ok(s):
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return False
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * k for c, k in zip(s[:17], w)) % 11] == s[17]


class Replay:
    """The ledger as SPEC makes it, batch by batch: persons[pid] = dict of /persons fields."""

    def __init__(self, data, key, ledger):
        self.persons = {}
        self.batches = []
        self.events = []  # /events: every feedback row applied
        self.names = {}  # (subject, subject_type) -> pid, from the dataset and the outputs
        self.key = siphash.load_key(key)
        L = ledgerfile.persons(ledger)
        # A positive never flagged: jurisdiction and residence as the ledger file gives them.
        self.where = {int(p): (int(j), int(r)) for p, j, r in
                      zip(L["pid"], L["jurisdiction"], L["residence"])}
        ids = frame(h5py.File(data, "r")["identities"], ["pid", "subject", "phone", "id_type"])
        for pid, subj, phone, t in zip(ids.pid, ids.subject, ids.phone, ids.id_type):
            self.names[(subj, DOCS[t] if t < len(DOCS) else "other")] = int(pid)
            if phone:
                self.names.setdefault((phone, "phone"), int(pid))

    def pid_of(self, subject, stype):
        stype = stype or "id_card"
        if (subject, stype) in self.names:
            return self.names[(subject, stype)]
        if stype == "id_card" and id_ok(subject):
            return siphash.pid_of_idnum(self.key, subject)
        if stype == "phone" and re.fullmatch(r"1\d{10}", subject):
            return siphash.pid_of_phone(self.key, subject)
        return None

    # ---- trace and screen batches ------------------------------------------------------
    def flags_of(self, kind, path):
        f = h5py.File(path, "r")
        t = int(f.attrs["as_of"])
        flags = []
        if kind == "trace":
            con = frame(f["contacts"])
            src = dict(zip(con.pid, con.source_pid))

            def root(p):
                seen = 0
                while src.get(p, 0) != 0 and seen < 1000:
                    p, seen = src[p], seen + 1
                return p
            for r in con.itertuples():
                flags.append(dict(pid=int(r.pid), cls=f"hop{r.hop}", channel=r.channel, code=r.code,
                                  source_pid=int(r.source_pid), root_pid=int(root(r.pid)),
                                  jurisdiction=int(r.jurisdiction), residence=int(r.residence),
                                  subject=r.subject, subject_type=r.subject_type, new=int(r.new)))
            if "companions" in f:
                for r in frame(f["companions"]).itertuples():
                    flags.append(dict(pid=int(r.pid), cls="companion", channel=r.channel, code=r.code,
                                      source_pid=int(r.source_pid), root_pid=int(root(r.source_pid)),
                                      jurisdiction=int(r.jurisdiction), residence=int(r.residence),
                                      subject=r.subject, subject_type=r.subject_type, new=int(r.new)))
        else:
            scr = frame(f["screened"])
            for pid, g in scr.groupby("pid", sort=True):
                r = g.iloc[0]
                if g.new.nunique() != 1:
                    fail(f"{path}: person {pid}: rows of one person differ in `new`")
                flags.append(dict(pid=int(pid), cls="screened", channel="screening", code=r.code,
                                  source_pid=0, root_pid=0, jurisdiction=int(r.jurisdiction),
                                  residence=int(r.residence), subject=r.subject,
                                  subject_type=r.subject_type, new=int(g.new.iloc[0]),
                                  rows=len(g)))
        return t, flags

    def merge(self, b, kind, path):
        t, flags = self.flags_of(kind, path)
        pids = [x["pid"] for x in flags]
        if len(set(pids)) != len(pids):
            fail(f"{path}: a person is in two rows of the output (the ledger takes each once)")
        raised = 0
        news = {}
        self.before = {}  # each flagged person's level before this batch (-1: not in the ledger)
        wrong = 0
        for x in flags:
            self.names.setdefault((x["subject"], x["subject_type"]), x["pid"])
            p = self.persons.get(x["pid"])
            lvl = LEVEL[x["code"]]
            isnew = p is None or lvl > self.level(p)
            self.before[x["pid"]] = -1 if p is None else self.level(p)
            if p is None:
                p = self.persons[x["pid"]] = dict(
                    pid=x["pid"], first_batch=b, flagged_at=t, first_class=x["cls"],
                    first_channel=x["channel"], case_batch=0, case_at=0, traced_batch=0,
                    positive_at=0, reached_at=0, isolated_at=0, released_at=0, last_test_at=0,
                    tests=0, negatives=0, subject=x["subject"], subject_type=x["subject_type"])
            elif isnew:
                raised += 1
            if isnew:
                p.update(code=x["code"], code_since=t, code_batch=b, lifted_at=0, negatives=0,
                         **{k: x[k] for k in ("source_pid", "root_pid", "jurisdiction", "residence")})
                p["class"], p["channel"] = x["cls"], x["channel"]
            if x["cls"] == "hop0":
                p["traced_batch"] = b
                if p["case_at"] == 0:
                    p["case_at"], p["case_batch"] = t, b
            news[x["pid"]] = int(isnew)
            if int(isnew) != x["new"]:
                wrong += 1
                fail(f"{os.path.basename(path)}: person {x['pid']} field new: expected {int(isnew)}, "
                     f"got {x['new']} (SPEC: `new` 1 when the person was not in the ledger or their "
                     f"code went up, else 0)")
        if not wrong:
            ok(f"batch {b} {kind}: `new` of all {len(flags)} persons' rows "
               f"({sum(news.values())} marked new, {raised} of them raised)")
        self.batches.append(dict(batch=b, kind=kind, time=t, rows=len(flags), rejected=0,
                                 raised=raised, input=os.path.basename(path)))
        return t, news

    @staticmethod
    def level(p):
        return 0 if p["lifted_at"] else LEVEL[p["code"]]

    # ---- feedback batches --------------------------------------------------------------
    def read_feedback(self, files, at):
        """Rows checked one by one: (good rows, rejects as (file index, line, reason))."""
        good, rejects = [], []
        for fi, fn in enumerate(files):
            with open(fn, encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.reader(fh))
            for ln, row in enumerate(rows[1:], start=2):
                why = self.row_fault(row, at)
                if why:
                    rejects.append((fi, ln, why))
                else:
                    s, st, ev, tt, res = row
                    good.append(dict(fi=fi, line=ln, pid=self.pid_of(s, st), subject=s,
                                     subject_type=st or "id_card", event=ev, at=parse_time(tt),
                                     result=res))
        # A duplicate: the person's same event, time and result as a row applied before, in
        # this batch (the first in (at, file, line) order is applied) or an earlier one (a
        # locality re-sending yesterday's rows must not count a test twice).
        seen = {(e["pid"], EVENTS[e["event"]], e["at"], ("", "negative", "positive")[e["result"]])
                for e in self.events}
        kept = []
        for g in sorted(good, key=lambda g: (g["pid"], g["at"], g["fi"], g["line"])):
            k = (g["pid"], g["event"], g["at"], g["result"])
            if k in seen:
                rejects.append((g["fi"], g["line"], "duplicate"))
            else:
                seen.add(k)
                kept.append(g)
        good = kept
        # Only flagged persons and positives are kept.
        newpos = {g["pid"] for g in good if g["pid"] not in self.persons and g["result"] == "positive"}
        kept = []
        for g in good:
            if g["pid"] in self.persons or g["pid"] in newpos:
                kept.append(g)
            else:
                rejects.append((g["fi"], g["line"], "not_in_ledger"))
        return kept, sorted(rejects)

    def row_fault(self, row, at):
        if len(row) != 5:
            return "fields"
        s, st, ev, tt, res = row
        if st and st not in DOCS:
            return "subject_type"
        if self.pid_of(s, st) is None:
            return "subject"
        if ev not in EVENTS:
            return "event"
        t = parse_time(tt)
        if t is None:
            return "time"
        if t > at:
            return "future"
        if ev == "tested" and res not in ("negative", "positive"):
            return "result_missing"
        if ev != "tested" and res:
            return "result_unexpected"
        return None

    def apply(self, b, at, rows):
        rows = sorted(rows, key=lambda g: (g["pid"], g["at"], g["fi"], g["line"]))
        for g in rows:
            self.events.append(dict(pid=g["pid"], at=g["at"], batch=b, line=g["line"],
                                    event=EVENTS.index(g["event"]),
                                    result={"": 0, "negative": 1, "positive": 2}[g["result"]]))
            p = self.persons.get(g["pid"])
            if p is None:  # a positive never flagged: first flagged by this batch
                p = self.persons[g["pid"]] = dict(
                    pid=g["pid"], first_batch=b, flagged_at=at, first_class="positive",
                    first_channel="feedback", case_batch=0, case_at=0, traced_batch=0,
                    positive_at=0, reached_at=0, isolated_at=0, released_at=0, last_test_at=0,
                    tests=0, negatives=0, subject=g["subject"], subject_type=g["subject_type"],
                    code="red", code_since=at, code_batch=b, lifted_at=0, source_pid=0,
                    root_pid=0, jurisdiction=self.where.get(g["pid"], (0, 0))[0],
                    residence=self.where.get(g["pid"], (0, 0))[1])
                p["class"], p["channel"] = "positive", "feedback"
            ev, t = g["event"], g["at"]
            if ev == "reached" and p["reached_at"] == 0:
                p["reached_at"] = t
            elif ev == "isolated":  # the latest feedback: a later batch's report replaces it
                p["isolated_at"] = t
            elif ev == "released":
                p["released_at"] = t
            elif ev == "tested":
                p["tests"] += 1
                p["last_test_at"] = max(p["last_test_at"], t)
                if g["result"] == "negative" and t >= p["code_since"]:
                    p["negatives"] += 1
                if g["result"] == "positive" and p["positive_at"] == 0:
                    p["positive_at"] = t
                    if p["case_at"] == 0:
                        p["case_at"], p["case_batch"] = t, b
                    p.update(code="red", code_since=t, code_batch=b, negatives=0, lifted_at=0)
                    p["class"], p["channel"] = "positive", "feedback"

    def lift(self, at, expire):
        for p in self.persons.values():
            c = self.level(p)
            if c == 0:
                continue
            e = expire[p["code"]]
            if at - p["code_since"] >= duration(e["after"]) and p["negatives"] >= int(e["negative_tests"]):
                p["code"], p["lifted_at"] = "green", at

    # ---- counts --------------------------------------------------------------------------
    def table(self):
        df = pd.DataFrame(list(self.persons.values()))
        df["level"] = [self.level(p) for p in self.persons.values()]
        return df.sort_values("pid").reset_index(drop=True)

    def count(self, B):
        df = self.table()
        b = B["batch"]
        cases = df[df.case_batch == b]
        B.update(new_flagged=int((df.first_batch == b).sum()), new_cases=len(cases),
                 under_control=int((cases.flagged_at < cases.case_at).sum()),
                 active_red=int((df.level == 2).sum()), active_yellow=int((df.level == 1).sum()))

    def measures(self, at):
        df = self.table()
        df["reached"] = df.reached_at != 0
        df["reached_24h"] = df.reached & (df.reached_at - df.flagged_at <= DAY)
        df["tested"] = df.tests > 0
        df["positive"] = df.positive_at != 0
        df["overdue"] = (df.flagged_at < at - DAY) & (df.reached_at == 0) & (df.level > 0)
        df["active_red"], df["active_yellow"] = df.level == 2, df.level == 1
        g = df.groupby("jurisdiction")
        m = g.size().rename("flagged").to_frame()
        for c in ("active_red", "active_yellow", "reached", "reached_24h", "tested", "positive", "overdue"):
            m[c] = g[c].sum()
        return m.reset_index().astype("uint64")

    def yields(self):
        df = self.table()
        df = df[~df.first_class.isin(["hop0", "positive"])].copy()
        df["positive"] = (df.case_at != 0) & (df.case_at > df.flagged_at)
        g = df.groupby(["first_class", "first_channel"])
        y = pd.DataFrame({"flagged": g.size(), "positive": g.positive.sum()}).reset_index()
        return y.rename(columns={"first_class": "class", "first_channel": "channel"})


# ---- comparisons ---------------------------------------------------------------------------
def compare_frames(what, exp, got, keys, cols):
    exp = exp.set_index(keys)
    got = got.set_index(keys)
    n = 0
    for k in exp.index.difference(got.index):
        fail(f"{what}: {k}: expected a row, none in the file ({dict(exp.loc[k])})")
        n += 1
    for k in got.index.difference(exp.index):
        fail(f"{what}: {k}: a row not expected ({dict(got.loc[k])})")
        n += 1
    both = exp.index.intersection(got.index)
    for c in cols:
        e, g = exp.loc[both, c], got.loc[both, c]
        if e.dtype.kind in "iuf" and g.dtype.kind in "iuf":
            e, g = e.astype("float64") if "f" in (e.dtype.kind, g.dtype.kind) else e.astype(object), g
        same = (e.values == g.values) | (pd.isna(e.values) & pd.isna(g.values))
        for k in both[~same]:
            fail(f"{what}: {k} field {c}: expected {exp.at[k, c]}, got {got.at[k, c]}")
            n += 1
    if not n:
        ok(f"{what}: {len(exp)} rows equal pandas' recomputation")


def check_persons(R, path):
    got = frame(ledgerfile.persons(path))
    if not got.pid.is_monotonic_increasing or got.pid.duplicated().any():
        fail(f"{path}: /persons not sorted by unique pid")
    exp = R.table()
    compare_frames(f"{os.path.basename(path)}:/persons", exp, got, ["pid"], FIELDS)


def check_events(R, path):
    got = frame(ledgerfile.events(path))
    exp = pd.DataFrame(R.events, columns=["pid", "at", "batch", "line", "event", "result"])
    exp = exp.sort_values(["pid", "at", "batch", "line"]).reset_index(drop=True)
    got = got[list(exp.columns)].reset_index(drop=True)
    if len(exp) != len(got) or not all((exp[c].astype(object).values == got[c].astype(object).values).all()
                                       for c in exp.columns):
        m = exp.merge(got, how="outer", indicator=True)
        m = m[m["_merge"] != "both"].head(3).to_dict("records")
        fail(f"{path}:/events: {len(got)} rows, expected {len(exp)} (pid, at, batch, line, event, "
             f"result in (pid, at, batch, line) order); first differing: {m}")
    else:
        ok(f"{os.path.basename(path)}:/events: the {len(exp)} feedback rows applied")


def check_batches(R, got, what, fuc):
    exp = pd.DataFrame(R.batches)
    if "raised" in got.columns:  # raised is SPEC-silent for feedback batches: taken from the file
        have = dict(zip(got.batch, got.raised))
        exp["raised"] = [have.get(b, 0) if r is None or pd.isna(r) else int(r) for b, r in zip(exp.batch, exp.raised)]
    if fuc:
        exp["found_under_control"] = [u / n if n else float("nan")
                                      for u, n in zip(exp.under_control, exp.new_cases)]
    cols = ["kind", "time", "rows", "rejected", "new_flagged", "new_cases", "under_control",
            "active_red", "active_yellow"] + (["found_under_control"] if fuc else [])
    cols += ["raised"] if "raised" in got.columns else []
    if "input" in got.columns:  # a feedback batch's input: as written (several files: SPEC-silent)
        have = dict(zip(got.batch, got.input))
        exp["input"] = [have.get(b, "") if k == "feedback" else i
                        for b, k, i in zip(exp.batch, exp.kind, exp.input)]
        cols.append("input")
    compare_frames(what, exp, got, ["batch"], [c for c in cols if c in got.columns])
    missing = [c for c in cols if c not in got.columns]
    if missing:
        fail(f"{what}: columns missing: {missing}")


def check_stats(R, f, at, what):
    got = frame(f["measures"])
    compare_frames(f"{what}:/measures", R.measures(at), got, ["jurisdiction"],
                   ["flagged", "active_red", "active_yellow", "reached", "reached_24h", "tested",
                    "positive", "overdue"])
    compare_frames(f"{what}:/yield", R.yields(), frame(f["yield"]), ["class", "channel"],
                   ["flagged", "positive"])


def check_lists(b, lists, news, onlists, before):
    """Lists of dispatch only_new: exactly the new rows; nobody twice unless their code rose
    (from the level the ledger held before the batch: a lifted code is green)."""
    rows = []
    for fn in sorted(glob.glob(os.path.join(lists, "*.h5"))):
        rows.append(frame(h5py.File(fn, "r")["list"], ["pid", "code"]))
    df = pd.concat(rows) if rows else pd.DataFrame(columns=["pid", "code"])
    want = {p for p, n in news.items() if n}
    have = set(int(p) for p in df.pid)
    if want != have:
        fail(f"batch {b} lists: {len(have - want)} persons listed not new, {len(want - have)} new not listed"
             f" (SPEC: only_new writes lists of the rows with new == 1)")
    twice = 0
    for p, code in zip(df.pid, df.code):
        p = int(p)
        if p in onlists and LEVEL[code] <= before.get(p, -1):
            twice += 1
            fail(f"batch {b} lists: person {p} was on an earlier batch's list ({onlists[p]}) and is "
                 f"listed again ({code}) without their code going up (level before: {before.get(p)})")
        onlists[p] = code
    if want == have and not twice:
        ok(f"batch {b} lists: exactly the {len(have)} new persons, nobody listed twice without a higher code")


def file_of(r, files):
    """The index in `feedback` of a /rejects row's file: its `file` index, else its name."""
    f = getattr(r, "file", None)
    if isinstance(f, (int, np.integer)):
        return int(f)
    src = os.path.basename(str(getattr(r, "source", f or "")))
    return next((i for i, fn in enumerate(files) if os.path.basename(fn) == src), 0 if len(files) == 1 else -1)


def check_rejects(b, f, rejects, files, expected):
    got = frame(f["rejects"]) if "rejects" in f else pd.DataFrame(columns=["line"])
    lines = set()
    for r in got.itertuples():
        lines.add((file_of(r, files), int(r.line)))
    exp = {(fi, ln) for fi, ln, _ in rejects}
    if exp != lines:
        fail(f"batch {b} /rejects: lines expected {sorted(exp)}, got {sorted(lines)}")
    else:
        ok(f"batch {b} /rejects: the {len(exp)} bad rows, each at its line")
    for fi, fn in enumerate(files):
        side = expected.get(fi)
        if side is None:
            continue
        mine = {(ln, why) for i, ln, why in rejects if i == fi}
        theirs = {(int(ln), why) for ln, why in side}
        if mine != theirs:
            fail(f"{fn}: this script's rejects {sorted(mine)} != the generator's {sorted(theirs)}")
        else:
            ok(f"{os.path.basename(fn)}: every bad row of the generator rejected for its reason")
    # Each reason of this script is one reason of the file, and distinct ones stay distinct.
    col = next((c for c in ("code", "reason", "text") if c in got.columns), None)
    if col is not None and len(got):
        mine = dict(((fi, ln), why) for fi, ln, why in rejects)
        pairs = set()
        for r in got.itertuples():
            pairs.add((mine.get((file_of(r, files), int(r.line)), "?"), str(getattr(r, col))))
        kinds = {}
        for m, t in pairs:
            kinds.setdefault(m, set()).add(t)
        theirs = {}
        for m, t in pairs:
            theirs.setdefault(t, set()).add(m)
        mixed = {m: t for m, t in kinds.items() if len(t) > 1}
        merged = {t: m for t, m in theirs.items() if len(m) > 1}
        if mixed or merged:
            fail(f"batch {b} /rejects: reasons do not match one to one: {mixed or ''} {merged or ''}")
        else:
            ok(f"batch {b} /rejects: one reason each: " + ", ".join(f"{m}={t}" for m, t in sorted(pairs)))


def check_new_cases(R, path):
    df = R.table()
    exp = df[(df.positive_at != 0) & (df.traced_batch < df.case_batch)].sort_values("pid")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        got = list(csv.DictReader(fh))
    if os.stat(path).st_mode & 0o077:
        fail(f"{path}: readable by others (every output is owner-only)")
    hdr = ["subject", "onset", "isolated", "last_negative", "subject_type", "status"]
    with open(path, encoding="utf-8-sig") as fh:
        if fh.readline().strip() != ",".join(hdr):
            fail(f"{path}: header is not {','.join(hdr)}")
    want = [(p.subject, p.subject_type, p.positive_at, p.isolated_at) for p in exp.itertuples()]
    have = [(g["subject"], g.get("subject_type") or "id_card", parse_time(g["onset"]),
             parse_time(g["isolated"]) if g["isolated"] else 0) for g in got]
    if want != have or any(g.get("status") != "confirmed" for g in got):
        fail(f"{path}: new cases: expected {len(want)} rows (positives not traced since, pid order), "
             f"got {len(have)}; first differences: {[w for w in want if w not in have][:3]} / "
             f"{[h for h in have if h not in want][:3]}")
    else:
        ok(f"{os.path.basename(path)}: the {len(want)} positives not yet traced, as cases.csv")


def feedback_batch(R, b, x, onlists):
    at = parse_time(x["at"])
    files = x.get("feedback", [])
    if isinstance(files, str):
        files = [files]
    rows, rejects = R.read_feedback(files, at)
    R.apply(b, at, rows)
    R.lift(at, {**DEFAULT_EXPIRE, **x.get("expire", {})})
    B = dict(batch=b, kind="feedback", time=at, rows=len(rows), rejected=len(rejects),
             raised=None, input=os.path.basename(files[0]) if files else "")
    R.batches.append(B)
    if "output" in x:
        f = h5py.File(x["output"], "r")
        side = {}
        if x.get("rejects"):
            side[0] = json.load(open(x["rejects"]))["rejects"]
        check_rejects(b, f, rejects, files, side)
        return f, at
    return None, at


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--campaign", required=True)
    a = ap.parse_args()
    R = Replay(a.data, a.key, a.ledger)
    onlists = {}
    steps = [json.loads(l) for l in open(a.campaign) if l.strip()]
    for b, x in enumerate(steps, start=1):
        if x["kind"] in ("trace", "screen"):
            t, news = R.merge(b, x["kind"], x["output"])
            R.count(R.batches[-1])
            if x.get("lists"):
                check_lists(b, x["lists"], news, onlists, R.before)
            continue
        f, at = feedback_batch(R, b, x, onlists)
        R.count(R.batches[-1])
        if f is not None:
            what = os.path.basename(x["output"])
            check_batches(R, frame(f["batches"]), f"{what}:/batches", True)
            check_stats(R, f, at, what)
            act = frame(f["active"])
            df = R.table()
            exp = df[df.level > 0][["pid", "code"]]
            compare_frames(f"{what}:/active", exp, act[["pid", "code"]], ["pid"], ["code"])
        if x.get("new_cases"):
            check_new_cases(R, x["new_cases"])
    L = h5py.File(a.ledger, "r")
    if int(L.attrs.get("batches", -1)) != len(steps):
        fail(f"{a.ledger}: attribute batches {L.attrs.get('batches')} != {len(steps)} batches run")
    if int(L.attrs.get("last_time", -1)) != R.batches[-1]["time"]:
        fail(f"{a.ledger}: attribute last_time {L.attrs.get('last_time')} != {R.batches[-1]['time']}")
    check_persons(R, a.ledger)
    check_events(R, a.ledger)
    check_batches(R, frame(L["batches"]), "ledger:/batches", False)
    check_stats(R, L, R.batches[-1]["time"], "ledger")
    print(f"check_campaign: {len(steps)} batches, {len(R.persons)} persons: "
          + ("all equal" if not bad else f"{bad} differences"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
