#!/usr/bin/env bash
# make test-slurm: `ouro sweep --slurm --submit` against a real Slurm. Starts a one-node cluster on
# loopback (munged, slurmctld and slurmd from a generated slurm.conf in a temporary directory;
# proctrack/linuxproc, task/none, CPUs=2), submits a small sweep — a job array and its dependent
# merge job — waits for them, checks that the merged table equals a local run's byte for byte and
# that Slurm ran every task (sacct-free: the array's log files), then shuts the cluster down.
#   Tests/slurm/test-slurm.sh OURO_BINARY
set -uo pipefail
OURO=$(readlink -f "${1:-.build/release/ouro}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for tool in slurmctld slurmd sbatch squeue scontrol munged; do
  if ! command -v "$tool" >/dev/null; then echo "test-slurm: SKIPPED ($tool is not installed and could not be installed)"; exit 0; fi
done
T=$(mktemp -d /tmp/ouro-slurm.XXXXXX)
chmod 755 "$T"
cleanup() {
  [ -n "${SLURM_CONF:-}" ] && scontrol shutdown >/dev/null 2>&1
  sleep 1
  for f in "$T"/slurmctld.pid "$T"/slurmd.pid "$T"/munged.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  sleep 0.5
  rm -rf "$T"
}
trap cleanup EXIT
fail() {
  echo "test-slurm: FAILED: $*"
  for f in "$T"/slurmctld.log "$T"/slurmd.log "$T"/munged.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
  exit 1
}

# munge: a key of our own, its socket in $T
mkdir -p "$T/munge" "$T/state" "$T/spool"
chmod 700 "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge/munge.key"
munged --key-file="$T/munge/munge.key" --socket="$T/munge/munge.socket" --pid-file="$T/munged.pid" \
       --log-file="$T/munged.log" --seed-file="$T/munge/munge.seed" --force || fail "munged did not start"

PORT=$((20000 + RANDOM % 20000))
USER_NAME=$(id -un)
export SLURM_CONF="$T/slurm.conf"
cat > "$SLURM_CONF" <<EOF
ClusterName=ouro
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=$USER_NAME
SlurmdUser=$USER_NAME
AuthType=auth/munge
AuthInfo=socket=$T/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MaxArraySize=1001
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -i -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" -N localhost || fail "slurmd did not start"
for _ in $(seq 1 60); do
  state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || fail "the node did not become idle (state '$state')"

# the sweep: a tiny script, 2 grid values × 3 seeds, through Slurm and locally
cat > "$T/task.lua" <<'EOF'
local T = ouro.tensor
local a = ouro.args{x = 1, seed = {type = "integer"}, out = "o", generations = 4}
local truth = {mean = T.zeros({a.x}), cov = T.eye(a.x)}
ouro.loop{name = "slurm", model = function(seed) return ouro.models.gaussian{truth = truth} end,
  real = function(seed) local g = ouro.rng(seed):split("data"); return g:normal({20, a.x}), g:normal({50, a.x}) end,
  generations = a.generations, samples = 20, seeds = {a.seed}, workflow = "replace", out = a.out}()
EOF
GRID=(--grid "x=1,3" --seeds 0-2 -- generations=4)
"$OURO" sweep "$T/task.lua" --out "$T/cluster" --slurm --submit --jobs 2 --time 0:05:00 "${GRID[@]}" > "$T/submit.out" 2>&1 \
  || { cat "$T/submit.out"; fail "ouro sweep --slurm --submit failed"; }
grep -q "submitted job array" "$T/submit.out" || { cat "$T/submit.out"; fail "nothing submitted"; }
for _ in $(seq 1 240); do
  [ -z "$(squeue -h 2>/dev/null)" ] && [ -f "$T/cluster/metrics.csv" ] && break
  sleep 0.5
done
[ -z "$(squeue -h)" ] || fail "the jobs did not finish within 2 minutes: $(squeue -h)"
[ -f "$T/cluster/metrics.csv" ] || { cat "$T"/cluster/slurm/*.log 2>/dev/null; fail "the merge job wrote no metrics.csv"; }
logs=$(ls "$T"/cluster/slurm/task-*.log 2>/dev/null | wc -l)
[ "$logs" -eq 6 ] || fail "expected 6 array task logs, found $logs"
"$OURO" sweep "$T/task.lua" --out "$T/local" --jobs 2 "${GRID[@]}" > "$T/local.out" 2>&1 || { cat "$T/local.out"; fail "the local sweep failed"; }
cmp -s "$T/cluster/metrics.csv" "$T/local/metrics.csv" || fail "the cluster's merged table differs from the local one"
rows=$(($(wc -l < "$T/cluster/metrics.csv") - 1))
[ "$rows" -eq 168 ] || fail "expected 168 merged rows (6 tasks × 4 generations × 7 metrics), got $rows"
status=$("$OURO" sweep --status "$T/cluster" | head -n 1)
echo "$status" | grep -q "6 done, 0 running, 0 failed" || fail "status: $status"
echo "test-slurm: passed (6 tasks in a Slurm job array and a dependent merge, the merged table equal to the local run's: $rows rows)"
