# t_dispatch - lists for localities from a trace and from a screen: together they hold every
# flagged person exactly once; each file only its jurisdiction's people (the trace's 03:00
# rule, cut to the level), sorted for a caller; CSV (UTF-8 with BOM) equals the HDF5 list as
# pandas reads them; phones joined from /identities; owner-only files; identical at 1 and 3
# ranks; county lists from a city-level trace are refused.
. "$(dirname "$0")/lib.sh"
cat > "$T/synth.yaml" <<CFG
key: $T/key
data: $T/data.h5
seed: 5
persons: 10000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 12}
cases_csv: $T/cases.csv
quiet: true
CFG
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
cat > "$T/trace.yaml" <<CFG
data: $T/data.h5
cases: $T/cases.csv
key: $T/key
output: $T/trace.h5
companions_of: [0, 1]
dispatch: {level: county}
quiet: true
CFG
run 2 trace --config "$T/trace.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace failed"; }
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
lists() { # ranks, input, level, dir
  cat > "$T/d.yaml" <<CFG
input: $2
data: $T/data.h5
output: $4
level: $3
quiet: true
CFG
  run "$1" dispatch --config "$T/d.yaml" > "$T/dispatch.log" 2>&1 || { cat "$T/dispatch.log"; die "dispatch of $2 ($3) failed"; }
}
lists 1 "$T/trace.h5" county "$T/tc1"
lists 3 "$T/trace.h5" county "$T/tc3"
lists 2 "$T/trace.h5" city "$T/tcity"
lists 2 "$T/screen.h5" city "$T/sc"
for f in "$T"/tc1/*; do cmp -s "$f" "$T/tc3/$(basename "$f")" || [[ $f == *.h5 ]] \
  || die "dispatch at 1 and 3 ranks differ: $(basename "$f")"; done
for f in "$T"/tc1/*.h5; do
  $PY "$ROOT/tests/py/compare.py" "$f" "$T/tc3/$(basename "$f")" --datasets list > /dev/null \
    || die "list $(basename "$f") differs between 1 and 3 ranks"
done
$PY - "$T" <<'PY' || die "the lists are not what a locality must receive"
import glob, os, sys, h5py, numpy as np, pandas as pd
T = sys.argv[1]
data = h5py.File(f"{T}/data.h5", "r")
ids = pd.DataFrame(data["identities"][()])
rname = {int(c): n.decode() for c, n in zip(data["regions"]["code"], data["regions"]["name"])}
phone = dict(zip(ids["pid"], ids["phone"].str.decode("ascii")))
def check(src, tables, d, digits):
    f = h5py.File(src, "r")
    flagged = pd.concat([pd.DataFrame(f[t][()]) for t in tables if t in f])
    want = {}
    for r in flagged.itertuples():
        cut = 10 ** (12 - digits)
        want.setdefault(int(r.pid), int(r.jurisdiction) // cut * cut)
    seen = {}
    files = sorted(glob.glob(f"{d}/*.h5"))
    assert files, d
    for h in files:
        assert os.stat(h).st_mode & 0o777 == 0o600, h
        c = h[:-3] + ".csv"
        assert os.stat(c).st_mode & 0o777 == 0o600, c
        lst = pd.DataFrame(h5py.File(h, "r")["list"][()])
        raw = open(c, "rb").read()
        assert raw.startswith(b"\xef\xbb\xbf"), f"{c}: no BOM"
        csv = pd.read_csv(c, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert len(csv) == len(lst), c
        assert list(csv["subject"]) == [s.decode() for s in lst["subject"]], c
        name = os.path.basename(h)[:-3]
        code = 0 if name == "unassigned" else int(name.split("-")[0]) * 10 ** (12 - digits)
        assert (lst["jurisdiction"] == code).all(), f"{h}: someone of another jurisdiction"
        if code:  # the file is named by the jurisdiction's code and name
            assert name.split("-", 1)[1] == rname[code].replace("/", "_").replace(" ", "_"), name
        key = list(zip(lst["township"], lst["community"], lst["exposure"], lst["subject"]))
        assert key == sorted(key), f"{h}: not in the callers' order"
        for r in lst.itertuples():
            p = int(r.pid)
            assert p not in seen, f"{p} in {h} and {seen[p]}"
            seen[p] = h
            assert want[p] == code, (h, p, want[p])
            assert r.phone.decode() == phone[p], (h, p)
    assert set(seen) == set(want), f"{len(set(want) - set(seen))} flagged persons in no list"
    return len(seen), len(files)
for src, tables, d, digits in [(f"{T}/trace.h5", ["contacts", "companions"], f"{T}/tc1", 6),
                               (f"{T}/trace.h5", ["contacts", "companions"], f"{T}/tcity", 4),
                               (f"{T}/screen.h5", ["screened"], f"{T}/sc", 4)]:
    n, k = check(src, tables, d, digits)
    print(f"{os.path.basename(d)}: {n} persons in {k} lists, each once, each in its own")
    assert k >= 2
PY
# A county list needs county-level jurisdictions: a city-level trace is refused.
sed -e 's/level: county/level: city/' -e "s#$T/trace.h5#$T/trace-city.h5#" "$T/trace.yaml" > "$T/tc.yaml"
run 2 trace --config "$T/tc.yaml" > "$T/trace.log" 2>&1 || die "city-level trace failed"
cat > "$T/d.yaml" <<CFG
input: $T/trace-city.h5
data: $T/data.h5
output: $T/bad
level: county
quiet: true
CFG
if run 2 dispatch --config "$T/d.yaml" > "$T/bad.log" 2>&1; then die "county lists from a city-level trace were written"; fi
grep -q "dispatch: {level: county}" "$T/bad.log" || { cat "$T/bad.log"; die "no clear message for county lists of a city-level trace"; }
echo "t_dispatch: ok"
