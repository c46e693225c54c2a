import Autograd
import Data
import Foundation
import NN
import Tensor

/// A small GPT-2-style language model over a byte-level BPE tokenizer: token and learned position
/// embeddings, pre-LayerNorm blocks of fused causal self-attention and a 4× GELU MLP, a final
/// LayerNorm and an output layer tied to the token embedding. Trained with AdamW (weight decay on
/// matrices only), linear warm-up then cosine or constant learning rate, and gradient clipping,
/// on random windows of the documents joined by end-of-document tokens.
public final class GPTModel {
    public struct Config: Equatable {
        public var layers = 4, heads = 4, dim = 128, context = 128
        public var steps = 300, batch = 32
        public var lr = 1e-3, minLR = 1e-4, warmup = 30, schedule = Schedule.Kind.cosine
        public var weightDecay = 0.1, beta1 = 0.9, beta2 = 0.95, clip = 1.0
        public init() {}

        func validate(vocab: Int) throws {
            guard layers >= 1, heads >= 1, dim >= 1, context >= 2 else {
                throw ModelError("gpt: layers, heads and dim must be ≥ 1 and context ≥ 2, got layers \(layers), heads \(heads), dim \(dim), context \(context)")
            }
            guard dim % heads == 0 else { throw ModelError("gpt: dim (\(dim)) must be divisible by heads (\(heads))") }
            guard steps >= 0, batch >= 1 else { throw ModelError("gpt: steps must be ≥ 0 and batch ≥ 1, got \(steps), \(batch)") }
            guard lr > 0, minLR >= 0, warmup >= 0, weightDecay >= 0, clip >= 0 else { throw ModelError("gpt: lr must be > 0 and min_lr, warmup, weight_decay, clip ≥ 0") }
            guard (0..<1).contains(beta1), (0..<1).contains(beta2) else { throw ModelError("gpt: betas must be in [0, 1)") }
            let params = Double(vocab + context) * Double(dim) + Double(layers) * 12 * Double(dim) * Double(dim)
            guard params < 2e9 else { throw ModelError("gpt: \(Int(params)) parameters is more than this tool trains (under 2·10⁹)") }
        }
    }

    public let config: Config
    public let tokenizer: BPETokenizer
    let net: GPTNetwork
    public private(set) var fitted = false
    /// Mean training loss over the last tenth of the steps of the last fit (nats/token).
    public private(set) var trainLoss = Double.nan
    /// How the loop draws this model's documents (temperature, top-k, max_tokens).
    public var loopSampling = SampleOptions()
    /// Documents drawn each generation for the statistics of the model's text (0: none).
    public var describeCount = 200
    /// Weights every fit starts from instead of a fresh initialisation: a fitted base model's, for
    /// fine-tuning (nil: GPT-2's initialisation).
    public internal(set) var baseWeights: [(String, Tensor)]?
    /// The prompts the loop's samples answer (a seed's real prompt/response pairs).
    var loopPrompts: [[UInt8]]?

    public init(_ config: Config, tokenizer: BPETokenizer) throws {
        try config.validate(vocab: tokenizer.vocabularySize)
        self.config = config
        self.tokenizer = tokenizer
        net = try GPTNetwork(config, vocab: tokenizer.vocabularySize)
    }

    public var vocab: Int { tokenizer.vocabularySize }
    public var parameterCount: Int { net.numParameters() }

    /// The documents as one token stream: each document followed by the end-of-document token,
    /// the stream starting with one (so every document is predicted from a document boundary).
    func stream(_ docs: Documents) -> [Int32] {
        var s: [Int32] = [BPETokenizer.endOfText]
        for d in docs.texts { s += tokenizer.encode(d, endOfText: true) }
        return s
    }

    /// Makes every fit start from `base`'s weights (a fitted model of the same architecture and
    /// tokenizer): fine-tuning.
    public func startFrom(_ base: GPTModel) throws {
        guard base.fitted else { throw ModelError("gpt: the base model is not fitted") }
        guard base.config.layers == config.layers, base.config.heads == config.heads, base.config.dim == config.dim,
              base.config.context == config.context else {
            throw ModelError("gpt: the base model's architecture (\(base.config.layers) layers, \(base.config.heads) heads, dim \(base.config.dim), context \(base.config.context)) differs from this one's (\(config.layers), \(config.heads), \(config.dim), \(config.context))")
        }
        guard base.tokenizer.merges.elementsEqual(tokenizer.merges, by: { $0 == $1 }) else { throw ModelError("gpt: the base model has another tokenizer") }
        baseWeights = try base.net.namedParameters().map { ($0.0, try $0.1.clone()) }
    }

