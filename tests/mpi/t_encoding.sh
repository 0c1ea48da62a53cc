# t_encoding - input.encoding: a small province with Chinese text (make_encodings.py) in
# UTF-8, UTF-8 with a BOM, GB18030 and GB18030 with its BOM (made by the iconv command)
# gives byte-identical datasets at 1-4 ranks, its rejects' raw text in UTF-8; a file
# that is neither UTF-8 nor GB18030 stops the run with one message naming the file and
# line (and no identity); forced, utf-8 rejects the GB18030 lines with Chinese text and
# gb18030 a line that is not; trace reads a GB18030 cases.csv as its UTF-8 twin.
. "$(dirname "$0")/lib.sh"
U=$T/u8 LOGS=$T/logs
mkdir -p "$LOGS" "$T/bom" "$T/gb" "$T/gbbom"
$PY "$ROOT/tests/py/make_encodings.py" "$U" || die "make_encodings.py failed"
for f in regions persons stays cases; do
  { printf '\xEF\xBB\xBF'; cat "$U/$f.csv"; } > "$T/bom/$f.csv"
  iconv -f UTF-8 -t GB18030 "$U/$f.csv" > "$T/gb/$f.csv" || die "iconv failed on $f.csv"
  { printf '\x84\x31\x95\x33'; cat "$T/gb/$f.csv"; } > "$T/gbbom/$f.csv" # U+FEFF in GB18030
  cmp -s "$U/$f.csv" "$T/gb/$f.csv" && die "$f.csv: its GB18030 twin has the same bytes"
done
$PY - "$T/gb" <<'PY' || die "the GB18030 twins lack a two- or four-byte character"
import sys
b = open(sys.argv[1] + "/regions.csv", "rb").read() + open(sys.argv[1] + "/stays.csv", "rb").read()
assert "湖南".encode("gb18030") in b and "ß".encode("gb18030") in b and "𠮷".encode("gb18030") in b
assert len("ß".encode("gb18030")) == 4 and len("𠮷".encode("gb18030")) == 4
PY

cfg() { # dir, data, [input.encoding], [regions dir]
  printf '%s\n' "key: $T/key" "data: $2" "input:" "  regions: ${4:-$1}/regions.csv" \
    "  persons: $1/persons.csv" "  stays: $1/stays.csv" ${3:+"  encoding: $3"} \
    "as_of: 2021-08-09T00:00" "days: 14" "max_reject_ratio: 1"
}
ingest() { # name, ranks, dir, [input.encoding], [regions dir]: expected to succeed
  cfg "$3" "$T/$1.h5" "${4:-}" "${5:-}" > "$T/$1.yaml"
  run "$2" ingest --config "$T/$1.yaml" > "$LOGS/$1.log" 2>&1 || { cat "$LOGS/$1.log"; die "ingest $1 failed"; }
}

# The twins at 1-4 ranks: every table identical; each file read as what it is.
for d in u8 bom gb gbbom; do
  for n in 1 2 3 4; do ingest "$d-$n" "$n" "$T/$d"; done
done
ingest gbforced-2 2 "$T/gb" gb18030
$PY "$ROOT/tests/py/compare.py" "$T"/{u8,bom,gb,gbbom}-{1,2,3,4}.h5 "$T/gbforced-2.h5" \
  --datasets regions persons identities stays places rejects > "$T/cmp.log" \
  || { cat "$T/cmp.log"; die "the UTF-8 and GB18030 twins give different datasets"; }
for d in u8 bom gb gbbom; do
  want=utf-8; case $d in gb*) want=gb18030 ;; esac
  grep -q "read as: regions.csv $want, persons.csv $want, stays.csv $want" "$LOGS/$d-3.log" \
    || { cat "$LOGS/$d-3.log"; die "$d: the log does not say the files were read as $want"; }
  $PY - "$T/$d-3.h5.run.json" "$want" <<'PY' || die "$d: the run record does not give the encodings"
