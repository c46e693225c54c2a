#!/usr/bin/env bash
# Diffusion benchmark: ouro.models.diffusion on points (bench/diffusion.lua) against our PyTorch
# script of the same network, schedule, training and sampler (bench/diffusion_torch.py), on 1000
# two-moons points. Fidelity: one fit of `steps` each, the energy distance of 1000 samples to 1000
# held-out points. Speed: training steps/s and ancestral sampling points/s (1000 points, 100
# steps), alternating, best of 3, on 1 and 2 threads. Prints Markdown tables for BENCHMARKS.md.
# Then the image network: the class-conditional U-Net (bench/diffusion_images.lua against
# bench/diffusion_unet_torch.py), training steps/s at batch 64 and DDIM sampling images/s (64
# images, 20 steps), base channels 32, alternating, best of 3, on 1 and 2 threads.
#   bench/diffusion_bench.sh [steps=3000] [time_steps=500] [unet_steps=20]
set -euo pipefail
cd "$(dirname "$0")/.."
OURO=${OURO:-.build/release/ouro}
STEPS=${1:-3000}; TIME_STEPS=${2:-500}; UNET_STEPS=${3:-20}
. bench/lib.sh
torch_note
echo
echo "Fidelity: $STEPS training steps (T = 100, MLP 3×128, batch 256), energy distance of 1000 samples to 1000 held-out moons, 1 thread"
echo
echo "| side | energy distance | train seconds |"
echo "|---|---|---|"
o=$(OURO_OP_THREADS=1 "$OURO" run bench/diffusion.lua fit "$STEPS")
p=$(python3 bench/diffusion_torch.py --threads 1 --steps "$STEPS")
echo "| ouro | $(echo "$o" | field energy) | $(echo "$o" | field train_seconds) |"
echo "| PyTorch | $(echo "$p" | field energy) | $(echo "$p" | field train_seconds) |"
echo
echo "Speed, best of 3 alternating runs"
echo
echo "| what | threads | ouro | PyTorch | ouro / PyTorch |"
echo "|---|---|---|---|---|"
for t in 1 2; do
  speed_rows "$t" .0f 'OURO_OP_THREADS=$t "$OURO" run bench/diffusion.lua time "$TIME_STEPS"' \
    'python3 bench/diffusion_torch.py --threads "$t" --time-steps "$TIME_STEPS"' \
    "training steps/s" steps_per_s steps_per_s "sampling points/s" points_per_s points_per_s
done
echo
echo "Image network (U-Net, 32 base channels, class-conditional, batch 64, $UNET_STEPS steps; DDIM 64 images × 20 steps), best of 3 alternating runs"
echo
echo "| what | threads | ouro | PyTorch | ouro / PyTorch |"
echo "|---|---|---|---|---|"
for t in 1 2; do
  speed_rows "$t" .2f 'OURO_OP_THREADS=$t "$OURO" run bench/diffusion_images.lua "$UNET_STEPS"' \
    'python3 bench/diffusion_unet_torch.py --threads "$t" --time-steps "$UNET_STEPS"' \
    "training steps/s" steps_per_s steps_per_s "sampling images/s" sample_images_per_s sample_images_per_s
done