    /// Trains for `config.steps` steps from freshly initialised weights (drawn from rng) or from
    /// the base model's. Plain documents: `config.batch` random windows of context + 1 tokens of
    /// the stream. Prompt/response pairs: `config.batch` random examples (end-of-document, prompt,
    /// response, end-of-document; cut at context + 1 tokens) with the loss on the response and its
    /// end only.
    public func fit(_ docs: Documents, rng: RNG) throws {
        let s = docs.isPairs ? [] : stream(docs)
        let ex = docs.isPairs ? examples(docs).filter { $0.prompt + 1 < min($0.tokens.count, config.context + 1) } : []
        if docs.isPairs {
            guard !ex.isEmpty else { throw ModelError("gpt: no training pair has a response token within the context of \(config.context)") }
        } else {
            guard s.count > config.context + 1 else {
                throw ModelError("gpt: the training documents hold \(s.count) tokens; a window needs context + 1 = \(config.context + 1)")
            }
        }
        if let w = baseWeights {
            try GradMode.disabled { for ((_, p), (_, v)) in zip(net.namedParameters(), w) { try p.copy_(v) } }
        } else {
            try net.initializeGPT2(rng: rng.split("init"))
        }
        let batches = rng.split("batches")
        let params = net.parameters()
        let decay = params.filter { $0.rank >= 2 }, plain = params.filter { $0.rank < 2 }
        let optA = try Adam(decay, lr: config.lr, betas: (config.beta1, config.beta2), weightDecay: config.weightDecay, decoupled: true)
        let optB = try Adam(plain, lr: config.lr, betas: (config.beta1, config.beta2), weightDecay: 0, decoupled: true)
        let schedule = try Schedule(kind: config.schedule, lr: config.lr, warmup: min(config.warmup, max(0, config.steps - 1)),
                                    total: max(config.steps, min(config.warmup, max(0, config.steps - 1)) + 1), minLR: config.minLR)
        let (b, t) = (config.batch, config.context)
        var tail: [Double] = []
        net.setTraining(true)
        for step in 1...max(config.steps, 1) where config.steps > 0 {
            let loss: Tensor
            if docs.isPairs {
                let pick = (0..<b).map { _ in ex[min(ex.count - 1, Int(batches.uniform() * Double(ex.count)))] }
                let (x, y, len) = exampleBatch(pick)
                loss = try net.loss(try Tensor(x).reshape([b, len]), try Tensor(y), ignoreIndex: -1)
            } else {
                var x = [Int64](repeating: 0, count: b * t), y = x
                for r in 0..<b {
                    let start = Int(batches.uniform() * Double(s.count - t - 1))
                    for j in 0..<t { x[r * t + j] = Int64(s[start + j]); y[r * t + j] = Int64(s[start + j + 1]) }
                }
                loss = try net.loss(try Tensor(x).reshape([b, t]), try Tensor(y))
            }
            let value = try loss.item()
            guard value.isFinite else { throw ModelError("gpt: the training loss is \(value) at step \(step) — lower lr or raise clip") }
            optA.zeroGrad(); optB.zeroGrad()
            try Autograd.backward(loss)
            if config.clip > 0 { try GradUtil.clipGradNorm(params, maxNorm: config.clip) }
            let lr = schedule(step)
            optA.lr = lr; optB.lr = lr
            try optA.step(); try optB.step()
            if step > config.steps - max(1, config.steps / 10) { tail.append(value) }
        }
        net.setTraining(false)
        trainLoss = tail.isEmpty ? .nan : tail.reduce(0, +) / Double(tail.count)
        fitted = true
    }

    /// Cross-entropy on held-out documents: `test_ce` in nats per token (every token of the stream
    /// after the first, end-of-document tokens included) and `bits_per_byte` (the same total in
    /// bits over the documents' bytes, comparable across tokenizers). Non-overlapping windows of
    /// the context length. For prompt/response pairs: over the response tokens and their end
    /// given the prompt (examples cut at context + 1 tokens), bits per byte of response.
    public func evaluate(_ docs: Documents) throws -> [Metric] {
        guard fitted else { throw ModelError("gpt: evaluate() before fit()") }
        if docs.count == 0 { return [] }
        if docs.isPairs { return try evaluatePairs(docs) }
        let s = stream(docs)
        guard s.count >= 2 else { throw ModelError("gpt: no test documents to evaluate on") }
        let t = config.context
        var total = 0.0, count = 0
        try GradMode.disabled {
            var starts: [Int] = []
            var p = 0
            while p + 1 < s.count { starts.append(p); p += t }
            var i = 0
            while i < starts.count {
                let len = min(t, s.count - 1 - starts[i])
                var group: [Int] = []
                while i < starts.count, group.count < 32, min(t, s.count - 1 - starts[i]) == len { group.append(starts[i]); i += 1 }
                var x = [Int64](), y = [Int64]()
                for st in group { for j in 0..<len { x.append(Int64(s[st + j])); y.append(Int64(s[st + j + 1])) } }
                let loss = try net.loss(try Tensor(x).reshape([group.count, len]), try Tensor(y), reduction: .sum)
                total += try loss.item()
                count += x.count
            }
        }
        let bytes = docs.bytes
        return [Metric("test_ce", total / Double(count)), Metric("bits_per_byte", bytes > 0 ? total / Foundation.log(2) / Double(bytes) : .nan)]
    }

