# t_screen - paicha screen agrees with the hand-computed expectations and with the
# brute-force reference (tests/ref/screen_ref.py) on the hand-built edge cases
# (tests/py/make_screen.py) at 1-4 ranks, every field of /screened, the counts
# attribute and the /breakdown cubes; the outputs are identical at every rank count
# and owner-only. The edges include `then:` (B entered at t_A + within - 1 min, at
# t_A + within, one minute after; A's dwell reached exactly at the period's end)
# and `id_origin:` (matching, not, a visitor, a passport). Then the test tier of
# synth: a city-prefix area over 3 days, a night window over named cells, and
# areas with then: and id_origin:, at 1-4 ranks, equal to the reference.
. "$(dirname "$0")/lib.sh"
# check OUT.h5 REF.json LEVEL [EXPECTED.json]: /screened == REF rows (and EXPECTED's),
# counts == REF counts, cubes == REF's distinct persons by residence x age band x sector.
cat > "$T/check.py" <<'PY'
import json, sys
import h5py
import numpy as np
out, ref_path, level = sys.argv[1], sys.argv[2], sys.argv[3]
FIELDS = ["pid", "subject", "exposure", "dwell", "area", "code", "jurisdiction", "residence", "age", "sector",
          "reached_at", "then_at", "then_dwell"]
DIGITS = {"province": 2, "city": 4, "county": 6, "township": 9, "community": 12}
def txt(v):
    return v.rstrip(b"\0").decode("utf-8") if isinstance(v, bytes) else str(v)
f = h5py.File(out, "r")
d = f["screened"][()]
missing = [k for k in FIELDS if k not in d.dtype.names]
assert not missing, f"/screened lacks {missing}"
got = [tuple(txt(r[k]) if d.dtype[k].kind in "SUO" else int(r[k]) for k in FIELDS) for r in d]
bad = 0
wants = [("reference", json.load(open(ref_path)))]
if len(sys.argv) > 4:
    wants.append(("expected", json.load(open(sys.argv[4]))))
labels = wants[-1][1].get("labels", {})
def name(pid):
    return labels.get(str(pid), str(pid))
for what, want in wants:
    rows = [tuple(r[k] for k in FIELDS) for r in want["rows"]]
    if got != rows:
        bad += 1
        print(f"/screened differs from the {what} ({len(got)} rows, {len(rows)} expected):")
        by_key = lambda rs: {(r[0], r[4]): r for r in rs}
        g, w = by_key(got), by_key(rows)
        shown = 0
        for k in sorted(set(g) | set(w)):
            if g.get(k) != w.get(k) and shown < 12:
                shown += 1
                print(f"  {name(k[0])} area {k[1]}:")
                print(f"     expected {dict(zip(FIELDS, w[k])) if k in w else 'no row'}")
                print(f"     got      {dict(zip(FIELDS, g[k])) if k in g else 'no row'}")
                if what == "expected" and k in w:
                    note = [r.get("note") for r in want["rows"] if (r["pid"], r["area"]) == k]
                    print(f"     ({note[0]})")
        if shown == 0:
            print("  same rows, another order (sorted by pid, then area order in the config)")
    counts = json.loads(f.attrs["counts"])
    for k, v in want["counts"].items():
        if counts.get(k) != v:
            bad += 1
            print(f"counts[{k!r}] = {counts.get(k)!r}, {what} {v!r}")
# Cubes: the reference's distinct persons by residence (cut to the level), age band, sector.
ref = wants[0][1]
persons = {r["pid"]: r for r in ref["rows"]}
codes = [int(c) for c in f["axes/region"][()]]          # the last entry is 0, unknown
edges = [int(e) for e in f["axes"].attrs["age_edges"]]
sectors = [txt(s) for s in f["axes/sector"][()]]
cut = 10 ** (12 - DIGITS[level])
want_cube = {}
for c in ("screened", "red", "yellow"):
    want_cube[c] = np.zeros(f[f"breakdown/{c}"].shape, dtype=np.uint64)
for p, r in persons.items():
    reg = r["residence"] // cut * cut
    i = codes.index(reg) if reg != 0 and reg in codes[:-1] else len(codes) - 1
    b = len(edges) if r["age"] < 0 else max(k for k, e in enumerate(edges) if r["age"] >= e)
    s = sectors.index(r["sector"]) if r["sector"] in sectors else sectors.index("unknown")
    for c in ("screened", r["code"]):
        want_cube[c][i, b, s] += 1
for c, w in want_cube.items():
    g = f[f"breakdown/{c}"][()]
    total = sum(1 for r in persons.values() if c in ("screened", r["code"]))
    if g.sum() != total:
        bad += 1
        print(f"/breakdown/{c} total {g.sum()}, distinct persons {total}")
    if not np.array_equal(g, w):
        bad += 1
        print(f"/breakdown/{c} differs from the reference's persons at cells {np.argwhere(g != w)[:5].tolist()}")
if bad:
    sys.exit(1)
print(f"{out}: {len(got)} rows, {len(persons)} persons as expected")
PY

# ---- hand-built edge cases
$PY "$ROOT/tests/py/make_screen.py" "$T/e" >/dev/null
$PY "$ROOT/tests/ref/screen_ref.py" "$T/e/screen.yaml" "$T/ref.json" || die "screen_ref.py failed"
# The reference against the hand-made expectations (same rows, same counts).
$PY - "$T/ref.json" "$T/e/expected.json" <<'PY' || die "the reference disagrees with the hand-computed expectations"
import json, sys
F = ["pid", "subject", "exposure", "dwell", "area", "code", "jurisdiction", "residence", "age", "sector",
     "reached_at", "then_at", "then_dwell"]
