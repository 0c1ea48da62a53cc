# t_config_meaning - config mistakes that need meaning (two keys together, a syntax of their
# own) stop the run at load like schema errors: exit 2, every problem as file:line:column, sorted,
# printed once, and nothing opened or written (the inputs named need not exist).
. "$(dirname "$0")/lib.sh"
expect_meaning() { # name, ranks, job, grep-pattern (one per expected problem)...
  local name=$1 n=$2 job=$3; shift 3
  set +e; run "$n" "$job" --config "$name.yaml" >"$T/$name.out" 2>&1; local rc=$?; set -e
  [ $rc -eq 2 ] || { cat "$T/$name.out"; die "$name: exit $rc, expected 2"; }
  grep -q "the config has problems" "$T/$name.out" || { cat "$T/$name.out"; die "$name: not reported as a config problem"; }
  for pat in "$@"; do
    [ "$(grep -cE -e "^$name.yaml:$pat" "$T/$name.out")" = 1 ] \
      || { cat "$T/$name.out"; die "$name: no single line /$name.yaml:$pat/"; }
  done
  local lines; lines=$(grep -cE "^$name.yaml:[0-9]+:[0-9]+: " "$T/$name.out" || true)
  [ "$lines" = $# ] || { cat "$T/$name.out"; die "$name: $lines problems listed, expected $#"; }
  [ -z "$(ls -A "$T/w")" ] || { ls -la "$T/w"; die "$name: something was written"; }
  cases=$((cases + 1))
}
cases=0
mkdir -p "$T/w"
cd "$T" # messages name the config as given: name.yaml
W=$T/w
SCREEN="data: $W/data.h5
output: $W/out.h5"
area() { # name, extra lines
  printf '  - name: %s\n    from: 2021-08-01T00:00\n    to: 2021-08-02T00:00\n    min_dwell: 15m\n' "$1"
  [ -z "${2:-}" ] || printf '%s\n' "$2"
}

# screen: each rule of an area.
printf '%s\nareas: []\n' "$SCREEN" > none.yaml
expect_meaning none 1 screen "3:8: areas: give at least one area"
{ printf '%s\nareas:\n' "$SCREEN"; area "$(printf 'x%.0s' {1..32})" '    regions: ["42"]'; } > longname.yaml
expect_meaning longname 1 screen "4:11: areas.0.name: an area name has 1-31 bytes"
{ printf '%s\nareas:\n' "$SCREEN"; area a '    regions: ["42"]'; area a '    places: ["7"]'; } > twice.yaml
expect_meaning twice 2 screen "9:11: areas.1.name: area name 'a' given twice \(first in areas.0\)"
{ printf '%s\nareas:\n' "$SCREEN"; area a '    regions: ["42", "4201x"]'; } > prefix.yaml
expect_meaning prefix 1 screen "8:21: areas.0.regions.1: area 'a': region prefix '4201x' is not 1-12 digits"
{ printf '%s\nareas:\n' "$SCREEN"; area a; } > noplace.yaml
expect_meaning noplace 1 screen "4:5: areas.0: area 'a': give regions or places"
{ printf '%s\nareas:\n' "$SCREEN"; area a '    regions: ["42"]' | sed 's/to: 2021-08-02/to: 2021-08-01/'; } > order.yaml
expect_meaning order 1 screen "6:9: areas.0.to: area 'a': .to. is not after .from."
{ printf '%s\nareas:\n' "$SCREEN"; area a '    regions: ["42"]
    hours: "08:00-08:00"'; } > hours.yaml
expect_meaning hours 1 screen "9:12: areas.0.hours: area 'a': hours must be \"HH:MM-HH:MM\" with two different times"
# then: needs within and min_dwell, and regions or places; id_origin: ID-number digits.
{ printf '%s\nareas:\n' "$SCREEN"; area a '    regions: ["4201"]
    then: {hours: "08:00-09:00"}'; } > thenkeys.yaml
expect_meaning thenkeys 1 screen "9:12: unknown key 'hours' in areas.0.then"
{ printf '%s\nareas:\n' "$SCREEN"; area a '    regions: ["4201"]
    then: {regions: ["41"]}'; area b '    regions: ["4201"]
    then: {within: 14d, min_dwell: 1m}'; } > then.yaml
expect_meaning then 2 screen "9:11: areas.0.then: area 'a': then needs within" \
  "9:11: areas.0.then: area 'a': then needs min_dwell" "15:11: areas.1.then: area 'b': give regions or places"
{ printf '%s\nareas:\n' "$SCREEN"; area a '    regions: ["41"]
    id_origin: ["4201", "42x1", "420102199001011234"]'; area b '    regions: ["41"]
    id_origin: []'; } > origin.yaml
expect_meaning origin 1 screen "9:25: areas.0.id_origin.1: area 'a': id_origin prefix '42x1' is not 1-17 digits" \
  "9:33: areas.0.id_origin.2: area 'a': id_origin prefix '420102199001011234' is not 1-17 digits" \
  "15:16: areas.1.id_origin: area 'b': id_origin lists no prefix"
printf '%s\nareas:\n' "$SCREEN" > code.yaml; area a '    regions: ["42"]' >> code.yaml
printf 'codes: {red: [screend]}\n' >> code.yaml
expect_meaning code 1 screen "9:15: codes.red.0: unknown class 'screend' \(screen has one: screened\)"

# breakdown's axes (breakdown, and the cubes of screen and trace).
printf '%s\nbreakdown:\n  age_edges: [3, 12]\n' "$SCREEN" > edges.yaml
expect_meaning edges 1 breakdown "4:14: breakdown.age_edges: must start at 0 and increase"
printf '%s\nbreakdown:\n  age_edges: []\n' "$SCREEN" > noedges.yaml
expect_meaning noedges 1 breakdown "4:14: breakdown.age_edges: needs 1 to 32 edges"

# index and trace: buckets are a mask.
printf 'data: %s/data.h5\nindex: %s/out.h5\nbuckets: 1000\n' "$W" "$W" > buckets.yaml
expect_meaning buckets 1 index "3:10: buckets: must be a power of two \(or 0\)"

# trace: classes of codes, companions within hops, buckets, axes.
TRACE="data: $W/data.h5
cases: $W/cases.csv
key: $W/key
output: $W/out.h5"
printf '%s\ncodes:\n  red: [hop0, hop1]\n  yellow: [hop2, companions]\n' "$TRACE" > classes.yaml
expect_meaning classes 1 trace "7:18: codes.yellow.1: unknown class 'companions' \(hop0, hop1, ..., companion\)"
printf '%s\nhops: 1\ncompanions_of: [0, 2]\n' "$TRACE" > companions.yaml
expect_meaning companions 1 trace "6:20: companions_of.1: hop 2 is beyond hops = 1"
printf '%s\nbuckets: 3\nbreakdown: {age_edges: [0, 0]}\n' "$TRACE" > tbuckets.yaml
expect_meaning tbuckets 1 trace "5:10: buckets: must be a power of two" "6:24: breakdown.age_edges: must start at 0"

# ingest: the reject ratio is a share; the persons and stays files fit.
INGEST="key: $W/key
data: $W/out.h5
as_of: 2021-08-09T00:00
input:
  regions: $W/regions.csv
  persons: $W/persons.csv"
printf '%s\nmax_reject_ratio: 1.5\n' "$INGEST" > ratio.yaml
expect_meaning ratio 1 ingest "7:19: max_reject_ratio: must be between 0 and 1"
{ printf '%s\n  stays:\n' "$INGEST"; for i in $(seq 249); do echo "    - $W/s$i.csv"; done; } > manystays.yaml
expect_meaning manystays 1 ingest "8:5: input.stays: at most 248 files"
# Several persons files share the room with the stays files; an empty list names none.
INGEST2="key: $W/key
data: $W/out.h5
as_of: 2021-08-09T00:00
input:
  regions: $W/regions.csv"
{ printf '%s\n  persons: [%s, %s]\n  stays:\n' "$INGEST2" "$W/household.csv" "$W/floating.csv"
  for i in $(seq 248); do echo "    - $W/s$i.csv"; done; } > manypersons.yaml
expect_meaning manypersons 1 ingest "8:5: input.stays: at most 247 files beside the persons files"
printf '%s\n  persons: []\n' "$INGEST2" > nopersons.yaml
expect_meaning nopersons 1 ingest "6:12: input.persons: names no file"

# synth: index cases need movement.
printf 'key: %s/key\ndata: %s/out.h5\nas_of: 2021-08-09T00:00\ncases_csv: %s/cases.csv\n' "$W" "$W" "$W" > cases.yaml
expect_meaning cases 1 synth "4:12: cases_csv: needs movement data: set days"

# report: something to report; plan: the data's size from somewhere.
printf 'data: %s/data.h5\noutput: %s/out.html\n' "$W" "$W" > report.yaml
expect_meaning report 1 report "1:1: nothing to report: give trace, screen, breakdown or ledger"
# A ledger alone needs no dataset; a trace does.
printf 'trace: %s/trace.h5\nledger: %s/ledger.h5\noutput: %s/out.html\n' "$W" "$W" "$W" > nodata.yaml
expect_meaning nodata 1 report "1:1: missing required key 'data' \(the dataset the trace"
printf 'job: trace\nrates: %s/bench/rates.yaml\n' "$ROOT" > plan.yaml
expect_meaning plan 1 plan "1:1: persons: give data, or persons \(and stays\)"
printf 'job: trace\npersons: 5\nrates: %s/nope.yaml\n' "$W" > norates.yaml
expect_meaning norates 1 plan "3:8: rates: the rates file has problems:"
grep -q "^$W/nope.yaml: cannot read" norates.out || { cat norates.out; die "norates: the rates file's problem is not shown"; }
printf 'machine: m\nmeasured: today\njobs:\n  index: {item: stays, mem_base_mb: 1, mem_per_item_b: 1, items_per_s: 1, base_s: 1, moved_per_item_b: 0}\n' > rates.yaml
printf 'job: trace\npersons: 5\nrates: rates.yaml\n' > jobrates.yaml
expect_meaning jobrates 1 plan "3:8: rates: rates.yaml has no figures for trace: run make bench"

# memory_per_rank, a key every job has - even one without a memory model.
printf 'input: %s/trace.h5\ndata: %s/data.h5\noutput: %s/lists\nmemory_per_rank: 4 GB of it\n' "$W" "$W" "$W" > size.yaml
expect_meaning size 2 dispatch "4:18: memory_per_rank: '4 GB of it' is not a size \(e.g. 4G, 512M\)"

# Three problems in one file: all three, in file order, once (not once per rank).
{ printf '%s\nmemory_per_rank: lots\nareas:\n' "$SCREEN"; area a '    regions: ["4x"]'; area b '    places: ["7"]
    hours: "8-9"'; } > three.yaml
expect_meaning three 2 screen "3:18: memory_per_rank: 'lots'" "9:15: areas.0.regions.0: .*'4x'" \
  "15:12: areas.1.hours: "
awk -F: '/^three.yaml:/ {print $2}' three.out | sort -c -n || die "problems not in file order"

# A schema error comes alone: meaning is checked on a config whose values have their types.
printf '%s\nmemory_per_rank: lots\nareas: []\nbuckets: 1\n' "$SCREEN" > schema.yaml
expect_meaning schema 1 screen "5:1: unknown key 'buckets'"
echo "config meaning: $cases cases exit 2 with file:line:column, nothing written"
