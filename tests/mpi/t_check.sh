#!/usr/bin/env bash
# t_check - `paicha JOB --check` and the path checks every run makes before any work: a
# config's paths are relative to its own directory; a missing output directory, an
# unreadable input, an index of another dataset and bad rows of cases.csv are all listed at
# once, each at the officer's own file and line (cases.csv:LINE, never the subject), exit 2;
# a good config says OK, exit 0; a normal run refuses the same problems before its work.
. "$(dirname "$0")/lib.sh"
small_run 3
# Another dataset and its index: an index that is not of $T/data.h5.
mkdir -p "$T/other"
{ synth_cfg 2000 "$T/other/data.h5" 9; echo "days: 14"; } > "$T/other/synth.yaml"
run 2 synth --config "$T/other/synth.yaml" > "$T/other/synth.log" 2>&1 || { cat "$T/other/synth.log"; die "synth failed"; }
printf 'data: data.h5\nindex: index.h5\nquiet: true\n' > "$T/other/index.yaml"
# Run from another directory: the config's relative paths are relative to the config.
(cd / && run 2 index --config "$T/other/index.yaml") > "$T/other/index.log" 2>&1 \
  || { cat "$T/other/index.log"; die "index with paths relative to its config failed"; }
[ -s "$T/other/index.h5" ] || die "the index was not written beside its config"

# 1. A good config, relative paths, checked from another directory: OK, exit 0.
mkdir -p "$T/cfg" "$T/out"
cp "$T/key" "$T/cfg/key"
printf 'data: ../data.h5\nindex: ../index.h5\ncases: ../cases.csv\nkey: key\noutput: ../out/trace.h5\nquiet: true\n' \
  > "$T/cfg/trace.yaml"
(cd / && "$PAICHA" trace --check --config "$T/cfg/trace.yaml") > "$T/ok.log" 2>&1 \
  || { cat "$T/ok.log"; die "a good config did not pass --check"; }
rows=$(($(grep -c . "$T/cases.csv") - 1))
grep -q "trace.yaml: config OK (5 paths checked, $rows cases rows checked)" "$T/ok.log" \
  || { cat "$T/ok.log"; die "--check did not say OK with the paths and rows it checked"; }
(cd / && run 2 trace --config "$T/cfg/trace.yaml") > "$T/rel.log" 2>&1 || { cat "$T/rel.log"; die "trace with relative paths failed"; }
$PY "$ROOT/tests/py/compare.py" "$T/trace.h5" "$T/out/trace.h5" --datasets contacts companions > "$T/cmp.log" \
  || { cat "$T/cmp.log"; die "trace with paths relative to its config differs"; }
$PY - "$T/out/trace.h5" "$T" <<'PY' || die "the effective config does not show the resolved paths"
import os, sys, h5py
c = h5py.File(sys.argv[1], "r").attrs["config"]
c = c.decode() if isinstance(c, bytes) else c
t = os.path.realpath(sys.argv[2])
assert f'data: "{t}/data.h5"' in c and f'key: "{t}/cfg/key"' in c, c[:500]
PY

# 2. Every problem at once: an index of another dataset, an unreadable key, an output
# directory that does not exist, an output that is a directory, bad cases rows.
cp "$T/cases.csv" "$T/bad.csv"
subject=$(id_of 430102 19800101 1)
printf '%s,2021-13-01T00:00,,\n12345,2021-08-05T00:00,,\n%s,2021-08-20T00:00,,\n' "$subject" "$subject" >> "$T/bad.csv"
n0=$(wc -l < "$T/cases.csv")
mkdir -p "$T/adir"
cat > "$T/bad.yaml" <<CFG
data: $T/data.h5
index: $T/other/index.h5
cases: $T/bad.csv
key: $T/adir
output: $T/missing/dir/trace.h5
quiet: true
CFG
set +e
"$PAICHA" trace --check --config "$T/bad.yaml" > "$T/bad.log" 2>&1
rc=$?
set -e
cat "$T/bad.log"
[ $rc -eq 2 ] || die "--check of a bad config exited $rc, not 2"
grep -q "bad.yaml:2:8: index: .*built from another dataset" "$T/bad.log" || die "a foreign index was not named at its key"
grep -q "bad.yaml:4:6: key: key file $T/adir is not a regular file" "$T/bad.log" || die "an unreadable key file was not named at its key"
grep -q "bad.yaml:5:9: output: cannot create .*: directory $T/missing/dir does not exist (mkdir -p $T/missing/dir)" "$T/bad.log" \
  || die "a missing output directory was not named at its key with what to do"
