#!/usr/bin/env bash
# t_bitflip.sh - a byte flipped in any table of a dataset, an index or an output never gives a
# wrong answer with exit 0: every job run on the damaged file either stops with one clear
# error naming the file, or did not need the damaged bytes (trace reads only the stays and
# index buckets of the people it follows; report reads no /axes) and writes exactly the
# output it writes from the undamaged file. A job that reads the whole table (FULL below)
# must stop. Each table with stored data is damaged in turn, in its middle; then the index's
# raw /place_rows throughout (trace checks each bucket it reads against /bucket_sum), its
# bucket directory made non-increasing, the dataset's /stays throughout (trace checks
# each pid directory slot it reads against the index's /stays_sum) and the index's
# /dispatch_stays throughout (against /dispatch_sum).
. "$(dirname "$0")/lib.sh"
cd "$T"
cat > synth.yaml <<CFG
key: key
data: data.h5
seed: 5
persons: 3000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 6}
cases_csv: cases.csv
quiet: true
CFG
AREAS='areas: [{name: a, regions: ["4301"], from: 2021-08-01T00:00, to: 2021-08-09T00:00, min_dwell: 1h}]'
printf 'data: data.h5\nindex: o/index.h5\nquiet: true\n' > index.yaml
printf 'data: data.h5\nindex: index.h5\ncases: cases.csv\nkey: key\noutput: o/trace.h5\nhops: 2\ncompanions_of: [0]\nquiet: true\n' > trace.yaml
printf 'data: data.h5\noutput: o/screen.h5\n%s\nquiet: true\n' "$AREAS" > screen.yaml
printf 'data: data.h5\noutput: o/breakdown.h5\nflagged: [trace.h5, screen.h5]\nquiet: true\n' > breakdown.yaml
printf 'input: trace.h5\ndata: data.h5\noutput: o/lists\nquiet: true\n' > dispatch.yaml
printf 'data: data.h5\ntrace: trace.h5\nscreen: screen.h5\nbreakdown: breakdown.h5\noutput: o/report.html\nquiet: true\n' > report.yaml
printf 'data: data.h5\noutput: o/purge.h5\nretention: 7d\nquiet: true\n' > purge.yaml
job() { # job -> runs it with its config, removing its previous output
  rm -rf o; mkdir o
  case $1 in report) run 1 report --config report.yaml ;; *) run 2 "$1" --config "$1.yaml" ;; esac
}
# An output's digest, its config and the time of its run aside (purge's purged_at, also in
# its purge_log): purge does not read the dataset's /stay_buckets (it counts the stays it keeps).
digest() { $PY "$ROOT/tools/golden.py" digest o | sed -E 's/@(config|purged_at|purge_log) .*//'; }
run 2 synth --config synth.yaml > synth.log 2>&1 || { cat synth.log; die "synth failed"; }
job index > /dev/null 2>&1 && mv o/index.h5 index.h5 || die "index failed"
job trace > /dev/null 2>&1 && mv o/trace.h5 trace.h5 || die "trace failed"
job screen > /dev/null 2>&1 && mv o/screen.h5 screen.h5 || die "screen failed"
job breakdown > /dev/null 2>&1 && mv o/breakdown.h5 breakdown.h5 || die "breakdown failed"
# The undamaged outputs of every reader, to compare with.
for j in index trace screen breakdown dispatch report purge; do
  job $j > base-$j.log 2>&1 || { cat base-$j.log; die "$j failed on undamaged inputs"; }
  digest > base-$j.digest
done
# The jobs that open each file, and the (file:table job) pairs where the job reads every row
# of the table, so that damage anywhere in it must stop the job.
declare -A READERS=(
  [data.h5]="index trace screen breakdown dispatch report purge"
  [index.h5]="trace"
  [trace.h5]="dispatch breakdown report"
  [screen.h5]="breakdown report"
  [breakdown.h5]="report"
)
FULL=" data.h5:stays:index data.h5:stay_buckets:index data.h5:stays:screen data.h5:stays:purge data.h5:persons:screen
 data.h5:persons:breakdown data.h5:persons:purge data.h5:persons:report data.h5:identities:screen
 data.h5:identities:purge data.h5:regions:breakdown data.h5:regions:report
 trace.h5:contacts:dispatch trace.h5:contacts:breakdown trace.h5:contacts:report
 trace.h5:companions:dispatch trace.h5:companions:breakdown trace.h5:companions:report
 screen.h5:screened:breakdown screen.h5:screened:report breakdown.h5:targets:report
 breakdown.h5:testing:report "
