#!/usr/bin/env bash
# t_ledger_feedback - `paicha ledger` on a small campaign (a trace appended to a ledger): a
# feedback file with one bad row of every kind rejects each at its line with its reason and
# applies the good ones (reached, tests, isolation, a positive in the ledger, a positive
# found by phone who was never flagged), in UTF-8 or GB18030 alike; the same feedback given again is all duplicates; a
# file over max_reject_ratio fails and leaves the ledger byte-identical; codes lift at
# `at` exactly per expire; the ledger and the output are identical at 1, 2, 3 and 4 ranks;
# new_cases lists the positives not yet traced; --check lists the bad rows by line
# without their subjects; --help prints the keys.
. "$(dirname "$0")/lib.sh"
"$PAICHA" ledger --help > "$T/help.log" || die "ledger --help exited non-zero"
for k in data key ledger at feedback encoding max_reject_ratio expire output new_cases ledger_wait; do
  grep -q "^  $k:" "$T/help.log" || { cat "$T/help.log"; die "ledger --help does not list $k"; }
done
small_run 5
printf 'ledger: %s\n' "$T/base.h5" >> "$T/trace.yaml"
run 2 trace --config "$T/trace.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace with a ledger failed"; }

# The feedback, from the ledger and the dataset (python writes it; expected.json says what
# every line must become).
$PY - "$T" <<'PY'
import h5py, json, sys
T = sys.argv[1]
L = h5py.File(f"{T}/base.h5", "r")["persons"][:]
D = h5py.File(f"{T}/data.h5", "r")
ids = D["identities"][:]
s = lambda b: b.decode()
red = [r for r in L if s(r["class"]) == "hop1"]
yel = [r for r in L if s(r["class"]) == "hop2"] or [r for r in L if s(r["code"]) == "yellow"]
comp = [r for r in L if s(r["class"]) == "companion"]
inl = set(int(p) for p in L["pid"])
phoned = [i for i in ids if int(i["pid"]) not in inl and len(s(i["phone"])) == 11]
A, A2, B, C, E = red[0], red[1], yel[0], comp[0], comp[1]
Dp, N = phoned[0], phoned[1]
bad_id = s(A["subject"])[:17] + ("0" if s(A["subject"])[17] != "0" else "1")
rows = [  # (line text, expected reason code or "" when applied)
  (f"{s(A['subject'])},id_card,reached,2021-08-09T02:00,", ""),
  (f"{s(A['subject'])},id_card,tested,2021-08-10T09:00,negative", ""),
  (f"{s(A['subject'])},,tested,2021-08-11T09:00,NEGATIVE", ""),
  (f"{s(A2['subject'])},id_card,tested,2021-08-10T09:00,negative", ""),
  (f"{s(B['subject'])},id_card,reached,2021-08-10T06:00,", ""),
  (f"{s(B['subject'])},id_card,tested,2021-08-10T09:00,negative", ""),
  (f"{s(B['subject'])},id_card,tested,2021-08-10T10:00,negative", ""),
  (f"{s(B['subject'])},id_card,tested,2021-08-10T11:00,negative", ""),
  (f"{s(C['subject'])},id_card,tested,2021-08-11T08:00,positive", ""),
  (f"{s(E['subject'])},id_card,isolated,2021-08-09T12:00,", ""),
  (f"{s(E['subject'])},id_card,released,2021-08-11T12:00,", ""),
  (f"+86 {s(Dp['phone'])},phone,tested,2021-08-11T07:00,positive", ""),
  (f"{s(A['subject'])},id_card,reached,2021-08-09T02:00,", "duplicate"),
  ("a,b,c", "fields"),
  (f'{s(A["subject"])}x"y,id_card,reached,2021-08-09T02:00,', "quote"),
  (f"{s(A['subject'])},licence,reached,2021-08-09T02:00,", "subject_type"),
  (f"{bad_id},id_card,reached,2021-08-09T02:00,", "subject"),
  (",id_card,reached,2021-08-09T02:00,", "subject"),
  (f"{s(A['subject'])},id_card,called,2021-08-09T02:00,", "event"),
  (f"{s(A['subject'])},id_card,reached,2021-08-32T02:00,", "time"),
  (f"{s(A['subject'])},id_card,reached,2021-08-12T00:01,", "after_at"),
  (f"{s(A['subject'])},id_card,reached,2021-07-20T02:00,", "before_data"),
  (f"{s(A['subject'])},id_card,tested,2021-08-10T09:30,", "result"),
  (f"{s(A['subject'])},id_card,reached,2021-08-10T09:30,negative", "result_other"),
  (f"{s(N['subject'])},id_card,reached,2021-08-10T09:30,", "not_in_ledger"),
]
# A BOM, and blank lines among the rows (skipped, but counted in the line numbers, which
# every rank count must give alike: each rank reads a share of the lines).
lines = []
with open(f"{T}/fb.csv", "w", encoding="utf-8-sig") as f:
  f.write("subject,subject_type,event,at,result\n")
  ln = 1
  for i, (line, _) in enumerate(rows):
    if i in (3, 17):
      f.write("\n  \t\n")
      ln += 2
    f.write(line + "\n")
    ln += 1
    lines.append(ln)
