# t_synth_valid - the registry is realistic and consistent: IDs, births, sexes, phones, files.
. "$(dirname "$0")/lib.sh"
synth_cfg 20000 "$T/d.h5" 11 > "$T/s.yaml"
run 3 synth --config "$T/s.yaml"
$PY "$ROOT/tests/py/check_registry.py" "$T/d.h5" 20000
# Personal data: the dataset, the key and the run record are owner-only.
for f in "$T/d.h5" "$T/key" "$T/d.h5.run.json"; do
  m=$(stat -c %a "$f"); [ "$m" = 600 ] || die "$f has mode $m, expected 600"
done
