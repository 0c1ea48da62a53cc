# t_signal - SIGTERM as Slurm sends it before the time limit (to every task): the job stops
# with one message naming the phase, a non-zero exit, no temporary file left, and the
# previous result at the output path untouched.
. "$(dirname "$0")/lib.sh"
synth_cfg 3000 "$T/d.h5" 1 > "$T/s.yaml"
run 2 synth --config "$T/s.yaml" > /dev/null 2>&1 || die "first synth failed"
cp "$T/d.h5" "$T/before.h5"
sed -i 's/^seed: 1/seed: 2/' "$T/s.yaml"   # a rerun that would write something else
PAICHA_STALL_PHASE=write timeout 120 mpirun -n 2 --oversubscribe --allow-run-as-root -x PAICHA_STALL_PHASE \
  "$PAICHA" synth --config "$T/s.yaml" > "$T/out.log" 2>&1 &
mp=$!
# Wait for the job to hold its write phase, then signal the ranks themselves, as
# slurmstepd does.
for _ in $(seq 300); do grep -q "holding phase 'write'" "$T/out.log" && break; sleep 0.1; done
grep -q "holding phase 'write'" "$T/out.log" || { kill "$mp"; cat "$T/out.log"; die "the job never reached its write phase"; }
sleep 0.3 # the other rank reaches the phase's agreement too
pids=$(pgrep -f "paicha synth --config $T/s.yaml" | grep -v "^$mp$" || true)
[ -n "$pids" ] || die "no rank processes found"
t0=$SECONDS
kill -TERM $pids
set +e; wait "$mp"; rc=$?; set -e
cat "$T/out.log"
[ $rc -ne 0 ] || die "a job stopped by SIGTERM exited 0"
[ $((SECONDS - t0)) -le 30 ] || die "the job took more than 30 s to stop"
grep -q "stopped by SIGTERM in phase 'write'" "$T/out.log" || die "no message naming the signal and the phase"
[ "$(grep -c 'error:' "$T/out.log")" = 1 ] || die "not exactly one error message"
[ -z "$(ls -A "$T" | grep '\.tmp\.' || true)" ] || die "temporary file left after SIGTERM"
cmp -s "$T/d.h5" "$T/before.h5" || die "the previous result was changed by the stopped run"
echo "t_signal: ok (stopped in $((SECONDS - t0)) s)"
