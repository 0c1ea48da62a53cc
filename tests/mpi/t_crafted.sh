# t_crafted - inputs crafted to make a job read other files or trust false sizes (issue 22,
# item 4): a table that is an external link into another file, a soft link, a table whose
# rows live in an external raw file (a key, say), a virtual table mapped from another file;
# declared sizes that disagree with the tables, a crafted window, a huge declared /regions,
# a /places declared huge and consistent (only the memory prediction can refuse it).
# Each is refused by the job that reads it with one clear error naming the file and the
# table, exit 1, nothing written; the untouched dataset still works.
. "$(dirname "$0")/lib.sh"
synth_cfg 2000 "$T/data.h5" 3 > "$T/synth.yaml"
printf "days: 14\nio: {deflate: 0}\n" >> "$T/synth.yaml"
run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
# A secret only root should read, which a crafted dataset would copy into an output.
head -c 4096 /dev/urandom > "$T/secret.bin" && chmod 600 "$T/secret.bin"

craft() { # name, how
  cp "$T/data.h5" "$T/$1.h5"
  $PY - "$T/$1.h5" "$2" "$T/data.h5" "$T/secret.bin" <<'PY'
import sys, h5py, numpy as np
path, how, orig, secret = sys.argv[1:]
f = h5py.File(path, "r+")
if how == "external-link":
    del f["regions"]
    f["regions"] = h5py.ExternalLink(orig, "/regions")
elif how == "soft-link":
    f.move("regions", "regions_real")
    f["regions"] = h5py.SoftLink("/regions_real")
elif how == "external-storage":
    dt = f["regions"].dtype
    n = 4096 // dt.itemsize
    del f["regions"]
    f.create_dataset("regions", shape=(n,), dtype=dt, external=[(secret, 0, n * dt.itemsize)])
elif how == "virtual":
    dt, n = f["regions"].dtype, f["regions"].shape[0]
    del f["regions"]
    lay = h5py.VirtualLayout(shape=(n,), dtype=dt)
    lay[:] = h5py.VirtualSource(orig, "regions", shape=(n,), dtype=dt)
    f.create_virtual_dataset("regions", lay)
f.close()
PY
}
for how in external-link soft-link external-storage virtual; do
  craft "$how" "$how"
  printf 'data: %s\noutput: %s\nquiet: true\n' "$T/$how.h5" "$T/b-$how.h5" > "$T/b-$how.yaml"
  set +e; run 2 breakdown --config "$T/b-$how.yaml" > "$T/b-$how.log" 2>&1; rc=$?; set -e
  [ $rc -eq 1 ] || { cat "$T/b-$how.log"; die "$how: breakdown exit $rc, not 1"; }
  case $how in
    external-link) want="regions is an external link, not a table of the file: refused" ;;
    soft-link) want="regions is a soft link, not a table of the file: refused" ;;
    external-storage) want="dataset regions keeps its rows in external files: refused" ;;
    virtual) want="dataset regions keeps its rows in other datasets (virtual): refused" ;;
  esac
  grep -qF "$T/$how.h5: $want" "$T/b-$how.log" || { cat "$T/b-$how.log"; die "$how: no clear error naming file and table"; }
  [ "$(grep -c 'error:' "$T/b-$how.log")" = 1 ] || { cat "$T/b-$how.log"; die "$how: not exactly one error"; }
  [ ! -e "$T/b-$how.h5" ] || die "$how: an output was written"
  echo "$how: refused, one error naming the file and the table"