r, e = (json.load(open(p)) for p in sys.argv[1:3])
rr, ee = ([tuple(x[k] for k in F) for x in d["rows"]] for d in (r, e))
for x in sorted(set(rr) ^ set(ee)):
    print("reference" if x in rr else "expected ", e["labels"].get(str(x[0])), x)
assert rr == ee and r["counts"] == e["counts"], (r["counts"], e["counts"])
PY
for n in 1 2 3 4; do
  out="$T/hand-$n.h5"
  sed -e "s#^output: .*#output: $out#" -e "/^quiet:/d" "$T/e/screen.yaml" > "$T/run.yaml"
  run "$n" screen --config "$T/run.yaml" > "$T/screen.log" 2>&1 || { cat "$T/screen.log"; die "screen at $n ranks failed"; }
  $PY "$T/check.py" "$out" "$T/ref.json" county "$T/e/expected.json" > "$T/cmp.log" 2>&1 \
    || { cat "$T/cmp.log"; die "screen at $n ranks differs from the expectations"; }
  [ "$(stat -c %a "$out")" = 600 ] || die "screen output is not mode 0600"
done
$PY "$ROOT/tests/py/compare.py" "$T"/hand-?.h5 --datasets screened breakdown axes > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "screen outputs differ between rank counts"; }
grep -q "area nightbar" "$T/screen.log" || { cat "$T/screen.log"; die "the log does not count persons per area"; }

# ---- the test tier of synth (minute-aligned stays)
cat > "$T/synth.yaml" <<CFG
key: $T/key
data: $T/s/data.h5
seed: 11
persons: 20000
days: 14
as_of: 2021-08-09T00:00
quiet: true
CFG
mkdir -p "$T/s"
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
# Night area: 17 cells of Changsha by name (as stays.csv names them) and one cafe by id.
places=$($PY - "$T/s/data.h5" <<'PY'
import sys, h5py
p = h5py.File(sys.argv[1], "r")["places"][()]
cells = [x for x in p if x["channel"] == 5 and x["region"] // 10**8 == 4301][:17]
cafe = [x for x in p if x["channel"] == 1][0]
assert len(cells) == 17
print(", ".join(f'"{x["name"].rstrip(bytes(1)).decode()}"' for x in cells) + f', "{int(cafe["id"])}"')
PY
) || die "no cells in the synth dataset"
synth_screen() { # output
  cat <<CFG
data: $T/s/data.h5
output: $1
as_of: 2021-08-09T00:00
quiet: true
areas:
  - name: changsha
    regions: ["4301"]
    from: 2021-08-05T00:00
    to: 2021-08-08T00:00
    min_dwell: 4h
  - name: night cells
    places: [$places]
    from: 2021-07-27T00:00
    to: 2021-08-08T00:00
    hours: "00:00-05:00"
    min_dwell: 30m
  - name: changsha 2h
    regions: ["4301"]
    from: 2021-08-02T00:00
    to: 2021-08-06T00:00
    min_dwell: 2h
  - name: changsha then out
    regions: ["4301"]
    from: 2021-08-02T00:00
    to: 2021-08-06T00:00
    min_dwell: 2h
    then: {regions: ["4302", "4303", "4304"], within: 3d, min_dwell: 30m}
  - name: away
    regions: ["4304", "4305", "4306"]
    from: 2021-07-27T00:00
    to: 2021-08-09T00:00
    min_dwell: 4h
  - name: changsha-born away
    regions: ["4304", "4305", "4306"]
    from: 2021-07-27T00:00
    to: 2021-08-09T00:00
    min_dwell: 4h
    id_origin: ["4301", "430202"]
  - name: night then changsha
    regions: ["4304"]
    from: 2021-07-27T00:00
    to: 2021-08-08T00:00
    hours: "22:00-06:00"
    min_dwell: 1h
    then: {regions: ["4301"], within: 1d, min_dwell: 2h}
    id_origin: ["43"]
codes: {red: [screened]}
dispatch: {level: county, at: 2021-08-07T12:00}
breakdown: {level: city}
CFG
}
synth_screen "$T/sref.h5" > "$T/sref.yaml"
$PY "$ROOT/tests/ref/screen_ref.py" "$T/sref.yaml" "$T/sref.json" || die "screen_ref.py on synth failed"
$PY - "$T/sref.json" <<'PY' || die "the synth screening is degenerate"
import json, sys
c = json.load(open(sys.argv[1]))["counts"]
a = c["areas"]
assert a["changsha"] > 100 and a["night cells"] > 10 and c["red"] == c["screened"], c
# then: and id_origin: keep some, not all, of those the same area alone flags
assert a["changsha 2h"] > a["changsha then out"] >= 5, c
assert a["away"] > a["changsha-born away"] >= 20, c
assert a["night then changsha"] >= 3, c
print(c)
PY
for n in 1 2 3 4; do
  synth_screen "$T/syn-$n.h5" > "$T/run.yaml"
  run "$n" screen --config "$T/run.yaml" > "$T/screen.log" 2>&1 || { cat "$T/screen.log"; die "screen of synth at $n ranks failed"; }
  $PY "$T/check.py" "$T/syn-$n.h5" "$T/sref.json" city > "$T/cmp.log" 2>&1 \
    || { cat "$T/cmp.log"; die "screen of synth at $n ranks differs from the reference"; }
done
$PY "$ROOT/tests/py/compare.py" "$T"/syn-?.h5 --datasets screened breakdown axes > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "screen of synth differs between 1, 2, 3 and 4 ranks"; }
