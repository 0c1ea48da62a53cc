# t_campaign - issue 16's scripted campaign on a small province, checked after every batch
# against tests/py/check_campaign.py (a pandas recomputation from SPEC alone): 1 trace of the
# outbreak with the ledger; 2 `paicha ledger` with a locality's feedback (reached, tested,
# isolated, positives, a positive never flagged, one bad row of every kind); 3 trace of the
# new_cases it wrote; 4 `paicha ledger` 14 days on (codes lift exactly at the boundaries:
# after and the negative tests both included; a minute short or a test short, not; a row
# of batch 2 sent again: a duplicate); 5 screen of an area. Lists with only_new after each
# flagging batch: nobody twice unless their code went up. The same campaign at 1, 2, 3 and 4 ranks: the same ledger tables.
# Faults: two appends at once (the second waits, or fails naming the run holding the
# ledger; no batch lost), SIGKILL of a rank while the ledger is complete under its
# temporary name, at 1 and 3 ranks (the ledger byte-identical to before).
. "$(dirname "$0")/lib.sh"
# A fixed key: the same pids, so the same feedback and the same campaign on every run.
(umask 077 && echo 5a17c0ffee5a17c0ffee5a17c0ffee00 > "$T/key")
printf '%s\n' "key: $T/key" "data: $T/data.h5" "seed: 5" "persons: 3000" "days: 14" \
  "as_of: 2021-08-09T00:00" "outbreak: {cases: 6}" "cases_csv: $T/cases.csv" "quiet: true" > "$T/synth.yaml"
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
PARTS="" # a config line: the ledger kept in parts, or none
CHECK=$ROOT/tests/py/check_campaign.py MAKE=$ROOT/tests/py/make_feedback.py
EXPIRE4='{"red": {"after": "14d", "negative_tests": 2}, "yellow": {"after": "12d", "negative_tests": 3}}'

trace() { # np dir batch cases as_of
  printf '%s\n' "data: $T/data.h5" "cases: $4" "key: $T/key" "output: $2/b$3.h5" "as_of: $5" \
    "companions_of: [0, 1]" "ledger: $2/ledger.h5" "quiet: true" "$PARTS" > "$2/b$3.yaml"
  run "$1" trace --config "$2/b$3.yaml" > "$2/b$3.log" 2>&1 || { cat "$2/b$3.log"; die "batch $3 (trace) failed"; }
}
ledger() { # np dir batch at feedback-csv|"" [extra config lines...]
  local np=$1 d=$2 b=$3 at=$4 fb=$5; shift 5
  printf '%s\n' "data: $T/data.h5" "key: $T/key" "ledger: $d/ledger.h5" "at: $at" "output: $d/o$b.h5" \
    "new_cases: $d/new$b.csv" "max_reject_ratio: 0.5" "quiet: true" "$PARTS" "$@" > "$d/b$b.yaml"
  [ -z "$fb" ] || echo "feedback: $fb" >> "$d/b$b.yaml"
  run "$np" ledger --config "$d/b$b.yaml" > "$d/b$b.log" 2>&1 || { cat "$d/b$b.log"; die "batch $b (paicha ledger) failed"; }
}
lists() { # np dir batch: dispatch only_new of batch's output; plan, from the same config, counts its rows
  printf '%s\n' "input: $2/b$3.h5" "data: $T/data.h5" "output: $2/l$3" "level: city" "only_new: true" \
    "quiet: true" "jobs: {plan: {job: dispatch, rates: $ROOT/bench/rates.yaml}}" > "$2/l$3.yaml"
  run "$1" dispatch --config "$2/l$3.yaml" > "$2/l$3.log" 2>&1 || { cat "$2/l$3.log"; die "dispatch only_new of batch $3 failed"; }
  run 1 plan --config "$2/l$3.yaml" > "$2/p$3.log" 2>&1 || { cat "$2/p$3.log"; die "plan of the lists of batch $3 failed"; }
  local want
  want=$($PY -c "import csv, sys; print(sum(int(r['count']) for r in csv.DictReader(open(sys.argv[1], encoding='utf-8-sig'))))" "$2/l$3/manifest.csv")
  grep -q "^input: $want rows (only_new) in " "$2/p$3.log" \
    || { cat "$2/p$3.log"; die "plan counts other rows than the $want the only_new lists of batch $3 hold"; }
}
check() { # dir: the campaign so far against the recomputation
  $PY "$CHECK" --data "$T/data.h5" --key "$T/key" --ledger "$1/ledger.h5" --campaign "$1/campaign.jsonl" \
    > "$1/check.log" 2>&1 || { cat "$1/check.log"; die "the ledger of $1 differs from the recomputation"; }
  tail -1 "$1/check.log"
}

