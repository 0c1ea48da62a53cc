# t_ingest_rejects - ingest of hand-made CSV inputs holding every kind of bad row
# (make_bad_inputs.py): at 1-4 ranks /rejects is exactly the expected (file, line, reason)
# with each line's raw bytes, every good row is kept (registered persons, visitors, stays,
# places: check_rejects.py), and /persons, /identities, /stays, /places, /rejects are
# byte-identical across rank counts. Over max_reject_ratio the run fails naming exactly the
# failing files, writes no dataset and leaves the same /rejects in <data>.rejects.h5. No log
# line carries an ID number or phone of the inputs. A key file readable by others is refused.
# Duplicate stays give up the /stays written during the sort, leaving no temporary.
. "$(dirname "$0")/lib.sh"
IN=$T/in LOGS=$T/logs CHECK=$ROOT/tests/py/check_rejects.py
mkdir -p "$LOGS"
$PY "$ROOT/tests/py/make_bad_inputs.py" "$IN" > "$LOGS/make_bad_inputs.log" 2>&1 \
  || { cat "$LOGS/make_bad_inputs.log"; die "make_bad_inputs.py failed"; }
cat "$LOGS/make_bad_inputs.log"
# The files hold lines that are not UTF-8 on purpose: with the encoding forced, each is an
# `encoding` reject (under auto such a file stops the run: t_encoding).
cfg() { # data, max_reject_ratio, [key]
  cat <<CFG
key: ${3:-$T/key}
data: $1
input:
  regions: $IN/regions.csv
  persons: $IN/persons.csv
  stays: [$IN/stays-police.csv, $IN/stays-telecom.csv]
  encoding: utf-8
as_of: 2021-08-09T00:00
days: 14
max_reject_ratio: $2
quiet: true
CFG
}

# 1-4 ranks with a generous ratio: every run exactly as expected, and all alike.
for n in 1 2 3 4; do
  cfg "$T/d$n.h5" 0.9 > "$T/d$n.yaml"
  run $n ingest --config "$T/d$n.yaml" > "$LOGS/ingest-$n.log" 2>&1 \
    || { cat "$LOGS/ingest-$n.log"; die "ingest at $n ranks failed"; }
done
[ "$(stat -c %a "$T/key")" = 600 ] || die "ingest did not create the key file with mode 0600"
bad=()
for n in 1 2 3 4; do
  $PY "$CHECK" check "$T/d$n.h5" "$IN" --key "$T/key" || bad+=("$n")
