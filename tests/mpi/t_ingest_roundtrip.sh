# t_ingest_roundtrip - synth -> CSV -> ingest gives back synth's /persons, /identities and
# /stays byte for byte (stays split into one file per agency, ingested at 1-4 ranks,
# identical datasets at every rank count), and trace on the ingested dataset equals trace
# on synth's own. Output files are owner-only.
. "$(dirname "$0")/lib.sh"
cat > "$T/synth.yaml" <<CFG
key: $T/key
data: $T/synth.h5
seed: 11
persons: 10000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 12}
csv: $T/csv
quiet: true
CFG
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
for f in regions persons stays cases; do
  [ -s "$T/csv/$f.csv" ] || die "synth csv: $f.csv missing"
  [ "$(stat -c %a "$T/csv/$f.csv")" = 600 ] || die "$f.csv (clear identities) is not mode 0600"
done
# One file per agency, as they would arrive: police (cafes, hotels), rail, aviation, telecom.
split_stays() { # channel regex, file
  { head -1 "$T/csv/stays.csv"; grep -E "^($1)," "$T/csv/stays.csv"; } > "$T/csv/$2"
}
split_stays 'cafe|lodging' stays-police.csv
split_stays rail stays-rail.csv
split_stays flight stays-aviation.csv
split_stays 'lbs|grid' stays-telecom.csv
[ $(( $(cat "$T"/csv/stays-*.csv | wc -l) - 4 )) = $(( $(wc -l < "$T/csv/stays.csv") - 1 )) ] \
  || die "splitting stays.csv by agency lost rows"
for n in 1 2 3 4; do
  cat > "$T/ingest$n.yaml" <<CFG
key: $T/key
data: $T/ingest$n.h5
input:
  regions: $T/csv/regions.csv
  persons: $T/csv/persons.csv
  stays: [$T/csv/stays-telecom.csv, $T/csv/stays-police.csv, $T/csv/stays-rail.csv,
          $T/csv/stays-aviation.csv]
as_of: 2021-08-09T00:00
days: 14
max_reject_ratio: 0
quiet: true
CFG
  run $n ingest --config "$T/ingest$n.yaml" > "$T/ingest$n.log" 2>&1 \
    || { cat "$T/ingest$n.log"; die "ingest at $n ranks failed"; }
  [ "$(stat -c %a "$T/ingest$n.h5")" = 600 ] || die "the dataset (identities) is not mode 0600"
done
$PY "$ROOT/tests/py/compare.py" "$T/synth.h5" "$T"/ingest?.h5 --datasets persons identities stays \
  > "$T/cmp.log" || { cat "$T/cmp.log"; die "ingest of synth's CSV does not give synth's dataset back"; }
$PY "$ROOT/tests/py/compare.py" "$T"/ingest?.h5 --datasets regions persons identities stays places rejects \
  > "$T/cmp.log" || { cat "$T/cmp.log"; die "ingest differs between rank counts"; }
$PY - "$T/synth.h5" "$T/ingest3.h5" <<'PY' || die "the ingested dataset's attributes or places are wrong"
import json, sys, h5py, numpy as np
s, g = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for a in ("stays", "stays_checksum", "window_start", "window_end", "as_of", "key_fingerprint"):
    assert s.attrs[a] == g.attrs[a], (a, s.attrs[a], g.attrs[a])
assert len(g["rejects"]) == 0, "rejects from synth's own CSV"
assert g.attrs["visitors"] == 0
# /places: the places visited, with the names and regions synth gave them, sorted by id.
sp = {int(r["id"]): (r["name"], int(r["region"])) for r in s["places"][()]}
gp = g["places"][()]
assert np.all(np.diff(gp["id"].astype(np.uint64)) > 0), "places not sorted by id"
assert set(np.unique(g["stays"]["place"]).tolist()) == set(gp["id"].tolist())
for r in gp:
    assert sp[int(r["id"])] == (r["name"], int(r["region"])), r
# The inputs are recorded with sizes and checksums.
inp = json.loads(g.attrs["inputs"])
assert [i["kind"] for i in inp] == ["regions", "persons", "stays", "stays", "stays", "stays"]
import zlib, os
for i in inp:
    b = open(i["path"], "rb").read()
    assert i["bytes"] == len(b) and int(i["crc32"], 16) == zlib.crc32(b), i
    assert i["rows"] == b.count(b"\n") - 1 and i["rejected"] == 0, i
regions = g["regions"][()]
assert len(regions) == len(s["regions"]) and np.all(regions["code"] == s["regions"]["code"])
assert [x.decode() for x in regions["name"][:2]] == ["湖南省", "长沙市"], regions["name"][:2]
print(f"round trip: {g.attrs['persons']} persons, {g.attrs['stays']} stays, {len(gp)} places")
PY
# Trace on either dataset: the same answer.
for d in synth ingest3; do
  cat > "$T/trace-$d.yaml" <<CFG
data: $T/$d.h5
cases: $T/csv/cases.csv
key: $T/key
output: $T/trace-$d.h5
hops: 2
companions_of: [0, 1]
quiet: true
CFG
  run 2 trace --config "$T/trace-$d.yaml" > "$T/trace-$d.log" 2>&1 || { cat "$T/trace-$d.log"; die "trace on $d failed"; }
done
$PY "$ROOT/tests/py/compare.py" "$T/trace-synth.h5" "$T/trace-ingest3.h5" --datasets contacts companions breakdown \
  > "$T/cmp.log" || { cat "$T/cmp.log"; die "trace on the ingested dataset differs from trace on synth's"; }
$PY -c "
import h5py, json, sys
c = json.loads(h5py.File('$T/trace-ingest3.h5', 'r').attrs['counts'])
assert c['hop0'] == 12 and c['hop1'] > 12, c
" || die "the trace on the ingested dataset found no contacts"
echo "t_ingest_roundtrip: ok"
