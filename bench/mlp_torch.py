"""PyTorch peer of bench/mlp.lua: the Fashion-MNIST MLP classifier (784-512-512-10, ReLU, Adam 1e-3,
batch 128, float32) trained on the CPU; prints one JSON line with images/s over the timed steps.
Written for this project. Usage: python3 bench/mlp_torch.py [--threads 1] [--steps 300]"""
import argparse, json, time
from peers import fashion_mnist, torch_with_threads

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--steps", type=int, default=300)
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
args = p.parse_args()
torch = torch_with_threads(args.threads)
x, y = fashion_mnist(torch, args.data, "train")
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
