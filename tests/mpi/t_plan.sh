# t_plan - paicha plan reads the data's size from a dataset, predicts memory per rank and
# time from bench/rates.yaml, says when a job does not fit and how many nodes would, and
# prints an sbatch header and the province plan.
. "$(dirname "$0")/lib.sh"
synth_cfg 3000 "$T/data.h5" > "$T/synth.yaml"
echo "days: 14" >> "$T/synth.yaml"
run 1 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
cat > "$T/plan.yaml" <<CFG
job: index
data: $T/data.h5
nodes: 1
tasks_per_node: 2
rates: $ROOT/bench/rates.yaml
province: true
quiet: true
CFG
run 1 plan --config "$T/plan.yaml" > "$T/plan.log" 2>&1 || { cat "$T/plan.log"; die "plan failed"; }
cat "$T/plan.log"
$PY - "$T/plan.log" "$T/data.h5" "$ROOT/bench/rates.yaml" <<'PY' || die "the plan is not what the rates give"
import re, sys, h5py, yaml
log = open(sys.argv[1]).read()
f = h5py.File(sys.argv[2], "r")
m = yaml.safe_load(open(sys.argv[3]))["jobs"]["index"]
per_rank = f.attrs["stays"] / 2
want = (m["mem_base_mb"] * 2**20 + m["mem_per_item_b"] * per_rank) / 2**30
got = float(re.search(r"memory per rank ([0-9.]+) GB", log).group(1))
assert abs(got - want) < 0.01, (got, want)
assert f"{f.attrs['persons']} persons, {f.attrs['stays']} stays" in log, "sizes not read from the dataset"
assert "#SBATCH --nodes=1" in log and "#SBATCH --ntasks-per-node=2" in log and "sbatch jobs/slurm/index.sbatch" in log
assert re.search(r"^\s+256\s+16384\s", log, re.M), "no province plan on 256 nodes"
PY
grep -q "note: .*no /stay_buckets" "$T/plan.log" && die "plan says synth's dataset has no /stay_buckets"
# A dataset without the stays' bucket counts (another tool's): index will read /stays twice.
cp "$T/data.h5" "$T/bare.h5"
$PY -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); del f['stay_buckets']" "$T/bare.h5"
sed "s#^data: .*#data: $T/bare.h5#" "$T/plan.yaml" > "$T/bare.yaml"
run 1 plan --config "$T/bare.yaml" > "$T/bare.log" 2>&1 || { cat "$T/bare.log"; die "plan of the bare dataset failed"; }
grep -q "note: $T/bare.h5 has no /stay_buckets counting its stays.*index will read /stays twice" "$T/bare.log" \
  || { cat "$T/bare.log"; die "plan does not say index will read the bare dataset's stays twice"; }
# A node too small: said before anything runs, with the node count that would fit.
sed -e 's/^province: true/province: false/' "$T/plan.yaml" > "$T/small.yaml"
cat >> "$T/small.yaml" <<CFG
persons: 66444900
stays: 10000000000
memory_per_node_gb: 64
CFG
sed -i "/^data:/d" "$T/small.yaml"
run 1 plan --config "$T/small.yaml" > "$T/small.log" 2>&1 || { cat "$T/small.log"; die "plan (small nodes) failed"; }
grep -q "does NOT fit" "$T/small.log" || { cat "$T/small.log"; die "plan did not say the job does not fit"; }
n=$(sed -n 's/.*; \([0-9]*\) node(s) of 2 ranks would fit/\1/p' "$T/small.log")
[ -n "$n" ] && [ "$n" -gt 1 ] || { cat "$T/small.log"; die "plan did not say how many nodes would fit"; }
sed -i "s/^nodes: 1/nodes: $n/" "$T/small.yaml"
run 1 plan --config "$T/small.yaml" > "$T/fit.log" 2>&1 || die "plan at $n nodes failed"
! grep -q "does NOT fit" "$T/fit.log" || { cat "$T/fit.log"; die "the node count plan named does not fit either"; }
# The daily append: its own rates, index's sbatch, and a rebuild's prediction beside it, with
# which of the two is the faster - the rebuild on this node (it is, by the rates), the append
# where the network is slow (it moves less).
sed -e 's/^job: index/job: append/' -e 's/^province: true/province: false/' "$T/plan.yaml" > "$T/append.yaml"
run 1 plan --config "$T/append.yaml" > "$T/append.log" 2>&1 || { cat "$T/append.log"; die "plan of append failed"; }
cat > "$T/far.yaml" <<CFG
job: append
persons: 66444900
stays: 10000000000
nodes: 64
tasks_per_node: 64
memory_per_node_gb: 256
network_gbs: 0.5
rates: $ROOT/bench/rates.yaml
quiet: true
CFG
run 1 plan --config "$T/far.yaml" > "$T/far.log" 2>&1 || { cat "$T/far.log"; die "plan of a province's append failed"; }
cat "$T/append.log" "$T/far.log"
$PY - "$T/append.log" "$T/far.log" "$T/data.h5" "$ROOT/bench/rates.yaml" <<'PY' || die "append's plan is not what the rates give"
import re, sys, h5py, yaml
near, far = open(sys.argv[1]).read(), open(sys.argv[2]).read()
f = h5py.File(sys.argv[3], "r")
jobs = yaml.safe_load(open(sys.argv[4]))["jobs"]
def pred(m, items, P, net_gbs=None, tpn=2):
    m = {k: float(v) for k, v in m.items() if k != "item"}  # PyYAML reads 1.44e6 as text
    t = m["base_s"] + items / P / m["items_per_s"]
    if net_gbs: t += m["moved_per_item_b"] * items / P / (net_gbs * 1e9 / tpn)
    return (m["mem_base_mb"] * 2**20 + m["mem_per_item_b"] * items / P) / 2**30, t
