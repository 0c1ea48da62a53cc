# t_sources - `paicha sources` on hand-built edges (one minute apart vs together, a chain through
# contacts, exactly min_overlap vs a minute short) and on a synth outbreak with hotspots: the same
# outputs at 1, 2, 3 and 4 ranks, equal to the brute-force reference (tests/ref/sources_ref.py).
. "$(dirname "$0")/lib.sh"
E=$T/e
$PY "$ROOT/tests/py/make_sources_edges.py" "$E" || die "make_sources_edges.py failed"
printf 'data: %s\nindex: %s\nquiet: true\n' "$E/data.h5" "$E/index.h5" > "$E/index.yaml"
run 2 index --config "$E/index.yaml" > "$E/index.log" 2>&1 || { cat "$E/index.log"; die "index failed"; }
for m in 2 3; do
  for n in 1 2 3 4; do
    run $n sources --config "$E/min$m.yaml" > "$E/min$m-np$n.log" 2>&1 \
      || { cat "$E/min$m-np$n.log"; die "sources min_cases $m at $n ranks failed"; }
    cp "$E/min$m.h5" "$E/min$m-np$n.h5"
  done
  $PY "$ROOT/tests/py/compare.py" "$E"/min$m-np?.h5 --datasets common_exposures common_exposure_cases \
    clusters candidates unmatched > "$E/cmp$m.log" || { cat "$E/cmp$m.log"; die "edges (min_cases $m) differ across ranks"; }
  $PY "$ROOT/tests/ref/sources_ref.py" "$E/min$m.yaml" "$E/ref$m" || die "sources_ref.py min$m failed"
  $PY "$ROOT/tests/py/compare_sources.py" "$E/min$m-np3.h5" "$E/ref$m" > "$E/ref$m.log" \
    || { cat "$E/ref$m.log"; die "edges (min_cases $m) differ from the reference"; }
