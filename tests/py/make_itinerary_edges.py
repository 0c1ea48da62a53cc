#!/usr/bin/python3
"""make_itinerary_edges.py - make_edges.py's hand-built dataset plus scenario k, for itineraries.

    make_itinerary_edges.py OUTDIR

writes what make_edges.py writes (OUTDIR/edges.h5, cases.csv, key, ...) with one more
case, CK, whose stays (by hand) are: two café sessions 10 minutes apart on 08-04
(published as one visit, 2 stays), a train with carriage 7, the same café again on
08-05 (another visit: more than an hour later), a hotel night in city two (across
midnight), cell (lbs) and grid stays at the café's hours (never published), and a café
session before its window (not published). make_edges.py itself is not changed, so
trace's expectations stay as they are; OUTDIR/itinerary.json holds the labels' ordinals
and the rows expected, derived by hand here.
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_edges as E  # noqa: E402

E.PERSONS["CK"] = (E.COMM1, 19810101, True, "E", None)
E.PLACES.update({
    "Pk1": ("cafe", 1301, E.COMM1, "cafe 430102-1301"),
    "Pk2": ("lbs", 1302, E.COMM1, "cell 4301-01302"),
    "Pk3": ("grid", 1303, E.COMM1, "grid 112.9013,28.2013"),
    "Pk4": ("rail", 9 << 8 | 7, E.COMM1, "D2222 2021-08-05"),
    "Pk5": ("lodging", 1305, E.COMM2, "hotel 430202-1305"),
})
E.STAYS += [
    ("CK", "Pk1", "2021-08-02T10:00", "2021-08-02T11:00", 0),   # before W: not published
    ("CK", "Pk1", "2021-08-04T14:00", "2021-08-04T15:00", 0),
    ("CK", "Pk1", "2021-08-04T15:10", "2021-08-04T16:30", 0),   # 10 min later: merged
    ("CK", "Pk2", "2021-08-04T14:00", "2021-08-04T16:30", 0),   # a cell: never published
    ("CK", "Pk3", "2021-08-04T14:00", "2021-08-04T16:30", 0),   # a grid: never published
    ("CK", "Pk4", "2021-08-05T08:00", "2021-08-05T10:00", 12),  # carriage 7
    ("CK", "Pk1", "2021-08-05T19:00", "2021-08-05T20:00", 0),   # hours later: its own visit
    ("CK", "Pk5", "2021-08-05T21:00", "2021-08-06T08:00", 0),   # a night in city two
]
E.CASES["CK"] = ("2021-08-05T10:00", "2021-08-06T12:00", "")
E.W0["CK"] = "2021-08-03T10:00"  # make_edges.py's expectations name every case's hop-0 exposure

# Ordinals by hand: onset, then the row of cases.csv (CZ is not traced: empty window).
ORDER = ["CA", "CB", "CC", "CD", "CE", "CG1", "CH", "CI", "CJ", "CK", "CV", "CF", "CG2"]

# (label, date, from, to, channel, place, carriage, city, district, stays)
ROWS = [
    ("CK", "2021-08-04T14:00", "2021-08-04T16:30", "cafe", "cafe 430102-1301", "", "City one", "County one", "2"),
    ("CK", "2021-08-05T08:00", "2021-08-05T10:00", "rail", "D2222 2021-08-05", "7", "City one", "County one", "1"),
    ("CK", "2021-08-05T19:00", "2021-08-05T20:00", "cafe", "cafe 430102-1301", "", "City one", "County one", "1"),
    ("CK", "2021-08-05T21:00", "2021-08-06T08:00", "lodging", "hotel 430202-1305", "", "City two", "County two", "1"),
    # CA's café session from 09:00 clipped to W's start 10:00
    ("CA", "2021-08-03T10:00", "2021-08-03T10:20", "cafe", "cafe 430102-0102", "", "City one", "County one", "1"),
    ("CC", "2021-08-04T09:00", "2021-08-04T12:00", "rail", "G1234 2021-08-04", "5", "City one", "County one", "1"),
]
# The visits of each case, by hand (CE: grid stays only; CI: its lbs stays are not counted).
VISITS = {"CA": 2, "CB": 3, "CC": 1, "CD": 1, "CE": 0, "CG1": 2, "CH": 2, "CI": 1, "CJ": 1,
          "CK": 4, "CV": 0, "CF": 0, "CG2": 2}
# Same-trip rows with several cases: CG1 and CG2 at café Pg1 on 08-04 14:00-16:00.
SHARED = [("2021-08-04T14:00", "2021-08-04T16:00", "cafe 430102-0701", ["CG1", "CG2"])]


def main(outdir):
    E.main(outdir)
    ordinal = {l: i + 1 for i, l in enumerate(ORDER)}
    with open(os.path.join(outdir, "itinerary.json"), "w") as f:
        json.dump({"ordinal": ordinal, "rows": ROWS, "visits": VISITS, "shared": SHARED}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_itinerary_edges.py OUTDIR")
    main(os.path.abspath(sys.argv[1]))
