# t_report_ledger - `paicha report` given a campaign's ledger (issue 16 item 4): a 20-batch
# ledger of a synthetic province (tests/py/make_ledger.py, itself checked against its /persons),
# and a ledger a screen and a trace appended to, reported alone (no dataset: region codes) and beside a trace with the dataset (region names),
# at 1 and 2 ranks (the same bytes): every number and share of the campaign on the page equals
# the ledger's /batches, /measures and /yield (per batch, per local day, per city, per class and
# channel; a wrong one is caught); the ledger's /persons is never read (a ledger whose /persons
# is junk reports the same page); no ID number or pid of the ledger on the page; mode 0600; a
# ledger of another dataset, a file that is not a ledger, and outputs without their dataset are
# refused; the page renders in headless Chromium without errors (skipped, saying so, when
# Chromium is not installable).
. "$(dirname "$0")/lib.sh"
synth() { # data, key, seed
  cat > "$T/synth.yaml" <<CFG
key: $2
data: $1
seed: $3
persons: 6000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 8}
cases_csv: $T/cases.csv
quiet: true
CFG
  run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
}
synth "$T/data.h5" "$T/key" 5
cat > "$T/trace.yaml" <<CFG
data: $T/data.h5
cases: $T/cases.csv
key: $T/key
output: $T/trace.h5
hops: 2
quiet: true
CFG
run 2 trace --config "$T/trace.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace failed"; }
$PY "$ROOT/tests/py/make_ledger.py" --data "$T/data.h5" --out "$T/ledger.h5" --persons 4000 \
  --batches 20 --seed 3 || die "make_ledger failed"
$PY "$ROOT/tests/py/make_ledger.py" --check "$T/ledger.h5" || die "the synthetic ledger is not consistent"
# The campaign lifted codes and had new cases found under control, or the page shows too little.
$PY - "$T/ledger.h5" <<'PY' || die "the synthetic campaign is too thin to test the page"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
p, b = f["persons"][()], f["batches"][()]
assert (p["lifted_at"] > 0).sum() > 10, "no code lifted"
assert (b["new_cases"] == 0).any() and (b["under_control"] > 0).any(), "found under control not varied"
assert len(f["measures"]) > 5 and len(f["yield"]) > 5
PY

report() { # ranks, output, yaml lines
  printf 'output: %s\nquiet: true\n%s\n' "$2" "$3" > "$T/report.yaml"
  run "$1" report --config "$T/report.yaml" > "$T/report.log" 2>&1
}
"$PAICHA" report --help | grep -q "ledger" || die "report --help does not list ledger"

# The ledger alone: no dataset, region codes only.
report 1 "$T/alone.html" "ledger: $T/ledger.h5" || { cat "$T/report.log"; die "report of a ledger alone failed"; }
$PY "$ROOT/tests/py/check_report.py" "$T/alone.html" --ledger "$T/ledger.h5" \
  || die "the campaign on the page differs from the ledger"
grep -q 'city 4301' "$T/alone.html" || die "no region code on a page without a dataset"
grep -q '<h2>Counts</h2>\|Age pyramids' "$T/alone.html" && die "a ledger alone shows counts or pyramids of no output"
[ "$(stat -c %a "$T/alone.html")" = 600 ] || die "the page is mode $(stat -c %a "$T/alone.html"), not 600"

# Only the small tables are read: the same page from a ledger whose /persons and /events are junk.
cp "$T/ledger.h5" "$T/junk.h5"
$PY - "$T/junk.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    for t in ("persons", "events"):
        del f[t]
        f[t] = np.zeros(3, dtype=np.int8)
PY
report 1 "$T/junk.html" "ledger: $T/junk.h5" || { cat "$T/report.log"; die "the report read the ledger's /persons"; }
cmp -s <(sed 's|junk\.h5|ledger.h5|g' "$T/junk.html") "$T/alone.html" || die "the page depends on /persons or /events"
# The same campaign kept in parts (a province-wide ledger): the same page, and make_ledger's
# own check of its counts holds through tools/ledger.py.
$PY "$ROOT/tests/py/make_ledger.py" --data "$T/data.h5" --out "$T/parted.h5" --persons 4000 \
  --batches 20 --seed 3 --parts > /dev/null || die "make_ledger --parts failed"
$PY "$ROOT/tests/py/make_ledger.py" --check "$T/parted.h5" || die "the ledger in parts is not consistent"
[ -f "$T/parted.h5.part0020" ] || die "make_ledger --parts wrote no part"
report 1 "$T/parted.html" "ledger: $T/parted.h5" || { cat "$T/report.log"; die "report of a ledger in parts failed"; }
cmp -s <(sed 's|parted\.h5|ledger.h5|g' "$T/parted.html") "$T/alone.html" || die "a ledger in parts gives another page"

