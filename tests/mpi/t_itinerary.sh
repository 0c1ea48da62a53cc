# t_itinerary - `paicha itinerary`: per case (by ordinal) the flights, trains (carriage),
# hotels and cafés of its window, merged, and the same-trip table, as two CSVs (BOM) and a
# page. On a synth outbreak and on hand-built edges (make_itinerary_edges.py: two café
# sessions merged, a train with carriage, a case's cell and grid stays absent, a stay
# clipped at the window's start): the rows by hand; no ID number, phone, pid (decimal,
# hex), household, cell or grid of the dataset in any file (HDF5 output too), with a positive control per
# kind; the same bytes at 1-4 ranks and with the index built in memory; the trace's hop 0
# as the cases; config errors; the page self-contained, rendered in headless Chromium
# (skipped, saying so, when Chromium is absent and not installable).
. "$(dirname "$0")/lib.sh"
CHK="$ROOT/tests/py/check_itinerary.py"
small_run 7
itin() { # ranks, config lines...: run itinerary on $T/it.yaml
  local n=$1; shift
  printf '%s\n' "$@" "quiet: true" > "$T/it.yaml"
  run "$n" itinerary --config "$T/it.yaml" > "$T/it.log" 2>&1
}
base=("data: $T/data.h5" "key: $T/key" "lookback: 14d")

# Cases mode at 1-4 ranks (index given), and at 2 ranks with the index built here.
for n in 1 2 3 4; do
  itin $n "${base[@]}" "index: $T/index.h5" "cases: $T/cases.csv" "output_csv: $T/c$n.csv" \
    "output_html: $T/c$n.html" "output: $T/c$n.h5" || { cat "$T/it.log"; die "itinerary at $n ranks failed"; }
  if [ $n = 1 ]; then cp "$T/it.yaml" "$T/c.yaml"; fi
done
itin 2 "${base[@]}" "cases: $T/cases.csv" "output_csv: $T/cm.csv" "output_html: $T/cm.html" \
  || { cat "$T/it.log"; die "itinerary with the index built in memory failed"; }
for s in 2 3 4 m; do
  for f in c$s.csv c${s}_same_trip.csv c$s.html; do
    cmp -s "$T/${f/$s/1}" "$T/$f" || die "$f differs from the 1-rank output"
  done
done
for s in 2 3 4; do
  $PY - "$T/c1.h5" "$T/c$s.h5" <<'PY' || die "c$s.h5's tables differ from the 1-rank output's"
import sys, h5py
a, b = (h5py.File(p, "r") for p in sys.argv[1:])
assert all(a[t][()].tobytes() == b[t][()].tobytes() for t in ("itinerary", "same_trip"))
PY
done
$PY "$CHK" h5 "$T/c1.h5" "$T/c1.csv" "$T/c1_same_trip.csv" || die "the HDF5 output is not the CSVs"
for f in c1.csv c1_same_trip.csv c1.html c1.h5; do
  [ "$(stat -c %a "$T/$f")" = 600 ] || die "$f is not mode 0600"
done
$PY "$CHK" structure "$T/c1.csv" "$T/c1_same_trip.csv" || die "the synth files' structure"
ncases=$(($(wc -l < "$T/cases.csv") - 1))
[ "$(cut -d, -f3 "$T/c1.csv" | sed 1d | sort -un | tail -1)" -le "$ncases" ] || die "more ordinals than cases"
grep -q ',rail,.*,[0-9][0-9]*,' "$T/c1.csv" || die "no train with its carriage on the synth outbreak (lookback 14d)"
awk -F, 'NR > 1 && $NF > 1' "$T/c1_same_trip.csv" | grep -q . || die "no same-trip row with several cases"

# The trace's hop 0 as the cases: the same cases, windows to the trace's as_of (so every
# visit of the cases' run, which ends at isolation, starts as in the trace's run).
itin 3 "data: $T/data.h5" "index: $T/index.h5" "trace: $T/trace.h5" "output_csv: $T/t.csv" \
  "output_html: $T/t.html" || { cat "$T/it.log"; die "itinerary from a trace failed"; }
$PY "$CHK" structure "$T/t.csv" "$T/t_same_trip.csv" || die "the trace-mode files' structure"
cp "$T/it.yaml" "$T/t.yaml"
itin 2 "data: $T/data.h5" "key: $T/key" "index: $T/index.h5" "cases: $T/cases.csv" \
  "output_csv: $T/c2d.csv" "output_html: $T/c2d.html" || { cat "$T/it.log"; die "itinerary, lookback 2d"; }
$PY "$CHK" subset "$T/c2d.csv" "$T/t.csv" || die "the cases' visits are not the trace's"
for f in c1 c2d t; do
  grep -q "data-k=\"cases\" data-value=\"$ncases\"" "$T/$f.html" || die "$f.html: not $ncases cases"
done

# Hand-built edges.
$PY "$ROOT/tests/py/make_itinerary_edges.py" "$T/e" > /dev/null || die "make_itinerary_edges.py failed"
for n in 1 3; do
  itin $n "data: $T/e/edges.h5" "key: $T/e/key" "cases: $T/e/cases.csv" "as_of: 2021-08-09T00:00" \
    "output_csv: $T/e$n.csv" "output_html: $T/e$n.html" || { cat "$T/it.log"; die "edges at $n ranks"; }
done
for f in .csv _same_trip.csv .html; do cmp -s "$T/e1$f" "$T/e3$f" || die "edges: e3$f differs from 1 rank"; done
cp "$T/it.yaml" "$T/e.yaml"

