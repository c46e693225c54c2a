"""PyTorch peer of ouro.models.gpt (bench/gpt.lua): the same GPT-2-style network (pre-LayerNorm
blocks, causal self-attention, 4x GELU MLP, output tied to the token embedding, GPT-2
initialisation), byte-level tokens (256 bytes + end-of-document = 257), the same training
(AdamW betas 0.9/0.95 with weight decay 0.1 on matrices only, linear warm-up then cosine to lr/10,
gradient clipping at 1.0, random windows of context + 1 tokens of the documents joined by
end-of-document tokens) and the same evaluation (non-overlapping windows of the held-out stream,
nats per token). Reads the documents ouro exported with bench/gpt_data.lua.
Written for this project. Prints one JSON line.
  python3 bench/gpt_torch.py --data DIR [--threads 1] [--steps 300] [--time-steps N (time N steps only)]
                             [--sample N (time KV-cached sampling of N documents)]
                             [--generations G (replace and accumulate for G generations: test CE of each)]"""
import argparse, json, math, time
from peers import torch_with_threads

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--steps", type=int, default=300)
p.add_argument("--time-steps", type=int, default=0)
p.add_argument("--sample", type=int, default=0)
p.add_argument("--layers", type=int, default=4)
p.add_argument("--heads", type=int, default=4)
p.add_argument("--dim", type=int, default=128)
p.add_argument("--context", type=int, default=128)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--warmup", type=int, default=30)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--generations", type=int, default=0)
args = p.parse_args()
torch = torch_with_threads(args.threads, args.seed)
import torch.nn as nn
import torch.nn.functional as F

EOT, VOCAB = 256, 257


def documents(split):
    with open(f"{args.data}/{split}.jsonl", encoding="utf-8") as f:
        return [json.loads(line)["text"].encode("latin-1") for line in f if line.strip()]


def stream(docs):
    s = [EOT]
    for d in docs:
        s.extend(d)
        s.append(EOT)
    return torch.tensor(s, dtype=torch.long)


