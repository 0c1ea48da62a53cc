# t_trace_edges - paicha trace agrees with the reference on the hand-built edge cases,
# at 1-4 ranks, built in memory or loaded from an index made at another rank count;
# the outputs are identical in every case and every person walks back to a case.
. "$(dirname "$0")/lib.sh"
$PY "$ROOT/tests/py/make_edges.py" "$T/e" >/dev/null
cat > "$T/idx.yaml" <<CFG
data: $T/e/edges.h5
index: $T/e/edges-index.h5
quiet: true
CFG
run 3 index --config "$T/idx.yaml" > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index at 3 ranks failed"; }
[ "$(stat -c %a "$T/e/edges-index.h5")" = 600 ] || die "index file is not mode 0600"
for name in edges edges_or; do
  $PY "$ROOT/tests/ref/trace_ref.py" "$T/e/$name.yaml" "$T/ref_$name" || die "trace_ref.py $name failed"
  companions_of=$(sed -n 's/^companions_of: \[\(.*\)\]/\1/p' "$T/e/$name.yaml" | tr -d ' ')
  for n in 1 2 3 4; do
    for how in mem idx; do
      out="$T/$name-$n-$how.h5"
      sed "s#^output: .*#output: $out#" "$T/e/$name.yaml" > "$T/run.yaml"
      [ $how = idx ] && echo "index: $T/e/edges-index.h5" >> "$T/run.yaml"
      run "$n" trace --config "$T/run.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace $name at $n ranks ($how) failed"; }
      $PY "$ROOT/tests/py/compare_trace.py" "$out" "$T/ref_$name" --counts > "$T/cmp.log" 2>&1 \
        || { cat "$T/cmp.log"; die "trace $name at $n ranks ($how) differs from the reference"; }
      [ "$(stat -c %a "$out")" = 600 ] || die "trace output is not mode 0600"
    done
  done
  $PY "$ROOT/tests/py/compare.py" "$T/$name"-*.h5 --datasets contacts companions breakdown > "$T/cmp.log" 2>&1 \
    || { cat "$T/cmp.log"; die "$name: outputs differ between rank counts or index paths"; }
  $PY "$ROOT/tests/py/check_tree.py" "$T/$name-2-idx.h5" --companions-of "$companions_of" \
    || die "$name: a flagged person does not walk back to a case"
done
# The log ends with the counts per hop, channel and code.
grep -q "trace: persons per hop: hop0 12 hop1" "$T/trace.log" || die "log lacks counts per hop"
# CZ's row (an empty window) is not traced, and the log says so (its line is in /unmatched).
grep -q "trace: 12 cases, 1 row of the cases file not traced (/unmatched), 2 hops, as_of 2021-08-09 00:00 (UTC+8)" "$T/trace.log" \
  || die "log lacks the case row not traced"
grep -q "trace: codes: red" "$T/trace.log" || die "log lacks counts per code"
# One case at 4 ranks: three ranks own nobody flagged when the first hop lands.
head -2 "$T/e/cases.csv" > "$T/one.csv"
sed -e "s#^cases: .*#cases: $T/one.csv#" -e "s#^output: .*#output: $T/one.h5#" "$T/e/edges.yaml" > "$T/one.yaml"
$PY "$ROOT/tests/ref/trace_ref.py" "$T/one.yaml" "$T/ref_one" || die "trace_ref.py one case failed"
run 4 trace --config "$T/one.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace of one case at 4 ranks failed"; }
$PY "$ROOT/tests/py/compare_trace.py" "$T/one.h5" "$T/ref_one" --counts > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "one case at 4 ranks differs from the reference"; }
