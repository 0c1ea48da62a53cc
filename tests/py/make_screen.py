#!/usr/bin/python3
"""make_screen.py - a hand-built dataset of screen's edge cases, with hand-computed expectations.

    make_screen.py OUTDIR

writes OUTDIR/key (mode 0600), OUTDIR/screen.h5 (the dataset), OUTDIR/screen.yaml
(the screen config, output OUTDIR/screened.h5) and OUTDIR/expected.json: the rows
and counts the config must give, derived by hand from the rules of SPEC.md
("Risk-area screening", "Codes", "Dispatch") as the screen contract states them,
NOT by running an implementation (the notes say why each row is there or not).

The rules: per person and area, dwell = whole minutes of the union of the
person's stays matching the area (stay region under a prefix, or place listed),
each cut to [from, to) and to the daily window; flagged when dwell >= min_dwell
and dwell >= 60 s; exposure = the first second counted. Jurisdiction: region of
the longest stay covering dispatch.at (start <= at < end; ties by channel, then
place id), else the residence, else 0, cut to the dispatch level.

as_of 2021-08-09T00:00 (dataset attribute; the config gives none), days 14: the
data window is [2021-07-26T00:00, 2021-08-09T00:00]; dispatch.at defaults to
2021-08-08T03:00. All times are local (UTC+8) and minute-aligned, except S1's
59-second stay (which starts on a minute, so whole-minute counting is unambiguous).

Areas (config order = row order within a person):
  wuhan     regions ["4201"] (city prefix), [07-27 00:00, 08-06 00:00), min_dwell 2h
  wuchang   regions ["420106"] (county prefix), [08-01, 08-08), hours 12:00-24:00, min_dwell 30m
  nightbar  places [a cafe's id (decimal), "cell 430102-00001" (a name: lbs)],
            [08-02, 08-08), hours 22:00-02:00 (crosses midnight), min_dwell 1h
  tianxin   regions ["430103001"] (township prefix), [08-01, 08-08), min_dwell 0m
  wuhan-henan  regions ["4201"], [08-06, 08-07), min_dwell 2h,
            then {regions ["41"] (Henan), within 12h, min_dwell 1m}
  hubei-born   regions ["41"], [08-06, 08-09), min_dwell 1h, id_origin ["4201", "4202"]
  jiangan-cell regions ["420102"], [08-07, 08-08), min_dwell 30m,
            then {places ["cell 410102-00001"] (a name), within 6h, min_dwell 30m}

Every row also has reached_at (t_A, the instant the dwell reached min_dwell),
then_at (the instant the dwell in the then area, counted from t_A, reached its
min_dwell) and then_dwell (whole minutes there within [t_A, t_A + within)); the
last two are 0 for an area without `then`. The H* persons, the visitors VH (by
phone) and VI (by an ID number) and the passport holder PP exercise `then` and
`id_origin`; their stays keep out of the first four areas (Wuhan only from 08-06
on, in Jiang'an; Henan elsewhere).
"""
import calendar
import datetime
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h5dataset  # noqa: E402
import siphash  # noqa: E402

KEY_HEX = "00112233445566778899aabbccddeeff"
AS_OF = "2021-08-09T00:00"
DAYS = 14

# ---------------------------------------------------------------- regions
HUBEI, WUHAN = 420000000000, 420100000000
JIANGAN, JIANGAN_T, JIANGAN_C = 420102000000, 420102001000, 420102001001
WUCHANG, WUCHANG_T, WUCHANG_C = 420106000000, 420106001000, 420106001001
HUANGSHI, HUANGSHI_K, HUANGSHI_T, HUANGSHI_C = 420200000000, 420202000000, 420202001000, 420202001001
HUNAN, CHANGSHA = 430000000000, 430100000000
FURONG, FURONG_T1, FURONG_C1, FURONG_T2, FURONG_C2 = (430102000000, 430102001000, 430102001001,
                                                      430102002000, 430102002001)
TIANXIN, TIANXIN_T, TIANXIN_C = 430103000000, 430103001000, 430103001001
ZHUZHOU, ZHUZHOU_K, ZHUZHOU_T, ZHUZHOU_C = 430200000000, 430202000000, 430202001000, 430202001001
HENAN, ZHENGZHOU, ZHONGYUAN, ZHONGYUAN_T, ZHONGYUAN_C = (410000000000, 410100000000, 410102000000,
                                                          410102001000, 410102001001)


def _r(code, parent, level, name, weight=0.5, urban=1):
    return dict(code=code, parent=parent, level=level, name=name, weight=weight, urban=urban)


