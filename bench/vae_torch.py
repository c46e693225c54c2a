"""PyTorch peer of bench/vae.lua: the two VAEs of ouro.models.vae on Fashion-MNIST, trained on the
CPU with Adam 1e-3, batch 128, float32, the loss per image (BCE summed over pixels + KL, one
reparameterised draw). Prints one JSON line: training images/s, and after --epochs full passes
over --train images the test NELBO (nats per image) with its bce and kl parts.
Written for this project. Usage:
  python3 bench/vae_torch.py [--arch mlp|cvae-conv] [--threads 1] [--train 60000] [--epochs 1]
                             [--steps N (time N steps only, no evaluation)]
                             [--generations G --workflow replace|accumulate (retrain G times on samples:
                              the decoder's Bernoulli means, as many as --train, labels balanced)]"""
import argparse, json, sys, time
from peers import fashion_mnist, torch_with_threads

p = argparse.ArgumentParser()
p.add_argument("--arch", default="mlp", choices=["mlp", "cvae-conv"])
p.add_argument("--threads", type=int, default=1)
p.add_argument("--train", type=int, default=60000)
p.add_argument("--epochs", type=int, default=1)
p.add_argument("--steps", type=int, default=0)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--generations", type=int, default=1)
p.add_argument("--workflow", default="replace", choices=["replace", "accumulate"])
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
args = p.parse_args()
torch = torch_with_threads(args.threads, args.seed)
import torch.nn as nn
import torch.nn.functional as F


def images(split):
    return fashion_mnist(torch, args.data, split)

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)
    def encode(self, x, y):
        h = F.relu(self.fc1(x))
        return self.fc21(h), self.fc22(h)
    def decode(self, z, y):
        return self.fc4(F.relu(self.fc3(z)))

class CVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1, self.enc2 = nn.Conv2d(1, 32, 4, 2, 1), nn.Conv2d(32, 64, 4, 2, 1)
        self.mu, self.logvar = nn.Linear(3136 + 10, 20), nn.Linear(3136 + 10, 20)
        self.dec_in = nn.Linear(20 + 10, 3136)
        self.dec1, self.dec2 = nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ConvTranspose2d(32, 1, 4, 2, 1)
    def encode(self, x, y):
        h = F.gelu(self.enc2(F.gelu(self.enc1(x.view(-1, 1, 28, 28))))).flatten(1)
        h = torch.cat([h, F.one_hot(y, 10).float()], 1)
        return self.mu(h), self.logvar(h)
    def decode(self, z, y):
        h = self.dec_in(torch.cat([z, F.one_hot(y, 10).float()], 1)).view(-1, 64, 7, 7)
        return self.dec2(F.gelu(self.dec1(h))).view(-1, 784)

def terms(net, x, y):
    mu, logvar = net.encode(x, y)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    bce = F.binary_cross_entropy_with_logits(net.decode(z, y), x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu * mu - logvar.exp())
    return bce, kl

x, y = images("train")
x, y = x[:args.train], y[:args.train]
net = MLP() if args.arch == "mlp" else CVAE()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
batch, n = 128, x.shape[0]

def step(i):
    bce, kl = terms(net, x[i], y[i])
    loss = (bce + kl) / len(i)
    opt.zero_grad()
    loss.backward()
    opt.step()

if args.steps:
    order = torch.randperm(n)
    batches = [order[(k * batch) % (n - batch + 1):][:batch] for k in range(args.steps + 5)]
    for i in batches[:5]:
        step(i)
    t0 = time.perf_counter()
    for i in batches[5:]:
        step(i)
    secs = time.perf_counter() - t0
    print(json.dumps({"arch": args.arch, "images_per_s": args.steps * batch / secs, "steps": args.steps,
                      "threads": args.threads, "torch": torch.__version__}))
    sys.exit(0)

def fit(x, y):
    global net, opt
    net = MLP() if args.arch == "mlp" else CVAE()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    n = x.shape[0]
    for epoch in range(args.epochs):
        order = torch.randperm(n)
        for first in range(0, n, batch):
            i = order[first:first + batch]
            bce, kl = terms(net, x[i], y[i])
            loss = (bce + kl) / len(i)
            opt.zero_grad()
            loss.backward()
            opt.step()

def evaluate():
    with torch.no_grad():
        bce = kl = 0.0
        for first in range(0, tx.shape[0], 1000):
            b, k = terms(net, tx[first:first + 1000], ty[first:first + 1000])
            bce += b.item(); kl += k.item()
    m = tx.shape[0]
    return (bce + kl) / m, bce / m, kl / m

def sample(count):
    with torch.no_grad():
        labels = torch.arange(count) % 10
        return torch.sigmoid(net.decode(torch.randn(count, 20), labels)), labels

tx, ty = images("t10k")
data_x, data_y = x, y
nelbos = []
t0 = time.perf_counter()
for generation in range(1, args.generations + 1):
    fit(data_x, data_y)
    nelbo, bce, kl = evaluate()
    nelbos.append(round(nelbo, 3))
    if generation < args.generations:
        sx, sy = sample(x.shape[0])
        data_x, data_y = (sx, sy) if args.workflow == "replace" else (torch.cat([data_x, sx]), torch.cat([data_y, sy]))
secs = time.perf_counter() - t0
print(json.dumps({"arch": args.arch, "epochs": args.epochs, "train": x.shape[0], "workflow": args.workflow,
                  "images_per_s": args.epochs * x.shape[0] / secs if args.generations == 1 else None,
                  "nelbo": nelbo, "bce": bce, "kl": kl, "nelbo_per_generation": nelbos,
                  "threads": args.threads, "seed": args.seed, "torch": torch.__version__}))