grep -q "bad.csv:$((n0 + 1)): onset, isolated" "$T/bad.log" || die "a bad time in cases.csv was not named at its line"
grep -q "bad.csv:$((n0 + 2)): subject: not a valid number" "$T/bad.log" || die "a bad subject was not named at its line"
grep -q "bad.csv:$((n0 + 3)): onset after as_of" "$T/bad.log" || die "an onset after as_of was not named at its line"
! grep -q "$subject\|12345" "$T/bad.log" || die "a subject was printed"
[ "$(grep -c '^bad\|/bad' "$T/bad.log")" -ge 6 ] || die "not every problem was listed at once"
# An output that is a directory, a dataset that is not one.
printf 'data: %s\nindex: %s\ncases: %s\nkey: %s\noutput: %s\n' "$T/index.h5" "$T/index.h5" "$T/cases.csv" "$T/key" "$T/adir" \
  > "$T/bad2.yaml"
set +e
"$PAICHA" trace --check --config "$T/bad2.yaml" > "$T/bad2.log" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || { cat "$T/bad2.log"; die "--check of bad2 exited $rc"; }
grep -q "bad2.yaml:1:7: data: .* is not a dataset of synth or ingest" "$T/bad2.log" || { cat "$T/bad2.log"; die "an index given as data was accepted"; }
grep -q "bad2.yaml:5:9: output: .*adir is a directory: name a file" "$T/bad2.log" || { cat "$T/bad2.log"; die "an output that is a directory was accepted"; }

# Permissions as another account sees them: an input it cannot read, a directory it cannot
# write (run as nobody when this runs as root, which may read and write anything).
as_user=()
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
if [ "$(id -u)" -ne 0 ] || [ ${#as_user[@]} -gt 0 ]; then
  chmod 711 "$T"
  mkdir -m 755 "$T/perm"
  cp "$T/data.h5" "$T/perm/data.h5"
  chmod 000 "$T/perm/data.h5"
  printf 'data: data.h5\nindex: index.h5\n' > "$T/perm/index.yaml"
  chmod 644 "$T/perm/index.yaml"
  [ "$(id -u)" -ne 0 ] && chmod 555 "$T/perm"
  set +e
  "${as_user[@]}" "$PAICHA" index --check --config "$T/perm/index.yaml" > "$T/perm.log" 2>&1
  rc=$?
  set -e
  [ $rc -eq 2 ] || { cat "$T/perm.log"; die "--check of unreadable/unwritable paths exited $rc"; }
  grep -q "index.yaml:1:7: data: cannot read $T/perm/data.h5: Permission denied" "$T/perm.log" \
    || { cat "$T/perm.log"; die "an unreadable input was not named at its key"; }
  grep -q "index.yaml:2:8: index: cannot create $T/perm/index.h5: directory $T/perm is not writable" "$T/perm.log" \
    || { cat "$T/perm.log"; die "an unwritable output directory was not named at its key"; }
  chmod 755 "$T/perm"
else
  echo "SKIP: root without setpriv: unreadable files cannot be made here"
fi

# 3. A normal run refuses the same before any work: exit 2, the key named, no phase run.
for job in trace; do
  set +e
  run 2 trace --config "$T/bad.yaml" > "$T/run-bad.log" 2>&1
  rc=$?
  set -e
  [ $rc -eq 2 ] || { cat "$T/run-bad.log"; die "a run with a missing output directory exited $rc, not 2"; }
  grep -q "output: cannot create .*(mkdir -p $T/missing/dir)" "$T/run-bad.log" || { cat "$T/run-bad.log"; die "the run did not name the output directory"; }
  ! grep -q "Bad file descriptor\|load index\|hop 1" "$T/run-bad.log" || { cat "$T/run-bad.log"; die "the run did work before refusing"; }
done
sed "s#^index: .*#index: $T/nowhere/index.h5#; s#^output: .*#output: $T/out/t2.h5#; s#^key: .*#key: $T/key#; s#^cases: .*#cases: $T/cases.csv#" \
  "$T/bad.yaml" > "$T/noindex.yaml"
set +e
run 2 trace --config "$T/noindex.yaml" > "$T/noindex.log" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "noindex.yaml:2:8: index: cannot read $T/nowhere/index.h5" "$T/noindex.log" \
  || { cat "$T/noindex.log"; die "a missing index was not named at its key before the run"; }
echo "t_check: --check lists every problem at its file and line; runs refuse them before any work"
