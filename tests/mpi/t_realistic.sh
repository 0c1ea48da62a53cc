# t_realistic - synth's CSV written the way agencies write it (realistic: true: string
# household numbers, credit-code employers, passports and foreign PR IDs, typed phones,
# regions.csv in GB18030, seatless tickets) ingests without a reject, identically at 1 and
# 3 ranks, into the same persons as the plain CSV of the same seed, and trace on it names
# the same persons with the same hops, exposures, channels, places and sources; its lists,
# with employers, are the same at 1 and 4 ranks and list document holders by their numbers.
. "$(dirname "$0")/lib.sh"
for s in plain real; do
  cat > "$T/synth-$s.yaml" <<CFG
key: $T/key
data: $T/synth-$s.h5
seed: 11
persons: 20000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 40}
csv: $T/csv-$s
realistic: $([ $s = real ] && echo true || echo false)
CFG
  run 2 synth --config "$T/synth-$s.yaml" > "$T/synth-$s.log" 2>&1 || { cat "$T/synth-$s.log"; die "synth ($s) failed"; }
done
# The switch changes the CSV only: the datasets synth writes are the same.
$PY "$ROOT/tests/py/compare.py" "$T/synth-plain.h5" "$T/synth-real.h5" --datasets persons identities stays \
  > "$T/cmp.log" || { cat "$T/cmp.log"; die "realistic: true changed synth's own dataset"; }
cmp -s "$T/csv-plain/cases.csv" "$T/csv-real/cases.csv" || die "the cases differ between the two styles"
$PY - "$T/csv-real" <<'PY' || die "the realistic CSV is not written the way agencies write it"
import csv, re, sys
d = sys.argv[1]
raw = open(f"{d}/regions.csv", "rb").read()
try:
    raw.decode("utf-8")
    raise SystemExit("regions.csv is valid UTF-8: not GB18030")
except UnicodeDecodeError:
    pass
assert "湖南省" in raw.decode("gb18030"), "regions.csv does not read as GB18030"
for f in ("persons", "stays"):
    open(f"{d}/{f}.csv", "rb").read().decode("utf-8")  # the other files stay UTF-8
P = list(csv.DictReader(open(f"{d}/persons.csv", encoding="utf-8")))
types = [p["id_type"] for p in P]
assert types.count("passport") >= 20 and types.count("foreign_pr") >= 5, (types.count("passport"), types.count("foreign_pr"))
assert all(t in ("", "passport", "foreign_pr") for t in types)
for p in P:
    if p["id_type"] == "foreign_pr":
        assert len(p["id_number"]) == 18 and p["id_number"][0] == "9", "a foreign PR ID not of the 2023 form"
    if p["id_type"] == "passport":
        assert re.fullmatch(r"[A-Z0-9]{5,20}", p["id_number"]), "a passport number not of the 5-20 rule"
phones = [p["phone"] for p in P if p["phone"]]
for form in (r"\+86 1\d\d-\d{4}-\d{4}", r"0086\d{11}", r"1\d\d \d{4} \d{4}", r"86-1\d\d-\d{4}-\d{4}", r"1\d{10}"):
    assert sum(bool(re.fullmatch(form, x)) for x in phones) > len(phones) // 10, f"few phones as {form}"
hh = [p["household"] for p in P]
assert any(h.startswith("H") for h in hh) and any(h.startswith("43") and len(h) == 10 for h in hh)
emp = [p["employer"] for p in P if p["employer"]]
assert emp and all(len(e) == 18 and e.startswith("91") for e in emp)
S = list(csv.DictReader(open(f"{d}/stays.csv", encoding="utf-8")))
st = [s["subject_type"] for s in S]
assert st.count("passport") > 0 and st.count("foreign_pr") > 0
assert any(" " in s["subject"] for s in S if s["channel"] in ("lbs", "grid")), "cell records keyed by plain phones only"
seatless = sum(s["channel"] == "flight" and not s["row"] or s["channel"] == "rail" and not s["carriage"] for s in S)
assert seatless > 0, "no seatless ticket written"
print(f"realistic CSV: {types.count('passport')} passports, {types.count('foreign_pr')} foreign PR IDs, {seatless} seatless")
PY
ingest() { # style, ranks
  cat > "$T/ingest-$1-$2.yaml" <<CFG
key: $T/key
data: $T/ingest-$1-$2.h5
input:
  regions: $T/csv-$1/regions.csv
  persons: $T/csv-$1/persons.csv
  stays: $T/csv-$1/stays.csv
as_of: 2021-08-09T00:00
days: 14
max_reject_ratio: 0
quiet: true
CFG
  run "$2" ingest --config "$T/ingest-$1-$2.yaml" > "$T/ingest-$1-$2.log" 2>&1 \
    || { cat "$T/ingest-$1-$2.log"; die "ingest of the $1 CSV at $2 ranks failed"; }
}
ingest plain 2
ingest real 1
ingest real 3
$PY "$ROOT/tests/py/compare.py" "$T/ingest-real-1.h5" "$T/ingest-real-3.h5" \
  --datasets regions persons identities stays places rejects \
  > "$T/cmp.log" || { cat "$T/cmp.log"; die "ingest of the realistic CSV differs between 1 and 3 ranks"; }
