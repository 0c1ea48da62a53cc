# t_purge - purge destroys exactly what the retention says, and nothing else. A province
# (synth -> CSV) with visitors added (unregistered phones and ID numbers, stays before,
# across and after the cutoff) and one rejected row is ingested; with retention 10d the
# cutoff is 2021-07-30T00:00 (now = the dataset's window_end). Checked from the input with
# h5py alone: exactly the stays that ended before the cutoff are gone, every other row
# is kept byte for byte (a stay across the cutoff whole, one ending on it kept);
# visitors left without stays are gone from /persons and /identities, registered
# persons are not; counts, stays_checksum, window_start, purged_before are right;
# /rejects (raw lines) is gone. Identical outputs at 1-4 ranks and in place (no
# temporary left); rerunning on the purged file changes nothing. With `identities: all`,
# /identities is removed (trace refuses the dataset, breakdown still runs on it) and no
# ID number or phone of the input is anywhere in the file's bytes (written uncompressed;
# the in-place keep_recent file, uncompressed too, is the positive control), nor in any
# purge log or run record. An index and a trace output made before the purge are refused
# against the purged dataset (trace, dispatch). A negative, too short (bare `28` is 28
# seconds) or missing retention is a config error (exit 2) naming the line.
. "$(dirname "$0")/lib.sh"
cat > "$T/synth.yaml" <<CFG
key: $T/key
data: $T/synth.h5
seed: 31
persons: 4000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 10}
cases_csv: $T/cases.csv
csv: $T/csv
quiet: true
CFG
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }

# Visitors from another province, written as the agencies would send them, and the
# strings that must not survive an `identities: all` purge (every ID number and phone).
$PY - "$T" <<'PY' || die "cannot make the visitors' rows"
import csv, sys
T = sys.argv[1]
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def idn(s17): return s17 + "10X98765432"[sum(int(a) * w for a, w in zip(s17, W)) % 11]
persons = list(csv.DictReader(open(f"{T}/csv/persons.csv", encoding="utf-8")))
phones = {p["phone"] for p in persons if p["phone"]}
ids = {p["id_number"] for p in persons}
region = next(csv.DictReader(open(f"{T}/csv/stays.csv")))["region"]
vis = {}
for k, name in enumerate("ABCDE"):
    ph = next(f"17{k}{n:08d}" for n in range(10**8) if f"17{k}{n:08d}" not in phones)
    vis[name] = ph
vis["F"], vis["G"] = idn("11010119800101001"), idn("11010119900202002")
assert vis["F"] not in ids and vis["G"] not in ids
bad_id = vis["G"][:17] + ("0" if vis["G"][17] != "0" else "1")  # wrong check character
rows = [  # channel, subject, place, start, end: cutoff 2021-07-30T00:00
    ("lbs", vis["A"], "cell visitor-1", "2021-07-27T10:00", "2021-07-27T11:00"),  # old: A goes
    ("lbs", vis["B"], "cell visitor-1", "2021-07-27T10:00", "2021-07-27T11:00"),  # old
    ("lbs", vis["B"], "cell visitor-2", "2021-08-05T10:00", "2021-08-05T11:00"),  # recent: B stays
    ("grid", vis["C"], "grid visitor-1", "2021-07-29T23:00", "2021-07-30T01:00"), # across: kept whole
    ("lbs", vis["D"], "cell visitor-3", "2021-07-29T20:00", "2021-07-30T00:00"),  # ends on the cutoff: kept
    ("lbs", vis["E"], "cell visitor-3", "2021-07-29T20:00", "2021-07-29T23:59"),  # a minute before: goes
    ("cafe", vis["F"], "visitor cafe", "2021-07-28T12:00", "2021-07-28T13:00"),  # old: F goes
    ("cafe", vis["G"], "visitor cafe", "2021-08-06T12:00", "2021-08-06T13:00"),  # recent: G stays
    ("cafe", bad_id, "visitor cafe", "2021-08-06T12:00", "2021-08-06T13:00"),    # rejected (id_check)
]
with open(f"{T}/csv/stays.csv", "a") as f:
    for c, s, p, a, b in rows:
        f.write(f"{c},{s},{p},{a},{b},{region},,\n")
