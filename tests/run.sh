#!/usr/bin/env bash
# run.sh - the test runner: unit tests, then MPI/HDF5 cases; one log per case, OK/FAIL, a count.
# Env: PAICHA (binary), BUILD (build dir with tests/), SAN=1 under sanitizers, ONLY=pattern.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${PAICHA:=$root/build/paicha}" "${BUILD:=$root/build}" "${SAN:=0}"
logs="$BUILD/test-logs"
rm -rf "$logs"; mkdir -p "$logs"
export PAICHA ROOT="$root" PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Open MPI's shared-memory transport warns about /dev/shm in containers; keep logs clean.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
if [ "$SAN" = 1 ]; then
  # A SAN run must test the sanitized build: a binary without ASan would pass silently.
  for b in "$PAICHA" "$BUILD"/tests/test_*; do
    [ -x "$b" ] || continue
    grep -q __asan_init "$b" || { echo "SAN=1 but $b is not built with ASan (make SAN=1)" >&2; exit 1; }
  done
  # Leaks are checked in every process. Open MPI's allocations made in MPI_Init and
  # MPI_Finalize and by its progress thread, which it never frees, are suppressed by name
  # (tests/lsan-mpi.supp: those frames only). Open MPI has no frame pointers: a full unwind
  # is needed for its frames to show. disable_coredump is ASan's default, restated:
  # t_coredump turns it off to see paicha's own limits.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:disable_coredump=1:fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
  export LSAN_OPTIONS=suppressions=$here/lsan-mpi.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
fi
pass=0 fail=0 failed=()
run_case() { # name, command...
  local name=$1; shift
  local log="$logs/${name//\//_}.log" t0=$SECONDS
  if (cd "$root" && "$@") >"$log" 2>&1; then
    pass=$((pass + 1)); printf 'OK   %-34s %4ds\n' "$name" $((SECONDS - t0))
  else
    fail=$((fail + 1)); failed+=("$name")
    printf 'FAIL %-34s %4ds  (%s; log %s)\n' "$name" $((SECONDS - t0)) "$*" "$log"
    tail -n 15 "$log" | sed 's/^/     | /'
  fi
}
for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  n=unit/$(basename "$t")
  [ -n "${ONLY:-}" ] && [[ $n != *$ONLY* ]] && continue
  run_case "$n" "$t"
done
for t in "$here"/mpi/t_*.sh; do
  n=mpi/$(basename "$t" .sh)
  [ -n "${ONLY:-}" ] && [[ $n != *$ONLY* ]] && continue
  run_case "$n" bash "$t"
done
echo
[ $fail -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
