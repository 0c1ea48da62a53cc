# t_synth_ranks - synth gives identical /persons and /identities at 1, 2, 3 and 4 ranks.
. "$(dirname "$0")/lib.sh"
for n in 1 2 3 4; do
  synth_cfg 10000 "$T/d$n.h5" 7 > "$T/s$n.yaml"
  run $n synth --config "$T/s$n.yaml"
done
$PY "$ROOT/tests/py/compare.py" "$T/d1.h5" "$T/d2.h5" "$T/d3.h5" "$T/d4.h5" \
  --datasets persons identities regions
# A different seed gives a different province (the comparison can fail).
synth_cfg 10000 "$T/e.h5" 8 > "$T/e.yaml"
run 2 synth --config "$T/e.yaml"
if $PY "$ROOT/tests/py/compare.py" "$T/d1.h5" "$T/e.h5" --datasets persons 2>/dev/null; then
  die "seed 7 and seed 8 gave the same persons"
fi
