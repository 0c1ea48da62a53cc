# lib.sh - helpers for MPI test cases: scratch dirs, mpirun, configs, assertions.
set -euo pipefail
: "${PAICHA:?}" "${PY:=/usr/bin/python3}" "${ROOT:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/paicha-test.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
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
