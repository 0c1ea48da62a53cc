# t_report - `paicha report`: one HTML page from a synth -> trace -> screen -> breakdown run,
# rendered in headless Chromium (no sandbox, background networking off): exit 0, a non-trivial
# screenshot, no console error, no network resource; every number marked on the page (and in
# the DOM Chromium rendered) equals what pandas recomputes from the HDF5 outputs; no ID number,
# phone or pid of the run on the page; Chinese region names; mode 0600; the same bytes at 1 and
# 3 ranks; counties by jurisdiction when the outputs were dispatched by county; a failed report
# leaves the previous page. Chromium missing and not installable: the rendering is skipped,
# saying so (the checks of the page itself still run).
. "$(dirname "$0")/lib.sh"
cat > "$T/synth.yaml" <<CFG
key: $T/key
data: $T/data.h5
seed: 11
persons: 10000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 12}
cases_csv: $T/cases.csv
quiet: true
CFG
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
trace() { # output, dispatch level
  cat > "$T/trace.yaml" <<CFG
data: $T/data.h5
cases: $T/cases.csv
key: $T/key
output: $1
hops: 2
companions_of: [0, 1]
dispatch: {level: $2}
quiet: true
CFG
  run 2 trace --config "$T/trace.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace failed"; }
}
trace "$T/trace.h5" city
trace "$T/trace-county.h5" county
cat > "$T/screen.yaml" <<CFG
data: $T/data.h5
output: $T/screen.h5
areas:
  - {name: changsha, regions: ["4301"], from: 2021-08-05T00:00, to: 2021-08-08T00:00, min_dwell: 4h}
  - {name: nights, regions: ["4301", "4302"], from: 2021-07-27T00:00, to: 2021-08-09T00:00,
     hours: "00:00-05:00", min_dwell: 30m}
quiet: true
CFG
run 2 screen --config "$T/screen.yaml" > "$T/screen.log" 2>&1 || { cat "$T/screen.log"; die "screen failed"; }
cat > "$T/breakdown.yaml" <<CFG
data: $T/data.h5
output: $T/breakdown.h5
breakdown: {level: county}
flagged: [$T/trace.h5, $T/screen.h5]
quiet: true
CFG
run 2 breakdown --config "$T/breakdown.yaml" > "$T/breakdown.log" 2>&1 || { cat "$T/breakdown.log"; die "breakdown failed"; }

"$PAICHA" report --help | grep -q "clusters" || die "report --help does not list its keys"
report() { # ranks, output, extra yaml lines
  printf 'data: %s\noutput: %s\nquiet: true\n%s\n' "$T/data.h5" "$2" "$3" > "$T/report.yaml"
  run "$1" report --config "$T/report.yaml" > "$T/report.log" 2>&1
}
all="trace: $T/trace.h5
screen: $T/screen.h5
breakdown: $T/breakdown.h5
top: 10
clusters: 4"
report 1 "$T/r1.html" "$all" || { cat "$T/report.log"; die "report failed"; }
report 3 "$T/r3.html" "$all" || { cat "$T/report.log"; die "report at 3 ranks failed"; }
cmp -s "$T/r1.html" "$T/r3.html" || die "the page differs between 1 and 3 ranks"
page="$T/r1.html"
[ "$(stat -c %a "$page")" = 600 ] || die "the page is mode $(stat -c %a "$page"), not 600"
ls -a "$T" | grep -q '\.r1\.html\.tmp' && die "a temporary file was left"
size=$(stat -c %s "$page")
[ "$size" -gt 20000 ] && [ "$size" -lt 5000000 ] || die "page size $size"
grep -q '<meta charset="utf-8">' "$page" || die "no charset"
grep -q '长沙市' "$page" || die "no Chinese region name (长沙市) on the page"
grep -qi '<script' "$page" && die "the page has a script"
grep -Eqi '(src|href|xlink:href)=["'"'"']?(https?:)?//|url\((["'"'"'])?(https?:)?//|@import' "$page" \
  && die "the page refers to a network resource"
checks=(--data "$T/data.h5" --trace "$T/trace.h5" --screen "$T/screen.h5" --breakdown "$T/breakdown.h5"
        --top 10 --clusters 4)
