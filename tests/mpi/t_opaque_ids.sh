#!/usr/bin/env bash
# t_opaque_ids.sh - agencies' household and employer numbers are opaque strings (SPEC, "Other
# people's data"): `H00012`, `00012`, `12` and a credit code are kept as distinct households and
# employers (members of one household share it, byte for byte after trimming), and two
# different strings that would get one internal id stop ingest with a message naming both,
# whether one rank or two ranks read them (a test-only hook narrows the ids to force it);
# two places likewise.
. "$(dirname "$0")/lib.sh"
cd "$T"
tiny_regions regions.csv
A=$(id_of 430102 19800115 1) B=$(id_of 430102 19850302 2) C=$(id_of 430102 19900101 3)
D=$(id_of 430102 19910101 4) E=$(id_of 430102 19920101 5)
{ echo "id_number,phone,household,region,birth_date,sex,sector,employer,vaccine_doses"
  echo "$A,,H00012,430102001001,,,,91430100MA4L16JQ8B,2"
  echo "$B,,\" H00012 \",430102001001,,,,91430100MA4L16JQ8B,2"
  echo "$C,,00012,430102001001,,,,,1"
  echo "$D,,12,430102001001,,,,9143010,1"
  echo "$E,,户12号,430102001001,,,,,0"; } > persons.csv
echo "channel,subject,place,start,end,region,carriage,row" > stays.csv
cat > ingest.yaml <<CFG
key: key
data: data.h5
as_of: 2021-08-09T00:00
days: 14
input: {regions: regions.csv, persons: persons.csv, stays: [stays.csv]}
quiet: true
CFG
for n in 1 2 3 4; do
  run $n ingest --config ingest.yaml > ingest.log 2>&1 || { cat ingest.log; die "ingest failed at $n ranks"; }
  $PY - data.h5 <<'PYX' || die "households/employers at $n ranks"
import sys, collections, h5py
p = h5py.File(sys.argv[1], "r")["persons"][()]
hh = collections.Counter(int(x) for x in p["household"])
em = collections.Counter(int(x) for x in p["employer"] if x)
# H00012 twice (once quoted with blanks), 00012, 12, 户12号: four households, one of two members
assert sorted(hh.values()) == [1, 1, 1, 2], hh
assert all(0 < h < 1 << 56 for h in hh), "household ids must leave the channel bits 0"
assert sorted(em.values()) == [1, 2], em   # the credit code twice, 9143010 once
print("ok")
PYX
done
# Two strings, one id: the hook cuts ids to 1 bit, so every two households collide.
refused() { # ranks, log, what: an ingest with the ids cut to 1 bit must fail
  local rc=0
  PAICHA_TEST_OPAQUE_BITS=1 run "$1" ingest --config ingest.yaml > "$2" 2>&1 || rc=$?
  [ $rc -ne 0 ] || die "$3 was not refused"
}
refused 1 one.log "a household collision read by one rank"
grep -q 'persons.csv:[0-9]*: household "[^"]*" and household "[^"]*" give one internal id' one.log \
  || { cat one.log; die "the collision message (one rank) does not name both households"; }
[ ! -e data.h5 ] || rm -f data.h5
# Two persons, one line each rank: the ranks' own sets see no collision; the gathered check must.
{ echo "id_number,phone,household,region,birth_date,sex,sector,employer,vaccine_doses"
  echo "$A,,H00012,430102001001,,,,,2"
  echo "$C,,00012,430102001001,,,,,1"; } > persons.csv
refused 2 two.log "a household collision across ranks"
grep -q 'household "00012" and household "H00012" give one internal id\|household "H00012" and household "00012" give one internal id' two.log \
  || { cat two.log; die "the collision message (two ranks) does not name both households"; }
[ ! -e data.h5 ] || die "a refused ingest left a dataset"
# Places too: two cafés whose names would share an id, read by one rank and by two.
{ echo "id_number,phone,household,region,birth_date,sex,sector,employer,vaccine_doses"
  echo "$A,,,430102001001,,,,,2"; } > persons.csv
{ echo "channel,subject,place,start,end,region,carriage,row"
  echo "cafe,$A,网吧甲,2021-08-02T10:00,2021-08-02T12:00,430102001001,,"
  echo "cafe,$A,网吧乙,2021-08-03T10:00,2021-08-03T12:00,430102001001,,"; } > stays.csv
for n in 1 2 3 4; do
  refused $n place$n.log "a place collision read by $n ranks"
  grep -q 'two place names give one place id (a 56-bit hash collision between "网吧[甲乙]" and "网吧[甲乙]")' place$n.log \
    || { cat place$n.log; die "the place collision message ($n ranks) does not name both places"; }
done
run 2 ingest --config ingest.yaml > place.log 2>&1 || { cat place.log; die "two cafés (no hook) failed"; }
$PY -c "import h5py, sys; assert len(h5py.File(sys.argv[1], 'r')['places']) == 2" data.h5 || die "two cafés are not two places"
# Names of 16 bytes or more go through the reader's memo, whose places met again skip the
# table: each name three times in a row, three names with ids of one bit - two of them share
# it - are still refused, on one rank.
{ echo "channel,subject,place,start,end,region,carriage,row"
  for p in 长沙市芙蓉区网吧一号 长沙市芙蓉区网吧二号 长沙市芙蓉区网吧三号; do for d in 02 03 04; do
    echo "cafe,$A,$p,2021-08-${d}T10:00,2021-08-${d}T12:00,430102001001,,"; done; done; } > stays.csv
refused 1 long.log "a collision among three long place names met again"
grep -q 'two place names give one place id (a 56-bit hash collision between "长沙市芙蓉区网吧.号" and "长沙市芙蓉区网吧.号")' long.log \
  || { cat long.log; die "the collision of long place names is not named"; }
run 1 ingest --config ingest.yaml > place.log 2>&1 || { cat place.log; die "three long café names (no hook) failed"; }
$PY -c "import h5py, sys; assert len(h5py.File(sys.argv[1], 'r')['places']) == 3" data.h5 || die "three long café names are not three places"
grep -q "$A" one.log two.log place1.log place2.log long.log && die "an ID number was printed" || true
echo "opaque ids: distinct at 1 and 2 ranks; collisions of households and places refused on one rank and across two"
