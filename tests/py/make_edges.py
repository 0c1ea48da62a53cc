#!/usr/bin/python3
"""make_edges.py - a hand-built dataset of trace's edge cases, with hand-computed expectations.

    make_edges.py OUTDIR

writes OUTDIR/key (mode 0600), OUTDIR/edges.h5, OUTDIR/cases.csv, two trace
configs OUTDIR/edges.yaml (grid rule `and`, companions_of [0]) and
OUTDIR/edges_or.yaml (grid rule `or`, companions_of [0, 1]), and
OUTDIR/expected.json: the result each config must give, derived by hand from
docs/TRACE.md (rule numbers in the notes), NOT by running an implementation.

Every scenario has its own persons and places, so scenarios cannot interfere
(each was checked for hop-2 spill-over by hand: see the notes). Persons are
named by labels (CA = case of scenario a, A1 = a person of scenario a, ...);
pids are the keyed hashes of their ID numbers, computed here only to name them.

as_of 2021-08-09T00:00, days 14: the data window is [2021-07-26T00:00, 2021-08-09T00:00).
Default case: onset 2021-08-05T10:00, isolated 2021-08-06T12:00, lookback 2d,
so W = [2021-08-03T10:00, 2021-08-06T12:00).
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

KEY_HEX = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
AS_OF = "2021-08-09T00:00"
DAYS = 14

# Regions (levels 1..5): the first city (4301) and a second city (4302).
PROVINCE, CITY1, COUNTY1, TOWN1, COMM1 = 430000000000, 430100000000, 430102000000, 430102001000, 430102001001
CITY2, COUNTY2, TOWN2, COMM2 = 430200000000, 430202000000, 430202001000, 430202001001
REGIONS = [
    dict(code=PROVINCE, parent=0, level=1, weight=1.0, name="Hunan"),
    dict(code=CITY1, parent=PROVINCE, level=2, weight=0.5, urban=1, name="City one"),
    dict(code=COUNTY1, parent=CITY1, level=3, weight=0.5, urban=1, name="County one"),
    dict(code=TOWN1, parent=COUNTY1, level=4, weight=0.5, urban=1, name="Township one"),
    dict(code=COMM1, parent=TOWN1, level=5, weight=0.5, urban=1, name="Community one"),
    dict(code=CITY2, parent=PROVINCE, level=2, weight=0.5, name="City two"),
    dict(code=COUNTY2, parent=CITY2, level=3, weight=0.5, name="County two"),
    dict(code=TOWN2, parent=COUNTY2, level=4, weight=0.5, name="Township two"),
    dict(code=COMM2, parent=TOWN2, level=5, weight=0.5, name="Community two"),
]


def T(local):
    """'YYYY-MM-DDTHH:MM[:SS]' local (UTC+8) -> epoch seconds."""
    fmt = "%Y-%m-%dT%H:%M:%S" if local.count(":") == 2 else "%Y-%m-%dT%H:%M"
    return calendar.timegm(datetime.datetime.strptime(local, fmt).timetuple()) - 8 * 3600


def id_number(county6, birth, seq2, male):
    """A valid GB 11643 ID number: county, birth date, 3-digit sequence (odd = male), check."""
    sex_digit = 1 if male else 2
    body = f"{county6:06d}{birth:08d}{seq2:02d}{sex_digit}"
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * k for c, k in zip(body, w)) % 11]


# ---------------------------------------------------------------- persons
# label: (residence, birth_date (0 unknown), male, sector, household or None = own)
PERSONS = {
    # a. cafe 15 / 14 minutes; window clipping at w0
    "CA": (COMM1, 19800101, True, "E", None),
    "A1": (COMM1, 19900809, True, "E", None),    # birthday on as_of's date: 31
    "A2": (COMM1, 19900101, False, "E", None),
    "A3": (COMM1, 19750620, False, "H", None),
    "A4": (COMM1, 19750620, True, "H", None),
    # b. flight rows
    "CB": (COMM2, 19700505, True, "G", None),
    "B1": (COMM2, 19900810, False, "G", None),   # birthday the day after as_of: 30
    "B2": (COMM1, 19900101, True, "G", None),
    "B3": (COMM1, 19600101, False, "R0", None),
    "B4": (COMM1, 19600101, True, "R0", None),
    "B5": (COMM1, 20100301, False, "S0", None),
    # c. rail carriages
    "CC": (COMM1, 19880808, True, "C", None),
    "C1": (COMM1, 0, False, "C", None),          # birth date unknown: age -1
    "C2": (COMM1, 19880101, True, "C", None),
    "C3": (COMM1, 19880101, False, "C", None),
    "C4": (COMM1, 19880101, True, "C", None),
    "C5": (COMM1, 19880202, False, "C", None),   # a ticket without a carriage
    "C6": (COMM1, 19880303, True, "C", None),    # likewise, on another train
    # d. time-respecting chains, hop 2, hop 3 cut off, household at hop 2
    "CD": (COMM1, 19820202, False, "P", None),
    "D1": (COMM1, 19820202, True, "P", 4001),
    "D2": (COMM1, 19820202, False, "P", None),
    "D3": (COMM1, 19950101, True, "I", None),
    "D6": (COMM1, 19950101, False, "I", None),
    "D7": (COMM1, 20150601, False, "S0", 4001),
    # e. grid companions, cumulative 29 h / 30 h, either party
    "CE": (COMM1, 19770707, True, "A", None),
    "E1": (COMM1, 19770707, False, "A", None),
    "E2": (COMM1, 19770707, True, "A", None),
    "E3": (COMM1, 19770707, False, "A", None),
    "E4": (COMM1, 19770707, True, "A", None),
    "E5": (COMM1, 19500101, False, "R0", None),
    "E6": (COMM1, 19500101, True, "R0", None),
    # f. household; a case with an empty window
    "CF": (COMM1, 19850101, True, "F", 6001),
    "F1": (COMM1, 19860101, False, "F", 6001),
    "F2": (COMM1, 20190101, True, "U0", 6001),
    "CZ": (COMM1, 19850101, True, "F", 6002),
    "Z1": (COMM1, 19860101, False, "F", 6002),
    "Z2": (COMM1, 19860101, True, "F", None),
    # g. a case who is another case's contact; tie of exposures
    "CG1": (COMM1, 19990101, True, "M", None),
    "CG2": (COMM1, 19990101, False, "M", None),
    "G1": (COMM1, 19990101, True, "M", None),
    "G2": (COMM1, 19990101, False, "M", None),
    # h. hop 1 beats an earlier hop 2; lodging 60 / 59 minutes
    "CH": (COMM1, 19700101, True, "K", None),
    "H1": (COMM1, 19700101, False, "K", None),
    "H2": (COMM1, 19700101, True, "K", None),
    "H3": (COMM1, 19700101, False, "K", None),
    "H4": (COMM1, 19700101, True, "K", None),
    "H5": (COMM1, 19700101, False, "K", None),
    # i. lbs companions 10 / 9 minutes; a close contact who is also a companion
    "CI": (COMM1, 19920101, True, "J", None),
    "I1": (COMM1, 19920101, False, "J", None),
    "I2": (COMM1, 19920101, True, "J", None),
    "I3": (COMM1, 19920101, False, "J", None),
    "I4": (COMM1, 19920101, True, "J", None),
    # j. dispatch at 2021-08-08T03:00
    "CJ": (COMM1, 19800101, False, "L", None),
    "J1": (COMM1, 19800101, True, "L", None),
    "J2": (COMM1, 19800101, False, "L", None),
    "J3": (COMM1, 19800101, True, "L", None),
    "J4": (COMM1, 19800101, False, "L", None),
    # a visitor's lbs companion; a bystander nobody meets
    "V1": (COMM1, 19930101, True, "O", None),
    "N1": (COMM1, 19930101, False, "O", None),
}
VISITOR_PHONE = "13800000001"   # case CV: a phone no registered person owns

# ---------------------------------------------------------------- places
# label: (channel, n, region, name)
PLACES = {
    "Pa1": ("cafe", 101, COMM1, "cafe 430102-0101"),
    "Pa2": ("cafe", 102, COMM1, "cafe 430102-0102"),
    "Pb1": ("flight", 201, COMM1, "CZ3456 2021-08-04"),
    "Pb2": ("flight", 202, COMM1, "CZ3457 2021-08-05"),
    "Pb3": ("flight", 203, COMM1, "MU2001 2021-08-05"),
    # rail: n = train << 8 | carriage (0 unknown), as pc_place_key lays a rail id out
    "Pc5": ("rail", 3 << 8 | 5, COMM1, "G1234 2021-08-04"),
    "Pc6": ("rail", 3 << 8 | 6, COMM1, "G1234 2021-08-04"),
    "Pc0": ("rail", 3 << 8, COMM1, "G1234 2021-08-04"),
    "Pe0": ("rail", 4 << 8, COMM1, "G1236 2021-08-04"),
    "Pd1": ("cafe", 401, COMM1, "cafe 430102-0401"),
    "Pd2": ("cafe", 402, COMM1, "cafe 430102-0402"),
    "Pd3": ("cafe", 403, COMM1, "cafe 430102-0403"),
    "g1": ("grid", 501, COMM1, "grid 112.9001,28.2001"),
    "g2": ("grid", 502, COMM1, "grid 112.9002,28.2002"),
    "g3": ("grid", 503, COMM1, "grid 112.9003,28.2003"),
    "Pz": ("cafe", 601, COMM1, "cafe 430102-0601"),
    "Pg1": ("cafe", 701, COMM1, "cafe 430102-0701"),
    "Pg2": ("cafe", 702, COMM1, "cafe 430102-0702"),
    "Ph1": ("cafe", 801, COMM1, "cafe 430102-0801"),
    "Ph2": ("cafe", 802, COMM1, "cafe 430102-0802"),
    "Ph3": ("lodging", 803, COMM1, "hotel 430102-0803"),
    "Ph4": ("cafe", 804, COMM1, "cafe 430102-0804"),
    "Pi1": ("lbs", 901, COMM1, "cell 4301-00901"),
    "Pi2": ("cafe", 902, COMM1, "cafe 430102-0902"),
    "Pi3": ("lbs", 903, COMM1, "cell 4301-00903"),
    "Pj1": ("cafe", 1001, COMM1, "cafe 430102-1001"),
    "Pj2": ("lbs", 1002, COMM2, "cell 4302-01002"),
    "Pj3": ("grid", 1003, COMM1, "grid 112.9010,28.2010"),
    "Pj4": ("lbs", 1004, COMM2, "cell 4302-01004"),
    "Pj5": ("grid", 1005, COMM1, "grid 112.9011,28.2011"),
    "Pj6": ("lbs", 1006, COMM2, "cell 4302-01006"),
    "Pj7": ("lbs", 1007, COMM2, "cell 4302-01007"),
    "Pv": ("lbs", 1101, COMM1, "cell 4301-01101"),
    "Pn": ("cafe", 1201, COMM1, "cafe 430102-1201"),
}


def PID(p):
    return h5dataset.place_id(PLACES[p][0], PLACES[p][1])


# ---------------------------------------------------------------- stays
# (who, place, start, end, row); rail carriage is the place id's low byte.
STAYS = [
    # a. W(CA) = [08-03 10:00, 08-06 12:00)
    ("CA", "Pa1", "2021-08-04T14:00", "2021-08-04T16:00", 0),
    ("A1", "Pa1", "2021-08-04T15:45", "2021-08-04T18:00", 0),     # 15 min: contact
    ("A2", "Pa1", "2021-08-04T12:00", "2021-08-04T14:14:59", 0),  # 14 min 59 s: not
    ("CA", "Pa2", "2021-08-03T09:00", "2021-08-03T10:20", 0),
    ("A3", "Pa2", "2021-08-03T09:00", "2021-08-03T10:20", 0),     # 20 min inside W: contact at 10:00
    ("A4", "Pa2", "2021-08-03T09:00", "2021-08-03T10:14", 0),     # 14 min inside W: not
    # b. flights; case row 10 / 10 / 20
    ("CB", "Pb1", "2021-08-04T08:00", "2021-08-04T10:30", 10),
    ("B1", "Pb1", "2021-08-04T08:00", "2021-08-04T10:30", 13),    # +3: contact
    ("B2", "Pb1", "2021-08-04T08:00", "2021-08-04T10:30", 6),     # -4: not (and 7 from B1)
    ("CB", "Pb2", "2021-08-05T08:00", "2021-08-05T10:00", 10),
    ("B3", "Pb2", "2021-08-05T08:00", "2021-08-05T10:00", 7),     # -3: contact
    ("B4", "Pb2", "2021-08-05T08:00", "2021-08-05T10:00", 14),    # +4: not (and 7 from B3)
    ("CB", "Pb3", "2021-08-05T18:00", "2021-08-05T20:00", 20),
    ("B5", "Pb3", "2021-08-05T18:00", "2021-08-05T20:00", 0),     # row unknown: contact
    # c. rail, one train and date, carriages 05 and 06
    ("CC", "Pc5", "2021-08-04T09:00", "2021-08-04T12:00", 3),
    ("C1", "Pc5", "2021-08-04T09:00", "2021-08-04T12:00", 17),    # same carriage, far row: contact
    ("C2", "Pc6", "2021-08-04T09:00", "2021-08-04T12:00", 3),     # other carriage: not (hop 2 via C5)
    ("C3", "Pc5", "2021-08-04T11:59:30", "2021-08-04T12:00", 4),  # 30 s: not
    ("C4", "Pc5", "2021-08-04T11:59", "2021-08-04T12:00", 5),     # exactly 1 min: contact
    ("C5", "Pc0", "2021-08-04T10:00", "2021-08-04T12:00", 0),     # no carriage: every carriage
    ("C6", "Pe0", "2021-08-04T09:00", "2021-08-04T12:00", 0),     # no carriage, other train: not
    # d. CD -> D1 at 08-04 14:00; D1 meets D2 before that, D3 after; D3 meets D6 (hop 3)
    ("CD", "Pd1", "2021-08-04T14:00", "2021-08-04T16:00", 0),
    ("D1", "Pd1", "2021-08-04T14:00", "2021-08-04T16:00", 0),
    ("D1", "Pd2", "2021-08-04T10:00", "2021-08-04T11:00", 0),
    ("D2", "Pd2", "2021-08-04T10:00", "2021-08-04T11:00", 0),     # before D1's exposure: not
    ("D1", "Pd2", "2021-08-05T10:00", "2021-08-05T11:00", 0),
    ("D3", "Pd2", "2021-08-05T10:00", "2021-08-05T11:00", 0),     # after: hop 2
    ("D3", "Pd3", "2021-08-06T10:00", "2021-08-06T11:00", 0),
    ("D6", "Pd3", "2021-08-06T10:00", "2021-08-06T11:00", 0),     # hop 3 > hops: not
    # e. grid. cum(CE, g1) = union(07-27 00:00-20:00, 07-27 18:00-07-28 00:00) + 5 h = 24 + 5 = 29 h
    #    (a plain sum would be 31 h); cum(CE, g2) = 25 + 5 = 30 h; cum(CE, g3) = 10 min.
    ("CE", "g1", "2021-07-27T00:00", "2021-07-27T20:00", 0),
    ("CE", "g1", "2021-07-27T18:00", "2021-07-28T00:00", 0),
    ("CE", "g1", "2021-08-04T10:00", "2021-08-04T15:00", 0),
    ("E1", "g1", "2021-08-04T12:00", "2021-08-04T12:20", 0),      # 20 min, cums 29 h / 20 min
    ("CE", "g2", "2021-07-28T00:00", "2021-07-29T01:00", 0),
    ("CE", "g2", "2021-08-05T10:00", "2021-08-05T15:00", 0),
    ("E2", "g2", "2021-08-05T12:00", "2021-08-05T12:20", 0),      # 20 min, cum(CE) 30 h
    ("E3", "g2", "2021-08-05T14:55", "2021-08-05T15:30", 0),      # 5 min, cum(CE) 30 h
    ("E4", "g2", "2021-08-05T14:59:30", "2021-08-05T16:00", 0),   # 30 s
    ("CE", "g3", "2021-08-05T08:00", "2021-08-05T08:10", 0),
    ("E5", "g3", "2021-07-29T00:00", "2021-07-30T06:00", 0),      # E5's own cum: 30 h + 1 h
    ("E5", "g3", "2021-08-05T08:00", "2021-08-05T09:00", 0),      # 10 min with CE
    ("E6", "g3", "2021-08-05T08:01", "2021-08-05T08:20", 0),      # 9 min, cums 10 min / 19 min
    # f. CZ's window is empty
    ("CZ", "Pz", "2021-08-05T11:00", "2021-08-05T12:30", 0),
    ("Z2", "Pz", "2021-08-05T11:00", "2021-08-05T12:30", 0),
    # g. W(CG1) = [08-03 10:00, 08-06 12:00), W(CG2) = [08-04 10:00, 08-07 09:00)
    ("CG1", "Pg1", "2021-08-04T14:00", "2021-08-04T16:00", 0),
    ("CG2", "Pg1", "2021-08-04T14:00", "2021-08-04T16:00", 0),
    ("G1", "Pg1", "2021-08-04T14:00", "2021-08-04T16:00", 0),
    ("CG1", "Pg2", "2021-08-04T10:00", "2021-08-04T11:00", 0),
    ("G2", "Pg2", "2021-08-04T10:00", "2021-08-04T11:00", 0),
    ("CG2", "Pg2", "2021-08-05T10:00", "2021-08-05T11:00", 0),
    ("G2", "Pg2", "2021-08-05T10:00", "2021-08-05T11:00", 0),
    # h. CH -> H1 (08-04 10:00) -> H2 (08-04 13:00, hop 2); CH -> H2 (08-05 20:00, hop 1)
    ("CH", "Ph1", "2021-08-04T10:00", "2021-08-04T12:00", 0),
    ("H1", "Ph1", "2021-08-04T10:00", "2021-08-04T12:00", 0),
    ("H1", "Ph2", "2021-08-04T13:00", "2021-08-04T14:00", 0),
    ("H2", "Ph2", "2021-08-04T13:00", "2021-08-04T14:00", 0),
    ("CH", "Ph3", "2021-08-05T20:00", "2021-08-06T08:00", 0),
    ("H2", "Ph3", "2021-08-05T20:00", "2021-08-06T08:00", 0),
    ("H4", "Ph3", "2021-08-06T07:01", "2021-08-06T09:00", 0),     # 59 min with CH, H2, H5
    ("H5", "Ph3", "2021-08-06T07:00", "2021-08-06T08:00", 0),     # 60 min with CH
    ("H2", "Ph4", "2021-08-05T10:00", "2021-08-05T11:00", 0),
    ("H3", "Ph4", "2021-08-05T10:00", "2021-08-05T11:00", 0),     # before H2's hop-1 exposure
    # i. lbs
    ("CI", "Pi1", "2021-08-04T09:00", "2021-08-04T10:00", 0),
    ("I1", "Pi1", "2021-08-04T09:50", "2021-08-04T11:00", 0),     # 10 min: companion
    ("I2", "Pi1", "2021-08-04T08:00", "2021-08-04T09:09:59", 0),  # 9 min 59 s: not
    ("I3", "Pi1", "2021-08-04T09:00", "2021-08-04T10:00", 0),     # 60 min, but a close contact
    ("CI", "Pi2", "2021-08-04T14:00", "2021-08-04T15:00", 0),
    ("I3", "Pi2", "2021-08-04T14:00", "2021-08-04T15:00", 0),
    ("I3", "Pi3", "2021-08-04T16:00", "2021-08-04T17:00", 0),
    ("I4", "Pi3", "2021-08-04T16:00", "2021-08-04T16:30", 0),     # companion of hop 1 (edges_or only)
    # j. dispatch at 2021-08-08T03:00; W(CJ) = [08-03 10:00, as_of)
    ("CJ", "Pj1", "2021-08-04T14:00", "2021-08-04T15:00", 0),
    ("J1", "Pj1", "2021-08-04T14:00", "2021-08-04T15:00", 0),
    ("J2", "Pj1", "2021-08-04T14:00", "2021-08-04T15:00", 0),
    ("J3", "Pj1", "2021-08-04T14:00", "2021-08-04T15:00", 0),
    ("J4", "Pj1", "2021-08-04T14:00", "2021-08-04T15:00", 0),
    ("J1", "Pj2", "2021-08-08T00:00", "2021-08-08T08:00", 0),     # 8 h in city 2 covers 03:00
    ("J1", "Pj3", "2021-08-08T02:00", "2021-08-08T04:00", 0),     # 2 h in city 1 covers too: shorter
    ("J2", "Pj6", "2021-08-08T00:00", "2021-08-08T03:00", 0),     # ends at 03:00: does not cover
    ("J3", "Pj4", "2021-08-08T02:00", "2021-08-08T04:00", 0),     # lbs, city 2, 2 h
    ("J3", "Pj5", "2021-08-08T02:00", "2021-08-08T04:00", 0),     # grid, city 1, 2 h: lbs first
    ("J4", "Pj7", "2021-08-08T03:00", "2021-08-08T05:00", 0),     # starts at 03:00: covers
    # the visitor case CV (phone only) and its lbs companion
    ("CV", "Pv", "2021-08-04T20:00", "2021-08-04T23:00", 0),
    ("V1", "Pv", "2021-08-04T21:00", "2021-08-04T21:30", 0),
    ("N1", "Pn", "2021-08-04T20:00", "2021-08-04T21:00", 0),
]

# cases.csv: label -> (onset, isolated, last_negative)
CASES = {
    "CA": ("2021-08-05T10:00", "2021-08-06T12:00", "2021-08-01T08:00"),  # last negative earlier: no effect
    "CB": ("2021-08-05T10:00", "2021-08-06T12:00", ""),
    "CC": ("2021-08-05T10:00", "2021-08-06T12:00", ""),
    "CD": ("2021-08-05T10:00", "2021-08-06T12:00", ""),
    "CE": ("2021-08-05T10:00", "2021-08-06T12:00", ""),
    "CF": ("2021-08-06T08:00", "2021-08-07T10:00", "2021-08-05T09:30"),  # w0 raised to 08-05 09:30
    "CZ": ("2021-08-05T10:00", "2021-08-05T12:00", "2021-08-05T13:00"),  # w0 13:00 >= w1 12:00: empty,
                                                                         # so not traced: /unmatched
    "CG1": ("2021-08-05T10:00", "2021-08-06T12:00", ""),
    "CG2": ("2021-08-06T10:00", "2021-08-07T09:00", ""),
    "CH": ("2021-08-05T10:00", "2021-08-06T12:00", ""),
    "CI": ("2021-08-05T10:00", "2021-08-06T12:00", ""),
    "CJ": ("2021-08-05T10:00", "", ""),                                  # not isolated: W ends at as_of
    "CV": ("2021-08-05T10:00:30", "2021-08-06T12:00", ""),               # seconds given
}
# Hop 0 exposure = w0 (rule 1, 8), by hand from CASES and lookback 2d:
W0 = {
    "CA": "2021-08-03T10:00", "CB": "2021-08-03T10:00", "CC": "2021-08-03T10:00",
    "CD": "2021-08-03T10:00", "CE": "2021-08-03T10:00", "CF": "2021-08-05T09:30",
    "CZ": "2021-08-05T13:00", "CG1": "2021-08-03T10:00", "CG2": "2021-08-04T10:00",
    "CH": "2021-08-03T10:00", "CI": "2021-08-03T10:00", "CJ": "2021-08-03T10:00",
    "CV": "2021-08-03T10:00:30",
}


def expectations(pid_of, and_rule):
    """The hand-computed results: contacts and companions, each label -> fields.

    Residence/age/sector come from PERSONS by hand (age at 2021-08-09, rule 12);
    jurisdiction is the residence's city unless a note says otherwise (rule 11:
    no stay but scenario j's covers 2021-08-08T03:00)."""
    c = {}

    def contact(label, hop, exposure, source, channel, place, note, jurisdiction=None):
        c[label] = dict(hop=hop, exposure=exposure, source=source, channel=channel, place=place,
                        note=note, jurisdiction=jurisdiction)

    for case in CASES:
        if case != "CZ":  # an empty window: not traced, in /unmatched (issue 15, SPEC "Cases")
            contact(case, 0, W0[case], "", "case", 0, "index case (rule 8: hop 0, exposure w0)")
    contact("CV", 0, W0["CV"], "", "case", 0, "visitor case by phone: no residence, no covering stay: "
            "jurisdiction 0, age -1, sector empty", jurisdiction=0)
    contact("A1", 1, "2021-08-04T15:45", "CA", "cafe", PID("Pa1"), "a: exactly 15 min at a cafe")
    contact("A3", 1, "2021-08-03T10:00", "CA", "cafe", PID("Pa2"), "a: overlap clipped to W, exposure w0")
    contact("B1", 1, "2021-08-04T08:00", "CB", "flight", PID("Pb1"), "b: 3 rows behind")
    contact("B3", 1, "2021-08-05T08:00", "CB", "flight", PID("Pb2"), "b: 3 rows ahead")
    contact("B5", 1, "2021-08-05T18:00", "CB", "flight", PID("Pb3"), "b: unknown row counts as in range")
    contact("C1", 1, "2021-08-04T09:00", "CC", "rail", PID("Pc5"), "c: same carriage, any row")
    contact("C4", 1, "2021-08-04T11:59", "CC", "rail", PID("Pc5"), "c: exactly one whole minute")
    contact("C5", 1, "2021-08-04T10:00", "CC", "rail", PID("Pc5"),
            "c: a ticket without a carriage meets every carriage of its train")
    contact("C2", 2, "2021-08-04T10:00", "C5", "rail", PID("Pc0"),
            "c: carriage 6 is not the case's (5), but the seatless C5 met it: hop 2")
    contact("D1", 1, "2021-08-04T14:00", "CD", "cafe", PID("Pd1"), "d: close contact")
    contact("D3", 2, "2021-08-05T10:00", "D1", "cafe", PID("Pd2"), "d: met D1 after D1's exposure: hop 2")
    contact("D7", 2, "2021-08-04T14:00", "D1", "household", 4001, "d: D1's household, exposure = D1's exposure")
    contact("F1", 1, W0["CF"], "CF", "household", 6001, "f: household, exposure = raised w0")
    contact("F2", 1, W0["CF"], "CF", "household", 6001, "f: household, exposure = raised w0")
    # g: G1 met CG1 and CG2 from the same instant: the smaller source pid wins (rule 8).
    g1_src = "CG1" if pid_of["CG1"] < pid_of["CG2"] else "CG2"
    contact("G1", 1, "2021-08-04T14:00", g1_src, "cafe", PID("Pg1"), "g: tie of exposure, smaller source pid")
    contact("G2", 1, "2021-08-04T10:00", "CG1", "cafe", PID("Pg2"), "g: earliest exposure (CG1 before CG2)")
    contact("H1", 1, "2021-08-04T10:00", "CH", "cafe", PID("Ph1"), "h: close contact")
    contact("H2", 1, "2021-08-05T20:00", "CH", "lodging", PID("Ph3"),
            "h: hop 1 (later) beats hop 2 via H1 (earlier)")
    contact("H5", 1, "2021-08-06T07:00", "CH", "lodging", PID("Ph3"), "h: exactly 1 h in a hotel")
    contact("I3", 1, "2021-08-04T14:00", "CI", "cafe", PID("Pi2"), "i: close contact, also an lbs companion")
    contact("J1", 1, "2021-08-04T14:00", "CJ", "cafe", PID("Pj1"), "j: longest covering stay in city 2",
            jurisdiction=CITY2)
    contact("J2", 1, "2021-08-04T14:00", "CJ", "cafe", PID("Pj1"), "j: stay ending at 03:00 does not cover",
            jurisdiction=CITY1)
    contact("J3", 1, "2021-08-04T14:00", "CJ", "cafe", PID("Pj1"), "j: equal lengths, lbs before grid",
            jurisdiction=CITY2)
    contact("J4", 1, "2021-08-04T14:00", "CJ", "cafe", PID("Pj1"), "j: stay starting at 03:00 covers",
            jurisdiction=CITY2)

    m = {}

    def companion(label, exposure, source, channel, place, note):
        m[label] = dict(exposure=exposure, source=source, channel=channel, place=place, note=note,
                        jurisdiction=None)

    companion("E2", "2021-08-05T12:00", "CE", "grid", PID("g2"), "e: 20 min, case's cum exactly 30 h")
    companion("E5", "2021-08-05T08:00", "CE", "grid", PID("g3"), "e: 10 min, the companion's own cum 31 h")
    companion("I1", "2021-08-04T09:50", "CI", "lbs", PID("Pi1"), "i: exactly 10 min in a cell")
    companion("V1", "2021-08-04T21:00", "CV", "lbs", PID("Pv"), "visitor case's lbs companion")
    if not and_rule:
        companion("E1", "2021-08-04T12:00", "CE", "grid", PID("g1"), "e (or): 20 min suffices, cum 29 h")
        companion("E3", "2021-08-05T14:55", "CE", "grid", PID("g2"), "e (or): 5 min with a 30 h cum")
        companion("I4", "2021-08-04T16:00", "I3", "lbs", PID("Pi3"), "i (companions_of [0,1]): of hop-1 I3")
    return c, m