REGIONS = [
    _r(HUBEI, 0, 1, "Hubei", 1.0),
    _r(WUHAN, HUBEI, 2, "Wuhan"),
    _r(JIANGAN, WUHAN, 3, "Jiang'an"), _r(JIANGAN_T, JIANGAN, 4, "Jiang'an town"),
    _r(JIANGAN_C, JIANGAN_T, 5, "Jiang'an community"),
    _r(WUCHANG, WUHAN, 3, "Wuchang"), _r(WUCHANG_T, WUCHANG, 4, "Wuchang town"),
    _r(WUCHANG_C, WUCHANG_T, 5, "Wuchang community"),
    _r(HUANGSHI, HUBEI, 2, "Huangshi"), _r(HUANGSHI_K, HUANGSHI, 3, "Huangshigang"),
    _r(HUANGSHI_T, HUANGSHI_K, 4, "Huangshigang town"), _r(HUANGSHI_C, HUANGSHI_T, 5, "Huangshigang community"),
    _r(HUNAN, 0, 1, "Hunan", 1.0),
    _r(CHANGSHA, HUNAN, 2, "Changsha"),
    _r(FURONG, CHANGSHA, 3, "Furong"), _r(FURONG_T1, FURONG, 4, "Furong town one"),
    _r(FURONG_C1, FURONG_T1, 5, "Furong community one"), _r(FURONG_T2, FURONG, 4, "Furong town two"),
    _r(FURONG_C2, FURONG_T2, 5, "Furong community two"),
    _r(TIANXIN, CHANGSHA, 3, "Tianxin"), _r(TIANXIN_T, TIANXIN, 4, "Tianxin town"),
    _r(TIANXIN_C, TIANXIN_T, 5, "Tianxin community"),
    _r(ZHUZHOU, HUNAN, 2, "Zhuzhou"), _r(ZHUZHOU_K, ZHUZHOU, 3, "Hetang"),
    _r(ZHUZHOU_T, ZHUZHOU_K, 4, "Hetang town"), _r(ZHUZHOU_C, ZHUZHOU_T, 5, "Hetang community"),
    _r(HENAN, 0, 1, "Henan", 1.0),
    _r(ZHENGZHOU, HENAN, 2, "Zhengzhou"), _r(ZHONGYUAN, ZHENGZHOU, 3, "Zhongyuan"),
    _r(ZHONGYUAN_T, ZHONGYUAN, 4, "Zhongyuan town"), _r(ZHONGYUAN_C, ZHONGYUAN_T, 5, "Zhongyuan community"),
]


def T(local):
    """'YYYY-MM-DDTHH:MM[:SS]' local (UTC+8) -> epoch seconds."""
    fmt = "%Y-%m-%dT%H:%M:%S" if local.count(":") == 2 else "%Y-%m-%dT%H:%M"
    return calendar.timegm(datetime.datetime.strptime(local, fmt).timetuple()) - 8 * 3600


def id_number(county6, birth, seq2, male):
    """A valid GB 11643 ID number: county, birth date, 3-digit sequence (odd = male), check."""
    body = f"{county6:06d}{birth:08d}{seq2:02d}{1 if male else 2}"
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * k for c, k in zip(body, w)) % 11]


# place_key: ids of places named as in stays.csv (kernels/pc_hash.c pc_place_key:
# unkeyed SipHash-2-4 of the channel byte and the name, under a fixed public key).
PLACE_KEY = (0x706169636861706c).to_bytes(8, "little") + (0x6163652069647321).to_bytes(8, "little")


def place_key(channel, name):
    ch = h5dataset.CHANNEL_NUMBER[channel]
    assert ch != h5dataset.CHANNEL_NUMBER["rail"] and len(name.encode()) <= 256
    h = siphash.siphash24(PLACE_KEY, bytes([ch]) + name.encode("utf-8"))
    return ch << 56 | (h & ((1 << 56) - 1))


