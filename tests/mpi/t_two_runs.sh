# t_two_runs - two runs at once never delete each other's work (issue 21). For each writing
# job: three runs of one output at once - one publishes (equal to a lone run's output), the
# other two stop naming it (host, pid, start) without touching its temporary file; with
# busy_output: wait, a second run queues behind the first instead. A killed
# run's leftovers are removed by the next run, a live run's are not. Two "hosts"
# (PAICHA_TEST_HOST): a live run elsewhere whose pid does not exist here still holds its
# output, and a dead run's leftover whose pid happens to be alive here is still removed.
. "$(dirname "$0")/lib.sh"
small_run 5
cat > "$T/screen.yaml" <<CFG
data: $T/data.h5
output: $T/screen.h5
areas: [{name: centre, regions: ["4301"], from: 2021-07-27T00:00, to: 2021-08-09T00:00, min_dwell: 2h}]
quiet: true
CFG
printf 'data: %s\noutput: %s\nquiet: true\n' "$T/data.h5" "$T/breakdown.h5" > "$T/breakdown.yaml"
printf 'trace: %s\ndata: %s\noutput: %s\nquiet: true\n' "$T/trace.h5" "$T/data.h5" "$T/report.html" \
  > "$T/report.yaml"
sed "s#$T/data.h5#$T/data2.h5#; s#cases_csv: .*#cases_csv: $T/cases2.csv#" "$T/synth.yaml" > "$T/synth2.yaml"
printf 'data: %s\noutput: %s\nretention: 7d\nquiet: true\n' "$T/data.h5" "$T/purged.h5" > "$T/purge.yaml"
printf 'input: %s\ndata: %s\noutput: %s\nquiet: true\n' "$T/trace.h5" "$T/data.h5" "$T/lists" > "$T/dispatch.yaml"
# The agencies' CSV of a small province, for ingest.
printf 'key: %s\ndata: %s\nseed: 2\npersons: 800\ndays: 14\nas_of: 2021-08-09T00:00\noutbreak: {cases: 2}\ncsv: %s\nquiet: true\n' \
  "$T/key" "$T/csvsrc.h5" "$T/csv" > "$T/csv.yaml"
run 1 synth --config "$T/csv.yaml" > "$T/csv.log" 2>&1 || { cat "$T/csv.log"; die "synth of the CSV failed"; }
cat > "$T/ingest.yaml" <<CFG
key: $T/key
data: $T/ingested.h5
input: {regions: $T/csv/regions.csv, persons: $T/csv/persons.csv, stays: $T/csv/stays.csv}
as_of: 2021-08-09T00:00
days: 14
quiet: true
CFG
sed "s#$T/index.h5#$T/index2.h5#" "$T/index.yaml" > "$T/index2.yaml"
sed "s#$T/trace.h5#$T/trace2.h5#" "$T/trace.yaml" > "$T/trace2.yaml"

# hold JOB CONFIG LOG [env...]: start JOB at 1 rank held at "commit" (its output complete
# under the temporary name) until `release` (at most 60 s); returns when it is held; $held
# is mpirun's pid.
holds=0
hold() {
  local job=$1 cfg=$2 log=$3; shift 3
  rm -f "$log" # the last run's line must not be taken for this one's
  holds=$((holds + 1)) rel="$T/release.$holds"
  env "$@" PAICHA_STALL_PHASE=commit PAICHA_STALL_SECONDS=60 PAICHA_STALL_UNTIL="$rel" \
    timeout 120 mpirun -n 1 --allow-run-as-root "$PAICHA" "$job" --config "$cfg" > "$log" 2>&1 &
  held=$!
  for _ in $(seq 600); do grep -qs "holding phase 'commit'" "$log" && return 0; sleep 0.1; done
  cat "$log"; die "$job never reached its commit"
}
release() { : > "$rel"; } # the held run goes on to publish
# refused JOB CONFIG LOG [env...]: JOB must stop, naming the run that writes its output.
refused() {
  local job=$1 cfg=$2 log=$3; shift 3
  set +e; env "$@" timeout 120 mpirun -n 1 --allow-run-as-root "$PAICHA" "$job" --config "$cfg" \
    > "$log" 2>&1; local rc=$?; set -e
  [ $rc -ne 0 ] || { cat "$log"; die "$job ran beside a live run of its output and exited 0"; }
  grep -q "is being written by another run (host [A-Za-z0-9-]*, pid [0-9]*, started " "$log" \
    || { cat "$log"; die "$job: no message naming the other run"; }
}

