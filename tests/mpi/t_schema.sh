# t_schema - a table without a column its reader needs (written by another version, or by hand)
# is refused by every job that reads it, with one error naming the file, the table and the
# column, never read as zeros: the dataset's /persons without `doses`, a trace output's
# /contacts without `hop` (read by dispatch, breakdown and report), the dataset's /stays
# without `region` and an index's /place_rows without `cum` (both read at their file offset),
# and columns of another type (`hop` as a float, `sector` in ASCII). The same files with the
# column put back are read again (the check is what refused them).
. "$(dirname "$0")/lib.sh"
small_run 5 "io: {deflate: 0}"

# rewrite SRC DST TABLE COLUMN drop|float|ascii|keep: a copy of SRC whose TABLE lacks COLUMN
# (drop), holds it as a float (float) or as an ASCII string (ascii: HDF5 does not convert it to
# UTF-8), or is rewritten as it was (keep: the control), as h5py writes it.
rewrite() {
  $PY - "$@" <<'PY'
import shutil, sys
import h5py, numpy as np
src, dst, table, col, how = sys.argv[1:6]
shutil.copy(src, dst)
with h5py.File(dst, "r+") as f:
    d = f[table]
    a, attrs = d[()], dict(d.attrs)
    assert col in a.dtype.names, f"{table} has no {col} to change"
    def kind(n):
        t = a.dtype.fields[n][0]  # keeps h5py's UTF-8 tag of strings
        return t if n != col else {"float": np.dtype("f8"), "ascii": np.dtype(t.str)}.get(how, t)
    fields = [(n, kind(n)) for n in a.dtype.names if not (n == col and how == "drop")]
    b = np.zeros(a.shape, np.dtype(fields))
    for n in b.dtype.names:
        b[n] = a[n]
    del f[table]
    f.create_dataset(table, data=b)
    for k, v in attrs.items():
        f[table].attrs[k] = v
PY
}
rewrite "$T/data.h5" "$T/data-nodoses.h5" persons doses drop
rewrite "$T/data.h5" "$T/data-keep.h5" persons doses keep
rewrite "$T/data.h5" "$T/data-ascii.h5" persons sector ascii
rewrite "$T/data.h5" "$T/data-noregion.h5" stays region drop
rewrite "$T/trace.h5" "$T/trace-nohop.h5" contacts hop drop
rewrite "$T/trace.h5" "$T/trace-floathop.h5" contacts hop float
rewrite "$T/trace.h5" "$T/trace-keep.h5" contacts hop keep
rewrite "$T/index.h5" "$T/index-nocum.h5" place_rows cum drop
rewrite "$T/index.h5" "$T/index-keep.h5" place_rows cum keep
$PY - "$T" <<'PY' || die "the rewritten files are not what the test needs"
import sys, h5py
t = sys.argv[1]
assert "doses" not in h5py.File(t + "/data-nodoses.h5", "r")["persons"].dtype.names
assert "hop" not in h5py.File(t + "/trace-nohop.h5", "r")["contacts"].dtype.names
assert h5py.File(t + "/trace-floathop.h5", "r")["contacts"].dtype["hop"].kind == "f"
assert "cum" not in h5py.File(t + "/index-nocum.h5", "r")["place_rows"].dtype.names
assert len(h5py.File(t + "/trace-nohop.h5", "r")["contacts"]) > 0
PY

expect_fail() { # label, pattern, ranks, job, config lines...
  local label=$1 pat=$2 n=$3 job=$4; shift 4
  printf '%s\n' "$@" "quiet: true" > "$T/$label.yaml"
  set +e; run "$n" "$job" --config "$T/$label.yaml" > "$T/$label.log" 2>&1; local rc=$?; set -e
  [ $rc -eq 1 ] || { cat "$T/$label.log"; die "$label: exit $rc (want 1: a clear failure, not a crash or success)"; }
  grep -qF -- "$pat" "$T/$label.log" || { cat "$T/$label.log"; die "$label: no message '$pat'"; }
  [ "$(grep -c 'error:' "$T/$label.log")" = 1 ] || { cat "$T/$label.log"; die "$label: not exactly one error message"; }
  ! grep -qi "segmentation\|core dumped\|AddressSanitizer\|signal 11\|backtrace" "$T/$label.log" || die "$label: crashed"
  ! ls -a "$T" | grep -q "^out-$label\|^\.out-$label" || die "$label: left an output"
}
expect_ok() { # label, ranks, job, config lines...
  local label=$1 n=$2 job=$3; shift 3
  printf '%s\n' "$@" "quiet: true" > "$T/$label.yaml"
  run "$n" "$job" --config "$T/$label.yaml" > "$T/$label.log" 2>&1 || { cat "$T/$label.log"; die "$label failed"; }
}
AREAS="areas: [{name: a, regions: ['4301'], from: 2021-08-01T00:00, to: 2021-08-09T00:00, min_dwell: 1h}]"