# ---------------------------------------------------------------- persons
# label: (residence, birth_date (0 unknown), male, sector)
PERSONS = {
    "W1": (FURONG_C1, 19900809, True, "E"),     # birthday on as_of's date: 31
    "W2": (FURONG_C1, 19900101, False, "E"),
    "W3": (FURONG_C1, 19900810, False, "G"),    # birthday the day after as_of: 30
    "W4": (FURONG_C1, 19850101, True, "G"),
    "W5": (FURONG_C1, 19700101, True, "C"),
    "W6": (FURONG_C1, 19400101, False, "R0"),   # 81: band 80+
    "R1": (FURONG_C1, 20050301, True, "S0"),    # 16: band 12-17
    "K1": (FURONG_C1, 19880808, False, "M"),
    "K2": (FURONG_C1, 19880101, True, "M"),
    "K3": (FURONG_C1, 19880101, False, "M"),
    "K4": (FURONG_C1, 0, True, "M"),            # birth date unknown: age -1
    "P2": (ZHUZHOU_C, 19750620, True, "F"),
    "N1": (FURONG_C2, 19990101, True, "I"),
    "N2": (FURONG_C2, 19990101, False, "I"),
    "N3": (FURONG_C2, 19990101, True, "I"),
    "N4": (FURONG_C2, 20000505, False, "H"),
    "N5": (FURONG_C2, 20200101, True, "U0"),    # 1: band 0-2 (a baby with a phone: fine for a test)
    "N6": (ZHUZHOU_C, 19960101, True, "H"),
    "N7": (FURONG_C2, 19960101, False, "H"),
    "S1": (TIANXIN_C, 19800101, True, "P"),
    "S2": (TIANXIN_C, 19800101, False, "P"),
    "T1": (FURONG_C1, 19820202, True, "L"),
    "T2": (FURONG_C1, 19820202, False, "L"),
    # then: and id_origin: (the county of the ID number is the residence's unless in ID_COUNTY)
    "H1": (JIANGAN_C, 19910101, True, "F"),     # ID 420102...: registered in Wuhan
    "H2": (HUANGSHI_C, 19920202, False, "F"),   # ID 420202...: Huangshi
    "H3": (JIANGAN_C, 19930303, True, "F"),
    "H4": (FURONG_C1, 19940404, False, "G"),    # ID 430102...: Changsha
    "H5": (FURONG_C1, 19950505, True, "G"),     # ID 420302...: Shiyan (4203), lives in Changsha
    "H6": (WUCHANG_C, 19960606, False, "H"),    # ID 420106...: Wuhan
    "H7": (FURONG_C2, 19970707, True, "H"),
    "H8": (ZHONGYUAN_C, 19980808, False, "I"),  # ID 410102...: Henan
    "PP": (FURONG_C1, 19890909, True, "I"),     # registered by passport: no ID number
}
ID_COUNTY = {"H5": 420302}
# A passport whose number happens to begin with 4201: not an ID number, never kept by id_origin.
PASSPORTS = {"PP": "420112345"}
# Visitors: phones no registered person owns; in /persons and /identities with flags 1
# (PC_PERSON_VISITOR), region 0, birth date unknown, sector empty; subject = the phone.
VISITORS = {"V1": "13800000001", "V2": "13800000002", "VH": "13800000003"}
# A visitor known by an ID number the registry lacks (flags 1, id_type 0): it has an ID
# number, so id_origin looks at it (the Henan case: registered in Wuhan, now in Henan).
VISITOR_IDS = {"VI": (420102, 19850505, 77, True)}

# ---------------------------------------------------------------- places
# label: (channel, n or None = named (id = place_key), region, name)
PLACES = {
    "Lw1": ("lbs", 1, JIANGAN_C, "cell 420102-00001"),
    "Gw1": ("grid", 1, JIANGAN_C, "grid 420102-0001"),
    "Lw2": ("lbs", 2, WUCHANG_C, "cell 420106-00002"),
    "Lh1": ("lbs", 3, HUANGSHI_C, "cell 420202-00003"),
    "Rw": ("rail", 4, JIANGAN_C, "G1001 2021-07-29 car 03"),
    "Hw": ("lodging", 5, JIANGAN_C, "hotel 420102-0005"),
    "Bar": ("cafe", 6, FURONG_C2, "cafe 430102-0006"),
    "Cell1": ("lbs", None, FURONG_C2, "cell 430102-00001"),
    "Lc": ("lbs", 7, FURONG_C1, "cell 430102-00007"),
    "Gz": ("grid", 8, ZHUZHOU_C, "grid 430202-0008"),
    "Lz": ("lbs", 9, ZHUZHOU_C, "cell 430202-00009"),
    "Lt": ("lbs", 10, TIANXIN_C, "cell 430103-00010"),
    "Gc": ("grid", 11, FURONG_C1, "grid 430102-0011"),
    "Ln": ("lbs", 12, ZHONGYUAN_C, "cell 410102-00012"),
    "Cn": ("lbs", None, ZHONGYUAN_C, "cell 410102-00001"),
}


def PID(p):
    ch, n, _, name = PLACES[p]
    return place_key(ch, name) if n is None else h5dataset.place_id(ch, n)


