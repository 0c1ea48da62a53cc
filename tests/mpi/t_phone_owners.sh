#!/usr/bin/env bash
# t_phone_owners.sh - input.phone_owners (SPEC "Other people's data"): stays keyed by a phone
# the operators' registration gives an owner are the owner's, so a visitor seen by ID number at
# a hotel and by phone in cell data is one person (two without the file); a passport holder's
# phone likewise; a phone the persons files register to someone else stays theirs (a
# conflict row), the same owner twice is a duplicate; identical datasets at 1 and 3 ranks.
. "$(dirname "$0")/lib.sh"
cd "$T"
tiny_regions regions.csv
A=$(id_of 430102 19800115 1) V=$(id_of 110101 19900101 3)
{ echo "id_number,phone,household,region,birth_date,sex,sector,employer,vaccine_doses"
  echo "$A,13800000001,H1,430102001001,,,,,2"; } > persons.csv
{ echo "channel,subject,place,start,end,region,carriage,row,subject_type"
  echo "lodging,$V,如家,2021-08-02T20:00,2021-08-03T08:00,430102001001,,,"     # the visitor by ID
  echo "lbs,139 0000 0002,CELL-1,2021-08-03T09:00,2021-08-03T10:00,430102001001,,,"  # ... by phone
  echo "lbs,13900000003,CELL-2,2021-08-04T09:00,2021-08-04T10:00,430102001001,,,"    # a passport's phone
  echo "lbs,13800000001,CELL-3,2021-08-05T09:00,2021-08-05T10:00,430102001001,,,"    # A's own phone
  echo "lodging,e7654321,如家,2021-08-04T20:00,2021-08-05T08:00,430102001001,,,passport"; } > stays.csv
{ echo "phone,subject,subject_type"
  echo "+86 139-0000-0002,$V,"
  echo "13900000003,E7654321,passport"
  echo "13800000001,$V,id_card"          # registered to A in persons.csv: A keeps it (conflict)
  echo "8613900000002,$V,"; } > owners.csv  # the same owner again: a duplicate
cfg() { # data, [owners]
  printf 'key: key\ndata: %s\nas_of: 2021-08-09T00:00\ndays: 14\nmax_reject_ratio: 0.9\nquiet: true\n' "$1"
  printf 'input: {regions: regions.csv, persons: persons.csv, stays: [stays.csv]%s}\n' "${2:+, phone_owners: $2}"
}
for n in 1 2 3 4; do
  cfg o$n.h5 owners.csv > o$n.yaml
  run $n ingest --config o$n.yaml > o$n.log 2>&1 || { cat o$n.log; die "ingest with phone owners at $n ranks failed"; }
done
$PY "$ROOT/tests/py/compare.py" o1.h5 o2.h5 o3.h5 o4.h5 --datasets persons identities stays places rejects > cmp.log 2>&1 \
  || { cat cmp.log; die "ingest with phone owners differs between 1, 2, 3 and 4 ranks"; }
cfg n.h5 > n.yaml
run 2 ingest --config n.yaml > n.log 2>&1 || { cat n.log; die "ingest without phone owners failed"; }
$PY - o3.h5 n.h5 "$A" "$V" <<'PYX' || die "phone owners not applied as SPEC says"
import collections, json, sys, h5py
s = lambda b: bytes(b).rstrip(b"\0").decode()
o, n = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
A, V = sys.argv[3], sys.argv[4]
def people(f):
    ids = {int(i["pid"]): (s(i["subject"]), int(i["id_type"]), int(i["flags"])) for i in f["identities"][()]}
    stays = collections.Counter(int(x) for x in f["stays"]["pid"])
    return {ids[p][0]: (ids[p][1], ids[p][2], stays[p]) for p in ids}
po, pn = people(o), people(n)
# with the owners file: A (2 stays? no: 1, her cell), V one visitor with the hotel and the cell,
# the passport holder one visitor with the hotel and the cell; no phone visitors
assert po == {A: (0, 0, 1), V: (0, 1, 2), "E7654321": (1, 1, 2)}, po
# without it: V's and the passport's phones are visitors of their own
assert pn[V] == (0, 1, 1) and pn["E7654321"] == (1, 1, 1), pn
assert pn["13900000002"] == (6, 1, 1) and pn["13900000003"] == (6, 1, 1), pn
rj = [(int(r["line"]), s(r["code"]), s(r["text"])) for r in o["rejects"][()] if s(r["source"]) == "owners.csv"]
assert [r[:2] for r in rj] == [(4, "conflict"), (5, "duplicate")], rj
inp = {i["path"]: i for i in json.loads(o.attrs["inputs"])}
assert inp["owners.csv"]["kind"] == "phone owners" and inp["owners.csv"]["rows"] == 4, inp["owners.csv"]
print("ok:", po)
PYX
# trace takes a case named by passport (lower case, as typed) and by the owner's phone: one
# case, found in the data (not /unmatched), whose hotel and cell stays are both traced.
{ echo "subject,onset,isolated,last_negative,subject_type"
  echo "e7654321,2021-08-05T10:00,2021-08-06T12:00,,Passport"
  echo "13900000003,2021-08-05T10:00,2021-08-07T12:00,,"; } > cases.csv
printf 'data: o3.h5
cases: cases.csv
key: key
output: t.h5
quiet: true
' > t.yaml
run 2 trace --config t.yaml > t.log 2>&1 || { cat t.log; die "trace of a passport case failed"; }
$PY - t.h5 <<'PYX' || die "a case named by passport (and by its owner's phone) is not one case"
import json, sys, h5py
f = h5py.File(sys.argv[1], "r")
s = lambda b: bytes(b).rstrip(b"\0").decode()
c = f["contacts"][()]
hop0 = [(s(r["subject"]), s(r["subject_type"])) for r in c if r["hop"] == 0]
assert hop0 == [("E7654321", "passport")], hop0
assert len(f["unmatched"]) == 0 and json.loads(f.attrs["counts"])["unmatched"] == 0
print("ok: passport case", hop0)
PYX
for x in "$A" "$V" 13900000002 E7654321; do ! grep -q "$x" ./*.log || die "an identity is in a log"; done
echo "phone owners: one person per owner, conflicts and duplicates, 1 and 3 ranks alike"