done
# The expectations, by hand (make_sources_edges.py's docstring).
$PY - "$E" <<'PY' || die "the edges are not as worked out by hand"
import json, sys, h5py
E = sys.argv[1]
lab = {int(v): k for k, v in json.load(open(f"{E}/labels.json")).items()}
def load(m):
    f = h5py.File(f"{E}/min{m}.h5", "r")
    ce, cc, cl, ca = (f[t][()] for t in ("common_exposures", "common_exposure_cases", "clusters", "candidates"))
    who = {}
    for e, p in zip(cc["exposure"].tolist(), cc["pid"].tolist()):
        who.setdefault(e, set()).add(lab[p])
    ex = [(r["place_name"].decode(), int(r["to"] - r["from"]) // 60, who[int(r["exposure"])]) for r in ce]
    groups = {}
    for r in cl:
        groups.setdefault(int(r["cluster"]), set()).add(lab[int(r["pid"])])
    return ex, groups, [lab[int(p)] for p in ca["pid"]], ca
ex, groups, cand, ca = load(2)
assert ex == [("cafe Y", 30, {"CB1", "CB2"}), ("hotel L", 120, {"CC1", "CC2"}),
              ("cafe K", 20, {"CC2", "CC3"}), ("cafe D", 15, {"CD1", "CD2"})], ex
assert groups[1] == {"CC1", "CC2", "CC3"}, groups
assert {"CB1", "CB2"} in groups.values() and {"CD1", "CD2"} in groups.values(), groups
for single in ("CA1", "CA2", "CE1", "CE2"):  # a minute apart; 14 minutes together
    assert {single} in groups.values(), (single, groups)
assert cand == ["B9"] and int(ca["cases"][0]) == 2 and int(ca["dwell"][0]) == 15 * 60, (cand, ca)
ex, groups, cand, _ = load(3)  # no three cases ever together: contacts alone make the clusters
assert ex == [] and cand == [], (ex, cand)
assert groups[1] == {"CC1", "CC2", "CC3"} and {"CB1", "CB2"} in groups.values() \
    and {"CD1", "CD2"} in groups.values() and {"CE1"} in groups.values(), groups
PY
# --check reads cases.csv as the run does: a case whose onset is after as_of is named by its line.
"$PAICHA" sources --check --config "$E/min2.yaml" > "$E/check.log" 2>&1 || { cat "$E/check.log"; die "sources --check refuses the edges"; }
cp "$E/cases.csv" "$E/cases.good"
echo "$(sed -n 2p "$E/cases.good" | cut -d, -f1),2021-08-10T10:00,," >> "$E/cases.csv"
! "$PAICHA" sources --check --config "$E/min2.yaml" > "$E/check2.log" 2>&1 || die "sources --check accepts an onset after as_of"
grep -q "cases.csv:13: onset after as_of" "$E/check2.log" || { cat "$E/check2.log"; die "sources --check does not name the bad row"; }
mv "$E/cases.good" "$E/cases.csv"
# No identity in the log.
for idn in $(cut -d, -f1 "$E/cases.csv" | tail -n +2); do
  ! grep -q "$idn" "$E"/min*-np*.log || die "an ID number is in the sources log"
done

# The synth outbreak, with the trace's flagged persons as hotspots: 20,000 persons, so that
# the venues alone give the 6 cases (a smaller province draws them from other public places
# too, and they need not meet).
SMALL_PERSONS=20000 small_run 11
printf '%s\n' "data: $T/data.h5" "index: $T/index.h5" "cases: $T/cases.csv" "key: $T/key" \
  "output: $T/src.h5" "flagged: [$T/trace.h5]" "hotspots_yaml: $T/hot.yaml" "top: 5" > "$T/src.yaml"
for n in 1 2 3 4; do
  run $n sources --config "$T/src.yaml" > "$T/src-np$n.log" 2>&1 || { cat "$T/src-np$n.log"; die "sources at $n ranks failed"; }
  cp "$T/src.h5" "$T/src-np$n.h5"
  cp "$T/hot.yaml" "$T/hot-np$n.yaml"
done
$PY "$ROOT/tests/py/compare.py" "$T"/src-np?.h5 --datasets common_exposures common_exposure_cases clusters \
  candidates hotspots unmatched > "$T/cmp.log" || { cat "$T/cmp.log"; die "synth outputs differ across ranks"; }
for n in 2 3 4; do cmp -s "$T/hot-np1.yaml" "$T/hot-np$n.yaml" || die "hotspots_yaml differs at $n ranks"; done
$PY "$ROOT/tests/ref/sources_ref.py" "$T/src.yaml" "$T/ref" || die "sources_ref.py failed on synth"
$PY "$ROOT/tests/py/compare_sources.py" "$T/src-np4.h5" "$T/ref" > "$T/ref.log" || { cat "$T/ref.log"; die "synth differs from the reference"; }
$PY - "$T/src.h5" <<'PY' || die "the synth outbreak found nothing to check"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert len(f["common_exposures"]) > 0 and len(f["candidates"]) > 0 and len(f["hotspots"]) > 0
assert f["clusters"]["size"].max() >= 2
# The counts are the tables' (rank 0 writes them; with >= 10 rows a count only rank 0 held
# would give the ranks attributes of different sizes: a hang at close, seen at the city tier).
import json
k = json.loads(f.attrs["counts"])
assert len(f["hotspots"]) >= 10 and len(f["candidates"]) >= 10, (len(f["hotspots"]), len(f["candidates"]))
assert k["hotspots"] == len(f["hotspots"]) and k["candidates"] == len(f["candidates"]), k
import pandas as pd  # the cases of each exposure: one merge on `exposure`, as README shows
e, c = pd.DataFrame(f["common_exposures"][()]), pd.DataFrame(f["common_exposure_cases"][()])
n = c.merge(e, on="exposure").groupby("exposure").size()
assert (n.values == e.set_index("exposure").loc[n.index, "cases"].values).all() and len(n) == len(e)
PY
grep -q "cluster 1: .* cases, top common exposure" "$T/src-np2.log" || die "the log does not show the clusters"
for idn in $(cut -d, -f1 "$T/cases.csv" | tail -n +2); do
  ! grep -q "$idn" "$T"/src-np*.log || die "an ID number is in the sources log"
done
# The hotspots as a screen config: accepted, and it runs.
[ "$(grep -c '^  - name: hotspot-' "$T/hot.yaml")" = 5 ] || die "hotspots_yaml does not hold the top 5"
"$PAICHA" screen --check --config "$T/hot.yaml" > "$T/check.log" 2>&1 || { cat "$T/check.log"; die "screen --check refuses hotspots_yaml"; }
run 2 screen --config "$T/hot.yaml" > "$T/screen.log" 2>&1 || { cat "$T/screen.log"; die "screen of hotspots_yaml failed"; }
echo "t_sources: edges and synth identical at 1-4 ranks and equal to the reference"
