#!/usr/bin/env bash
# t_emergency - jobs/emergency as a duty officer runs it, on a real single-node Slurm:
# (a) the officer's config with paths relative to its own directory, run from elsewhere,
# gives the lists; (b) a typo in the config, or a bad row of the new cases file, is refused
# before anything is submitted (exit 2, the officer's file:line:column or cases.csv:LINE, no
# new job); (c) an index job that fails at run time (a dataset damaged where --check cannot
# see) makes --wait return non-zero within seconds, naming the job and quoting its error.
# --help prints the usage, exit 0. Skipped, saying so, only where Slurm is not installed.
. "$(dirname "$0")/lib.sh"
"$ROOT/jobs/emergency" --help > "$T/help.log" 2>&1 || die "emergency --help exited non-zero"
grep -q "jobs/emergency CASES.csv TRACE.yaml" "$T/help.log" && ! grep -q '^set \|\${' "$T/help.log" \
  || { cat "$T/help.log"; die "emergency --help does not print its usage"; }
local_slurm t_emergency
# The officer's site: a dataset, its index, the key, a config naming them relative to itself.
site=$T/site
mkdir -p "$site" "$T/elsewhere"
cat > "$site/synth.yaml" <<CFG
key: key
data: data.h5
seed: 5
persons: 10000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 12}
cases_csv: cases.csv
io: {deflate: 0}
quiet: true
CFG
(cd "$T/elsewhere" && run 2 synth --config ../site/synth.yaml) > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
printf 'data: data.h5\nindex: index.h5\nquiet: true\n' > "$site/index.yaml"
(cd "$T/elsewhere" && run 2 index --config ../site/index.yaml) > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index failed"; }
printf 'data: data.h5\nindex: index.h5\ncases: old-cases.csv\nkey: key\noutput: trace.h5\ncompanions_of: [0, 1]\nquiet: true\n' \
  > "$site/trace.yaml"
njobs() { scontrol show jobs 2>/dev/null | grep -c '^JobId=' || true; }

