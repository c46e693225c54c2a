#!/usr/bin/env bash
# VAE training speed: ouro.models.vae (bench/vae.lua) against our PyTorch script of the same two
# networks (bench/vae_torch.py), side by side in one run, alternating, best of 3, on 1 and 2
# threads. Prints a Markdown table for BENCHMARKS.md.
#   bench/vae_bench.sh [images=12800]   (images per timed run: 100 steps of 128)
set -euo pipefail
cd "$(dirname "$0")/.."
OURO=${OURO:-.build/release/ouro}
IMAGES=${1:-12800}
STEPS=$((IMAGES / 128))
. bench/lib.sh
torch_note
echo
echo "VAE training on Fashion-MNIST (Adam 1e-3, batch 128, float32), images/s, best of 3 alternating runs of $IMAGES images"
echo
echo "| arch | threads | ouro img/s | PyTorch img/s | ouro / PyTorch |"
echo "|---|---|---|---|---|"
for arch in mlp cvae-conv; do
  for t in 1 2; do
    o=() p=()
    for rep in 1 2 3; do
      o+=("$(OURO_OP_THREADS=$t "$OURO" run bench/vae.lua "$arch" "$IMAGES" | field images_per_s)")
      p+=("$(python3 bench/vae_torch.py --arch "$arch" --threads "$t" --steps "$STEPS" | field images_per_s)")
    done
    bo=$(best "${o[@]}"); bp=$(best "${p[@]}")
    python3 -c "o, p = $bo, float('$bp'); print(f'| $arch | $t | {o:.0f} | {p:.0f} | {o / p:.2f}x |')"
  done
done
