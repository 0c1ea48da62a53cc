# t_privacy - least privilege over a whole run (ingest of the agencies' CSV, index, trace,
# screen, breakdown with testing targets, lists, purge): no ID number or phone of the inputs
# appears in any log, run record, index, breakdown or purged dataset - only in the
# dataset's /identities and in what the contract gives callers (trace's and screen's
# `subject`, the lists); HDF5 is written uncompressed so the bytes can be searched; every
# file written is owner-only, and `output_mode: "0640"` adds group read; key files that are
# missing, not regular, behind a link, owned by another account, readable by others, all
# zero or malformed are refused with a message naming them, never their contents.
. "$(dirname "$0")/lib.sh"
cat > "$T/synth.yaml" <<CFG
key: $T/key
data: $T/synth.h5
seed: 8
persons: 5000
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 8}
csv: $T/csv
quiet: true
CFG
run 2 synth --config "$T/synth.yaml" > "$T/log-synth" 2>&1 || { cat "$T/log-synth"; die "synth failed"; }
mkdir -p "$T/run"
R=$T/run
IO="io: {deflate: 0}"
job() { # ranks, job, name, config lines...
  local n=$1 j=$2 name=$3; shift 3
  printf '%s\n' "$@" > "$R/$name.yaml"
  run "$n" "$j" --config "$R/$name.yaml" > "$R/log-$name" 2>&1 || { cat "$R/log-$name"; die "$name failed"; }
}
job 2 ingest ingest "key: $T/key" "data: $R/data.h5" "$IO" "as_of: 2021-08-09T00:00" "days: 14" \
  "input: {regions: $T/csv/regions.csv, persons: $T/csv/persons.csv, stays: $T/csv/stays.csv}"
job 2 index index "data: $R/data.h5" "index: $R/index.h5"
job 3 trace trace "data: $R/data.h5" "index: $R/index.h5" "cases: $T/csv/cases.csv" "key: $T/key" \
  "output: $R/trace.h5" "$IO" "companions_of: [0, 1]"
job 2 screen screen "data: $R/data.h5" "output: $R/screen.h5" "$IO" \
  "areas: [{name: a, regions: ['4301'], from: 2021-08-01T00:00, to: 2021-08-09T00:00, min_dwell: 1h}]"
job 2 breakdown breakdown "data: $R/data.h5" "output: $R/breakdown.h5" "$IO" "flagged: [$R/trace.h5, $R/screen.h5]"
job 1 dispatch dispatch "input: $R/trace.h5" "data: $R/data.h5" "output: $R/lists" "level: city"
job 2 purge purge "data: $R/data.h5" "output: $R/purged.h5" "retention: 7d" "identities: all"
job 2 breakdown breakdown-0640 "data: $R/data.h5" "output: $R/breakdown-0640.h5" 'output_mode: "0640"'
job 1 dispatch dispatch-0640 "input: $R/trace.h5" "data: $R/data.h5" "output: $T/lists-0640" "level: city" \
  'output_mode: "0640"'

# Every identity of the run: ID numbers and phones of persons.csv, stays.csv and cases.csv.
$PY - "$T/csv" > "$T/identities.txt" <<'PY'
import csv, re, sys
ids = set()
for name in ("persons.csv", "stays.csv", "cases.csv"):
    for row in csv.DictReader(open(f"{sys.argv[1]}/{name}", encoding="utf-8-sig")):
        for k in ("id_number", "phone", "subject"):
            v = (row.get(k) or "").strip()
            if re.fullmatch(r"[0-9]{17}[0-9X]|1[0-9]{10}", v):
                ids.add(v)
print("\n".join(sorted(ids)))
PY
N=$(wc -l < "$T/identities.txt")
[ "$N" -gt 5000 ] || die "only $N identities collected from the inputs"
# The positive control: the dataset's /identities (uncompressed) holds them, and grep finds them.
grep -a -q -F -f "$T/identities.txt" "$R/data.h5" || die "grep cannot see identities in the dataset (the search is blind)"
seen=0 # lists with people (not manifest.csv; a city with nobody has a header-only list)
for f in "$R"/lists/*.csv "$R/trace.h5" "$R/screen.h5"; do
  [[ $f != */manifest.csv ]] || continue
  [[ $f != *.csv ]] || [ "$(wc -l < "$f")" -gt 1 ] || continue
  grep -a -q -F -f "$T/identities.txt" "$f" || die "$(basename "$f") holds no subject (the search is blind)"
  seen=$((seen + 1))
done
[ "$seen" -ge 4 ] || die "only $((seen - 2)) lists with people: the search sees too little"
# Everything else: logs, run records, index, trace, screen, breakdowns, the purged dataset.
for f in "$R"/log-* "$R"/*.run.json "$R/index.h5" "$R/breakdown.h5" "$R/breakdown-0640.h5" \
         "$R/purged.h5" "$T/log-synth"; do
  [ -e "$f" ] || die "expected file $f missing"
  if grep -a -q -F -f "$T/identities.txt" "$f"; then
    die "a clear identity appears in $(basename "$f"): $(grep -a -o -F -f "$T/identities.txt" "$f" | head -1 | sed 's/./*/g')"
  fi