# campaign NP DIR FULL: the five batches; FULL=1: checked after each and the feedback made
# here (in $T), else the feedback of the first campaign reused and checked at the end.
# The boundaries were there to test, and the ledger lifted exactly those.
boundaries() { # dir: right after batch 4 (a later flag may raise a lifted code again)
$PY - "$T/fb4.csv.expected.json" "$1/ledger.h5" "$ROOT/tools" <<'PY' || die "the code policy's boundaries"
import json, sys, h5py, pandas as pd
side = json.load(open(sys.argv[1]))
sys.path.insert(0, sys.argv[3])
import ledger
L = pd.DataFrame(ledger.persons(sys.argv[2])).set_index("pid")
why = list(side["lifted"].values()) + list(side["not_lifted"].values())
for need in ("red: exactly 14d and 2", "red: one negative", "red: 14d less a minute", "yellow: exactly 12d and 3"):
    assert any(w.startswith(need) for w in why), f"no person at the boundary '{need}' (the campaign did not make one)"
for pid, w in side["lifted"].items():
    assert L.at[int(pid), "lifted_at"] != 0 and L.at[int(pid), "code"] == b"green", f"not lifted: {w}"
for pid, w in side["not_lifted"].items():
    assert L.at[int(pid), "lifted_at"] == 0 and L.at[int(pid), "code"] != b"green", f"lifted: {w}"
print(f"boundaries: {len(side['lifted'])} lifted, {len(side['not_lifted'])} not, as the policy says")
PY
}

campaign() {
  local np=$1 d=$2 full=$3
  mkdir -p "$d"
  trace "$np" "$d" 1 "$T/cases.csv" 2021-08-09T00:00
  lists "$np" "$d" 1
  echo "{\"kind\": \"trace\", \"output\": \"$d/b1.h5\", \"lists\": \"$d/l1\"}" > "$d/campaign.jsonl"
  [ "$full" = 0 ] || check "$d"
  if [ "$full" = 1 ]; then
    $PY "$MAKE" --data "$T/data.h5" --output "$d/b1.h5" --ledger "$d/ledger.h5" --at 2021-08-11T00:00 \
      --csv "$T/fb2.csv" --bad --seed 2 > /dev/null || die "make_feedback failed"
  fi
  ledger "$np" "$d" 2 2021-08-11T00:00 "$T/fb2.csv"
  echo "{\"kind\": \"feedback\", \"at\": \"2021-08-11T00:00\", \"feedback\": [\"$T/fb2.csv\"], \"output\": \"$d/o2.h5\", \"new_cases\": \"$d/new2.csv\", \"rejects\": \"$T/fb2.csv.expected.json\"}" >> "$d/campaign.jsonl"
  [ "$full" = 0 ] || check "$d"
  trace "$np" "$d" 3 "$d/new2.csv" 2021-08-11T00:00
  lists "$np" "$d" 3
  echo "{\"kind\": \"trace\", \"output\": \"$d/b3.h5\", \"lists\": \"$d/l3\"}" >> "$d/campaign.jsonl"
  [ "$full" = 0 ] || check "$d"
  if [ "$full" = 1 ]; then
    $PY "$MAKE" --data "$T/data.h5" --ledger "$d/ledger.h5" --at 2021-08-23T00:00 --boundary \
      --expire "$EXPIRE4" --resend "$T/fb2.csv" --csv "$T/fb4.csv" --seed 4 > /dev/null || die "make_feedback --boundary failed"
  fi
  ledger "$np" "$d" 4 2021-08-23T00:00 "$T/fb4.csv" "expire: $EXPIRE4"
  [ "$full" = 0 ] || boundaries "$d"
  echo "{\"kind\": \"feedback\", \"at\": \"2021-08-23T00:00\", \"feedback\": [\"$T/fb4.csv\"], \"expire\": $EXPIRE4, \"output\": \"$d/o4.h5\", \"new_cases\": \"$d/new4.csv\", \"rejects\": \"$T/fb4.csv.expected.json\"}" >> "$d/campaign.jsonl"
  [ "$full" = 0 ] || check "$d"
  cat > "$d/b5.yaml" <<CFG
data: $T/data.h5
output: $d/b5.h5
as_of: 2021-08-24T00:00
areas: [{name: centre, regions: ["4301"], from: 2021-08-01T00:00, to: 2021-08-09T00:00, min_dwell: 6h}]
ledger: $d/ledger.h5
quiet: true
$PARTS
CFG
  run "$np" screen --config "$d/b5.yaml" > "$d/b5.log" 2>&1 || { cat "$d/b5.log"; die "batch 5 (screen) failed"; }
  lists "$np" "$d" 5
  echo "{\"kind\": \"screen\", \"output\": \"$d/b5.h5\", \"lists\": \"$d/l5\"}" >> "$d/campaign.jsonl"
  check "$d"
}