# What ingest read: GB18030 regions, nothing rejected, the seatless stays counted.
$PY - "$T/ingest-real-3.h5" <<'PY' || die "ingest of the realistic CSV did not read it as written"
import json, sys, h5py
g = h5py.File(sys.argv[1], "r")
assert len(g["rejects"]) == 0, "rejects from the realistic CSV"
assert g.attrs["visitors"] == 0, "a document holder became a visitor"
inp = json.loads(g.attrs["inputs"])
assert all(i["rejected"] == 0 for i in inp), inp
assert inp[2]["seat_unknown"] > 0, inp[2]
rec = json.load(open(sys.argv[1] + ".run.json"))
enc = rec["input_encodings"]
enc = json.loads(enc) if isinstance(enc, str) else enc
enc = {k.rsplit("/", 1)[-1]: v for k, v in enc.items()} if isinstance(enc, dict) else \
      {e["path"].rsplit("/", 1)[-1]: e["encoding"] for e in enc}
assert enc["regions.csv"] == "gb18030" and enc["persons.csv"] == "utf-8" and enc["stays.csv"] == "utf-8", enc
print(f"realistic ingest: {g.attrs['persons']} persons, {g.attrs['stays']} stays, seat_unknown {inp[2]['seat_unknown']}")
PY
for s in plain-2 real-3; do
  cat > "$T/trace-$s.yaml" <<CFG
data: $T/ingest-$s.h5
cases: $T/csv-plain/cases.csv
key: $T/key
output: $T/trace-$s.h5
hops: 2
companions_of: [0, 1]
quiet: true
CFG
  run 2 trace --config "$T/trace-$s.yaml" > "$T/trace-$s.log" 2>&1 || { cat "$T/trace-$s.log"; die "trace on $s failed"; }
done
$PY "$ROOT/tests/py/realistic_same.py" "$T/ingest-plain-2.h5" "$T/ingest-real-3.h5" \
  "$T/trace-plain-2.h5" "$T/trace-real-3.h5" || die "the realistic CSV does not give the plain CSV's persons and trace"
# The lists of that trace (employers by credit code, passports and foreign PR IDs among the
# subjects) at 1 and 4 ranks: the same files, byte for byte, every flagged person once, the
# document holders listed with their own kind of number.
for n in 1 4; do
  printf 'input: %s\ndata: %s\noutput: %s\nemployers: true\nquiet: true\n' "$T/trace-real-3.h5" \
    "$T/ingest-real-3.h5" "$T/lists-$n" > "$T/lists-$n.yaml"
  run "$n" dispatch --config "$T/lists-$n.yaml" > "$T/lists-$n.log" 2>&1 \
    || { cat "$T/lists-$n.log"; die "dispatch of the realistic trace at $n ranks failed"; }
done
for f in $(cd "$T/lists-1" && ls *.csv); do
  [ "$f" = manifest.csv ] || cmp -s "$T/lists-1/$f" "$T/lists-4/$f" || die "lists at 1 and 4 ranks differ: $f"
done
[ "$(ls "$T/lists-1")" = "$(ls "$T/lists-4")" ] || die "dispatch at 1 and 4 ranks wrote other files"
$PY - "$T/trace-real-3.h5" "$T/lists-4" <<'PY' || die "the realistic trace's lists are not what it flagged"
import glob, sys, h5py, numpy as np, pandas as pd
tr = h5py.File(sys.argv[1], "r")
flagged = np.concatenate([tr[t]["pid"][()] for t in ("contacts", "companions")])
L = pd.concat([pd.DataFrame(h5py.File(h, "r")["list"][()]) for h in glob.glob(f"{sys.argv[2]}/*.h5")
               if not h.rsplit("/", 1)[-1].startswith("employers.")])
assert len(L) == L["pid"].nunique() and set(L["pid"]) == set(flagged), "not every flagged person once"
kinds = L["subject_type"].str.decode("ascii").value_counts().to_dict()
print("realistic lists:", len(L), "persons;", kinds)
doc = L[L["subject_type"].isin([b"passport", b"foreign_pr"])]
assert len(doc) > 0, "no document holder in the lists"
assert all(len(s.rstrip(b"\0")) >= 5 and not s.startswith(b"43") for s in doc["subject"]), \
    "a document holder listed under another number"
assert glob.glob(f"{sys.argv[2]}/employers.*.h5"), "no employers' lists"
PY
echo "t_realistic: ok"
