# t_pandas - the outputs read with pandas as the README says: region, community and county
# names as str equal to the province's names, /testing with each community's county.
. "$(dirname "$0")/lib.sh"
small_run 13
printf 'data: %s\noutput: %s\nflagged: [%s]\nquiet: true\n' "$T/data.h5" "$T/bd.h5" "$T/trace.h5" > "$T/bd.yaml"
run 3 breakdown --config "$T/bd.yaml" > "$T/bd.log" 2>&1 || { cat "$T/bd.log"; die "breakdown with flagged failed"; }
$PY "$ROOT/tests/py/check_pandas.py" "$ROOT/README.md" "$T/data.h5" "$T/trace.h5" "$T/bd.h5" \
  || die "the outputs do not read as the README says"