done
[ ${#bad[@]} = 0 ] || die "ingest at ${bad[*]} rank(s) is not what make_bad_inputs.py expects (MISMATCH lines above)"
$PY "$ROOT/tests/py/compare.py" "$T"/d?.h5 --datasets persons identities stays places rejects > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "ingest outputs differ between rank counts"; }

# Over the ratio: exit non-zero, no dataset, the same rejects in <data>.rejects.h5, and the
# message names exactly the files over it (0.5: a file at exactly 0.5 and one whose excess is
# only duplicates are not over).
for case in 0.01:3 0.5:2; do
  r=${case%:*} n=${case#*:}
  d=$T/over-$r.h5
  cfg "$d" "$r" > "$T/over.yaml"
  if run "$n" ingest --config "$T/over.yaml" > "$LOGS/over-$r.log" 2>&1; then
    cat "$LOGS/over-$r.log"; die "ingest with max_reject_ratio $r succeeded"
  fi
  [ ! -e "$d" ] || die "a failed ingest (max_reject_ratio $r) wrote the dataset $d"
  [ -e "$d.rejects.h5" ] || { cat "$LOGS/over-$r.log"; die "no $d.rejects.h5 after max_reject_ratio $r"; }
  $PY "$ROOT/tests/py/compare.py" "$T/d1.h5" "$d.rejects.h5" --datasets rejects > "$T/cmp.log" 2>&1 \
    || { cat "$T/cmp.log"; die "$d.rejects.h5 /rejects differs from the dataset's"; }
  $PY "$CHECK" check "$d.rejects.h5" "$IN" || die "$d.rejects.h5 is not what make_bad_inputs.py expects"
  msg=$(grep -E 'error' "$LOGS/over-$r.log" | grep max_reject_ratio || true)
  [ -n "$msg" ] || { cat "$LOGS/over-$r.log"; die "no message about max_reject_ratio $r"; }
  nfail=0
  while read -r verdict name; do
    if [ "$verdict" = fail ]; then
      nfail=$((nfail + 1))
      [[ $msg == *"$name"* ]] || die "max_reject_ratio $r: the message does not name $name: $msg"
    else
      [[ $msg != *"$name"* ]] || die "max_reject_ratio $r: the message names $name, which is under it: $msg"
    fi
  done < <($PY "$CHECK" failing "$IN" "$r")
  [ $nfail -ge 1 ] || die "make_bad_inputs.py: no file over max_reject_ratio $r"
  echo "max_reject_ratio $r: $nfail file(s) over, named: ${msg#*error: }"
done
# The failed ingest's sidecar holds raw lines with identities: a later successful ingest of
# the same dataset removes it (issue 22), and so does a purge of a dataset that has one.
cfg "$T/over-0.5.h5" 0.9 | grep -v '^quiet:' > "$T/again.yaml" # its log is read below
run 2 ingest --config "$T/again.yaml" > "$LOGS/again.log" 2>&1 || { cat "$LOGS/again.log"; die "ingest again failed"; }
[ ! -e "$T/over-0.5.h5.rejects.h5" ] || die "a successful ingest left the stale $T/over-0.5.h5.rejects.h5"
grep -q "removed $T/over-0.5.h5.rejects.h5, the rejects of an earlier failed ingest" "$LOGS/again.log" \
  || { cat "$LOGS/again.log"; die "the removal of the stale rejects file is not logged"; }
# /stays is written while the stays sort, but duplicate stays move rows in the file: that
# first try is given up and the dataset written after the sort (the same, checked above at
# 1-4 ranks), leaving no temporary behind.
grep -q "duplicate stays: /stays is written after the sort" "$LOGS/again.log" \
  || { cat "$LOGS/again.log"; die "duplicate stays did not send /stays to be written after the sort"; }
left=$(find "$T" -maxdepth 1 -name '.*.tmp.*')
[ -z "$left" ] || die "ingest left temporaries behind: $left"
cp "$T/over-0.01.h5.rejects.h5" "$T/d2.h5.rejects.h5"
printf 'data: %s\noutput: %s\nretention: 7d\nquiet: true\n' "$T/d2.h5" "$T/d2-purged.h5" > "$T/purge.yaml"
run 2 purge --config "$T/purge.yaml" > "$LOGS/purge.log" 2>&1 || { cat "$LOGS/purge.log"; die "purge failed"; }
[ ! -e "$T/d2.h5.rejects.h5" ] || die "purge left the rejects file beside the dataset it purged"
echo "stale rejects files: removed by a successful ingest and by purge"


# A key file readable by group or others is refused; nothing is written.
cp "$T/key" "$T/key644"
chmod 644 "$T/key644"
cfg "$T/k.h5" 0.9 "$T/key644" > "$T/k.yaml"
if run 2 ingest --config "$T/k.yaml" > "$LOGS/key644.log" 2>&1; then
  cat "$LOGS/key644.log"; die "ingest accepted a key file of mode 0644"
fi
grep -q "key file $T/key644" "$LOGS/key644.log" || { cat "$LOGS/key644.log"; die "no clear message about the 0644 key file"; }
if [ -e "$T/k.h5" ] || [ -e "$T/k.h5.rejects.h5" ]; then die "ingest with a refused key wrote a file"; fi

# A persons file without its header row: refused, naming the file, without quoting the first
# row's values (an ID number); a misspelt header column is quoted, to be found and fixed.
tail -n +2 "$IN/persons.csv" > "$T/noheader.csv"
sed '1s/id_number/id_nubmer/' "$IN/persons.csv" > "$T/typo.csv"
for h in noheader typo; do
  cfg "$T/$h.h5" 0.9 | sed "s|persons: .*|persons: $T/$h.csv|" > "$T/$h.yaml"
  if run 2 ingest --config "$T/$h.yaml" > "$LOGS/$h.log" 2>&1; then
    cat "$LOGS/$h.log"; die "ingest accepted a persons file with header '$h'"
  fi
  grep -q "$T/$h.csv: header column 1" "$LOGS/$h.log" || { cat "$LOGS/$h.log"; die "$h: the header is not named"; }
done
grep -q 'header column 1 ("id_nubmer") is not one of the contract' "$LOGS/typo.log" || { cat "$LOGS/typo.log"; die "a misspelt header column is not quoted"; }
grep -q 'not quoted: it holds digits; is the header row missing' "$LOGS/noheader.log" || { cat "$LOGS/noheader.log"; die "a missing header row is not explained"; }

# No log line of any run holds an ID number or a phone of the inputs.
$PY "$CHECK" identities "$IN" > "$T/identities.txt" || die "check_rejects.py identities failed"
[ "$(wc -l < "$T/identities.txt")" -ge 40 ] || die "too few identities found in the inputs"
if grep -F -f "$T/identities.txt" "$LOGS"/*.log > "$T/leaks.txt"; then
  head -5 "$T/leaks.txt"; die "a log line holds an ID number or phone of the inputs"
fi
echo "no identities in the $(cat "$LOGS"/*.log | wc -l) lines of $(find "$LOGS" -name '*.log' | wc -l) logs"
