# t_index_append - daily appends to a persisted index. Synth writes 16 days of stays as
# CSV; ingest makes three datasets of 14 days each, one day apart (the agencies' files
# re-ingested every morning, the days outside each window rejected as `window`). The index
# of day 1 appended with day 2 (and then day 3, and day 1 with days 2+3 at once, and in
# place) is byte for byte the index a full rebuild makes (same bucket count), at other rank
# counts; trace on the appended index equals trace on a default rebuild. An append whose
# shared days hold other stays, or that moves the window backwards, is refused. The area
# view appended indexes carry is the one a rebuild writes.
. "$(dirname "$0")/lib.sh"
cat > "$T/synth.yaml" <<CFG
key: $T/key
data: $T/synth.h5
seed: 23
persons: 6000
days: 16
as_of: 2021-08-11T00:00
outbreak: {cases: 10}
csv: $T/csv
quiet: true
CFG
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
# A grid stay reported twice with two region codes (one agency's slip): two stays that differ
# only in what the index does not hold; both rows must get the new grid total.
$PY - "$T/csv/stays.csv" <<'PY' || die "could not add the twice-reported grid stay"
import sys
path = sys.argv[1]
lines = open(path, encoding="utf-8").read().splitlines()
grid = [l for l in lines[1:] if l.startswith("grid,") and "2021-08-03T" in l.split(",")[3]]
a, b = grid[0].split(","), grid[len(grid) // 2].split(",")
assert a[5] != b[5]
a[5] = b[5]
open(path, "a", encoding="utf-8").write(",".join(a) + "\n")
PY
ingest() { # name, as_of
  cat > "$T/ingest-$1.yaml" <<CFG
key: $T/key
data: $T/$1.h5
input: {regions: $T/csv/regions.csv, persons: $T/csv/persons.csv, stays: [$T/csv/stays.csv]}
as_of: $2
days: 14
max_reject_ratio: 0.2
quiet: true
CFG
  run 2 ingest --config "$T/ingest-$1.yaml" > "$T/ingest-$1.log" 2>&1 \
    || { cat "$T/ingest-$1.log"; die "ingest of $1 failed"; }
}
ingest d1 2021-08-09T00:00
ingest d2 2021-08-10T00:00
ingest d3 2021-08-11T00:00
index() { # ranks, name, dataset, index, [key: value lines]
  local n=$1 name=$2 data=$3 out=$4; shift 4
  { echo "data: $T/$data.h5"; echo "index: $T/$out.h5"; echo "area_view: true"; printf '%s\n' "$@"; } \
    > "$T/index-$name.yaml"
  run "$n" index --config "$T/index-$name.yaml" > "$T/index-$name.log" 2>&1
}
index 2 i1 d1 i1 || { cat "$T/index-i1.log"; die "index of day 1 failed"; }
NB=$($PY -c "import h5py,sys; print(int(h5py.File(sys.argv[1],'r').attrs['nbuckets']))" "$T/i1.h5")
index 3 i12 d2 i12 "append: $T/i1.h5" || { cat "$T/index-i12.log"; die "append of day 2 failed"; }
index 1 i123 d3 i123 "append: $T/i12.h5" || { cat "$T/index-i123.log"; die "append of day 3 failed"; }
index 4 i13 d3 i13 "append: $T/i1.h5" || { cat "$T/index-i13.log"; die "append of days 2-3 failed"; }
cp "$T/i1.h5" "$T/inplace.h5"
index 2 inplace d2 inplace "append: $T/inplace.h5" || { cat "$T/index-inplace.log"; die "append in place failed"; }
index 4 r2 d2 r2 "buckets: $NB" || { cat "$T/index-r2.log"; die "rebuild of day 2 failed"; }
index 1 r3 d3 r3 "buckets: $NB" || { cat "$T/index-r3.log"; die "rebuild of day 3 failed"; }
index 2 r3d d3 r3d || { cat "$T/index-r3d.log"; die "default rebuild of day 3 failed"; }
grep -q "appending 24.0 h" "$T/index-i12.log" || { cat "$T/index-i12.log"; die "append does not say what it adds"; }

# The area view (screen's) and the dispatch table (at the new as_of) are made anew from the
# appended dataset: the same as a rebuild's.
IDX="place_rows bucket_start bucket_sum persons_dir identities_dir stays_dir stays_sum
     dispatch_stays dispatch_dir dispatch_sum
     area_rows area_dir area_slices area_count area_sum area_townships area_places area_regions"
$PY "$ROOT/tests/py/compare.py" "$T/r2.h5" "$T/i12.h5" "$T/inplace.h5" --datasets $IDX > "$T/cmp2.log" \
  || { cat "$T/cmp2.log"; die "appending day 2 differs from a rebuild"; }
$PY "$ROOT/tests/py/compare.py" "$T/r3.h5" "$T/i123.h5" "$T/i13.h5" --datasets $IDX > "$T/cmp3.log" \
  || { cat "$T/cmp3.log"; die "appending day 3 (or days 2-3) differs from a rebuild"; }
$PY - "$T" <<'PY' || die "the appended indexes' attributes or contents are wrong"
import sys, h5py, numpy as np
T = sys.argv[1]
names = ["window_start", "window_end", "nbuckets", "pid_bits", "data_persons", "data_identities",
         "data_stays", "data_stays_checksum", "area_format", "area_t0", "area_nplaces",
         "area_nregions"] + [f"dmax_{c}" for c in
         ("household", "lbs", "grid", "cafe", "lodging", "rail", "flight")]
for rebuilt, appended in (("r2", "i12"), ("r2", "inplace"), ("r3", "i123"), ("r3", "i13")):
    r, a = h5py.File(f"{T}/{rebuilt}.h5", "r"), h5py.File(f"{T}/{appended}.h5", "r")
    for n in names:
        assert r.attrs[n] == a.attrs[n], (appended, n, r.attrs[n], a.attrs[n])
    assert "appended_to" in a.attrs and "appended_to" not in r.attrs
# The append did real work: day 1's rows are gone, day 3's are there, grid totals moved,
# and households span the new window.
d1, d3 = h5py.File(f"{T}/d1.h5", "r"), h5py.File(f"{T}/d3.h5", "r")
i1, i3 = h5py.File(f"{T}/i1.h5", "r")["place_rows"][()], h5py.File(f"{T}/i13.h5", "r")["place_rows"][()]
ws3, we1 = d3.attrs["window_start"], d1.attrs["window_end"]
assert np.all(i3["start"] >= ws3) and np.any(i1["start"] < ws3)
assert np.any(i3["end"] > we1), "no rows of the new days"
hh = i3[i3["channel"] == 0]
assert len(hh) and np.all(hh["start"] == ws3) and np.all(hh["end"] == d3.attrs["window_end"])
g1, g3 = i1[i1["channel"] == 6], i3[i3["channel"] == 6]  # grid
k = lambda g: {(int(p), int(q), int(s)): int(c) for p, q, s, c in zip(g["pid"], g["place"], g["start"], g["cum"])}
a, b = k(g1), k(g3)
moved = sum(1 for x in a.keys() & b.keys() if a[x] != b[x])
assert moved > 0, "no grid total changed between the windows"
assert len(d3["stays"]) == len(i3) - len(hh)
print(f"append: {len(i3)} rows, {moved} kept grid rows with a new total, {len(hh)} households")
PY

# Trace on the appended index == trace on a default rebuild (another bucket count).
trace_cfg() { # output, index
  cat <<CFG
data: $T/d3.h5
cases: $T/csv/cases.csv
key: $T/key
output: $1
index: $2
hops: 2
companions_of: [0, 1]
quiet: true
CFG
}
trace_cfg "$T/ta.h5" "$T/i123.h5" > "$T/ta.yaml"
trace_cfg "$T/tr.h5" "$T/r3d.h5" > "$T/tr.yaml"
run 3 trace --config "$T/ta.yaml" > "$T/ta.log" 2>&1 || { cat "$T/ta.log"; die "trace on the appended index failed"; }
run 2 trace --config "$T/tr.yaml" > "$T/tr.log" 2>&1 || { cat "$T/tr.log"; die "trace on the rebuilt index failed"; }
$PY "$ROOT/tests/py/compare.py" "$T/tr.h5" "$T/ta.h5" --datasets contacts companions breakdown > "$T/cmpt.log" \
  || { cat "$T/cmpt.log"; die "trace on the appended index differs from trace on a rebuild"; }
$PY -c "import h5py,sys; n=len(h5py.File(sys.argv[1],'r')['contacts']); assert n > 30, n; print(n, 'contacts')" "$T/ta.h5" \
  || die "the trace found too few contacts to show anything"

# Refusals: synth's own day-2 dataset cuts stays at its window's edges and moves the
# outbreak, so the days it shares with day 1 differ; a window moving backwards.
sed -e "s|data: .*|data: $T/s2.h5|" -e "s|as_of: .*|as_of: 2021-08-10T00:00|" -e "s|days: 16|days: 14|" \
  -e "/^csv:/d" "$T/synth.yaml" > "$T/s2.yaml"
run 2 synth --config "$T/s2.yaml" > "$T/s2.log" 2>&1 || { cat "$T/s2.log"; die "synth of day 2 failed"; }
cp "$T/i1.h5" "$T/keep.h5"
if index 2 bad s2 keep "append: $T/keep.h5"; then die "append of a dataset with other shared days succeeded"; fi
grep -q "cannot append: .*rebuild the index" "$T/index-bad.log" || { cat "$T/index-bad.log"; die "no clear refusal"; }
cmp -s "$T/i1.h5" "$T/keep.h5" || die "a refused append changed the index"
if index 2 back d1 back "append: $T/i12.h5"; then die "append moving the window backwards succeeded"; fi
grep -q "append moves the window forward only" "$T/index-back.log" || { cat "$T/index-back.log"; die "no clear refusal"; }
[ ! -e "$T/back.h5" ] || die "a refused append left an output"
if index 2 nb d2 nbx "append: $T/i1.h5" "buckets: $((NB * 2))"; then die "append with another bucket count succeeded"; fi
grep -q "append keeps the $NB buckets" "$T/index-nb.log" || { cat "$T/index-nb.log"; die "no clear refusal"; }
echo "index append: equal to rebuilds (1 and 2 days, chained, in place); refusals clear"
