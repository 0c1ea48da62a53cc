# t_bounds - `paicha bounds` measures what the machine can do per rank and writes it as bench/rates.yaml's `bounds:` line (owner only, no scratch file left, accepted by the rates compiler and by plan); the index's phase table compares its phases with those bounds.
. "$(dirname "$0")/lib.sh"
mkdir -m 700 "$T/out"
for np in 1 2; do
  printf 'output: %s\nsize_mb: 8\n' "$T/out/b$np.yaml" > "$T/b$np.cfg"
  run $np bounds --config "$T/b$np.cfg" > "$T/b$np.log" 2>&1 || { cat "$T/b$np.log"; die "bounds at $np ranks failed"; }
  [ "$(stat -c %a "$T/out/b$np.yaml")" = 600 ] || die "the bounds file is not owner-only"
done
# Only the two outputs and their run records: every scratch file removed.
[ "$(ls -A "$T/out" | sort | tr '\n' ' ')" = "b1.yaml b1.yaml.run.json b2.yaml b2.yaml.run.json " ] \
  || { ls -la "$T/out"; die "bounds left files behind"; }
$PY - "$T/out" <<'PY' || die "the bounds figures are missing or wrong"
import json, sys, yaml
d = sys.argv[1]
for np in (1, 2):
    line = yaml.safe_load(open(f"{d}/b{np}.yaml"))["bounds"]
    rec = json.load(open(f"{d}/b{np}.yaml.run.json"))["bounds"]
    assert set(line) == {"read_mb_s", "memory_mb_s", "network_mb_s", "write_mb_s", "remove_mb_s"}, line
    for k in ("read_mb_s", "memory_mb_s", "write_mb_s", "remove_mb_s", "disk_read_mb_s",
              "disk_write_mb_s", "touch_mb_s"):
        assert rec[k] > 0, (np, k, rec)
    for k in line:  # the line is the record's figures, rounded
        assert abs(line[k] - rec[k]) <= 0.5, (k, line[k], rec[k])
    # One rank sends nothing to others; two do.
    assert (rec["network_mb_s"] > 0) == (np == 2), (np, rec)
PY
# The line goes into a rates file as it is: the compiler and plan take it.
{ sed -n '/^machine:/,/^measured:/p' "$ROOT/bench/rates.yaml"; cat "$T/out/b2.yaml";
  sed -n '/^jobs:/,$p' "$ROOT/bench/rates.yaml"; } > "$T/rates.yaml"
bash "$ROOT/tools/rates2c.sh" "$T/rates.yaml" > "$T/rates.h"
want=$($PY -c "import yaml; b = yaml.safe_load(open('$T/out/b2.yaml'))['bounds']; print(', '.join(str(b[k]) for k in ('read_mb_s', 'memory_mb_s', 'network_mb_s', 'write_mb_s')))")
grep -q "pc_rates_bounds\[\] = {0, $want};" "$T/rates.h" || { cat "$T/rates.h"; die "rates2c did not compile the bounds line"; }
printf 'job: index\npersons: 1000\nstays: 100000\nrates: %s\n' "$T/rates.yaml" > "$T/plan.yaml"
run 1 plan --config "$T/plan.yaml" > "$T/plan.log" 2>&1 || { cat "$T/plan.log"; die "plan refused a rates file with bounds"; }
# The index's phases against the bounds compiled in: count reads, shuffle sends, sort
# passes through memory, write writes; each with its bytes and the share of the bound.
synth_cfg 3000 "$T/d.h5" 3 > "$T/s.yaml"
echo "days: 7" >> "$T/s.yaml"
run 2 synth --config "$T/s.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
printf 'data: %s\nindex: %s\n' "$T/d.h5" "$T/i.h5" > "$T/i.yaml"
run 2 index --config "$T/i.yaml" > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index failed"; }
$PY - "$T/i.h5.run.json" "$T/index.log" "$T/d.h5" <<'PY' || die "the index's phases lack their bounds"
import json, re, sys, h5py
rec = {p["name"]: p for p in json.load(open(sys.argv[1]))["phases"]}
want = {"count": "read", "shuffle": "network", "sort": "memory", "write": "write"}
for name, kind in want.items():
    p = rec[name]
    assert p["bound"] == kind and p["bytes"] > 0 and p["bound_share"] > 0, p
# synth's dataset counts its stays by bucket: count reads those counts and the persons'
# households, and the stays once, in the shuffle.
f = h5py.File(sys.argv[3], "r")
persons, counts = f["persons"], f["stay_buckets"]
assert rec["count"]["bytes"] == persons.shape[0] * persons.dtype.itemsize + counts.shape[0] * 8, \
    (rec["count"], persons.dtype.itemsize)
assert "bound" not in rec["open"], rec["open"]
rows = {l.split()[0]: l for l in open(sys.argv[2]) if re.match(r"^ *(open|count|shuffle|sort|write) ", l)}
for name, kind in want.items():
    assert re.search(rf"  [0-9]+% {kind}$", rows[name].rstrip()), rows[name]
assert not re.search(r"%", rows["open"]), rows["open"]
PY
echo "bounds: figures at 1 and 2 ranks, owner-only line the rates compiler and plan take; index phases against them"
