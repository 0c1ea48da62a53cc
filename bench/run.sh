#!/usr/bin/env bash
# run.sh - make bench: named benchmarks, repeated, medians of wall time and peak memory per rank.
# usage: bench/run.sh [NAME...]   (default: all)   env: NP ranks (2), REPEAT (3), PERSONS override
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${PAICHA:=$root/build/paicha}" "${NP:=2}" "${REPEAT:=3}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Shared-memory single copy (CMA) stays on: it halves the cost of the shuffles measured here.
work="${BENCH_WORK:-$root/bench/work}"
res="$root/bench/results"
mkdir -p "$work" "$res"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$res/bench-$stamp.txt"
all=(registry city)
names=("$@"); [ ${#names[@]} -eq 0 ] && names=("${all[@]}")

# time_job LABEL JOB CONFIG: runs REPEAT times; records wall (s) and peak RSS per rank (MB, max over ranks).
time_job() {
  local label=$1 job=$2 cfg=$3 rec=$4 walls=() rss=()
  for i in $(seq "$REPEAT"); do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" mpirun -n "$NP" "$PAICHA" "$job" --config "$cfg" --quiet \
      2> "$work/$label.$i.log"
    walls+=("$(awk '{print $1}' "$work/time.txt")")
    # Peak RSS of the largest rank, from the run record (getrusage in every rank).
    rss+=("$(/usr/bin/python3 -c "import json; print(round(json.load(open('$rec'))['peak_rss_bytes_max'] / 2**20))")")
  done
  local mw mr
  mw=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mr=$(printf '%s\n' "${rss[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-28s ranks %d  wall median %7.2f s (runs: %s)  peak RSS/rank median %6d MB (runs: %s)\n' \
    "$label" "$NP" "$mw" "${walls[*]}" "$mr" "${rss[*]}" | tee -a "$out"
  # The phase table of the last run, for rates.
  sed -n '/^phase/,$p' "$work/$label.$REPEAT.log" | tee -a "$out"
}

bench_registry() {
  local n=${PERSONS:-66444900}
  cat > "$work/synth.yaml" <<CFG
key: $work/bench.key
data: $work/province.h5
seed: 1
persons: $n
as_of: 2021-08-09T00:00
CFG
  cat > "$work/breakdown.yaml" <<CFG
data: $work/province.h5
output: $work/province-breakdown.h5
breakdown:
  level: county
CFG
  echo "== registry: synth + breakdown of $n persons, $NP ranks, $REPEAT runs each" | tee -a "$out"
  time_job "synth($n)" synth "$work/synth.yaml" "$work/province.h5.run.json"
  ls -l "$work/province.h5" | awk '{printf "dataset file: %.2f GB\n", $5/1e9}' | tee -a "$out"
  time_job "breakdown($n)" breakdown "$work/breakdown.yaml" "$work/province-breakdown.h5.run.json"
}

# The city tier: 2 million persons with 14 days of movement (~170 million stays), the
# index, and the emergency rerun (trace of the 100 outbreak cases, 2 hops, with the
# persisted index: start-up and load included).
bench_city() {
  local n=${PERSONS:-2000000}
  cat > "$work/city-synth.yaml" <<CFG
key: $work/bench.key
data: $work/city.h5
seed: 1
persons: $n
days: 14
as_of: 2021-08-09T00:00
outbreak: {cases: 100}
cases_csv: $work/city-cases.csv
CFG
  cat > "$work/city-index.yaml" <<CFG
data: $work/city.h5
index: $work/city-index.h5
CFG
  cat > "$work/city-trace.yaml" <<CFG
data: $work/city.h5
index: $work/city-index.h5
cases: $work/city-cases.csv
key: $work/bench.key
output: $work/city-trace.h5
hops: 2
CFG
  echo "== city: synth, index, emergency trace of $n persons, $NP ranks, $REPEAT runs each" | tee -a "$out"
  time_job "synth-city($n)" synth "$work/city-synth.yaml" "$work/city.h5.run.json"
  /usr/bin/python3 -c "import h5py; f = h5py.File('$work/city.h5'); print(f'stays: {f[\"stays\"].shape[0]:,} ({f[\"stays\"].shape[0] / f[\"persons\"].shape[0]:.1f} per person)')" | tee -a "$out"
  time_job "index-city($n)" index "$work/city-index.yaml" "$work/city-index.h5.run.json"
  /usr/bin/python3 -c "import json; r = json.load(open('$work/city-index.h5.run.json')); print(f'index rows: {r[\"index_rows\"]:,}, busiest rank {r[\"index_rows_max\"]:,}, imbalance (max/mean) {r[\"index_imbalance\"]:.3f}')" | tee -a "$out"
  time_job "trace-city($n)" trace "$work/city-trace.yaml" "$work/city-trace.h5.run.json"
  /usr/bin/python3 -c "import json; r = json.load(open('$work/city-trace.h5.run.json')); print('counts:', json.dumps(r['counts']))" | tee -a "$out"
  ls -l "$work/city.h5" "$work/city-index.h5" | awk '{printf "%s: %.2f GB\n", $NF, $5/1e9}' | tee -a "$out"
}

{ echo "paicha bench $stamp on $(hostname): $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB";
  git -C "$root" log -1 --format='commit %h %s' 2>/dev/null || true; } | tee "$out"
for n in "${names[@]}"; do
  declare -F "bench_$n" > /dev/null || { echo "unknown benchmark '$n' (have: ${all[*]})" >&2; exit 2; }
  "bench_$n"
done
echo "results: $out"
