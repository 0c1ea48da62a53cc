#!/usr/bin/python3
"""make_ledger.py - synthesise a campaign's ledger (SPEC "The campaign") of a dataset, fast (numpy).

    make_ledger.py --data D.h5 --out L.h5 [--persons N] [--batches B] [--step 12h] [--seed S]
                   [--key KEYFILE] [--data-share F] [--feedback F.csv --feedback-rows M] [--parts]
    make_ledger.py --check L.h5

Writes a ledger as paicha writes one (kernels/pc_ledger.h: /persons, /events, /batches,
/measures, /yield with the C rows' exact layouts; root attributes batches, last_time and the
dataset's identity stamp as pc_flagged_stamp_data writes it; with --parts, as a ledger kept in
parts right after a new base: /persons and /events in L.h5.partNNNN, NNNN the last batch, and
/parts in L.h5: io/pc_ledgerfile.h), for tests and benchmarks that
need a campaign of many batches without running them. The campaign is simulated batch by
batch with the kernel's rules:

  * batches every `step`, the last one step before the dataset's as_of (so a trace or screen of
    the dataset, or `paicha ledger` at its as_of, is the next batch): odd batches flag (trace, every third
    of them a screen), even ones are feedback; a batch's time is its as_of (or `at`);
  * a person is first flagged by one batch (first_batch, flagged_at, first class and channel:
    hop0/hop1/hop2/companion from a trace, screened from a screen; hop0 and hop1 red, the others
    yellow); some yellow persons are flagged again by a later trace as hop1 (their code goes
    up: `raised`); a hop0 becomes a case at its batch's time (case_at, case_batch,
    traced_batch), and a positive is traced as hop0 by the next trace (traced_batch);
  * feedback events (reached, isolated, tested negative or positive) are reported by the first
    feedback batch at or after their time, after the person was flagged; a positive test makes
    the person a case (case_at = the test, unless a case already), code red since the test,
    class positive, channel feedback; a few positives were never flagged (first class
    positive, flagged at the feedback batch's time);
  * negative tests count from code_since; at every feedback batch an active code lifts when
    at - code_since >= after and negatives >= negative_tests (red 14 d and 2, yellow 7 d and 3);
  * /batches' counts (new flagged, raised, new cases, under control: flagged_at < case_at,
    codes active after the batch) as each batch left them; /measures per jurisdiction (the
    residence's city) and /yield per first class and channel (hop0 and positive excluded) at
    the last batch's time.

Persons are the dataset's /identities (a random subset when N is smaller, or at most a share of
them with --data-share, so that a run on the dataset finds people new to the campaign), so
feedback subjects resolve; beyond them, N - |identities| synthetic persons with valid ID numbers (their pids the
key's pseudonyms with --key, random otherwise). With --feedback, M feedback rows
(subject,subject_type,event,at,result) of the dataset's persons in the ledger, at times up to
the dataset's as_of, for a `paicha ledger` run at that time.

--check recomputes from /persons the counts each batch could not change since (new flagged,
new cases, under control per batch), /measures and /yield, and exits 1 when they differ.
Clear identities are never printed.
"""
import argparse
import os
import sys
import time

import h5py
import numpy as np

S = h5py.string_dtype  # fixed-length UTF-8 strings, as paicha writes (pc_h5_str_type)


def _utf8(n):
    return S("utf-8", n)


ROW_T = np.dtype({
    "names": ["pid", "source_pid", "root_pid", "jurisdiction", "residence", "flagged_at", "code_since",
              "lifted_at", "reached_at", "positive_at", "case_at", "isolated_at", "released_at",
              "last_test_at", "first_batch", "code_batch", "case_batch", "traced_batch", "negatives",
              "tests", "subject", "subject_type", "code", "class", "channel", "first_class",
              "first_channel"],
    "formats": ["<u8"] * 5 + ["<i8"] * 9 + ["<i4"] * 6 + [_utf8(20), _utf8(12), _utf8(8)] + [_utf8(16)] * 4,
    "offsets": [0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 116, 120, 124, 128, 132,
                136, 156, 168, 176, 192, 208, 224],
    "itemsize": 240})
EVENT_T = np.dtype({"names": ["pid", "at", "line", "batch", "event", "result"],
                    "formats": ["<u8", "<i8", "<u8", "<i4", "u1", "u1"],
                    "offsets": [0, 8, 16, 24, 28, 29], "itemsize": 32})
