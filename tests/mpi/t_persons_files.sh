#!/usr/bin/env bash
# t_persons_files.sh - several persons files (SPEC, "Other people's data"): the household
# registry and the floating-population registry, read in the config's order. One row per
# person is kept, the first in (file, line) order; a later row that agrees on birth date, sex
# and region is a `duplicate` even when its phone or employer differ (the first row stands,
# the other phone is not registered: a stay by it is a visitor's); one with another region is
# a `conflict` naming the kept row's file and line. A stays file names persons of the second
# file by ID number and by phone. At 1, 2 and 3 ranks the datasets are identical; swapping
# the two files keeps the other rows; `persons: FILE` (a scalar) is one file as before and
# `persons: []` is refused at load.
. "$(dirname "$0")/lib.sh"
cd "$T"
tiny_regions regions.csv
R1=430102001001 R2=430102001002
A=$(id_of 430102 19800115 1) B=$(id_of 430102 19850302 2) C=$(id_of 430102 19900101 3)
D=$(id_of 430102 19910101 5) E=$(id_of 430102 19920101 7) F=$(id_of 430102 19930101 9)
G=$(id_of 430102 19940101 11)
HDR="id_number,phone,household,region,birth_date,sex,sector,employer,vaccine_doses,id_type"
# The household registry: A only here; C, D, E, F, G in both registries.
{ echo "$HDR"
  echo "$A,13800000001,H0001,$R1,1980-01-15,,,,2,"
  echo "$C,13800000003,H0003,$R1,1990-01-01,,A,,1,"
  echo "$D,13800000004,H0004,$R1,,,,,1,"
  echo "$E,13800000005,H0005,$R1,,,,,0,"
  echo "$F,,H0006,$R1,,,,,0,"
  echo "$G,,H0007,$R1,,,,,0,"
  echo "P1234567,,H0008,$R1,1970-05-05,M,,,0,passport"; } > household.csv
# The floating-population registry: B only here; C the same (blanks aside); D another phone
# and an employer; E another region; F another birth date and G another sex than their ID
# numbers (rejected as rows: an ID card holds both, so they cannot disagree with a kept row);
# the passport holder P another birth date (a passport does not hold it: a conflict).
{ echo "$HDR"
  echo "$B,13900000002,F0002,$R2,,,,91430100MA4L16JQ8B,3,"
  echo "$C ,13800000003, H0003,$R1,,,A,,1,"
  echo "$D,13900000004,H0004,$R1,,,,91430100MA4L16JQ8B,1,"
  echo "$E,13800000005,H0005,$R2,,,,,0,"
  echo "$F,,H0006,$R1,1993-01-02,,,,0,"
  echo "$G,,H0007,$R1,,F,,,0,"
  echo "p1234567,,H0008,$R1,1970-05-06,M,,,0,Passport"; } > floating.csv
# Stays: B by ID number and by phone (both B's), D's floating-registry phone (not registered
# when the household registry comes first: a visitor).
{ echo "channel,subject,place,start,end,region,carriage,row"
  echo "cafe,$B,网吧甲,2021-08-02T10:00,2021-08-02T12:00,$R2,,"
  echo "lbs,13900000002,LAC4301-CI0001,2021-08-03T12:00,2021-08-03T13:00,$R2,,"
  echo "lbs,13900000004,LAC4301-CI0002,2021-08-04T12:00,2021-08-04T13:00,$R1,,"; } > stays.csv
cfg() { # data, persons (YAML)
  printf 'key: key\ndata: %s\nas_of: 2021-08-09T00:00\ndays: 14\nmax_reject_ratio: 0.9\n' "$1"
  printf 'input: {regions: regions.csv, persons: %s, stays: [stays.csv]}\n' "$2"
}
ingest() { # ranks, data, persons (YAML)
  cfg "$2" "$3" > "$2.yaml"
  run "$1" ingest --config "$2.yaml" > "$2.log" 2>&1 || { cat "$2.log"; die "ingest of $3 at $1 ranks failed"; }
}
for n in 1 2 3 4; do
  ingest $n hf$n.h5 "[household.csv, floating.csv]"
  ingest $n fh$n.h5 "[floating.csv, household.csv]"