exp = {"rejects": [[lines[i], r] for i, (_, r) in enumerate(rows) if r],
       "A": int(A["pid"]), "A2": int(A2["pid"]), "B": int(B["pid"]), "C": int(C["pid"]),
       "E": int(E["pid"]), "D": int(Dp["pid"]), "applied": sum(1 for _, r in rows if not r),
       "subjects": [s(r["subject"]) for r in (A, A2, B, C, E)] + [s(Dp["phone"])]}
json.dump(exp, open(f"{T}/expected.json", "w"))
PY

ledger_cfg() { # ledger, output, at, [lines...]
  local l=$1 o=$2 at=$3; shift 3
  printf '%s\n' "data: $T/data.h5" "key: $T/key" "ledger: $l" "at: $at" "output: $o" "quiet: true" "$@"
}
# 1. One bad row of every kind, at 1-4 ranks from the same ledger: each run's ledger and output.
for n in 1 2 3 4; do
  cp "$T/base.h5" "$T/l$n.h5"
  ledger_cfg "$T/l$n.h5" "$T/o$n.h5" 2021-08-12T00:00 "feedback: $T/fb.csv" "max_reject_ratio: 1" \
    "new_cases: $T/nc$n.csv" > "$T/ledger$n.yaml"
  run $n ledger --config "$T/ledger$n.yaml" > "$T/ledger$n.log" 2>&1 || { cat "$T/ledger$n.log"; die "ledger at $n ranks failed"; }
done
grep -qf <($PY -c "import json; print('\n'.join(json.load(open('$T/expected.json'))['subjects']))") \
  "$T"/ledger*.log && die "a subject was printed in the log"