import json, sys
r = json.load(open(sys.argv[1]))
assert [e["encoding"] for e in r["input_encodings"]] == [sys.argv[2]] * 3, r.get("input_encodings")
PY
done
$PY - "$T/gb-3.h5" "$U/expected.json" <<'PY' || die "the GB18030 dataset is not the province written"
import json, sys, h5py
d, exp = h5py.File(sys.argv[1], "r"), json.load(open(sys.argv[2]))
names = {int(r["code"]): r["name"].decode() for r in d["regions"][()]}
assert names[430102001003] == "𠮷野家社区" and names[430102001002] == "东湖,西湖社区", names
places = sorted(p["name"].decode() for p in d["places"][()])
for p in ("网吧001", "锦江之星(芙蓉店),203房", "ß€网吧", "基站 芙蓉-0001"):
    assert p in places, (p, places)
assert len(d["persons"]) == 4 and len(d["stays"]) == 5, (len(d["persons"]), len(d["stays"]))
rj = d["rejects"][()]
got = {(rj[i]["source"].decode(), int(rj[i]["line"])): i for i in range(len(rj))}
want = {"regions.csv:9": "field", "stays.csv:7": "window", "stays.csv:8": "line_long",
        f"stays.csv:{exp['dup_line']}": "duplicate"}
assert sorted(f"{s}:{l}" for s, l in got) == sorted(want), sorted(got)
for k, code in want.items():
    s, l = k.split(":")
    i = got[(s, int(l))]
    assert rj[i]["code"].decode() == code, (k, rj[i]["code"])
    if k in exp["raw"]:
        raw = rj[i:i + 1]["raw"].tobytes()  # the 256 bytes as stored
        assert raw == bytes.fromhex(exp["raw"][k]), (k, raw)
        assert rj[i]["truncated"] == 1, k
print("GB18030 dataset: regions, places and rejects (raw text in UTF-8, cut at 256 bytes) as written")
PY