# ---------------------------------------------------------------- stays
# (who, place, start, end)
STAYS = [
    # wuhan: min_dwell 2h, exactly / one minute under
    ("W1", "Lw1", "2021-07-30T10:00", "2021-07-30T12:00"),
    ("W2", "Lw1", "2021-07-30T10:00", "2021-07-30T11:59"),
    # wuhan: lbs and grid at the same time count once
    ("W3", "Lw1", "2021-07-31T09:00", "2021-07-31T11:00"),
    ("W3", "Gw1", "2021-07-31T09:30", "2021-07-31T11:00"),      # union 2 h, sum 3.5 h
    ("W4", "Lw1", "2021-07-31T13:00", "2021-07-31T14:00"),
    ("W4", "Gw1", "2021-07-31T13:00", "2021-07-31T14:00"),      # union 1 h, sum 2 h
    # wuhan: stays straddling the period's start and end
    ("W5", "Lw1", "2021-07-26T20:00", "2021-07-27T03:00"),      # 3 h inside, from 07-27 00:00
    ("W5", "Gw1", "2021-08-05T22:00", "2021-08-06T01:00"),      # 2 h inside, to 08-06 00:00
    # wuhan: disjoint stays add up; Huangshi (4202) is not under 4201
    ("W6", "Lw1", "2021-07-28T08:00", "2021-07-28T09:00"),
    ("W6", "Lh1", "2021-07-28T09:00", "2021-07-28T14:00"),
    ("W6", "Lw1", "2021-07-29T18:00", "2021-07-29T19:00"),
    # wuhan: a region matches whatever the channel (a train departing Wuhan, a hotel)
    ("R1", "Rw", "2021-07-29T08:00", "2021-07-29T09:00"),
    ("R1", "Hw", "2021-07-29T20:00", "2021-07-29T21:00"),
    # wuchang (county prefix, hours 12:00-24:00)
    ("K1", "Lw2", "2021-08-06T23:00", "2021-08-07T01:00"),      # 23:00-24:00 only; after wuhan's period
    ("K2", "Lw1", "2021-08-03T14:00", "2021-08-03T18:00"),      # Jiang'an: wuhan yes, wuchang no
    ("K3", "Lw2", "2021-08-07T11:30", "2021-08-07T12:29"),      # 29 min inside the window
    ("K4", "Lw2", "2021-08-07T11:00", "2021-08-07T12:30"),      # 30 min inside: exposure 12:00
    # one person, two areas; dispatch in another city than the residence
    ("P2", "Lw2", "2021-08-04T14:00", "2021-08-04T17:00"),
    ("P2", "Lc", "2021-08-08T00:00", "2021-08-08T08:00"),       # Changsha, 8 h, covers 03:00
    ("P2", "Gz", "2021-08-08T02:00", "2021-08-08T04:00"),       # Zhuzhou, 2 h, covers too: shorter
    # nightbar (places: cafe by id, cell by name; 22:00-02:00)
    ("N1", "Bar", "2021-08-03T21:00", "2021-08-04T03:00"),
    ("N2", "Cell1", "2021-08-04T23:30", "2021-08-05T00:00"),    # both sides of midnight
    ("N2", "Cell1", "2021-08-05T00:00", "2021-08-05T00:30"),
    ("N3", "Cell1", "2021-08-05T01:30", "2021-08-05T02:30"),    # 30 min inside
    ("N3", "Bar", "2021-08-05T21:00", "2021-08-05T22:29"),      # 29 min inside: 59 in all
    ("N4", "Bar", "2021-08-06T22:00", "2021-08-07T00:00"),
    ("N4", "Cell1", "2021-08-06T23:00", "2021-08-07T01:00"),    # overlaps the cafe stay
    ("N5", "Cell1", "2021-08-01T23:00", "2021-08-02T01:30"),    # period starts 08-02 00:00
    ("N6", "Bar", "2021-08-07T23:00", "2021-08-08T03:00"),      # period ends 08-08 00:00; ends at 03:00
    ("N7", "Bar", "2021-08-04T12:00", "2021-08-04T20:00"),      # daytime only
    # visitors
    ("V1", "Cell1", "2021-08-05T22:00", "2021-08-05T23:30"),
    ("V1", "Lw1", "2021-08-08T01:00", "2021-08-08T05:00"),      # covers 03:00: Wuhan
    ("V2", "Lw1", "2021-07-28T08:00", "2021-07-28T11:00"),
    # tianxin (township prefix, min_dwell 0m: any whole minute)
    ("S1", "Lt", "2021-08-05T10:00:00", "2021-08-05T10:00:59"),  # 59 s: no whole minute
    ("S2", "Lt", "2021-08-05T10:00", "2021-08-05T10:01"),
    # dispatch ties (equal lengths; the sort order of /stays puts the loser first)
    ("T1", "Lt", "2021-08-06T10:00", "2021-08-06T10:05"),
    ("T1", "Gc", "2021-08-08T01:00", "2021-08-08T04:00"),       # grid, Changsha, 3 h
    ("T1", "Lw2", "2021-08-08T02:00", "2021-08-08T05:00"),      # lbs, Wuhan, 3 h: lbs before grid
    ("T2", "Lt", "2021-08-06T11:00", "2021-08-06T11:05"),
    ("T2", "Lz", "2021-08-08T01:00", "2021-08-08T04:00"),       # lbs n=9, Zhuzhou, 3 h
    ("T2", "Lw1", "2021-08-08T02:00", "2021-08-08T05:00"),      # lbs n=1, Wuhan, 3 h: smaller id
    # wuhan-henan: t_A = 10:00 (2h in Wuhan from 08:00), so Henan counts in [10:00, 22:00)
    ("H1", "Lw1", "2021-08-06T08:00", "2021-08-06T10:00"),
    ("H1", "Ln", "2021-08-06T21:59", "2021-08-06T23:00"),       # arrives within - 1 min: 1 min inside
    ("H8", "Lw1", "2021-08-06T08:00", "2021-08-06T10:00"),
    ("H8", "Ln", "2021-08-06T21:58", "2021-08-06T23:00"),       # reaches 1 min at within - 1 min
    ("H2", "Lw1", "2021-08-06T08:00", "2021-08-06T10:00"),
    ("H2", "Ln", "2021-08-06T22:00", "2021-08-06T23:00"),       # arrives at t_A + within: outside
    ("H3", "Lw1", "2021-08-06T08:00", "2021-08-06T10:00"),
    ("H3", "Ln", "2021-08-06T22:01", "2021-08-06T23:00"),       # one minute after
    # the Wuhan dwell reaches 2h exactly at the period's end; Henan before t_A does not count
    ("H4", "Ln", "2021-08-06T12:00", "2021-08-06T14:00"),
    ("H4", "Lw1", "2021-08-06T22:00", "2021-08-07T02:00"),
    ("H4", "Ln", "2021-08-07T11:00", "2021-08-07T11:30"),
    # Henan first, Wuhan after: nothing follows
    ("H5", "Ln", "2021-08-06T06:00", "2021-08-06T08:00"),
    ("H5", "Lw1", "2021-08-06T08:00", "2021-08-06T10:00"),
    # t_A is when the running dwell reached 2h (14:00), not first + 2h (10:00)
    ("H6", "Lw1", "2021-08-06T08:00", "2021-08-06T09:00"),
    ("H6", "Lw1", "2021-08-06T13:00", "2021-08-06T14:00"),
    ("H6", "Ln", "2021-08-07T01:30", "2021-08-07T03:00"),
    # a visitor known by phone: in then areas like anyone, never kept by id_origin
    ("VH", "Lw1", "2021-08-06T08:00", "2021-08-06T10:00"),
    ("VH", "Ln", "2021-08-06T10:00", "2021-08-06T11:00"),
    ("PP", "Ln", "2021-08-07T08:00", "2021-08-07T10:00"),
    ("VI", "Ln", "2021-08-07T14:00", "2021-08-07T15:30"),
    # jiangan-cell: then by place name
    ("H7", "Lw1", "2021-08-07T10:00", "2021-08-07T10:30"),
    ("H7", "Cn", "2021-08-07T12:00", "2021-08-07T12:45"),
]

