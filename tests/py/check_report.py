#!/usr/bin/python3
"""check_report.py - every number `paicha report` marks on its page, recomputed from the HDF5 outputs.

    check_report.py PAGE.html [--data D.h5] [--trace T.h5] [--screen S.h5] [--breakdown B.h5]
                    [--ledger L.h5] [--top 20] [--clusters 5] [--dom DOM.html]

Each checked number on the page is an element <tag data-k="NAME" data-value="N">N with
commas</tag>. This script computes, independently of the C code and with pandas, the value of
every name the page must carry, then checks: the page has exactly those names, each once; each
data-value equals the recomputed value; each shown text is that value (commas aside); the
ranked lists (top counties, vaccination gap, testing, the clusters' nodes) come in the
expected order. With --dom, the same checks on the DOM Chromium rendered (--dump-dom).

The definitions (the page says them too):
  * flagged: every person of /contacts, /companions, /screened once; red if any row is red,
    else yellow if any row is yellow; jurisdiction from the first table holding them
    (contacts, companions, screened);
  * per city: jurisdiction cut to 4 digits (0 unassigned); counties: cut to 6 digits, by
    jurisdiction when every output was dispatched at county level or finer, else by residence;
    top N by (people desc, code asc);
  * pyramids: /persons, age in whole years at the dataset's as_of (UTC+8 date), 5-year bands
    to 85+, sex 1 male, 2 female; anything else (or a flagged pid not in /persons) unknown;
  * vaccination gap: /targets rows with age_from >= the first age edge >= 60, per county;
  * testing: /testing sums, top N communities by (flagged desc, community asc);
  * the campaign (--ledger): /batches per batch and summed per local (UTC+8) date of their
    time; found under control = under_control / new_cases ("—" when none), each share a
    data-share element checked as text; /measures summed per city (jurisdiction cut to 4
    digits), by (flagged desc, city asc); /yield by (flagged desc, class, channel);
  * clusters: cases numbered by (exposure, pid); a row belongs to the case its source chain
    reaches; clusters by (size desc, ordinal asc); a case's close contacts by (people beyond
    them desc, exposure asc, pid asc), the first 12 drawn, the rest summed.
Exit 1 with the problems printed.
"""
import argparse
import datetime
import re
import sys
from html.parser import HTMLParser

import h5py
import numpy as np
import pandas as pd
import yaml

CHANNELS = ["household", "cafe", "lodging", "flight", "rail", "lbs", "grid"]
NBANDS = 18
TREE_NODES = 12


def text(v):
    return v.decode("utf-8").rstrip("\0") if isinstance(v, bytes) else str(v)