$PY - "$T" <<'PY' || die "the feedback was not applied as expected"
import h5py, json, math, sys
T = sys.argv[1]
e = json.load(open(f"{T}/expected.json"))
H = 3600
t = lambda s: __import__("datetime").datetime.fromisoformat(s + "+08:00").timestamp()
L = h5py.File(f"{T}/l2.h5", "r"); O = h5py.File(f"{T}/o2.h5", "r")
P = {int(r["pid"]): r for r in L["persons"][:]}
rj = O["rejects"][:]
got = [[int(r["line"]), r["code"].decode()] for r in rj]
assert got == e["rejects"], ("rejects", got, e["rejects"])
assert all(r["source"] == b"fb.csv" for r in rj) and "raw" not in rj.dtype.names
A, A2, B, C, E, D = (P[e[k]] for k in ("A", "A2", "B", "C", "E", "D"))
assert A["reached_at"] == t("2021-08-09T02:00") and A["negatives"] == 2 and A["tests"] == 2, A
assert A2["negatives"] == 1 and B["negatives"] == 3 and B["reached_at"] == t("2021-08-10T06:00")
assert C["positive_at"] == t("2021-08-11T08:00") and C["code"] == b"red" and C["class"] == b"positive"
assert C["case_batch"] == 2 and C["case_at"] == C["positive_at"] and C["flagged_at"] < C["case_at"]
assert E["isolated_at"] == t("2021-08-09T12:00") and E["released_at"] == t("2021-08-11T12:00")
assert D["first_class"] == b"positive" and D["first_channel"] == b"feedback" and D["first_batch"] == 2
assert D["flagged_at"] == t("2021-08-12T00:00") and D["subject_type"] == b"phone"
ev = L["events"][:]
assert len(ev) == e["applied"] and all(ev["batch"] == 2), len(ev)
b = L["batches"][:]
assert len(b) == 2 and b[1]["kind"] == b"feedback" and b[1]["rows"] == e["applied"]
assert b[1]["rejected"] == len(e["rejects"]) and b[1]["new_cases"] == 2 and b[1]["under_control"] == 1
assert b[1]["new_flagged"] == 1 and b[1]["raised"] == 1, b[1]
ob = O["batches"][:]
assert ob[1]["found_under_control"] == 0.5 and list(ob["batch"]) == [1, 2]
assert ob[0]["found_under_control"] == 0 or ob[0]["new_cases"] > 0
act = O["active"][:]
assert sorted(int(p) for p in act["pid"]) == sorted(p for p, r in P.items() if r["lifted_at"] == 0)
m = O["measures"][:]
assert m["flagged"].sum() == len(P) and m["positive"].sum() == 2 and m["tested"].sum() == 5
assert m["reached"].sum() == 2 and m["reached_24h"].sum() == 1
y = {(r["class"].decode(), r["channel"].decode()): (int(r["flagged"]), int(r["positive"])) for r in O["yield"][:]}
assert ("hop0", "case") not in y and all(k[0] != "positive" for k in y)
assert sum(f for f, _ in y.values()) == sum(1 for r in P.values() if r["first_class"] not in (b"hop0", b"positive"))
assert sum(p for _, p in y.values()) == 1
nc = open(f"{T}/nc2.csv").read().splitlines()
assert nc[0] == "subject,onset,isolated,last_negative,subject_type,status" and len(nc) == 3, nc
assert any(l.startswith(e["subjects"][5] + ",2021-08-11T07:00,,,phone,confirmed") for l in nc[1:]), nc
PY
# The same at every rank count: every table but the run times.
$PY - "$T" <<'PY' || die "the ledger or the output differs between 1, 2, 3 and 4 ranks"
import h5py, sys
T = sys.argv[1]
def tables(path, drop):
  f = h5py.File(path, "r")
  return {k: [tuple(x for n, x in zip(f[k].dtype.names, r) if n not in drop) for r in f[k][:]]
          for k in f.keys()}
for kind, drop in (("l", {"run_time"}), ("o", {"run_time"})):
  ref = tables(f"{T}/{kind}1.h5", drop)
  for n in (2, 3, 4):
    other = tables(f"{T}/{kind}{n}.h5", drop)
    assert sorted(ref) == sorted(other), (kind, n)
    for k in ref:
      assert repr(ref[k]) == repr(other[k]), (kind, n, k)
for n in (2, 3, 4):
  assert open(f"{T}/nc1.csv").read() == open(f"{T}/nc{n}.csv").read(), n
PY
for n in 1 2 3 4; do [ "$(stat -c %a "$T/nc$n.csv")" = 600 ] || die "new_cases is not owner-only"; done

