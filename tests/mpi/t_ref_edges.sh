# t_ref_edges - the trace reference (tests/ref/trace_ref.py) against hand-computed edge cases, rule and/or.
. "$(dirname "$0")/lib.sh"
$PY "$ROOT/tests/py/siphash.py" || die "SipHash-2-4 reference vectors"
$PY "$ROOT/tests/py/make_edges.py" "$T/e"
[ "$(stat -c %a "$T/e/key")" = 600 ] || die "key file is not mode 0600"
for name in edges edges_or; do
  $PY "$ROOT/tests/ref/trace_ref.py" "$T/e/$name.yaml" "$T/ref_$name" || die "trace_ref.py $name.yaml failed"
  $PY "$ROOT/tests/py/check_edges.py" "$T/e" "$T/ref_$name" "$name" || die "reference differs from the expectations of $name"
done
# The two configs differ where they must: grid rule and companions_of only touch /companions.
cmp -s "$T/ref_edges/contacts.csv" "$T/ref_edges_or/contacts.csv" || die "contacts depend on the grid rule"
! cmp -s "$T/ref_edges/companions.csv" "$T/ref_edges_or/companions.csv" || die "companions do not depend on the grid rule"
