# t_dispatch_levels - lists down to the township and the community, and per employer: one
# HDF5 file with a group for every township or community of /regions (empty ones too) and
# unassigned, each holding exactly the persons whose jurisdiction (the input's, cut to the
# level) is its own, each person once; a CSV (UTF-8 with BOM) per list with people, in its
# city's directory, equal to the group; no XLSX; manifest.csv one row per group with its
# counts; employers.csv and a group per employer whose counts by code and staff equal
# pandas' groupby of the input's rows joined with /persons (persons of no employer in
# none); the same lists at 1 and 3 ranks (at 3, ranks 1 and 2 write the CSVs, rank 0 fed
# the communities' and the employers' files in small rounds), and without employers at 1 to 4
# ranks; only_new
# leaves out the rows sent before (new = 0) at the community level; a set replaced whole
# (overwrite), cities' directories too;
# community lists of a county-level trace refused with a clear message.
. "$(dirname "$0")/lib.sh"
outbreak_trace 10000 12
sed 's/level: county/level: community/; s#trace.h5#trace-comm.h5#' "$T/trace.yaml" > "$T/tcomm.yaml"
run 2 trace --config "$T/tcomm.yaml" > "$T/tcomm.log" 2>&1 || { cat "$T/tcomm.log"; die "community-level trace failed"; }
cat > "$T/screen.yaml" <<CFG
data: $T/data.h5
output: $T/screen.h5
areas:
  - {name: changsha, regions: ["4301"], from: 2021-08-05T00:00, to: 2021-08-08T00:00, min_dwell: 4h}
dispatch: {level: township}
quiet: true
CFG
run 2 screen --config "$T/screen.yaml" > "$T/screen.log" 2>&1 || { cat "$T/screen.log"; die "screen failed"; }
lists() { # ranks, input, level, dir, [extra config line]
  printf 'input: %s\ndata: %s\noutput: %s\nlevel: %s\n%s\n' "$2" "$T/data.h5" "$4" \
    "$3" "${5:-}" > "$T/d-$(basename "$4").yaml"
  run "$1" dispatch --config "$T/d-$(basename "$4").yaml" > "$T/dispatch.log" 2>&1 || { cat "$T/dispatch.log"; die "dispatch of $2 ($3) failed"; }
}
lists 1 "$T/trace-comm.h5" community "$T/c1" "employers: true"
# At 3 ranks in rounds of 5 rows: rank 0 fed the communities' and the employers' files.
PAICHA_TEST_FEED_ROWS=5 lists 3 "$T/trace-comm.h5" community "$T/c3" "employers: true"
# At 3 ranks the CSVs are shared out (rank 0 writes the HDF5 file): ranks 1 and 2 write some.
grep -q "CSV lists with people, shared out (rank 0: [0-9]*, rank 1: [1-9][0-9]*, rank 2: [1-9][0-9]*); rank 0 wrote the HDF5 file" "$T/dispatch.log" \
  || { cat "$T/dispatch.log"; die "the community CSVs were not shared out among the ranks"; }
# only_new: rows a ledger marked as sent before (new = 0; here every third person) stay out.
cp "$T/trace-comm.h5" "$T/trace-old.h5"
$PY - "$T/trace-old.h5" <<'PY' || die "cannot mark rows as sent before"
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    for t in ("contacts", "companions"):
        d = f[t][()]
        d["new"] = (d["pid"] % 3 != 0).astype(d["new"].dtype)
        f[t][...] = d
PY
lists 2 "$T/trace-old.h5" community "$T/cnew" "only_new: true"
lists 2 "$T/trace-comm.h5" township "$T/tt"
lists 2 "$T/screen.h5" township "$T/st" "employers: true"
lists 3 "$T/trace-comm.h5" county "$T/ce" "employers: true" # county lists by every rank
grep -q "employers: [0-9]* flagged persons of [0-9]* employers" "$T/dispatch.log" \
  || { cat "$T/dispatch.log"; die "dispatch does not say how many employers were listed"; }
