#!/usr/bin/env bash
# slurm-local.sh - a real single-node Slurm (munge, slurmctld, slurmd) under one scratch
# directory, as ../shared/ENV.md describes; for tests and for trying the sbatch scripts.
#   tools/slurm-local.sh start DIR   # prints "export SLURM_CONF=DIR/slurm/slurm.conf"
#   tools/slurm-local.sh stop DIR    # stops the daemons it started, by their PIDs
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0;; esac
[ $# -eq 2 ] || { echo "usage: tools/slurm-local.sh start|stop DIR (try --help)" >&2; exit 2; }
cmd=$1 D=$2
conf=$D/slurm/slurm.conf
stop() {
  for p in slurmd slurmctld munged; do
    f=$D/pids/$p.pid
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}
if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: slurm-local.sh start|stop DIR" >&2; exit 2; }
for b in munged mungekey slurmctld slurmd sbatch; do
  command -v "$b" > /dev/null || { echo "slurm-local: $b not found (apt-get install slurm-wlm munge)" >&2; exit 3; }
done
mkdir -p "$D"/munge/{etc,log,lib,run} "$D"/slurm/{state,spool,log,tmp} "$D/pids"
D=$(cd "$D" && pwd)
conf=$D/slurm/slurm.conf
chmod 755 "$D" "$D/munge" "$D/munge/run"
chmod 700 "$D/munge/etc" "$D/munge/log" "$D/munge/lib"
# munge wants every parent of its socket directory executable by all (not readable).
p=$D; while [ "$p" != / ]; do chmod a+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
[ -s "$D/munge/etc/munge.key" ] || mungekey --create --keyfile="$D/munge/etc/munge.key"
munged -F --key-file="$D/munge/etc/munge.key" --socket="$D/munge/run/munge.socket.2" \
  --pid-file="$D/munge/run/munged.pid" --seed-file="$D/munge/lib/munged.seed" \
  --log-file="$D/munge/log/munged.log" > /dev/null 2>&1 &
echo $! > "$D/pids/munged.pid"
cpus=$(nproc); mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10 ))
cat > "$conf" <<CONF
ClusterName=paicha-test
SlurmctldHost=localhost
AuthType=auth/munge
AuthInfo=socket=$D/munge/run/munge.socket.2
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$D/slurm/state
SlurmdSpoolDir=$D/slurm/spool
TmpFS=$D/slurm/tmp
SlurmctldPidFile=$D/slurm/slurmctld.pid
SlurmdPidFile=$D/slurm/slurmd.pid
SlurmctldLogFile=$D/slurm/log/slurmctld.log
SlurmdLogFile=$D/slurm/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
MailProg=/bin/true
NodeName=localhost NodeHostname=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
for _ in $(seq 50); do [ -S "$D/munge/run/munge.socket.2" ] && break; sleep 0.1; done
export SLURM_CONF=$conf
slurmctld -D -i -f "$conf" > /dev/null 2>&1 &
echo $! > "$D/pids/slurmctld.pid"
slurmd -D -N localhost -f "$conf" > /dev/null 2>&1 &
echo $! > "$D/pids/slurmd.pid"
for _ in $(seq 100); do
  timeout 5 sinfo -h -o %t 2>/dev/null | grep -q idle && { echo "export SLURM_CONF=$conf"; exit 0; }
  sleep 0.2
done
echo "slurm-local: the node did not come up; logs in $D/slurm/log and $D/munge/log" >&2
stop
exit 1
