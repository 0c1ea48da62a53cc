# t_breakdown - the population cube: totals, marginals against numpy, scales, targets; 1-4 ranks.
. "$(dirname "$0")/lib.sh"
synth_cfg 10000 "$T/d.h5" 5 > "$T/s.yaml"
run 2 synth --config "$T/s.yaml"
for n in 1 2 3 4; do
  cat > "$T/b$n.yaml" <<CFG
data: $T/d.h5
output: $T/b$n.h5
quiet: true
read_rows: 1500
breakdown:
  level: county
vaccination:
  required_doses: 2
CFG
  run $n breakdown --config "$T/b$n.yaml"
done
$PY "$ROOT/tests/py/check_breakdown.py" "$T/d.h5" "$T/b1.h5" county 2 3
$PY "$ROOT/tests/py/compare.py" "$T/b1.h5" "$T/b2.h5" "$T/b3.h5" "$T/b4.h5" --datasets population targets axes
# Another level and other age edges.
cat > "$T/c.yaml" <<CFG
data: $T/d.h5
output: $T/c.h5
quiet: true
breakdown:
  level: community
  age_edges: [0, 18, 65]
vaccination:
  required_doses: 3
  min_age: 18
CFG
run 3 breakdown --config "$T/c.yaml"
$PY "$ROOT/tests/py/check_breakdown.py" "$T/d.h5" "$T/c.h5" community 3 18
