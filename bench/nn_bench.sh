#!/usr/bin/env bash
# Neural-network training speed: ouro (bench/mlp.lua, bench/conv.lua) against our PyTorch scripts
# of the same networks (bench/mlp_torch.py, bench/conv_torch.py), side by side in one run,
# alternating, best of 3, on 1 and 2 threads. Prints Markdown tables for BENCHMARKS.md.
#   bench/nn_bench.sh [mlp_steps=300] [conv_steps=30]
set -euo pipefail
cd "$(dirname "$0")/.."
OURO=${OURO:-.build/release/ouro}
MLP_STEPS=${1:-300}
CONV_STEPS=${2:-30}
. bench/lib.sh
torch_note
echo
# Useful work of one training image (784-512-512-10): forward 2·(784·512 + 512·512 + 512·10) FLOP,
# the same again for the weight gradients, and the input gradients of layers 2 and 3 (neither side
# computes the gradient of the data): 3.21 MFLOP. The issue's ≈ 4.0 MFLOP also counts layer 1's.
FLOP=3209216
# best_pair SCRIPT STEPS FIELD THREADS: the best of 3 alternating runs of ouro (bench/SCRIPT.lua) and
# PyTorch (bench/SCRIPT_torch.py), printed as "ouro torch".
best_pair() {
  local o=() p=()
  for rep in 1 2 3; do
    o+=("$(OURO_OP_THREADS=$4 "$OURO" run "bench/$1.lua" "$2" | field "$3")")
    p+=("$(python3 "bench/$1_torch.py" --threads "$4" --steps "$2" | field "$3")")
  done
  echo "$(best "${o[@]}") $(best "${p[@]}")"
}
echo "MLP classifier on Fashion-MNIST (784-512-512-10, ReLU, Adam, batch 128, float32), images/s, best of 3"
echo
echo "| threads | ouro img/s | PyTorch img/s | ouro / PyTorch | ouro useful GFLOP/s |"
echo "|---|---|---|---|---|"
for t in 1 2; do
  read -r bo bp < <(best_pair mlp "$MLP_STEPS" images_per_s "$t")
  python3 -c "o, p = $bo, float('$bp'); print(f'| $t | {o:.0f} | {p:.0f} | {o / p:.2f}x | {o * $FLOP / 1e9:.1f} |')"
done
echo
echo "conv2d 32→64 (k4, s2, p1) on 14×14 + conv_transpose2d 64→32 back, batch 128, forward + backward, ms per pair, best of 3"
echo
echo "| threads | ouro ms | PyTorch ms | ouro speed / PyTorch's |"
echo "|---|---|---|---|"
for t in 1 2; do
  read -r bo bp < <(best_pair conv "$CONV_STEPS" pairs_per_s "$t")
  python3 -c "o, p = $bo, float('$bp'); print(f'| $t | {1000 / o:.1f} | {1000 / p:.1f} | {o / p:.2f}x |')"
done