campaign 2 "$T/np2" 1
# The bad rows: each at its line, the good ones applied (check_campaign compared them); the
# rejects show in the batch row too.
$PY -c "
import h5py, sys
b = h5py.File('$T/np2/ledger.h5', 'r')['batches'][()]
assert [int(x) for x in b['batch']] == [1, 2, 3, 4, 5], b['batch']
assert int(b['rejected'][1]) == 10 and int(b['rows'][1]) > 100, (b['rejected'][1], b['rows'][1])
" || die "batch 2's rows and rejects"

# The same campaign at 1, 3 and 4 ranks: the ledgers' tables identical (run times aside). At 3
# ranks the ledger is kept in parts from the first batch (ledger_parts_from: 0: a base, deltas
# of what each batch changed, a new base when they grow): the same tables, read through
# tools/ledger.py as a planner would.
same() { # dir-a dir-b
  rm -f "$1/one.h5" "$2/one.h5"
  $PY "$ROOT/tools/ledger.py" "$1/ledger.h5" "$1/one.h5" && $PY "$ROOT/tools/ledger.py" "$2/ledger.h5" "$2/one.h5" \
    || die "tools/ledger.py could not read the ledgers"
  $PY "$ROOT/tests/py/compare.py" "$1/one.h5" "$2/one.h5" --datasets persons events measures yield \
    > "$T/cmp.log" || { cat "$T/cmp.log"; die "$2's ledger differs from $1's"; }
  $PY - "$1/ledger.h5" "$2/ledger.h5" <<'PY' || die "$2's /batches differs from $1's"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r")["batches"][()] for p in sys.argv[1:])
names = [n for n in a.dtype.names if n != "run_time"]
assert a.dtype == b.dtype and all(np.array_equal(a[n], b[n]) for n in names)
PY
}
PARTS=""
for np in 1 3 4; do
  [ "$np" = 3 ] && PARTS="ledger_parts_from: 0" || PARTS=""
  campaign "$np" "$T/np$np" 0
  same "$T/np2" "$T/np$np"
