# t_lists - the lists as a duty officer opens them: every XLSX keeps ID numbers, phones and
# codes as text (18 characters, trailing X kept), red rows first, Chinese headers, a batch
# sheet; the CSV lists read back with pandas dtype=str equal the HDF5 lists; manifest.csv
# counts equal the files; a list for every city and county of /regions (empty ones too) and
# unassigned; the batch in every name and HDF5 list; the same lists at 1 and 3 ranks; a
# rerun into an existing directory refused without overwrite: true, done with it.
. "$(dirname "$0")/lib.sh"
outbreak_trace 4000 8
dispatch() { # ranks, level, dir, [extra config line]
  printf 'input: %s\ndata: %s\noutput: %s\nlevel: %s\nquiet: true\n%s\n' "$T/trace.h5" \
    "$T/data.h5" "$3" "$2" "${4:-}" > "$T/d.yaml"
  run "$1" dispatch --config "$T/d.yaml" > "$T/d.log" 2>&1
}
dispatch 1 city "$T/city1" || { cat "$T/d.log"; die "dispatch (city, 1 rank) failed"; }
dispatch 3 city "$T/city3" || { cat "$T/d.log"; die "dispatch (city, 3 ranks) failed"; }
dispatch 2 county "$T/county" || { cat "$T/d.log"; die "dispatch (county) failed"; }

