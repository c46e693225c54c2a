"""PyTorch peer of bench/diffusion_images.lua: the image DDPM of ouro.models.diffusion{data = "images"}
— the same small U-Net (3×3 convs, residual blocks with group norm (8 groups) and GELU at 28, 14 and
7 pixels, stride-2 convs down, 4×4 transposed convs up, skips joined by channels, the step's
sinusoidal embedding through Linear(64, 4C) → GELU → Linear(4C, 4C) plus a class embedding, added
per channel in every block), the same linear noise schedule (T = 100), the same training (Adam,
lr on a cosine decay to lr/100, batch rows drawn with replacement, t uniform on 1…T, MSE on ε) on
Fashion-MNIST images mapped to [−1, 1], class-conditional. Prints one JSON line: training steps/s
and images/s (and with --time-steps, DDIM sampling images/s over --sampler-steps steps).
Written for this project. Usage:
  python3 bench/diffusion_unet_torch.py [--threads 1] [--channels 32] [--batch 64] [--train 1000]
                                        [--time-steps N] [--sampler-steps 20] [--sample 64]"""
import argparse, json, math, time
from peers import fashion_mnist, torch_with_threads

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--channels", type=int, default=32)
p.add_argument("--batch", type=int, default=64)
p.add_argument("--train", type=int, default=1000)
p.add_argument("--time-steps", type=int, default=20)
p.add_argument("--sampler-steps", type=int, default=20)
p.add_argument("--sample", type=int, default=64)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
args = p.parse_args()
torch = torch_with_threads(args.threads, args.seed)
import torch.nn as nn
import torch.nn.functional as F

T, EMB, SIDE, CLASSES = 100, 64, 28, 10
betas = torch.linspace(1e-4 * 1000 / T, 0.02 * 1000 / T, T, dtype=torch.float64)
alpha_bar = torch.cumprod(1 - betas, 0)


class Residual(nn.Module):
    """norm → GELU → conv, + the embedding's projection per channel, norm → GELU → conv, + input."""
    def __init__(self, cin, cout, tw):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.time = nn.Linear(tw, cout)
        self.norm2, self.conv2 = nn.GroupNorm(8, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.gelu(self.norm1(x))) + self.time(emb)[:, :, None, None]
        h = self.conv2(F.gelu(self.norm2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


class UNet(nn.Module):
    def __init__(self, c):
        super().__init__()
        tw = 4 * c
        self.time1, self.time2, self.cls = nn.Linear(EMB, tw), nn.Linear(tw, tw), nn.Embedding(CLASSES, tw)
        self.input = nn.Conv2d(1, c, 3, padding=1)
        self.down1, self.reduce1 = Residual(c, c, tw), nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.down2, self.reduce2 = Residual(c, 2 * c, tw), nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1)
        self.middle = Residual(2 * c, 2 * c, tw)
        self.enlarge2, self.up2 = nn.ConvTranspose2d(2 * c, 2 * c, 4, stride=2, padding=1), Residual(4 * c, 2 * c, tw)
        self.enlarge1, self.up1 = nn.ConvTranspose2d(2 * c, 2 * c, 4, stride=2, padding=1), Residual(3 * c, c, tw)
        self.out_norm, self.output = nn.GroupNorm(8, c), nn.Conv2d(c, 1, 3, padding=1)
        half = EMB // 2
        self.register_buffer("freqs", torch.pow(10000.0, -torch.arange(half, dtype=torch.float32) / half))

    def forward(self, x, t, y):
        s = (t.float() * 1000 / T)[:, None] * self.freqs[None, :]
        emb = self.time2(F.gelu(self.time1(torch.cat([torch.sin(s), torch.cos(s)], 1)))) + self.cls(y)
        emb = F.gelu(emb)
        h = self.input(x.view(-1, 1, SIDE, SIDE))
        s1 = self.down1(h, emb)
        s2 = self.down2(self.reduce1(s1), emb)
        h = self.middle(self.reduce2(s2), emb)
        h = self.up2(torch.cat([self.enlarge2(h), s2], 1), emb)
        h = self.up1(torch.cat([self.enlarge1(h), s1], 1), emb)
        return self.output(F.gelu(self.out_norm(h))).view(-1, SIDE * SIDE)


def train(net, z, labels, steps, total):
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    sqrt_ab, sqrt_1mab = alpha_bar.sqrt().float(), (1 - alpha_bar).sqrt().float()
    for step in range(1, steps + 1):
        for g in opt.param_groups:
            g["lr"] = args.lr / 100 + (args.lr - args.lr / 100) * 0.5 * (1 + math.cos(math.pi * min(1.0, step / total)))
        idx = torch.randint(0, z.shape[0], (args.batch,))
        t = torch.randint(1, T + 1, (args.batch,))
        eps = torch.randn(args.batch, z.shape[1])
        xt = sqrt_ab[t - 1, None] * z[idx] + sqrt_1mab[t - 1, None] * eps
        loss = F.mse_loss(net(xt, t, labels[idx]), eps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return loss.item()


@torch.no_grad()
def ddim(net, n, steps):
    """DDIM (η = 0) over an evenly spaced subsequence of `steps` of the T steps, x̂_0 clipped to [−1, 1]."""
    taus = [round(i * T / steps) for i in range(1, steps + 1)]
    x, y = torch.randn(n, SIDE * SIDE), torch.arange(n) % CLASSES
    for i in range(len(taus) - 1, -1, -1):
        t, prev = taus[i], taus[i - 1] if i > 0 else 0
        e = net(x, torch.full((n,), t), y)
        ab, ab_prev = alpha_bar[t - 1].item(), alpha_bar[prev - 1].item() if prev > 0 else 1.0
        x0 = ((x - math.sqrt(1 - ab) * e) / math.sqrt(ab)).clamp(-1, 1)
        x = math.sqrt(ab_prev) * x0 + math.sqrt(1 - ab_prev) * e
    return ((x + 1) / 2).clamp(0, 1)


x, y = fashion_mnist(torch, args.data, "train")
z, labels = x[:args.train] * 2 - 1, y[:args.train]
net = UNet(args.channels)
train(net, z, labels, 2, args.time_steps)          # warm-up
t0 = time.perf_counter()
loss = train(net, z, labels, args.time_steps, args.time_steps)
secs = time.perf_counter() - t0
t1 = time.perf_counter()
ddim(net, args.sample, args.sampler_steps)
sample_secs = time.perf_counter() - t1
print(json.dumps({"steps_per_s": args.time_steps / secs, "images_per_s": args.time_steps * args.batch / secs,
                  "sample_images_per_s": args.sample / sample_secs, "loss": loss, "seconds": secs}))