# (a) Relative paths, from another directory: trace and lists.
(cd "$T/elsewhere" && "$ROOT/jobs/emergency" ../site/cases.csv ../site/trace.yaml --dir em1 --wait) > "$T/em1.log" 2>&1 \
  || { cat "$T/em1.log"; cat "$T"/elsewhere/em1/*.err 2>/dev/null; die "emergency with a relative-path config failed"; }
cat "$T/em1.log"
grep -q "lists ready in" "$T/em1.log" || die "emergency did not say the lists are ready"
ls "$T"/elsewhere/em1/lists/*.csv > /dev/null 2>&1 || die "no lists were produced"
grep -q "^data: $site/data.h5\$" "$T/elsewhere/em1/trace.yaml" || die "the generated config does not hold the absolute data path"

# (a2) A campaign: two reruns on one ledger. The first batch's lists hold everyone the
# trace flagged; the second's (the same cases again) hold nobody: each person goes once.
sum_lists() { "$PY" -c "import csv,sys; print(sum(int(r['count']) for r in csv.DictReader(open(sys.argv[1], encoding='utf-8-sig'))))" "$1"; }
mkdir -p "$T/elsewhere/camp"
for b in 1 2; do
  (cd "$T/elsewhere" && "$ROOT/jobs/emergency" ../site/cases.csv ../site/trace.yaml --ledger camp/ledger.h5 --dir led$b --wait) \
    > "$T/led$b.log" 2>&1 || { cat "$T/led$b.log"; cat "$T"/elsewhere/led$b/*.err 2>/dev/null; die "emergency --ledger failed (batch $b)"; }
  grep -q "appended to $T/elsewhere/camp/ledger.h5" "$T/led$b.log" || { cat "$T/led$b.log"; die "emergency did not name the ledger"; }
done
n1=$(sum_lists "$T/elsewhere/led1/lists/manifest.csv") n2=$(sum_lists "$T/elsewhere/led2/lists/manifest.csv")
flagged=$("$PY" -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); print(len(f['contacts'])+len(f['companions']))" "$T/elsewhere/led1/trace.h5")
[ "$n1" -eq "$flagged" ] && [ "$flagged" -gt 0 ] || die "batch 1's lists hold $n1 persons, the trace flagged $flagged"
[ "$n2" -eq 0 ] || die "batch 2 (the same cases) sent $n2 persons again"
"$PY" -c "import h5py,sys; b=h5py.File(sys.argv[1],'r')['batches'][:]; sys.exit(0 if list(b['batch'])==[1,2] and b['new_flagged'][1]==0 else 1)" \
  "$T/elsewhere/camp/ledger.h5" || die "the ledger does not hold the two batches"

# (b) A typo in the officer's config: refused before submitting, at its line and column.
sed 's/^hops: .*//; s/^companions_of: \[0, 1\]$/companions_of: [0, 1]\nhopz: 2/' "$site/trace.yaml" > "$site/typo.yaml"
line=$(grep -n '^hopz' "$site/typo.yaml" | cut -d: -f1)
before=$(njobs)
set +e
(cd "$T/elsewhere" && "$ROOT/jobs/emergency" ../site/cases.csv ../site/typo.yaml --dir em-typo --wait) > "$T/typo.log" 2>&1
rc=$?
set -e
cat "$T/typo.log"
[ $rc -eq 2 ] || die "a config typo: emergency exited $rc, not 2"
grep -q "\.\./site/typo.yaml:$line:1: unknown key 'hopz'" "$T/typo.log" || die "the typo was not named at the officer's file:line:column"
[ "$(njobs)" = "$before" ] || die "a job was submitted for a config with a typo"
[ ! -e "$T/elsewhere/em-typo" ] || die "the run directory was created for a config with a typo"
sed 's/^hops: .*//; s/^quiet: true$/quiet: true\nhops: two/' "$site/trace.yaml" > "$site/badvalue.yaml"
set +e
(cd "$T/elsewhere" && "$ROOT/jobs/emergency" ../site/cases.csv ../site/badvalue.yaml --dir em-bad) > "$T/bad.log" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "badvalue.yaml:8:7: hops: expected an integer" "$T/bad.log" \
  || { cat "$T/bad.log"; die "a bad value was not refused at its line and column (exit $rc)"; }
# A bad row of the new cases file: refused at cases.csv:LINE, never its subject.
cp "$site/cases.csv" "$T/new-cases.csv"
printf '%s,2021-08-31T00:00,,\n' "$(id_of 430102 19800101 7)" >> "$T/new-cases.csv"
bad_line=$(wc -l < "$T/new-cases.csv")
before=$(njobs)
set +e
(cd "$T/elsewhere" && "$ROOT/jobs/emergency" ../new-cases.csv ../site/trace.yaml --dir em-rows --wait) > "$T/rows.log" 2>&1
rc=$?
set -e
cat "$T/rows.log"
[ $rc -eq 2 ] || die "a bad cases row: emergency exited $rc, not 2"
grep -q "new-cases.csv:$bad_line: onset after as_of" "$T/rows.log" || die "the bad cases row was not named at its line"
! grep -q "$(id_of 430102 19800101 7)" "$T/rows.log" || die "the subject of a bad row was printed"
[ "$(njobs)" = "$before" ] || die "a job was submitted for a bad cases file"

# (c) A dataset damaged inside /stays (HDF5 opens it, --check passes) and no index yet: the
# index job fails; --wait returns at once, naming it and its error, and cancels the rest.
dmg=$T/dmg
mkdir -p "$dmg"
cp "$site/data.h5" "$site/key" "$dmg/"
chmod 600 "$dmg/key"
at=$($PY -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r'); print(f['stays'].id.get_offset() + 48 * (len(f['stays']) // 2))" "$dmg/data.h5")
printf '\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07' | dd of="$dmg/data.h5" bs=1 seek="$at" conv=notrunc status=none
cp "$site/trace.yaml" "$dmg/trace.yaml"
[ ! -e "$dmg/index.h5" ] || die "the damaged setup has an index already"
t0=$SECONDS
set +e
(cd "$T/elsewhere" && timeout 300 "$ROOT/jobs/emergency" ../site/cases.csv ../dmg/trace.yaml --dir em-dmg --wait) > "$T/dmg.log" 2>&1
rc=$?
set -e
took=$((SECONDS - t0))
cat "$T/dmg.log"
[ $rc -ne 0 ] && [ $rc -ne 124 ] || die "a failing index job: --wait exited $rc"
[ $took -lt 60 ] || die "--wait took $took s to report a failed index job"
jid=$(sed -n 's/^index: job \([0-9]*\).*/\1/p' "$T/dmg.log")
[ -n "$jid" ] || die "no index job was submitted for a missing index"
grep -q "the index job $jid ended FAILED" "$T/dmg.log" || die "--wait did not name the failed index job"
grep -q "^  paicha index: error: .*stays" "$T/dmg.log" || die "--wait did not quote the index job's error line"
for id in $(sed -n 's/^\(trace\|lists\): job \([0-9]*\).*/\2/p' "$T/dmg.log"); do
  s=$(scontrol show job "$id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
  [ -z "$s" ] || [ "$s" = CANCELLED ] || die "job $id after the failed index is $s, not cancelled"
done
echo "t_emergency: relative paths work, typos and bad rows are refused before submitting, a failed index job is reported in ${took} s"
