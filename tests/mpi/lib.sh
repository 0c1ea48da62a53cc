# lib.sh - helpers for MPI test cases: scratch dirs, mpirun, configs, assertions.
set -euo pipefail
: "${PAICHA:?}" "${PY:=/usr/bin/python3}" "${ROOT:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/paicha-test.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
# Open MPI's session directory in the test's own: under the shared /tmp/ompi.<host>.<uid>,
# an mpirun a test before left finishing in the background removed it as the next test's
# mpirun made it ("mkdir ... File exists", orte_init failed: seen once in make check).
export OMPI_MCA_orte_tmpdir_base="$T"
run() { # ranks, job, config, [extra args]
  local n=$1; shift
  timeout 600 mpirun -n "$n" --oversubscribe --allow-run-as-root "$PAICHA" "$@"
}
die() { echo "ASSERTION FAILED: $*" >&2; exit 1; }
# A small synth config: persons, seed, data path.
synth_cfg() {
  cat <<CFG
key: $T/key
data: $2
seed: ${3:-7}
persons: $1
as_of: 2021-08-09T00:00
quiet: true
CFG
}
# An ingest config: the agencies' CSV files synth wrote to directory $2 ($T/csv), into $1.
ingest_cfg() {
  local d=${2:-$T/csv}
  cat <<CFG
key: $T/key
data: $1
input: {regions: $d/regions.csv, persons: $d/persons.csv, stays: $d/stays.csv}
as_of: 2021-08-09T00:00
days: 14
quiet: true
CFG
}
# A small outbreak run in $T: synth (3000 persons, 14 days, 6 cases: $T/data.h5,
# $T/cases.csv), its index ($T/index.h5) and trace ($T/trace.h5), logs beside them.
# Extra synth config lines (e.g. "io: {deflate: 0}") follow the seed.
small_run() { # seed, [synth config lines...]; SMALL_PERSONS persons (3000)
  local seed=$1; shift
  printf '%s\n' "key: $T/key" "data: $T/data.h5" "seed: $seed" "persons: ${SMALL_PERSONS:-3000}" "days: 14" \
    "as_of: 2021-08-09T00:00" "outbreak: {cases: 6}" "cases_csv: $T/cases.csv" "$@" "quiet: true" \
    > "$T/synth.yaml"
  run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
  printf 'data: %s\nindex: %s\nquiet: true\n' "$T/data.h5" "$T/index.h5" > "$T/index.yaml"
  run 2 index --config "$T/index.yaml" > "$T/index.log" 2>&1 || { cat "$T/index.log"; die "index failed"; }
  printf 'data: %s\nindex: %s\ncases: %s\nkey: %s\noutput: %s\nquiet: true\n' "$T/data.h5" \
    "$T/index.h5" "$T/cases.csv" "$T/key" "$T/trace.h5" > "$T/trace.yaml"
  run 2 trace --config "$T/trace.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace failed"; }
}
# A valid resident ID number (GB 11643 check character) of area, birth date and sequence.
id_of() { # area (6 digits), birth (YYYYMMDD), seq (0-999)
  $PY -c "
s = '$1$2%03d' % $3
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
print(s + '10X98765432'[sum(int(c) * k for c, k in zip(s, w)) % 11])"
}
# A small regions.csv (Changsha's Furong district, one township, communities ...001 and ...002).
tiny_regions() { # file
  printf 'code,parent,level,name\n430000000000,,province,湖南省\n430100000000,430000000000,city,长沙市\n430102000000,430100000000,county,芙蓉区\n430102001000,430102000000,township,文艺路街道\n430102001001,430102001000,community,识字岭社区\n430102001002,430102001000,community,东湖社区\n' > "$1"
}
# A county-dispatched outbreak in $T for the lists: synth (persons, cases: $T/data.h5,
# $T/cases.csv) and its trace with companions of hops 0 and 1 ($T/trace.h5), no index.
outbreak_trace() { # persons, cases
  printf '%s\n' "key: $T/key" "data: $T/data.h5" "seed: 5" "persons: $1" "days: 14" \
    "as_of: 2021-08-09T00:00" "outbreak: {cases: $2}" "cases_csv: $T/cases.csv" "quiet: true" > "$T/synth.yaml"
  run 2 synth --config "$T/synth.yaml" > "$T/synth.log" 2>&1 || { cat "$T/synth.log"; die "synth failed"; }
  printf '%s\n' "data: $T/data.h5" "cases: $T/cases.csv" "key: $T/key" "output: $T/trace.h5" \
    "companions_of: [0, 1]" "dispatch: {level: county}" "quiet: true" > "$T/trace.yaml"
  run 2 trace --config "$T/trace.yaml" > "$T/trace.log" 2>&1 || { cat "$T/trace.log"; die "trace failed"; }
}
# A local Slurm in $T/sl for this test (tools/slurm-local.sh), stopped on exit; SKIP (exit 0,
# saying so) where Slurm is not installed.
local_slurm() { # test name
  local b
  for b in munged slurmctld slurmd sbatch; do
    command -v "$b" > /dev/null || { echo "SKIP $1: $b not installed (apt-get install slurm-wlm munge)"; exit 0; }
  done
  SL=$T/sl
  trap '"$ROOT/tools/slurm-local.sh" stop "$SL" || true; rm -rf "$T"' EXIT
  eval "$("$ROOT/tools/slurm-local.sh" start "$SL")" || die "the local Slurm did not start (logs in $SL)"
  export PAICHA
}
# Headless Chromium in $CHROME, installed when missing and root; else SKIP (exit 0) saying so.
chromium_or_skip() { # test name
  CHROME=$(command -v chromium || command -v chromium-browser || true)
  if [ -z "$CHROME" ] && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium > /dev/null 2>&1 || true
    CHROME=$(command -v chromium || true)
  fi
  if [ -z "$CHROME" ]; then
    echo "SKIP $1 rendering: chromium not installed and not installable (apt-get install chromium)"
    exit 0
  fi
}
# Render a page at a window size: $T/page.png and the DOM $T/dom.html; a console error
# (a script error, a resource that did not load) fails the test. CHROME_FLAGS stay set.
CHROME_CONSOLE='CONSOLE|Uncaught|Failed to load resource|net::ERR_'
render_page() { # page, width, height
  CHROME_FLAGS=(--headless --no-sandbox --disable-gpu --disable-background-networking
                --disable-component-update --disable-sync --no-first-run --disable-default-apps
                --disable-extensions --user-data-dir="$T/chrome" --virtual-time-budget=5000
                --window-size="$2,$3")
  timeout 60 "$CHROME" "${CHROME_FLAGS[@]}" --enable-logging=stderr --v=0 --screenshot="$T/page.png" \
    "file://$1" > "$T/chrome.out" 2> "$T/chrome.err" || { tail -20 "$T/chrome.err"; die "chromium failed"; }
  timeout 60 "$CHROME" "${CHROME_FLAGS[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$1" \
    > "$T/dom.html" 2> "$T/chrome-dom.err" || { tail -20 "$T/chrome-dom.err"; die "chromium --dump-dom failed"; }
  if grep -E "$CHROME_CONSOLE" "$T/chrome.err" "$T/chrome-dom.err"; then die "the page logged errors in Chromium"; fi
}
