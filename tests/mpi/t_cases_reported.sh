#!/usr/bin/env bash
# t_cases_reported.sh - cases as they are reported (SPEC "Cases", issue 15 item 7): the same
# person named twice (by ID number and by phone) is one case whose window is the hull of both;
# `status` travels to every contact as root_status; rows that cannot be traced (not in the
# dataset, onset or isolated after as_of, an empty window, a bad subject or status) go to
# /unmatched with their line and the run goes on; `unmatched: fail` makes them an error. trace
# at 1-4 ranks equals the reference (tests/ref/trace_ref.py), /unmatched and root_status included.
. "$(dirname "$0")/lib.sh"
$PY "$ROOT/tests/py/make_edges.py" "$T/e" > /dev/null
# The edge cases' first three cases, reported again the way localities do.
$PY - "$T/e" <<'PYX'
import csv, sys, h5py
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/cases.csv")))
f = h5py.File(f"{d}/edges.h5", "r")
ids = {bytes(i["subject"]).rstrip(b"\0").decode(): bytes(i["phone"]).rstrip(b"\0").decode()
       for i in f["identities"][()]}
a, b, c = rows[0], rows[1], rows[2]
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
s17 = "43010219000101001"
stranger = s17 + "10X98765432"[sum(int(x) * k for x, k in zip(s17, w)) % 11]
assert stranger not in ids
phone_a = ids[a["subject"]]
assert phone_a, "the first case has a registered phone"
lines = [
    ("subject", "onset", "isolated", "last_negative", "status", "phone", "reported"),
    (a["subject"], a["onset"], a["isolated"], a["last_negative"], "confirmed", "", ""),           # 2
    (b["subject"], b["onset"], b["isolated"], "", "Suspected", "", "2021-08-07T09:00"),          # 3
    ("+86 " + phone_a[:3] + "-" + phone_a[3:7] + "-" + phone_a[7:], "2021-08-05T10:00",
     "2021-08-07T12:00", "", "asymptomatic", "", ""),                                              # 4: A again, later isolated
    (stranger, "2021-08-05T10:00", "", "", "", "", ""),                                             # 5: not in the data
    (c["subject"], "2021-08-10T10:00", "", "", "", "", ""),                                         # 6: onset after as_of
    (c["subject"], "2021-08-05T10:00", "2021-08-02T12:00", "", "", "", ""),                         # 7: empty window
    ("12345", "2021-08-05T10:00", "", "", "", "", ""),                                              # 8: not a subject
    (c["subject"], "2021-08-05T10:00", "", "", "probable", "", ""),                                 # 9: no such status
    (c["subject"], "2021-08-05T10:00", "2021-08-10T12:00", "", "", "", ""),                         # 10: isolated after as_of
]
with open(f"{d}/cases2.csv", "w", newline="") as o:
    csv.writer(o, lineterminator="\n").writerows(lines)
PYX
sed "s#^cases: .*#cases: $T/e/cases2.csv#" "$T/e/edges.yaml" > "$T/c.yaml"
$PY "$ROOT/tests/ref/trace_ref.py" "$T/c.yaml" "$T/ref" || die "trace_ref.py failed"
for n in 1 2 3 4; do
  sed "s#^output: .*#output: $T/c$n.h5#" "$T/c.yaml" > "$T/run.yaml"
  run $n trace --config "$T/run.yaml" > "$T/trace$n.log" 2>&1 || { cat "$T/trace$n.log"; die "trace at $n ranks failed"; }
  $PY "$ROOT/tests/py/compare_trace.py" "$T/c$n.h5" "$T/ref" --counts > "$T/cmp.log" 2>&1 \
    || { cat "$T/cmp.log"; die "trace at $n ranks differs from the reference"; }
done
$PY "$ROOT/tests/py/compare.py" "$T"/c?.h5 --datasets contacts companions unmatched > "$T/cmp.log" 2>&1 \
  || { cat "$T/cmp.log"; die "outputs differ between rank counts"; }
$PY - "$T/c2.h5" "$T/e/cases.csv" <<'PYX' || die "the reported cases are not as SPEC says"
import csv, sys, h5py
f = h5py.File(sys.argv[1], "r")
s = lambda b: bytes(b).rstrip(b"\0").decode()
um = {int(r["line"]): (s(r["subject_type"]), s(r["reason"])) for r in f["unmatched"][()]}
want = {5: "not in the dataset", 6: "onset after as_of", 7: "empty window", 8: "subject:",
        9: "status:", 10: "isolated after as_of"}
assert sorted(um) == sorted(want), um
for line, why in want.items():
    assert um[line][1].startswith(why), (line, um[line])
assert um[5][0] == "id_card" and um[8][0] == "phone", um
ct = f["contacts"][()]
cases = {int(r["pid"]): r for r in ct if r["hop"] == 0}
assert len(cases) == 2, len(cases)          # A (named twice) and B
rows = list(csv.DictReader(open(sys.argv[2])))
status = {s(r["subject"]): s(r["root_status"]) for r in ct if r["hop"] == 0}
assert status[rows[0]["subject"]] == "confirmed" and status[rows[1]["subject"]] == "suspected", status
b_pid = [p for p, r in cases.items() if s(r["subject"]) == rows[1]["subject"]][0]
from_b = [r for r in ct if r["hop"] == 1 and int(r["source_pid"]) == b_pid]
assert from_b and all(s(r["root_status"]) == "suspected" for r in from_b), "B's contacts' root_status"
assert all(s(r["root_status"]) in ("confirmed", "suspected") for r in ct)
print(f"ok: {len(um)} unmatched rows, 2 cases, {len(from_b)} contacts of the suspected case")
PYX
grep -q "6 rows of the cases file not traced" "$T/trace2.log" || { cat "$T/trace2.log"; die "the log does not count the rows not traced"; }
# The report shows the rows not traced and the contacts of the suspected case.
printf 'data: %s\ntrace: %s\noutput: %s\nquiet: true\n' "$T/e/edges.h5" "$T/c2.h5" "$T/r.html" > "$T/r.yaml"
run 1 report --config "$T/r.yaml" > "$T/r.log" 2>&1 || { cat "$T/r.log"; die "report failed"; }
$PY - "$T/r.html" "$T/c2.h5" <<'PYX' || die "the report does not show the unmatched rows and the suspected case's contacts"
import json, sys, h5py
page = open(sys.argv[1], encoding="utf-8").read()
k = json.loads(h5py.File(sys.argv[2], "r").attrs["counts"])
assert k["unmatched"] == 6 and k["root_suspected"] > 0, k
for key, n in (("trace-unmatched", 6), ("trace-root-suspected", k["root_suspected"])):
    assert f'data-k="{key}" data-value="{n}"' in page, (key, n)
assert "case rows not traced" in page and "contacts of suspected cases" in page
PYX
# unmatched: fail stops the run, naming the first row's line and why.
sed "s#^output: .*#output: $T/fail.h5#" "$T/c.yaml" > "$T/fail.yaml"
echo "unmatched: fail" >> "$T/fail.yaml"
if run 2 trace --config "$T/fail.yaml" > "$T/fail.log" 2>&1; then die "unmatched: fail did not fail"; fi
grep -q "cases2.csv:5: not in the dataset" "$T/fail.log" || { cat "$T/fail.log"; die "unmatched: fail does not name the row"; }
[ ! -e "$T/fail.h5" ] || die "a failed trace left its output"
echo "cases as reported: one case per person (hull), statuses, 6 rows unmatched, unmatched: fail"
