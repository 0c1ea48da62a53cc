#!/usr/bin/env bash
# run.sh - the test runner: unit tests, then MPI/HDF5 cases; one log per case, OK/FAIL, a count.
# Env: PAICHA (binary), BUILD (build dir with tests/), SAN=1 under sanitizers (LEAK_CASES: the
# MPI cases whose jobs are leak-checked too, default mpi/t_golden, or all), ONLY=pattern,
# TEST_JOBS=cases at once (3; 1: one after another).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${PAICHA:=$root/build/paicha}" "${BUILD:=$root/build}" "${SAN:=0}"
logs="$BUILD/test-logs"
rm -rf "$logs"; mkdir -p "$logs"
export PAICHA ROOT="$root" PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# One node: ob1 over shared memory, which Open MPI picks here anyway, named so MPI_Init does not
# probe the Omni-Path PSM/PSM2 transports first (0.2 s a run on this machine); a setting of yours wins.
export OMPI_MCA_pml="${OMPI_MCA_pml:-ob1}"
# Open MPI's shared-memory transport warns about /dev/shm in containers; keep logs clean.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
if [ "$SAN" = 1 ]; then
  # A SAN run must test the sanitized build: a binary without ASan would pass silently.
  for b in "$PAICHA" "$BUILD"/tests/test_*; do
    [ -x "$b" ] || continue
    grep -q __asan_init "$b" || { echo "SAN=1 but $b is not built with ASan (make SAN=1)" >&2; exit 1; }
  done
  # Memory errors and undefined behaviour stop every process. Leaks are checked in the unit
  # tests and in the cases of LEAK_CASES (default t_golden: the demo, every job once; "all"
  # for every case): under mpirun LeakSanitizer needs a full unwind for Open MPI's frames
  # (built without frame pointers) to show, which makes each job about 3 times slower.
  # Open MPI's never-freed allocations are suppressed by its own functions' names only
  # (tests/lsan-mpi.supp). disable_coredump is ASan's default, restated: t_coredump turns
  # it off to see paicha's own limits.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:disable_coredump=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}
  export LSAN_OPTIONS=suppressions=$here/lsan-mpi.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
  : "${LEAK_CASES:=mpi/t_golden}"
fi
# leaks NAME: the ASan options of an MPI case under SAN (leak checks on or off, see above).
leaks() {
  if [ "$SAN" != 1 ]; then echo "${ASAN_OPTIONS:-}"
  elif [ "$LEAK_CASES" = all ] || [[ " $LEAK_CASES " == *" $1 "* ]]; then
    echo "$ASAN_OPTIONS:fast_unwind_on_malloc=0"
  else echo "$ASAN_OPTIONS:detect_leaks=0"
  fi
}
# Cases run three at a time (TEST_JOBS): most wait on mpirun's start and on their own
# small files more than on the 2 cores (a clean clone's make check, 2026-12-08, one after
# the other: 16 min 39 s two at a time, 14 min 49 s three, the same CPU seconds); SERIAL
# ones, which time signals and held runs against each other, run alone at the end.
: "${TEST_JOBS:=3}"
SERIAL=" mpi/t_two_runs mpi/t_sigkill mpi/t_signal mpi/t_coredump mpi/t_campaign "
res="$logs/.results"; : > "$res"
run_case() { # name, command...: one line in $res, the verdict printed
  local name=$1; shift
  local log="$logs/${name//\//_}.log" t0=$SECONDS
  if (cd "$root" && "$@") >"$log" 2>&1; then
    printf 'OK   %-34s %4ds\n' "$name" $((SECONDS - t0))
    echo "OK $name" >> "$res"
  else
    { printf 'FAIL %-34s %4ds  (%s; log %s)\n' "$name" $((SECONDS - t0)) "$*" "$log"
      tail -n 15 "$log" | sed 's/^/     | /'; } | cat # one write: lanes do not interleave
    echo "FAIL $name" >> "$res"
  fi
}
lane() { # name, command...: in the background once TEST_JOBS cases run
  while [ "$(jobs -rp | wc -l)" -ge "$TEST_JOBS" ]; do wait -n 2>/dev/null || true; done
  run_case "$@" &
}
for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  n=unit/$(basename "$t")
  [ -n "${ONLY:-}" ] && [[ $n != *$ONLY* ]] && continue
  run_case "$n" "$t"
done
serial=()
for t in "$here"/mpi/t_*.sh; do
  n=mpi/$(basename "$t" .sh)
  [ -n "${ONLY:-}" ] && [[ $n != *$ONLY* ]] && continue
  if [[ $SERIAL == *" $n "* ]] || [ "$TEST_JOBS" -le 1 ]; then serial+=("$t"); continue; fi
  ASAN_OPTIONS=$(leaks "$n") lane "$n" bash "$t"
done
wait
for t in ${serial[@]+"${serial[@]}"}; do
  n=mpi/$(basename "$t" .sh)
  ASAN_OPTIONS=$(leaks "$n") run_case "$n" bash "$t"
done
pass=$(grep -c '^OK ' "$res") fail=$(grep -c '^FAIL ' "$res")
echo
[ "$fail" -gt 0 ] && echo "failed: $(sed -n 's/^FAIL //p' "$res" | tr '\n' ' ')"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