    public func saveWeights(to path: String) throws {
        guard fitted else { throw ModelError("gpt: save() before fit()") }
        let merges = tokenizer.merges.map { "\($0.0) \($0.1)" }.joined(separator: ",")
        try Safetensors.save(net.namedParameters(), to: path, metadata: ["format": "pt", "ouroboros": "gpt", "bpe_merges": merges])
    }

    /// Loads weights saved by `saveWeights` (same configuration and tokenizer).
    public func loadWeights(from path: String) throws {
        let (_, meta) = try Safetensors.load(path)
        let merges = tokenizer.merges.map { "\($0.0) \($0.1)" }.joined(separator: ",")
        guard (meta["bpe_merges"] ?? "") == merges else { throw ModelError("gpt: '\(path)' was saved with another tokenizer") }
        try net.load(from: path)
        net.setTraining(false)
        fitted = true
    }
}

/// The network: parameters named as in GPT-2 (`wte`, `wpe`, `h.N.…`, `ln_f`).
final class GPTNetwork: Module {
    let config: GPTModel.Config
    let wte: Embedding, wpe: Embedding
    let blocks: [GPTBlock]
    let lnf: LayerNorm

    init(_ c: GPTModel.Config, vocab: Int) throws {
        config = c
        wte = try Embedding(vocab, c.dim)
        wpe = try Embedding(c.context, c.dim)
        blocks = try (0..<c.layers).map { _ in try GPTBlock(c) }
        lnf = try LayerNorm(c.dim)
        super.init(kind: "gpt")
        addChild("wte", wte); addChild("wpe", wpe)
        for (i, b) in blocks.enumerated() { addChild("h.\(i)", b) }
        addChild("ln_f", lnf)
    }
    override var summary: String { "gpt(\(config.layers) layers, \(config.heads) heads, dim \(config.dim), context \(config.context), vocab \(wte.count))" }

    /// GPT-2's initialisation: N(0, 0.02) for embeddings and matrices, residual projections
    /// N(0, 0.02/√(2·layers)), zero biases, LayerNorms at identity.
    override func reset(rng: RNG) throws {}
    func initializeGPT2(rng: RNG) throws {
        try GradMode.disabled {
            for (name, p) in namedParameters() {
                if name.hasSuffix(".bias") || name.hasPrefix("ln_f") || name.contains(".ln_") {
                    try p.fill_(name.hasSuffix("weight") ? 1 : 0)
                } else {
                    let residual = name.hasSuffix("attn.c_proj.weight") || name.hasSuffix("mlp.c_proj.weight")
                    let std = residual ? 0.02 / (2 * Double(config.layers)).squareRoot() : 0.02
                    try p.copy_(rng.split(name).normal(p.shape, std: std, dtype: p.dtype))
                }
            }
        }
    }

    /// Logits (B·T × vocab) for B × T token ids (0-based int64).
    func logits(_ idx: Tensor) throws -> Tensor {
        let (b, t) = (idx.shape[0], idx.shape[1])
        guard t <= config.context else { throw ModelError("gpt: \(t) tokens exceed the context of \(config.context)") }
        let pos = try Tensor((0..<t).map { Int64($0) })
        var x = try Diff.add(wte(idx), wpe(pos))
        for blk in blocks { x = try blk(x) }
        x = try lnf(x)
        return try Diff.mm(Diff.reshape(x, [b * t, config.dim]), Diff.transpose(wte.weight, 0, 1))
    }

    func loss(_ idx: Tensor, _ targets: Tensor, reduction: Reduction = .mean, ignoreIndex: Int64? = nil) throws -> Tensor {
        try Loss.crossEntropy(logits(idx), targets, reduction: reduction, ignoreIndex: ignoreIndex)
    }
}

/// One pre-LayerNorm block: x + attn(ln_1(x)), then + mlp(ln_2(x)).
final class GPTBlock: Module {
    let ln1: LayerNorm, ln2: LayerNorm
    let qkv: Linear, proj: Linear, fc: Linear, fcProj: Linear
    let heads: Int

    init(_ c: GPTModel.Config) throws {
        heads = c.heads
        ln1 = try LayerNorm(c.dim); ln2 = try LayerNorm(c.dim)
        qkv = try Linear(c.dim, 3 * c.dim); proj = try Linear(c.dim, c.dim)
        fc = try Linear(c.dim, 4 * c.dim); fcProj = try Linear(4 * c.dim, c.dim)
        super.init(kind: "block")
        addChild("ln_1", ln1); addChild("attn.c_attn", qkv); addChild("attn.c_proj", proj)
        addChild("ln_2", ln2); addChild("mlp.c_fc", fc); addChild("mlp.c_proj", fcProj)
    }

    override func forward(_ x0: Tensor) throws -> Tensor {
        var x = try Diff.add(x0, proj(Attention.causal(qkv(ln1(x0)), heads: heads)))
        x = try Diff.add(x, fcProj(Diff.unary(.gelu, fc(ln2(x)))))
        return x
    }
}

extension Module {
    func callAsFunction(_ x: Tensor) throws -> Tensor { try forward(x) }
}
