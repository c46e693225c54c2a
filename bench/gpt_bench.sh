#!/usr/bin/env bash
# GPT benchmark: ouro.models.gpt (bench/gpt.lua) against our PyTorch script of the same network and
# training (bench/gpt_torch.py) on the same documents (ouro's fixed fortunes split, exported by
# bench/gpt_data.lua). Fidelity: one 300-step fit each, test CE (nats/token). Speed: training
# tokens/s and KV-cached sampling tokens/s, alternating, best of 3, on 1 and 2 threads.
# Prints Markdown tables for BENCHMARKS.md.
#   bench/gpt_bench.sh [steps=300] [time_steps=30] [samples=64]
set -euo pipefail
cd "$(dirname "$0")/.."
OURO=${OURO:-.build/release/ouro}
STEPS=${1:-300}; TIME_STEPS=${2:-30}; SAMPLES=${3:-64}
. bench/lib.sh
torch_note
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
"$OURO" run bench/gpt_data.lua "$DATA" >/dev/null
echo
echo "Fidelity: $STEPS steps (4 layers, 4 heads, dim 128, context 128, batch 32, byte-level, AdamW), 2 threads"
echo
echo "| side | test CE (nats/token) | train seconds |"
echo "|---|---|---|"
o=$(OURO_OP_THREADS=2 "$OURO" run bench/gpt.lua fit "$STEPS")
p=$(python3 bench/gpt_torch.py --data "$DATA" --threads 2 --steps "$STEPS")
echo "| ouro | $(echo "$o" | field test_ce) | $(echo "$o" | field train_seconds) |"
echo "| PyTorch | $(echo "$p" | field test_ce) | $(echo "$p" | field train_seconds) |"
echo
echo "Speed, tokens/s, best of 3 alternating runs"
echo
echo "| what | threads | ouro | PyTorch | ouro / PyTorch |"
echo "|---|---|---|---|---|"
for t in 1 2; do
  speed_rows "$t" .0f 'OURO_OP_THREADS=$t "$OURO" run bench/gpt.lua time "$TIME_STEPS"' \
    'python3 bench/gpt_torch.py --data "$DATA" --threads "$t" --time-steps "$TIME_STEPS"' training tokens_per_s tokens_per_s
  speed_rows "$t" .0f 'OURO_OP_THREADS=$t "$OURO" run bench/gpt.lua sample "$SAMPLES"' \
    'python3 bench/gpt_torch.py --data "$DATA" --threads "$t" --sample "$SAMPLES"' sampling tokens_per_s tokens_per_s
done
echo
u=$(OURO_OP_THREADS=2 "$OURO" run bench/gpt.lua sample 16 0 | field tokens_per_s)
c=$(OURO_OP_THREADS=2 "$OURO" run bench/gpt.lua sample 16 1 | field tokens_per_s)
python3 -c "print(f'KV cache, 16 documents, 2 threads: {float($c):.0f} tokens/s cached vs {float($u):.0f} recomputing the prefix ({float($c) / float($u):.1f}x)')"
