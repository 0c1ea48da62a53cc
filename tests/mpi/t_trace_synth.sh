# t_trace_synth - the test tier with movement: synth (stays, places, outbreak cases) is
# identical at 1-4 ranks; trace of the outbreak agrees exactly with the brute-force
# reference; trace outputs are identical at 1-4 ranks, in memory or from an index built
# at another rank count, with or without the index's dispatch table (right by brute force,
# the same at 1, 3 and 4 ranks); every flagged person walks back to a case; an index built from
# another dataset is refused.
. "$(dirname "$0")/lib.sh"
mk_synth() { # ranks, dir, seed
  mkdir -p "$2"
  cat > "$2/synth.yaml" <<CFG
key: $T/key
data: $2/data.h5
seed: $3
persons: 10000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 12}
cases_csv: $2/cases.csv
quiet: true
CFG
  run "$1" synth --config "$2/synth.yaml" > "$2/synth.log" 2>&1 || { cat "$2/synth.log"; die "synth at $1 ranks failed"; }
}
for n in 1 2 3 4; do mk_synth $n "$T/s$n" 5; done
$PY "$ROOT/tests/py/compare.py" "$T"/s?/data.h5 --datasets persons identities stays places > "$T/cmp.log" \
  || { cat "$T/cmp.log"; die "synth with movement differs between rank counts"; }
for n in 2 3 4; do cmp -s "$T/s1/cases.csv" "$T/s$n/cases.csv" || die "outbreak cases differ at $n ranks"; done
[ "$(stat -c %a "$T/s1/cases.csv")" = 600 ] || die "cases.csv (clear ID numbers) is not mode 0600"
[ "$(($(wc -l < "$T/s1/cases.csv") - 1))" = 12 ] || die "cases.csv does not hold the 12 outbreak cases"
# Stays per person in the planned range, sorted by pid; every channel present.
$PY - "$T/s1/data.h5" <<'PY' || die "stays of the test tier are not as planned"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
s, n = f["stays"][()], f["persons"].shape[0]
per = len(s) / n
assert 60 <= per <= 110, f"{per:.1f} stays per person"
assert np.all(np.diff(s["pid"].astype(np.uint64)) >= 0), "stays not sorted by pid"
assert np.all(s["start"] < s["end"]), "a stay ends before it starts"
assert np.all((s["start"] >= f.attrs["window_start"]) & (s["end"] <= f.attrs["window_end"])), "outside window"
assert set(np.unique(s["channel"])) == {1, 2, 3, 4, 5, 6}, sorted(np.unique(s["channel"]))
assert np.all(s["place"] >> np.uint64(56) == s["channel"]), "place id channel bits"
ids = f["places"]["id"]
assert np.all(np.isin(np.unique(s["place"]), ids)), "a stay's place is not in /places"
print(f"stays: {per:.1f} per person, {len(ids)} places")
PY
cat > "$T/idx.yaml" <<CFG
data: $T/s1/data.h5
index: $T/s1/index.h5
quiet: true
CFG
run 3 index --config "$T/idx.yaml" > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index at 3 ranks failed"; }
# The dispatch table in the index (each person's stay that rule 11 picks at the dispatch
# instant, so trace reads one row a flagged person, not all their stays): right by brute
# force, and the same built at 1, 3 and 4 ranks.
$PY "$ROOT/tests/py/check_dispatch_table.py" "$T/s1/data.h5" "$T/s1/index.h5" || die "the index's dispatch table is wrong"
for n in 1 4; do
  sed "s|index.h5|index-np$n.h5|" "$T/idx.yaml" > "$T/idx$n.yaml"
  run $n index --config "$T/idx$n.yaml" > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index at $n ranks failed"; }
done
$PY "$ROOT/tests/py/compare.py" "$T/s1/index.h5" "$T/s1/index-np1.h5" "$T/s1/index-np4.h5" \
  --datasets place_rows stays_sum dispatch_stays dispatch_dir dispatch_sum > "$T/cmp.log" \
  || { cat "$T/cmp.log"; die "the index differs between rank counts"; }
