# t_dispatch - lists for localities from a trace and from a screen: together they hold every
# flagged person exactly once; each file only its jurisdiction's people (the trace's 03:00
# rule, cut to the level), sorted for a caller (red, yellow, others; then township,
# community, exposure); CSV (UTF-8 with BOM) and XLSX equal the HDF5 list as pandas and
# openpyxl read them; phones joined from /identities; owner-only files; identical at 1 and 3
# ranks, where every rank writes a share of the lists (a rank that cannot see the output is
# named); county lists from a city-level trace are refused.
. "$(dirname "$0")/lib.sh"
# A fixed key: the pids, and so where a person's rows fall in /screened, follow from it.
echo 00112233445566778899aabbccddeeff > "$T/key" && chmod 600 "$T/key"
outbreak_trace 10000 12
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
quiet: ${QUIET:-true}
CFG
  run "$1" dispatch --config "$T/d.yaml" > "$T/dispatch.log" 2>&1 || { cat "$T/dispatch.log"; die "dispatch of $2 ($3) failed"; }
}
lists 1 "$T/trace.h5" county "$T/tc1"
QUIET=false lists 3 "$T/trace.h5" county "$T/tc3"
for r in 1 2; do grep -q "persons (written by rank $r)" "$T/dispatch.log" \
  || { cat "$T/dispatch.log"; die "rank $r wrote no list with people at 3 ranks"; }; done