done
PARTS=""
echo "ledgers at 1, 2, 3 and 4 ranks: identical tables"
# The ledger in parts: a base and deltas were written, the ledger file lists its parts and
# holds no /persons, every part listed is there and nothing else; checked against the
# recomputation as the one-file ledger was.
grep -q '"kept_as": "delta"' "$T"/np3/*.run.json && grep -q '"kept_as": "base"' "$T"/np3/*.run.json \
  || die "the campaign in parts wrote no delta or no new base"
$PY - "$T/np3/ledger.h5" <<'PY' || die "the ledger in parts"
import glob, sys, h5py
f = h5py.File(sys.argv[1], "r")
assert "parts" in f and "persons" not in f and "events" not in f, list(f)
p = f["parts"][()]
want = sorted(f"{sys.argv[1]}.part{int(b):04d}" for b in p["batch"])
assert sorted(glob.glob(sys.argv[1] + ".part*")) == want, (glob.glob(sys.argv[1] + ".part*"), want)
assert p["base"][0] == 1 and not p["base"][1:].any()
print(f"ledger in parts: {len(p)} parts (base of batch {p['batch'][0]}, {len(p) - 1} deltas)")
PY
check "$T/np3"

# Faults. A run held at its commits (PAICHA_STALL_PHASE=commit) holds the ledger's claim.
F=$T/fault; mkdir -p "$F"; cp "$T/np2/ledger.h5" "$F/ledger.h5"
sed "s#$T/np2/ledger.h5#$F/ledger.h5#; s#output: .*#output: $F/t.h5#; s#as_of: .*#as_of: 2021-08-25T00:00#" \
  "$T/np2/b1.yaml" > "$F/t.yaml"
printf '%s\n' "data: $T/data.h5" "key: $T/key" "ledger: $F/ledger.h5" "at: 2021-08-26T00:00" \
  "ledger_wait: 2s" "quiet: true" > "$F/l.yaml"
batches() { $PY -c "import h5py; print(h5py.File('$F/ledger.h5', 'r').attrs['batches'])"; }
hold() { # np config log seconds: the trace held at commit; $held its mpirun
  rm -f "$3"
  PAICHA_STALL_PHASE=commit PAICHA_STALL_SECONDS=$4 timeout 120 mpirun -n "$1" --oversubscribe \
    --allow-run-as-root -x PAICHA_STALL_PHASE -x PAICHA_STALL_SECONDS "$PAICHA" trace --config "$2" > "$3" 2>&1 &
  held=$!
  for _ in $(seq 600); do grep -qs "holding phase 'commit'" "$3" && return 0; sleep 0.1; done
  cat "$3"; die "the trace never reached its commit"
}
n0=$(batches)
# 1. The second append gives up after ledger_wait, naming the run that holds the ledger.
hold 1 "$F/t.yaml" "$F/a.log" 8
set +e; run 1 ledger --config "$F/l.yaml" > "$F/b.log" 2>&1; rc=$?; set -e
[ $rc -ne 0 ] || { cat "$F/b.log"; die "a second append beside a live one exited 0 within ledger_wait: 2s"; }
grep -q "$F/ledger.h5 is still being written by another run (host [A-Za-z0-9-]*, pid [0-9]*, started .*ledger_wait" "$F/b.log" \
  || { cat "$F/b.log"; die "the refused append does not name the run holding the ledger and ledger_wait"; }
sed 's/ledger_wait: 2s/ledger_wait: 0m/' "$F/l.yaml" > "$F/l0.yaml" # no waiting at all
set +e; run 1 ledger --config "$F/l0.yaml" > "$F/b0.log" 2>&1; rc=$?; set -e
[ $rc -ne 0 ] || { cat "$F/b0.log"; die "a second append beside a live one exited 0 with ledger_wait: 0m"; }
grep -q "$F/ledger.h5 is being written by another run (host [A-Za-z0-9-]*, pid [0-9]*, started .*set \`ledger_wait\` to wait" "$F/b0.log" \
  || { cat "$F/b0.log"; die "the append refused at once does not name the run holding the ledger and ledger_wait"; }
wait "$held" || { cat "$F/a.log"; die "the held trace failed"; }
[ "$(batches)" = $((n0 + 1)) ] || die "after a refused second append: $(batches) batches, expected $((n0 + 1))"
# 2. With time to wait, the second append queues behind the first: both batches there.
rm -f "$F/t.h5"
hold 1 "$F/t.yaml" "$F/a.log" 3
sed -i 's/ledger_wait: 2s/ledger_wait: 2m/' "$F/l.yaml"
run 2 ledger --config "$F/l.yaml" > "$F/b.log" 2>&1 || { cat "$F/b.log"; die "the waiting append failed"; }
wait "$held" || { cat "$F/a.log"; die "the held trace failed"; }
[ "$(batches)" = $((n0 + 3)) ] || die "two appends at once: $(batches) batches, expected $((n0 + 3))"
$PY -c "
import h5py
k = [x.decode() for x in h5py.File('$F/ledger.h5', 'r')['batches']['kind'][-2:]]
assert k == ['trace', 'feedback'], k" || die "the two appends are not both in /batches, in the order they ran"
echo "two appends at once: the second refused after ledger_wait naming the holder, or queued; no batch lost"

# 3. SIGKILL of a rank with the ledger complete under its temporary name (the trace's second
# commit: its output first, then the ledger): the ledger as it was.
strike() { # np victim
  cp "$F/ledger.h5" "$F/before.h5"; rm -f "$F/t.h5"
  PAICHA_STALL_PHASE=commit PAICHA_STALL_SECONDS=5 timeout 120 mpirun -n "$1" --oversubscribe \
    --allow-run-as-root -x PAICHA_STALL_PHASE -x PAICHA_STALL_SECONDS "$PAICHA" trace --config "$F/t.yaml" > "$F/k.log" 2>&1 &
  local mp=$! pid target=""
  for _ in $(seq 900); do [ "$(grep -c "holding phase 'commit'" "$F/k.log")" -ge 2 ] && break; sleep 0.1; done
  [ "$(grep -c "holding phase 'commit'" "$F/k.log")" -ge 2 ] || { kill "$mp"; cat "$F/k.log"; die "the trace never reached the ledger's commit"; }
  ls -A "$F" | grep -q '^\.ledger\.h5\.tmp\.' || { kill "$mp"; die "no temporary ledger at the second commit"; }
  for pid in $(pgrep -f "paicha trace --config $F/t.yaml" | grep -v "^$mp$"); do
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" && target=$pid
  done
  [ -n "$target" ] || { kill "$mp"; die "rank $2 not found"; }
  kill -KILL "$target"
  set +e; wait "$mp"; local rc=$?; set -e
  [ $rc -ne 0 ] || die "the trace with a rank killed exited 0"
  cmp -s "$F/ledger.h5" "$F/before.h5" || die "a SIGKILL at $1 ranks during the append changed the ledger"
  rm -f "$F/t.h5"
  run "$1" trace --config "$F/t.yaml" > "$F/r.log" 2>&1 || { cat "$F/r.log"; die "the rerun after the kill failed"; }
  ! ls -A "$F" | grep -q '\.tmp\.' || die "temporary files left after the rerun"
  echo "SIGKILL of rank $2 of $1 during the append: the ledger as it was; the rerun appended"
}
strike 1 0
strike 3 1

# 4. The ledger in parts. (a) SIGKILL of a rank with every file complete under its temporary
# name (the trace's third commit: output, part, ledger file): nothing published, the ledger
# file and its parts as they were. (b) The process killed just before the last rename of the
# run's publication (PAICHA_TEST_PUBLISH=kill): the next run undoes what was renamed, then
# appends one batch; every part it lists is there and no part of the killed run.
P=$T/fault-parts; mkdir -p "$P"
cp "$T/np3/ledger.h5" "$P/ledger.h5"; for x in "$T"/np3/ledger.h5.part*; do cp "$x" "$P/"; done
sed "s#$F/ledger.h5#$P/ledger.h5#; s#output: .*#output: $P/t.h5#" "$F/t.yaml" > "$P/t.yaml"
echo "ledger_parts_from: 0" >> "$P/t.yaml"
state() { (cd "$P" && sha256sum ledger.h5 ledger.h5.part*); }
before=$(state)
PAICHA_STALL_PHASE=commit PAICHA_STALL_SECONDS=5 timeout 120 mpirun -n 3 --oversubscribe \
  --allow-run-as-root -x PAICHA_STALL_PHASE -x PAICHA_STALL_SECONDS "$PAICHA" trace --config "$P/t.yaml" > "$P/k.log" 2>&1 &
mp=$!
for _ in $(seq 900); do [ "$(grep -c "holding phase 'commit'" "$P/k.log")" -ge 3 ] && break; sleep 0.1; done
[ "$(grep -c "holding phase 'commit'" "$P/k.log")" -ge 3 ] || { kill "$mp"; cat "$P/k.log"; die "the trace never reached the ledger file's commit"; }
ls -A "$P" | grep -q '^\.ledger\.h5\.part[0-9]*\.tmp\.' || { kill "$mp"; die "no temporary part at the ledger file's commit"; }
victim=""
for pid in $(pgrep -f "paicha trace --config $P/t.yaml"); do
  tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1" && victim=$pid
done
[ -n "$victim" ] || { kill "$mp"; die "rank 1 not found"; }
kill -KILL "$victim"
set +e; wait "$mp"; rc=$?; set -e
[ $rc -ne 0 ] || die "the trace with a rank killed exited 0"
[ "$(state)" = "$before" ] || die "a SIGKILL before publication changed the ledger or its parts"
rm -f "$P/t.h5"
set +e; PAICHA_TEST_PUBLISH=kill mpirun -n 1 --allow-run-as-root -x PAICHA_TEST_PUBLISH "$PAICHA" trace \
  --config "$P/t.yaml" > "$P/k2.log" 2>&1; rc=$?; set -e
[ $rc -ne 0 ] || die "the trace killed at its last rename exited 0"
rm -f "$P/t.h5"
run 3 trace --config "$P/t.yaml" > "$P/r.log" 2>&1 || { cat "$P/r.log"; die "the rerun after the kills failed"; }
$PY - "$P/ledger.h5" "$T/np3/ledger.h5" "$ROOT/tools" <<'PY' || die "the rerun's ledger in parts"
import glob, sys, h5py
sys.path.insert(0, sys.argv[3])
import ledger
f = h5py.File(sys.argv[1], "r")
listed = {int(b) for b in f["parts"]["batch"]}
disk = {int(p.rsplit(".part", 1)[1]) for p in glob.glob(sys.argv[1] + ".part*")}
# Every part listed is there; a part not listed is one a new base replaced (older than it),
# left for the next batch to remove - never a killed run's.
assert listed <= disk and all(b < min(listed) for b in disk - listed), (sorted(listed), sorted(disk))
assert f.attrs["batches"] == h5py.File(sys.argv[2], "r").attrs["batches"] + 1, "not exactly one batch appended"
assert len(ledger.persons(sys.argv[1])) >= len(ledger.persons(sys.argv[2]))
PY
echo "ledger in parts: a kill before publication left it as it was; a kill at the last rename was undone; the rerun appended one batch"
echo "t_campaign: passed"