# 1b. The same feedback in GB18030 with a Chinese note column (ignored): the same ledger.
$PY -c "
import sys
rows = open('$T/fb.csv', encoding='utf-8-sig').read().splitlines()
out = [rows[0] + ',备注'] + [r + ',已电话联系' if r.strip() else r for r in rows[1:]]
open('$T/fb-gb.csv', 'wb').write(('\r\n'.join(out) + '\r\n').encode('gb18030'))"
cp "$T/base.h5" "$T/gb.h5"
ledger_cfg "$T/gb.h5" "$T/gb-out.h5" 2021-08-12T00:00 "feedback: [$T/fb-gb.csv]" "max_reject_ratio: 1" > "$T/gb.yaml"
run 2 ledger --config "$T/gb.yaml" > "$T/gb.log" 2>&1 || { cat "$T/gb.log"; die "ledger of a GB18030 feedback failed"; }
$PY - "$T" <<'PY' || die "the GB18030 feedback did not give the same ledger"
import h5py, sys
T = sys.argv[1]
a, b = h5py.File(f"{T}/l2.h5", "r"), h5py.File(f"{T}/gb.h5", "r")
assert (a["persons"][:] == b["persons"][:]).all() and (a["events"][:] == b["events"][:]).all()
ra, rb = h5py.File(f"{T}/o2.h5", "r")["rejects"][:], h5py.File(f"{T}/gb-out.h5", "r")["rejects"][:]
assert list(ra["line"]) == list(rb["line"]) and list(ra["code"]) == list(rb["code"])
PY

# 2. The same feedback again: every good row is a duplicate, nothing changes but the batch.
cp "$T/l2.h5" "$T/again.h5"
ledger_cfg "$T/again.h5" "$T/again-out.h5" 2021-08-12T00:00 "feedback: $T/fb.csv" "max_reject_ratio: 1" > "$T/again.yaml"
run 2 ledger --config "$T/again.yaml" > "$T/again.log" 2>&1 || { cat "$T/again.log"; die "ledger again failed"; }
$PY - "$T" <<'PY' || die "feedback given twice was applied twice"
import h5py, sys
T = sys.argv[1]
a, b = h5py.File(f"{T}/l2.h5", "r"), h5py.File(f"{T}/again.h5", "r")
assert (a["persons"][:] == b["persons"][:]).all() and len(a["events"]) == len(b["events"])
c = [r["code"] for r in h5py.File(f"{T}/again-out.h5", "r")["rejects"][:]]
assert c.count(b"duplicate") == 13 and b["batches"][2]["rows"] == 0, c
PY

# 2b. The same with the ledger in parts: the second feedback is a delta, which reads only the
# events of the persons it names, at 3 ranks: still every good row a duplicate.
cp "$T/base.h5" "$T/parts.h5"
ledger_cfg "$T/parts.h5" "$T/parts-out.h5" 2021-08-12T00:00 "feedback: $T/fb.csv" "max_reject_ratio: 1" \
  "ledger_parts_from: 1" > "$T/parts.yaml"
for i in 1 2; do
  run 3 ledger --config "$T/parts.yaml" > "$T/parts$i.log" 2>&1 || { cat "$T/parts$i.log"; die "ledger in parts failed"; }
  cp "$T/parts-out.h5" "$T/parts-out$i.h5"
  cp "$T/parts-out.h5.run.json" "$T/parts-out$i.run.json"
done
$PY -c "import json, sys; p = json.load(open(sys.argv[1]))['ledger_part']; sys.exit(p['kept_as'] != 'delta')" \
  "$T/parts-out2.run.json" || die "the second feedback was not kept as a delta"
$PY - "$T" <<'PY' || die "feedback given twice to a ledger in parts was applied twice"
import h5py, sys
T = sys.argv[1]
c = [r["code"] for r in h5py.File(f"{T}/parts-out2.h5", "r")["rejects"][:]]
b = h5py.File(f"{T}/parts.h5", "r")["batches"][:]
assert c.count(b"duplicate") == 13 and b[-1]["rows"] == 0 and b[-2]["rows"] > 0, (c, b)
PY

