# t_chunks - compressed tables are compressed by every rank, chunk by chunk, and written by
# rank 0 into the closed file (io/pc_out.c): trace's tables are identical at 1-4 ranks
# with chunks far smaller than a rank's rows (most chunks span two ranks, some ranks
# hold no chunk start) and at deflate levels 1, 6 and 0 (HDF5's own pipeline); the
# tables carry shuffle, deflate and Fletcher32 as before, and h5py reads every chunk.
. "$(dirname "$0")/lib.sh"
small_run 11
ref=$T/trace.h5
$PY - "$ref" <<'PY' || die "the reference trace is too small to span ranks"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert f["contacts"].shape[0] >= 20 and f["companions"].shape[0] >= 100, (f["contacts"].shape, f["companions"].shape)
PY
for case in "1 7 1" "3 7 1" "4 5 1" "3 1000000 6" "4 13 6" "3 7 0"; do
  set -- $case
  out=$T/trace-np$1-c$2-d$3.h5
  sed "s|^output: .*|output: $out|" "$T/trace.yaml" > "$T/t.yaml"
  echo "io: {chunk_rows: $2, deflate: $3}" >> "$T/t.yaml"
  run "$1" trace --config "$T/t.yaml" > "$T/t.log" 2>&1 || { cat "$T/t.log"; die "trace at $1 ranks, chunks of $2, deflate $3 failed"; }
  $PY "$ROOT/tests/py/compare.py" "$ref" "$out" --datasets contacts companions unmatched breakdown > "$T/cmp.log" \
    || { cat "$T/cmp.log"; die "trace at $1 ranks with chunks of $2 rows, deflate $3, differs"; }
  $PY - "$out" "$2" "$3" <<'PY' || die "tables of $out are not chunked, filtered and readable as configured"
import sys, h5py
f, C, lvl = h5py.File(sys.argv[1], "r"), int(sys.argv[2]), int(sys.argv[3])
for name in ("contacts", "companions"):
    d = f[name]
    n = d.shape[0]
    assert d.chunks == (min(C, n),), (name, d.chunks)
    assert d.fletcher32, name
    assert (d.compression, d.compression_opts, d.shuffle) == (("gzip", lvl, True) if lvl else (None, None, False)), name
    for lo in range(0, n, d.chunks[0]):  # every chunk read (its checksum verified) on its own
        d[lo:lo + d.chunks[0]]
    assert d.attrs.get("description") is not None or name == "companions", name
PY
done
echo "t_chunks: trace identical at 1, 3 and 4 ranks with chunks of 5-1000000 rows, deflate 0/1/6"
