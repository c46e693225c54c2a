import Autograd
import CKernels
import Data
import Foundation
import NN
import Tensor

/// Sampling from a GPT: batches of sequences advance one position at a time; each starts with the
/// end-of-document token and its prompt (forced), then draws tokens — with temperature and top-k —
/// until it draws the end-of-document token, reaches `maxTokens` new tokens or fills the context
/// (then it is truncated). With the key/value cache a step costs one position's work; without it
/// (for comparison) every step recomputes the whole prefix.
extension GPTModel {
    public struct SampleOptions {
        /// 0 draws the most likely token (greedy).
        public var temperature = 1.0
        /// Draw among the k most likely tokens only (0: all).
        public var topK = 0
        /// New tokens per document at most (nil: until the context is full).
        public var maxTokens: Int? = nil
        public var cache = true
        /// Sequences advanced together.
        public var batch = 64
        public init() {}

        /// Errors name the option and its allowed values.
        func validate() throws {
            guard temperature >= 0, temperature.isFinite else { throw ModelError("gpt: temperature must be ≥ 0, got \(temperature)") }
            guard topK >= 0 else { throw ModelError("gpt: top_k must be ≥ 0, got \(topK)") }
            if let m = maxTokens, m < 1 { throw ModelError("gpt: max_tokens must be ≥ 1, got \(m)") }
            guard batch >= 1 else { throw ModelError("gpt: the sampling batch must be ≥ 1") }
        }
    }

    public struct Sampled {
        /// The generated documents; with prompts, prompt/response pairs.
        public let documents: Documents
        /// Whether each stopped without an end-of-document token (context or maxTokens reached).
        public let truncated: [Bool]
        /// New tokens drawn in all.
        public let tokens: Int
    }

    /// n documents (or one continuation per prompt when prompts are given; n must then equal their count).
    public func sample(_ n: Int, prompts: [[UInt8]]?, rng: RNG, options: SampleOptions = SampleOptions()) throws -> Sampled {
        guard fitted else { throw ModelError("gpt: sample() before fit()") }
        guard n >= 0 else { throw ModelError("gpt: cannot draw \(n) documents") }
        if let p = prompts, p.count != n { throw ModelError("gpt: \(p.count) prompts for \(n) documents") }
        try options.validate()
        let starts: [[Int32]] = try (0..<n).map { i in
            let p = [BPETokenizer.endOfText] + (prompts.map { tokenizer.encode($0[i]) } ?? [])
            guard p.count < config.context else {
                throw ModelError("gpt: prompt \(i + 1) has \(p.count - 1) tokens; the context (\(config.context)) leaves no room to continue it")
            }
            return p
        }
        var texts: [[UInt8]] = [], promptLengths: [Int] = [], truncated: [Bool] = [], drawn = 0
        try GradMode.disabled {
            var first = 0
            while first < n {
                let group = Array(starts[first..<min(n, first + options.batch)])
                let (seqs, cut, count) = try run(group, rng: rng, options: options)
                for (k, s) in seqs.enumerated() {
                    let promptLen = group[k].count
                    let prompt = try tokenizer.decode(group[k].dropFirst())
                    let response = try tokenizer.decode(s[promptLen...].filter { $0 != BPETokenizer.endOfText })
                    texts.append(prompt + response); promptLengths.append(prompt.count)
                }
                truncated += cut
                drawn += count
                first += group.count
            }
        }
        return Sampled(documents: try Documents(texts, promptLengths: prompts == nil ? nil : promptLengths), truncated: truncated, tokens: drawn)
    }

    /// Advances a batch of sequences to their ends; returns them (with what was drawn), whether each
    /// was truncated, and how many tokens were drawn.
    func run(_ starts: [[Int32]], rng: RNG, options: SampleOptions) throws -> ([[Int32]], [Bool], Int) {
        let b = starts.count, ctx = config.context
        var seqs = starts
        var done = [Bool](repeating: false, count: b), cut = done
        var drawn = 0
        let cache = options.cache ? try KVCache(net, batch: b) : nil
        for pos in 0..<ctx {
            if done.allSatisfy({ $0 }) { break }
            let logits: Tensor
            if let cache {
                // only unfinished sequences advance; their logits come back in their order
                let live = (0..<b).filter { !done[$0] }
                let rows = try cache.step(live.map { Int64(seqs[$0][pos]) }, rows: live, position: pos)
                let full = try Tensor.zeros([b, vocab], dtype: .float32)
                let (src, dst) = (try rows.astypeIfNeeded(.float32).contiguous(), full)
                for (k, r) in live.enumerated() { (dst.base(Float.self) + r * vocab).update(from: src.base(Float.self) + k * vocab, count: vocab) }
                logits = full
            } else {
                var x = [Int64]()
                for s in seqs { x += (0...pos).map { Int64($0 < s.count ? s[$0] : BPETokenizer.endOfText) } }
                let all = try net.logits(try Tensor(x).reshape([b, pos + 1]))
                logits = try all.reshape([b, pos + 1, vocab]).select(1, pos).contiguous()
            }
            let lp = try logits.astypeIfNeeded(.float32).contiguous()
            for r in 0..<b where !done[r] {
                if pos + 1 < seqs[r].count { continue }                 // still reading its prompt
                let generated = seqs[r].count - starts[r].count
                if pos + 1 >= ctx || (options.maxTokens.map { generated >= $0 } ?? false) { done[r] = true; cut[r] = true; continue }
                let next = pick(lp.base(Float.self) + r * vocab, options, rng)
                seqs[r].append(next)
                drawn += 1
                if next == BPETokenizer.endOfText { done[r] = true }
            }
        }
        for r in 0..<b where !done[r] { cut[r] = true }
        return (seqs, cut, drawn)
    }

