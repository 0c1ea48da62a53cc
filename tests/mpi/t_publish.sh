# t_publish - a failed run publishes nothing (issue 20). Outputs that collide are refused
# before any work, both keys named, nothing written. The multi-file jobs - synth with
# cases_csv and csv, dispatch over an earlier set of lists, index appending to (and
# replacing) its index - struck at the last step of their publication, by a failure and by
# SIGKILL: the failure leaves the previous outputs byte-identical and no new file; the kill
# leaves a journal that the next run on the same outputs rolls back under the claim, before
# any work (the previous outputs byte-identical again); then a run succeeds. A journal
# another account planted is never acted upon.
. "$(dirname "$0")/lib.sh"
# The tree of D as "sha256 path" lines, temporary names and journals included; not the
# claims' lock files (".NAME.lock"), which a killed run leaves and the next claim takes over.
tree_of() { (cd "$1" && find . -mindepth 1 \( -type f -o -type l \) ! -name '.*.lock' -print0 | sort -z | xargs -0 -r sha256sum; find . -mindepth 1 -type d | sort); }
same_tree() { # label, before-file
  tree_of "$W" > "$T/after.txt"
  diff "$2" "$T/after.txt" > "$T/diff.txt" || { cat "$T/diff.txt"; die "$1: the outputs changed"; }
}
# strike HOW JOB CFG: the run fails (HOW=fail) or is killed (kill) just before its last rename.
strike() {
  set +e
  PAICHA_TEST_PUBLISH=$1 timeout 300 mpirun -n 2 --oversubscribe --allow-run-as-root \
    -x PAICHA_TEST_PUBLISH "$PAICHA" "$2" --config "$3" > "$T/strike.log" 2>&1
  local rc=$?; set -e
  [ $rc -ne 0 ] || { cat "$T/strike.log"; die "$2 struck ($1) at its publication exited 0"; }
  if [ "$1" = fail ]; then
    grep -q "failure injected before the last rename" "$T/strike.log" || { cat "$T/strike.log"; die "$2: no injected failure"; }
  fi
}
# recover JOB CFG: a run on the same outputs that fails at its first phase: it rolls back
# the killed run's publication under the claim, before any work, and then writes nothing.
recover() {
  set +e
  PAICHA_FAIL_RANK=0 PAICHA_FAIL_PHASE=$3 timeout 300 mpirun -n 2 --oversubscribe --allow-run-as-root \
    -x PAICHA_FAIL_RANK -x PAICHA_FAIL_PHASE "$PAICHA" "$1" --config "$2" > "$T/recover.log" 2>&1
  local rc=$?; set -e
  [ $rc -ne 0 ] || { cat "$T/recover.log"; die "$1 with a failure injected exited 0"; }
  grep -q "interrupted while publishing" "$T/recover.log" || { cat "$T/recover.log"; die "$1 did not roll back the killed run's publication"; }
}
# each JOB CFG PHASE: fail, then kill, at the last rename; then a run that succeeds.
each() {
  local job=$1 cfg=$2 phase=$3
  tree_of "$W" > "$T/before.txt"
  [ -s "$T/before.txt" ] || die "nothing to compare"
  strike fail "$job" "$cfg"
  same_tree "$job failed at its last rename" "$T/before.txt"
  strike kill "$job" "$cfg"
  ls -a "$W" | grep -q '\.publish$' || { ls -la "$W"; die "$job killed while publishing left no journal"; }
  recover "$job" "$cfg" "$phase"
  same_tree "$job killed at its last rename, then rolled back" "$T/before.txt"
  run 2 "$job" --config "$cfg" > "$T/ok.log" 2>&1 || { cat "$T/ok.log"; die "$job after the strikes failed"; }
  ! ls -a "$W" | grep -qE '\.publish$|\.tmp\.' || { ls -la "$W"; die "$job left a journal or a temporary file"; }
  echo "$job: a failure and a kill at the last rename published nothing; the next run succeeded"
}

W=$T/w
mkdir -m 700 "$W"
# (a) Colliding outputs: synth's cases_csv on the cases.csv it writes in csv.
cat > "$T/collide.yaml" <<CFG
key: $T/key
data: $W/data.h5
persons: 500
days: 2
as_of: 2021-08-09T00:00
outbreak: {cases: 1}
csv: $W/csv
cases_csv: $W/csv/cases.csv
CFG
set +e; run 1 synth --config "$T/collide.yaml" > "$T/collide.log" 2>&1; rc=$?; set -e
[ $rc -eq 2 ] || { cat "$T/collide.log"; die "colliding synth config: exit $rc, expected 2"; }
grep -q "collide.yaml:8:12: cases_csv: .* is the cases.csv the job writes in \`csv\`" "$T/collide.log" \
  || { cat "$T/collide.log"; die "the collision does not name both keys"; }