BATCH_T = np.dtype({"names": ["batch", "kind", "time", "run_time", "rows", "rejected", "new_flagged",
                              "raised", "new_cases", "under_control", "active_red", "active_yellow",
                              "input"],
                    "formats": ["<i4", _utf8(12), "<i8", "<i8"] + ["<u8"] * 8 + [_utf8(64)],
                    "offsets": [0, 4, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96], "itemsize": 160})
MEASURE_T = np.dtype([(n, "<u8") for n in ("jurisdiction", "flagged", "active_red", "active_yellow",
                                           "reached", "reached_24h", "tested", "positive", "overdue")])
YIELD_T = np.dtype({"names": ["class", "channel", "flagged", "positive"],
                    "formats": [_utf8(16), _utf8(16), "<u8", "<u8"], "offsets": [0, 16, 32, 40],
                    "itemsize": 48})
assert ROW_T.itemsize == 240 and EVENT_T.itemsize == 32 and BATCH_T.itemsize == 160
assert MEASURE_T.itemsize == 72 and YIELD_T.itemsize == 48

DOC_NAMES = ["id_card", "passport", "hk_macao", "taiwan", "foreign_pr", "other", "phone"]
REACHED, TESTED, ISOLATED, RELEASED = 0, 1, 2, 3  # PC_FB_*
NONE, NEGATIVE, POSITIVE = 0, 1, 2
HOUR, DAY = 3600, 86400
AFTER = {1: 7 * DAY, 2: 14 * DAY}  # the default expire: yellow 7d/3, red 14d/2
NEEDED = {1: 3, 2: 2}
CODES = np.array([b"green", b"yellow", b"red"])
# The first flags of a trace: (class, channel, level, share); of a screen: screened.
TRACE_FLAGS = [("hop0", "case", 2, 0.004), ("hop1", "household", 2, 0.08), ("hop1", "cafe", 2, 0.07),
               ("hop1", "lodging", 2, 0.04), ("hop1", "flight", 2, 0.05), ("hop1", "rail", 2, 0.06),
               ("hop2", "household", 1, 0.20), ("hop2", "cafe", 1, 0.16), ("hop2", "flight", 1, 0.05),
               ("hop2", "rail", 1, 0.076), ("companion", "lbs", 1, 0.13), ("companion", "grid", 1, 0.08)]
SCREEN_FLAG = ("screened", "screening", 1)
# Who later tests positive, by first class (hop1 in a household more than on a flight: Henan's
# same flight, 1,122 -> 8).
POSITIVE_P = {"hop1": 0.02, "hop2": 0.004, "companion": 0.001, "screened": 0.0005}
NEVER_FLAGGED_POSITIVES = 0.0004  # of N: positives no batch flagged before


def parse_step(s):
    units = {"m": 60, "h": HOUR, "d": DAY}
    return int(s[:-1]) * units[s[-1]] if s[-1] in units else int(s)


def local_time(t):
    return time.strftime("%Y-%m-%dT%H:%M", time.gmtime(int(t) + 8 * HOUR))


# ------------------------------------------------------------------ pseudonyms ----

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _rotl(x, b):
    return (x << np.uint64(b)) | (x >> np.uint64(64 - b))


def _round(v0, v1, v2, v3):
    v0 += v1; v1 = _rotl(v1, 13); v1 ^= v0; v0 = _rotl(v0, 32)
    v2 += v3; v3 = _rotl(v3, 16); v3 ^= v2
    v0 += v3; v3 = _rotl(v3, 21); v3 ^= v0
    v2 += v1; v1 = _rotl(v1, 17); v1 ^= v2; v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def pids_of_idnums(key16, ids):
    """pc_pid_of_idnum for an array of 18-byte ID numbers: SipHash-2-4 of b"I" + number."""
    n = len(ids)
    msg = np.zeros((n, 24), dtype=np.uint8)
    msg[:, 0] = ord("I")
    msg[:, 1:19] = np.frombuffer(ids.tobytes(), dtype=np.uint8).reshape(n, 18)
    msg[:, 23] = 19  # the length in the last byte of the last block
    blocks = msg.view("<u8")
    k0, k1 = (np.uint64(int.from_bytes(key16[i:i + 8], "little")) for i in (0, 8))
    with np.errstate(over="ignore"):
        v0 = np.full(n, k0 ^ np.uint64(0x736f6d6570736575), dtype=np.uint64)
        v1 = np.full(n, k1 ^ np.uint64(0x646f72616e646f6d), dtype=np.uint64)
        v2 = np.full(n, k0 ^ np.uint64(0x6c7967656e657261), dtype=np.uint64)
        v3 = np.full(n, k1 ^ np.uint64(0x7465646279746573), dtype=np.uint64)
        for j in range(3):
            m = blocks[:, j].copy()
            v3 ^= m
            v0, v1, v2, v3 = _round(*_round(v0, v1, v2, v3))
            v0 ^= m
        v2 ^= np.uint64(0xFF)
        for _ in range(4):
            v0, v1, v2, v3 = _round(v0, v1, v2, v3)
        h = v0 ^ v1 ^ v2 ^ v3
    h[h == 0] = 1
    return h