# Beside a trace, with the dataset: region names, the trace's sections too; 1 and 2 ranks.
both="data: $T/data.h5
trace: $T/trace.h5
ledger: $T/ledger.h5"
report 1 "$T/r1.html" "$both" || { cat "$T/report.log"; die "report of a ledger and a trace failed"; }
report 2 "$T/r2.html" "$both" || { cat "$T/report.log"; die "report at 2 ranks failed"; }
cmp -s "$T/r1.html" "$T/r2.html" || die "the page differs between 1 and 2 ranks"
page="$T/r1.html"
grep -q '长沙市 4301' "$page" || die "no region name with the dataset given"
checks=(--data "$T/data.h5" --trace "$T/trace.h5" --ledger "$T/ledger.h5")
$PY "$ROOT/tests/py/check_report.py" "$page" "${checks[@]}" || die "numbers on the page differ from the files"
# The checker catches a wrong number and a wrong share (positive controls).
sed 's/data-k="batch7-new-cases" data-value="[0-9]*"/data-k="batch7-new-cases" data-value="999999"/' \
  "$page" > "$T/bad.html"
$PY "$ROOT/tests/py/check_report.py" "$T/bad.html" "${checks[@]}" > /dev/null 2>&1 \
  && die "check_report.py did not notice a wrong number"
sed 's/\(data-share="batch1-found">\)[^<]*/\112.5%/' "$page" > "$T/bad.html"
cmp -s "$T/bad.html" "$page" && die "control: the share was not changed"
$PY "$ROOT/tests/py/check_report.py" "$T/bad.html" "${checks[@]}" > /dev/null 2>&1 \
  && die "check_report.py did not notice a wrong share"

# No clear identity, and no pid, of the ledger on the page (with a positive control).
$PY - "$T/ledger.h5" "$page" <<'PY' || die "an identity is on the page"
import re, sys, h5py
p = h5py.File(sys.argv[1], "r")["persons"][()]
bad = {s.decode().rstrip("\0") for s in p["subject"]} | {str(int(x)) for x in p["pid"]}
bad.discard("")
def leaks(html):
    found = []
    for run in re.findall(r"[0-9X]{11,}", html):
        for n in range(11, 21):
            found += [run[i:i + n] for i in range(len(run) - n + 1) if run[i:i + n] in bad]
    return found
html = open(sys.argv[2], encoding="utf-8").read()
assert not leaks(html), "leak"
assert leaks(html + f"<p>{sorted(bad)[0]}</p>"), "the identity check finds nothing (control)"
print(f"no identity: {len(bad):,} ID numbers and pids of the ledger absent from the page")
PY

# A ledger paicha wrote itself (a screen, then a trace, appending to it) reads the same way.
cat > "$T/screen.yaml" <<CFG
data: $T/data.h5
output: $T/screen-l.h5
ledger: $T/own.h5
areas:
  - {name: zhuzhou, regions: ["4302"], from: 2021-08-06T00:00, to: 2021-08-09T00:00, min_dwell: 4h}
quiet: true
CFG
run 2 screen --config "$T/screen.yaml" > "$T/screen.log" 2>&1 || { cat "$T/screen.log"; die "screen with a ledger failed"; }
sed -e "s|output: .*|output: $T/trace-l.h5|" -e "\$a ledger: $T/own.h5" "$T/trace.yaml" > "$T/trace-l.yaml"
run 2 trace --config "$T/trace-l.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace with a ledger failed"; }
report 1 "$T/own.html" "data: $T/data.h5
ledger: $T/own.h5" || { cat "$T/report.log"; die "report of paicha's own ledger failed"; }
$PY "$ROOT/tests/py/check_report.py" "$T/own.html" --data "$T/data.h5" --ledger "$T/own.h5" \
  || die "the page differs from the ledger paicha wrote"
grep -q 'data-k="batch2-new-flagged"' "$T/own.html" || die "the two batches are not on the page"

# Refusals: a ledger of another dataset; a file that is not a ledger; outputs without data.
synth "$T/other.h5" "$T/other.key" 6
report 1 "$T/x.html" "data: $T/other.h5
ledger: $T/ledger.h5" && die "a ledger of another dataset was reported"
grep -q "was not made from" "$T/report.log" || { cat "$T/report.log"; die "no clear message for another dataset"; }
report 1 "$T/x.html" "data: $T/data.h5
ledger: $T/trace.h5" && die "a trace was reported as a ledger"
grep -q "not a ledger" "$T/report.log" || { cat "$T/report.log"; die "no clear message for a file that is not a ledger"; }
report 1 "$T/x.html" "trace: $T/trace.h5
ledger: $T/ledger.h5" && die "a trace was reported without its dataset"
grep -q "missing required key 'data'" "$T/report.log" || { cat "$T/report.log"; die "no clear message for a missing dataset"; }
[ -e "$T/x.html" ] && die "a refused report left a page"

# Rendering in headless Chromium: no console error, the numbers in the rendered DOM.
chromium_or_skip t_report_ledger
render_page "$page" 1400 4000
$PY "$ROOT/tests/py/check_report.py" "$page" "${checks[@]}" --dom "$T/dom.html" \
  || die "numbers in the rendered DOM differ from the files"
echo "t_report_ledger: campaign of $(grep -c 'data-k="batch[0-9]*-rows"' "$page") batches checked, rendered by $("$CHROME" --version 2>/dev/null | head -1)"
