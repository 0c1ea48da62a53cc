#!/usr/bin/python3
"""make_feedback.py - a locality's feedback CSV for `paicha ledger`, drawn from a batch's output.

  make_feedback.py --data DATA.h5 --output OUT.h5 [--output ...] --at TIME --csv FILE
                   [--ledger LEDGER.h5] [--seed N] [--bad]
  make_feedback.py --data DATA.h5 --ledger LEDGER.h5 --at TIME --csv FILE --boundary
                   [--expire JSON]

Writes `subject,subject_type,event,at,result` (SPEC "The campaign") and FILE.expected.json.

Default: feedback on the persons of the outputs (trace /contacts and /companions, screen
/screened; their flag time from the ledger when given, else the output's as_of): a share
reached (some within 24 h of being flagged, one exactly at 24 h, some later), negative tests
(--tests of each person tested, default 1),
a few positives (one exactly a minute after being flagged: a code that starts a minute after
the others), isolations (hop 1 first) and releases, and one positive never flagged (a
registered person of the dataset's /identities). With --bad, one bad row of every kind after
the good ones; the sidecar lists ("rejects") each bad row's (line, reason):

  fields             not 5 fields
  subject            an ID number with a wrong check character
  subject_type       an unknown document type
  event              an unknown event
  time               not YYYY-MM-DDTHH:MM[:SS]
  future             a time after the batch's `at`
  result_missing     `tested` without negative/positive
  result_unexpected  a result on another event
  not_in_ledger      a person never flagged and not positive
  duplicate          the same row again (the second one is rejected)

--boundary: the code policy's boundaries at `at`, from the ledger's active codes (expire as
in the ledger config, default red 14d/2, yellow 7d/3): a code given exactly `after` ago with
exactly `negative_tests` negative tests since (the first at the code's very start): lifted;
the same one negative short (another test before the code's start, which does not count):
not lifted; a code given a minute less than `after` ago with the tests: not lifted. The
sidecar lists them ("lifted", "not_lifted": {pid: why}); a boundary with no candidate is
missing there (the caller asserts). --resend FILE: the first row of an earlier batch's file
sent again, last: a duplicate (its line in "rejects").
"""
import argparse
import datetime
import json
import os
import random
import re

import sys

import h5py
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import ledger as ledgerfile  # noqa: E402  (a ledger in one file or in parts)

TZ = datetime.timezone(datetime.timedelta(hours=8))
DAY, MIN = 86400, 60
HEADER = "subject,subject_type,event,at,result"


def dec(x):
    return x.decode("utf-8").rstrip("\0") if isinstance(x, bytes) else x


def frame(d):
    df = pd.DataFrame(d[()])
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].map(dec)
    return df


def local(t):
    return datetime.datetime.fromtimestamp(t, TZ).strftime("%Y-%m-%dT%H:%M:%S")


