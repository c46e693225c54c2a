#!/usr/bin/env bash
# Sweep overhead: 100 Gaussian tasks of one seed each (bench/sweep_gaussian.lua) through `ouro sweep`
# on 2 local workers, against the same 100 seeds in one process (ouro.loop's 2 seed workers), with
# the same records written; alternating, for each task size (generations per seed).
# Also the start-up of one `ouro run` of an empty script, and scripts/gaussian.lua swept over 100
# seeds against the same in one process (SWEEP_BENCH_SCRIPT=0 skips it). Prints Markdown tables:
# the median of SWEEP_BENCH_REPS alternating runs a side (default 9; this VM's spread is wide) and
# the ratio of the best runs beside it.
#   bench/sweep_bench.sh [generations list="100 1000"] [d=10] [n=100]   (SWEEP_BENCH_DIR: where the folders go, default /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
OURO=$(readlink -f "${OURO:-.build/release/ouro}")
GENS=${1:-100 1000}; D=${2:-10}; N=${3:-100}
T=$(mktemp -d "${SWEEP_BENCH_DIR:-/tmp}/ouro-sweep-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
now() { python3 -c 'import time; print(time.perf_counter())'; }
REPS=${SWEEP_BENCH_REPS:-9}
median() { python3 -c "import sys, statistics; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
best() { python3 -c "import sys; print(min(float(x) for x in sys.argv[1:]))" "$@"; }
echo "machine: $(nproc) cores, $(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | xargs); folders on $(df -T "$T" | awk "NR==2 {print \$2}")"
: > "$T/empty.lua"
s=$(now); for _ in $(seq 20); do "$OURO" run "$T/empty.lua"; done; e=$(now)
echo "start-up of \`ouro run\` on an empty script: $(python3 -c "print(f'{($e - $s) / 20 * 1000:.1f}')") ms (mean of 20)"
echo
echo "| generations per task | one process, 100 seeds (s, median) | sweep, 100 tasks on 2 workers (s, median) | sweep / one process (medians) | (best runs) | per task overhead (ms) |"
echo "|---|---|---|---|---|---|"
for G in $GENS; do
  one=() sweep=()
  for rep in $(seq "$REPS"); do
    # fresh folders, all deleted at the end: ext4 slows the creation of files right after many
    # deletions (it skips recently freed inodes), which would charge one side for the other's rm
    s=$(now); "$OURO" run bench/sweep_gaussian.lua d="$D" n="$N" generations="$G" seeds=100 out="$T/one-$G-$rep"; e=$(now)
    one+=("$(python3 -c "print($e - $s)")")
    s=$(now); "$OURO" sweep bench/sweep_gaussian.lua --seeds 1-100 --jobs 2 --out "$T/sweep-$G-$rep" -- d="$D" n="$N" generations="$G" > /dev/null 2>&1; e=$(now)
    sweep+=("$(python3 -c "print($e - $s)")")
  done
  mo=$(median "${one[@]}"); ms=$(median "${sweep[@]}"); bo=$(best "${one[@]}"); bs=$(best "${sweep[@]}")
  python3 -c "o, s, bo, bs = $mo, $ms, $bo, $bs; print(f'| $G | {o:.2f} | {s:.2f} | {s / o:.2f}x | {bs / bo:.2f}x | {(s - o) / 100 * 2 * 1000:.0f} |')"
done

# The Kazdan et al. Figure 1 script itself: scripts/gaussian.lua (replace, accumulate and
# accumulate-subsample, 100 generations each, d = 10, n = 100) for seeds 1-100 in one process
# (its two plots and table) against a sweep of 100 tasks, one seed= each (records only; the
# sweep's report plots them).
if [ "${SWEEP_BENCH_SCRIPT:-1}" != 0 ]; then
  one=() sweep=()
  for rep in $(seq "$REPS"); do
    s=$(now); "$OURO" run scripts/gaussian.lua seeds=100 out="$T/gone-$rep" > /dev/null 2>&1; e=$(now)
    one+=("$(python3 -c "print($e - $s)")")
    s=$(now); "$OURO" sweep scripts/gaussian.lua --seeds 1-100 --jobs 2 --out "$T/gsweep-$rep" > /dev/null 2>&1; e=$(now)
    sweep+=("$(python3 -c "print($e - $s)")")
  done
  mo=$(median "${one[@]}"); ms=$(median "${sweep[@]}"); bo=$(best "${one[@]}"); bs=$(best "${sweep[@]}")
  echo
  echo "| scripts/gaussian.lua, 100 seeds | one process (s, median) | sweep, 100 tasks on 2 workers (s, median) | sweep / one process (medians) | (best runs) | per task overhead (ms) |"
  echo "|---|---|---|---|---|---|"
  python3 -c "o, s, bo, bs = $mo, $ms, $bo, $bs; print(f'| 3 workflows × 100 generations | {o:.2f} | {s:.2f} | {s / o:.2f}x | {bs / bo:.2f}x | {(s - o) / 100 * 2 * 1000:.0f} |')"
fi