    /// One token from a row of logits: greedy at temperature 0, else drawn from softmax(z / T)
    /// restricted to the top k.
    func pick(_ z: UnsafeMutablePointer<Float>, _ o: SampleOptions, _ rng: RNG) -> Int32 {
        let v = vocab
        if o.temperature == 0 {
            var best = 0
            for j in 1..<v where z[j] > z[best] { best = j }
            return Int32(best)
        }
        var floor = -Float.infinity
        if o.topK > 0 && o.topK < v {
            var sorted = Array(UnsafeBufferPointer(start: z, count: v))
            sorted.sort(by: >)
            floor = sorted[o.topK - 1]
        }
        var m = -Float.infinity
        for j in 0..<v where z[j] >= floor { m = max(m, z[j]) }
        var w = [Double](repeating: 0, count: v), total = 0.0
        for j in 0..<v where z[j] >= floor { w[j] = Foundation.exp(Double(z[j] - m) / o.temperature); total += w[j] }
        var u = rng.uniform() * total
        for j in 0..<v where w[j] > 0 {
            u -= w[j]
            if u < 0 { return Int32(j) }
        }
        return Int32((0..<v).last { w[$0] > 0 } ?? 0)
    }
}

/// Keys and values of every position so far, per layer, for a batch of sequences advancing together.
final class KVCache {
    let net: GPTNetwork
    let b: Int, c: Int, heads: Int, d: Int, ctx: Int
    var keys: [[Float]], values: [[Float]]      // per layer: b × heads × ctx × d

    init(_ net: GPTNetwork, batch: Int) throws {
        self.net = net
        b = batch; c = net.config.dim; heads = net.config.heads; d = c / heads; ctx = net.config.context
        keys = [[Float]](repeating: [Float](repeating: 0, count: b * heads * ctx * d), count: net.blocks.count)
        values = keys
    }

    /// Logits (one row per given sequence × vocab) after feeding one token to each of the
    /// sequences `rows` (indices into the batch) at `position`.
    func step(_ tokens: [Int64], rows: [Int], position: Int) throws -> Tensor {
        let n = rows.count
        var x = try Diff.add(net.wte(try Tensor(tokens)), net.wpe(try Tensor([Int64(position)])))     // n × c
        for (l, blk) in net.blocks.enumerated() {
            let qkv = try blk.qkv(blk.ln1(x)).astypeIfNeeded(.float32).contiguous()          // n × 3c
            let att = try Tensor(uninitialized: [n, c], dtype: .float32)
            attend(qkv.base(Float.self), att.base(Float.self), rows: rows, layer: l, position: position)
            x = try Diff.add(x, blk.proj(att.astypeIfNeeded(x.dtype)))
            x = try Diff.add(x, blk.fcProj(Diff.unary(.gelu, blk.fc(blk.ln2(x)))))
        }
        return try Diff.mm(net.lnf(x), Diff.transpose(net.wte.weight, 0, 1))
    }

    /// Stores this position's keys and values, then each head's query attends to positions 0…position
    /// ((sequence, head) pairs on all cores; each is computed the same way whatever the split).
    func attend(_ qkv: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: [Int], layer: Int, position t: Int) {
        let scale = 1 / Float(d).squareRoot()
        let (c, d, heads, ctx) = (self.c, self.d, self.heads, self.ctx)
        keys[layer].withUnsafeMutableBufferPointer { kb in values[layer].withUnsafeMutableBufferPointer { vb in
            let kc = kb.baseAddress!, vc = vb.baseAddress!
            Parallel.run(rows.count * heads) { piece in
                let (r, h) = (piece / heads, piece % heads)
                let base = (rows[r] * heads + h) * ctx * d
                let q = qkv + r * 3 * c + h * d, k = q + c, v = q + 2 * c
                (kc + base + t * d).update(from: k, count: d)
                (vc + base + t * d).update(from: v, count: d)
                withUnsafeTemporaryAllocation(of: Float.self, capacity: t + 1) { pbuf in
                    let p = pbuf.baseAddress!
                    var m = -Float.infinity
                    for j in 0...t {
                        var s: Float = 0
                        let kj = kc + base + j * d
                        for e in 0..<d { s += q[e] * kj[e] }
                        p[j] = s * scale
                        m = max(m, p[j])
                    }
                    for j in 0...t { p[j] -= m }
                    ouro_exp_f32(p, p, t + 1)
                    var total: Float = 0
                    for j in 0...t { total += p[j] }
                    let o = out + r * c + h * d
                    for e in 0..<d { o[e] = 0 }
                    let inv = 1 / total
                    for j in 0...t {
                        let w = p[j] * inv, vj = vc + base + j * d
                        for e in 0..<d { o[e] += w * vj[e] }
                    }
                }
            }
        } }
    }
}