def _digits(x, d):
    """The d decimal digits of each of x, as an (n, d) array of ASCII bytes."""
    p = 10 ** np.arange(d - 1, -1, -1, dtype=np.int64)
    return (x.astype(np.int64)[:, None] // p % 10 + ord("0")).astype(np.uint8)


def synthetic_idnums(rng, n, areas):
    """n valid resident ID numbers (GB 11643 check character) of the given 6-digit areas."""
    birth = np.datetime64("1970-01-01") + rng.integers(-20000, 15000, n).astype("timedelta64[D]")
    y = birth.astype("datetime64[Y]")
    m = birth.astype("datetime64[M]")
    ymd = ((y.astype(np.int64) + 1970) * 10000 + ((m - y).astype(np.int64) + 1) * 100
           + (birth - m).astype(np.int64) + 1)
    out = np.zeros((n, 18), dtype=np.uint8)
    out[:, :6] = _digits(rng.choice(areas, n), 6)
    out[:, 6:14] = _digits(ymd, 8)
    out[:, 14:17] = _digits(rng.integers(0, 1000, n), 3)
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    out[:, 17] = np.frombuffer(b"10X98765432", dtype=np.uint8)[((out[:, :17] - ord("0")) * weights).sum(1) % 11]
    return out.view("S18").ravel()


# ------------------------------------------------------------------ persons ----

def persons_of(data, n, rng, key16, share=1.0):
    """pid, subject, subject_type (index into DOC_NAMES), residence and whether of the dataset,
    of n persons sorted by pid: at most `share` of the dataset's persons, then synthetic ones."""
    idt = data["identities"].fields(["pid", "subject", "id_type"])[()]
    per = data["persons"].fields(["pid", "region"])[()]
    if not np.array_equal(idt["pid"], per["pid"]):
        sys.exit("make_ledger: /persons and /identities are not of the same pids")
    m = len(idt)
    k = min(n, int(m * share))
    take = np.sort(rng.choice(m, k, replace=False)) if k < m else np.arange(m)
    pid, subj = idt["pid"][take], idt["subject"][take].astype("S20")
    typ, res = idt["id_type"][take].astype(np.int64), per["region"][take]
    if key16:  # the key is the dataset's: its ID numbers' pseudonyms are their pids
        card = np.flatnonzero(idt["id_type"] == 0)[:1000]
        if len(card) and not np.array_equal(pids_of_idnums(key16, idt["subject"][card].astype("S18")),
                                            idt["pid"][card]):
            sys.exit("make_ledger: --key is not the key of --data")
    extra = n - len(pid)
    if extra > 0:
        regs = data["regions"][()]
        areas = np.unique(regs["code"][regs["level"] >= 3] // 10**6)
        new = synthetic_idnums(rng, extra + extra // 50 + 16, areas)
        npid = pids_of_idnums(key16, new) if key16 else rng.integers(1, 2**63, len(new), dtype=np.uint64)
        _, first = np.unique(npid, return_index=True)
        keep = first[~np.isin(npid[first], pid)][:extra]
        comm = regs["code"][regs["level"] == 5]
        pid = np.concatenate([pid, npid[keep]])
        subj = np.concatenate([subj, new[keep].astype("S20")])
        typ = np.concatenate([typ, np.zeros(len(keep), np.int64)])
        res = np.concatenate([res, rng.choice(comm, len(keep))])
    fromdata = np.arange(len(pid)) < len(take)
    o = np.argsort(pid, kind="stable")
    return pid[o], subj[o], typ[o], res[o], fromdata[o]


# ------------------------------------------------------------------ the campaign ----

class Campaign:
    def __init__(self, a, data, rng):
        self.rng = rng
        B = a.batches
        self.B = B
        # The last batch one step before the dataset's as_of: a run on the dataset comes after it.
        end = int(data.attrs["as_of"]) - a.step
        self.T = np.array([end - (B - b) * a.step for b in range(1, B + 1)], dtype=np.int64)  # T[b-1]
        self.kind = ["feedback" if b % 2 == 0 else "screen" if b % 6 == 5 else "trace"
                     for b in range(1, B + 1)]
        key16 = bytes.fromhex(open(a.key).read().strip()) if a.key else None
        self.pid, self.subj, self.typ, self.res, self.fromdata = persons_of(data, a.persons, rng, key16, a.data_share)

    def batch_of_time(self, t, after):
        """For each event time t (0: none) of a person first flagged at batch `after`, the first
        feedback batch after it whose time is >= t; 0 when none."""
        fb = np.array([b for b in range(1, self.B + 1) if self.kind[b - 1] == "feedback"])
        Tf = self.T[fb - 1]
        i = np.searchsorted(Tf, t, side="left")
        out = np.where(i < len(fb), fb[np.minimum(i, len(fb) - 1)], 0)
        bad = out <= after  # reported by a batch not after the first flag: by the next one
        j = np.searchsorted(fb, after, side="right")
        later = np.where(j < len(fb), fb[np.minimum(j, len(fb) - 1)], 0)
        out = np.where(bad, later, out)
        return np.where(t > 0, out, 0)

    def draw(self):
        """Each person's first flag, and the times of their events."""
        rng, B, n = self.rng, self.B, len(self.pid)
        flagb = np.array([b for b in range(1, B + 1) if self.kind[b - 1] != "feedback"])
        w = np.exp(-((flagb - 0.45 * B) ** 2) / (0.12 * B * B))
        self.first = rng.choice(flagb, n, p=w / w.sum()).astype(np.int32)
        # Positives never flagged before: first flagged by a feedback batch.
        fbb = np.array([b for b in range(1, B + 1) if self.kind[b - 1] == "feedback"])
        nn = max(1, int(n * NEVER_FLAGGED_POSITIVES)) if len(fbb) else 0
        self.fb_new = rng.choice(n, nn, replace=False) if nn else np.zeros(0, np.int64)
        self.first[self.fb_new] = rng.choice(fbb, nn) if nn else 0
        self.fa = self.T[self.first - 1]  # flagged_at
        names = [f for f in TRACE_FLAGS]
        p = np.array([f[3] for f in names])
        k = rng.choice(len(names), n, p=p / p.sum())
        cls = np.array([f[0] for f in names], dtype="S16")[k]
        ch = np.array([f[1] for f in names], dtype="S16")[k]
        lvl = np.array([f[2] for f in names])[k]
        scr = np.array([self.kind[b - 1] == "screen" for b in range(1, B + 1)])[self.first - 1]
        cls[scr], ch[scr], lvl[scr] = SCREEN_FLAG[0].encode(), SCREEN_FLAG[1].encode(), SCREEN_FLAG[2]
        cls[self.fb_new], ch[self.fb_new], lvl[self.fb_new] = b"positive", b"feedback", 2
        self.cls0, self.ch0, self.lvl0 = cls, ch, lvl
        # Positives: a test some days after the flag (a few before it: not under control).
        pp = np.zeros(n)
        for c, q in POSITIVE_P.items():
            pp[cls == c.encode()] = q
        pp[(cls == b"hop1") & (ch == b"household")] *= 3
        pos = rng.random(n) < pp
        ptime = np.where(pos, self.fa + rng.integers(-DAY, 6 * DAY, n), 0)
        ptime[self.fb_new] = self.fa[self.fb_new] - rng.integers(HOUR, 2 * DAY, nn)
        self.ptime = ptime
        self.prep = self.batch_of_time(ptime, self.first)
        self.prep[self.fb_new] = self.first[self.fb_new]
        self.ptime[(self.prep == 0)] = 0
        # Reached (85 %) within 2 h .. 60 h; isolated when red, an hour later.
        reached = (rng.random(n) < 0.85) & (cls != b"hop0")
        self.rtime = np.where(reached, self.fa + rng.integers(2 * HOUR, 60 * HOUR, n), 0)
        self.rrep = self.batch_of_time(self.rtime, self.first)
        self.rtime[self.rrep == 0] = 0
        self.itime = np.where((self.rtime > 0) & (lvl == 2), self.rtime + HOUR, 0)
        self.irep = self.batch_of_time(self.itime, self.first)
        self.itime[self.irep == 0] = 0
        # Negative tests: up to 4, every 2 days from the flag, none from a positive on.
        K = 4
        self.ntests = rng.choice(K + 1, n, p=[0.3, 0.2, 0.2, 0.15, 0.15])
        self.ttime = np.zeros((n, K), np.int64)
        self.trep = np.zeros((n, K), np.int32)
        for j in range(K):
            t = np.where(self.ntests > j, self.fa + (j + 1) * 2 * DAY - rng.integers(0, 6 * HOUR, n), 0)
            t[(self.ptime > 0) & (t >= self.ptime)] = 0
            r = self.batch_of_time(t, self.first)
            t[r == 0] = 0
            self.ttime[:, j], self.trep[:, j] = t, r
        # Flagged again as hop1 by a later trace: 3 % of the yellow ones.
        trb = np.array([b for b in range(1, B + 1) if self.kind[b - 1] == "trace"])
        self.raise_b = np.zeros(n, np.int32)
        cand = np.flatnonzero((lvl == 1) & (rng.random(n) < 0.03))
        if len(cand):
            rb = rng.choice(trb, len(cand))
            ok = rb > self.first[cand]
            self.raise_b[cand[ok]] = rb[ok]
        self.src = np.where(cls == b"hop0", 0, rng.choice(self.pid, n))
        hop0 = self.pid[cls == b"hop0"]
        self.root = np.where(np.isin(cls, [b"screened", b"positive"]), 0,
                             rng.choice(hop0, n) if len(hop0) else 0)
        self.root[cls == b"hop0"] = self.pid[cls == b"hop0"]

    def run(self):
        """The batches in order; the final rows, /batches and /events."""
        n, B = len(self.pid), self.B
        level = np.zeros(n, np.int8)
        since = np.zeros(n, np.int64)
        code_b = np.zeros(n, np.int32)
        lifted = np.zeros(n, np.int64)
        cls, ch = np.zeros(n, "S16"), np.zeros(n, "S16")
        case_at = np.zeros(n, np.int64)
        case_b = np.zeros(n, np.int32)
        traced = np.zeros(n, np.int32)
        pos_at = np.zeros(n, np.int64)
        reached = np.zeros(n, np.int64)
        isolated = np.zeros(n, np.int64)
        tests = np.zeros(n, np.int32)
        last_test = np.zeros(n, np.int64)
        batches = np.zeros(B, BATCH_T)
        for b in range(1, B + 1):
            T, kind = self.T[b - 1], self.kind[b - 1]
            rows = raised = 0
            if kind != "feedback":
                new = self.first == b
                level[new], since[new], code_b[new] = self.lvl0[new], T, b
                cls[new], ch[new] = self.cls0[new], self.ch0[new]
                h0 = new & (self.cls0 == b"hop0")
                case_at[h0 & (case_at == 0)] = T
                case_b[h0 & (case_b == 0)] = b
                traced[h0] = b
                up = (self.raise_b == b) & (self.first < b) & (level < 2)
                level[up], since[up], code_b[up], lifted[up] = 2, T, b, 0
                cls[up], ch[up] = b"hop1", b"household"
                raised = int(up.sum())
                retrace = np.zeros(n, bool)
                if kind == "trace":  # the positives not yet traced: hop0 of this trace
                    retrace = (pos_at > 0) & (traced < case_b) & ~new
                    traced[retrace] = b
                rows = int(new.sum()) + raised + int(retrace.sum())
            else:
                new = self.first == b  # positives never flagged
                level[new], code_b[new] = 2, b
                cls[new], ch[new] = b"positive", b"feedback"
                r = (self.rrep == b) & (reached == 0)
                reached[r] = self.rtime[r]
                i = self.irep == b
                isolated[i] = self.itime[i]
                rows = int(r.sum() + i.sum())
                for j in range(self.ttime.shape[1]):
                    t = self.trep[:, j] == b
                    tests[t] += 1
                    last_test[t] = np.maximum(last_test[t], self.ttime[t, j])
                    rows += int(t.sum())
                p = (self.prep == b) & (pos_at == 0)
                pt = self.ptime
                pos_at[p] = pt[p]
                tests[p] += 1
                last_test[p] = np.maximum(last_test[p], pt[p])
                c = p & (case_at == 0)
                case_at[c], case_b[c] = pt[c], b
                level[p], since[p], code_b[p], lifted[p] = 2, pt[p], b, 0
                cls[p], ch[p] = b"positive", b"feedback"
                rows += int(p.sum())
                # The code policy at T: negatives reported by now, at or after code_since.
                neg = ((self.trep > 0) & (self.trep <= b) & (self.ttime >= since[:, None])).sum(1)
                for lv in (1, 2):
                    lift = (level == lv) & (T - since >= AFTER[lv]) & (neg >= NEEDED[lv])
                    level[lift], lifted[lift] = 0, T
            x = batches[b - 1]
            x["batch"], x["kind"], x["time"], x["run_time"] = b, kind.encode(), T, T + HOUR
            x["rows"] = rows
            x["new_flagged"] = int((self.first == b).sum())
            x["raised"] = raised
            nc = case_b == b
            x["new_cases"] = int(nc.sum())
            x["under_control"] = int((nc & (self.fa < case_at)).sum())
            x["active_red"], x["active_yellow"] = int((level == 2).sum()), int((level == 1).sum())
            x["input"] = (f"feedback-{b:02d}.csv" if kind == "feedback" else f"{kind}-{b:02d}.h5").encode()
            batches[b - 1] = x
        neg = ((self.trep > 0) & (self.ttime >= since[:, None])).sum(1)
        self.state = dict(level=level, since=since, code_b=code_b, lifted=lifted, cls=cls, ch=ch,
                          case_at=case_at, case_b=case_b, traced=traced, pos_at=pos_at,
                          reached=reached, isolated=isolated, tests=tests, last_test=last_test,
                          negatives=neg.astype(np.int32))
        self.batches = batches

    def rows(self):
        s, n = self.state, len(self.pid)
        r = np.zeros(n, ROW_T)
        r["pid"], r["source_pid"], r["root_pid"] = self.pid, self.src, self.root
        r["jurisdiction"] = self.res // 10**8 * 10**8
        r["residence"] = self.res
        r["flagged_at"], r["code_since"], r["lifted_at"] = self.fa, s["since"], s["lifted"]
        r["reached_at"], r["positive_at"], r["case_at"] = s["reached"], s["pos_at"], s["case_at"]
        r["isolated_at"], r["last_test_at"] = s["isolated"], s["last_test"]
        r["first_batch"], r["code_batch"], r["case_batch"] = self.first, s["code_b"], s["case_b"]
        r["traced_batch"], r["negatives"], r["tests"] = s["traced"], s["negatives"], s["tests"]
        r["subject"] = self.subj
        r["subject_type"] = np.array([d.encode() for d in DOC_NAMES], dtype="S12")[self.typ]
        r["code"] = CODES[s["level"]]
        r["class"], r["channel"] = s["cls"], s["ch"]
        r["first_class"], r["first_channel"] = self.cls0, self.ch0
        return r

    def events(self):
        """/events: every reported event, sorted by (pid, at, batch, line)."""
        parts = [(self.rtime, self.rrep, REACHED, NONE), (self.itime, self.irep, ISOLATED, NONE),
                 (self.ptime, self.prep, TESTED, POSITIVE)]
        parts += [(self.ttime[:, j], self.trep[:, j], TESTED, NEGATIVE) for j in range(self.ttime.shape[1])]
        es = []
        for t, rep, ev, res in parts:
            i = np.flatnonzero(rep > 0)
            e = np.zeros(len(i), EVENT_T)
            e["pid"], e["at"], e["batch"], e["event"], e["result"] = self.pid[i], t[i], rep[i], ev, res
            es.append(e)
        e = np.concatenate(es)
        # Lines of each batch's feedback file: its rows in a random order, after the header.
        o = np.lexsort((self.rng.random(len(e)), e["batch"]))
        starts = np.searchsorted(e["batch"][o], e["batch"][o], side="left")
        e["line"][o] = np.arange(len(e)) - starts + 2
        return e[np.lexsort((e["line"], e["batch"], e["at"], e["pid"]))]

    def stats(self, r):
        return measures_of(r, int(self.T[-1])), yield_of(r)


def measures_of(r, at):
    lv = np.select([r["code"] == b"red", r["code"] == b"yellow"], [2, 1], 0)
    jur, inv = np.unique(r["jurisdiction"], return_inverse=True)
    m = np.zeros(len(jur), MEASURE_T)
    m["jurisdiction"] = jur
    cnt = lambda w: np.bincount(inv, weights=w.astype(np.float64), minlength=len(jur)).astype(np.uint64)
    reached = r["reached_at"] != 0
    m["flagged"] = cnt(np.ones(len(r), bool))
    m["active_red"], m["active_yellow"] = cnt(lv == 2), cnt(lv == 1)
    m["reached"] = cnt(reached)
    m["reached_24h"] = cnt(reached & (r["reached_at"] - r["flagged_at"] <= DAY))
    m["tested"] = cnt(r["tests"] > 0)
    m["positive"] = cnt(r["positive_at"] != 0)
    m["overdue"] = cnt((r["flagged_at"] < at - DAY) & ~reached & (lv > 0))
    return m


def yield_of(r):
    keep = ~np.isin(r["first_class"], [b"hop0", b"positive"])
    k = np.char.add(np.char.add(r["first_class"][keep].astype("S16"), b"\t"), r["first_channel"][keep].astype("S16"))
    u, inv = np.unique(k, return_inverse=True)
    y = np.zeros(len(u), YIELD_T)
    for i, key in enumerate(u):
        c, h = key.split(b"\t")
        y[i]["class"], y[i]["channel"] = c, h
    y["flagged"] = np.bincount(inv, minlength=len(u))
    late = (r["case_at"][keep] > r["flagged_at"][keep]).astype(np.float64)
    y["positive"] = np.bincount(inv, weights=late, minlength=len(u)).astype(np.uint64)
    return y


# ------------------------------------------------------------------ writing ----

# The column order paicha's schema gives /persons and /events (io/pc_schema.c): a table of the
# same members in the same order is read raw, as paicha's own are (pc_raw_open).
PERSONS_ORDER = ["pid", "subject", "subject_type", "code", "code_since", "code_batch", "lifted_at", "class",
                 "channel", "source_pid", "root_pid", "jurisdiction", "residence", "first_batch", "flagged_at",
                 "first_class", "first_channel", "case_batch", "case_at", "traced_batch", "positive_at",
                 "reached_at", "isolated_at", "released_at", "last_test_at", "tests", "negatives"]
EVENTS_ORDER = ["pid", "at", "batch", "line", "event", "result"]


def in_order(a, order):
    """a viewed with its members in paicha's order (same offsets: no copy)."""
    if sorted(order) != sorted(a.dtype.names):
        return a
    dt = np.dtype({"names": order, "formats": [a.dtype.fields[n][0] for n in order],
                   "offsets": [a.dtype.fields[n][1] for n in order], "itemsize": a.dtype.itemsize})
    return a.view(dt)


PART_T = np.dtype([("batch", "<i4"), ("base", "<i4"), ("persons", "<u8"), ("events", "<u8")])


def write_file(path, data, tables, attrs, chunk=1 << 20):
    import os
    tmp = path + ".tmp"
    with h5py.File(tmp, "w", libver=("earliest", "v110")) as f:
        for name, a in tables:
            a = in_order(a, PERSONS_ORDER if name == "persons" else EVENTS_ORDER if name == "events" else a.dtype.names)
            # /persons and /events contiguous, as paicha writes them (PC_OUT_CONTIGUOUS)
            big = name in ("persons", "events") and len(a) > 0
            ch = None if big else (max(1, min(chunk, len(a))),)
            d = f.create_dataset(name, shape=a.shape, dtype=a.dtype, chunks=ch,
                                 maxshape=None if big else (None,))
            for i in range(0, len(a), chunk):
                d[i:i + chunk] = a[i:i + chunk]
        f.attrs["job"] = "ledger"
        for k, v in attrs.items():
            f.attrs[k] = np.int64(v)
        for k, v in (("key_fingerprint", "data_key_fingerprint"), ("stays_checksum", "data_stays_checksum")):
            f.attrs[v] = np.uint64(data.attrs[k]) if k in data.attrs else np.uint64(0)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def write(path, data, rows, events, batches, m, y, parts=False):
    small = [("batches", batches), ("measures", m), ("yield", y)]
    attrs = {"batches": len(batches), "last_time": batches["time"][-1] if len(batches) else 0}
    if not parts:
        write_file(path, data, [("persons", rows), ("events", events)] + small, attrs)
        return
    last = int(batches["batch"][-1])
    write_file(f"{path}.part{last:04d}", data, [("persons", rows), ("events", events)],
               {"part_batch": last, "part_base": 1})
    p = np.array([(last, 1, len(rows), len(events))], dtype=PART_T)
    write_file(path, data, small + [("parts", p)], attrs)


def feedback(path, c, r, nrows, at, rng):
    """nrows feedback rows of the dataset's persons in the ledger, at times up to `at`."""
    i = rng.choice(np.flatnonzero(c.fromdata), nrows)
    ev = rng.choice(5, nrows, p=[0.4, 0.39, 0.01, 0.16, 0.04])
    names = np.array(["reached", "tested", "tested", "isolated", "released"])[ev]
    result = np.array(["", "negative", "positive", "", ""])[ev]
    lo = np.maximum(r["flagged_at"][i], at - 3 * DAY)
    t = lo + (rng.random(nrows) * np.maximum(at - lo, 60)).astype(np.int64)
    t = t // 60 * 60
    tl = (t + 8 * HOUR).astype("datetime64[s]")
    ts = np.datetime_as_string(tl, unit="m")
    subj = np.char.decode(r["subject"][i].astype("S20"))
    st = np.char.decode(r["subject_type"][i].astype("S12"))
    with open(path, "w", encoding="utf-8") as f:
        f.write("subject,subject_type,event,at,result\n")
        step = 1 << 18
        for k in range(0, nrows, step):
            s = slice(k, k + step)
            f.write("\n".join(",".join(x) for x in zip(subj[s], st[s], names[s], ts[s], result[s])))
            f.write("\n")
    import os
    os.chmod(path, 0o600)


def check(path):
    """/batches' per-batch counts (new flagged, new cases, under control), /measures and /yield
    recomputed from /persons."""
    f = h5py.File(path, "r")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
    import ledger
    r, bt = ledger.persons(path), f["batches"][()]
    bad = []
    for x in bt:
        b = int(x["batch"])
        nc = r["case_batch"] == b
        want = {"new_flagged": int((r["first_batch"] == b).sum()), "new_cases": int(nc.sum()),
                "under_control": int((nc & (r["flagged_at"] < r["case_at"])).sum())}
        bad += [f"batch {b} {k} {int(x[k])} != {v}" for k, v in want.items() if int(x[k]) != v]
    m = measures_of(r, int(bt["time"][-1]))
    if m.tobytes() != f["measures"][()].tobytes():
        bad.append("/measures differ from /persons")
    y = yield_of(r)
    got = f["yield"][()]
    if len(y) != len(got) or any(y[n].tolist() != got[n].tolist() for n in ("flagged", "positive")):
        bad.append("/yield differs from /persons")
    for p in bad[:20]:
        print(p, file=sys.stderr)
    if bad:
        sys.exit(1)
    print(f"make_ledger --check: {len(r):,} persons, {len(bt)} batches consistent")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    ap.add_argument("--out")
    ap.add_argument("--persons", type=int, default=10000)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--step", type=parse_step, default="12h")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--key")
    ap.add_argument("--data-share", type=float, default=1.0)
    ap.add_argument("--feedback")
    ap.add_argument("--feedback-rows", type=int, default=1000)
    ap.add_argument("--check")
    ap.add_argument("--parts", action="store_true", help="a ledger kept in parts (a base part)")
    a = ap.parse_args()
    if a.check:
        return check(a.check)
    if not a.data or not a.out or a.batches < 2:
        ap.error("--data and --out (and at least 2 batches) are needed")
    t0 = time.time()
    rng = np.random.default_rng(a.seed)
    data = h5py.File(a.data, "r")
    c = Campaign(a, data, rng)
    c.draw()
    c.run()
    r = c.rows()
    e = c.events()
    m, y = c.stats(r)
    write(a.out, data, r, e, c.batches, m, y, a.parts)
    msg = (f"make_ledger: {len(r):,} persons ({int(c.fromdata.sum()):,} of the dataset), {len(e):,} events, "
           f"{a.batches} batches to {local_time(c.T[-1])}")
    if a.feedback:
        at = int(c.T[-1]) + a.step
        feedback(a.feedback, c, r, a.feedback_rows, at, rng)
        msg += f"; {a.feedback_rows:,} feedback rows for at {local_time(at)}"
    print(f"{msg} ({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()
