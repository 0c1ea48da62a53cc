# t_heavy_person - a subject with more stays than an index step or a screen's read takes
# at once (40,000 in one cell, against reads of 32 Ki rows): the index takes them whole,
# the same at 1 and 3 ranks, and the trace through it is the trace of the dataset without
# them (nobody shares the cell); screening the province streamed gives the rows the area
# view gives, the subject among them.
. "$(dirname "$0")/lib.sh"
$PY "$ROOT/tests/py/make_edges.py" "$T/e" >/dev/null
$PY "$ROOT/tests/py/make_heavy.py" "$T/e/edges.h5" "$T/e/heavy.h5" || die "make_heavy.py failed"
for n in 1 3; do
  printf 'data: %s\nindex: %s\nquiet: true\n' "$T/e/heavy.h5" "$T/heavy-index-$n.h5" > "$T/idx.yaml"
  run "$n" index --config "$T/idx.yaml" > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index of the heavy dataset at $n ranks failed"; }
done
$PY "$ROOT/tests/py/compare.py" "$T/heavy-index-1.h5" "$T/heavy-index-3.h5" --datasets place_rows bucket_start bucket_sum stays_dir > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "the heavy dataset's index differs between 1 and 3 ranks"; }
rows=$($PY -c "import h5py, sys; print(h5py.File(sys.argv[1], 'r')['place_rows'].shape[0])" "$T/heavy-index-3.h5")
base=$($PY -c "import h5py, sys; print(h5py.File(sys.argv[1], 'r')['stays'].shape[0])" "$T/e/edges.h5")
[ "$rows" -ge $((base + 40000)) ] || die "the index holds $rows rows, fewer than the $base + 40000 stays"
sed "s#^output: .*#output: $T/plain.h5#" "$T/e/edges.yaml" > "$T/plain.yaml"
run 2 trace --config "$T/plain.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace of the edges failed"; }
sed -e "s#^output: .*#output: $T/heavy.h5#" -e "s#^data: .*#data: $T/e/heavy.h5#" "$T/e/edges.yaml" > "$T/heavy.yaml"
echo "index: $T/heavy-index-3.h5" >> "$T/heavy.yaml"
run 2 trace --config "$T/heavy.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace through the heavy index failed"; }
$PY "$ROOT/tests/py/compare.py" "$T/plain.h5" "$T/heavy.h5" --datasets contacts companions breakdown > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "the heavy subject's private cell changed the trace"; }
printf 'data: %s\nindex: %s\narea_view: true\nquiet: true\n' "$T/e/heavy.h5" "$T/heavy-view.h5" > "$T/idx.yaml"
run 2 index --config "$T/idx.yaml" > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index with the area view failed"; }
for how in never always; do
  cat > "$T/screen-$how.yaml" <<CFG
data: $T/e/heavy.h5
index: $T/heavy-view.h5
output: $T/screen-$how.h5
area_view: $how
quiet: true
areas:
  - {name: province, regions: ["43"], from: 2021-07-26T00:00, to: 2021-08-09T00:00, min_dwell: 100h}
CFG
  run 2 screen --config "$T/screen-$how.yaml" > "$T/screen.log" 2>&1 || { cat "$T/screen.log"; die "screen ($how) of the heavy dataset failed"; }
done
$PY "$ROOT/tests/py/compare.py" "$T/screen-never.h5" "$T/screen-always.h5" --datasets screened > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "screening streamed and through the view differ"; }
$PY - "$T/screen-never.h5" "$T/e/heavy.h5" <<'PY' || die "the heavy subject (40,000 x 30 s in the province) was not screened"
import h5py, sys
pid = h5py.File(sys.argv[2], "r")["stays"][0]["pid"]
assert pid in set(h5py.File(sys.argv[1], "r")["screened"]["pid"].tolist())
PY
echo "t_heavy_person: ok"
