# t_slurm - a real single-node Slurm (munge, slurmctld, slurmd under the test's scratch
# directory): the project's trace.sbatch gives the same outputs as mpirun and records the
# Slurm job in the output and the run record; jobs/emergency chains trace and lists (and
# rebuilds the index first only when it is older than the dataset) and its outputs equal a
# manual run's; the daemons are stopped by their PIDs. Skipped, saying so, only where Slurm
# is not installed (tools/deps.sh installs it).
. "$(dirname "$0")/lib.sh"
local_slurm t_slurm
# A small province with movement, its index and a reference trace, with mpirun.
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
printf 'data: %s\nindex: %s\nquiet: true\n' "$T/data.h5" "$T/index.h5" > "$T/index.yaml"
run 2 index --config "$T/index.yaml" > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index failed"; }
trace_cfg() { printf 'data: %s\nindex: %s\ncases: %s\nkey: %s\noutput: %s\ncompanions_of: [0, 1]\nquiet: true\n' \
  "$T/data.h5" "$T/index.h5" "$T/cases.csv" "$T/key" "$1"; }
trace_cfg "$T/ref.h5" > "$T/ref.yaml"
run 2 trace --config "$T/ref.yaml" > "$T/ref.log" 2>&1 || { cat "$T/ref.log"; die "mpirun trace failed"; }
printf 'input: %s\ndata: %s\noutput: %s\nquiet: true\n' "$T/ref.h5" "$T/data.h5" "$T/ref-lists" > "$T/d.yaml"
run 2 dispatch --config "$T/d.yaml" > "$T/d.log" 2>&1 || { cat "$T/d.log"; die "mpirun dispatch failed"; }

# 1. The project's sbatch script, submitted and waited for.
mkdir -p "$T/batch"
trace_cfg "$T/batch/trace.h5" > "$T/batch/trace.yaml"
jid=$(sbatch --parsable --wait --chdir="$T/batch" "$ROOT/jobs/slurm/trace.sbatch" "$T/batch/trace.yaml") \
  || { cat "$T"/batch/*.err 2>/dev/null; die "sbatch trace.sbatch failed"; }
[ -s "$T/batch/paicha-trace-$jid.out" ] || die "no output file named by the job id"
grep -q "Slurm job $jid on localhost, 2 tasks" "$T/batch/paicha-trace-$jid.out" || die "the batch log does not name the job"
$PY "$ROOT/tests/py/compare.py" "$T/ref.h5" "$T/batch/trace.h5" --datasets contacts companions breakdown > "$T/cmp.log" \
  || { cat "$T/cmp.log"; die "trace under Slurm differs from mpirun's"; }
$PY - "$T/batch/trace.h5" "$jid" <<'PY' || die "the Slurm job is not recorded in the output and run record"
import json, sys, h5py
f, jid = h5py.File(sys.argv[1], "r"), sys.argv[2]
assert f.attrs["slurm_job_id"].decode() == jid and f.attrs["slurm_nodelist"].decode() == "localhost"
r = json.load(open(sys.argv[1] + ".run.json"))
assert r["slurm_job_id"] == jid and r["ranks"] == 2, r
PY
echo "sbatch trace.sbatch: job $jid, outputs equal mpirun's"

# 2. The emergency rerun with a fresh index: trace then lists, no index job.
trace_cfg "$T/unused.h5" > "$T/em.yaml"
(cd "$T" && "$ROOT/jobs/emergency" "$T/cases.csv" "$T/em.yaml" --dir "$T/em1" --wait) > "$T/em1.log" 2>&1 \
  || { cat "$T/em1.log"; cat "$T"/em1/*.err 2>/dev/null; die "jobs/emergency failed"; }
cat "$T/em1.log"
! grep -q "^index: job" "$T/em1.log" || die "emergency rebuilt an index that was up to date"
$PY "$ROOT/tests/py/compare.py" "$T/ref.h5" "$T/em1/trace.h5" --datasets contacts companions breakdown > "$T/cmp.log" \
  || { cat "$T/cmp.log"; die "the emergency trace differs from a manual run"; }
for f in "$T"/ref-lists/*.csv; do
  cmp -s "$f" "$T/em1/lists/$(basename "$f")" || die "emergency list $(basename "$f") differs from a manual dispatch"
done
[ "$(ls "$T"/em1/lists/*.csv | wc -l)" = "$(ls "$T"/ref-lists/*.csv | wc -l)" ] || die "emergency wrote another set of lists"

# 3. The dataset is newer than the index: the index is rebuilt first, as a dependency.
touch "$T/data.h5"
(cd "$T" && "$ROOT/jobs/emergency" "$T/cases.csv" "$T/em.yaml" --dir "$T/em2" --wait) > "$T/em2.log" 2>&1 \
  || { cat "$T/em2.log"; cat "$T"/em2/*.err 2>/dev/null; die "jobs/emergency with a stale index failed"; }
cat "$T/em2.log"
grep -q "^index: job" "$T/em2.log" || die "emergency did not rebuild an index older than the dataset"
[ "$T/index.h5" -nt "$T/data.h5" ] || die "the index was not rebuilt"
$PY "$ROOT/tests/py/compare.py" "$T/ref.h5" "$T/em2/trace.h5" --datasets contacts companions breakdown > "$T/cmp.log" \
  || { cat "$T/cmp.log"; die "the emergency trace after an index rebuild differs"; }

# 4. The daemons stop by their PIDs.
pids=$(cat "$SL"/pids/*.pid)
"$ROOT/tools/slurm-local.sh" stop "$SL"
for p in $pids; do ! kill -0 "$p" 2>/dev/null || die "daemon $p still running"; done
echo "t_slurm: ok"