# With employers or without, the county lists are the same.
lists 2 "$T/trace-comm.h5" county "$T/cs"
for f in "$T"/cs/*.csv; do cmp -s "$f" "$T/ce/$(basename "$f")" \
  || die "county lists with and without employers differ: $(basename "$f")"; done
# The same set at 1 and 3 ranks: the same files, CSV and manifest bytes, HDF5 lists equal.
[ "$(cd "$T/c1" && find . | sort)" = "$(cd "$T/c3" && find . | sort)" ] || die "1 and 3 ranks wrote other files"
(cd "$T/c1" && find . -name '*.csv') | while read -r f; do
  cmp -s "$T/c1/$f" "$T/c3/$f" || die "dispatch at 1 and 3 ranks differ: $f"
done
for f in communities.20210809-0000.h5 employers.20210809-0000.h5; do
  $PY "$ROOT/tests/py/compare.py" "$T/c1/$f" "$T/c3/$f" --datasets / > /dev/null \
    || die "$f differs between 1 and 3 ranks"
done
# No rank gathers every row: the other ranks feed rank 0 the HDF5 file's groups round by round
# (here rounds of at most 5 rows, a larger list alone) while they write their CSVs. The same
# set at 1 to 4 ranks as one rank holding them all (c1, with employers).
for n in 1 2 3 4; do
  PAICHA_TEST_FEED_ROWS=5 lists "$n" "$T/trace-comm.h5" community "$T/cf$n"
  if [ "$n" -gt 1 ]; then
    grep -q "rank 0 wrote the HDF5 file, the others' rows fed to it in [0-9][0-9]* rounds" \
      "$T/dispatch.log" || { cat "$T/dispatch.log"; die "rank 0 was not fed the rows in rounds"; }
  fi
  [ "$(cd "$T/c1" && find . ! -name 'employers.*' | sort)" = "$(cd "$T/cf$n" && find . | sort)" ] \
    || die "community lists fed at $n ranks: other files than at 1 rank"
  (cd "$T/c1" && find . -name '*.csv' ! -name employers.csv) | while read -r f; do
    cmp -s "$T/c1/$f" "$T/cf$n/$f" || die "community lists fed at $n ranks differ: $f"
  done
done
# Their HDF5 files: the same groups, and each with people (the manifest's) the same rows and
# attributes (every group of such a file is checked against the input below: tt, cnew).
$PY - "$T" <<'PY' || die "communities.h5 fed to rank 0 differs from one rank holding every row"
import sys, h5py, numpy as np, pandas as pd
T = sys.argv[1]
def load(d):
    f = h5py.File(f"{d}/communities.20210809-0000.h5", "r")
    man = pd.read_csv(f"{d}/manifest.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return set(f.keys()), {g: (f[g]["list"][()], dict(f[g].attrs))
                           for g in man["group"][man["count"] != "0"]}
names, want = load(f"{T}/c1")
for n in (1, 2, 3, 4):
    got_names, got = load(f"{T}/cf{n}")
    assert got_names == names and got.keys() == want.keys(), f"{n} ranks: other groups"
    for g, (rows, attrs) in want.items():
        assert got[g][0].dtype == rows.dtype and np.array_equal(got[g][0], rows), (n, g)
        assert got[g][1].keys() == attrs.keys(), (n, g)
        assert all(np.array_equal(got[g][1][a], attrs[a]) for a in attrs), (n, g)
print(f"community lists fed to rank 0 at 1-4 ranks: {len(want)} groups with people as at 1 rank")
PY
$PY - "$T" <<'PY' || die "the township and community lists are not what a locality must receive"
import glob, os, sys, h5py, numpy as np, pandas as pd
T = sys.argv[1]
data = h5py.File(f"{T}/data.h5", "r")
reg = pd.DataFrame(data["regions"][()])
persons = pd.DataFrame(data["persons"][()])[["pid", "employer"]]
def rows_of(src, tables):
    f = h5py.File(src, "r")
    r = pd.concat([pd.DataFrame(f[t][()]) for t in tables if t in f])
    return r.drop_duplicates("pid")  # a person screened in two areas is one list row
def check(src, tables, d, level, digits):
    rows = rows_of(src, tables)
    if "only_new" in open(f"{d}/../d-{os.path.basename(d)}.yaml").read():
        rows = rows[rows["new"] == 1]
    cut = 10 ** (12 - digits)
    want = {int(p): int(j) // cut * cut for p, j in zip(rows["pid"], rows["jurisdiction"])}
    assert not glob.glob(f"{d}/**/*.xlsx", recursive=True), f"{d}: an XLSX at the {level} level"
    h5 = glob.glob(f"{d}/{level}s.*.h5".replace("ys.", "ies."))
    assert len(h5) == 1, (d, os.listdir(d))
    f = h5py.File(h5[0], "r")
    codes = set(int(c) for c in reg["code"][reg["level"] == {"township": 4, "community": 5}[level]])
    groups = {k: f[k] for k in f if isinstance(f[k], h5py.Group)}
    assert set(groups) == {str(c // cut) for c in codes} | {"unassigned"}, f"{d}: not a group per {level}"
    man = pd.read_csv(f"{d}/manifest.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(man.columns) == ["jurisdiction", "name", "count", "red", "yellow", "csv", "h5", "group"]
    assert sorted(man["group"]) == sorted(groups) and (man["h5"] == os.path.basename(h5[0])).all()
    seen = {}
    for m in man.itertuples():
        g = groups[m.group]
        code = 0 if m.group == "unassigned" else int(m.group) * cut
        assert m.jurisdiction.strip() == ("" if not code else m.group), m
        if not g["list"].shape[0]:  # nobody: the group and the manifest say so, no empty CSV
            assert (m.count, m.red, m.yellow, m.csv) == ("0", "0", "0", ""), m
            continue
        lst = pd.DataFrame(g["list"][()])
        assert g.attrs["jurisdiction"] == code, m.group
        assert (lst["jurisdiction"] == code).all(), f"{m.group}: someone of another jurisdiction"
        n, red, yellow = len(lst), int((lst["code"] == b"red").sum()), int((lst["code"] == b"yellow").sum())
        assert (int(m.count), int(m.red), int(m.yellow)) == (n, red, yellow), m
        assert (g.attrs["count"], g.attrs["red"], g.attrs["yellow"]) == (n, red, yellow), m.group
        rank = lst["code"].map({b"red": 0, b"yellow": 1}).fillna(2)
        key = list(zip(rank, lst["township"], lst["community"], lst["exposure"], lst["subject"]))
        assert key == sorted(key), f"{m.group}: not in the callers' order"
        for p in lst["pid"]:
            p = int(p)
            assert p not in seen, f"{p} in {m.group} and {seen[p]}"
            seen[p] = m.group
            assert want[p] == code, (m.group, p, want[p])
        city = m.csv.split("/")[0] if code else None
        if code:
            c = code // 10 ** 8 * 10 ** 8
            assert city == f"{c // 10**8}-" + reg["name"][reg["code"] == c].iloc[0].decode(), (m.csv, c)
        raw = open(f"{d}/{m.csv}", "rb").read()
        assert raw.startswith(b"\xef\xbb\xbf"), f"{m.csv}: no BOM"
        csv = pd.read_csv(f"{d}/{m.csv}", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert list(csv["证件号码"].str.strip()) == [s.decode() for s in lst["subject"]], m.csv
    assert set(seen) == set(want), f"{len(set(want) - set(seen))} flagged persons in no list"
    csvs = sorted(os.path.relpath(p, d) for p in glob.glob(f"{d}/**/*.csv", recursive=True))
    assert csvs == sorted(["manifest.csv"] + [c for c in man["csv"] if c] +
                          (["employers.csv"] if os.path.exists(f"{d}/employers.csv") else [])), d
    return rows, len(seen), len(groups), int((man["count"] != "0").sum())
def employers(rows, d):
    j = rows.merge(persons, on="pid", how="left")
    j = j[j["employer"].fillna(0) != 0]
    want = j.groupby(["employer", "code"]).size().unstack(fill_value=0)
    summ = pd.read_csv(f"{d}/employers.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    f = h5py.File(glob.glob(f"{d}/employers.*.h5")[0], "r")
    assert len(summ) == len(want) == len([k for k in f if isinstance(f[k], h5py.Group)]), d
    for s in summ.itertuples():
        e = int(s.employer.strip())
        w = want.loc[e]
        got = (int(s.count), int(s.red), int(s.yellow))
        assert got == (int(w.sum()), int(w.get(b"red", 0)), int(w.get(b"yellow", 0))), (d, got, dict(w))
        g = f[s.group]
        assert g.attrs["employer"] == e and g.attrs["count"] == got[0], s
        staff = set(int(p) for p in g["list"]["pid"])
        assert staff == set(int(p) for p in j["pid"][j["employer"] == e]), f"{d}: employer {s.group}"
        rank = pd.Series(g["list"]["code"]).map({b"red": 0, b"yellow": 1}).fillna(2)
        assert list(rank) == sorted(rank), f"{d}: employer {s.group}: red not first"
    return len(summ), len(j), len(rows) - len(j)
for src, tables, d, level, digits in [
        (f"{T}/trace-comm.h5", ["contacts", "companions"], f"{T}/c1", "community", 12),
        (f"{T}/trace-old.h5", ["contacts", "companions"], f"{T}/cnew", "community", 12),
        (f"{T}/trace-comm.h5", ["contacts", "companions"], f"{T}/tt", "township", 9),
        (f"{T}/screen.h5", ["screened"], f"{T}/st", "township", 9)]:
    rows, n, k, full = check(src, tables, d, level, digits)
    print(f"{os.path.basename(d)}: {n} persons in {k} {level} lists ({full} with people), each once, each in its own")
    assert full >= 2 and k > 1000
    if os.path.exists(f"{d}/employers.csv"):
        e, staff, none = employers(rows, d)
        print(f"{os.path.basename(d)}: {staff} persons in {e} employers' lists, {none} of no employer in none")
        assert e >= 2 and none >= 1
# County lists, each rank writing a share, and the employers' (rank 0) of the same rows.
cl = pd.concat([pd.DataFrame(h5py.File(h, "r")["list"][()])[["pid", "code"]]
                for h in sorted(glob.glob(f"{T}/ce/*.h5"))
                if not os.path.basename(h).startswith("employers.")])
assert len(cl) == cl["pid"].nunique() == len(pd.concat(
    [pd.DataFrame(h5py.File(f"{T}/trace-comm.h5", "r")[t][()]) for t in ("contacts", "companions")]
)["pid"].unique()), "the county lists do not hold every flagged person once"
e, staff, none = employers(cl, f"{T}/ce")
print(f"ce: {len(cl)} persons in county lists; {staff} in {e} employers' lists")
assert e >= 2 and none >= 1
PY
# A new batch over a set with cities' directories (overwrite: true) leaves nothing of the old.
lists 2 "$T/trace-comm.h5" community "$T/c1" "overwrite: true"
[ -z "$(ls -d "$T"/c1.old.* "$T"/c1.tmp.* 2>/dev/null)" ] || die "the replaced set of community lists was left behind"
[ "$(cd "$T/c1" && find . -name '*.csv' | sort)" = "$(cd "$T/c3" && find . -name '*.csv' ! -name employers.csv | sort)" ] \
  || die "the replaced set holds other lists"
# Community lists need the input made at the community level: a county-level trace is refused.
printf 'input: %s\ndata: %s\noutput: %s\nlevel: community\nquiet: true\n' "$T/trace.h5" \
  "$T/data.h5" "$T/bad" > "$T/d.yaml"
if run 2 dispatch --config "$T/d.yaml" > "$T/bad.log" 2>&1; then die "community lists from a county-level trace were written"; fi
grep -q "assigned people to counties: lists per community need .*dispatch: {level: community}" "$T/bad.log" \
  || { cat "$T/bad.log"; die "no clear message for community lists of a county-level trace"; }
[ ! -e "$T/bad" ] || die "a refused dispatch left $T/bad"
echo "t_dispatch_levels: ok"