class Marks(HTMLParser):
    """(name, data-value, text) of every element carrying data-k, in document order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.marks, self.stack, self.shares = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-k" in a:
            self.stack.append([tag, a["data-k"], a.get("data-value"), ""])
        elif "data-share" in a:
            self.stack.append([tag, "share:" + a["data-share"], None, ""])

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1][0] == tag:
            t, k, v, s = self.stack.pop()
            if k.startswith("share:"):
                self.shares.append((k[6:], s.strip()))
            else:
                self.marks.append((k, v, s))

    def handle_data(self, data):
        for m in self.stack:
            m[3] += data


def table(f, name):
    return pd.DataFrame(f[name][()]) if f is not None and name in f else None


def dispatch_digits(f):
    cfg = yaml.safe_load(text(f.attrs["config"]))
    level = (cfg.get("dispatch") or {}).get("level", "city")
    return {"province": 2, "city": 4, "county": 6, "township": 9}.get(level, 12)


def ages(birth, as_of):
    d = datetime.datetime.fromtimestamp(int(as_of) + 8 * 3600, datetime.timezone.utc).date()
    b = np.asarray(birth, dtype=np.int64)
    by, bm, bd = b // 10000, b // 100 % 100, b % 100
    age = d.year - by - ((d.month < bm) | ((d.month == bm) & (d.day < bd)))
    return np.where((b <= 0) | (age < 0), -1, age)


def share(a, n):
    """a / n as the page writes it: one decimal and %, "—" when n is 0."""
    return f"{100.0 * a / n:.1f}%" if n else "—"


def ledger_expected(a, want, order, shares):
    """The campaign (the ledger's small tables): per batch, per local day, per city, per class
    and channel."""
    f = h5py.File(a.ledger, "r")
    b = pd.DataFrame(f["batches"][()])
    want["camp-batches"] = len(b)
    want["camp-flagged"] = int(b.new_flagged.sum())
    want["camp-cases"] = int(b.new_cases.sum())
    want["camp-under-control"] = int(b.under_control.sum())
    want["camp-red"] = int(b.active_red.iloc[-1]) if len(b) else 0
    want["camp-yellow"] = int(b.active_yellow.iloc[-1]) if len(b) else 0
    cols = {"rows": "rows", "new-flagged": "new_flagged", "raised": "raised", "new-cases": "new_cases",
            "under-control": "under_control", "red": "active_red", "yellow": "active_yellow"}
    for r in b.itertuples():
        for k, c in cols.items():
            want[f"batch{r.batch}-{k}"] = int(getattr(r, c))
        shares[f"batch{r.batch}-found"] = share(r.under_control, r.new_cases)
    b["day"] = pd.to_datetime(b.time + 8 * 3600, unit="s").dt.strftime("%Y%m%d")
    for d, x in b.groupby("day"):
        want[f"day{d}-batches"] = len(x)
        want[f"day{d}-new-flagged"] = int(x.new_flagged.sum())
        want[f"day{d}-new-cases"] = int(x.new_cases.sum())
    order["day"] = [f"day{d}-batches" for d in sorted(b.day.unique())]
    m = pd.DataFrame(f["measures"][()]) if "measures" in f else pd.DataFrame(columns=["jurisdiction"])
    if len(m):
        m["city"] = m.jurisdiction.astype(np.int64) // 10**8
        c = m.groupby("city").sum().reset_index().sort_values(["flagged", "city"], ascending=[False, True])
        order["reach"] = [f"reach{r.city}-flagged" for r in c.itertuples()]
        for r in c.itertuples():
            for k, col in (("flagged", "flagged"), ("reached", "reached"), ("24h", "reached_24h"),
                           ("overdue", "overdue"), ("tested", "tested"), ("positive", "positive")):
                want[f"reach{r.city}-{k}"] = int(getattr(r, col))
            shares[f"reach{r.city}-24h-share"] = share(r.reached_24h, r.flagged)
    y = pd.DataFrame(f["yield"][()]) if "yield" in f else pd.DataFrame(columns=["class"])
    if len(y):
        y["cls"], y["ch"] = y["class"].map(text), y["channel"].map(text)
        y = y.sort_values(["flagged", "cls", "ch"], ascending=[False, True, True])
        key = lambda v: re.sub(r"[^a-z0-9]", "_", v)
        order["yield"] = [f"yield-{key(r.cls)}-{key(r.ch)}-flagged" for r in y.itertuples()]
        for r in y.itertuples():
            k = f"yield-{key(r.cls)}-{key(r.ch)}"
            want[k + "-flagged"], want[k + "-positive"] = int(r.flagged), int(r.positive)
            shares[k + "-share"] = share(r.positive, r.flagged)


def expected(a):
    want, order, shares = {}, {}, {}
    if a.ledger:
        ledger_expected(a, want, order, shares)
    data = h5py.File(a.data, "r") if a.data else None
    tr = h5py.File(a.trace, "r") if a.trace else None
    sc = h5py.File(a.screen, "r") if a.screen else None
    bd = h5py.File(a.breakdown, "r") if a.breakdown else None
    c, m, s = table(tr, "contacts"), table(tr, "companions"), table(sc, "screened")
    for df in (c, m, s):
        if df is not None:
            for k in ("code", "channel", "area"):
                if k in df:
                    df[k] = df[k].map(text)
    if c is not None:
        K = int(c.hop.max())
        for h in range(K + 1):
            n = int((c.hop == h).sum())
            want[f"hop{h}"] = want[f"trace-hop{h}"] = n
        want["companion"] = want["trace-companion"] = len(m)
        want["trace-red"] = int((c.code == "red").sum() + (m.code == "red").sum())
        want["trace-yellow"] = int((c.code == "yellow").sum() + (m.code == "yellow").sum())
        ch = pd.concat([c[c.hop > 0].channel, m.channel]).value_counts()
        for name in CHANNELS:
            want[f"ch-{name}"] = int(ch.get(name, 0))
        other = int(ch[[x for x in ch.index if x not in CHANNELS]].sum())
        if other:
            want["ch-other"] = other
    if s is not None:
        want["screened"] = want["screen-persons"] = int(s.pid.nunique())
        want["screen-rows"] = len(s)
        per = s.groupby("pid").code.agg(lambda x: "red" if (x == "red").any() else
                                        "yellow" if (x == "yellow").any() else "")
        want["screen-red"] = int((per == "red").sum())
        want["screen-yellow"] = int((per == "yellow").sum())
        areas = sorted(s.area.unique(), key=lambda x: x.encode())
        cnt = s.area.value_counts()
        for i, name in enumerate(areas):
            want[f"area-{i + 1}"] = int(cnt[name])
    # Everyone flagged, once.
    parts = []
    for k, df in enumerate((c, m, s)):
        if df is not None:
            parts.append(pd.DataFrame({"pid": df.pid, "order": k, "row": np.arange(len(df)),
                                       "red": df.code == "red", "yellow": df.code == "yellow",
                                       "jur": df.jurisdiction.astype(np.int64),
                                       "res": df.residence.astype(np.int64)}))
    if parts:
        u = pd.concat(parts).sort_values(["pid", "order", "row"])
        g = u.groupby("pid", sort=True)
        fl = pd.DataFrame({"red": g.red.any(), "yellow": g.yellow.any(), "jur": g.jur.first(),
                           "res": g.res.first()})
        fl["yellow"] &= ~fl.red
        want["flagged"] = len(fl)
        want["flagged-red"] = int(fl.red.sum())
        want["flagged-yellow"] = int(fl.yellow.sum())
        fl["city"] = fl.jur // 10**8
        for code, x in fl.groupby("city"):
            want[f"city-{code}"] = len(x)
            want[f"city-{code}-red"] = int(x.red.sum())
            want[f"city-{code}-yellow"] = int(x.yellow.sum())
        by_jur = all(dispatch_digits(f) >= 6 for f in (tr, sc) if f is not None)
        fl["county"] = (fl.jur if by_jur else fl.res) // 10**6
        cy = fl.groupby("county").agg(n=("red", "size"), red=("red", "sum"), yellow=("yellow", "sum"))
        cy = cy.reset_index().sort_values(["n", "county"], ascending=[False, True])
        want["counties"] = len(cy)
        top = cy.head(a.top)
        order["county"] = [f"county-{r.county}" for r in top.itertuples()]
        for r in top.itertuples():
            want[f"county-{r.county}"] = int(r.n)
            want[f"county-{r.county}-red"] = int(r.red)
            want[f"county-{r.county}-yellow"] = int(r.yellow)
    # Pyramids (only when the dataset is given).
    if data is not None:
        p = pd.DataFrame(data["persons"][()])[["pid", "birth_date", "sex"]]
        p["age"] = ages(p.birth_date, data.attrs["as_of"])
        p["band"] = np.minimum(p.age // 5, NBANDS - 1)
        sets = [("pyr-all", p)]
        if parts:
            f = p[p.pid.isin(fl.index)]
            sets.append(("pyr-flag", f))
        for key, df in sets:
            known = df[(df.age >= 0) & df.sex.isin([1, 2])]
            cnt = known.groupby(["sex", "band"]).size()
            for sex, ch in ((1, "m"), (2, "f")):
                for b in range(NBANDS):
                    want[f"{key}-{ch}-{5 * b}"] = int(cnt.get((sex, b), 0))
            total = len(df) if key == "pyr-all" else len(fl)
            want[f"{key}-total"] = total
            want[f"{key}-unknown"] = total - len(known)
    # Vaccination gap and testing targets.
    if bd is not None:
        t = table(bd, "targets")
        edges = list(bd["axes"].attrs["age_edges"]) if "axes" in bd else [60]
        frm = next((e for e in edges if e >= 60), None)
        if t is not None and frm is not None:
            t = t[t.age_from >= frm]
            want["vax-below"] = int(t.below_required.sum())
            want["vax-persons"] = int(t.persons.sum())
            want["vax-unvaccinated"] = int(t.unvaccinated.sum())
            v = t.groupby("county").agg(p=("persons", "sum"), b=("below_required", "sum")).reset_index()
            v = v.sort_values(["b", "county"], ascending=[False, True]).head(a.top)
            order["vaxc"] = []
            for r in v.itertuples():
                k = f"vaxc-{r.county // 10**6}"
                order["vaxc"].append(k)
                want[k] = int(r.b)
                want[k + "-persons"] = int(r.p)
        te = table(bd, "testing")
        if te is not None:
            want["testing-flagged"] = int(te.flagged.sum())
            want["testing-red"] = int(te.red.sum())
            want["testing-yellow"] = int(te.yellow.sum())
            want["testing-communities"] = len(te)
            te = te.sort_values(["flagged", "community"], ascending=[False, True]).head(a.top)
            order["test"] = []
            for r in te.itertuples():
                k = f"test-{r.community}"
                order["test"].append(k)
                want[k], want[k + "-red"], want[k + "-yellow"] = int(r.flagged), int(r.red), int(r.yellow)
    # Clusters.
    if c is not None and a.clusters:
        K = int(c.hop.max())
        cases = c[c.hop == 0].sort_values(["exposure", "pid"])
        ordinal = {pid: i + 1 for i, pid in enumerate(cases.pid.tolist())}  # uint64 as int
        root, anc1 = dict(ordinal), {}
        pids, hops = c.pid.tolist(), c.hop.tolist()
        src = dict(zip(pids, c.source_pid.tolist()))
        hop = dict(zip(pids, hops))
        for h in range(1, K + 1):
            for pid in c.pid[c.hop == h].tolist():
                sp = src[pid]
                if sp in root and hop.get(sp) == h - 1:
                    root[pid] = root[sp]
                    anc1[pid] = pid if h == 1 else anc1.get(sp)
        W = K + 2  # [h] hop h, [K + 1] companions
        clu = {o: [0] * W for o in ordinal.values()}
        h1 = {pid: [0] * W for pid in c.pid[c.hop == 1].tolist() if pid in root}
        casecomp = {o: 0 for o in ordinal.values()}
        for pid, h in zip(pids, hops):
            if h >= 1 and pid in root:
                clu[root[pid]][h] += 1
                if h > 1 and anc1.get(pid) is not None:
                    h1[anc1[pid]][h] += 1
        for sp in m.source_pid.tolist():
            if sp not in root:
                continue
            clu[root[sp]][K + 1] += 1
            if hop[sp] == 0:
                casecomp[root[sp]] += 1
            elif anc1.get(sp) is not None:
                h1[anc1[sp]][K + 1] += 1
        size = {o: 1 + sum(v[1:]) for o, v in clu.items()}
        exp = dict(zip(pids, c.exposure.tolist()))
        top = sorted(ordinal.values(), key=lambda o: (-size[o], o))[:a.clusters]
        order["cl"] = []
        for i, o in enumerate(top, 1):
            key = f"cl{i}"
            want[f"{key}-case"], want[f"{key}-size"] = o, size[o]
            order["cl"].append(f"{key}-case")
            for h in range(1, K + 1):
                want[f"{key}-hop{h}"] = clu[o][h]
            want[f"{key}-companion"] = clu[o][K + 1]
            kids = [pid for pid in h1 if root[pid] == o]
            want[f"{key}-h1"] = len(kids)
            kids.sort(key=lambda pid: (-sum(h1[pid][2:]), exp[pid], pid))
            for j, pid in enumerate(kids[:TREE_NODES], 1):
                for h in range(2, K + 1):
                    want[f"{key}-n{j}-hop{h}"] = h1[pid][h]
                want[f"{key}-n{j}-companion"] = h1[pid][K + 1]
            if len(kids) > TREE_NODES:
                want[f"{key}-more"] = len(kids) - TREE_NODES
                for h in range(2, K + 1):
                    want[f"{key}-more-hop{h}"] = sum(h1[pid][h] for pid in kids[TREE_NODES:])
                want[f"{key}-more-companion"] = sum(h1[pid][K + 1] for pid in kids[TREE_NODES:])
            if casecomp[o]:
                want[f"{key}-casecomp"] = casecomp[o]
    return want, order, shares


def check(page, want, order, shares, what):
    p = Marks()
    p.feed(page)
    problems, seen = [], {}
    got = {}
    for k, s in p.shares:
        if k in got:
            problems.append(f"{what}: share {k} marked twice")
        got[k] = s
    for k in sorted(set(shares) | set(got)):
        if got.get(k) != shares.get(k):
            problems.append(f"{what}: share {k} shows {got.get(k)!r}, the outputs give {shares.get(k)!r}")
    for k, v, s in p.marks:
        if k in seen:
            problems.append(f"{what}: {k} marked twice")
        seen[k] = v
        if v is None or not re.fullmatch(r"\d+", v):
            problems.append(f"{what}: {k} has data-value {v!r}")
        elif s.replace(",", "").strip() != v:
            problems.append(f"{what}: {k} shows {s!r} but data-value {v}")
    for k in sorted(set(want) - set(seen)):
        problems.append(f"{what}: {k} (= {want[k]}) is not on the page")
    for k in sorted(set(seen) - set(want)):
        problems.append(f"{what}: {k} is on the page but not expected")
    for k in sorted(set(seen) & set(want)):
        if seen[k] is not None and seen[k].isdigit() and int(seen[k]) != want[k]:
            problems.append(f"{what}: {k} = {seen[k]}, the outputs give {want[k]}")
    keys = [k for k, _, _ in p.marks]
    for name, ks in order.items():
        got = [k for k in keys if k in set(ks)]
        if got != ks:
            problems.append(f"{what}: {name} in the order {got[:5]}..., expected {ks[:5]}...")
    return problems, len(p.marks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--data")
    ap.add_argument("--ledger")
    ap.add_argument("--trace")
    ap.add_argument("--screen")
    ap.add_argument("--breakdown")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--clusters", type=int, default=5)
    ap.add_argument("--dom")
    a = ap.parse_args()
    want, order, shares = expected(a)
    problems, n = check(open(a.page, encoding="utf-8").read(), want, order, shares, a.page)
    if a.dom:
        p2, n2 = check(open(a.dom, encoding="utf-8").read(), want, order, shares, "rendered DOM")
        problems += p2
    for x in problems[:40]:
        print(x, file=sys.stderr)
    if problems:
        print(f"check_report: {len(problems)} problems", file=sys.stderr)
        sys.exit(1)
    print(f"check_report: {n} numbers on the page equal the outputs' "
          f"({sum(1 for k in want if k.startswith('cl'))} in the trees)")


if __name__ == "__main__":
    main()