done
echo "no identity in $(ls "$R"/log-* "$R"/*.run.json | wc -l) logs and run records, or in 4 outputs ($N identities searched)"

# Modes: owner-only everywhere (lists included), group read where configured.
bad=$(find "$R" -type f ! -name '*.yaml' ! -name 'log-*' ! -perm 600 ! -name 'breakdown-0640.h5*')
[ -z "$bad" ] || die "files not mode 0600: $bad"
[ "$(stat -c %a "$R/breakdown-0640.h5")" = 640 ] || die "output_mode 0640 not applied"
[ "$(stat -c %a "$R/lists")" = 700 ] || die "the lists' directory is not 0700 (owner-only, searchable)"
[ "$(stat -c %a "$T/lists-0640")" = 750 ] || die "lists with output_mode 0640: directory not 0750"
[ -z "$(find "$T/lists-0640" -type f ! -perm 640)" ] || die "lists with output_mode 0640: files not 0640"

# Key files: refused with the key file named, never its contents; trace's key (which must
# exist) before any work, at its key in the config (exit 2).
key_case() { # label, setup command
  local k="$T/k-$1"
  rm -rf "$k"; eval "$2"
  printf 'data: %s\ncases: %s\nkey: %s\noutput: %s\nquiet: true\n' "$R/data.h5" "$T/csv/cases.csv" "$k" \
    "$T/k-$1.h5" > "$T/k-$1.yaml"
  set +e; run 2 trace --config "$T/k-$1.yaml" > "$T/k-$1.log" 2>&1; local rc=$?; set -e
  [ $rc -eq 2 ] && grep -q "k-$1.yaml:3:6: key: " "$T/k-$1.log" || { cat "$T/k-$1.log"; die "key $1: exit $rc, or not at its key"; }
  grep -q "key file $k" "$T/k-$1.log" || { cat "$T/k-$1.log"; die "key $1: the key file is not named"; }
  [ ! -e "$T/k-$1.h5" ] || die "key $1: an output was written"
  ! grep -q "0123456789abcdef" "$T/k-$1.log" || die "key $1: the key's contents were printed"
}
K=0123456789abcdef0123456789abcdef
key_case missing ':'
key_case dir 'mkdir -m 700 "$k"'
key_case dangling 'ln -s "$T/nowhere" "$k"'
for m in 644 640 604 660 606; do key_case "mode$m" "echo $K > \"\$k\"; chmod $m \"\$k\""; done
key_case empty ': > "$k"; chmod 600 "$k"'
key_case short 'echo 0123456789abcdef > "$k"; chmod 600 "$k"'
key_case nonhex 'echo 0123456789abcdefXYZ3456789abcdef > "$k"; chmod 600 "$k"'
key_case twolines 'printf "%s\n%s\n" $K $K > "$k"; chmod 600 "$k"'
key_case zero 'printf "%032d\n" 0 > "$k"; chmod 600 "$k"'
grep -q "all-zero key" "$T/k-zero.log" || die "the all-zero key is not refused as such"
# A link planted at the key's path is not followed, even to a good key of the same owner.
echo $K > "$T/good.key"; chmod 600 "$T/good.key"
key_case link 'ln -s "$T/good.key" "$k"'
grep -q "is a symbolic link" "$T/k-link.log" || die "a key behind a symbolic link is not refused as such"
# A key owned by another account (one that could have planted it, or read it) is refused.
if id paicha-other > /dev/null 2>&1 || useradd --system --no-create-home paicha-other 2> /dev/null; then
  key_case owner 'echo $K > "$k"; chmod 600 "$k"; chown paicha-other "$k"'
  grep -q "belongs to user id $(id -u paicha-other), not to the user running the job" "$T/k-owner.log" \
    || die "a key of another account is not refused as such"
else
  echo "SKIP: no second account could be made (useradd): a key of another owner is not tried"
fi
# synth creates a missing key, but never through a dangling link planted at its path.
ln -s "$T/planted" "$T/k-synth"
sed -e "s|^key: .*|key: $T/k-synth|" -e "s|^data: .*|data: $T/k-synth.h5|" -e "/^csv:/d" "$T/synth.yaml" > "$T/k-synth.yaml"
set +e; run 2 synth --config "$T/k-synth.yaml" > "$T/k-synth.log" 2>&1; rc=$?; set -e
[ $rc -eq 2 ] && grep -q "key file $T/k-synth is a symbolic link" "$T/k-synth.log" || { cat "$T/k-synth.log"; die "synth: key through a dangling link: exit $rc"; }
[ ! -e "$T/planted" ] && [ ! -e "$T/k-synth.h5" ] || die "synth created a key through a planted link"
# The key used is named by its fingerprint, the number the datasets store.
fp=$($PY -c "import h5py, sys; print(h5py.File(sys.argv[1], 'r').attrs['key_fingerprint'])" "$R/data.h5")
grep -q "key: $T/key, fingerprint $fp\$" "$R/log-trace" || { grep key "$R/log-trace"; die "trace does not log the key's fingerprint $fp"; }
grep -q "only synth and ingest create a key" "$T/k-missing.log" || die "a missing key is not explained"
grep -q "mode 0644.*chmod 600" "$T/k-mode644.log" || die "a world-readable key is not explained"
echo "privacy: modes, no identities outside /identities and the lists, key files refused"
