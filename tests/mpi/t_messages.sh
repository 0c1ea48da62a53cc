# t_messages - messages for people: local times (never epoch seconds), counts with the
# right plural, C source locations only with --debug, a "cannot create" that says what
# to do, and quiet meaning quiet (nothing on stderr on success; warnings still shown).
. "$(dirname "$0")/lib.sh"
small_run 11
# A one-case trace, not quiet: its log is what a duty officer reads.
head -2 "$T/cases.csv" > "$T/one.csv"
printf 'data: %s\nindex: %s\ncases: %s\nkey: %s\noutput: %s\n' "$T/data.h5" "$T/index.h5" \
  "$T/one.csv" "$T/key" "$T/one.h5" > "$T/one.yaml"
run 2 trace --config "$T/one.yaml" > "$T/one.out" 2> "$T/one.err" || { cat "$T/one.err"; die "one-case trace failed"; }
grep -Eq 'as_of 1[0-9]{9}' "$T/one.err" && { grep as_of "$T/one.err"; die "the log prints as_of in epoch seconds"; }
grep -q 'as_of 2021-08-09 00:00 (UTC+8)' "$T/one.err" || { cat "$T/one.err"; die "the log lacks as_of as a local time"; }
grep -q 'trace: 1 case, 0 rows of the cases file not traced' "$T/one.err" || { cat "$T/one.err"; die "no '1 case, 0 rows' in the log"; }
grep -Eq '(^|[^0-9])1 (cases|rows|hops|persons|files|days|stays)([^a-z]|$)' "$T/one.err" \
  && { grep -E '(^|[^0-9])1 [a-z]+s([^a-z]|$)' "$T/one.err"; die "a plural after a count of 1"; }
grep -q 'phase (seconds)' "$T/one.err" || die "not quiet, yet no phase table"
# An output directory that does not exist: found before any work, at its key, with what to
# do, and no C source line ...
printf 'data: %s\noutput: %s\nquiet: true\n' "$T/data.h5" "$T/no/such/dir/b.h5" > "$T/b.yaml"
set +e; run 2 breakdown --config "$T/b.yaml" > "$T/b.out" 2>&1; rc=$?; set -e
[ $rc -eq 2 ] || { cat "$T/b.out"; die "missing output directory: exit $rc"; }
grep -q "$T/b.yaml:2:9: output: cannot create $T/no/such/dir/b.h5: directory $T/no/such/dir does not exist (mkdir -p $T/no/such/dir)" "$T/b.out" \
  || { cat "$T/b.out"; die "a missing output directory does not say mkdir -p"; }
grep -Eq '\(pc_[a-z0-9_]+\.c:[0-9]+\)' "$T/b.out" && { cat "$T/b.out"; die "a C source location in a message without --debug"; }
# ... which --debug shows for an error at run time, for a developer: a dataset whose
# declared persons disagree with its table.
cp "$T/data.h5" "$T/bad.h5"
$PY -c "import h5py, numpy as np, sys; f = h5py.File(sys.argv[1], 'r+'); f.attrs['persons'] = np.uint64(f.attrs['persons'] + 1)" "$T/bad.h5"
printf 'data: %s\noutput: %s\nquiet: true\n' "$T/bad.h5" "$T/bd.h5" > "$T/bd.yaml"
set +e; run 2 breakdown --config "$T/bd.yaml" > "$T/bn.out" 2>&1; rn=$?
run 2 breakdown --config "$T/bd.yaml" --debug > "$T/bd.out" 2>&1; rc=$?; set -e
[ $rn -eq 1 ] && grep -q "the dataset was altered or damaged" "$T/bn.out" \
  && ! grep -Eq '\(pc_[a-z0-9_]+\.c:[0-9]+\)' "$T/bn.out" || { cat "$T/bn.out"; die "a run-time error without --debug: exit $rn, or a C source line"; }
[ $rc -eq 1 ] && grep -Eq 'altered or damaged.*\(pc_[a-z0-9_]+\.c:[0-9]+\)' "$T/bd.out" \
  || { cat "$T/bd.out"; die "--debug does not name the C source line"; }
# A directory that is a file: said, and no mkdir advice that cannot work.
touch "$T/afile"
printf 'data: %s\noutput: %s\nquiet: true\n' "$T/data.h5" "$T/afile/b.h5" > "$T/f.yaml"
set +e; run 1 breakdown --config "$T/f.yaml" > "$T/f.out" 2>&1; set -e
grep -q "cannot create $T/afile/b.h5: $T/afile is not a directory" "$T/f.out" || { cat "$T/f.out"; die "a file as output directory is not named"; }
# A key file in a missing directory: what to do.
sed -e "s#^key: .*#key: $T/keys/k#" -e "s#^data: .*#data: $T/k.h5#" "$T/synth.yaml" > "$T/k.yaml"
set +e; run 1 synth --config "$T/k.yaml" > "$T/k.out" 2>&1; set -e
grep -q "key: cannot create $T/keys/k: directory $T/keys does not exist (mkdir -p $T/keys)" "$T/k.out" \
  || { cat "$T/k.out"; die "a key file in a missing directory does not say mkdir -p"; }
# quiet: true and --quiet: nothing on stderr (nor stdout) when the job succeeds.
set +e; run 2 trace --config "$T/trace.yaml" > "$T/q.out" 2> "$T/q.err"; rc=$?; set -e
[ $rc -eq 0 ] && [ ! -s "$T/q.err" ] && [ ! -s "$T/q.out" ] || { cat "$T/q.out" "$T/q.err"; die "quiet: true printed on success (exit $rc)"; }
set +e; run 2 trace --config "$T/one.yaml" --quiet > "$T/q2.out" 2> "$T/q2.err"; rc=$?; set -e
[ $rc -eq 0 ] && [ ! -s "$T/q2.err" ] || { cat "$T/q2.err"; die "--quiet printed on success (exit $rc)"; }
# A synth (progress lines of long phases) and an index, quiet: nothing either.
run 2 synth --config "$T/synth.yaml" > "$T/qs.out" 2> "$T/qs.err" || die "quiet synth failed"
[ ! -s "$T/qs.err" ] || { cat "$T/qs.err"; die "a quiet synth printed"; }
# Quiet still warns: a temporary file an interrupted run left is removed, and said.
touch "$T/.trace.h5.tmp.stale"
run 2 trace --config "$T/trace.yaml" > /dev/null 2> "$T/w.err" || { cat "$T/w.err"; die "trace failed"; }
grep -q "warning: removed 1 temporary file of $T/trace.h5 left by an interrupted run" "$T/w.err" \
  || { cat "$T/w.err"; die "quiet: true hid a warning"; }
echo "messages: local times, plurals, --debug locations, mkdir advice, quiet"