# three JOB CONFIG OUT: a lone run's output, then three at once.
three() {
  local job=$1 cfg=$2 out=$3 d b
  d=$(dirname "$out") b=$(basename "$out")
  run 1 "$job" --config "$cfg" > "$T/lone.log" 2>&1 || { cat "$T/lone.log"; die "lone $job failed"; }
  rm -rf "$T/lone" "$T/race" && mkdir "$T/lone" "$T/race" && mv "$out" "$T/lone/$b"
  hold "$job" "$cfg" "$T/a.log"
  local tmp; tmp=$(ls -a "$d" | grep -E "^\.?$b\.tmp\." || true) # a file's .NAME.tmp.*, a directory's NAME.tmp.*
  [ -n "$tmp" ] || die "$job held at commit has no temporary file"
  refused "$job" "$cfg" "$T/b.log" & local pb=$!
  refused "$job" "$cfg" "$T/c.log" & local pc=$!
  wait $pb || die "second $job"
  wait $pc || die "third $job"
  [ -e "$d/$tmp" ] || die "$job: a refused run removed the live run's temporary file"
  local pid; pid=$(sed -n 's/.*another run (host [^,]*, pid \([0-9]*\),.*/\1/p' "$T/b.log" | head -1)
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "paicha $job --config $cfg" \
    || { cat "$T/b.log"; die "$job: the message does not name the live run's pid"; }
  release
  wait "$held" || { cat "$T/a.log"; die "the held $job failed"; }
  mv "$out" "$T/race/$b"
  [ -z "$(ls -a "$d" | grep -E "^\.?$b\.(tmp|old)\.|^\.$b\.lock$" || true)" ] || die "$job left a temporary or lock file"
  # The digest leaves out run-time attributes; purge's own (its time and log) too.
  "$PY" "$ROOT/tools/golden.py" digest "$T/lone" | grep -Ev '@(purged_at|purge_log) ' > "$T/lone.dig"
  "$PY" "$ROOT/tools/golden.py" digest "$T/race" | grep -Ev '@(purged_at|purge_log) ' > "$T/race.dig"
  cmp -s "$T/lone.dig" "$T/race.dig" || { diff "$T/lone.dig" "$T/race.dig" | head; die "$job: the published output differs from a lone run's"; }
  cp "$T/lone.dig" "$T/lone-$b.dig"
  mv "$T/race/$b" "$out"
  echo "$job: one of three runs published (equal to a lone run's), two refused naming it"
}
three synth "$T/synth2.yaml" "$T/data2.h5"
three index "$T/index2.yaml" "$T/index2.h5"
three trace "$T/trace2.yaml" "$T/trace2.h5"
three screen "$T/screen.yaml" "$T/screen.h5"
three breakdown "$T/breakdown.yaml" "$T/breakdown.h5"
three report "$T/report.yaml" "$T/report.html"
three purge "$T/purge.yaml" "$T/purged.h5"
three ingest "$T/ingest.yaml" "$T/ingested.h5"
three dispatch "$T/dispatch.yaml" "$T/lists"

# busy_output: wait - the second run queues behind the first, then publishes the same.
hold trace "$T/trace2.yaml" "$T/w1.log"
(echo "busy_output: wait"; grep -v '^quiet' "$T/trace2.yaml") > "$T/trace2-wait.yaml"
run 1 trace --config "$T/trace2-wait.yaml" > "$T/w2.log" 2>&1 & w2=$!
for _ in $(seq 600); do grep -qs "waiting: " "$T/w2.log" && break; sleep 0.1; done
release
wait "$w2" || { cat "$T/w2.log"; die "a waiting run failed"; }
wait "$held" || { cat "$T/w1.log"; die "the first run (waited for) failed"; }
grep -q "waiting: $T/trace2.h5 is being written by another run (host " "$T/w2.log" \
  || { cat "$T/w2.log"; die "busy_output: wait did not say whom it waits for"; }