# Neither UTF-8 nor GB18030 under auto: a stray 0xFF in the UTF-8 stays (last line), a lone
# 0x80 in the GB18030 ones (line 4, read by rank 0, and the last line, by rank 2); the run
# stops, naming the file and the first line that is not in each encoding.
mkdir -p "$T/bad8" "$T/badgb"
cp "$U"/*.csv "$T/bad8/" && cp "$T/gb"/*.csv "$T/badgb/"
printf 'cafe,x\xFFy\n' >> "$T/bad8/stays.csv"
sed -i '4s/$/\x80/; $s/$/\x80/' "$T/badgb/stays.csv"
$PY - "$T/bad8/stays.csv" "$T/badgb/stays.csv" <<'PY' || die "the bad bytes are not bad in both encodings"
import sys
for p in sys.argv[1:]:
    b = open(p, "rb").read()
    for enc in ("utf-8", "gb18030"):
        try:
            b.decode(enc)
        except UnicodeDecodeError:
            continue
        sys.exit(f"{p} decodes as {enc}")
PY
nl8=$(wc -l < "$T/bad8/stays.csv")
for b in bad8:"neither UTF-8 (line $nl8 is not)" badgb:"neither UTF-8 (line 2 is not) nor GB18030 (line 4 is not)"; do
  d=${b%%:*} want=${b#*:}
  cfg "$T/$d" "$T/$d.h5" > "$T/$d.yaml"
  if run 3 ingest --config "$T/$d.yaml" > "$LOGS/$d.log" 2>&1; then
    cat "$LOGS/$d.log"; die "$d: ingest of a file neither UTF-8 nor GB18030 succeeded"
  fi
  [ ! -e "$T/$d.h5" ] || die "$d: a dataset was written"
  [ "$(grep -c 'error' "$LOGS/$d.log")" = 1 ] || { cat "$LOGS/$d.log"; die "$d: not one error line"; }
  grep 'error' "$LOGS/$d.log" | grep -qF "$T/$d/stays.csv: " || { cat "$LOGS/$d.log"; die "$d: the file is not named"; }
  grep 'error' "$LOGS/$d.log" | grep -qF "$want" || { cat "$LOGS/$d.log"; die "$d: no '$want'"; }
  echo "$d: ${want}: $(grep -o 'error: .*' "$LOGS/$d.log" | cut -c1-160)"
done
$PY -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["ids"]))' "$U/expected.json" > "$T/ids.txt"
if grep -F -f "$T/ids.txt" "$LOGS"/*.log; then die "a log line holds an ID number or phone"; fi

# Forced: utf-8 on the GB18030 persons and stays rejects exactly their lines that are not UTF-8
# (encoding; 女 in GB18030 happens to be); gb18030 on a file with a lone 0x80 rejects that line, as received.
ingest f8 2 "$T/gb" utf-8 "$U"
ingest fgb 2 "$T/badgb" gb18030
$PY - "$T" <<'PY' || die "forced encodings do not reject exactly the lines that do not fit"
import sys, h5py
T = sys.argv[1]
def rejects(p):
    rj = h5py.File(p, "r")["rejects"][()]
    return {(rj[i]["source"].decode(), int(rj[i]["line"])): rj[i:i + 1] for i in range(len(rj))}
want = set()
for f in ("persons.csv", "stays.csv"):
    for i, line in enumerate(open(f"{T}/gb/{f}", "rb").read().split(b"\n")[:-1]):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            want.add((f, i + 1))
got = rejects(f"{T}/f8.h5")
enc = {k for k, r in got.items() if r["code"][0] == b"encoding"}
assert enc == want and len(want) >= 6, (sorted(enc), sorted(want))
r = rejects(f"{T}/fgb.h5")[("stays.csv", 4)]
assert r["code"][0] == b"encoding" and r["text"][0] == b"not GB18030 text", r
line = open(f"{T}/badgb/stays.csv", "rb").read().split(b"\n")[3]
assert r["raw"].tobytes() == line.ljust(256, b"\0"), r["raw"].tobytes()
print(f"forced utf-8: {len(enc)} GB18030 lines rejected as encoding; forced gb18030: the 0x80 line kept as received")
PY

# trace: the GB18030 cases.csv (a Chinese note column) gives the UTF-8 one's contacts.
printf 'data: %s\nindex: %s\nquiet: true\n' "$T/u8-1.h5" "$T/index.h5" > "$T/index.yaml"
run 2 index --config "$T/index.yaml" > "$LOGS/index.log" 2>&1 || { cat "$LOGS/index.log"; die "index failed"; }
for d in u8 gb; do
  printf 'data: %s\nindex: %s\ncases: %s\nkey: %s\noutput: %s\nquiet: true\n' "$T/u8-1.h5" \
    "$T/index.h5" "$T/$d/cases.csv" "$T/key" "$T/trace-$d.h5" > "$T/trace-$d.yaml"
  run 2 trace --config "$T/trace-$d.yaml" > "$LOGS/trace-$d.log" 2>&1 \
    || { cat "$LOGS/trace-$d.log"; die "trace on the $d cases.csv failed"; }
done
$PY "$ROOT/tests/py/compare.py" "$T/trace-u8.h5" "$T/trace-gb.h5" --datasets contacts > "$T/cmp.log" \
  || { cat "$T/cmp.log"; die "trace differs between the UTF-8 and GB18030 cases.csv"; }
$PY -c 'import h5py,sys; n = len(h5py.File(sys.argv[1], "r")["contacts"]); assert n >= 2, n' "$T/trace-gb.h5" \
  || die "trace found no contact of the case"
# A lone 0x80 on line 2: neither encoding under auto; forced gb18030 names the line too.
sed '2s/$/\x80/' "$T/gb/cases.csv" > "$T/badcases.csv"
for e in auto:"line 2 is neither UTF-8 nor GB18030" gb18030:"line 2 is not GB18030"; do
  { grep -v '^cases:' "$T/trace-gb.yaml"; echo "cases: $T/badcases.csv"
    [ "${e%%:*}" = auto ] || echo "encoding: ${e%%:*}"; } > "$T/trace-bad.yaml"
  if run 2 trace --config "$T/trace-bad.yaml" > "$LOGS/trace-bad.log" 2>&1; then
    die "trace (${e%%:*}) read a cases file with a lone 0x80"
  fi
  grep -qF "$T/badcases.csv: ${e#*:}" "$LOGS/trace-bad.log" \
    || { cat "$LOGS/trace-bad.log"; die "trace (${e%%:*}): no message naming the line"; }
done
echo "encodings: UTF-8, UTF-8+BOM, GB18030, GB18030+BOM give identical datasets at 1 and 3 ranks; trace alike"
