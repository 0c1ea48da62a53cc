#!/usr/bin/env bash
# scaling.sh - strong scaling of one job under Slurm: the same config at several task
# counts, one sbatch each (in sequence, so they do not share nodes), then a table of wall
# time, speed-up, efficiency and peak memory per rank from the run records.
#   jobs/slurm/scaling.sh JOB CONFIG.yaml "1 2 4 8" [extra sbatch options...]
# The config's `output` (or `data` for synth/ingest, `index` for index) is written once per
# count as <name>.n<N>.h5 beside it.
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0;; esac
[ $# -ge 3 ] || { echo "usage: jobs/slurm/scaling.sh JOB CONFIG.yaml \"1 2 4\" [sbatch options] (try --help)" >&2; exit 2; }
job=$1 cfg=$2 counts=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
key=output; case $job in synth|ingest) key=data;; index) key=index;; esac
declare -A rec
for n in $counts; do
  c=$(mktemp "${cfg%.yaml}.n$n.XXXX.yaml")
  /usr/bin/python3 - "$cfg" "$c" "$key" "$n" <<'PY'
import sys, yaml
src, dst, key, n = sys.argv[1:]
d = yaml.safe_load(open(src))
out = d[key]
d[key] = (out[:-3] if out.endswith(".h5") else out) + f".n{n}.h5"
yaml.safe_dump(d, open(dst, "w"), allow_unicode=True, sort_keys=False)
print(d[key])
PY
  # Relative to the config's directory, as paicha reads it.
  out=$(/usr/bin/python3 -c "import os, sys, yaml; print(os.path.join(os.path.dirname(os.path.abspath('$c')), yaml.safe_load(open('$c'))['$key']))")
  echo "== $job at $n tasks: sbatch --wait"
  sbatch --wait --ntasks="$n" --nodes=1-"$n" -O "$@" "$here/$job.sbatch" "$c"
  rec[$n]="$out.run.json"
done
printf '%8s %10s %9s %11s %14s\n' tasks wall_s speedup efficiency peak_MB/rank
first=""
for n in $counts; do
  /usr/bin/python3 - "${rec[$n]}" "$n" "${first:-${rec[$n]}}" <<'PY'
import json, sys
r, n, f = json.load(open(sys.argv[1])), int(sys.argv[2]), json.load(open(sys.argv[3]))
s = f["wall_seconds"] / r["wall_seconds"]  # speed-up against the first count
base = f["ranks"]
print(f"{n:8d} {r['wall_seconds']:10.2f} {s:9.2f} {s * base / n:11.2f} {r['peak_rss_bytes_max'] / 2**20:14.0f}")
PY
  first=${first:-${rec[$n]}}
done