def parse_time(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M").replace(tzinfo=TZ).timestamp())


def duration(s):
    return sum(int(n) * {"d": DAY, "h": 3600, "m": MIN, "s": 1}[u] for n, u in re.findall(r"(\d+)([dhms])", s))


def flagged(outputs, ledger):
    """The outputs' persons: pid, subject, subject_type, class, flagged_at."""
    rows = []
    for fn in outputs:
        f = h5py.File(fn, "r")
        t = int(f.attrs["as_of"])
        for name in ("contacts", "companions", "screened"):
            if name in f:
                df = frame(f[name])
                df["cls"] = [f"hop{h}" for h in df.hop] if "hop" in df else name
                df["flagged_at"] = t
                rows.append(df[["pid", "subject", "subject_type", "cls", "flagged_at"]])
    # By the identity, not the pid: pids follow the key, which a fresh demo draws anew, and
    # the same seed must pick the same people in every run (jobs/campaign-demo says so).
    df = pd.concat(rows).drop_duplicates("pid")
    df = df.sort_values(["subject", "subject_type"], kind="stable").reset_index(drop=True)
    if ledger:
        L = frame(ledgerfile.persons(ledger)).set_index("pid")
        df["flagged_at"] = [int(L.at[p, "flagged_at"]) if p in L.index else t for p in df.pid]
    return df


def outsider(data, taken, rng):
    """A registered person (ID card) the campaign never flagged."""
    ids = frame(h5py.File(data, "r")["identities"])
    ids = ids[(ids.id_type == 0) & ~ids.pid.isin(taken) & (ids.subject.str.len() == 18)]
    ids = ids.sort_values("subject", kind="stable")  # by identity: the same under any key
    o = ids.iloc[rng.randrange(len(ids))].copy()
    o["subject_type"] = "id_card"
    return o


def when(rng, lo, hi):
    """A whole minute in [lo, hi]."""
    return lo + MIN * rng.randrange(max(1, (hi - lo) // MIN + 1))


def first_feedback(a, rng):
    P = flagged(a.output, a.ledger)
    taken = set(P.pid)
    if a.ledger:
        taken |= set(ledgerfile.persons(a.ledger)["pid"])
    at = parse_time(a.at)
    P = P[P.flagged_at <= at - 2 * DAY]  # feedback on people flagged at least two days ago
    assert len(P) >= 20, "too few flagged persons for feedback"
    order = list(P.index)
    rng.shuffle(order)
    rec = {r.Index: r for r in P.itertuples()}
    ev = []  # (subject, subject_type, event, at, result)
    row = lambda p, e, t, r="": ev.append((p.subject, p.subject_type, e, local(t), r))
    n = len(order)
    reached = order[: n * 6 // 10]
    for i, k in enumerate(reached):
        p = rec[k]
        if i == 0:
            row(p, "reached", p.flagged_at + DAY)  # exactly 24 h: within
        elif i == 1:
            row(p, "reached", p.flagged_at + DAY + MIN)  # a minute more: not within
        elif i % 3:
            row(p, "reached", when(rng, p.flagged_at, p.flagged_at + DAY))
        else:
            row(p, "reached", when(rng, p.flagged_at + DAY + MIN, at))
    for k in order[n // 3: n // 3 + n * 3 // 10]:
        p = rec[k]
        for _ in range(a.tests):
            row(p, "tested", when(rng, p.flagged_at, at), "negative")
    notcase = [k for k in order if rec[k].cls != "hop0"]
    pos = notcase[-4:]
    for i, k in enumerate(pos):
        p = rec[k]
        row(p, "tested", p.flagged_at + MIN if i == 0 else when(rng, p.flagged_at, at), "positive")
    hop1 = [k for k in order if rec[k].cls == "hop1"] or order
    for i, k in enumerate(hop1[: max(1, len(hop1) // 2)]):
        p = rec[k]
        t = when(rng, p.flagged_at, at - 3600)
        row(p, "isolated", t)
        if i % 4 == 1:
            row(p, "released", when(rng, t, at))
    o = outsider(a.data, taken, rng)
    row(o, "tested", at - 3 * 3600, "positive")
    row(o, "isolated", at - 2 * 3600)
    rng.shuffle(ev)
    lines = [",".join(e) for e in ev]
    side = {"positive": [int(rec[k].pid) for k in pos] + [int(o.pid)], "rejects": []}
    if a.bad:
        bad_rows(lines, side, rec[order[0]], outsider(a.data, taken | {o.pid}, rng), at)
    return lines, side


def bad_rows(lines, side, p, stranger, at):
    wrong = p.subject[:17] + ("0" if p.subject[17] != "0" else "1")
    cases = [
        ("fields", f"{p.subject},{p.subject_type},reached"),
        ("subject", f"{wrong},id_card,reached,{local(at - DAY)},"),
        ("subject_type", f"{p.subject},badge,reached,{local(at - DAY)},"),
        ("event", f"{p.subject},{p.subject_type},vaccinated,{local(at - DAY)},"),
        ("time", f"{p.subject},{p.subject_type},reached,2021-13-40T25:00,"),
        ("future", f"{p.subject},{p.subject_type},reached,{local(at + MIN)},"),
        ("result_missing", f"{p.subject},{p.subject_type},tested,{local(at - DAY)},"),
        ("result_unexpected", f"{p.subject},{p.subject_type},isolated,{local(at - DAY)},negative"),
        ("not_in_ledger", f"{stranger.subject},id_card,reached,{local(at - DAY)},"),
        ("duplicate", lines[0]),
    ]
    for why, text in cases:
        lines.append(text)
        side["rejects"].append([len(lines) + 1, why])  # the header is line 1


def boundary(a, rng):
    at = parse_time(a.at)
    exp = {"red": {"after": "14d", "negative_tests": 2}, "yellow": {"after": "7d", "negative_tests": 3}}
    exp.update(json.loads(a.expire or "{}"))
    L = frame(ledgerfile.persons(a.ledger))
    L = L[(L.lifted_at == 0) & L.code.isin(["red", "yellow"])]
    L = L.sort_values(["subject", "subject_type"], kind="stable")  # by identity: the same under any key
    lines, side = [], {"lifted": {}, "not_lifted": {}, "rejects": []}
    used = set()

    def pick(code, age):
        c = L[(L.code == code) & (at - L.code_since == age) & ~L.pid.isin(used)]
        c = c[c.negatives < int(exp[code]["negative_tests"])]
        if not len(c):
            return None
        p = c.iloc[rng.randrange(len(c))]
        used.add(p.pid)
        return p

    def negatives(p, k, start_exact=True):
        for i in range(k):
            t = p.code_since if (i == 0 and start_exact) else when(rng, p.code_since, at)
            lines.append(f"{p.subject},{p.subject_type},tested,{local(t)},negative")

    for code in ("red", "yellow"):
        after, need = duration(exp[code]["after"]), int(exp[code]["negative_tests"])
        p = pick(code, after)
        if p is not None:  # exactly after, exactly the tests: lifted
            negatives(p, need - p.negatives)
            side["lifted"][str(p.pid)] = f"{code}: exactly {exp[code]['after']} and {need} negative tests"
        p = pick(code, after)
        if p is not None and need - 1 - p.negatives >= 0:  # one negative short
            negatives(p, need - 1 - p.negatives)
            if p.code_since > 0:
                lines.append(f"{p.subject},{p.subject_type},tested,{local(p.code_since - MIN)},negative")
            side["not_lifted"][str(p.pid)] = f"{code}: one negative test short"
        p = pick(code, after - MIN)
        if p is not None:  # a minute short
            negatives(p, need - p.negatives)
            side["not_lifted"][str(p.pid)] = f"{code}: {exp[code]['after']} less a minute"
    rng.shuffle(lines)
    if a.resend:  # a row of an earlier batch's file sent again: a duplicate
        with open(a.resend, encoding="utf-8") as fh:
            lines.append(fh.read().split("\n")[1])
        side["rejects"].append([len(lines) + 1, "duplicate"])
    return lines, side


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--output", action="append", default=[])
    ap.add_argument("--ledger")
    ap.add_argument("--at", required=True, help="the batch's time, YYYY-MM-DDTHH:MM local")
    ap.add_argument("--csv", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bad", action="store_true")
    ap.add_argument("--tests", type=int, default=1, help="negative tests of each person tested")
    ap.add_argument("--boundary", action="store_true")
    ap.add_argument("--expire", help="the ledger config's expire as JSON")
    ap.add_argument("--resend", help="--boundary: an earlier batch's feedback CSV whose first row is sent again")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    lines, side = boundary(a, rng) if a.boundary else first_feedback(a, rng)
    with open(os.open(a.csv, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n" + "".join(l + "\n" for l in lines))
    with open(a.csv + ".expected.json", "w") as fh:
        json.dump(side, fh, indent=1)
    print(f"make_feedback: {len(lines)} rows, {len(side['rejects'])} bad")


if __name__ == "__main__":
    main()
