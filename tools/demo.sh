#!/usr/bin/env bash
# demo.sh - make demo: generate the demo province, break it down, summarise for a human.
# usage: tools/demo.sh (or make demo); NP ranks (default 2), DEMO_DIR the outputs' directory
# (default demo/), PAICHA the binary (default build/paicha).
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
: "${PAICHA:=$root/build/paicha}" "${NP:=2}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# One node: ob1 over shared memory, which Open MPI picks here anyway, named so MPI_Init does not
# probe the Omni-Path PSM/PSM2 transports first (0.2 s a run on this machine); a setting of yours wins.
export OMPI_MCA_pml="${OMPI_MCA_pml:-ob1}"
export OMPI_MCA_btl_vader_single_copy_mechanism=none
out=${DEMO_DIR:-$root/demo} # DEMO_DIR: another directory (the golden test)
mkdir -p "$out"
cd "$out"
# The configs name the demo's files relative to themselves (../../demo/); copied into the
# outputs' directory without that prefix, they name the same files in $out (DEMO_DIR too),
# and the outputs record the paths as the configs give them.
for c in "$root"/jobs/configs/demo-*.yaml; do
  sed 's#\.\./\.\./demo/##g' "$c" > "$(basename "$c")"
done
echo "== paicha demo: $NP ranks, outputs in $out"
t0=$SECONDS
mpirun -n "$NP" "$PAICHA" synth --config "demo-synth.yaml"
mpirun -n "$NP" "$PAICHA" index --config "demo-index.yaml"
mpirun -n "$NP" "$PAICHA" trace --config "demo-trace.yaml"
/usr/bin/python3 "$root/tools/trace_summary.py" demo-trace.h5 demo.h5
echo
echo "== where the cases caught it: common exposures, the clusters of cases (a line each), candidate sources"
# The job's log holds the clusters (counts and places only, no identity): its lines alone.
src_log=$(mpirun -n "$NP" "$PAICHA" sources --config "demo-sources.yaml" 2>&1) || { echo "$src_log"; exit 1; }
echo "$src_log" | sed -n 's/^\[sources *[0-9.]*s\] sources: /   /p'
echo
echo "== risk-area screening, the lists for each city, testing and vaccination targets"
mpirun -n "$NP" "$PAICHA" screen --config "demo-screen.yaml"
rm -rf demo-lists
mpirun -n "$NP" "$PAICHA" dispatch --config "demo-dispatch.yaml"
mpirun -n "$NP" "$PAICHA" breakdown --config "demo-breakdown.yaml"
/usr/bin/python3 "$root/tools/summary.py" demo.h5 demo-breakdown.h5
/usr/bin/python3 - <<'PY'
import h5py, pandas as pd
t = pd.DataFrame(h5py.File("demo-breakdown.h5", "r")["testing"][()])
t["community_name"] = t["community_name"].str.decode("utf-8").str.rstrip("\0")
print(f"testing targets: {int(t.flagged.sum()):,} people to test in {len(t):,} communities; the five with most:")
print(t.sort_values("flagged", ascending=False).head(5)[["community", "community_name", "residents", "red", "yellow", "share"]].to_string(index=False))
PY
echo
echo "== the same province from the agencies' CSV files (demo-csv/): ingest"
mpirun -n "$NP" "$PAICHA" ingest --config "demo-ingest.yaml"
/usr/bin/python3 - <<'PY'
import h5py
a, b = h5py.File("demo.h5", "r"), h5py.File("demo-ingested.h5", "r")
same = all(a[d].shape == b[d].shape and a[d][()].tobytes() == b[d][()].tobytes()
           for d in ("persons", "identities", "stays"))
print(f"ingested: {b.attrs['persons']:,} persons, {b.attrs['stays']:,} stays, {len(b['rejects'])} rejects;"
      f" identical to synth's dataset: {'yes' if same else 'NO'}")
PY
echo
echo "== done in $((SECONDS - t0)) s. Files (owner-only, they hold personal data):"
ls -l "$out"/demo.h5 "$out"/demo-breakdown.h5 "$out"/demo-index.h5 "$out"/demo-trace.h5 \
  "$out"/demo-screen.h5 "$out"/demo-sources.h5 "$out"/demo-ingested.h5 \
  "$out"/demo-cases.csv "$out"/paicha.key "$out"/*.run.json | awk '{print "   " $1, $5, $NF}'
echo "   lists for each city: $out/demo-lists/ ($(ls "$out"/demo-lists/*.xlsx | wc -l) lists as XLSX, CSV and HDF5, e.g. $(ls "$out"/demo-lists/*.xlsx | head -1 | xargs basename); manifest.csv)"
echo "   open them with: /usr/bin/python3 -c \"import h5py; f = h5py.File('$out/demo-breakdown.h5'); print(list(f))\""
echo "   the trace: /usr/bin/python3 -c \"import h5py, pandas; f = h5py.File('$out/demo-trace.h5'); print(pandas.DataFrame(f['contacts'][()]).head())\""
echo
echo "== the report of the run: one self-contained HTML page (inline SVG, no network, no script)"
mpirun -n 1 "$PAICHA" report --config "demo-report.yaml" --quiet
echo "   the report: $out/demo-report.html (owner-only; open it in any browser: file://$out/demo-report.html)"
# Rendered as a browser would (headless Chromium, when installed), and every number on it
# checked against the HDF5 outputs.
if chrome=$(command -v chromium || command -v chromium-browser); then
  timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --virtual-time-budget=5000 \
    --user-data-dir="$out/.chrome" --window-size=1400,4000 --dump-dom "file://$out/demo-report.html" \
    > "$out/.demo-report-dom.html" 2> /dev/null
  /usr/bin/python3 "$root/tests/py/check_report.py" demo-report.html --data demo.h5 --trace demo-trace.h5 \
    --screen demo-screen.h5 --breakdown demo-breakdown.h5 --dom "$out/.demo-report-dom.html" | sed 's/^/   /'
  rm -rf "$out/.demo-report-dom.html" "$out/.chrome"
else
  echo "   (chromium is not installed: the page was not rendered and checked here; make check does it)"
fi
echo
echo "== the cases' itineraries as cities publish them (疫情同程查询): flights, trains, hotels, cafés"
mpirun -n "$NP" "$PAICHA" itinerary --config "demo-itinerary.yaml" --quiet
echo "   the page: $out/demo-itinerary.html; the CSVs (UTF-8 with BOM): demo-itinerary.csv, demo-itinerary_same_trip.csv"