# The same set at 1 and 3 ranks: the same names, CSV and manifest bytes, HDF5 lists equal
# in every dataset and attribute but the run time.
[ "$(ls "$T/city1")" = "$(ls "$T/city3")" ] || die "1 and 3 ranks wrote other files"
for f in "$T"/city1/*.csv; do
  cmp -s "$f" "$T/city3/$(basename "$f")" || die "$(basename "$f") differs between 1 and 3 ranks"
done
$PY - "$T/city1" "$T/city3" <<'PY' || die "the HDF5 lists differ between 1 and 3 ranks"
import glob, os, sys, h5py, numpy as np
for a in sorted(glob.glob(f"{sys.argv[1]}/*.h5")):
    fa, fb = h5py.File(a, "r"), h5py.File(os.path.join(sys.argv[2], os.path.basename(a)), "r")
    assert fa["list"][()].tobytes() == fb["list"][()].tobytes(), a
    for x, y in ((fa, fb), (fa["list"], fb["list"])):
        ka = sorted(k for k in x.attrs if k != "run_time")
        assert ka == sorted(k for k in y.attrs if k != "run_time"), a
        for k in ka:
            assert np.array_equal(np.asarray(x.attrs[k]), np.asarray(y.attrs[k])), (a, k)
PY

$PY - "$T" <<'PY' || die "the lists are not what a duty officer can open intact"
import glob, os, sys, h5py, numpy as np, openpyxl, pandas as pd
T = sys.argv[1]
HEAD = ["类别", "赋码", "证件号码", "证件类型", "手机号", "年龄段", "接触时间", "接触地点/区域",
        "发现渠道", "居住乡镇代码", "居住乡镇", "居住社区代码", "居住社区", "管辖地代码", "管辖地"]
regions = pd.DataFrame(h5py.File(f"{T}/data.h5", "r")["regions"][()])
def s(v):  # an attribute's value, str whichever way HDF5 stored it
    return v.decode() if isinstance(v, bytes) else v
def text(v):  # a column of the HDF5 list as the text a spreadsheet must show
    return [x.decode() if isinstance(x, bytes) else (str(int(x)) if x else "") for x in v]
x_seen = cases = 0
def check(d, level, digits):
    global x_seen
    man = pd.read_csv(f"{d}/manifest.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    man["jurisdiction"] = man["jurisdiction"].str.strip()
    want = {str(c // 10 ** (12 - digits)) for c in regions["code"][regions["level"] == level]}
    assert want <= set(man["jurisdiction"]), f"{d}: {len(want - set(man['jurisdiction']))} without a list"
    assert (man["name"] == "unassigned").sum() == 1, f"{d}: no unassigned list"
    files = sorted(os.path.basename(f)[:-5] for f in glob.glob(f"{d}/*.xlsx"))
    assert sorted(f[:-5] for f in man["file"]) == files, f"{d}: manifest and files differ"
    whole = {"manifest.csv"} | {f + e for f in files for e in (".xlsx", ".csv", ".h5")}
    assert set(os.listdir(d)) == whole, f"{d}: other files: {set(os.listdir(d)) ^ whole}"
    empty = 0
    for m in man.itertuples():
        stem = f"{d}/{m.file[:-5]}"
        assert stem.endswith(".20210809-0000"), f"{stem}: not named by its batch"
        h = h5py.File(stem + ".h5", "r")
        lst = h["list"][()]
        a = {k: s(v) for k, v in h.attrs.items()}
        assert a["as_of"] == 1628438400 and a["as_of_local"] == "2021-08-09 00:00 (UTC+8)", stem
        assert a["source"] == f"{T}/trace.h5" and a["run_time"].endswith("Z"), stem
        en, zh = ([s(c) for c in h["list"].attrs[k]] for k in ("columns", "columns_zh"))
        assert zh == HEAD and all(c in lst.dtype.names for c in en), stem
        n, red, yellow = len(lst), int((lst["code"] == b"red").sum()), int((lst["code"] == b"yellow").sum())
        assert (int(m.count), int(m.red), int(m.yellow)) == (n, red, yellow), (stem, m)
        empty += n == 0
        # XLSX: Chinese headers, IDs and phones as text cells, intact; red first; the batch sheet.
        wb = openpyxl.load_workbook(stem + ".xlsx")
        assert wb.sheetnames == ["名单", "批次"], stem
        assert "2021-08-09 00:00 (UTC+8)" in wb.properties.title, stem
        ws = wb["名单"]
        assert [c.value for c in ws[1]] == HEAD, stem
        assert ws.max_row == n + 1 and ws.freeze_panes == "A2" and ws.auto_filter.ref, stem
        rows = list(ws.iter_rows(min_row=2))
        for col, name in ((2, "subject"), (4, "phone"), (9, "township"), (11, "community"),
                          (13, "jurisdiction")):
            cells = [r[col] for r in rows]
            assert all(c.data_type == "s" for c in cells if c.value is not None), (stem, name)
            assert [c.value or "" for c in cells] == text(lst[name]), (stem, name)
        for r, t in zip(rows, lst["subject_type"]):
            if t == b"id_card":
                assert len(r[2].value) == 18, stem
                x_seen += r[2].value.endswith("X")
        codes = [r[1].value for r in rows]
        assert codes == sorted(codes, key=lambda c: {"红码": 0, "黄码": 1}.get(c, 2)), f"{stem}: red not first"
        assert codes == [{"red": "红码", "yellow": "黄码", "green": "绿码"}[c.decode()] for c in lst["code"]]
        status = {"confirmed": "确诊病例", "asymptomatic": "无症状感染者", "suspected": "疑似病例"}
        cls = {"hop1": "密切接触者", "hop2": "次密切接触者", "companion": "时空伴随者"}
        want = [status.get(st.decode(), "病例") if c == b"hop0" else cls[c.decode()]
                for c, st in zip(lst["class"], lst["root_status"])]
        assert [r[0].value for r in rows] == want, f"{stem}: class not in Chinese"
        global cases
        cases += sum(c == b"hop0" for c in lst["class"])
        batch = dict(wb["批次"].values)
        assert batch["批次时点 (as_of)"] == "2021-08-09 00:00 (UTC+8)", stem
        assert batch["输入文件 (input)"] == f"{T}/trace.h5" and batch["人数 (persons)"] == n, stem
        # CSV: read back as text, stripped, equal to the HDF5 list.
        csv = pd.read_csv(stem + ".csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert list(csv.columns) == HEAD and len(csv) == n, stem
        csv = csv.apply(lambda s: s.str.strip())
        for zc, name in (("证件号码", "subject"), ("手机号", "phone"), ("居住乡镇代码", "township"),
                         ("居住社区代码", "community"), ("管辖地代码", "jurisdiction"),
                         ("居住社区", "community_name")):
            assert list(csv[zc]) == text(lst[name]), (stem, zc)
        raw = open(stem + ".csv", encoding="utf-8-sig").read().splitlines()[1:]
        assert all('"\t' in line for line in raw), f"{stem}.csv: identifiers not quoted as text"
    return len(man), empty
for d, level, digits in ((f"{T}/city1", 2, 4), (f"{T}/county", 3, 6)):
    k, e = check(d, level, digits)
    print(f"{os.path.basename(d)}: {k} lists ({e} empty), manifest equal to the files")
assert e > 0, "no empty county list: the test cannot see that empty lists are written"
assert cases, "no case in the lists: the test cannot see their class"
assert x_seen, "no ID number ending in X among the flagged: the test cannot see it kept"
print(f"{x_seen} ID numbers ending in X kept")
PY

# A rerun into the same directory: refused before any work without overwrite (exit 2, the
# directory as it was), done with overwrite: true (the set replaced, another run time).
before=$(cd "$T/city1" && ls -l --time-style=+%s.%N && sha256sum ./*)
dispatch 2 city "$T/city1" && rc=0 || rc=$?
[ "$rc" != 0 ] || die "a rerun replaced an existing lists directory"
[ "$rc" = 2 ] || { cat "$T/d.log"; die "a refused rerun exited $rc, not 2"; }
grep -q "city1 exists: choose another output or set overwrite: true" "$T/d.log" \
  || { cat "$T/d.log"; die "no clear message for an existing output"; }
[ "$before" = "$(cd "$T/city1" && ls -l --time-style=+%s.%N && sha256sum ./*)" ] \
  || die "a refused rerun changed the lists"
sleep 1
dispatch 2 city "$T/city1" "overwrite: true" || { cat "$T/d.log"; die "a rerun with overwrite: true failed"; }
[ "$(ls "$T/city1")" = "$(ls "$T/city3")" ] || die "the overwritten set is not whole"
$PY - "$T/city1" "$T/city3" <<'PY' || die "overwrite did not replace the set"
import glob, sys, h5py
a = h5py.File(glob.glob(f"{sys.argv[1]}/unassigned.*.h5")[0], "r").attrs["run_time"]
b = h5py.File(glob.glob(f"{sys.argv[2]}/unassigned.*.h5")[0], "r").attrs["run_time"]
assert a != b, (a, b)
PY
[ -z "$(ls -d "$T"/city1.* 2> /dev/null)" ] || die "temporary or previous sets left beside the lists"
echo "t_lists: ok"