[ -z "$(ls -A "$W")" ] || { ls -la "$W"; die "the refused synth wrote something"; }
[ ! -e "$T/key" ] || die "the refused synth made its key file"

# (b) synth with cases_csv and csv, over an earlier run's files.
cat > "$T/synth.yaml" <<CFG
key: $T/key
data: $W/data.h5
seed: 3
persons: 3000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 4}
csv: $W/csv
cases_csv: $W/cases.csv
quiet: true
CFG
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
[ -s "$W/data.h5.run.json" ] && [ -s "$W/csv/persons.csv" ] || die "synth's outputs are missing"
sed -i 's/^seed: 3/seed: 4/' "$T/synth.yaml" # the struck runs would write other files
each synth "$T/synth.yaml" setup

# index appending to its own index (replaced when complete).
printf 'data: %s\nindex: %s\nquiet: true\n' "$W/data.h5" "$W/index.h5" > "$T/index0.yaml"
run 2 index --config "$T/index0.yaml" > "$T/index0.log" 2>&1 || { cat "$T/index0.log"; die "index failed"; }
printf 'data: %s\nindex: %s\nappend: %s\nquiet: true\n' "$W/data.h5" "$W/index.h5" "$W/index.h5" > "$T/index.yaml"
each index "$T/index.yaml" open

# dispatch over an earlier set of lists (overwrite: the directory is replaced whole).
printf 'data: %s\ncases: %s\nkey: %s\noutput: %s\ndispatch: {level: county}\nquiet: true\n' \
  "$W/data.h5" "$W/cases.csv" "$T/key" "$T/trace.h5" > "$T/trace.yaml"
run 2 trace --config "$T/trace.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace failed"; }
printf 'input: %s\ndata: %s\noutput: %s\nquiet: true\n' "$T/trace.h5" "$W/data.h5" "$W/lists" > "$T/dispatch0.yaml"
run 2 dispatch --config "$T/dispatch0.yaml" > "$T/dispatch0.log" 2>&1 || { cat "$T/dispatch0.log"; die "dispatch failed"; }
printf 'input: %s\ndata: %s\noutput: %s\noverwrite: true\nlevel: county\nquiet: true\n' \
  "$T/trace.h5" "$W/data.h5" "$W/lists" > "$T/dispatch.yaml"
each dispatch "$T/dispatch.yaml" lists

# A journal is acted upon only when this account's run wrote it: one planted by another
# account (naming the dataset as a new file to remove) is removed and nothing undone; the
# same journal of this account's removes the dataset (the control: the rollback is real).
plant() { # owner
  local p=$W/data.h5 t=$W/.data.h5.tmp.planted
  printf 'paicha publish 1\n1\n0 %s %s %s %s\n%s\n%s\n' "$(stat -c %d "$p")" "$(stat -c %i "$p")" \
    ${#t} ${#p} "$t" "$p" > "$W/.data.h5.publish"
  chown "$1" "$W/.data.h5.publish"
}
plant nobody
set +e
PAICHA_FAIL_RANK=0 PAICHA_FAIL_PHASE=setup timeout 300 mpirun -n 2 --oversubscribe --allow-run-as-root \
  -x PAICHA_FAIL_RANK -x PAICHA_FAIL_PHASE "$PAICHA" synth --config "$T/synth.yaml" > "$T/planted.log" 2>&1
set -e
grep -q "is not a journal this account's runs wrote" "$T/planted.log" || { cat "$T/planted.log"; die "a planted journal was not refused"; }
[ -s "$W/data.h5" ] || die "a journal planted by another account removed the dataset"
[ ! -e "$W/.data.h5.publish" ] || die "the planted journal was left"
plant "$(id -u)"
set +e
PAICHA_FAIL_RANK=0 PAICHA_FAIL_PHASE=setup timeout 300 mpirun -n 2 --oversubscribe --allow-run-as-root \
  -x PAICHA_FAIL_RANK -x PAICHA_FAIL_PHASE "$PAICHA" synth --config "$T/synth.yaml" > "$T/own.log" 2>&1
set -e
grep -q "interrupted while publishing" "$T/own.log" || { cat "$T/own.log"; die "this account's journal was not rolled back"; }
[ ! -e "$W/data.h5" ] || die "the control journal did not remove the new dataset"
echo "publish: a journal planted by another account is never acted upon"