with open(f"{T}/visitors.txt", "w") as f:
    for k in sorted(vis): f.write(f"{k} {vis[k]}\n")
# Every clear identity the input holds, and the rejected row's ID number.
with open(f"{T}/identities.txt", "w") as f:
    for p in persons:
        f.write(p["id_number"] + "\n")
        if p["phone"]: f.write(p["phone"] + "\n")
    for k in sorted(vis): f.write(vis[k] + "\n")
    f.write(bad_id + "\n")
PY
cat > "$T/ingest.yaml" <<CFG
key: $T/key
data: $T/data.h5
input: {regions: $T/csv/regions.csv, persons: $T/csv/persons.csv, stays: $T/csv/stays.csv}
as_of: 2021-08-09T00:00
days: 14
max_reject_ratio: 0.01
quiet: true
CFG
run 2 ingest --config "$T/ingest.yaml" > "$T/ingest.log" 2>&1 || { cat "$T/ingest.log"; die "ingest failed"; }

# Made before the purge: an index and a trace output.
printf 'data: %s\nindex: %s\nquiet: true\n' "$T/data.h5" "$T/index.h5" > "$T/index.yaml"
run 2 index --config "$T/index.yaml" > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index failed"; }
trace_cfg() { # data, output
  printf 'data: %s\ncases: %s\nkey: %s\noutput: %s\nindex: %s\nhops: 1\nquiet: true\n' \
    "$1" "$T/cases.csv" "$T/key" "$2" "$T/index.h5"
}
trace_cfg "$T/data.h5" "$T/trace-before.h5" > "$T/trace-before.yaml"
run 2 trace --config "$T/trace-before.yaml" > "$T/trace-before.log" 2>&1 \
  || { cat "$T/trace-before.log"; die "trace before the purge failed"; }

purge() { # ranks, name, data, output, [key: value lines]
  local n=$1 name=$2 data=$3 out=$4; shift 4
  { echo "data: $data"; echo "output: $out"; echo "retention: 10d"; printf '%s\n' "$@"; } > "$T/purge-$name.yaml"
  run "$n" purge --config "$T/purge-$name.yaml" > "$T/purge-$name.log" 2>&1
}
for n in 1 2 3 4; do
  purge $n r$n "$T/data.h5" "$T/p$n.h5" || { cat "$T/purge-r$n.log"; die "purge at $n ranks failed"; }
done
purge 2 all "$T/data.h5" "$T/all.h5" "identities: all" "io: {deflate: 0}" \
  || { cat "$T/purge-all.log"; die "purge with identities: all failed"; }
grep -q "re-keyed through a new key that was not kept" "$T/purge-all.log" || { cat "$T/purge-all.log"; die "purge all did not say it re-keyed"; }
# The re-key is the same at any rank count given the same key (a test-only hook fixes it).
for n in 1 3; do
  PAICHA_TEST_REKEY=7 purge $n all$n "$T/data.h5" "$T/all$n.h5" "identities: all" \
    || { cat "$T/purge-all$n.log"; die "purge all at $n ranks failed"; }
done
$PY "$ROOT/tests/py/compare.py" "$T/all1.h5" "$T/all3.h5" --datasets regions persons stays places > "$T/cmp-all.log" \
  || { cat "$T/cmp-all.log"; die "the re-keyed purge differs between 1 and 3 ranks"; }
cp "$T/data.h5" "$T/inplace.h5"
purge 3 inplace "$T/inplace.h5" "$T/inplace.h5" "io: {deflate: 0}" \
  || { cat "$T/purge-inplace.log"; die "purge in place failed"; }
purge 1 again "$T/p2.h5" "$T/again.h5" || { cat "$T/purge-again.log"; die "purge of a purged dataset failed"; }
# A purge in place that fails on one rank halfway through writing (the persons written,
# the stays not) leaves the dataset as it was.
cp "$T/data.h5" "$T/failing.h5"
if PAICHA_FAIL_RANK=1 PAICHA_FAIL_PHASE=stays purge 2 fail "$T/failing.h5" "$T/failing.h5"; then
  die "the injected failure did not fail the purge"
