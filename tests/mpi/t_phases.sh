# t_phases - a job's phases (index: declared as an enum with a name table, run through PC_PHASE) keep their names, order and nesting in the phase table and run record, and a failure in any of them ends every rank with one message naming the rank and the phase, the previous output untouched.
. "$(dirname "$0")/lib.sh"
synth_cfg 3000 "$T/d.h5" 3 > "$T/s.yaml"
echo "days: 7" >> "$T/s.yaml"
run 2 synth --config "$T/s.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
printf 'data: %s\nindex: %s\n' "$T/d.h5" "$T/i.h5" > "$T/i.yaml" # the phase table: not quiet
run 3 index --config "$T/i.yaml" > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index failed"; }
# The table and the record: index's own phases with the index builder's nested under build.
$PY - "$T/i.h5.run.json" "$T/index.log" <<'PY' || die "index's phases changed name, order or nesting"
import json, re, sys
want = [("open", 0), ("build", 0), ("count", 1), ("touch", 1), ("shuffle", 1), ("sort", 1), ("flush", 1),
        ("write", 0)]
rec = json.load(open(sys.argv[1]))
got = [(p["name"], p["depth"]) for p in rec["phases"]]
assert got == want, got
assert all(p["rows"] > 0 for p in rec["phases"] if p["name"] in ("build", "write")), rec["phases"]
table = [l for l in open(sys.argv[2]) if re.match(r"^ *(open|build|count|touch|shuffle|sort|flush|write) ", l)]
shown = [(l.split()[0], (len(l) - len(l.lstrip())) // 2) for l in table]
assert shown == want, shown
PY
fail_in() { # config, index it writes, failing rank, phases...: each failure ends every rank
  local cfg=$1 idx=$2 rank=$3 phase rc; shift 3
  cp "$idx" "$T/keep.h5"
  for phase in "$@"; do
    set +e
    PAICHA_FAIL_RANK=$rank PAICHA_FAIL_PHASE=$phase run 3 index --config "$cfg" > "$T/f.out" 2>&1
    rc=$?; set -e
    [ $rc -ne 0 ] || die "failure injected in index's $phase: exit 0"
    grep -q "rank $rank: failure injected in phase '$phase'" "$T/f.out" || { cat "$T/f.out"; die "$phase: message does not name rank and phase"; }
    [ "$(grep -c 'error:' "$T/f.out")" = 1 ] || { cat "$T/f.out"; die "$phase: not exactly one error message"; }
    ! grep -q "phase (seconds)" "$T/f.out" || die "$phase: a failed run printed the phase table"
    cmp -s "$T/keep.h5" "$idx" || die "$phase: a failed run changed the previous index"
  done
}
fail_in "$T/i.yaml" "$T/i.h5" 2 open build touch shuffle flush write
# With the area view: its rows are made and written with the shuffle's pass
# over the stays, its tables under write (phase area); a failure there ends
# every rank too.
printf 'data: %s\nindex: %s\narea_view: true\n' "$T/d.h5" "$T/a.h5" > "$T/a.yaml"
run 3 index --config "$T/a.yaml" > "$T/area.log" 2>&1 || { cat "$T/area.log"; die "index with the area view failed"; }
$PY - "$T/a.h5.run.json" <<'PY' || die "index's phases with the area view changed name, order or nesting"
import json, sys
want = [("open", 0), ("build", 0), ("count", 1), ("touch", 1), ("shuffle", 1), ("sort", 1), ("flush", 1),
        ("write", 0), ("area", 1)]
rec = json.load(open(sys.argv[1]))
got = [(p["name"], p["depth"]) for p in rec["phases"]]
assert got == want, got
PY
fail_in "$T/a.yaml" "$T/a.h5" 1 shuffle area
echo "index: phases open, build (count, touch, shuffle, sort, flush), write [(area)]; a failure in each ends every rank"
