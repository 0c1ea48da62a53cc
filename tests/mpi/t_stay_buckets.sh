#!/usr/bin/env bash
# t_stay_buckets.sh - synth writes /stay_buckets, the dataset's stays counted by place bucket as
# a reading of the bucket rule row by row counts them, and index takes its counts from it
# instead of a pass over /stays: the index is the one counted from the stays themselves (at
# 1, 2, 3 and 4 ranks; at fewer buckets, folded), and index counts them itself when the file has
# none, when it counted other stays (a stale tag) or other buckets. Counts that do not match
# the stays (a damaged file whose HDF5 checksum still verifies) stop index with one error
# naming the file, and no index is left.
. "$(dirname "$0")/lib.sh"
cd "$T"
{ synth_cfg 3000 data.h5 5; echo "days: 14"; } > synth.yaml
run 2 synth --config synth.yaml > synth.log 2>&1 || { cat synth.log; die "synth failed"; }
$PY "$ROOT/tests/py/check_stay_buckets.py" data.h5 || die "synth's /stay_buckets is not the stays' counts"
nb=$($PY -c "import h5py, sys; print(len(h5py.File(sys.argv[1], 'r')['stay_buckets']))" data.h5)
edit() { # edit SRC DST PYTHON: a copy of SRC changed by PYTHON (f: the file open r+)
  cp "$1" "$2"
  $PY -c "import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'r+')
$3" "$2"
}
edit data.h5 bare.h5 "del f['stay_buckets']; del f.attrs['stay_buckets_checksum']"
edit data.h5 stale.h5 "f.attrs['stay_buckets_checksum'] = np.uint64(int(f.attrs['stays_checksum']) ^ 1)"
index() { # index NAME DATA RANKS [BUCKETS] -> idx-NAME.h5, NAME.log
  printf 'data: %s\nindex: idx-%s.h5\nbuckets: %s\n' "$2" "$1" "${4:-0}" > "$1.yaml"
  run "$3" index --config "$1.yaml" > "$1.log" 2>&1
}
said() { grep -q "$2" "$1.log" || { cat "$1.log"; die "$1: the log does not say: $2"; }; }
for n in 1 2 3 4; do
  index file$n data.h5 $n || { cat file$n.log; die "index from the dataset's counts at $n ranks failed"; }
  said file$n "bucket counts from the dataset's /stay_buckets: one pass over /stays"
done
index bare bare.h5 2 || { cat bare.log; die "index of the dataset without /stay_buckets failed"; }
said bare "counting the stays by bucket (the dataset has no /stay_buckets): two passes"
index stale stale.h5 2 || { cat stale.log; die "index of the dataset with a stale /stay_buckets failed"; }
said stale "counting the stays by bucket (its /stay_buckets counted other stays)"
index more data.h5 2 $((nb * 2)) || { cat more.log; die "index at twice the buckets failed"; }
said more "counting the stays by bucket (its /stay_buckets counts other buckets)"
index fold data.h5 3 $((nb / 4)) || { cat fold.log; die "index at a quarter of the buckets failed"; }
said fold "bucket counts from the dataset's /stay_buckets"
index barefold bare.h5 2 $((nb / 4)) || { cat barefold.log; die "counted index at a quarter of the buckets failed"; }
same() { # same A B: every dataset of index A equals B's, and their identities of the data
  $PY - "$1" "$2" <<'PY' || die "index $1 differs from $2"
import h5py, numpy as np, sys
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
assert "place_rows" in names and "bucket_start" in names, names
other = []
b.visititems(lambda n, o: other.append(n) if isinstance(o, h5py.Dataset) else None)
assert sorted(names) == sorted(other), (names, other)
for n in names:
    assert np.array_equal(a[n][()], b[n][()]), f"{n} differs"
for k in ("data_stays", "data_stays_checksum", "buckets", "stays_checksum"):
    if k in a.attrs or k in b.attrs:
        assert a.attrs[k] == b.attrs[k], k
PY
}
same idx-file1.h5 idx-file2.h5; same idx-file1.h5 idx-file3.h5; same idx-file1.h5 idx-file4.h5
same idx-file1.h5 idx-bare.h5; same idx-file1.h5 idx-stale.h5; same idx-fold.h5 idx-barefold.h5
# Counts moved between two buckets, their total kept, written through h5py (the HDF5 checksum
# verifies): the stays are sound, the counts are not.
# Far apart (a group of buckets gets more rows than counted, at 2 ranks), and between the two
# buckets of one group (its total right: found when the group is split, at 1 rank, where
# $nb buckets make groups of 2).
edit data.h5 bad.h5 "d = f['stay_buckets']; v = d[()]; k = int(np.argmax(v)); j = int(np.argmin(v)); v[k] -= 1; v[j] += 1; d[...] = v"
edit data.h5 bad2.h5 "d = f['stay_buckets']; v = d[()]; v[0] -= 1; v[1] += 1; d[...] = v"
# And one count more than there are stays: refused as soon as the counts are read.
edit data.h5 bad3.h5 "d = f['stay_buckets']; v = d[()]; v[5] += 1; d[...] = v"
if index bad3 bad3.h5 2; then die "index took counts of more stays than /stays holds"; fi
said bad3 "bad3.h5: /stay_buckets counts [0-9]* stays, /stays holds [0-9]*: the file is damaged"
[ "$(grep -c 'error:' bad3.log)" = 1 ] || { cat bad3.log; die "not one error for the counts' total"; }
for b in bad:2 bad2:1; do
  name=${b%:*}
  if index $name $name.h5 ${b#*:}; then die "index took counts that do not match the stays ($name)"; fi
  [ "$(grep -c 'error:' $name.log)" = 1 ] || { cat $name.log; die "not one error for the wrong counts ($name)"; }
  said $name "$name.h5: /stay_buckets does not count the stays of /stays"
  [ -z "$(ls -A | grep "^idx-$name" || true)" ] || die "an index (or its temporary) was left for $name's counts"
done
echo "t_stay_buckets: the counts are the stays'; the index is the same from them and counted ($nb buckets, 1-4 ranks, folded); stale, other and wrong counts handled"
