#!/usr/bin/env bash
# fuzz.sh - make fuzz: build the libFuzzer targets of tests/fuzz/ (ASan+UBSan) and run each for FUZZ_SECONDS.
# Each target runs on a fresh copy of its seed corpus (tests/fuzz/corpus/NAME) under build/fuzz/corpus/,
# never in the repo (FUZZ_KEEP=1 keeps the working corpus of the last run). Prints, per target, the
# executions, exec/s, cov and ft of libFuzzer's final stats and whether it crashed; exits 1 when one
# did, naming the crash file. Needs clang with libclang_rt.fuzzer (Debian: clang). Only plain-C
# sources go in (kernels/, io/pc_csv.c, io/pc_fdio.c, io/pc_config.c): no MPI, no HDF5.
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${FUZZ_SECONDS:=60}" "${FUZZ_MAX_LEN:=200000}" "${FUZZ_TARGETS:=csv yaml}" "${CLANG:=clang}"
out=build/fuzz
command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG not found (apt-get install clang)" >&2; exit 1; }
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Ikernels -Iio"
pkg_cflags=$(pkg-config --cflags yaml-0.1 zlib)
pkg_libs="$(pkg-config --libs yaml-0.1 zlib) -lm"

# The library: instrumented for coverage (fuzzer-no-link), archived so each target takes what it needs.
mkdir -p "$out/obj"
srcs=(kernels/*.c io/pc_csv.c io/pc_fdio.c io/pc_config.c)
echo "fuzz: building ${#srcs[@]} sources with $("$CLANG" --version | head -1)"
printf '%s\n' "${srcs[@]}" | xargs -P "$(nproc)" -I{} sh -c \
  "$CLANG $cflags $pkg_cflags -fsanitize=fuzzer-no-link $san -c {} -o $out/obj/\$(echo {} | tr / _).o"
rm -f "$out/libpc_fuzz.a"
ar rcs "$out/libpc_fuzz.a" "$out"/obj/*.o
for t in $FUZZ_TARGETS; do
  "$CLANG" $cflags $pkg_cflags -fsanitize=fuzzer $san "tests/fuzz/fuzz_$t.c" "$out/libpc_fuzz.a" \
    $pkg_libs -o "$out/fuzz_$t"
done

status=0
summary=()
for t in $FUZZ_TARGETS; do
  corpus="$out/corpus/$t"
  [ "${FUZZ_KEEP:-0}" = 1 ] || rm -rf "$corpus"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/
  log="$out/fuzz_$t.log"
  echo "fuzz: $t for ${FUZZ_SECONDS}s, -max_len=$FUZZ_MAX_LEN, corpus $corpus ($(ls "$corpus" | wc -l) inputs), log $log"
  rc=0
  "$out/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -max_len="$FUZZ_MAX_LEN" -timeout=60 \
    -print_final_stats=1 -artifact_prefix="$out/crash-$t-" "$corpus" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  line="fuzz_$t: ${execs:-?} executions, ${rate:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}, corpus $(ls "$corpus" | wc -l) inputs"
  if [ "$rc" -eq 0 ]; then
    line+=", no crash"
  else
    status=1
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    line+=", CRASHED (exit $rc): ${crash:-no crash file, see $log}; reproduce: $out/fuzz_$t ${crash:-}"
  fi
  echo "$line"
  summary+=("$line")
done
echo "fuzz: summary"
printf '  %s\n' "${summary[@]}"
exit $status
