# t_diskfull - the output's file system full (a 200 kB tmpfs): a clear error, exit 1, nothing
# partial at the final path, no temporary left (screen, also with room for its tables but not
# for the close; index, whose rows a thread writes); the lists of dispatch, a set of files, are
# replaced whole or not at all, also at 3 ranks where rank 0 is fed the rows of its HDF5 files
# (one error, exit 1, whether the disk fills within them or at their close). Skipped, saying
# so, where tmpfs cannot be mounted.
. "$(dirname "$0")/lib.sh"
M=$T/full
# A collective write inside HDF5 can fail on one rank only (parallel HDF5 fills a filtered
# dataset's chunks collectively when it creates it): the failed rank then stops the job itself
# after PAICHA_FAILURE_WAIT seconds (t_failures), with the same message. 10 s keeps this short.
export PAICHA_FAILURE_WAIT=10
mkdir -p "$M"
mount -t tmpfs -o size=200k,mode=700 tmpfs "$M" 2> /dev/null || { echo "SKIP t_diskfull: cannot mount a tmpfs here (not root?)"; exit 0; }
trap 'umount "$M" 2>/dev/null; rm -rf "$T"' EXIT
cat > "$T/synth.yaml" <<CFG
key: $T/key
data: $T/data.h5
seed: 5
persons: 10000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 12}
cases_csv: $T/cases.csv
quiet: true
CFG
run 2 synth --config "$T/synth.yaml" > /dev/null 2>&1 || die "synth failed"
# The same people as agencies' CSV files, for ingest below.
sed -e "s|^data: .*|data: $T/csvdata.h5|" "$T/synth.yaml" > "$T/synth-csv.yaml"
echo "csv: $T/csv" >> "$T/synth-csv.yaml"
run 2 synth --config "$T/synth-csv.yaml" > /dev/null 2>&1 || die "synth of the CSV failed"
# fails_when_full JOB PATTERN OUTPUT: JOB (config $T/JOB.yaml) on the full disk exits non-zero
# with exactly one error, matching PATTERN, and leaves neither OUTPUT nor any other file.
fails_when_full() {
  if run 2 "$1" --config "$T/$1.yaml" > "$T/$1.log" 2>&1; then die "$1 on a full disk exited 0"; fi
  grep -q "$2" "$T/$1.log" || { cat "$T/$1.log"; die "$1: no clear message about the full disk"; }
  [ "$(grep -c 'error:' "$T/$1.log")" = 1 ] || { cat "$T/$1.log"; die "$1: not exactly one error message"; }
  [ ! -e "$3" ] || die "$1: a partial output at the final path"
  [ -z "$(ls -A "$M" | grep -v '\.run\.json$' || true)" ] || { ls -la "$M"; die "$1: files left on the full disk"; }
}
# A screen whose output (~1 MB) cannot fit in 200 kB.
cat > "$T/screen.yaml" <<CFG
data: $T/data.h5
output: $M/screen.h5
areas: [{name: all, regions: ["43"], from: 2021-07-27T00:00, to: 2021-08-09T00:00, min_dwell: 1m}]
quiet: true
CFG
if run 2 screen --config "$T/screen.yaml" > "$T/screen.log" 2>&1; then die "screen on a full disk exited 0"; fi
grep -q "disk full" "$T/screen.log" || { cat "$T/screen.log"; die "no clear message about the full disk"; }
[ "$(grep -c 'error:' "$T/screen.log")" = 1 ] || { cat "$T/screen.log"; die "not exactly one error message"; }
[ ! -e "$M/screen.h5" ] || die "a partial screen output at the final path"
[ -z "$(ls -A "$M" | grep -v '\.run\.json$' || true)" ] || { ls -la "$M"; die "files left on the full disk"; }
# Room for every table but not for the metadata HDF5 writes when it closes the file: 8 kB less
# than the file needs (before the close got its room first: "cannot close" and a crash at
# MPI_Finalize; 4 kB more, a hang inside H5Fclose).
mount -o remount,size=20m "$M" || die "cannot grow the tmpfs"
run 2 screen --config "$T/screen.yaml" > "$T/screen.log" 2>&1 || { cat "$T/screen.log"; die "screen with room failed"; }
kb=$(du -k "$M/screen.h5" | cut -f1)
rm -f "$M"/screen.h5*
mount -o remount,size=$((kb - 8))k "$M" || die "cannot shrink the tmpfs"
if run 2 screen --config "$T/screen.yaml" > "$T/screen.log" 2>&1; then die "screen without room to close exited 0"; fi
grep -q "cannot close $M/screen.h5: disk full" "$T/screen.log" || { cat "$T/screen.log"; die "no clear message about the full disk at the close"; }
[ "$(grep -c 'error:' "$T/screen.log")" = 1 ] || { cat "$T/screen.log"; die "at the close: not exactly one error message"; }
[ -z "$(ls -A "$M" | grep -v '\.run\.json$' || true)" ] || { ls -la "$M"; die "files left after the close failed"; }
rm -f "$M"/*.run.json
mount -o remount,size=200k "$M" || die "cannot shrink the tmpfs"
# index: /place_rows is written by a thread while the sort ends; its failure is the job's.
printf 'data: %s\nindex: %s\nquiet: true\n' "$T/data.h5" "$M/index.h5" > "$T/index.yaml"
fails_when_full index "disk full" "$M/index.h5"
# ingest: /stays is made in a ring a thread writes from; with room for every table but half
# of /stays, the failed write is the job's, told once, nothing left.
ingest_cfg "$M/ingest.h5" > "$T/ingest.yaml"
mount -o remount,size=100m "$M" || die "cannot grow the tmpfs"
run 2 ingest --config "$T/ingest.yaml" > "$T/ingest.log" 2>&1 || { cat "$T/ingest.log"; die "ingest with room failed"; }
kb=$(du -k "$M/ingest.h5" | cut -f1)
stays_kb=$(/usr/bin/python3 -c "import h5py; print(h5py.File('$M/ingest.h5')['stays'].nbytes // 1024)")
[ "$stays_kb" -gt 1000 ] || die "a /stays of $stays_kb kB is too small to fill a ring"
rm -f "$M"/ingest.h5*
mount -o remount,size=$((kb - stays_kb / 2))k "$M" || die "cannot shrink the tmpfs"
fails_when_full ingest "/stays.*disk full" "$M/ingest.h5"
rm -f "$M"/*.run.json
mount -o remount,size=200k "$M" || die "cannot shrink the tmpfs"
# dispatch: previous lists (a small set) stay whole when the new set cannot be written.
cat > "$T/trace.yaml" <<CFG
data: $T/data.h5
cases: $T/cases.csv
key: $T/key
output: $T/trace.h5
companions_of: [0, 1]
quiet: true
CFG
run 2 trace --config "$T/trace.yaml" > /dev/null 2>&1 || die "trace failed"
mkdir -p "$M/lists" && echo "previous list" > "$M/lists/4301-old.csv"
printf 'input: %s\ndata: %s\noutput: %s\noverwrite: true\nquiet: true\n' "$T/trace.h5" "$T/data.h5" "$M/lists" > "$T/d.yaml"
head -c 180000 /dev/zero > "$M/filler"   # leave ~20 kB: the lists do not fit
if run 2 dispatch --config "$T/d.yaml" > "$T/d.log" 2>&1; then die "dispatch on a full disk exited 0"; fi
grep -q "No space left on device" "$T/d.log" || { cat "$T/d.log"; die "no clear message about the full disk"; }
[ "$(ls "$M/lists")" = "4301-old.csv" ] || { ls -la "$M/lists"; die "the previous lists were not left whole"; }
[ -z "$(ls -d "$M"/lists.* 2>/dev/null || true)" ] || die "a temporary list directory was left"
rm "$M/filler"
mount -o remount,size=20m "$M" || die "cannot grow the tmpfs"
run 2 dispatch --config "$T/d.yaml" > "$T/d.log" 2>&1 || { cat "$T/d.log"; die "dispatch with room failed"; }
[ ! -e "$M/lists/4301-old.csv" ] && [ "$(ls "$M"/lists/*.csv | wc -l)" -ge 2 ] || die "the new set did not replace the old one"
# Community lists with employers at 3 ranks: rank 0 writes the communities' and employers'
# HDF5 files as the others feed it their rows while they write their CSVs, each round's room
# taken before its groups are written. With 500 kB, half the set or all but 1 MB left: every
# rank stops with one clear error, exit 1 (no rank waits on a piece that will not come, and
# HDF5 is not left holding a file it cannot close: it crashed at MPI_Finalize before), the
# previous set whole, no temporary left.
sed -e "s|^output: .*|output: $T/trace-comm.h5|" "$T/trace.yaml" > "$T/trace-comm.yaml"
echo "dispatch: {level: community}" >> "$T/trace-comm.yaml"
run 2 trace --config "$T/trace-comm.yaml" > /dev/null 2>&1 || die "community-level trace failed"
printf 'input: %s\ndata: %s\noutput: %s\noverwrite: true\nlevel: community\nemployers: true\nquiet: true\n' \
  "$T/trace-comm.h5" "$T/data.h5" "$M/lists" > "$T/dc.yaml"
mount -o remount,size=60m "$M" || die "cannot grow the tmpfs"
run 3 dispatch --config "$T/dc.yaml" > "$T/dc.log" 2>&1 || { cat "$T/dc.log"; die "community lists with room failed"; }
need=$(du -sk "$M/lists" | cut -f1) # the set's size, kB
for left in 500 $((need / 2)) $((need - 1024)); do
  rm -rf "$M/lists" && mkdir -p "$M/lists" && echo "previous list" > "$M/lists/4301-old.csv"
  free=$(df -k --output=avail "$M" | tail -1)
  head -c $(( (free - left) * 1024 )) /dev/zero > "$M/filler"
  rc=0
  run 3 dispatch --config "$T/dc.yaml" > "$T/dc.log" 2>&1 || rc=$?
  [ "$rc" = 1 ] || { cat "$T/dc.log"; die "community lists on a full disk ($left kB left): exit $rc, not 1"; }
  [ "$(grep -c 'error:' "$T/dc.log")" = 1 ] || { cat "$T/dc.log"; die "not exactly one error ($left kB left)"; }
  grep -q "disk full\|No space left on device" "$T/dc.log" \
    || { cat "$T/dc.log"; die "no clear message about the full disk ($left kB left)"; }
  [ "$(ls "$M/lists")" = "4301-old.csv" ] || { ls -la "$M/lists"; die "the previous lists were not left whole"; }
  [ -z "$(ls -d "$M"/lists.* 2>/dev/null || true)" ] || die "a temporary list directory was left"
  rm -f "$M/filler"
done
echo "t_diskfull: ok"
