#!/usr/bin/env bash
# t_golden.sh - make demo's outputs (every table, attribute, list and the report) equal the
# committed digest: a refactor that changes what a reader gets fails here.
# After an intended change of outputs, regenerate the digest and commit it with the change:
#   KEEP=1 bash tests/mpi/t_golden.sh   (prints the scratch dir), then
#   (head -3 tests/golden/demo-np2.txt; /usr/bin/python3 tools/golden.py digest DIR/demo) > new; mv new tests/golden/demo-np2.txt
. "$(dirname "$0")/lib.sh"
golden=$ROOT/tests/golden/demo-np2.txt
d=$T/demo
mkdir -p "$d"
# A fixed key: pids (and so every row order) follow from it.
echo 0123456789abcdef0123456789abcdef > "$d/paicha.key"
chmod 600 "$d/paicha.key"
DEMO_DIR=$d NP=2 bash "$ROOT/tools/demo.sh" > "$T/demo.log" 2>&1 || { tail -20 "$T/demo.log"; die "make demo failed"; }
$PY "$ROOT/tools/golden.py" check "$d" "$golden" | tee "$T/check.txt" || die "the demo's outputs differ from $golden"
n=$(grep -vc '^#' "$golden")
[ "$n" -gt 200 ] || die "the golden digest holds only $n objects"
# Positive control: one changed value in a table, one in an attribute, one byte of a list.
$PY - "$d" <<'PY'
import h5py, sys
with h5py.File(sys.argv[1] + "/demo-trace.h5", "r+") as f:
    c = f["contacts"]; r = c[0]; r["hop"] = r["hop"] + 1; c[0] = r
    f.attrs["as_of"] = f.attrs["as_of"] + 1
PY
f=$(ls "$d"/demo-lists/*.csv | head -1)
printf 'x' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
if $PY "$ROOT/tools/golden.py" check "$d" "$golden" > "$T/bad.txt"; then die "a changed output passed the golden check"; fi
grep -q 'differs: demo-trace.h5:/contacts$' "$T/bad.txt" || die "a changed /contacts row was not seen"
grep -q 'differs: demo-trace.h5:/@as_of$' "$T/bad.txt" || die "a changed attribute was not seen"
grep -q "differs: demo-lists/$(basename "$f")\$" "$T/bad.txt" || die "a changed list was not seen"
echo "golden: the demo's outputs equal the committed digest; a changed row, attribute and list are caught"