AREAS = ["wuhan", "wuchang", "nightbar", "tianxin", "wuhan-henan", "hubei-born", "jiangan-cell"]

# ---------------------------------------------------------------- expectations (by hand)
# (label, area, exposure (local), reached_at (local), dwell minutes, jurisdiction or None = residence
# city, note); an area with `then` adds (then_at, then minutes) in THEN
EXPECTED = [
    ("W1", "wuhan", "2021-07-30T10:00", "2021-07-30T12:00", 120, None, "exactly min_dwell 2h"),
    ("W3", "wuhan", "2021-07-31T09:00", "2021-07-31T11:00", 120, None, "lbs 09:00-11:00 and grid 09:30-11:00: union 2h (sum 3.5h)"),
    ("W5", "wuhan", "2021-07-27T00:00", "2021-07-27T02:00", 300, None,
     "07-26 20:00-07-27 03:00 cut at from: 3h, exposure = from; 08-05 22:00-08-06 01:00 cut at to: 2h"),
    ("W6", "wuhan", "2021-07-28T08:00", "2021-07-29T19:00", 120, None, "1h + 1h in Wuhan; 5h in Huangshi (4202) do not count"),
    ("R1", "wuhan", "2021-07-29T08:00", "2021-07-29T21:00", 120, None, "rail 1h (departure region Wuhan) + hotel 1h"),
    ("K2", "wuhan", "2021-08-03T14:00", "2021-08-03T16:00", 240, None, "Jiang'an is under 4201 (not under 420106)"),
    ("P2", "wuhan", "2021-08-04T14:00", "2021-08-04T16:00", 180, CHANGSHA,
     "Wuchang is under 4201; dispatch: the 8h Changsha stay beats the 2h Zhuzhou one"),
    ("V2", "wuhan", "2021-07-28T08:00", "2021-07-28T10:00", 180, 0, "visitor: no residence, no covering stay: jurisdiction 0"),
    ("K1", "wuchang", "2021-08-06T23:00", "2021-08-06T23:30", 60, None, "23:00-01:00 inside 12:00-24:00: 23:00-24:00 only"),
    ("K4", "wuchang", "2021-08-07T12:00", "2021-08-07T12:30", 30, None, "11:00-12:30: 12:00-12:30 = exactly 30m, exposure 12:00"),
    ("P2", "wuchang", "2021-08-04T14:00", "2021-08-04T14:30", 180, CHANGSHA, "the same stay: a second row, after wuhan"),
    ("N1", "nightbar", "2021-08-03T22:00", "2021-08-03T23:00", 240, None, "cafe by id 21:00-03:00: 22:00-02:00 across midnight"),
    ("N2", "nightbar", "2021-08-04T23:30", "2021-08-05T00:30", 60, None, "cell by name, 30 min before and 30 after midnight"),
    ("N4", "nightbar", "2021-08-06T22:00", "2021-08-06T23:00", 180, None, "cafe 22:00-24:00 and cell 23:00-01:00: union 3h"),
    ("N5", "nightbar", "2021-08-02T00:00", "2021-08-02T01:00", 90, None, "23:00-01:30 cut at from 08-02 00:00: 90 min"),
    ("N6", "nightbar", "2021-08-07T23:00", "2021-08-08T00:00", 60, ZHUZHOU,
     "23:00-03:00 cut at to 08-08 00:00: 1h; the stay ends at 03:00, so does not cover dispatch.at"),
    ("V1", "nightbar", "2021-08-05T22:00", "2021-08-05T23:00", 90, WUHAN, "visitor: jurisdiction from the stay covering 03:00"),
    ("S2", "tianxin", "2021-08-05T10:00", "2021-08-05T10:01", 1, None, "one whole minute, min_dwell 0m"),
    ("T1", "tianxin", "2021-08-06T10:00", "2021-08-06T10:01", 5, WUHAN, "dispatch tie 3h/3h: lbs (Wuhan) before grid (Changsha)"),
    ("T2", "tianxin", "2021-08-06T11:00", "2021-08-06T11:01", 5, WUHAN, "dispatch tie 3h/3h lbs: smaller place id (Wuhan)"),
    ("H1", "wuhan-henan", "2021-08-06T08:00", "2021-08-06T10:00", 120, None,
     "t_A 10:00, Henan window [10:00, 22:00): arrives 21:59, its 1 minute reached at 22:00"),
    ("H8", "wuhan-henan", "2021-08-06T08:00", "2021-08-06T10:00", 120, None,
     "arrives 21:58: 2 minutes inside, 1 min reached at 21:59 (within - 1 min)"),
    ("H4", "wuhan-henan", "2021-08-06T22:00", "2021-08-07T00:00", 120, None,
     "Wuhan 22:00-02:00 cut at to: 2h reached exactly at the period's end; Henan 12:00-14:00 was "
     "before t_A, 11:00-11:30 the next day is inside [00:00, 12:00)"),
    ("H6", "wuhan-henan", "2021-08-06T08:00", "2021-08-06T14:00", 120, None,
     "1h + 1h: t_A 14:00, so Henan 01:30-03:00 counts up to 02:00 (30 min)"),
    ("VH", "wuhan-henan", "2021-08-06T08:00", "2021-08-06T10:00", 120, 0,
     "a visitor known by phone: screened like anyone"),
    ("H1", "hubei-born", "2021-08-06T21:59", "2021-08-06T22:59", 61, None, "ID 420102...: under 4201"),
    ("H2", "hubei-born", "2021-08-06T22:00", "2021-08-06T23:00", 60, None, "ID 420202...: under 4202"),
    ("H6", "hubei-born", "2021-08-07T01:30", "2021-08-07T02:30", 90, None, "ID 420106...: under 4201"),
    ("VI", "hubei-born", "2021-08-07T14:00", "2021-08-07T15:00", 90, 0,
     "a visitor known by an ID number under 4201: kept; no residence, jurisdiction 0"),
    ("H7", "jiangan-cell", "2021-08-07T10:00", "2021-08-07T10:30", 30, None,
     "t_A 10:30; the named cell 12:00-12:45 inside [10:30, 16:30)"),
]
# (label, area): (then_at (local), minutes in the then area within [t_A, t_A + within))
THEN = {
    ("H1", "wuhan-henan"): ("2021-08-06T22:00", 1),
    ("H8", "wuhan-henan"): ("2021-08-06T21:59", 2),
    ("H4", "wuhan-henan"): ("2021-08-07T11:01", 30),
    ("H6", "wuhan-henan"): ("2021-08-07T01:31", 30),
    ("VH", "wuhan-henan"): ("2021-08-06T10:01", 60),
    ("H7", "jiangan-cell"): ("2021-08-07T12:30", 45),
}
# Rows that must not be there, of persons flagged elsewhere.
NOT_ROWS = {
    ("H2", "wuhan-henan"): "arrives in Henan at 22:00 = t_A + within: [t_A, t_A + within) is half-open",
    ("H8", "hubei-born"): "62 min in Henan, but ID 410102...: not under 4201 or 4202",
    ("H4", "hubei-born"): "150 min in Henan, but ID 430102...",
    ("VH", "hubei-born"): "60 min in Henan, but a visitor has no ID number",
    ("H4", "jiangan-cell"): "Jiang'an 00:00-02:00 on 08-07 (t_A 00:30), but Henan only at another cell",
    ("H7", "hubei-born"): "45 min in Henan: under 1h",
}
NOT_FLAGGED = {
    "W2": "wuhan: 1h59, one minute under min_dwell",
    "W4": "wuhan: lbs and grid 13:00-14:00: union 1h (sum 2h)",
    "K3": "wuchang: 29 min inside the window; 59 min in all, under wuhan's 2h",
    "N3": "nightbar: 30 min after midnight + 29 min before 22:00 cut = 59 min",
    "N7": "nightbar: daytime only, outside 22:00-02:00",
    "S1": "tianxin: 59 s, no whole minute (dwell 0 < 60 s)",
    "H3": "wuhan-henan: arrives in Henan at 22:01, one minute after t_A + within; hubei-born: 59 min",
    "H5": "wuhan-henan: Henan before Wuhan, none after t_A; hubei-born: ID 420302... (4203)",
    "PP": "hubei-born: 2h in Henan and a passport number beginning 4201: not an ID number",
}