# 3. Over max_reject_ratio (the default 0.01): the run fails and the ledger is byte-identical.
cp "$T/base.h5" "$T/strict.h5"
sum0=$(sha256sum < "$T/strict.h5")
ledger_cfg "$T/strict.h5" "$T/strict-out.h5" 2021-08-12T00:00 "feedback: $T/fb.csv" > "$T/strict.yaml"
set +e; run 2 ledger --config "$T/strict.yaml" > "$T/strict.log" 2>&1; rc=$?; set -e
[ $rc -ne 0 ] || die "ledger over max_reject_ratio exited 0"
grep -q "exceed max_reject_ratio" "$T/strict.log" || { cat "$T/strict.log"; die "no message on the reject ratio"; }
[ "$(sha256sum < "$T/strict.h5")" = "$sum0" ] || die "a failed ledger run changed the ledger"
[ ! -e "$T/strict-out.h5" ] || die "a failed ledger run wrote its output"

# 4. Codes lift at `at` exactly per expire (red: 14d and 2 negatives; yellow: 7d and 3).
for at in 2021-08-22T23:59 2021-08-23T00:00; do
  cp "$T/l2.h5" "$T/lift-$at.h5"
  ledger_cfg "$T/lift-$at.h5" "$T/lift-$at-out.h5" "$at" > "$T/lift.yaml"
  run 2 ledger --config "$T/lift.yaml" > "$T/lift.log" 2>&1 || { cat "$T/lift.log"; die "ledger (lift) failed"; }
done
$PY - "$T" <<'PY' || die "codes did not lift exactly per expire"
import h5py, json, sys
T = sys.argv[1]
e = json.load(open(f"{T}/expected.json"))
t = lambda s: __import__("datetime").datetime.fromisoformat(s + "+08:00").timestamp()
P0 = {int(r["pid"]): r for r in h5py.File(f"{T}/lift-2021-08-22T23:59.h5", "r")["persons"][:]}
P1 = {int(r["pid"]): r for r in h5py.File(f"{T}/lift-2021-08-23T00:00.h5", "r")["persons"][:]}
A, A2, B, C = e["A"], e["A2"], e["B"], e["C"]
assert P0[A]["lifted_at"] == 0 and P0[A]["code"] == b"red"          # one minute short of 14d
assert P1[A]["lifted_at"] == t("2021-08-23T00:00") and P1[A]["code"] == b"green"
assert P1[A2]["lifted_at"] == 0                                    # one negative short
assert P0[B]["lifted_at"] == t("2021-08-22T23:59") and P0[B]["code"] == b"green"  # 7d, 3 negatives
assert P1[C]["lifted_at"] == 0                                     # positive: red since the test
O = h5py.File(f"{T}/lift-2021-08-23T00:00-out.h5", "r")
assert A not in set(int(p) for p in O["active"]["pid"]) and A2 in set(int(p) for p in O["active"]["pid"])
PY

# 5. --check: every bad row at its line with its reason, no subject printed; exit 2.
set +e; "$PAICHA" ledger --check --config "$T/ledger2.yaml" > "$T/check.log" 2>&1; rc=$?; set -e
[ $rc -eq 2 ] || { cat "$T/check.log"; die "ledger --check of a feedback with bad rows exited $rc, not 2"; }
for l in $($PY -c "import json; print(' '.join(str(l) for l, r in json.load(open('$T/expected.json'))['rejects'] if r not in ('duplicate', 'not_in_ledger')))"); do
  grep -q "fb.csv:$l" "$T/check.log" || { cat "$T/check.log"; die "--check does not list fb.csv:$l"; }
done
grep -qf <($PY -c "import json; print('\n'.join(json.load(open('$T/expected.json'))['subjects']))") \
  "$T/check.log" && die "--check printed a subject"
echo "ok: rejects at their lines, feedback applied, same at 1-4 ranks, lifts per expire"