lists 2 "$T/trace.h5" city "$T/tcity"
lists 2 "$T/screen.h5" city "$T/sc"
# Every rank reads a part of the output, moved on past the rows of the person at its start:
# a person screened in several areas (a run of rows) is one row wherever the parts fall. The
# rank counts tried are the two smallest (of 3 to 8) where a part begins inside a person's rows.
inside=$($PY - "$T/screen.h5" <<'PY'
import sys, h5py
pid = h5py.File(sys.argv[1], "r")["screened"]["pid"][:]
n = len(pid)
print(*[P for P in range(3, 9)
        if any(0 < n * r // P < n and pid[n * r // P] == pid[n * r // P - 1] for r in range(1, P))])
PY
) || die "could not read /screened"
set -- $inside
[ $# -gt 0 ] || die "no part of /screened begins inside a person's rows at 3 to 8 ranks"
for np in "${@:1:2}"; do
  lists "$np" "$T/screen.h5" city "$T/sc$np"
  for f in "$T"/sc/*.csv; do cmp -s "$f" "$T/sc$np/$(basename "$f")" \
    || die "the screen's lists differ between 2 and $np ranks: $(basename "$f")"; done
done
echo "the screen's lists at 2 ranks equal those at ${*:1:2} ranks (parts beginning inside a person's rows)"
[ "$(ls "$T/tc1")" = "$(ls "$T/tc3")" ] || die "dispatch at 1 and 3 ranks wrote other files"
# The XLSX and HDF5 files hold the run time: their tables are compared below.
for f in "$T"/tc1/*; do cmp -s "$f" "$T/tc3/$(basename "$f")" || [[ $f == *.h5 || $f == *.xlsx ]] \
  || die "dispatch at 1 and 3 ranks differ: $(basename "$f")"; done
$PY - "$T/tc1" "$T/tc3" <<'PY' || die "the XLSX lists differ between 1 and 3 ranks"
import glob, os, sys, openpyxl
for a in sorted(glob.glob(f"{sys.argv[1]}/*.xlsx")):
    b = os.path.join(sys.argv[2], os.path.basename(a))
    rows = [list(openpyxl.load_workbook(x, read_only=True)["名单"].values) for x in (a, b)]
    assert rows[0] == rows[1], a
PY
for f in "$T"/tc1/*.h5; do
  $PY "$ROOT/tests/py/compare.py" "$f" "$T/tc3/$(basename "$f")" --datasets list > /dev/null \
    || die "list $(basename "$f") differs between 1 and 3 ranks"
done
$PY - "$T" <<'PY' || die "the lists are not what a locality must receive"
import glob, os, sys, h5py, numpy as np, openpyxl, pandas as pd
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
        c, x = h[:-3] + ".csv", h[:-3] + ".xlsx"
        for p in (h, c, x):
            assert os.stat(p).st_mode & 0o777 == 0o600, p
        lst = pd.DataFrame(h5py.File(h, "r")["list"][()])
        raw = open(c, "rb").read()
        assert raw.startswith(b"\xef\xbb\xbf"), f"{c}: no BOM"
        csv = pd.read_csv(c, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert len(csv) == len(lst), c
        assert list(csv["证件号码"].str.strip()) == [s.decode() for s in lst["subject"]], c
        sheet = list(openpyxl.load_workbook(x, read_only=True)["名单"].values)
        assert [r[2] for r in sheet[1:]] == [s.decode() for s in lst["subject"]], x
        stem, batch = os.path.basename(h)[:-3].rsplit(".", 1)
        assert batch == "20210809-0000", f"{h}: not named by its batch"
        code = 0 if stem == "unassigned" else int(stem.split("-")[0]) * 10 ** (12 - digits)
        assert (lst["jurisdiction"] == code).all(), f"{h}: someone of another jurisdiction"
        if code:  # the file is named by the jurisdiction's code and name
            assert stem.split("-", 1)[1] == rname[code].replace("/", "_").replace(" ", "_"), stem
        rank = lst["code"].map({b"red": 0, b"yellow": 1}).fillna(2)
        key = list(zip(rank, lst["township"], lst["community"], lst["exposure"], lst["subject"]))
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
# Testing targets: breakdown given both outputs: per residence community the people to test
# by code (each person once, the most severe code), and the share of its residents.
cat > "$T/bd.yaml" <<CFG
data: $T/data.h5
output: $T/bd.h5
flagged: [$T/trace.h5, $T/screen.h5]
quiet: true
CFG
run 3 breakdown --config "$T/bd.yaml" > "$T/bd.log" 2>&1 || { cat "$T/bd.log"; die "breakdown with flagged failed"; }
$PY - "$T" <<'PY' || die "/testing is not what a planner needs"
import sys, h5py, numpy as np, pandas as pd
T = sys.argv[1]
tr, sc, d = h5py.File(f"{T}/trace.h5", "r"), h5py.File(f"{T}/screen.h5", "r"), h5py.File(f"{T}/data.h5", "r")
rows = pd.concat([pd.DataFrame(tr["contacts"][()]), pd.DataFrame(tr["companions"][()]),
                  pd.DataFrame(sc["screened"][()])])[["pid", "residence", "code"]]
rows["red"] = rows["code"] == b"red"
per = rows.groupby("pid").agg(residence=("residence", "first"), red=("red", "max"))
want = per.groupby("residence").agg(red=("red", "sum"), flagged=("red", "size"))
persons = pd.DataFrame(d["persons"][()])
residents = persons.groupby("region").size()
t = pd.DataFrame(h5py.File(f"{T}/bd.h5", "r")["testing"][()]).set_index("community")
assert t["flagged"].sum() == len(per), (t["flagged"].sum(), len(per))
for code, w in want.iterrows():
    r = t.loc[code]
    assert r["red"] == w["red"] and r["flagged"] == w["flagged"] and r["yellow"] == w["flagged"] - w["red"], (code, r, w)
    assert r["residents"] == residents.get(code, 0), code
    assert abs(r["share"] - w["flagged"] / residents.get(code, 1)) < 1e-12, code
print(f"testing: {len(t)} communities, {len(per)} persons to test ({int(per['red'].sum())} red)")
PY
# An output made from another dataset is refused, naming both files.
cat > "$T/synth2.yaml" <<CFG
key: $T/key2
data: $T/other.h5
seed: 6
persons: 2000
as_of: 2021-08-09T00:00
quiet: true
CFG
run 1 synth --config "$T/synth2.yaml" > /dev/null 2>&1 || die "second synth failed"
sed "s#data: $T/data.h5#data: $T/other.h5#" "$T/bd.yaml" > "$T/bd2.yaml"
if run 2 breakdown --config "$T/bd2.yaml" > "$T/bd2.log" 2>&1; then die "breakdown mixed outputs of another dataset"; fi
grep -q "was not made from $T/other.h5" "$T/bd2.log" || { cat "$T/bd2.log"; die "no clear message for a foreign output"; }
# Every rank writes lists into the set's temporary directory: a rank that cannot see the
# output's file system (rank 1 here, a tmpfs over it in a mount namespace of its own) stops
# the run with a message saying so, and the lists already there stay as they were.
mkdir -p "$T/seen/lists" && echo "previous list" > "$T/seen/lists/4301-old.csv"
cat > "$T/blind" <<SH
#!/bin/sh
[ "\$OMPI_COMM_WORLD_RANK" = 1 ] || exec "\$@"
exec unshare -m sh -c 'mount -t tmpfs none "$T/seen" && exec "\$0" "\$@"' "\$@"
SH
chmod +x "$T/blind"
printf 'input: %s\ndata: %s\noutput: %s\noverwrite: true\nquiet: true\n' "$T/trace.h5" "$T/data.h5" \
  "$T/seen/lists" > "$T/d.yaml"
if timeout 600 mpirun -n 2 --oversubscribe --allow-run-as-root "$T/blind" "$PAICHA" dispatch \
  --config "$T/d.yaml" > "$T/blind.log" 2>&1; then die "dispatch with a rank blind to the output exited 0"; fi
grep -q "rank 1: cannot write into .*every rank sees" "$T/blind.log" \
  || { cat "$T/blind.log"; die "no clear message for a rank that cannot see the output"; }
[ "$(ls "$T/seen/lists")" = "4301-old.csv" ] || die "the previous lists were not left whole"
[ -z "$(ls -d "$T"/seen/lists.* 2>/dev/null || true)" ] || die "a temporary list directory was left"
# plan with job: dispatch reads the output it will be given: its rows (a person screened in
# several areas once), its lists with people at the level and the largest, as the lists that
# dispatch wrote from it count them; a rank's memory from the rates (its part of the rows, then
# the rows of its lists); a level finer than the output's refused as dispatch refuses it.
planned() { # input, level, lists dir
  printf 'job: dispatch\ninput: %s\nlevel: %s\nnodes: 1\ntasks_per_node: 3\nrates: %s\nquiet: true\n' \
    "$1" "$2" "$ROOT/bench/rates.yaml" > "$T/plan.yaml"
  run 1 plan --config "$T/plan.yaml" > "$T/plan.log" 2>&1 || { cat "$T/plan.log"; die "plan of dispatch ($2) failed"; }
  $PY - "$T/plan.log" "$3/manifest.csv" "$ROOT/bench/rates.yaml" <<'PY' || die "plan of dispatch of $1 ($2) is not what its lists hold"
import csv, re, sys, yaml
log = open(sys.argv[1]).read()
m = list(csv.DictReader(open(sys.argv[2], encoding="utf-8-sig")))
count = {r["jurisdiction"].strip() or "unassigned": int(r["count"]) for r in m}
rows, lists, code, largest = re.search(r"input: (\d+) rows in (\d+) lists with people at the \w+ "
                                       r"level; the largest, (\w+), (\d+) rows", log).groups()
assert int(rows) == sum(count.values()), (rows, sum(count.values()))
assert int(lists) == sum(1 for c in count.values() if c), lists
assert int(largest) == max(count.values()) and count[code] == int(largest), (code, largest)
r = yaml.safe_load(open(sys.argv[3]))["jobs"]["dispatch"]
got = float(re.search(r"memory per rank ([0-9.]+) GB", log).group(1))
R, L, P = int(rows), int(largest), 3  # a rank's part, then its lists' rows: the largest's writer
want = r["mem_base_mb"] * 2**20 + max(r["mem_per_item_b"] * R / P,
                                      r["moved_per_item_b"] * (R / P + max(R / P, L) * (1 - 1 / P)))
assert abs(got - want / 2**30) < 0.01, (got, want / 2**30)
assert "#SBATCH --ntasks-per-node=3" in log and "sbatch jobs/slurm/dispatch.sbatch" in log
PY
}
planned "$T/trace.h5" county "$T/tc1"
planned "$T/screen.h5" city "$T/sc"
# Too many ranks on a 1 GB node: plan says so and names the ranks a node that would fit;
# dispatch itself refuses the first budget and runs with the one plan names.
printf 'job: dispatch\ninput: %s\nnodes: 1\ntasks_per_node: 32\nmemory_per_node_gb: 1\nrates: %s\nquiet: true\n' \
  "$T/trace.h5" "$ROOT/bench/rates.yaml" > "$T/plan.yaml"
run 1 plan --config "$T/plan.yaml" > "$T/plan.log" 2>&1 || { cat "$T/plan.log"; die "plan of dispatch (32 ranks) failed"; }
$PY - "$T/plan.log" <<'PY' || { cat "$T/plan.log"; die "plan at 32 ranks did not say how many ranks the lists gain from"; }
import math, re, sys
log = open(sys.argv[1]).read()
rows, largest = map(int, re.search(r"input: (\d+) rows in \d+ lists .* (\d+) rows\n", log).groups())
assert largest * 32 >= rows, "the test's largest list should bound 32 ranks"
assert f"the lists gain up to {math.ceil(rows / largest)} ranks" in log
PY
fit=$(sed -n 's/^does NOT fit: .* \([0-9]*\) ranks a node would fit$/\1/p' "$T/plan.log")
[ -n "$fit" ] && [ "$fit" -lt 32 ] || { cat "$T/plan.log"; die "plan did not say how many ranks a node would fit"; }
budget() { printf 'input: %s\ndata: %s\noutput: %s\noverwrite: true\nmemory_per_rank: %s\nquiet: true\n' \
  "$T/trace.h5" "$T/data.h5" "$T/fit" "$1" > "$T/d.yaml"; }
budget "$((1024 / 32))M"
if run 1 dispatch --config "$T/d.yaml" > "$T/fit.log" 2>&1; then die "dispatch ran where plan said rank 0 does not fit"; fi
grep -q "needs about .* MB on a rank for its part" "$T/fit.log" || { cat "$T/fit.log"; die "dispatch did not say why it stopped"; }
budget "$((1024 / fit))M"
run 1 dispatch --config "$T/d.yaml" > "$T/fit.log" 2>&1 || { cat "$T/fit.log"; die "dispatch refused the $fit ranks a node plan said fit"; }
printf 'job: dispatch\ninput: %s\nlevel: community\nrates: %s\nquiet: true\n' "$T/trace.h5" \
  "$ROOT/bench/rates.yaml" > "$T/plan.yaml"
if run 1 plan --config "$T/plan.yaml" > "$T/plan.log" 2>&1; then die "plan of community lists of a county-level trace exited 0"; fi
grep -q "assigned people to counties: lists per community need" "$T/plan.log" \
  || { cat "$T/plan.log"; die "plan did not say why the community lists cannot be made"; }
echo "t_dispatch: ok"