s = f.attrs["stays"]
am, at = pred(jobs["append"], s, 2)
rm, rt = pred(jobs["index"], s, 2)
got = re.search(r"^predicted: memory per rank ([0-9.]+) GB.*time ([0-9.]+) s", near, re.M)
assert abs(float(got.group(1)) - am) < 0.01 and abs(float(got.group(2)) - at) < 0.05, (got.groups(), am, at)
reb = re.search(r"^a rebuild instead .*memory per rank ([0-9.]+) GB, time ([0-9.]+) s; (.*)$", near, re.M)
assert reb, "no rebuild beside the append"
assert abs(float(reb.group(1)) - rm) < 0.01 and abs(float(reb.group(2)) - rt) < 0.05, (reb.groups(), rm, rt)
assert ("rebuild is the faster" in reb.group(3)) == (rt < at), reb.group(3)
assert "sbatch jobs/slurm/index.sbatch" in near, "append is run by index's sbatch script"
# 4,096 ranks on a slow network: the append's smaller shuffle is the faster
a_t = pred(jobs["append"], 1e10, 4096, 0.5, 64)[1]
r_t = pred(jobs["index"], 1e10, 4096, 0.5, 64)[1]
assert a_t < r_t, "the rates no longer make the append the faster on a slow network: choose another case"
assert "the append is the faster here" in far, far
PY
# An index written over yesterday's: rank 0 removes the old file after the commit, at the
# machine's bounds.remove_mb_s (a file system that discards freed blocks takes seconds for
# gigabytes). Plan adds that time for the file it `replaces`, says so, and says when it cannot.
sed 's/, *remove_mb_s: *[0-9.]*//' "$ROOT/bench/rates.yaml" > "$T/rates-norm.yaml"
sed 's/^bounds: {\(.*\)}/bounds: {\1, remove_mb_s: 2}/' "$T/rates-norm.yaml" > "$T/rates-rm.yaml"
grep -q 'remove_mb_s: 2}' "$T/rates-rm.yaml" || die "no bounds line to give remove_mb_s in"
sed -e 's/^province: true/province: false/' -e "s#^rates: .*#rates: $T/rates-rm.yaml#" "$T/plan.yaml" > "$T/base.yaml"
for w in over gone norm; do
  { cat "$T/base.yaml"; echo "replaces: $T/$([ $w = gone ] && echo nothing.h5 || echo data.h5)"; } > "$T/$w.yaml"
done
sed -i "s#^rates: .*#rates: $T/rates-norm.yaml#" "$T/norm.yaml"
# One config per outbreak: the shared key index is what index (and append) write, so what
# they replace; trace reads it, and replaces nothing.
{ cat "$T/base.yaml"; echo "index: $T/data.h5"; } > "$T/shared.yaml"
sed 's/^job: index/job: trace/' "$T/shared.yaml" > "$T/tshared.yaml"
sed 's/^job: index/job: trace/' "$T/base.yaml" > "$T/tbase.yaml"
for w in base over gone norm shared tshared tbase; do
  run 1 plan --config "$T/$w.yaml" > "$T/$w.log" 2>&1 || { cat "$T/$w.log"; die "plan ($w) failed"; }
done
cat "$T/over.log"
$PY - "$T" "$T/data.h5" <<'PY' || die "plan does not count the removal of the file it replaces"
import os, re, sys
d = sys.argv[1]
def t(w):
    log = open(f"{d}/{w}.log").read()
    return float(re.search(r"^predicted: .*, time ([0-9.]+) s", log, re.M).group(1)), log
base, _ = t("base")
over, log = t("over")
mb = os.path.getsize(sys.argv[2]) / 1e6
want = mb / 2  # remove_mb_s: 2
assert re.search(rf"^replaces {re.escape(sys.argv[2])} \(.*GB\): removed after the commit, "
                 rf"{want:.1f} s at 2 MB/s", log, re.M), log
assert abs(over - base - want) < 0.11, (over, base, want)
gone, log = t("gone")
assert gone == base and re.search(r"^replaces .*nothing.h5: not there", log, re.M), log
norm, log = t("norm")
assert norm == base and "is not counted (the rates have no bounds.remove_mb_s" in log, log
shared, log = t("shared")
assert shared == over and re.search(rf"^replaces {re.escape(sys.argv[2])} ", log, re.M), log
tshared, log = t("tshared")
assert tshared == t("tbase")[0] and "replaces" not in log, log
PY
# Dispatch writes a folder of lists: a file it replaces is not what plan can count. Refused.
printf 'job: dispatch\nflagged: 1000\nreplaces: %s\nrates: %s\n' "$T/data.h5" "$ROOT/bench/rates.yaml" \
  > "$T/disp.yaml"
set +e; "$PAICHA" plan --check --config "$T/disp.yaml" > "$T/disp.log" 2>&1; rc=$?; set -e
[ $rc = 2 ] && grep -q "replaces: dispatch writes a folder of lists" "$T/disp.log" \
  || { cat "$T/disp.log"; die "plan took replaces for dispatch (exit $rc)"; }
echo "t_plan: ok ($n nodes of 2 ranks for the province's index on 64 GB nodes)"
