# t_campaign_isolation - isolation ends a contact's window (SPEC Rules, issue 16 item 2): on a
# hand-built dataset (tests/py/make_isolation.py), hop-1 B reported isolated at T by the
# feedback: the next trace with the ledger finds D (met B before T) and E1 (exactly 15 min
# before T), not E2 (14 min) nor C (met B only after T); without the isolation all four are
# hop 2. At 1 and 3 ranks; the ledger checked by check_campaign.py.
. "$(dirname "$0")/lib.sh"
$PY "$ROOT/tests/py/make_isolation.py" "$T/i" || die "make_isolation failed"
I=$T/i
hop2() { # trace.h5: the labels at hop 2, sorted
  $PY - "$1" "$I/labels.json" <<'PY'
import json, sys, h5py
lab = {v["pid"]: k for k, v in json.load(open(sys.argv[2])).items()}
c = h5py.File(sys.argv[1], "r")["contacts"][()]
print(" ".join(sorted(lab[int(p)] for p, h in zip(c["pid"], c["hop"]) if h == 2)))
PY
}
for np in 1 3; do
  d=$T/np$np; mkdir -p "$d"
  trc() { # batch hops [ledger]
    printf '%s\n' "data: $I/iso.h5" "cases: $I/cases.csv" "key: $I/key" "output: $d/b$1.h5" "hops: $2" \
      "channels: {cafe: {role: close, min_overlap: 15m}}" "quiet: true" ${3:+"ledger: $3"} > "$d/b$1.yaml"
    run "$np" trace --config "$d/b$1.yaml" > "$d/b$1.log" 2>&1 || { cat "$d/b$1.log"; die "trace $1 failed"; }
  }
  trc 0 2
  [ "$(hop2 "$d/b0.h5")" = "C D E1 E2" ] || die "without a ledger: hop 2 is '$(hop2 "$d/b0.h5")', expected C D E1 E2"
  trc 1 1 "$d/ledger.h5"
  printf '%s\n' "data: $I/iso.h5" "key: $I/key" "ledger: $d/ledger.h5" "at: 2021-08-09T00:00" \
    "feedback: $I/feedback.csv" "output: $d/o2.h5" "quiet: true" > "$d/b2.yaml"
  run "$np" ledger --config "$d/b2.yaml" > "$d/b2.log" 2>&1 || { cat "$d/b2.log"; die "paicha ledger failed"; }
  trc 3 2 "$d/ledger.h5"
  got=$(hop2 "$d/b3.h5")
  [ "$got" = "D E1" ] || die "$np ranks, B isolated at 2021-08-05T18:00: hop 2 is '$got', expected 'D E1' (C met B only after the isolation, E2 14 min before it)"
  $PY - "$d/b3.h5" "$I/labels.json" <<'PY' || die "E1's exposure"
import json, sys, h5py, datetime
lab = json.load(open(sys.argv[2]))
c = h5py.File(sys.argv[1], "r")["contacts"][()]
e1 = c[c["pid"] == lab["E1"]["pid"]][0]
assert e1["exposure"] == int(datetime.datetime(2021, 8, 5, 17, 45, tzinfo=datetime.timezone(datetime.timedelta(hours=8))).timestamp()), e1["exposure"]
PY
  printf '%s\n' "{\"kind\": \"trace\", \"output\": \"$d/b1.h5\"}" \
    "{\"kind\": \"feedback\", \"at\": \"2021-08-09T00:00\", \"feedback\": [\"$I/feedback.csv\"], \"output\": \"$d/o2.h5\"}" \
    "{\"kind\": \"trace\", \"output\": \"$d/b3.h5\"}" > "$d/campaign.jsonl"
  $PY "$ROOT/tests/py/check_campaign.py" --data "$I/iso.h5" --key "$I/key" --ledger "$d/ledger.h5" \
    --campaign "$d/campaign.jsonl" > "$d/check.log" 2>&1 || { cat "$d/check.log"; die "the ledger differs from the recomputation"; }
  echo "$np ranks: after B's isolation, hop 2 = D E1 (C and E2 not found); the ledger as recomputed"
done