fi
grep -q "rank 1" "$T/purge-fail.log" || { cat "$T/purge-fail.log"; die "the failure does not name its rank"; }
cmp -s "$T/data.h5" "$T/failing.h5" || die "a failed purge in place changed the dataset"
grep -q "destroying stays that ended before 2021-07-30 00:00 (UTC+8) = now 2021-08-09 00:00 (UTC+8) (the dataset's window_end) - retention 10d" \
  "$T/purge-r1.log" || { cat "$T/purge-r1.log"; die "the log does not say the cutoff and where now came from"; }
[ -z "$(ls -A "$T" | grep '\.tmp\.')" ] || die "a temporary file was left: $(ls -A "$T" | grep '\.tmp\.')"
for f in p1 p2 p3 p4 all inplace again; do
  [ "$(stat -c %a "$T/$f.h5")" = 600 ] || die "$f.h5 (personal data) is not mode 0600"
  [ -s "$T/$f.h5.run.json" ] || die "$f.h5 has no run record"
done

TABLES="regions persons identities stays stay_buckets places"
$PY "$ROOT/tests/py/compare.py" "$T/p1.h5" "$T/p2.h5" "$T/p3.h5" "$T/p4.h5" "$T/inplace.h5" \
  --datasets $TABLES > "$T/cmp.log" || { cat "$T/cmp.log"; die "purge differs between rank counts or in place"; }
$PY "$ROOT/tests/py/compare.py" "$T/p2.h5" "$T/again.h5" --datasets $TABLES > "$T/cmp-again.log" \
  || { cat "$T/cmp-again.log"; die "purging the purged dataset again changed it"; }

# The data-protection officer's checks, from the input alone.
$PY - "$T" "$ROOT" <<'PY' || die "the purge did not destroy exactly what the retention says"
import json, sys, time, h5py, numpy as np
T = sys.argv[1]
sys.path.insert(0, sys.argv[2] + "/tests/py")
d = h5py.File(f"{T}/data.h5", "r")
S, P, I = d["stays"][()], d["persons"][()], d["identities"][()]
assert len(d["rejects"]) == 1, "the test wants one rejected row in the input"
cutoff = int(d.attrs["window_end"]) - 10 * 86400
assert cutoff == 1627603200 - 8 * 3600, cutoff  # 2021-07-30T00:00 local (UTC+8)
keep = S["end"] >= cutoff
across = (S["start"] < cutoff) & keep
assert (~keep).sum() > 1000 and keep.sum() > 1000 and across.sum() > 0, (keep.sum(), across.sum())
assert ((S["end"] == cutoff)).sum() > 0, "no stay ends exactly on the cutoff"
alive = np.isin(P["pid"], np.unique(S["pid"][keep]))
visitor = (P["flags"] & 1) == 1
pkeep = ~visitor | alive
assert visitor.sum() >= 7 and (visitor & ~alive).sum() >= 3, (visitor.sum(), (visitor & ~alive).sum())
assert (~visitor & ~alive).sum() > 0, "no registered person lost all their stays"
assert np.array_equal(I["pid"], P["pid"])
vis = dict(l.split() for l in open(f"{T}/visitors.txt"))
subj = {s.decode(): i for i, s in enumerate(I["subject"])}
gone, kept = "AEF", "BCDG"

def mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xbf58476d1ce4e5b9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94d049bb133111eb)
    return z ^ (z >> np.uint64(31))

def same(a, b):  # field by field (h5py leaves a compound's padding uninitialised)
    return a.dtype == b.dtype and len(a) == len(b) and all(np.array_equal(a[f], b[f]) for f in a.dtype.names)

def raw_rows(f, name):  # a contiguous table's rows as stored, padding included
    ds = f[name]
    off, n = ds.id.get_offset(), len(ds)
    return np.fromfile(f.filename, dtype=np.uint8, count=n * 48, offset=off).reshape(n, 48)

