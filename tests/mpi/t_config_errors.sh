# t_config_errors - a bad config fails before any work, naming file:line:column; usage errors exit 2.
. "$(dirname "$0")/lib.sh"
expect_fail() { # name, expected-exit, grep-pattern, command...
  local name=$1 code=$2 pat=$3; shift 3
  set +e; "$@" >"$T/$name.out" 2>&1; local rc=$?; set -e
  [ $rc -eq "$code" ] || { cat "$T/$name.out"; die "$name: exit $rc, expected $code"; }
  grep -qE -e "$pat" "$T/$name.out" || { cat "$T/$name.out"; die "$name: message lacks /$pat/"; }
  [ ! -e "$T/out.h5" ] || die "$name: an output file was written"
  [ -z "$(ls -A "$T" | grep '\.tmp\.' || true)" ] || die "$name: a temporary file was left"
}
printf 'key: %s/key\ndata: %s/out.h5\nas_of: 2021-08-09T00:00\nsed: 3\n' "$T" "$T" > "$T/unknown.yaml"
expect_fail unknown 2 "unknown.yaml:4:1: .*unknown key 'sed'" run 2 synth --config "$T/unknown.yaml"
printf 'key: %s/key\ndata: %s/out.h5\nas_of: 2021-08-09T00:00\npersons: many\n' "$T" "$T" > "$T/type.yaml"
expect_fail type 2 "type.yaml:4:10: .*integer" run 2 synth --config "$T/type.yaml"
printf 'data: %s/d.h5\noutput: %s/out.h5\nas_of: 2021-08-09T00:00\nshuffle_round_mb: 2x\n' "$T" "$T" > "$T/dur.yaml"
expect_fail int 2 "dur.yaml:4:19: " run 1 breakdown --config "$T/dur.yaml"
printf 'data: %s/d.h5\noutput: %s/out.h5\nas_of: 2021-02-30T00:00\n' "$T" "$T" > "$T/time.yaml"
expect_fail time 2 "time.yaml:3:8: " run 2 breakdown --config "$T/time.yaml"
printf 'key: %s/key\nas_of: 2021-08-09T00:00\n' "$T" > "$T/missing.yaml"
expect_fail missing 2 "missing.yaml:1:1: .*missing required key 'data'" run 2 synth --config "$T/missing.yaml"
expect_fail nofile 2 "nope.yaml.*cannot read" run 2 synth --config "$T/nope.yaml"
# Each problem is printed once, not once per rank.
[ "$(grep -c "unknown key 'sed'" "$T/unknown.out")" = 1 ] || die "message repeated per rank"
# The CLI: unknown job and missing --config are usage errors; --help tells the keys.
expect_fail job 2 "unknown job 'tarce'" "$PAICHA" tarce --config x.yaml
expect_fail noconfig 2 "--config FILE.yaml is required" "$PAICHA" synth
"$PAICHA" --help | grep -q "breakdown" || die "--help does not list breakdown"
"$PAICHA" synth --help | grep -qE "persons: int .*default 200000" || die "synth --help lacks persons"
"$PAICHA" breakdown --help | grep -qE "age_edges" || die "breakdown --help lacks age_edges"
# The keys SPEC says jobs share (key, data, index, as_of, output) are accepted by every job,
# so one config per outbreak serves several; a job that does not use one says so in --help
# and, once, in its log. A key no job knows is still refused.
for job in index screen breakdown plan; do
  "$PAICHA" $job --help | grep -qE "^  key: path - shared key, not used by this job" \
    || die "$job --help does not say it ignores the shared key 'key'"
done
{ synth_cfg 500 "$T/shared.h5" 3; echo "days: 3"; } > "$T/shared-synth.yaml"
run 1 synth --config "$T/shared-synth.yaml" > /dev/null 2>&1 || die "synth for the shared keys failed"
printf 'key: %s/key\ndata: %s/shared.h5\nindex: %s/shared-index.h5\nas_of: 2021-08-09T00:00\noutput: %s/shared-b.h5\n' \
  "$T" "$T" "$T" "$T" > "$T/shared.yaml"
run 1 index --config "$T/shared.yaml" > "$T/shared-index.out" 2>&1 || { cat "$T/shared-index.out"; die "index refused the shared keys"; }
[ "$(grep -c "index ignores the config's shared keys \`key\`, \`as_of\`, \`output\` (not used by this job)" "$T/shared-index.out")" = 1 ] \
  || { cat "$T/shared-index.out"; die "index does not say once that it ignores 'key'"; }
run 1 breakdown --config "$T/shared.yaml" > "$T/shared-b.out" 2>&1 || { cat "$T/shared-b.out"; die "breakdown refused the shared keys"; }
grep -q "breakdown ignores the config's shared keys \`key\`, \`index\` (not used" "$T/shared-b.out" || die "breakdown does not say it ignores 'index'"
[ -s "$T/shared-index.h5" ] && [ -s "$T/shared-b.h5" ] || die "the shared config's outputs are missing"
(cat "$T/shared.yaml"; echo "sed: 1") > "$T/shared-bad.yaml"
expect_fail shared-bad 2 "unknown key 'sed'" run 1 breakdown --config "$T/shared-bad.yaml"
# Outputs that collide (issue 20): refused before any work, at the later key, naming the
# other - synth's cases_csv on the cases.csv it writes in `csv` (the case that once published
# the dataset and then failed), two outputs at one path, an output over an input. An output
# its key says may replace an input (purge's output over data, index over append) is fine.
printf 'key: %s/key\ndata: %s/c.h5\npersons: 500\ndays: 2\nas_of: 2021-08-09T00:00\noutbreak: {cases: 1}\ncsv: %s\ncases_csv: %s/cases.csv\n' \
  "$T" "$T" "$T" "$T" > "$T/collide.yaml"
expect_fail collide 2 "collide.yaml:8:12: cases_csv: $T/cases.csv is the cases.csv the job writes in .csv.: name another file" \
  run 1 synth --config "$T/collide.yaml"
[ ! -e "$T/c.h5" ] || die "synth with colliding outputs published its dataset"
printf 'key: %s/key\ndata: %s/c.h5\npersons: 500\ndays: 2\nas_of: 2021-08-09T00:00\noutbreak: {cases: 1}\ncases_csv: %s/c.h5\n' \
  "$T" "$T" "$T" > "$T/collide2.yaml"
expect_fail collide2 2 "cases_csv: $T/c.h5 is also .data.: two outputs of one run cannot share a path" \
  "$PAICHA" synth --check --config "$T/collide2.yaml"
printf 'data: %s/shared.h5\nindex: %s/shared.h5\n' "$T" "$T" > "$T/over.yaml"
expect_fail over 2 "index: $T/shared.h5 is also the input .data.: the run would overwrite what it reads" \
  "$PAICHA" index --check --config "$T/over.yaml"
printf 'data: %s/shared.h5\nindex: %s/shared-index.h5\nappend: %s/shared-index.h5\n' "$T" "$T" "$T" > "$T/inplace.yaml"
"$PAICHA" index --check --config "$T/inplace.yaml" > /dev/null || die "index over the index it appends to was refused"
printf 'data: %s/shared.h5\noutput: %s/shared.h5\nretention: 7d\n' "$T" "$T" > "$T/purge-inplace.yaml"
"$PAICHA" purge --check --config "$T/purge-inplace.yaml" > /dev/null || die "purge in place was refused"
