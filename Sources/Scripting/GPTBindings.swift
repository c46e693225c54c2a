import CLua
import Data
import Foundation
import Models
import NN
import Tensor

/// `ouro.models.gpt` and the methods of a GPT userdata.
enum GPTBindings {
    static let kind = "ouro.GPT"

    static func install(_ host: LuaHost) {
        host.registerClass(kind: kind, display: "GPT", methods: methods, meta: [
            Binding("__tostring", "") { a in
                let m = try gpt(a, 1), c = m.config
                a.lua.push("ouro.models.gpt(\(c.layers) layers, \(c.heads) heads, dim \(c.dim), context \(c.context), vocab \(m.vocab), \(m.parameterCount) parameters)"); return 1
            },
        ])
    }

    static func gpt(_ a: Args, _ i: Int32) throws -> GPTModel {
        guard let m = try Userdata.object(a.lua, i, kind) as? GPTModel else { throw a.expected(i, "GPT (ouro.models.gpt)") }
        return m
    }

    static let factory = Binding("gpt", "ouro.models.gpt{layers=4, heads=4, dim=128, context=128, tokenizer= | vocab=257, steps=300, batch=32, lr=1e-3, min_lr=lr/10, warmup=30, schedule=\"cosine\"|\"constant\", weight_decay=0.1, betas={0.9, 0.95}, clip=1.0, base=, temperature=1, top_k=0, max_tokens=, describe=200} — a GPT-2-style language model (pre-LayerNorm blocks, fused causal attention, 4× GELU MLP, output tied to the token embedding) over a tokenizer (ouro.text.bpe; byte-level by default). fit trains AdamW on random windows of the documents joined by end-of-document tokens — on prompt/response pairs, on the responses only; evaluate gives test_ce (nats/token) and bits_per_byte. base= a fitted GPT: every fit starts from its weights (fine-tuning; architecture and tokenizer are the base's). In ouro.loop, temperature, top_k and max_tokens say how documents are sampled, and describe documents per generation give mean_bytes, distinct_2 (distinct word bigrams) and truncated (share cut off).") { a in
        try a.checkOptions(1, ["layers", "heads", "dim", "context", "tokenizer", "vocab", "steps", "batch", "lr", "min_lr", "warmup", "schedule", "weight_decay", "betas", "clip",
                               "base", "temperature", "top_k", "max_tokens", "describe"])
        var c = GPTModel.Config()
        var base: GPTModel?
        if let at = a.option(1, "base") {
            defer { a.lua.pop() }
            base = try gpt(a, at)
            for key in ["layers", "heads", "dim", "context", "tokenizer", "vocab"] where a.option(1, key) != nil {
                a.lua.pop()
                throw a.error(1, "'\(key)' comes from the base model; leave it out when base= is given")
            }
            c.layers = base!.config.layers; c.heads = base!.config.heads; c.dim = base!.config.dim; c.context = base!.config.context
        }
        c.layers = try a.optIntField(1, "layers") ?? c.layers
        c.heads = try a.optIntField(1, "heads") ?? c.heads
        c.dim = try a.optIntField(1, "dim") ?? c.dim
        c.context = try a.optIntField(1, "context") ?? c.context
        c.steps = try a.optIntField(1, "steps") ?? c.steps
        c.batch = try a.optIntField(1, "batch") ?? c.batch
        c.lr = try a.optNumberField(1, "lr") ?? c.lr
        c.minLR = try a.optNumberField(1, "min_lr") ?? c.lr / 10
        c.warmup = try a.optIntField(1, "warmup") ?? c.warmup
        c.weightDecay = try a.optNumberField(1, "weight_decay") ?? c.weightDecay
        c.clip = try a.optNumberField(1, "clip") ?? c.clip
        if let s = try a.optStringField(1, "schedule") {
            guard let k = Schedule.Kind(rawValue: s), k != .linear else { throw a.error(1, "'schedule' must be \"cosine\" or \"constant\", got \"\(s)\"") }
            c.schedule = k
        }
        if let at = a.option(1, "betas") {
            defer { a.lua.pop() }
            guard a.lua.type(at) == LUA_TTABLE, a.lua.rawLength(at) == 2 else { throw a.error(1, "'betas' must be {beta1, beta2}") }
            a.lua.rawIndex(at, 1); a.lua.rawIndex(at, 2)
            defer { a.lua.pop(2) }
            guard let b1 = a.lua.toNumber(-2), let b2 = a.lua.toNumber(-1) else { throw a.error(1, "'betas' must hold two numbers") }
            c.beta1 = b1; c.beta2 = b2
        }
        var tok = base?.tokenizer ?? BPETokenizer()
        if let at = a.option(1, "tokenizer") {
            defer { a.lua.pop() }
            tok = try TextBindings.tokenizer(a, at)
        }
        if let v = try a.optIntField(1, "vocab"), v != tok.vocabularySize {
            throw a.error(1, "'vocab' is \(v) but the tokenizer has \(tok.vocabularySize) tokens (train one with ouro.text.bpe{corpus=, vocab=} and pass tokenizer=)")
        }
        let m = try GPTModel(c, tokenizer: tok)
        if let base { try m.startFrom(base) }
        m.loopSampling.temperature = try a.optNumberField(1, "temperature") ?? 1
        m.loopSampling.topK = try a.optIntField(1, "top_k") ?? 0
        m.loopSampling.maxTokens = try a.optIntField(1, "max_tokens")
        m.describeCount = try a.optIntField(1, "describe") ?? m.describeCount
        try m.checkLoopSampling()
        Userdata.push(a.lua, m, kind: kind)
        return 1
    }

