# t_shared_keys - one config per outbreak runs every job (issue 20): the keys SPEC says jobs
# share (key, data, index, as_of, output) at the top level, accepted by every job - a job
# that does not use one says so in --help and once, in one line, in its log - and what
# differs per job (its own keys, an `output` of another kind) under `jobs: {JOB: {...}}`,
# taken by that job over the top level. A key no job knows, an unknown job name and a key
# of another job outside its section are still refused, naming file:line:column.
. "$(dirname "$0")/lib.sh"
W=$T/w
mkdir -m 700 "$W"
cat > "$T/outbreak.yaml" <<CFG
key: $T/key
data: $W/data.h5
index: $W/index.h5
as_of: 2021-08-09T00:00
output: $W/trace.h5
jobs:
  synth: {seed: 5, persons: 3000, days: 14, outbreak: {cases: 6}, cases_csv: $W/cases.csv}
  trace: {cases: $W/cases.csv, hops: 2, dispatch: {level: county}}
  screen:
    output: $W/screen.h5
    areas:
      - name: changsha
        regions: ["4301"]
        from: 2021-08-05T00:00
        to: 2021-08-08T00:00
        min_dwell: 4h
  breakdown: {output: $W/breakdown.h5}
  dispatch: {input: $W/trace.h5, output: $W/lists, level: county}
  report: {trace: $W/trace.h5, screen: $W/screen.h5, breakdown: $W/breakdown.h5, output: $W/report.html}
CFG
# job, the shared keys it ignores (as the log line lists them; "" for none), its output.
while IFS='|' read -r job ignored out; do
  run 2 "$job" --config "$T/outbreak.yaml" < /dev/null > "$T/$job.log" 2>&1 || { cat "$T/$job.log"; die "$job refused or failed the outbreak's config"; }
  n=$(grep -c "ignores the config's shared" "$T/$job.log" || true)
  if [ "$ignored" = - ]; then
    [ "$n" = 0 ] || { cat "$T/$job.log"; die "$job says it ignores a key it uses"; }
  else
    [ "$n" = 1 ] || { cat "$T/$job.log"; die "$job: $n lines about the shared keys it ignores, expected one"; }
    grep -qF "$job ignores the config's shared $ignored (not used by this job)" "$T/$job.log" \
      || { cat "$T/$job.log"; die "$job does not say it ignores $ignored"; }
  fi
  [ -s "$W/$out" ] || die "$job did not write $out"
  echo "$job: ran with the outbreak's config (ignores: $ignored)"
done <<'JOBS'
synth|keys `index`, `output`|data.h5
index|keys `key`, `as_of`, `output`|index.h5
trace|-|trace.h5
screen|key `key`|screen.h5
breakdown|keys `key`, `index`|breakdown.h5
dispatch|keys `key`, `index`, `as_of`|lists/manifest.csv
report|keys `key`, `index`, `as_of`|report.html
JOBS
# Each output is its own job's: the top-level output went to trace, the sections' to theirs.
for f in trace screen breakdown; do
  grep -q "\"job\": *\"$f\"" "$W/$f.h5.run.json" || { cat "$W/$f.h5.run.json"; die "$f.h5 was not written by $f"; }
done
for job in synth index trace screen breakdown dispatch report; do
  "$PAICHA" "$job" --help | grep "^  jobs: sections .* $job takes those under \`$job\`" > /dev/null || die "$job --help lacks jobs:"
done
for job in index screen breakdown dispatch report; do
  "$PAICHA" "$job" --help | grep -E "^  key: path - shared key, not used by this job" > /dev/null \
    || die "$job --help does not say it ignores the shared key 'key'"
done
# Still refused, each at its place: a key no job knows, one inside a section, an unknown
# job, and a key of trace's outside its section.
refused() { # name, job, pattern, yaml lines appended to the outbreak's config
  local name=$1 job=$2 pat=$3; shift 3
  { cat "$T/outbreak.yaml"; printf '%s\n' "$@"; } > "$T/$name.yaml"
  set +e; run 1 "$job" --config "$T/$name.yaml" > "$T/$name.out" 2>&1; local rc=$?; set -e
  [ $rc -eq 2 ] || { cat "$T/$name.out"; die "$name: exit $rc, expected 2"; }
  grep -qE "$pat" "$T/$name.out" || { cat "$T/$name.out"; die "$name: message lacks /$pat/"; }
}
next=$(( $(wc -l < "$T/outbreak.yaml") + 1 )) # the line an appended key is on
refused unknown index "unknown.yaml:$next:1: .*unknown key 'sed'" "sed: 1"
printf 'jobs:\n  screen: {sed: 1}\n' > "$T/sec.yaml"
set +e; run 1 screen --config "$T/sec.yaml" > "$T/sec.out" 2>&1; rc=$?; set -e
[ $rc -eq 2 ] && grep -qE "sec.yaml:2:12: .*unknown key 'sed'" "$T/sec.out" || { cat "$T/sec.out"; die "a key unknown to screen in its section was accepted"; }
printf 'data: x.h5\nindex: y.h5\njobs:\n  tarce: {hops: 1}\n' > "$T/job.yaml"
set +e; run 1 index --config "$T/job.yaml" > "$T/job.out" 2>&1; rc=$?; set -e
[ $rc -eq 2 ] && grep -qE "job.yaml:4:3: jobs: unknown name 'tarce'" "$T/job.out" || { cat "$T/job.out"; die "an unknown job's section was accepted"; }
refused outside screen "outside.yaml:$next:1: .*unknown key 'cases'" "cases: $W/cases.csv"
echo "shared keys: one config ran synth, index, trace, screen, breakdown, dispatch and report; unknown keys refused"