# The dataset's /persons, read by index, trace, screen, breakdown and purge.
P="$T/data-nodoses.h5: table /persons has no column \`doses\` (written by another version?)"
expect_fail index-persons "$P" 2 index "data: $T/data-nodoses.h5" "index: $T/out-index-persons.h5"
expect_fail trace-persons "$P" 2 trace "data: $T/data-nodoses.h5" "index: $T/index.h5" \
  "cases: $T/cases.csv" "key: $T/key" "output: $T/out-trace-persons.h5"
expect_fail screen-persons "$P" 3 screen "data: $T/data-nodoses.h5" "output: $T/out-screen-persons.h5" "$AREAS"
expect_fail breakdown-persons "$P" 2 breakdown "data: $T/data-nodoses.h5" "output: $T/out-breakdown-persons.h5"
expect_fail purge-persons "$P" 2 purge "data: $T/data-nodoses.h5" "output: $T/out-purge-persons.h5" "retention: 7d"
expect_fail breakdown-ascii \
  "$T/data-ascii.h5: table /persons column \`sector\` is a 2-byte ASCII string, this version reads a 2-byte UTF-8 string" \
  2 breakdown "data: $T/data-ascii.h5" "output: $T/out-breakdown-ascii.h5"

# A trace output's /contacts, read by dispatch, breakdown (flagged) and report.
C="$T/trace-nohop.h5: table /contacts has no column \`hop\` (written by another version?)"
expect_fail dispatch-contacts "$C" 1 dispatch "input: $T/trace-nohop.h5" "data: $T/data.h5" \
  "output: $T/out-dispatch-contacts"
expect_fail breakdown-contacts "$C" 2 breakdown "data: $T/data.h5" "flagged: [$T/trace-nohop.h5]" \
  "output: $T/out-breakdown-contacts.h5"
expect_fail report-contacts "$C" 1 report "data: $T/data.h5" "trace: $T/trace-nohop.h5" \
  "output: $T/out-report-contacts.html"
expect_fail dispatch-floathop \
  "$T/trace-floathop.h5: table /contacts column \`hop\` is an 8-byte float, this version reads a 1-byte unsigned integer" \
  1 dispatch "input: $T/trace-floathop.h5" "data: $T/data.h5" "output: $T/out-dispatch-floathop"

# The dataset's /stays, read row by row at their file offset (screen, trace, index, purge): the
# columns are checked before the layout.
S="$T/data-noregion.h5: table /stays has no column \`region\` (written by another version?)"
expect_fail screen-stays "$S" 2 screen "data: $T/data-noregion.h5" "output: $T/out-screen-stays.h5" "$AREAS"
expect_fail index-stays "$S" 2 index "data: $T/data-noregion.h5" "index: $T/out-index-stays.h5"

# An index's /place_rows, read by trace and by index append.
I="$T/index-nocum.h5: table /place_rows has no column \`cum\` (written by another version?)"
expect_fail trace-placerows "$I" 2 trace "data: $T/data.h5" "index: $T/index-nocum.h5" \
  "cases: $T/cases.csv" "key: $T/key" "output: $T/out-trace-placerows.h5"
expect_fail append-placerows "$I" 2 index "data: $T/data.h5" "append: $T/index-nocum.h5" \
  "index: $T/out-append-placerows.h5"

# Controls: the same tables rewritten with every column are read (so the refusals above are
# the column check's), and give what the originals give.
expect_ok breakdown-keep 2 breakdown "data: $T/data-keep.h5" "flagged: [$T/trace-keep.h5]" \
  "output: $T/breakdown-keep.h5"
expect_ok breakdown-orig 2 breakdown "data: $T/data.h5" "flagged: [$T/trace.h5]" \
  "output: $T/breakdown-orig.h5"
$PY - "$T/breakdown-keep.h5" "$T/breakdown-orig.h5" <<'PY' || die "the rewritten tables read differently"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
for name in ("targets", "testing", "population"):
    assert np.array_equal(a[name][()], b[name][()]), name
assert a["testing"]["flagged"].sum() > 0
PY
expect_ok dispatch-keep 1 dispatch "input: $T/trace-keep.h5" "data: $T/data.h5" "output: $T/lists-keep"
expect_ok trace-keep 2 trace "data: $T/data.h5" "index: $T/index-keep.h5" "cases: $T/cases.csv" \
  "key: $T/key" "output: $T/trace-from-keep.h5"
$PY - "$T/trace-from-keep.h5" "$T/trace.h5" <<'PY' || die "the rewritten index gave other contacts"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
assert np.array_equal(a["contacts"][()], b["contacts"][()]) and len(b["contacts"]) > 0
PY
echo "schema: a missing or retyped column is refused by every reader, naming file, table and column"