done
printf 'data: %s\noutput: %s\nquiet: true\n' "$T/data.h5" "$T/b.h5" > "$T/b.yaml"
run 2 breakdown --config "$T/b.yaml" > "$T/b.log" 2>&1 || { cat "$T/b.log"; die "breakdown of the untouched dataset failed"; }
# The raw reader (index reads /stays by offset) refuses a virtual /stays too.
$PY - "$T/data.h5" "$T/vstays.h5" <<'PY'
import shutil, sys, h5py
orig, path = sys.argv[1:]
shutil.copy(orig, path)
f = h5py.File(path, "r+")
dt, n = f["stays"].dtype, f["stays"].shape[0]
del f["stays"]
lay = h5py.VirtualLayout(shape=(n,), dtype=dt)
lay[:] = h5py.VirtualSource(orig, "stays", shape=(n,), dtype=dt)
f.create_virtual_dataset("stays", lay)
PY
printf 'data: %s\nindex: %s\nquiet: true\n' "$T/vstays.h5" "$T/vindex.h5" > "$T/vi.yaml"
set +e; run 2 index --config "$T/vi.yaml" > "$T/vi.log" 2>&1; rc=$?; set -e
[ $rc -eq 1 ] && grep -qF "dataset stays keeps its rows in other datasets (virtual): refused" "$T/vi.log" \
  || { cat "$T/vi.log"; die "index of a virtual /stays: exit $rc, no clear error"; }
[ ! -e "$T/vindex.h5" ] || die "index of a virtual /stays wrote an index"
echo "virtual /stays: index refused it"

# Declared sizes and the window (issue 22, item 4): a /persons whose rows disagree with the
# file's `persons`, a window_end crafted far ahead (purge would cut every stay by it), and
# a /regions declared with 2^25 rows (a 3 GB allocation for a 62 MB prediction) are each
# refused when the dataset is opened, before anything is sized by them.
alter() { # name, how
  cp "$T/data.h5" "$T/$1.h5"
  $PY - "$T/$1.h5" "$2" <<'PY'
import sys, h5py, numpy as np
path, how = sys.argv[1:]
f = h5py.File(path, "r+")
if how == "persons-count":
    f.attrs["persons"] = np.uint64(f.attrs["persons"] + 1)
elif how == "window":
    f.attrs["window_end"] = np.int64(1 << 40)
elif how == "regions-size":
    dt = f["regions"].dtype
    del f["regions"]
    f.create_dataset("regions", shape=(1 << 25,), dtype=dt, chunks=(1 << 16,))
elif how == "places-size":  # declared consistently: only the memory prediction can catch it
    dt = f["places"].dtype
    del f["places"]
    f.create_dataset("places", shape=(1 << 28,), dtype=dt, chunks=(1 << 16,))
    f.attrs["places"] = np.uint64(1 << 28)
PY
}
printf 'subject,onset\n110101199001011234,2021-08-05T00:00\n' > "$T/cases.csv"
for how in persons-count window regions-size places-size; do
  alter "$how" "$how"
  case $how in
    persons-count) job=breakdown want="/persons has 2000 rows but the file says 2001 persons" ;;
    window) job=purge want="its window (window_start" ;;
    regions-size) job=breakdown want="/regions has 33554432 rows, more than any province's" ;;
    places-size) job=trace want="the dataset's /places (read whole by every rank) needs about 16384 MB more on a rank" ;;
  esac
  if [ $job = purge ]; then
    printf 'data: %s\noutput: %s\nretention: 7d\nquiet: true\n' "$T/$how.h5" "$T/o-$how.h5" > "$T/o-$how.yaml"
  elif [ $job = trace ]; then
    printf 'data: %s\ncases: %s\nkey: %s\noutput: %s\nmemory_per_rank: 4G\nquiet: true\n' "$T/$how.h5" \
      "$T/cases.csv" "$T/key" "$T/o-$how.h5" > "$T/o-$how.yaml"
  else
    printf 'data: %s\noutput: %s\nquiet: true\n' "$T/$how.h5" "$T/o-$how.h5" > "$T/o-$how.yaml"
  fi
  set +e; timeout 600 mpirun -n 2 --oversubscribe --allow-run-as-root \
    "$PAICHA" $job --config "$T/o-$how.yaml" > "$T/o-$how.log" 2>&1; rc=$?; set -e
  [ $rc -eq 1 ] && grep -qF "$want" "$T/o-$how.log" || { cat "$T/o-$how.log"; die "$how: $job exit $rc, no clear error"; }
  [ ! -e "$T/o-$how.h5" ] || die "$how: $job wrote an output"
  echo "$how: $job refused it when opening the dataset"
done