def fill(label, e, pid_of, klass):
    """Add the person fields (rule 10 codes, 11 jurisdiction, 12 age/sector) by hand from PERSONS."""
    if label in PERSONS:
        residence, birth, _, sector, _ = PERSONS[label]
        if birth == 0:
            age = -1
        else:  # as_of's local date is 2021-08-09
            age = 2021 - birth // 10000 - ((8, 9) < (birth // 100 % 100, birth % 100))
    else:
        residence, age, sector = 0, -1, ""
    if e["jurisdiction"] is None:
        e["jurisdiction"] = residence // 10 ** 8 * 10 ** 8  # residence's city
    e.update(label=label, residence=residence, age=age, sector=sector,
             code="red" if klass in ("hop0", "hop1") else "yellow",
             source_pid=pid_of[e["source"]] if e["source"] else 0)
    return e


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    key_path = os.path.join(outdir, "key")
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(KEY_HEX + "\n")
    os.chmod(key_path, 0o600)
    key = bytes.fromhex(KEY_HEX)

    # Registry: ID numbers from residence county, birth date, a sequence number, sex.
    persons, identities, pid_of, subject_of = [], [], {}, {}
    household_of = {}
    for i, (label, (residence, birth, male, sector, hh)) in enumerate(PERSONS.items()):
        idn = id_number(residence // 10 ** 6, birth or 19900101, 10 + i, male)
        pid = siphash.pid_of_idnum(key, idn)
        assert pid not in pid_of.values()
        pid_of[label], subject_of[label] = pid, idn
        household_of[label] = hh if hh is not None else 100000 + i  # a household of one
        persons.append(dict(pid=pid, household=household_of[label], region=residence, employer=0,
                            birth_date=birth, sex=1 if male else 2, doses=2, sector=sector))
        identities.append(dict(pid=pid, subject=idn, phone=f"139{i:08d}"))
    pid_of["CV"] = siphash.pid_of_phone(key, VISITOR_PHONE)
    subject_of["CV"] = VISITOR_PHONE

    places = [dict(id=PID(p), region=r, channel=h5dataset.CHANNEL_NUMBER[ch], name=name)
              for p, (ch, n, r, name) in PLACES.items()]
    stays = []
    for who, p, start, end, row in STAYS:
        ch, n, region, name = PLACES[p]
        carriage = n & 0xFF if ch == "rail" else 0
        stays.append(dict(pid=pid_of[who], place=PID(p), start=T(start), end=T(end), region=region,
                          channel=h5dataset.CHANNEL_NUMBER[ch], carriage=carriage, row=row))
    h5dataset.write_dataset(os.path.join(outdir, "edges.h5"), regions=REGIONS, persons=persons,
                            identities=identities, stays=stays, places=places, as_of=T(AS_OF), days=DAYS)

    with open(os.path.join(outdir, "cases.csv"), "w") as f:
        f.write("subject,onset,isolated,last_negative\n")
        for label, (onset, isolated, last_neg) in CASES.items():
            f.write(f"{subject_of[label]},{onset},{isolated},{last_neg}\n")

    for name, rule, comp_of, out in (("edges", "and", "[0]", "trace.h5"), ("edges_or", "or", "[0, 1]", "trace_or.h5")):
        with open(os.path.join(outdir, name + ".yaml"), "w") as f:
            f.write(f"""# trace config of the hand-built edge cases (tests/py/make_edges.py)
data: {outdir}/edges.h5
cases: {outdir}/cases.csv
key: {outdir}/key
output: {outdir}/{out}
as_of: 2021-08-09T00:00
hops: 2
lookback: 2d
channels:
  cafe: {{role: close, min_overlap: 15m}}
  grid: {{role: companion, min_overlap: 10m, cumulative: 30h, rule: {rule}}}
companions_of: {comp_of}
""")

    expected = {"as_of": AS_OF, "labels": {str(p): l for l, p in pid_of.items()}, "results": {}}
    for name, and_rule in (("edges", True), ("edges_or", False)):
        c, m = expectations(pid_of, and_rule)
        contacts = {str(pid_of[l]): fill(l, e, pid_of, f"hop{e['hop']}") for l, e in c.items()}
        companions = {str(pid_of[l]): fill(l, e, pid_of, "companion") for l, e in m.items()}
        counts = {"hop0": 0, "hop1": 0, "hop2": 0, "companion": len(companions), "red": 0, "yellow": 0}
        for e in contacts.values():
            counts[f"hop{e['hop']}"] += 1
        for e in list(contacts.values()) + list(companions.values()):
            counts[e["code"]] += 1
        expected["results"][name] = {"contacts": contacts, "companions": companions, "counts": counts}
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"make_edges: {len(persons)} persons, {len(stays)} stays, {len(CASES)} cases in {outdir}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_edges.py OUTDIR")
    main(os.path.abspath(sys.argv[1]))