def age_at_as_of(birth):
    """Whole years on 2021-08-09 (as_of's local date); -1 unknown."""
    if birth == 0:
        return -1
    return 2021 - birth // 10000 - ((8, 9) < (birth // 100 % 100, birth % 100))


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    key_path = os.path.join(outdir, "key")
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(KEY_HEX + "\n")
    os.chmod(key_path, 0o600)
    key = bytes.fromhex(KEY_HEX)

    persons, identities, pid_of, subject_of = [], [], {}, {}
    for i, (label, (residence, birth, male, sector)) in enumerate(PERSONS.items()):
        idn = id_number(ID_COUNTY.get(label, residence // 10 ** 6), birth or 19900101, 10 + i, male)
        pid = siphash.pid_of_idnum(key, idn)
        id_type = 0
        if label in PASSPORTS:  # a pid of its own (screen does not recompute pids)
            idn, id_type = PASSPORTS[label], 1
            pid = siphash.siphash24(key, b"D" + idn.encode()) or 1
        pid_of[label], subject_of[label] = pid, idn
        persons.append(dict(pid=pid, household=200000 + i, region=residence, employer=0, birth_date=birth,
                            sex=1 if male else 2, doses=2, sector=sector))
        identities.append(dict(pid=pid, subject=idn, phone=f"139{i:08d}", id_type=id_type))
    for label, phone in VISITORS.items():
        pid = siphash.pid_of_phone(key, phone)
        pid_of[label], subject_of[label] = pid, phone
        persons.append(dict(pid=pid, flags=1))
        identities.append(dict(pid=pid, subject=phone, phone=phone, flags=1, id_type=6))
    for label, (county, birth, seq, male) in VISITOR_IDS.items():
        idn = id_number(county, birth, seq, male)
        pid = siphash.pid_of_idnum(key, idn)
        pid_of[label], subject_of[label] = pid, idn
        persons.append(dict(pid=pid, flags=1))
        identities.append(dict(pid=pid, subject=idn, phone="", flags=1, id_type=0))
    assert len(set(pid_of.values())) == len(pid_of)

    places = [dict(id=PID(p), region=r, channel=h5dataset.CHANNEL_NUMBER[ch], name=name)
              for p, (ch, n, r, name) in PLACES.items()]
    stays = []
    for who, p, start, end in STAYS:
        ch, _, region, name = PLACES[p]
        carriage = int(name.split(" car ")[1]) if ch == "rail" else 0
        stays.append(dict(pid=pid_of[who], place=PID(p), start=T(start), end=T(end), region=region,
                          channel=h5dataset.CHANNEL_NUMBER[ch], carriage=carriage,
                          row=5 if ch == "rail" else 0))
    data = os.path.join(outdir, "screen.h5")
    h5dataset.write_dataset(data, regions=REGIONS, persons=persons, identities=identities, stays=stays,
                            places=places, as_of=T(AS_OF), days=DAYS)

    with open(os.path.join(outdir, "screen.yaml"), "w") as f:
        f.write(f"""# screen config of the hand-built edge cases (tests/py/make_screen.py)
data: {data}
output: {outdir}/screened.h5
quiet: true
areas:
  - name: wuhan
    regions: ["4201"]
    from: 2021-07-27T00:00
    to: 2021-08-06T00:00
    min_dwell: 2h
  - name: wuchang
    regions: ["420106"]
    from: 2021-08-01T00:00
    to: 2021-08-08T00:00
    hours: "12:00-24:00"
    min_dwell: 30m
  - name: nightbar
    places: ["{PID('Bar')}", "{PLACES['Cell1'][3]}"]
    from: 2021-08-02T00:00
    to: 2021-08-08T00:00
    hours: "22:00-02:00"
    min_dwell: 1h
  - name: tianxin
    regions: ["430103001"]
    from: 2021-08-01T00:00
    to: 2021-08-08T00:00
    min_dwell: 0m
  - name: wuhan-henan
    regions: ["4201"]
    from: 2021-08-06T00:00
    to: 2021-08-07T00:00
    min_dwell: 2h
    then: {{regions: ["41"], within: 12h, min_dwell: 1m}}
  - name: hubei-born
    regions: ["41"]
    from: 2021-08-06T00:00
    to: 2021-08-09T00:00
    min_dwell: 1h
    id_origin: ["4201", "4202"]
  - name: jiangan-cell
    regions: ["420102"]
    from: 2021-08-07T00:00
    to: 2021-08-08T00:00
    min_dwell: 30m
    then:
      places: ["{PLACES['Cn'][3]}"]
      within: 6h
      min_dwell: 30m
codes: {{red: [], yellow: [screened]}}
dispatch: {{level: city}}
breakdown: {{level: county, age_edges: [0, 3, 12, 18, 60, 80]}}
""")

    # Rows, sorted by pid then by the area's order in the config.
    rows = []
    for label, area, exposure, reached, minutes, jur, note in EXPECTED:
        if label in PERSONS:
            residence, birth, _, sector = PERSONS[label]
            age = age_at_as_of(birth)
        else:
            residence, age, sector = 0, -1, ""
        if jur is None:
            jur = residence // 10 ** 8 * 10 ** 8   # the residence's city
        rows.append(dict(label=label, note=note, pid=pid_of[label], subject=subject_of[label],
                         exposure=T(exposure), dwell=minutes * 60, area=area, code="yellow",
                         jurisdiction=jur, residence=residence, age=age, sector=sector,
                         reached_at=T(reached), then_at=0, then_dwell=0))
        if (label, area) in THEN:
            then_at, then_minutes = THEN[label, area]
            rows[-1].update(then_at=T(then_at), then_dwell=then_minutes * 60)
    rows.sort(key=lambda r: (r["pid"], AREAS.index(r["area"])))
    flagged = {r["pid"] for r in rows}
    assert not flagged & {pid_of[l] for l in NOT_FLAGGED}
    assert not {(r["label"], r["area"]) for r in rows} & set(NOT_ROWS)
    assert set(THEN) <= {(r["label"], r["area"]) for r in rows}
    counts = {"screened": len(flagged), "rows": len(rows),
              "areas": {a: sum(r["area"] == a for r in rows) for a in AREAS},
              "red": 0, "yellow": len(flagged)}
    expected = {"as_of": AS_OF, "labels": {str(p): l for l, p in pid_of.items()},
                "not_flagged": NOT_FLAGGED, "not_rows": {f"{l} {a}": why for (l, a), why in NOT_ROWS.items()},
                "rows": rows, "counts": counts}
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"make_screen: {len(persons)} persons, {len(stays)} stays, {len(rows)} expected rows in {outdir}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_screen.py OUTDIR")
    main(os.path.abspath(sys.argv[1]))
