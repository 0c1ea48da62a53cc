#!/usr/bin/python3
"""make_sources_edges.py - a hand-built dataset of the edges of `paicha sources`.

    make_sources_edges.py OUTDIR

writes OUTDIR/key (0600), OUTDIR/data.h5, OUTDIR/cases.csv, OUTDIR/labels.json (label -> pid)
and two configs: OUTDIR/min2.yaml (min_cases 2) and OUTDIR/min3.yaml (min_cases 3). Every
case's onset is 2021-08-05T10:00, lookback 14d: every stay below is inside the windows.
Each scenario has its own persons and places (every person a household of one):

  a. cafe X: CA1 10:00-11:00, CA2 11:01-12:00 (one minute apart, never together); A9 there
     10:30-11:30 with both, but there is no common exposure to attend.
  b. cafe Y: CB1 10:00-11:00, CB2 10:30-12:00: a common exposure 10:30-11:00 (30 min), and
     they are contacts; B9 there 10:40-10:55 (15 min: a candidate), B8 10:41-10:55 (14 min: not).
  c. a chain: CC1 and CC2 in hotel L 20:00-23:00 / 21:00-23:00 (2 h), CC2 and CC3 at cafe K
     the next day 09:00-09:20 (20 min); CC1 and CC3 never meet: one cluster of three.
  d. cafe D: CD1 14:00-14:30, CD2 14:15-15:00: exactly 15 min together (min_overlap): kept.
  e. cafe E: CE1 14:00-14:30, CE2 14:16-15:00: 14 min: no exposure, no contact.
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h5dataset  # noqa: E402
import siphash  # noqa: E402
from make_edges import KEY_HEX, REGIONS, COMM1, T, id_number  # noqa: E402

PLACES = {"X": 1, "Y": 2, "K": 3, "D": 4, "E": 5}  # cafes (n); the hotel L below
CASES = ["CA1", "CA2", "CB1", "CB2", "CC1", "CC2", "CC3", "CD1", "CD2", "CE1", "CE2"]
OTHERS = ["A9", "B9", "B8"]
D = "2021-08-01T"
STAYS = [("CA1", "X", D + "10:00", D + "11:00"), ("CA2", "X", D + "11:01", D + "12:00"),
         ("A9", "X", D + "10:30", D + "11:30"),
         ("CB1", "Y", D + "10:00", D + "11:00"), ("CB2", "Y", D + "10:30", D + "12:00"),
         ("B9", "Y", D + "10:40", D + "10:55"), ("B8", "Y", D + "10:41", D + "10:55"),
         ("CC1", "L", "2021-08-02T20:00", "2021-08-02T23:00"),
         ("CC2", "L", "2021-08-02T21:00", "2021-08-02T23:00"),
         ("CC2", "K", "2021-08-03T09:00", "2021-08-03T09:20"),
         ("CC3", "K", "2021-08-03T09:00", "2021-08-03T09:20"),
         ("CD1", "D", "2021-08-04T14:00", "2021-08-04T14:30"),
         ("CD2", "D", "2021-08-04T14:15", "2021-08-04T15:00"),
         ("CE1", "E", "2021-08-04T14:00", "2021-08-04T14:30"),
         ("CE2", "E", "2021-08-04T14:16", "2021-08-04T15:00")]


def place(p):
    return h5dataset.place_id("lodging", 1) if p == "L" else h5dataset.place_id("cafe", PLACES[p])


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    kp = os.path.join(outdir, "key")
    fd = os.open(kp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(KEY_HEX + "\n")
    key = bytes.fromhex(KEY_HEX)
    persons, identities, pid, subject = [], [], {}, {}
    for i, label in enumerate(CASES + OTHERS):
        idn = id_number(COMM1 // 10 ** 6, 19900101, 10 + i, i % 2 == 0)
        pid[label], subject[label] = siphash.pid_of_idnum(key, idn), idn
        persons.append(dict(pid=pid[label], household=200000 + i, region=COMM1, employer=0,
                            birth_date=19900101, sex=1, doses=2, sector="E"))
        identities.append(dict(pid=pid[label], subject=idn, phone=f"137{i:08d}"))
    places = [dict(id=place(p), region=COMM1, channel=1, name=f"cafe {p}") for p in PLACES]
    places.append(dict(id=place("L"), region=COMM1, channel=2, name="hotel L"))
    stays = [dict(pid=pid[w], place=place(p), start=T(a), end=T(b), region=COMM1,
                  channel=2 if p == "L" else 1, carriage=0, row=0) for w, p, a, b in STAYS]
    h5dataset.write_dataset(os.path.join(outdir, "data.h5"), regions=REGIONS, persons=persons,
                            identities=identities, stays=stays, places=places, as_of=T("2021-08-09T00:00"),
                            days=14)
    with open(os.path.join(outdir, "cases.csv"), "w") as f:
        f.write("subject,onset,isolated,last_negative\n")
        for c in CASES:
            f.write(f"{subject[c]},2021-08-05T10:00,,\n")
    with open(os.path.join(outdir, "labels.json"), "w") as f:
        json.dump({k: str(v) for k, v in pid.items()}, f, indent=1)
    for m in (2, 3):
        with open(os.path.join(outdir, f"min{m}.yaml"), "w") as f:
            f.write(f"data: {outdir}/data.h5\nindex: {outdir}/index.h5\ncases: {outdir}/cases.csv\n"
                    f"key: {outdir}/key\noutput: {outdir}/min{m}.h5\nmin_cases: {m}\nquiet: true\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
