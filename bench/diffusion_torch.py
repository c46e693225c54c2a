"""PyTorch peer of bench/diffusion.lua: the DDPM of points of ouro.models.diffusion — the same
time-conditioned MLP ([x | sinusoidal embedding of t (64)] → 3 GELU layers of 128 → ε̂), the same
linear noise schedule (T = 100, β from 1e-3 to 0.2), the same training (Adam, lr 3e-3 on a cosine
decay to 3e-5, batch 256 rows drawn with replacement, t uniform on 1…T, MSE on ε) on standardised
points, and ancestral sampling with step variance β_t. Prints one JSON line: training steps/s and
sampling points/s, and the energy distance of 1000 samples to 1000 held-out points.
Written for this project. Usage:
  python3 bench/diffusion_torch.py [--threads 1] [--steps 3000] [--time-steps N (time N steps only)]"""
import argparse, json, math, time
from peers import torch_with_threads

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--steps", type=int, default=3000)
p.add_argument("--time-steps", type=int, default=0)
p.add_argument("--seed", type=int, default=0)
args = p.parse_args()
torch = torch_with_threads(args.threads, args.seed)
import torch.nn as nn
import torch.nn.functional as F

T, EMB, HIDDEN, BATCH, LR = 100, 64, 128, 256, 3e-3
betas = torch.linspace(1e-4 * 1000 / T, 0.02 * 1000 / T, T, dtype=torch.float64)
alpha_bar = torch.cumprod(1 - betas, 0)


def moons(n, gen, noise=0.05):
    """Two interleaving half circles (as sklearn's make_moons), with Gaussian noise."""
    t = torch.rand(n, generator=gen, dtype=torch.float64) * math.pi
    upper = torch.rand(n, generator=gen) < 0.5
    x = torch.where(upper, torch.cos(t), 1 - torch.cos(t))
    y = torch.where(upper, torch.sin(t), 0.5 - torch.sin(t))
    return (torch.stack([x, y], 1) + noise * torch.randn(n, 2, generator=gen, dtype=torch.float64)).float()


class Denoiser(nn.Module):
    def __init__(self, d=2):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(d + EMB, HIDDEN), nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, HIDDEN)])
        self.out = nn.Linear(HIDDEN, d)
        half = EMB // 2
        self.register_buffer("freqs", torch.pow(10000.0, -torch.arange(half, dtype=torch.float32) / half))

    def forward(self, x, t):
        s = (t.float() * 1000 / T)[:, None] * self.freqs[None, :]
        h = torch.cat([x, torch.sin(s), torch.cos(s)], 1)
        for l in self.layers:
            h = F.gelu(l(h))
        return self.out(h)


def train(net, z, steps):
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    sqrt_ab, sqrt_1mab = alpha_bar.sqrt().float(), (1 - alpha_bar).sqrt().float()
    for step in range(1, steps + 1):
        for g in opt.param_groups:
            g["lr"] = LR / 100 + (LR - LR / 100) * 0.5 * (1 + math.cos(math.pi * min(1.0, step / steps)))
        idx = torch.randint(0, z.shape[0], (BATCH,))
        t = torch.randint(1, T + 1, (BATCH,))
        eps = torch.randn(BATCH, z.shape[1])
        xt = sqrt_ab[t - 1, None] * z[idx] + sqrt_1mab[t - 1, None] * eps
        loss = F.mse_loss(net(xt, t), eps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


@torch.no_grad()
def sample(net, n, d=2):
    x = torch.randn(n, d)
    for t in range(T, 0, -1):
        e = net(x, torch.full((n,), t))
        b, ab = betas[t - 1].item(), alpha_bar[t - 1].item()
        x = (x - b / math.sqrt(1 - ab) * e) / math.sqrt(1 - b)
        if t > 1:
            x = x + math.sqrt(b) * torch.randn(n, d)
    return x


def energy(a, b):
    a, b = a.double(), b.double()
    n, m = a.shape[0], b.shape[0]
    xy = torch.cdist(a, b).mean()
    xx = torch.cdist(a, a).sum() / (n * (n - 1))
    yy = torch.cdist(b, b).sum() / (m * (m - 1))
    return (2 * xy - xx - yy).item()


gen = torch.Generator().manual_seed(args.seed)
x, test = moons(1000, gen), moons(1000, gen)
mean, std = x.mean(0), x.std(0, unbiased=False)
z = (x - mean) / std
net = Denoiser()
if args.time_steps:
    train(net, z, 3)
    t0 = time.perf_counter()
    train(net, z, args.time_steps)
    secs = time.perf_counter() - t0
    t1 = time.perf_counter()
    sample(net, 1000)
    sample_secs = time.perf_counter() - t1
    print(json.dumps({"steps_per_s": args.time_steps / secs, "points_per_s": 1000 / sample_secs, "seconds": secs}))
else:
    t0 = time.perf_counter()
    train(net, z, args.steps)
    secs = time.perf_counter() - t0
    s = sample(net, 1000) * std + mean
    print(json.dumps({"energy": energy(test, s), "steps": args.steps, "train_seconds": secs, "steps_per_s": args.steps / secs}))