class Block(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.heads = heads
        self.ln_1, self.ln_2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.c_attn, self.c_proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.c_fc, self.mlp_proj = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)

    def attention(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))

    def forward(self, x):
        x = x + self.attention(self.ln_1(x))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(VOCAB, args.dim), nn.Embedding(args.context, args.dim)
        self.h = nn.ModuleList(Block(args.dim, args.heads) for _ in range(args.layers))
        self.ln_f = nn.LayerNorm(args.dim)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * args.layers) if name.endswith("c_proj.weight") or name.endswith("mlp_proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(t))
        for blk in self.h:
            x = blk(x)
        return self.ln_f(x) @ self.wte.weight.t()


def train(model, s, steps):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    plain = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": plain, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    warm = min(args.warmup, max(0, steps - 1))
    total = max(steps, warm + 1)

    def lr_at(step):
        if warm > 0 and step <= warm:
            return args.lr * step / warm
        f = min(1.0, (step - warm) / (total - warm))
        return args.lr / 10 + (args.lr - args.lr / 10) * 0.5 * (1 + math.cos(math.pi * f))

    b, t = args.batch, args.context
    for step in range(1, steps + 1):
        starts = torch.randint(0, len(s) - t - 1, (b,))
        x = torch.stack([s[i:i + t] for i in starts])
        y = torch.stack([s[i + 1:i + t + 1] for i in starts])
        loss = F.cross_entropy(model(x).view(-1, VOCAB), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        opt.step()
    return loss.item()


@torch.no_grad()
def evaluate(model, s):
    t, total, count = args.context, 0.0, 0
    for start in range(0, len(s) - 1, t * 32):
        xs, ys = [], []
        for w in range(start, min(start + t * 32, len(s) - 1), t):
            n = min(t, len(s) - 1 - w)
            xs.append(s[w:w + n]); ys.append(s[w + 1:w + n + 1])
        same = [i for i in range(len(xs)) if len(xs[i]) == len(xs[0])]
        for group in (same, [i for i in range(len(xs)) if i not in same]):
            if not group:
                continue
            x = torch.stack([xs[i] for i in group]); y = torch.stack([ys[i] for i in group])
            total += F.cross_entropy(model(x).view(-1, VOCAB), y.view(-1), reduction="sum").item()
            count += y.numel()
    return total / count


def cached_step(model, tok, pos, keys, values):
    """The next-token logits of a batch after feeding `tok` at position `pos`, its keys and values
    written into the per-layer caches."""
    b, c, h = tok.shape[0], args.dim, args.heads
    d = c // h
    x = model.wte(tok) + model.wpe.weight[pos]
    for l, blk in enumerate(model.h):
        q, k, v = blk.c_attn(blk.ln_1(x)).split(c, dim=1)
        keys[l][:, :, pos] = k.view(b, h, d)
        values[l][:, :, pos] = v.view(b, h, d)
        att = (keys[l][:, :, :pos + 1] @ q.view(b, h, d, 1)).squeeze(-1) / math.sqrt(d)
        y = (att.softmax(-1).unsqueeze(-1) * values[l][:, :, :pos + 1]).sum(2)
        x = x + blk.c_proj(y.reshape(b, c))
        x = x + blk.mlp_proj(F.gelu(blk.c_fc(blk.ln_2(x))))
    return model.ln_f(x) @ model.wte.weight.t()


def empty_cache(b):
    d = args.dim // args.heads
    return ([torch.zeros(b, args.heads, args.context, d) for _ in range(args.layers)],
            [torch.zeros(b, args.heads, args.context, d) for _ in range(args.layers)])


@torch.no_grad()
def sample_cached(model, n, max_new):
    """n documents from the end-of-document token, one position at a time through a key/value cache."""
    keys, values = empty_cache(n)
    tok = torch.full((n,), EOT, dtype=torch.long)
    drawn = 0
    for pos in range(min(max_new, args.context)):
        tok = torch.multinomial(cached_step(model, tok, pos, keys, values).softmax(-1), 1).squeeze(1)
        drawn += n
    return drawn


@torch.no_grad()
def sample_documents(model, n, batch=256):
    """n documents drawn at temperature 1, each from the end-of-document token until the next one or
    until the context is full (context - 1 tokens), through a key/value cache."""
    out = []
    while len(out) < n:
        b = min(batch, n - len(out))
        keys, values = empty_cache(b)
        tok = torch.full((b,), EOT, dtype=torch.long)
        docs, done = [[] for _ in range(b)], torch.zeros(b, dtype=torch.bool)
        for pos in range(args.context - 1):
            tok = torch.multinomial(cached_step(model, tok, pos, keys, values).softmax(-1), 1).squeeze(1)
            done |= tok == EOT
            for i in range(b):
                if not done[i]:
                    docs[i].append(int(tok[i]))
            if bool(done.all()):
                break
        out.extend(bytes(doc) for doc in docs)
    return out


def fresh_fit(docs):
    m = GPT()
    train(m, stream(docs), args.steps)
    m.eval()
    return m


if args.generations:
    # Gerstgrasser et al.'s workflows: generation 1 trains on the real documents; then replace
    # trains on the previous generation's samples only, accumulate on the real documents and all
    # samples so far. Every generation samples as many documents as the real set holds.
    real, test = documents("train"), stream(documents("test"))
    t0 = time.perf_counter()
    first = fresh_fit(real)
    ce = evaluate(first, test)
    result = {"replace": [ce], "accumulate": [ce]}
    synthetic = sample_documents(first, len(real))
    last = {"replace": synthetic, "accumulate": synthetic}
    pool = list(real) + synthetic
    for g in range(2, args.generations + 1):
        for w in ("replace", "accumulate"):
            m = fresh_fit(last[w] if w == "replace" else pool)
            result[w].append(evaluate(m, test))
            if g < args.generations:
                last[w] = sample_documents(m, len(real))
        pool += last["accumulate"]
    result["seconds"] = time.perf_counter() - t0
    print(json.dumps(result))
    raise SystemExit

model = GPT()
train_stream = stream(documents("train"))
if args.time_steps:
    train(model, train_stream, 3)                      # warm-up
    t0 = time.perf_counter()
    train(model, train_stream, args.time_steps)
    secs = time.perf_counter() - t0
    print(json.dumps({"tokens_per_s": args.time_steps * args.batch * args.context / secs, "seconds": secs}))
elif args.sample:
    train(model, train_stream, 3)
    model.eval()
    sample_cached(model, 4, 8)
    t0 = time.perf_counter()
    drawn = sample_cached(model, args.sample, args.context)
    secs = time.perf_counter() - t0
    print(json.dumps({"tokens_per_s": drawn / secs, "seconds": secs}))
else:
    t0 = time.perf_counter()
    last = train(model, train_stream, args.steps)
    secs = time.perf_counter() - t0
    model.eval()
    ce = evaluate(model, stream(documents("test")))
    print(json.dumps({"test_ce": ce, "train_loss_last": last, "steps": args.steps, "train_seconds": secs,
                      "tokens_per_s": args.steps * args.batch * args.context / secs}))
