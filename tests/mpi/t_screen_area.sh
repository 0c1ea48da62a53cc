# t_screen_area - screen through the index's area view gives the same /screened (and
# cubes) as streaming /stays, at 1-4 ranks: on the hand-built screening edges
# (tests/py/make_screen.py: stays crossing midnight, night windows, places by id and name,
# then:, id_origin:) and on the test tier of synth (a city, a county and a community prefix,
# a period starting mid-window so stays begun the day before count, 17 cells at night,
# then:, id_origin:), with the index's dispatch table (the candidates' jurisdictions) and
# without it (their other stays from the dispatch instant's groups or from /stays). The log
# says which way screen went. An index built without the view
# (an index of an earlier version) is still accepted: screen streams and says so. An index
# of another dataset is not used: screen warns and streams. The view's file is the same
# whatever the rank count that built it. area_view: auto streams when the view would read
# more than 1/5 of the stays (and says so), always reads the view, never streams.
. "$(dirname "$0")/lib.sh"
# same OUT... : /screened, /breakdown and /axes identical across the files.
same() { $PY "$ROOT/tests/py/compare.py" "$@" --datasets screened breakdown axes > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "screen outputs differ: $*"; }; }
view_used() { grep -qE "screen: area view: .* (candidates|persons), (their|screened)" "$1" || { cat "$1"; die "screen did not read the area view ($1)"; }; }
# An index without its dispatch table (as built before it): screen reads the candidates'
# other stays to find their jurisdictions (the dispatch instant's groups, or /stays).
no_table() { # index, copy
  cp "$1" "$2"
  $PY -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); [f.__delitem__(n) for n in ('dispatch_stays', 'dispatch_dir', 'dispatch_sum')]; del f.attrs['dispatch_at']" "$2"
}
streamed() { # log, what the line must say
  grep -q "$2" "$1" || { cat "$1"; die "screen did not say it streams ($2) in $1"; }
  ! grep -q "screen: area view:" "$1" || { cat "$1"; die "screen read the area view ($1)"; }
}
index() { # ranks, data, index, [config lines...]
  local n=$1 d=$2 i=$3; shift 3
  printf '%s\n' "data: $d" "index: $i" "quiet: true" "$@" > "$T/index.yaml"
  grep -q '^area_view:' "$T/index.yaml" || echo "area_view: true" >> "$T/index.yaml"
  run "$n" index --config "$T/index.yaml" > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index of $d failed"; }
}
screen_both() { # config (no index), tag, index: stream and view at 1-4 ranks, all identical
  local cfg=$1 tag=$2 idx=$3 n
  for n in 1 2 3 4; do
    sed -e "s#^output: .*#output: $T/$tag-s$n.h5#" -e "/^quiet:/d" "$cfg" > "$T/run.yaml"
    run "$n" screen --config "$T/run.yaml" > "$T/$tag-s$n.log" 2>&1 || { cat "$T/$tag-s$n.log"; die "screen $tag at $n ranks failed"; }
    streamed "$T/$tag-s$n.log" "no index given: streaming /stays"
    sed -e "s#^output: .*#output: $T/$tag-v$n.h5#" -e "/^quiet:/d" "$cfg" > "$T/run.yaml"
    # small windows of the view (shuffle_round_mb: 1, 21,846 rows): several a rank
    printf '%s\n' "index: $idx" "area_view: always" "shuffle_round_mb: 1" >> "$T/run.yaml"
    run "$n" screen --config "$T/run.yaml" > "$T/$tag-v$n.log" 2>&1 || { cat "$T/$tag-v$n.log"; die "screen $tag with the area view at $n ranks failed"; }
    view_used "$T/$tag-v$n.log"
  done
  same "$T/$tag"-s?.h5 "$T/$tag"-v?.h5
}

# ---- the hand-built edges
$PY "$ROOT/tests/py/make_screen.py" "$T/e" > /dev/null
index 2 "$T/e/screen.h5" "$T/hand-index.h5"
screen_both "$T/e/screen.yaml" hand "$T/hand-index.h5"
$PY - "$T/hand-v1.h5" <<'PY' || die "the edges flag nobody"
import sys, h5py
assert len(h5py.File(sys.argv[1], "r")["screened"]) >= 5
PY