# An index without the table (one built before it): trace reads the flagged persons' stays.
cp "$T/s1/index.h5" "$T/s1/index-old.h5"
$PY -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); [f.__delitem__(n) for n in ('dispatch_stays', 'dispatch_dir', 'dispatch_sum')]; del f.attrs['dispatch_at']" "$T/s1/index-old.h5"
trace_cfg() { # output, [index]
  cat <<CFG
data: $T/s1/data.h5
cases: $T/s1/cases.csv
key: $T/key
output: $1
hops: 2
companions_of: [0, 1]
quiet: true
CFG
  [ -z "${2:-}" ] || echo "index: $2"
}
trace_cfg "$T/ref.h5" > "$T/ref.yaml"
$PY "$ROOT/tests/ref/trace_ref.py" "$T/ref.yaml" "$T/ref" || die "trace_ref.py failed"
for n in 1 2 3 4; do
  trace_cfg "$T/t$n-mem.h5" > "$T/m.yaml"
  trace_cfg "$T/t$n-idx.h5" "$T/s1/index.h5" | grep -v "^quiet" > "$T/i.yaml" # the log says how
  run $n trace --config "$T/m.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace at $n ranks failed"; }
  run $n trace --config "$T/i.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace at $n ranks (index) failed"; }
  grep -q "jurisdictions at the dispatch instant from the index's dispatch table" "$T/trace.log" \
    || { cat "$T/trace.log"; die "trace with the index did not read its dispatch table"; }
done
trace_cfg "$T/t2-old.h5" "$T/s1/index-old.h5" | grep -v "^quiet" > "$T/o.yaml"
run 2 trace --config "$T/o.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace with an index without dispatch table failed"; }
grep -q "from the flagged persons' stays (the index has no dispatch table)" "$T/trace.log" \
  || { cat "$T/trace.log"; die "trace does not say it reads the stays without a dispatch table"; }
# Another dispatch instant than the table's: trace reads the stays, as without an index.
{ trace_cfg "$T/at-idx.h5" "$T/s1/index.h5" | grep -v "^quiet"; echo "dispatch: {at: 2021-08-05T15:00}"; } > "$T/a.yaml"
{ trace_cfg "$T/at-mem.h5"; echo "dispatch: {at: 2021-08-05T15:00}"; } > "$T/b.yaml"
run 2 trace --config "$T/a.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace at another dispatch instant failed"; }
grep -q "from the flagged persons' stays (the index's dispatch table is for another instant)" "$T/trace.log" \
  || { cat "$T/trace.log"; die "trace used the dispatch table for another instant"; }
run 3 trace --config "$T/b.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace at another dispatch instant (memory) failed"; }
$PY "$ROOT/tests/py/compare.py" "$T/at-idx.h5" "$T/at-mem.h5" --datasets contacts companions > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "trace at another dispatch instant differs with and without the index"; }
$PY - "$T/at-mem.h5" "$T/t1-mem.h5" <<'PY' || die "another dispatch instant changed no jurisdiction: the check is void"
import sys, h5py
a, b = (h5py.File(p, "r")["companions"]["jurisdiction"][()] for p in sys.argv[1:])
assert (a != b).any()
PY
$PY "$ROOT/tests/py/compare_trace.py" "$T/t1-mem.h5" "$T/ref" --counts > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "trace differs from the reference on the test tier"; }
$PY "$ROOT/tests/py/compare.py" "$T"/t?-*.h5 --datasets contacts companions breakdown > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "trace outputs differ between rank counts or index paths"; }
$PY "$ROOT/tests/py/check_tree.py" "$T/t3-idx.h5" --companions-of 0,1 || die "the transmission tree is broken"
# The outbreak reaches beyond the cases, through more than one channel.
$PY - "$T/t1-mem.h5" <<'PY' || die "the outbreak trace is degenerate"
import sys, json, h5py
c = json.loads(h5py.File(sys.argv[1], "r").attrs["counts"])
assert c["hop0"] == 12 and c["hop1"] > 12 and c["hop2"] > 0 and c["companion"] > 0, c
assert sum(1 for k, v in c["channels"].items() if v > 0) >= 4, c["channels"]
PY
# An index of another dataset is refused, naming both files.
mk_synth 2 "$T/other" 6
trace_cfg "$T/x.h5" "$T/s1/index.h5" | sed "s#$T/s1/data.h5#$T/other/data.h5#" > "$T/x.yaml"
if run 2 trace --config "$T/x.yaml" > "$T/x.log" 2>&1; then die "trace accepted an index of another dataset"; fi
grep -q "was built from another dataset" "$T/x.log" || { cat "$T/x.log"; die "no clear message for a foreign index"; }
[ ! -e "$T/x.h5" ] || die "a failed trace left an output"
