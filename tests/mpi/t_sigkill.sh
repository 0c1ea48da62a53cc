# t_sigkill - one rank killed with SIGKILL (the OOM killer, a node lost) mid-job: the job
# ends on every rank within 30 s with a non-zero exit, nothing appears at the output path
# (the previous result stays as it was), and a rerun removes the temporary file the killed
# run could not, and gives the identical result. Struck twice: index with its output
# complete under the temporary name but not yet renamed (rank 1 killed), and trace in the
# middle of its first hop (rank 1 killed); and index at the same point with rank 1 killed:
# rank 0, told to stop, must not publish.
. "$(dirname "$0")/lib.sh"
cat > "$T/synth.yaml" <<CFG
key: $T/key
data: $T/data.h5
seed: 4
persons: 4000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 8}
cases_csv: $T/cases.csv
quiet: true
CFG
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
printf 'data: %s\nindex: %s\nquiet: true\n' "$T/data.h5" "$T/ref-index.h5" > "$T/ref-index.yaml"
run 2 index --config "$T/ref-index.yaml" > /dev/null 2>&1 || die "reference index failed"
printf 'data: %s\nindex: %s\nquiet: true\n' "$T/data.h5" "$T/index.h5" > "$T/index.yaml"
cat > "$T/trace.yaml" <<CFG
data: $T/data.h5
index: $T/ref-index.h5
cases: $T/cases.csv
key: $T/key
output: $T/trace.h5
hops: 2
quiet: true
CFG
run 2 trace --config "$T/trace.yaml" > /dev/null 2>&1 || die "reference trace failed"
cp "$T/trace.h5" "$T/ref-trace.h5"

# strike JOB CONFIG POINT RANK: start JOB at 2 ranks held at POINT, SIGKILL rank RANK.
strike() {
  local job=$1 cfg=$2 point=$3 victim=$4
  PAICHA_STALL_PHASE="$point" timeout 120 mpirun -n 2 --oversubscribe --allow-run-as-root \
    -x PAICHA_STALL_PHASE "$PAICHA" "$job" --config "$cfg" > "$T/strike.log" 2>&1 &
  local mp=$!
  for _ in $(seq 600); do grep -q "holding phase '$point'" "$T/strike.log" && break; sleep 0.1; done
  grep -q "holding phase '$point'" "$T/strike.log" || { kill "$mp"; cat "$T/strike.log"; die "$job never reached '$point'"; }
  sleep 0.3
  # The rank processes, in rank order (Open MPI sets OMPI_COMM_WORLD_RANK in each).
  local pid target=""
  for pid in $(pgrep -f "paicha $job --config $cfg" | grep -v "^$mp$"); do
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$victim" && target=$pid
  done
  [ -n "$target" ] || { kill "$mp"; die "rank $victim of $job not found"; }
  local t0=$SECONDS
  kill -KILL "$target"
  set +e; wait "$mp"; local rc=$?; set -e
  local took=$((SECONDS - t0))
  [ $rc -ne 0 ] || { cat "$T/strike.log"; die "$job with a rank killed exited 0"; }
  [ $took -le 30 ] || die "$job took $took s to end after a rank was killed"
  sleep 1
  ! pgrep -f "paicha $job --config $cfg" > /dev/null || { pkill -9 -f "paicha $job --config $cfg"; die "ranks of $job survived the kill"; }
  echo "$job: rank $victim killed at '$point': ended in $took s, exit $rc"
}

# 1. index, complete under its temporary name, rank 0 (which renames) killed before the rename.
strike index "$T/index.yaml" commit 0
[ ! -e "$T/index.h5" ] || die "an output appeared at the final path after the kill"
ls -A "$T" | grep -q '^\.index\.h5\.tmp\.' || die "expected the killed run's temporary file (the test did not strike in time)"
run 2 index --config "$T/index.yaml" > "$T/rerun.log" 2>&1 || { cat "$T/rerun.log"; die "rerun of index failed"; }
grep -q "removed 1 temporary file of $T/index.h5 left by an interrupted run" "$T/rerun.log" \
  || { cat "$T/rerun.log"; die "the rerun did not remove the stale temporary file"; }
! ls -A "$T" | grep -q '\.tmp\.' || die "temporary files left after the rerun"
$PY "$ROOT/tests/py/compare.py" "$T/ref-index.h5" "$T/index.h5" --datasets place_rows bucket_start stays_dir > "$T/c.log" \
  || { cat "$T/c.log"; die "the rerun's index differs"; }

# 2. trace in its first hop, rank 1 killed; the previous trace output stays as it was.
strike trace "$T/trace.yaml" "hop 1" 1
cmp -s "$T/trace.h5" "$T/ref-trace.h5" || die "the killed trace changed the previous result"
run 2 trace --config "$T/trace.yaml" > "$T/rerun2.log" 2>&1 || { cat "$T/rerun2.log"; die "rerun of trace failed"; }
$PY "$ROOT/tests/py/compare.py" "$T/ref-trace.h5" "$T/trace.h5" --datasets contacts companions breakdown > "$T/c2.log" \
  || { cat "$T/c2.log"; die "the rerun's trace differs"; }
! ls -A "$T" | grep -q '\.tmp\.' || die "temporary files left"
# 3. index before the rename again, rank 1 killed: rank 0 must not publish.
rm -f "$T/index.h5"
strike index "$T/index.yaml" commit 1
[ ! -e "$T/index.h5" ] || die "rank 0 published the output of a job whose rank 1 was killed"
echo "sigkill: all jobs ended, nothing published, reruns identical"
