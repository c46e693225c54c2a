"""PyTorch peer of bench/conv.lua: conv2d 32→64 (k4, s2, p1) on 14×14 and conv_transpose2d 64→32
back to 14×14, batch 128, float32, forward + backward of mean(y²); prints one JSON line.
Written for this project. Usage: python3 bench/conv_torch.py [--threads 1] [--steps 30]"""
import argparse, json, time
from peers import torch_with_threads

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--steps", type=int, default=30)
args = p.parse_args()
torch = torch_with_threads(args.threads)
conv = torch.nn.Conv2d(32, 64, 4, stride=2, padding=1)
convt = torch.nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1)
x = torch.randn(128, 32, 14, 14, requires_grad=True)

def step():
    y = convt(conv(x))
    loss = (y * y).mean()
    conv.zero_grad(); convt.zero_grad(); x.grad = None
    loss.backward()

for _ in range(3):
    step()
t0 = time.perf_counter()
for _ in range(args.steps):
    step()
secs = time.perf_counter() - t0
print(json.dumps({"pairs_per_s": args.steps / secs, "ms_per_pair": 1000 * secs / args.steps, "steps": args.steps,
                  "torch": torch.__version__, "threads": torch.get_num_threads()}))
