import Data
import Tensor

/// The GPT in `ouro.loop`: a generative model of documents. Each generation fits a fresh copy
/// (from GPT-2's initialisation, or from the base model's weights when fine-tuning) and draws
/// documents with the model's loop sampling options; a model fine-tuned on prompt/response pairs
/// answers the seed's real prompts (cycled). Every generation also reports statistics of a sample
/// of its text: mean length, distinct word bigrams, the share cut off without an end.
extension GPTModel: DocumentModel, WeightCheckpointing, SampleDescribing {
    public var family: String { "gpt" }

    public var configuration: [String: String] {
        let c = config, s = loopSampling
        var d: [String: String] = [
            "layers": "\(c.layers)", "heads": "\(c.heads)", "dim": "\(c.dim)", "context": "\(c.context)",
            "steps": "\(c.steps)", "batch": "\(c.batch)", "lr": "\(c.lr)", "min_lr": "\(c.minLR)", "warmup": "\(c.warmup)",
            "schedule": c.schedule.rawValue, "weight_decay": "\(c.weightDecay)", "betas": "\(c.beta1),\(c.beta2)", "clip": "\(c.clip)",
            "tokenizer": "vocab \(vocab), merges \(Checksum.hex(Checksum.of(tokenizer.merges.map { "\($0.0) \($0.1)" }.joined(separator: ","))))",
            "temperature": "\(s.temperature)", "top_k": "\(s.topK)", "max_tokens": s.maxTokens.map(String.init) ?? "context",
            "describe": "\(describeCount)",
        ]
        if let w = baseWeights {
            var h: UInt64 = 0
            for (_, t) in w { h = Checksum.combine(h, (try? t.checksum()) ?? 0) }
            d["base"] = "weights \(Checksum.hex(h))"
        }
        return d
    }

    public func fresh() throws -> GenerativeModel {
        let m = try GPTModel(config, tokenizer: tokenizer)
        m.loopSampling = loopSampling
        m.describeCount = describeCount
        m.baseWeights = baseWeights
        m.loopPrompts = loopPrompts
        return m
    }

    /// Checks the loop's sampling options and the number of documents described.
    public func checkLoopSampling() throws {
        try loopSampling.validate()
        guard describeCount >= 0, describeCount <= 1 << 20 else { throw ModelError("gpt: describe must be in 0…\(1 << 20) documents, got \(describeCount)") }
    }

    public func prepare(forSeedWithRealDocuments docs: Documents) throws {
        loopPrompts = docs.isPairs ? (0..<docs.count).map { Array(docs.prompt($0)) } : nil
    }

    /// The prompts for n documents: the seed's real prompts, cycled (nil for plain documents).
    func prompts(_ n: Int) -> [[UInt8]]? {
        guard let p = loopPrompts, !p.isEmpty else { return nil }
        return (0..<n).map { p[$0 % p.count] }
    }

    public func sampleDocuments(_ n: Int, rng: RNG) throws -> Documents {
        try sample(n, prompts: prompts(n), rng: rng, options: loopSampling).documents
    }

    public func describeSamples(rng: RNG) throws -> [Metric] {
        guard describeCount > 0 else { return [] }
        let s = try sample(describeCount, prompts: prompts(describeCount), rng: rng, options: loopSampling)
        return [Metric("mean_bytes", TextStatistics.meanBytes(s.documents)),
                Metric("distinct_2", TextStatistics.distinct(s.documents, n: 2)),
                Metric("truncated", Double(s.truncated.filter { $0 }.count) / Double(describeCount))]
    }

    private func tensorsRefused() -> ModelError {
        ModelError("gpt: a language model works on documents (ouro.data.text), not on tensors")
    }
    public func fit(_ data: Tensor) throws { throw tensorsRefused() }
    public func sample(_ n: Int, rng: RNG) throws -> Tensor { throw tensorsRefused() }
    public func logProb(_ x: Tensor) throws -> Tensor { throw tensorsRefused() }
    public func evaluate(_ test: Tensor) throws -> [Metric] { throw tensorsRefused() }
}