done
for o in hf fh; do
  $PY "$ROOT/tests/py/compare.py" $o?.h5 --datasets persons identities stays places rejects \
    > cmp-$o.log 2>&1 || { cat cmp-$o.log; die "ingest ($o) differs between 1, 2, 3 and 4 ranks"; }
done

# What each order must give (checked on the 3-rank datasets, equal to the others').
check() { # data, order (hf: household first, fh: floating first)
  $PY - "$1" "$2" "$A" "$B" "$C" "$D" "$E" "$F" "$G" <<'PYX'
import collections, json, sys
import h5py
path, order = sys.argv[1], sys.argv[2]
A, B, C, D, E, F, G = sys.argv[3:]
f = h5py.File(path, "r")
s = lambda b: b.decode() if isinstance(b, bytes) else str(b)
bad = []
def want(cond, msg):
    if not cond:
        bad.append(msg)
    return cond
ide, per = f["identities"][()], f["persons"][()]
who = {s(i["subject"]): (i, p) for i, p in zip(ide, per)}
hf = order == "hf"
hh_file, fl_file = (1, 2) if hf else (2, 1)
# persons: every registered one once (F and G from the household registry in both orders);
# D's floating phone is a visitor when the household registry comes first
reg = {A, B, C, D, E, F, G, "P1234567"}
want(set(k for k in who if not who[k][0]["flags"]) == reg, f"registered persons: {sorted(who)}")
vis = [k for k in who if who[k][0]["flags"]]
want(vis == (["13900000004"] if hf else []), f"visitors: {vis}")
want(len(per) == len(reg) + len(vis), f"{len(per)} /persons rows")
# the first row in file order is kept: D's phone and employer, E's region
want(s(who[D][0]["phone"]) == ("13800000004" if hf else "13900000004"), "D: not the first row's phone")
want((int(who[D][1]["employer"]) == 0) == hf, "D: not the first row's employer")
want(int(who[E][1]["region"]) == (430102001001 if hf else 430102001002), "E: not the first row's region")
want(int(who[B][1]["region"]) == 430102001002 and s(who[B][0]["phone"]) == "13900000002", "B")
# B's stays (by ID number and by phone) are B's; the stay by 13900000004 is the visitor's or D's
st = f["stays"][()]
pids = collections.Counter(int(x) for x in st["pid"])
want(pids[int(who[B][0]["pid"])] == 2, f"B has {pids[int(who[B][0]['pid'])]} stays, expected 2")
d4 = int(who["13900000004"][0]["pid"]) if hf else int(who[D][0]["pid"])
want(pids[d4] == 1 and len(st) == 3, "the stay by 13900000004")
# rejects: file, line, code; a conflict names the kept row's file and line
rj = [(int(r["file"]), int(r["line"]), s(r["code"]), s(r["text"]), s(r["source"])) for r in f["rejects"][()]]
if hf:
    exp = [(2, 3, "duplicate"), (2, 4, "duplicate"), (2, 5, "conflict"), (2, 6, "birth_mismatch"),
           (2, 7, "sex_mismatch"), (2, 8, "conflict")]
    conflict_names = "household.csv:5"
else:
    exp = [(1, 6, "birth_mismatch"), (1, 7, "sex_mismatch"), (2, 3, "duplicate"), (2, 4, "duplicate"),
           (2, 5, "conflict"), (2, 8, "conflict")]
    conflict_names = "floating.csv:5"
want([r[:3] for r in rj] == exp, f"/rejects {[r[:3] for r in rj]}, expected {exp}")
for r in rj:
    if r[2] == "conflict" and r[1] == 5:
        want(f"already on {conflict_names} " in r[3] and "region" in r[3], f"conflict text: {r[3]}")
    if r[2] == "conflict" and r[1] == 8:  # P's passport: the birth date differs
        first = ("household.csv:8" if hf else "floating.csv:8")
        want(f"document already on {first} with another birth date" in r[3], f"conflict text: {r[3]}")
    if r[2] == "duplicate":
        first = ("household.csv:" if hf else "floating.csv:") + str(r[1])
        want(f"same person as {first}" in r[3], f"duplicate text: {r[3]}")
    want(r[4] == ("floating.csv" if r[0] == fl_file else "household.csv"), f"source {r[4]} of file {r[0]}")
# inputs JSON: rows, rejected and reasons of each file, in the config's order
inp = json.loads(f.attrs["inputs"])
want([(i["index"], i["kind"], i["path"]) for i in inp] ==
     [(0, "regions", "regions.csv")] +
     sorted([(hh_file, "persons", "household.csv"), (fl_file, "persons", "floating.csv")]) +
     [(3, "stays", "stays.csv")], f"inputs {[(i['index'], i['kind'], i['path']) for i in inp]}")
ex = {"household.csv": (7, {} if hf else {"duplicate": 2, "conflict": 2}),
      "floating.csv": (7, {"duplicate": 2, "conflict": 2, "birth_mismatch": 1, "sex_mismatch": 1} if hf
                       else {"birth_mismatch": 1, "sex_mismatch": 1}),
      "stays.csv": (3, {}), "regions.csv": (6, {})}
for i in inp:
    rows, why = ex[i["path"]]
    want(i["rows"] == rows and i["rejected"] == sum(why.values()) and i["reasons"] == why,
         f"inputs {i['path']}: rows {i['rows']} rejected {i['rejected']} reasons {i['reasons']}, "
         f"expected {rows}, {why}")
for m in bad:
    print("MISMATCH", order, m)
sys.exit(1 if bad else 0)
PYX
}
check hf3.h5 hf || die "household registry first: not as expected (MISMATCH lines above)"
check fh3.h5 fh || die "floating-population registry first: not as expected (MISMATCH lines above)"
# The summary logs counts per file, never an ID number or phone.
grep -q 'floating.csv (persons): 7 rows, 4 rejected .* 2 duplicates' hf2.h5.log \
  || { cat hf2.h5.log; die "the summary does not count floating.csv's rejects and duplicates"; }