# The brute-force reference (tests/ref/itinerary_ref.py) writes the same bytes: synth from
# cases.csv and from the trace, and the edges.
for r in c:c1 t:t e:e1; do
  cfg=${r%%:*} out=${r#*:}
  $PY "$ROOT/tests/ref/itinerary_ref.py" "$T/$cfg.yaml" "$T/ref-$cfg" > /dev/null || die "itinerary_ref.py $cfg failed"
  cmp "$T/ref-$cfg/itinerary.csv" "$T/$out.csv" || die "$out.csv differs from the reference's"
  cmp "$T/ref-$cfg/same_trip.csv" "$T/${out}_same_trip.csv" || die "${out}_same_trip.csv differs from the reference's"
done
echo "reference: the same itineraries and same-trip tables (synth from cases and from the trace, edges)"
$PY "$CHK" edges "$T/e/itinerary.json" "$T/e1.csv" "$T/e1_same_trip.csv" || die "edges: rows by hand"
$PY "$CHK" structure "$T/e1.csv" "$T/e1_same_trip.csv" || die "edges: structure"
grep -q 'D2222 2021-08-05 7车厢' "$T/e1.html" || die "edges: the train's carriage is not on the page"
grep -Eq ',(lbs|grid),|cell 43|grid 112' "$T/e1.csv" "$T/e1_same_trip.csv" "$T/e1.html" && die "edges: a cell or grid published"

# No identity in any file; each kind found when injected (positive control).
$PY "$CHK" privacy "$T/data.h5" "$T"/c1*.csv "$T/c1.html" "$T/c1.h5" "$T"/t*.csv "$T/t.html" || die "an identity published"
$PY "$CHK" privacy "$T/e/edges.h5" "$T"/e1*.csv "$T/e1.html" || die "edges: an identity published"
for kind in id phone pid pidhex household cell grid cellname; do
  v=$($PY "$CHK" sample "$T/data.h5" $kind)
  [ -n "$v" ] || die "no $kind in the dataset to inject"
  sed "3s/\$/,$v/" "$T/c1.csv" > "$T/leak.csv"
  sed "s#</body>#<p>$v</p></body>#" "$T/c1.html" > "$T/leak.html"
  cp "$T/c1.h5" "$T/leak.h5"
  $PY -c "import h5py, sys; h5py.File(sys.argv[1], 'r+').attrs['note'] = sys.argv[2]" "$T/leak.h5" "$v"
  for f in leak.csv leak.html leak.h5; do
    $PY "$CHK" privacy "$T/data.h5" "$T/$f" > /dev/null 2>&1 && die "control: an injected $kind not found in $f"
  done
done
echo "privacy: every kind of identity found when injected (CSV, page and HDF5)"

# Config errors: exactly one of cases and trace; cases without the key.
itin 1 "data: $T/data.h5" "output_csv: $T/x.csv" "output_html: $T/x.html" && die "no cases, no trace: ran"
grep -q "give cases" "$T/it.log" || die "no clear message without cases or trace"
itin 1 "data: $T/data.h5" "key: $T/key" "cases: $T/cases.csv" "trace: $T/trace.h5" "output_csv: $T/x.csv" \
  "output_html: $T/x.html" && die "cases and trace both: ran"
itin 1 "data: $T/data.h5" "cases: $T/cases.csv" "output_csv: $T/x.csv" "output_html: $T/x.html" \
  && die "cases without key: ran"
[ -e "$T/x.csv" ] && die "a failed run left a file"

# The page: self-contained, its numbers those of the CSVs.
page=$T/c1.html
grep -Eiq 'https?://|<script|<link|<img|<iframe|@import|url\(' "$page" && die "the page loads something"
grep -q '疫情同程查询' "$page" || die "no same-trip section"
grep -q 'name="viewport"' "$page" || die "no viewport: not readable on a phone"
$PY - "$page" "$T/c1.csv" "$T/c1_same_trip.csv" <<'PY' || die "the page's numbers differ from the CSVs"
import csv, io, re, sys
from collections import Counter
page = open(sys.argv[1], encoding="utf-8").read()
rd = lambda p: list(csv.DictReader(io.StringIO(open(p, encoding="utf-8-sig").read())))
rows, trips = rd(sys.argv[2]), rd(sys.argv[3])
kv = {k: int(v) for k, v in re.findall(r'data-k="([^"]+)" data-value="(\d+)"', page)}
per = Counter(int(r["ordinal"]) for r in rows)
assert kv["trips"] == len(trips), (kv["trips"], len(trips))
assert all(kv[f"case-{o}-visits"] == per[o] for o in range(1, kv["cases"] + 1)), "visits per case"
assert page.count("<li>") == len(rows) and page.count("<tr><td>") == len(trips)
print(f"page: {kv['cases']} cases, {len(rows)} visits, {len(trips)} same-trip rows as in the CSVs")
PY

# Rendering in headless Chromium, at a phone's width.
chromium_or_skip t_itinerary
render_page "$page" 390 2000
grep -q '疫情同程查询' "$T/dom.html" || die "no same-trip section in the rendered DOM"
grep -q '病例1' "$T/dom.html" || die "no case ordinal in the rendered DOM"
$PY "$ROOT/tests/py/check_png.py" "$T/page.png" 390 2000 || die "the screenshot is not a rendered page"
echo "t_itinerary: OK"
