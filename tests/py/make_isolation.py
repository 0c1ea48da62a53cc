#!/usr/bin/python3
"""make_isolation.py - a hand-built dataset where a contact's isolation ends their window (SPEC Rules).

    make_isolation.py OUTDIR

Case CS (onset 2021-08-05T10:00, isolated 2021-08-06T12:00, lookback 2d: W = [08-03 10:00,
08-06 12:00)) meets B at a cafe on 08-04 14:00-16:00: B is hop 1, exposure 08-04 14:00. The
locality reports B isolated at T = 2021-08-05T18:00. With B's window [exposure, T]:

  D   met B 08-05 10:00-11:00 (before T)                       hop 2
  E1  met B 08-05 17:45-18:30: 15 min before T (boundary)      hop 2, exposure 17:45
  E2  met B 08-05 17:46-18:30: 14 min before T                 not found
  C   met B 08-06 10:00-11:00 (only after T)                   not found
Without the isolation (window to as_of) all four are hop 2.

Writes OUTDIR/key, iso.h5, cases.csv, feedback.csv (B isolated at T) and labels.json (label ->
pid, subject).
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h5dataset  # noqa: E402
import make_edges as E  # noqa: E402
import siphash  # noqa: E402

ISOLATED = "2021-08-05T18:00"
PEOPLE = ["CS", "B", "D", "E1", "E2", "C"]
STAYS = [  # (who, cafe number, start, end)
    ("CS", 1, "2021-08-04T14:00", "2021-08-04T16:00"),
    ("B", 1, "2021-08-04T14:00", "2021-08-04T16:00"),
    ("B", 2, "2021-08-05T10:00", "2021-08-05T11:00"),
    ("D", 2, "2021-08-05T10:00", "2021-08-05T11:00"),
    ("B", 3, "2021-08-05T17:00", "2021-08-05T19:00"),
    ("E1", 3, "2021-08-05T17:45", "2021-08-05T18:30"),
    ("B", 4, "2021-08-05T17:00", "2021-08-05T19:00"),
    ("E2", 4, "2021-08-05T17:46", "2021-08-05T18:30"),
    ("B", 5, "2021-08-06T10:00", "2021-08-06T11:00"),
    ("C", 5, "2021-08-06T10:00", "2021-08-06T11:00"),
]


def main(out):
    os.makedirs(out, exist_ok=True)
    fd = os.open(os.path.join(out, "key"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(E.KEY_HEX + "\n")
    key = bytes.fromhex(E.KEY_HEX)
    persons, identities, labels = [], [], {}
    for i, who in enumerate(PEOPLE):
        idn = E.id_number(E.COMM1 // 10 ** 6, 19800101 + i, 10 + i, i % 2 == 0)
        pid = siphash.pid_of_idnum(key, idn)
        labels[who] = {"pid": pid, "subject": idn}
        persons.append(dict(pid=pid, household=100000 + i, region=E.COMM1, employer=0,
                            birth_date=19800101 + i, sex=1 + i % 2, doses=2, sector="E"))
        identities.append(dict(pid=pid, subject=idn, phone=f"139{i:08d}"))
    cafe = lambda n: h5dataset.place_id("cafe", 9000 + n)
    places = [dict(id=cafe(n), region=E.COMM1, channel=h5dataset.CHANNEL_NUMBER["cafe"],
                   name=f"cafe 430102-9{n:03d}") for n in range(1, 6)]
    stays = [dict(pid=labels[w]["pid"], place=cafe(n), start=E.T(s), end=E.T(e), region=E.COMM1,
                  channel=h5dataset.CHANNEL_NUMBER["cafe"], carriage=0, row=0) for w, n, s, e in STAYS]
    h5dataset.write_dataset(os.path.join(out, "iso.h5"), regions=E.REGIONS, persons=persons,
                            identities=identities, stays=stays, places=places, as_of=E.T(E.AS_OF),
                            days=E.DAYS)
    with open(os.path.join(out, "cases.csv"), "w") as f:
        f.write(f"subject,onset,isolated,last_negative\n{labels['CS']['subject']},2021-08-05T10:00,2021-08-06T12:00,\n")
    with open(os.path.join(out, "feedback.csv"), "w") as f:
        f.write(f"subject,subject_type,event,at,result\n{labels['B']['subject']},id_card,isolated,{ISOLATED},\n")
    with open(os.path.join(out, "labels.json"), "w") as f:
        json.dump(labels, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_isolation.py OUTDIR")
    main(os.path.abspath(sys.argv[1]))