for x in "$A" "$B" "$C" "$D" "$E" "$F" "$G" 13800000003 13900000004; do
  ! grep -q "$x" ./*.log || die "an ID number or phone is in a log"
done

# One file as a scalar (as before) equals a list of one; an empty list is refused at load.
ingest 2 one.h5 household.csv
ingest 2 list.h5 "[household.csv]"
$PY "$ROOT/tests/py/compare.py" one.h5 list.h5 --datasets persons identities stays places rejects \
  > cmp-one.log 2>&1 || { cat cmp-one.log; die "persons: FILE and persons: [FILE] differ"; }
$PY - one.h5 <<'PYX' || die "persons: FILE"
import json, sys, h5py
f = h5py.File(sys.argv[1], "r")
inp = json.loads(f.attrs["inputs"])
assert [(i["kind"], i["path"]) for i in inp] == [("regions", "regions.csv"), ("persons", "household.csv"),
                                                ("stays", "stays.csv")], inp
# seven registered; B (by ID number and by phone) and 13900000004 are visitors without floating.csv
flags = sorted(int(x) for x in f["persons"]["flags"])
assert flags == [0] * 7 + [1] * 3 and len(f["rejects"]) == 0, (flags, len(f["rejects"]))
PYX
cfg none.h5 "[]" > none.yaml
if run 1 ingest --config none.yaml > none.log 2>&1; then die "persons: [] was accepted"; fi
grep -q 'none.yaml:[0-9]*:[0-9]*: input.persons: names no file' none.log \
  || { cat none.log; die "persons: [] is not refused with a message naming input.persons"; }
echo "ok: two persons files in either order at 1-3 ranks; one file as a scalar; none refused"
