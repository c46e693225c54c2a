"""PyTorch peer of bench/mlp.lua: the Fashion-MNIST MLP classifier (784-512-512-10, ReLU, Adam 1e-3,
batch 128, float32) trained on the CPU; prints one JSON line with images/s over the timed steps.
Written for this project. Usage: python3 bench/mlp_torch.py [--threads 1] [--steps 300]"""
import argparse, gzip, json, os, sys, time

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--steps", type=int, default=300)
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
args = p.parse_args()
for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[v] = str(args.threads)
try:
    import numpy as np
    import torch
except ImportError as e:
    print(json.dumps({"skipped": f"PyTorch is not installed ({e}); pip install torch"}))
    sys.exit(0)
torch.set_num_threads(args.threads)
torch.manual_seed(0)

def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    rank = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)

x = torch.from_numpy(idx(f"{args.data}/train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255)
y = torch.from_numpy(idx(f"{args.data}/train-labels-idx1-ubyte.gz").astype(np.int64))
net = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
batch, n = 128, x.shape[0]
g = torch.Generator().manual_seed(0)

def run(steps):
    order = torch.randperm(n, generator=g)
    done = 0
    while done < steps:
        for first in range(0, n - batch + 1, batch):
            if done == steps:
                break
            i = order[first:first + batch]
            loss = torch.nn.functional.cross_entropy(net(x[i]), y[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
            done += 1
    return loss.item()

run(20)  # warm-up
t0 = time.perf_counter()
last = run(args.steps)
secs = time.perf_counter() - t0
print(json.dumps({"images_per_s": args.steps * batch / secs, "seconds": secs, "steps": args.steps, "loss": last,
                  "torch": torch.__version__, "threads": torch.get_num_threads()}))