# ---- the test tier of synth
cat > "$T/synth.yaml" <<CFG
key: $T/key
data: $T/s.h5
seed: 11
persons: 3000
days: 14
as_of: 2021-08-09T00:00
quiet: true
CFG
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
read -r cells community < <($PY - "$T/s.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
p = f["places"][()]
cells = [int(x["id"]) for x in p if x["channel"] == 5 and x["region"] // 10**8 == 4301][:17]
assert len(cells) == 17
s = f["stays"][:200000]
print(",".join(map(str, cells)), int(s["region"][s["region"] // 10**8 == 4301][0]))
PY
) || die "no cells in the synth dataset"
cat > "$T/synth-screen.yaml" <<CFG
data: $T/s.h5
output: $T/x.h5
areas:
  - {name: changsha, regions: ["4301"], from: 2021-08-05T06:00, to: 2021-08-08T00:00, min_dwell: 4h}
  - {name: county, regions: ["430102"], from: 2021-07-30T00:00, to: 2021-08-02T00:00, min_dwell: 1h}
  - {name: community, regions: ["$community"], from: 2021-07-26T00:00, to: 2021-08-09T00:00, min_dwell: 30m}
  - {name: night cells, places: [$cells], from: 2021-07-27T00:00, to: 2021-08-08T00:00, hours: "00:00-05:00", min_dwell: 30m}
  - name: then out
    regions: ["4301"]
    from: 2021-08-02T00:00
    to: 2021-08-06T00:00
    min_dwell: 2h
    then: {regions: ["4302", "4303", "4304"], within: 3d, min_dwell: 30m}
  - {name: born away, regions: ["4304", "4305"], from: 2021-07-27T00:00, to: 2021-08-09T00:00, min_dwell: 4h, id_origin: ["4301"]}
dispatch: {level: county}
breakdown: {level: city}
quiet: true
CFG
index 2 "$T/s.h5" "$T/synth-index.h5"
# The same index at 1, 3 and 4 ranks; at 3 and 4 in shuffle rounds of 1 MB
# (the view's slices made from many rounds each); at 1 rank with io.direct
# false, through the page cache alone.
index 1 "$T/s.h5" "$T/synth-index1.h5" "io: {direct: false}"
index 3 "$T/s.h5" "$T/synth-index3.h5" "shuffle_round_mb: 1"
index 4 "$T/s.h5" "$T/synth-index4.h5" "shuffle_round_mb: 1"
for n in 1 3 4; do
  $PY "$ROOT/tests/py/compare.py" "$T/synth-index.h5" "$T/synth-index$n.h5" \
    --datasets area_rows area_dir area_slices area_count area_sum area_townships area_places \
    area_regions place_rows \
    bucket_start dispatch_stays > "$T/cmp.log" 2>&1 \
    || { cat "$T/cmp.log"; die "the index differs between 2 and $n ranks"; }
done
$PY - "$T/synth-index3.h5" <<'PY' || die "the view has too few slices for every rank at 4 ranks to make several"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert f.attrs["area_nslices"] >= 12 and len(f["area_slices"]) == f.attrs["area_nslices"], dict(f.attrs)
PY
# The view's 24-byte rows stand for the stays, each once (read as a planner would).
$PY - "$T/s.h5" "$T/synth-index.h5" <<'PY' || die "the area view's rows are not the dataset's stays"
import sys, h5py, numpy as np
st, f = h5py.File(sys.argv[1], "r")["stays"][()], h5py.File(sys.argv[2], "r")
a = f["area_rows"][()]
assert f.attrs["area_format"] == 3 and a.dtype.itemsize == 24 and len(a) == len(st)
t0, rc = int(f.attrs["area_t0"]), a["region_channel"].astype(np.int64)
back = np.rec.fromarrays([a["pid"], f["area_places"][()][a["place"]],
                          a["start"].astype(np.int64) + t0, a["end"].astype(np.int64) + t0,
                          f["area_regions"][()][rc & 0xFFFFFF], rc >> 24])
want = np.rec.fromarrays([st["pid"], st["place"], st["start"], st["end"], st["region"],
                          st["channel"].astype(np.int64)])
assert np.array_equal(np.sort(back), np.sort(want)), "the rows differ from /stays"
assert len(f["area_places"]) >= len(np.unique(st["place"]))
# each slice holds /stays' same rows, grouped: its directory row counts them, and
# the slices' first pids are their first stays'
sl, d, G1 = f["area_slices"][()], f["area_dir"][()]["off"], len(f["area_count"]) + 1
starts = np.append(sl["start"], len(st))
assert starts[0] == 0 and np.all(np.diff(starts) >= 0)
assert np.array_equal(sl["pid"][sl["start"] < len(st)], st["pid"][sl["start"][sl["start"] < len(st)]])
d = d.reshape(len(sl), G1)
assert np.all(np.diff(d, axis=1) >= 0) and np.array_equal(d[:, -1], np.diff(starts))
assert np.array_equal(np.sum(np.diff(d, axis=1), axis=0), f["area_count"][()])
for k in range(len(sl)):  # a slice's rows are its stays
    s0, s1 = int(starts[k]), int(starts[k + 1])
    assert np.array_equal(np.sort(a["pid"][s0:s1]), np.sort(st["pid"][s0:s1]))
PY
screen_both "$T/synth-screen.yaml" synth "$T/synth-index.h5"
grep -q "screened with their jurisdictions from the index's dispatch table" "$T/synth-v2.log" \
  || { cat "$T/synth-v2.log"; die "the synth screening did not read the index's dispatch table"; }
grep -q "a window of slices at a time: [2-9] on rank 0" "$T/synth-v1.log" \
  || { cat "$T/synth-v1.log"; die "the synth screening at 1 rank did not read several windows"; }
grep -q "memory: the area view's windows about [0-9]* MB more per rank" "$T/synth-v2.log" \
  || { cat "$T/synth-v2.log"; die "the windows' memory was not told before they were read"; }
# without the table, many candidates: the groups around the dispatch instant
no_table "$T/synth-index.h5" "$T/synth-index-nt.h5"
screen_both "$T/synth-screen.yaml" synth-nt "$T/synth-index-nt.h5"
same "$T/synth-v2.h5" "$T/synth-nt-v2.h5"
grep -q "their other stays from the dispatch instant's groups" "$T/synth-nt-v2.log" \
  || { cat "$T/synth-nt-v2.log"; die "the synth screening did not read the dispatch instant's groups"; }
# few candidates (17 cells at night, then: Changsha): their stays from /stays instead
cat > "$T/cells-screen.yaml" <<CFG
data: $T/s.h5
output: $T/x.h5
areas:
  - {name: night cells, places: [$cells], from: 2021-07-27T00:00, to: 2021-08-08T00:00, hours: "00:00-05:00", min_dwell: 30m}
  - name: cells then out
    places: [$cells]
    from: 2021-07-27T00:00
    to: 2021-08-08T00:00
    min_dwell: 1h
    then: {regions: ["4302", "4303"], within: 2d, min_dwell: 30m}
dispatch: {level: community}
quiet: true
CFG
screen_both "$T/cells-screen.yaml" cells "$T/synth-index.h5"
grep -q "screened with their jurisdictions from the index's dispatch table" "$T/cells-v2.log" \
  || { cat "$T/cells-v2.log"; die "the cells' screening did not read the index's dispatch table"; }
# without the table, few candidates: their stays from /stays
screen_both "$T/cells-screen.yaml" cells-nt "$T/synth-index-nt.h5"
same "$T/cells-v2.h5" "$T/cells-nt-v2.h5"
grep -q "their other stays from /stays" "$T/cells-nt-v2.log" \
  || { cat "$T/cells-nt-v2.log"; die "the cells' screening did not read the candidates' stays from /stays"; }
# the index's table is for another instant than this run's: not used (the pid directory of
# /stays is read instead, which a run with the table skips), the same rows as the stream's
sed 's#^dispatch: .*#dispatch: {level: community, at: 2021-08-05T03:00}#' "$T/cells-screen.yaml" > "$T/cells-at.yaml"
screen_both "$T/cells-at.yaml" cells-at "$T/synth-index.h5"
grep -q "their other stays from /stays" "$T/cells-at-v2.log" \
  || { cat "$T/cells-at-v2.log"; die "a run at another instant did not read the candidates' stays"; }
$PY - "$T/cells-v2.h5" "$T/cells-at-v2.h5" <<'PY' || die "dispatch.at did not move any jurisdiction"
import sys, h5py
a, b = (h5py.File(p, "r")["screened"][()] for p in sys.argv[1:])
assert len(a) == len(b) and (a["pid"] == b["pid"]).all()
assert (a["jurisdiction"] != b["jurisdiction"]).any(), "the same jurisdictions at another instant"
PY
$PY - "$T/synth-v2.h5" "$T/synth-v2.log" <<'PY' || die "the synth screening is degenerate or read the whole view"
import json, re, sys, h5py
c = json.loads(h5py.File(sys.argv[1], "r").attrs["counts"])["areas"]
assert all(v >= 3 for v in c.values()), c
m = re.search(r"area view: \d+ of \d+ groups .*\(([0-9.]+)%\)", open(sys.argv[2]).read())
assert m and float(m.group(1)) < 100, "the view read everything"
print(c, m.group(0))
PY

# ---- area_view: auto (the default) weighs the view against the stream: the synth areas (a
# city, a county, a community) are over 1/5 of the stays,
# so it streams and says why; the 17 cells at night (without the then: area's two cities) are
# far under it: the view. never streams. The rows are the same every way.
auto() { # config, tag, extra line
  sed -e "s#^output: .*#output: $T/$2.h5#" -e "/^quiet:/d" "$1" > "$T/run.yaml"
  printf '%s\n' "index: $T/synth-index.h5" "$3" >> "$T/run.yaml"
  run 2 screen --config "$T/run.yaml" > "$T/$2.log" 2>&1 || { cat "$T/$2.log"; die "screen $2 failed"; }
}
auto "$T/synth-screen.yaml" synth-auto ""
streamed "$T/synth-auto.log" "screen: streaming /stays: cheaper than the index's area view for these areas (.* of the stays;"
sed '/^  - name: cells then out/,/^    then:/d' "$T/cells-screen.yaml" > "$T/night-screen.yaml" # no then: area
auto "$T/night-screen.yaml" night-auto "area_view: auto"
view_used "$T/night-auto.log"
auto "$T/night-screen.yaml" night-never "area_view: never"
streamed "$T/night-never.log" "area_view: never: streaming /stays"
same "$T/synth-s2.h5" "$T/synth-auto.h5"
same "$T/night-auto.h5" "$T/night-never.h5"
$PY - "$T/night-auto.h5" <<'PY' || die "the night cells' screening flagged nobody"
import json, sys, h5py
assert json.loads(h5py.File(sys.argv[1], "r").attrs["counts"])["screened"] >= 3
PY

# ---- an index without the view (as built before it): accepted, screen streams and says so
index 2 "$T/s.h5" "$T/old-index.h5" "area_view: false"
$PY - "$T/old-index.h5" <<'PY' || die "area_view: false wrote a view"
import sys, h5py
assert "area_rows" not in h5py.File(sys.argv[1], "r") and "place_rows" in h5py.File(sys.argv[1], "r")
PY
sed -e "s#^output: .*#output: $T/old.h5#" -e "/^quiet:/d" "$T/synth-screen.yaml" > "$T/run.yaml"
echo "index: $T/old-index.h5" >> "$T/run.yaml"
run 2 screen --config "$T/run.yaml" > "$T/old.log" 2>&1 || { cat "$T/old.log"; die "screen refused an index without the view"; }
streamed "$T/old.log" "has no area view .*streaming /stays"
same "$T/synth-s2.h5" "$T/old.h5"

# ---- the index of another dataset: not used, a warning, the stream's rows
sed -e "s#^data: .*#data: $T/other.h5#" -e "s#^seed: .*#seed: 12#" "$T/synth.yaml" > "$T/other.yaml"
run 2 synth --config "$T/other.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
index 2 "$T/other.h5" "$T/other-index.h5"
sed -e "s#^output: .*#output: $T/other-out.h5#" -e "/^quiet:/d" "$T/synth-screen.yaml" > "$T/run.yaml"
echo "index: $T/other-index.h5" >> "$T/run.yaml"
run 3 screen --config "$T/run.yaml" > "$T/other.log" 2>&1 || { cat "$T/other.log"; die "screen failed with another dataset's index"; }
streamed "$T/other.log" "warning: screen: .*other-index.h5 was built from another dataset.*streaming /stays"
same "$T/synth-s2.h5" "$T/other-out.h5"

# ---- a damaged row of a group screen reads: refused, naming the index
cp "$T/synth-index.h5" "$T/bad-index.h5"
$PY - "$T/bad-index.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r+")
d = f["area_rows"]
rows = d[()]
aug6 = 1628179200 + 12 * 3600  # 2021-08-06 12:00 (UTC+8)
region = f["area_regions"][()][rows["region_channel"] & 0xFFFFFF]
start = rows["start"].astype(np.int64) + int(f.attrs["area_t0"])
# a Changsha row inside its area's period (08-05 06:00 to 08-08): a row screen reads
i = int(np.flatnonzero((region // 10**8 == 4301) & (start > aug6) & (start < aug6 + 6 * 3600))[0])
r = d[i]
r["end"] += 60
d[i] = r
PY
sed -e "s#^output: .*#output: $T/bad.h5#" -e "/^quiet:/d" "$T/synth-screen.yaml" > "$T/run.yaml"
printf "%s\n" "index: $T/bad-index.h5" "area_view: always" >> "$T/run.yaml"
! run 2 screen --config "$T/run.yaml" > "$T/bad.log" 2>&1 || { cat "$T/bad.log"; die "screen read a damaged area view"; }
grep -q "bad-index.h5.*does not match its checksum in /area_sum" "$T/bad.log" \
  || { cat "$T/bad.log"; die "the damaged view's message does not say so"; }
[ ! -e "$T/bad.h5" ] || die "screen wrote an output from a damaged view"
# ---- an area view of an earlier version (no area_format): not read, the stream's rows
cp "$T/synth-index.h5" "$T/old-index.h5"
$PY -c 'import sys, h5py; del h5py.File(sys.argv[1], "r+").attrs["area_format"]' "$T/old-index.h5"
sed -e "s#^output: .*#output: $T/old.h5#" -e "/^quiet:/d" "$T/synth-screen.yaml" > "$T/run.yaml"
printf "%s\n" "index: $T/old-index.h5" "area_view: always" >> "$T/run.yaml"
run 2 screen --config "$T/run.yaml" > "$T/old.log" 2>&1 || { cat "$T/old.log"; die "screen failed with an earlier area view"; }
streamed "$T/old.log" "old-index.h5 has an area view of another version (format 0, this version reads 3): streaming /stays"
same "$T/synth-s2.h5" "$T/old.h5"
# ---- stays whose place /places lacks (ingest lists every place its stays name; a dataset
# made otherwise may not): their rows are made as placeholders, then again once the ranks'
# dictionaries are merged; the view is the same at 2 and 3 ranks, stands for the stays, and
# screens as the stream does.
cp "$T/s.h5" "$T/lack.h5"
$PY - "$T/lack.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r+")
p, st = f["places"][()], f["stays"][()]
used = np.unique(st["place"][st["region"] // 10**8 == 4301])
keep = p[~np.isin(p["id"], used[::3])]  # a third of the places of Changsha's stays dropped
assert len(keep) < len(p)
del f["places"]
f.create_dataset("places", data=keep)
f.attrs.modify("places", np.uint64(len(keep)))  # the count the dataset records
PY
index 2 "$T/lack.h5" "$T/lack-index2.h5"
index 3 "$T/lack.h5" "$T/lack-index3.h5"
$PY "$ROOT/tests/py/compare.py" "$T/lack-index2.h5" "$T/lack-index3.h5" \
  --datasets area_rows area_dir area_slices area_count area_sum area_places area_regions > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "the view of stays at unlisted places differs between 2 and 3 ranks"; }
$PY - "$T/lack.h5" "$T/lack-index3.h5" <<'PY' || die "the view of stays at unlisted places does not stand for them"
import sys, h5py, numpy as np
d, f = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
st, a, ap = d["stays"][()], f["area_rows"][()], f["area_places"][()]
np_ = len(d["places"])
assert np.array_equal(ap[:np_], d["places"]["id"]) and len(ap) > np_  # the unlisted after /places'
assert np.all(a["place"] < len(ap))
t0, rc = int(f.attrs["area_t0"]), a["region_channel"].astype(np.int64)
back = np.rec.fromarrays([a["pid"], ap[a["place"]], a["start"].astype(np.int64) + t0,
                          f["area_regions"][()][rc & 0xFFFFFF]])
want = np.rec.fromarrays([st["pid"], st["place"], st["start"], st["region"]])
assert np.array_equal(np.sort(back), np.sort(want))
assert f.attrs["area_places_astray"] > 0
PY
sed -e "s#^data: .*#data: $T/lack.h5#" "$T/synth-screen.yaml" > "$T/lack-screen.yaml"
for n in 2 3; do
  sed -e "s#^output: .*#output: $T/lack-s$n.h5#" -e "/^quiet:/d" "$T/lack-screen.yaml" > "$T/run.yaml"
  run "$n" screen --config "$T/run.yaml" > "$T/lack-s$n.log" 2>&1 || { cat "$T/lack-s$n.log"; die "screen of the unlisted places' dataset failed"; }
  sed -e "s#^output: .*#output: $T/lack-v$n.h5#" -e "/^quiet:/d" "$T/lack-screen.yaml" > "$T/run.yaml"
  printf '%s\n' "index: $T/lack-index$n.h5" "area_view: always" >> "$T/run.yaml"
  run "$n" screen --config "$T/run.yaml" > "$T/lack-v$n.log" 2>&1 || { cat "$T/lack-v$n.log"; die "screen through the view of unlisted places failed"; }
  view_used "$T/lack-v$n.log"
  same "$T/lack-s$n.h5" "$T/lack-v$n.h5"
done
echo "t_screen_area: ok"