rm -rf "$T/race" && mkdir "$T/race" && cp "$T/trace2.h5" "$T/race/trace2.h5"
# Its config says busy_output: wait; everything else is a lone run's.
"$PY" "$ROOT/tools/golden.py" digest "$T/race" | grep -v '/@config ' > "$T/race.dig"
grep -v '/@config ' "$T/lone-trace2.h5.dig" | cmp -s - "$T/race.dig" || die "the run that waited published other than a lone run"
echo "busy_output: wait: the second run waited for the first, then published"

# A killed run's leftovers go, a live run's stay: X killed at its commit; L, started after,
# removes X's temporary file when it makes its own; N, started while L is live, is refused.
rm -f "$T/trace2.h5"
hold trace "$T/trace2.yaml" "$T/x.log"
pkill -KILL -f "^$PAICHA trace --config $T/trace2.yaml" || true
wait "$held" 2>/dev/null || true
xtmp=$(ls -a "$T" | grep '^\.trace2\.h5\.tmp\.' || true)
[ -n "$xtmp" ] || die "the killed trace left no temporary file to clean"
hold trace "$T/trace2.yaml" "$T/l.log"
[ ! -e "$T/$xtmp" ] || die "the next run kept the killed run's temporary file"
ltmp=$(ls -a "$T" | grep '^\.trace2\.h5\.tmp\.' || true)
[ -n "$ltmp" ] || die "the live run has no temporary file"
refused trace "$T/trace2.yaml" "$T/n.log"
[ -e "$T/$ltmp" ] || die "a run started beside a live one removed its temporary file"
release
wait "$held" || die "the live trace failed"
echo "killed + live: the killed run's leftover removed, the live run's kept, a third refused"

# Two hosts. A live run on host "beta" (a process holding the output's lock, as a run
# there would, with a pid that does not exist here): a run on host "alpha" is refused and
# leaves beta's temporary file alone. Then a dead run's leftover from beta whose pid is
# alive here (this shell's): removed, since no run holds the output.
rm -f "$T/trace2.h5"
ghost=999999; while kill -0 $ghost 2>/dev/null; do ghost=$((ghost - 1)); done
: > "$T/.trace2.h5.tmp.beta.$ghost.00000000000000aa"
"$PY" - "$T/.trace2.h5.lock" "$ghost" "$T/beta.ready" <<'PY' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.write(fd, f"host beta, pid {sys.argv[2]}, started 2021-08-09 03:00:00 CST\n".encode())
open(sys.argv[3], "w").close()
time.sleep(20)
PY
beta=$!
for _ in $(seq 100); do [ -e "$T/beta.ready" ] && break; sleep 0.1; done
refused trace "$T/trace2.yaml" "$T/alpha.log" PAICHA_TEST_HOST=alpha
grep -q "host beta, pid $ghost" "$T/alpha.log" || { cat "$T/alpha.log"; die "not named: the run on beta"; }
[ -e "$T/.trace2.h5.tmp.beta.$ghost.00000000000000aa" ] || die "beta's live temporary file removed"
kill "$beta"; wait "$beta" 2>/dev/null || true
rm -f "$T/.trace2.h5.tmp.beta.$ghost.00000000000000aa"
: > "$T/.trace2.h5.tmp.beta.$$.00000000000000bb"
PAICHA_TEST_HOST=alpha run 1 trace --config "$T/trace2.yaml" > "$T/alpha2.log" 2>&1 \
  || { cat "$T/alpha2.log"; die "trace on alpha failed"; }
[ ! -e "$T/.trace2.h5.tmp.beta.$$.00000000000000bb" ] || die "a dead run's leftover kept because its pid is alive here"
echo "two hosts: a live run elsewhere holds its output; a dead one's leftover goes whatever its pid"