    static let methods: [Binding] = [
        Binding("fit", "m:fit(docs, rng) — trains from freshly drawn weights on documents (ouro.data.text or a list of strings).") { a in
            let m = try gpt(a, 1)
            let docs = try TextBindings.documentList(a, 2)
            try m.fit(docs, rng: try a.rng(3))
            return 0
        },
        Binding("evaluate", "m:evaluate(docs) — {test_ce = nats per token, bits_per_byte = …} on held-out documents.") { a in
            let m = try gpt(a, 1)
            let metrics = try m.evaluate(try TextBindings.documentList(a, 2))
            a.lua.newTable(nrec: metrics.count)
            for x in metrics { a.lua.push(x.value); a.lua.setRawField(-2, x.name) }
            return 1
        },
        Binding("sample", "m:sample(n, rng, {prompts=, temperature=1, top_k=0, max_tokens=, cache=true}) — n documents drawn token by token through a key/value cache (prompts: a list of n strings to continue; the result is then prompt/response pairs). Returns the Documents and the number that ended without an end-of-document token (context or max_tokens reached).") { a in
            let m = try gpt(a, 1)
            let n = try a.integer(2)
            let rng = try a.rng(3)
            try a.checkOptions(4, ["prompts", "temperature", "top_k", "max_tokens", "cache", "batch"])
            var o = GPTModel.SampleOptions()
            o.temperature = try a.optNumberField(4, "temperature") ?? o.temperature
            o.topK = try a.optIntField(4, "top_k") ?? o.topK
            o.maxTokens = try a.optIntField(4, "max_tokens")
            o.cache = try a.optBoolField(4, "cache", true)
            o.batch = try a.optIntField(4, "batch") ?? o.batch
            var prompts: [[UInt8]]?
            if let at = a.option(4, "prompts") {
                defer { a.lua.pop() }
                prompts = try TextBindings.documentList(a, at).texts
            }
            guard n >= 0, n <= 1 << 24 else { throw a.error(2, "the number of documents must be in 0…\(1 << 24), got \(n)") }
            let s = try m.sample(n, prompts: prompts, rng: rng, options: o)
            _ = TextBindings.pushDocuments(a, s.documents)
            a.lua.push(s.truncated.filter { $0 }.count)
            return 2
        },
        Binding("tokenizer", "m:tokenizer() — the model's tokenizer.") { a in
            Userdata.push(a.lua, try gpt(a, 1).tokenizer, kind: TextBindings.tokenizerKind); return 1
        },
        Binding("num_parameters", "m:num_parameters() — the number of weights.") { a in a.lua.push(try gpt(a, 1).parameterCount); return 1 },
        Binding("train_loss", "m:train_loss() — the mean training loss over the last tenth of the last fit's steps (nats/token).") { a in a.lua.push(try gpt(a, 1).trainLoss); return 1 },
        Binding.fileAccess("save", "m:save(path) — the weights as safetensors (with the tokenizer's merges in the metadata).") { a in
            try gpt(a, 1).saveWeights(to: try a.path(2)); return 0
        },
        Binding.fileAccess("load", "m:load(path) — weights saved by m:save from a model of the same configuration and tokenizer.") { a in
            try gpt(a, 1).loadWeights(from: try a.path(2)); return 0
        },
    ]
}