def checksum(s):  # pc_stay_fingerprint summed mod 2^64, from the fields
    w5 = (s["channel"].astype(np.uint64) | s["carriage"].astype(np.uint64) << np.uint64(8)
          | s["row"].astype(np.uint16).astype(np.uint64) << np.uint64(16))
    h = np.full(len(s), 0x243f6a8885a308d3, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for w in (s["pid"], s["place"], s["start"].astype(np.uint64), s["end"].astype(np.uint64), s["region"], w5):
            h = mix(h ^ w.astype(np.uint64))
        return int(h.sum(dtype=np.uint64))

assert checksum(S) == int(d.attrs["stays_checksum"]), "the checksum rule is not synth's/ingest's"

def groups(stays):  # each person's stays (without the pid), as a sorted list of tuples
    cols = [c for c in stays.dtype.names if c != "pid"]
    by = {}
    for r in stays:
        by.setdefault(int(r["pid"]), []).append(tuple(r[c].item() for c in cols))
    return sorted(tuple(sorted(v)) for v in by.values())

def check_rekeyed(o, s_in, p_in):  # identities: all: the same rows under new pids, re-sorted
    s_out, p_out = o["stays"][()], o["persons"][()]
    assert len(p_out) == len(p_in) and len(s_out) == len(s_in), (len(p_out), len(s_out))
    assert (np.diff(p_out["pid"].astype(np.float64)) > 0).all() or (np.diff(p_out["pid"]) > 0).all(), "/persons not sorted by new pid"
    assert not np.isin(p_out["pid"], P["pid"]).any(), "an old pid survived the re-key"
    assert not np.isin(s_out["pid"], P["pid"]).any(), "an old pid survived in /stays"
    hh = P["household"][P["household"] != 0]
    assert not np.isin(p_out["household"][p_out["household"] != 0], hh).any(), "an old household id survived"
    assert (p_out["household"] != 0).sum() == (p_in["household"] != 0).sum()
    # the same households together: group sizes agree
    assert sorted(np.unique(p_out["household"][p_out["household"] != 0], return_counts=True)[1]) == \
        sorted(np.unique(p_in["household"][p_in["household"] != 0], return_counts=True)[1])
    attrs = [c for c in p_in.dtype.names if c not in ("pid", "household", "employer")]
    key = lambda a: sorted(tuple(r[c].item() for c in attrs) for r in a)
    assert key(p_out) == key(p_in), "the persons' attributes changed"
    assert np.isin(s_out["pid"], p_out["pid"]).all(), "a stay of nobody in /persons"
    assert groups(s_out) == groups(s_in), "the stays are not the same people's stays"
    order = np.lexsort((s_out["start"], s_out["pid"]))
    assert (order == np.arange(len(s_out))).all(), "/stays not sorted by new pid then start"
    assert int(o.attrs["stays_checksum"]) == checksum(s_out), "stays_checksum not of the new rows"
    assert o.attrs["key_fingerprint"] != d.attrs["key_fingerprint"], "the old key's fingerprint kept"
    # re-identification with the old key: 1,000 known persons' pids, none found
    import siphash
    key16 = siphash.load_key(f"{T}/key")
    ids = [s.decode() for s in I["subject"] if len(s) == 18][:1000]
    assert len(ids) == 1000
    old = np.array([siphash.pid_of_idnum(key16, i) for i in ids], dtype=np.uint64)
    assert np.isin(old, P["pid"]).all(), "the brute force does not find the persons in the input (control)"
    assert not np.isin(old, p_out["pid"]).any(), "the old key re-identifies persons in the purged file"

t_run = time.time()
for name, mode in (("p1", "keep_recent"), ("all", "all")):
    o = h5py.File(f"{T}/{name}.h5", "r")
    os_, op = o["stays"][()], o["persons"][()]
    oi = o["identities"][()] if mode == "keep_recent" else I[:0]
    if mode == "keep_recent":
        assert same(os_, S[keep]), f"{name}: /stays is not the input's rows ending at or after the cutoff"
        assert np.array_equal(raw_rows(o, "stays"), raw_rows(d, "stays")[keep]), f"{name}: /stays not byte for byte"
        assert same(op, P[pkeep]), f"{name}: /persons is not the input minus the visitors without stays"
    else:
        check_rekeyed(o, S[keep], P[pkeep])
    if mode == "keep_recent":
        assert same(oi, I[pkeep]), "/identities is not the input minus the visitors without stays"
        left = {s.decode() for s in oi["subject"]}
        for k in gone: assert vis[k] not in left, f"visitor {k}'s identity survived"
        for k in kept: assert vis[k] in left, f"visitor {k} (stays left) lost their identity"
    else:
        assert "identities" not in o, "identities: all left /identities"
        assert abs(int(o.attrs["identities_purged_at"]) - t_run) < 600
    if mode == "keep_recent":
        for k in gone: assert P["pid"][subj[vis[k]]] not in op["pid"], f"visitor {k} is still in /persons"
        for k in kept: assert P["pid"][subj[vis[k]]] in op["pid"], f"visitor {k} left /persons"
    a = o.attrs
    assert "rejects" not in o, f"{name}: /rejects (raw lines) survived"
    assert set(o) == {"regions", "persons", "stays", "stay_buckets", "places"} | ({"identities"} if mode == "keep_recent" else set()), set(o)
    for t in ("regions", "places"):
        assert same(o[t][()], d[t][()]), f"{name}: /{t} changed"
    assert a["stays"] == keep.sum() and a["persons"] == pkeep.sum(), (a["stays"], a["persons"])
    assert a["visitors"] == (visitor & pkeep).sum()
    if mode == "keep_recent":
        assert int(a["stays_checksum"]) == checksum(S[keep]), "stays_checksum not recomputed as synth/ingest do"
    assert a["window_start"] == max(int(d.attrs["window_start"]), cutoff) == cutoff
    assert a["purged_before"] == cutoff and a["purged_before_local"] == b"2021-07-30T00:00"
    assert abs(int(a["purged_at"]) - t_run) < 600, "purged_at is not the time of the purge"
    for k in ("window_end", "as_of", "places", "days", "inputs") + (("key_fingerprint",) if mode == "keep_recent" else ()):
        assert a[k] == d.attrs[k], k
    assert a["job"] == b"purge" and a["source_config"] == d.attrs["config"]
    log = json.loads(a["purge_log"])
    assert len(log) == 1 and log[0]["identities"] == mode and log[0]["stays_removed"] == (~keep).sum()
    assert log[0]["purged_before"] == "2021-07-30T00:00" and log[0]["rejects_removed"] == 1, log
    rec = json.load(open(f"{T}/{name}.h5.run.json"))
    assert rec["purge"]["visitors_removed"] == (visitor & ~alive).sum(), rec["purge"]
    ids_left = len(oi)
    assert rec["purge"]["identities_removed"] == len(I) - ids_left
g = h5py.File(f"{T}/again.h5", "r")
assert len(json.loads(g.attrs["purge_log"])) == 2 and json.loads(g.attrs["purge_log"])[1]["stays_removed"] == 0
print(f"purge: {(~keep).sum()} stays destroyed, {keep.sum()} kept ({across.sum()} across the cutoff), "
      f"{(visitor & ~alive).sum()} visitors removed, {pkeep.sum()} persons kept")
PY
# The kept stays' bucket counts, for index's one pass over them (re-keyed too: pids play no part).
for f in p2 all; do
  $PY "$ROOT/tests/py/check_stay_buckets.py" "$T/$f.h5" > /dev/null || die "$f.h5: /stay_buckets does not count the kept stays"
done

# No clear identity in the `identities: all` file's bytes (uncompressed), nor in any log or
# run record; the in-place keep_recent file, also uncompressed, shows the search finds them.
[ "$(wc -l < "$T/identities.txt")" -gt 7000 ] || die "too few identities to search for"
grep -a -q -F -f "$T/identities.txt" "$T/inplace.h5" || die "the search cannot see identities (positive control)"
if grep -a -o -F -f "$T/identities.txt" "$T/all.h5" > "$T/leak.txt"; then
  die "identities: all left $(wc -l < "$T/leak.txt") clear identities in the file's bytes"
fi
awk '$1 ~ /[AEF]/ {print $2}' "$T/visitors.txt" > "$T/gone.txt"
if grep -a -q -F -f "$T/gone.txt" "$T/inplace.h5"; then die "a removed visitor's identity is in the file's bytes"; fi
if grep -a -l -F -f "$T/identities.txt" "$T"/purge-*.log "$T"/{p1,p2,p3,p4,all,inplace,again}.h5.run.json; then
  die "a purge log or run record holds a clear identity"
fi

# What was made before the purge is refused against the purged dataset.
trace_cfg "$T/p2.h5" "$T/trace-after.h5" > "$T/trace-after.yaml"
if run 1 trace --config "$T/trace-after.yaml" > "$T/trace-after.log" 2>&1; then die "trace accepted an index made before the purge"; fi
grep -q "was built from another dataset" "$T/trace-after.log" || { cat "$T/trace-after.log"; die "no clear refusal of the old index"; }
[ ! -e "$T/trace-after.h5" ] || die "a refused trace left an output"
# The purged dataset is a dataset: trace (in memory, no index) runs on it and finds the outbreak.
printf 'data: %s\ncases: %s\nkey: %s\noutput: %s\nhops: 1\nquiet: true\n' "$T/p2.h5" "$T/cases.csv" "$T/key" "$T/trace-p2.h5" > "$T/trace-p2.yaml"
run 2 trace --config "$T/trace-p2.yaml" > "$T/trace-p2.log" 2>&1 || { cat "$T/trace-p2.log"; die "trace on the purged dataset failed"; }
$PY -c "import h5py,json,sys; c=json.loads(h5py.File(sys.argv[1],'r').attrs['counts']); assert c['hop0'] == 10 and c['hop1'] > 0, c" \
  "$T/trace-p2.h5" || die "trace on the purged dataset lost the cases"
printf 'input: %s\ndata: %s\noutput: %s\nquiet: true\n' "$T/trace-before.h5" "$T/p2.h5" "$T/lists" > "$T/dispatch.yaml"
if run 1 dispatch --config "$T/dispatch.yaml" > "$T/dispatch.log" 2>&1; then die "dispatch accepted a trace made before the purge"; fi
grep -q "was not made from .*stays_checksum differs" "$T/dispatch.log" || { cat "$T/dispatch.log"; die "no clear refusal of the old trace"; }
# Without clear identities: breakdowns still run, lists can no longer be made (trace refuses).
printf 'data: %s\noutput: %s\nquiet: true\n' "$T/all.h5" "$T/bd.h5" > "$T/bd.yaml"
run 2 breakdown --config "$T/bd.yaml" > "$T/bd.log" 2>&1 || { cat "$T/bd.log"; die "breakdown on the purged (identities: all) dataset failed"; }
printf 'data: %s\ncases: %s\nkey: %s\noutput: %s\nquiet: true\n' "$T/all.h5" "$T/cases.csv" "$T/key" "$T/trace-all.h5" > "$T/trace-all.yaml"
if run 1 trace --config "$T/trace-all.yaml" > "$T/trace-all.log" 2>&1; then die "trace ran on a dataset without clear identities"; fi
grep -q "has no dataset identities" "$T/trace-all.log" || { cat "$T/trace-all.log"; die "no clear refusal of a dataset without identities"; }

# Bad retentions: config errors (exit 2) naming file and line, nothing written.
bad() { # name, expected message, config lines...
  local name=$1 msg=$2 st=0; shift 2
  { echo "data: $T/data.h5"; echo "output: $T/bad.h5"; printf '%s\n' "$@"; } > "$T/bad-$name.yaml"
  "$PAICHA" purge --config "$T/bad-$name.yaml" > "$T/bad-$name.log" 2>&1 || st=$?  # one rank, no mpirun
  [ "$st" = 2 ] || { cat "$T/bad-$name.log"; die "retention $name: exit $st, not 2"; }
  grep -q "$msg" "$T/bad-$name.log" || { cat "$T/bad-$name.log"; die "retention $name: no clear message"; }
  [ ! -e "$T/bad.h5" ] || die "a refused purge wrote an output"
}
bad negative "bad-negative.yaml:3:[0-9]*: retention: bad duration '-10d'" "retention: -10d"
bad missing "retention.*required\|required.*retention" "quiet: true"
bad seconds "bad-seconds.yaml:3:[0-9]*: retention: duration 28 is out of range" "retention: 28"
bad mode "bad-mode.yaml:4:[0-9]*: identities" "retention: 10d" "identities: some"
"$PAICHA" purge --help | grep -q "retention: duration (\[1h..3660d\]; required)" || die "purge --help lacks retention"
echo "t_purge: ok"
