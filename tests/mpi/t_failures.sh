# t_failures - a failure on one rank ends every rank with one message and no output left behind.
. "$(dirname "$0")/lib.sh"
synth_cfg 3000 "$T/d.h5" 1 > "$T/s.yaml"
run 2 synth --config "$T/s.yaml"
cp "$T/d.h5" "$T/keep.h5"
for phase in generate write; do
  rm -f "$T/d.h5"
  set +e
  PAICHA_FAIL_RANK=1 PAICHA_FAIL_PHASE=$phase run 3 synth --config "$T/s.yaml" > "$T/f.out" 2>&1
  rc=$?; set -e
  [ $rc -ne 0 ] || die "injected failure in $phase: exit 0"
  grep -q "rank 1: failure injected in phase '$phase'" "$T/f.out" || { cat "$T/f.out"; die "message does not name rank and phase"; }
  [ "$(grep -c 'error:' "$T/f.out")" = 1 ] || { cat "$T/f.out"; die "not exactly one error message"; }
  [ ! -e "$T/d.h5" ] || die "output left after a failure in $phase"
  [ -z "$(ls -A "$T" | grep '\.tmp\.' || true)" ] || die "temporary file left after $phase"
done
# A failed run leaves the previous result untouched.
cp "$T/keep.h5" "$T/d.h5"
set +e; PAICHA_FAIL_RANK=2 PAICHA_FAIL_PHASE=write run 3 synth --config "$T/s.yaml" > /dev/null 2>&1; set -e
cmp -s "$T/keep.h5" "$T/d.h5" || die "a failed run changed the previous output"
# An unwritable output path is refused before any work, once, at its key, saying what to do.
cat > "$T/b.yaml" <<CFG
data: $T/d.h5
output: $T/no/such/dir/b.h5
quiet: true
CFG
set +e; run 2 breakdown --config "$T/b.yaml" > "$T/u.out" 2>&1; rc=$?; set -e
[ $rc -eq 2 ] || die "unwritable output: exit $rc, not 2"
msg="b.yaml:2:9: output: cannot create $T/no/such/dir/b.h5: directory $T/no/such/dir does not exist (mkdir -p $T/no/such/dir)"
grep -qF "$msg" "$T/u.out" || { cat "$T/u.out"; die "no clear message for unwritable output"; }
[ "$(grep -c 'cannot create' "$T/u.out")" = 1 ] || die "not exactly one error message"
# A missing input names the file.
sed "s#$T/d.h5#$T/absent.h5#; s#$T/no/such/dir/b.h5#$T/b.h5#" "$T/b.yaml" > "$T/m.yaml"
set +e; run 2 breakdown --config "$T/m.yaml" > "$T/m.out" 2>&1; rc=$?; set -e
[ $rc -ne 0 ] && grep -q "absent.h5" "$T/m.out" || { cat "$T/m.out"; die "missing input not named"; }
# A key file others can read is refused.
chmod 644 "$T/key"
set +e; run 1 synth --config "$T/s.yaml" > "$T/k.out" 2>&1; rc=$?; set -e
[ $rc -ne 0 ] && grep -q "chmod 600" "$T/k.out" || { cat "$T/k.out"; die "world-readable key accepted"; }
# The outbreak's cases file is published with the dataset, never without it.
cat > "$T/o.yaml" <<CFG
key: $T/key2
data: $T/o.h5
persons: 3000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 4}
cases_csv: $T/o-cases.csv
quiet: true
CFG
set +e; PAICHA_FAIL_RANK=1 PAICHA_FAIL_PHASE=write run 2 synth --config "$T/o.yaml" > "$T/o.out" 2>&1; rc=$?; set -e
[ $rc -ne 0 ] || die "injected failure in write with an outbreak: exit 0"
[ ! -e "$T/o-cases.csv" ] && [ ! -e "$T/o.h5" ] || die "a failed synth published its cases file or dataset"
[ -z "$(ls -A "$T" | grep '\.tmp\.' || true)" ] || die "temporary cases file left after a failure"
run 2 synth --config "$T/o.yaml" > /dev/null 2>&1 || die "synth with an outbreak failed"
[ -s "$T/o-cases.csv" ] && [ "$(stat -c %a "$T/o-cases.csv")" = 600 ] || die "cases file missing or not 0600"
# A peer that never comes to the agreement on a failure - left inside a collective call of HDF5
# by a write that failed on one rank only (a full disk, t_diskfull) - is not waited for past
# PAICHA_FAILURE_WAIT: the failed rank prints the one message, removes the output's temporary
# and claim, and stops the job (exit 1). A peer slower than that, but coming, is waited for.
mkdir -p "$T/ix"
printf 'data: %s\nindex: %s\nquiet: true\n' "$T/o.h5" "$T/ix/i.h5" > "$T/ix.yaml"
held() { # failing rank, seconds the other rank holds away from the agreement, seconds waited
  PAICHA_FAIL_RANK=$1 PAICHA_FAIL_PHASE=count PAICHA_STALL_PHASE=count PAICHA_STALL_RANK=$((1 - $1)) \
    PAICHA_STALL_SECONDS=$2 PAICHA_FAILURE_WAIT=$3 run 2 index --config "$T/ix.yaml"
}
# (rank 1 stuck, rank 0 stuck - it holds the claims -, rank 1 slow)
for c in "0 300 2 stuck" "1 300 2 stuck" "0 3 60 slow"; do
  set -- $c
  set +e; held "$1" "$2" "$3" > "$T/h.out" 2>&1; rc=$?; set -e
  [ $rc -eq 1 ] || { cat "$T/h.out"; die "$4 peer of rank $1: exit $rc, not 1"; }
  grep -q "error: rank $1: failure injected in phase 'count'" "$T/h.out" || { cat "$T/h.out"; die "$4 peer of rank $1: message does not name rank and phase"; }
  [ "$(grep -c 'error:' "$T/h.out")" = 1 ] || { cat "$T/h.out"; die "$4 peer of rank $1: not exactly one error message"; }
  gave_up=$(grep -c "did not come to agree on it within $3 s" "$T/h.out" || true)
  [ "$gave_up" = "$([ "$4" = stuck ] && echo 1 || echo 0)" ] || { cat "$T/h.out"; die "$4 peer of rank $1: wrong ending"; }
  [ -z "$(ls -A "$T/ix")" ] || { ls -la "$T/ix"; die "$4 peer of rank $1: the index, its temporary or its claim left"; }
done