FULL=" ${FULL//$'\n'/ } "
tables() { $PY -c "
import h5py, sys
f = h5py.File(sys.argv[1], 'r'); out = []
f.visititems(lambda n, o: out.append(n) if isinstance(o, h5py.Dataset) and o.id.get_storage_size() > 0 else None)
print(' '.join(out))" "$1"; }
fails=0 checked=0
for file in data.h5 index.h5 trace.h5 screen.h5 breakdown.h5; do
  cp "$file" "$file.orig"
  for t in $(tables "$file"); do
    cp "$file.orig" "$file"
    $PY "$ROOT/tests/py/flip_byte.py" "$file" "$t" > /dev/null
    for j in ${READERS[$file]}; do
      full=0; [[ $FULL == *" $file:$t:$j "* ]] && full=1
      set +e; job "$j" > "flip.log" 2>&1; rc=$?; set -e
      checked=$((checked + 1))
      if [ $rc -ne 0 ]; then
        if ! grep -q "$file" flip.log || [ "$(grep -c 'error:' flip.log)" != 1 ] || grep -qi "segmentation\|core dumped\|signal 11" flip.log; then
          echo "NOT CLEAR: $file:/$t read by $j: exit $rc without one error naming the file"
          grep 'error:' flip.log | sed 's/^/   | /' || true
          fails=$((fails + 1))
        fi
      else
        digest > flip.digest
        if [ $full = 1 ] || ! cmp -s flip.digest "base-$j.digest"; then
          echo "UNDETECTED: $file:/$t read by $j: exit 0$([ $full = 0 ] && echo ' with a different output')"
          fails=$((fails + 1))
        fi
      fi
    done
  done
  cp "$file.orig" "$file"
done
flip_all() { # flip_all FILE TABLE BYTE -> one byte of every row of a contiguous table flipped
  $PY - "$@" <<'PYX'
import sys, h5py
f = h5py.File(sys.argv[1], "r"); d = f[sys.argv[2]]; at = int(sys.argv[3])
off, size, n = d.id.get_offset(), d.dtype.itemsize, d.shape[0]; f.close()
with open(sys.argv[1], "r+b") as fh:
    for i in range(n):
        fh.seek(off + i * size + at); b = fh.read(1); fh.seek(off + i * size + at); fh.write(bytes([b[0] ^ 0x5A]))
PYX
}
trace_stops() { # what was damaged, the message trace must stop with (grep pattern)
  set +e; job trace > flip.log 2>&1; local rc=$?; set -e
  checked=$((checked + 1))
  if [ $rc -eq 0 ] || ! grep -q "$2" flip.log; then
    echo "UNDETECTED: $1, read by trace: exit $rc"; grep 'error:' flip.log || true
    fails=$((fails + 1))
  fi
}
# Trace reads /place_rows raw (pread, no HDF5 checksum): every bucket it reads is checked
# against /bucket_sum. Damage every row, so whatever trace reads is damaged: it must stop.
cp index.h5 index.h5.orig
flip_all index.h5 place_rows 17
trace_stops "index.h5:/place_rows damaged throughout" "index.h5:place_rows: bucket .* does not match its checksum"
# A bucket directory that is not increasing (rewritten whole, so its own checksum holds).
cp index.h5.orig index.h5
$PY -c "import h5py, sys; d = h5py.File(sys.argv[1], 'r+')['bucket_start']; v = d[()]; v[5], v[6] = v[6] + 1, v[5]; d[...] = v" index.h5
trace_stops "index.h5:/bucket_start not increasing" "bucket_start is not increasing"
cp index.h5.orig index.h5
# Trace reads a person's stays from the dataset's /stays raw too (pread by pid directory slot):
# each slot it reads is checked against the index's /stays_sum. Damage every row's start.
cp data.h5 data.h5.orig
flip_all data.h5 stays 17
trace_stops "data.h5:/stays damaged throughout" \
  "data.h5:stays: rows .* do not match their checksum in the index (/stays_sum"
cp data.h5.orig data.h5
# The jurisdictions come from the index's dispatch table (one stay a person, read raw by
# pid directory slot): each slot read is checked against /dispatch_sum.
flip_all index.h5 dispatch_stays 17
trace_stops "index.h5:/dispatch_stays damaged throughout" \
  "index.h5:dispatch_stays: rows .* do not match their checksum in the index"
cp index.h5.orig index.h5
echo "bit flips: $checked (table, reader) pairs, $fails undetected or unclear"
[ $fails -eq 0 ] || die "$fails damaged tables were not detected or not reported clearly"