$PY "$ROOT/tests/py/check_report.py" "$page" "${checks[@]}" || die "numbers on the page differ from the outputs"
# The checker catches a wrong number (positive control).
sed 's/data-k="trace-hop1" data-value="[0-9]*"/data-k="trace-hop1" data-value="999999"/' "$page" > "$T/bad.html"
$PY "$ROOT/tests/py/check_report.py" "$T/bad.html" "${checks[@]}" > /dev/null 2>&1 \
  && die "check_report.py did not notice a wrong number"

# No clear identity, and no pid, of the run on the page (every ID number and phone of
# /identities, every subject of cases.csv, every flagged pid), with a positive control.
$PY - "$T" "$page" <<'PY' || die "an identity is on the page"
import re, sys, h5py
T, page = sys.argv[1], sys.argv[2]
ids = h5py.File(f"{T}/data.h5", "r")["identities"][()]
bad = {s.decode().rstrip("\0") for s in ids["subject"]} | {p.decode().rstrip("\0") for p in ids["phone"]}
bad |= {line.split(",")[0] for line in open(f"{T}/cases.csv").read().splitlines()[1:]}
tr = h5py.File(f"{T}/trace.h5", "r")
bad |= {str(int(p)) for t in ("contacts", "companions") for p in tr[t]["pid"]}
bad.discard("")
def leaks(html):
    found = []
    for run in re.findall(r"[0-9X]{11,}", html):
        for n in range(11, 21):
            found += [run[i:i + n] for i in range(len(run) - n + 1) if run[i:i + n] in bad]
    return found
html = open(page, encoding="utf-8").read()
assert not leaks(html), leaks(html)[:3]
one = sorted(bad)[0]
assert leaks(html + f"<p>{one}</p>"), "the identity check finds nothing (control)"
print(f"no identity: {len(bad):,} ID numbers, phones and pids absent from the page")
PY

# Counties by jurisdiction: a trace dispatched by county, alone.
report 2 "$T/rc.html" "trace: $T/trace-county.h5" || { cat "$T/report.log"; die "report of a county trace failed"; }
grep -q 'by county of residence' "$T/rc.html" && die "a county-level trace reported by residence"
grep -q 'by county of residence' "$page" || die "a city-level run reported counties by jurisdiction"
$PY "$ROOT/tests/py/check_report.py" "$T/rc.html" --data "$T/data.h5" --trace "$T/trace-county.h5" \
  || die "numbers of the county report differ"

# A failed report (a missing output) leaves the previous page; nothing to report is refused.
cp "$page" "$T/keep.html"
report 1 "$page" "trace: $T/missing.h5" && die "a report of a missing trace succeeded"
grep -q "missing.h5" "$T/report.log" || die "the error does not name the missing file"
cmp -s "$page" "$T/keep.html" || die "a failed report changed the previous page"
report 1 "$T/none.html" "" && die "a report with nothing to report succeeded"
grep -q "nothing to report" "$T/report.log" || die "no clear message for nothing to report"

# Rendering in headless Chromium.
chromium_or_skip t_report
render_page "$page" 1400 4000
# Control: this Chromium does log a page's error where the grep looks.
echo '<html><body><script>undefined_function();</script></body></html>' > "$T/err.html"
timeout 60 "$CHROME" "${CHROME_FLAGS[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$T/err.html" \
  > /dev/null 2> "$T/chrome-err.err" || true
grep -Eq "$CHROME_CONSOLE" "$T/chrome-err.err" || die "Chromium's log does not show a page error (control)"
grep -q '长沙市' "$T/dom.html" || die "no Chinese region name in the rendered DOM"
$PY "$ROOT/tests/py/check_report.py" "$page" "${checks[@]}" --dom "$T/dom.html" \
  || die "numbers in the rendered DOM differ from the outputs"
# A rendered page, not a blank one: the PNG's pixel rows (after zlib, before unfiltering)
# of a one-colour image are nearly all zero or one value; a page of text and charts is not.
$PY "$ROOT/tests/py/check_png.py" "$T/page.png" 1400 4000 20000 || die "the screenshot is not a rendered page"
echo "t_report: page of $size bytes checked, rendered by $("$CHROME" --version 2>/dev/null | head -1)"
