#!/usr/bin/env bash
# Gaussian grid slice: ouro (Lua script through `ouro run`) against the NumPy reference
# (bench/gaussian_numpy.py), side by side in one run, alternating. Prints a Markdown table.
#   bench/gaussian_bench.sh [seeds=100] [generations=100]
set -euo pipefail
cd "$(dirname "$0")/.."
OURO=${OURO:-.build/release/ouro}
SEEDS=${1:-100}
GENS=${2:-100}
secs() { python3 -c "import json,sys; print(json.load(sys.stdin)['seconds'])"; }
ratio() { python3 -c "print(f'{$1 / $2:.1f}x')"; }

echo "Gaussian slice: 3 workflows (replace, accumulate, accumulate-subsample), $SEEDS seeds, $GENS generations"
echo "machine: $(nproc) cores; ouro BLAS threads 1 (seeds on 1 or 2 worker threads); NumPy $(python3 -c 'import numpy; print(numpy.__version__)') with OPENBLAS_NUM_THREADS=1"
echo
echo "| d | n | NumPy s | ouro s (1 thread) | ouro s (2 threads) | speed-up 1 thread | speed-up 2 threads |"
echo "|---|---|---|---|---|---|---|"
tn=0; t1=0; t2=0
for dn in "1 10" "3 32" "10 100" "31 316"; do
  set -- $dn
  np=$(python3 bench/gaussian_numpy.py --dims "$1" --ns "$2" --workflows replace,accumulate,accumulate-subsample --seeds "$SEEDS" --generations "$GENS" --threads 1 | secs)
  o1=$("$OURO" run bench/gaussian_slice.lua "$1" "$2" "$SEEDS" "$GENS" 1 | secs)
  o2=$("$OURO" run bench/gaussian_slice.lua "$1" "$2" "$SEEDS" "$GENS" 2 | secs)
  printf "| %s | %s | %.3f | %.3f | %.3f | %s | %s |\n" "$1" "$2" "$np" "$o1" "$o2" "$(ratio "$np" "$o1")" "$(ratio "$np" "$o2")"
  tn=$(python3 -c "print($tn + $np)"); t1=$(python3 -c "print($t1 + $o1)"); t2=$(python3 -c "print($t2 + $o2)")
done
printf "| **all** | | %.3f | %.3f | %.3f | %s | %s |\n" "$tn" "$t1" "$t2" "$(ratio "$tn" "$t1")" "$(ratio "$tn" "$t2")"
echo
echo "Accumulate: cost per generation as the run grows (d = 10, n = 100, 10 seeds, 1 thread)"
echo
echo "| generations | NumPy s | NumPy µs/generation | ouro s | ouro µs/generation |"
echo "|---|---|---|---|---|"
for g in 100 400; do
  np=$(python3 bench/gaussian_numpy.py --dims 10 --ns 100 --workflows accumulate --seeds 10 --generations "$g" --threads 1 | secs)
  o=$("$OURO" run bench/gaussian_slice.lua 10 100 10 "$g" 1 accumulate | secs)
  printf "| %s | %.3f | %.1f | %.3f | %.1f |\n" "$g" "$np" "$(python3 -c "print($np / (10 * $g) * 1e6)")" "$o" "$(python3 -c "print($o / (10 * $g) * 1e6)")"
done
