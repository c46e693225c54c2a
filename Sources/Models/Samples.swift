import Data
import Tensor

/// What a loop's pool holds and its models train on: rows of a tensor (points, images, [x | y]
/// pairs), or documents (text, or prompt/response pairs). One value type for both, so the loop,
/// its records and its workflows treat them alike.
public enum Samples {
    case rows(Tensor)
    case documents(Documents)

    /// The number of samples (rows or documents).
    public var count: Int {
        switch self {
        case .rows(let t): return t.shape.first ?? 0
        case .documents(let d): return d.count
        }
    }

    /// The tensor, when these are rows.
    public var tensor: Tensor? { if case .rows(let t) = self { return t }; return nil }
    /// The documents, when these are documents.
    public var documents: Documents? { if case .documents(let d) = self { return d }; return nil }

    /// What they are, for messages: "tensor 100×2", "1500 documents".
    public var summary: String {
        switch self {
        case .rows(let t): return "a tensor of shape \(describeShape(t.shape))"
        case .documents(let d): return "\(d.count) \(d.isPairs ? "prompt/response pairs" : "documents")"
        }
    }

    /// The samples at 0-based indices, in that order.
    public func select(_ idx: [Int]) throws -> Samples {
        switch self {
        case .rows(let t): return .rows(try t.rows(idx))
        case .documents(let d): return .documents(d.subset(idx))
        }
    }

    /// The samples whose flag is true.
    public func keeping(_ keep: [Bool]) throws -> Samples {
        keep.contains(false) ? try select(keep.indices.filter { keep[$0] }) : self
    }

    /// Whether `other` can join these in one pool (same row shape and dtype; both documents, both
    /// pairs or both plain), and if not, why.
    public func mismatch(_ other: Samples) -> String? {
        switch (self, other) {
        case (.rows(let a), .rows(let b)):
            guard Array(a.shape.dropFirst()) == Array(b.shape.dropFirst()), a.rank == b.rank else {
                return "samples of shape \(describeShape(b.shape)) do not match rows of shape \(describeShape(Array(a.shape.dropFirst())))"
            }
            return a.dtype == b.dtype ? nil : "samples of dtype \(b.dtype.rawValue) do not match rows of dtype \(a.dtype.rawValue)"
        case (.documents(let a), .documents(let b)):
            return a.isPairs == b.isPairs || b.count == 0 || a.count == 0 ? nil
                : "\(b.isPairs ? "prompt/response pairs" : "plain documents") cannot join \(a.isPairs ? "prompt/response pairs" : "plain documents")"
        default:
            return "\(other.summary) cannot join \(summary): a pool holds tensor rows or documents, not both"
        }
    }

    /// All parts joined, in order (all of one kind).
    public static func concatenate(_ parts: [Samples]) throws -> Samples {
        guard let first = parts.first else { throw ModelError("no samples to join") }
        if parts.count == 1 { return first }
        for p in parts.dropFirst() { if let why = first.mismatch(p) { throw ModelError(why) } }
        switch first {
        case .rows: return .rows(try Tensor.cat(parts.map { $0.tensor! }, dim: 0))
        case .documents:
            let docs = parts.map { $0.documents! }
            let pairs = docs.contains { $0.isPairs }
            return .documents(try Documents(docs.flatMap(\.texts), promptLengths: pairs ? docs.flatMap { $0.promptLengths ?? $0.texts.map { _ in 0 } } : nil))
        }
    }

    /// A fingerprint of the values (and, for documents, of where prompts end).
    public func checksum() throws -> UInt64 {
        switch self {
        case .rows(let t): return try t.checksum()
        case .documents(let d):
            var h = Checksum.combine(UInt64(d.count), d.isPairs ? 1 : 2)
            for (i, text) in d.texts.enumerated() {
                h = text.withUnsafeBytes { Checksum.of($0, seed: h &+ UInt64(d.promptLengths?[i] ?? 0)) }
            }
            return h
        }
    }

    /// Bytes the samples occupy (for memory checks).
    public var byteCount: Int {
        switch self {
        case .rows(let t): return t.count * t.dtype.size
        case .documents(let d): return d.bytes + 24 * d.count
        }
    }
}

/// A model whose samples are documents — a language model. The loop's pool then holds text: its
/// workflows select documents, its verifiers see them as strings, its records keep them.
public protocol DocumentModel: GenerativeModel {
    /// Trains on documents (on prompt/response pairs: on the responses given their prompts).
    func fit(_ docs: Documents, rng: RNG) throws
    /// n documents drawn from the fitted model, as the loop samples them (a model fitted on pairs
    /// answers the prompts it was prepared with).
    func sampleDocuments(_ n: Int, rng: RNG) throws -> Documents
    /// Named metrics on held-out real documents.
    func evaluate(_ docs: Documents) throws -> [Metric]
    /// As `prepare(forSeedWithRealData:)`, for a seed whose real data are documents.
    func prepare(forSeedWithRealDocuments docs: Documents) throws
}

extension DocumentModel {
    public func prepare(forSeedWithRealDocuments docs: Documents) throws {}
}

/// A model that reports statistics of its own samples besides the metrics on held-out data (what
/// drifts in a language model's text besides likelihood: length, diversity, truncation). The loop
/// records them every generation from a sample drawn with the generator it passes.
public protocol SampleDescribing: GenerativeModel {
    func describeSamples(rng: RNG) throws -> [Metric]
}

/// The loop's view of any model: samples of the model's kind in, samples out.
extension GenerativeModel {
    /// Fits on samples (tensor rows or documents, whichever the model takes).
    public func fit(samples: Samples, rng: RNG) throws {
        switch samples {
        case .rows(let t):
            guard !(self is DocumentModel) else { throw ModelError("\(family): a language model trains on documents (ouro.data.text), not on \(samples.summary)") }
            try fit(t, rng: rng)
        case .documents(let d):
            guard let m = self as? DocumentModel else { throw ModelError("\(family): this model trains on tensors, not on \(samples.summary)") }
            try m.fit(d, rng: rng)
        }
    }

    /// n samples of the model's kind.
    public func drawSamples(_ n: Int, rng: RNG) throws -> Samples {
        if let m = self as? DocumentModel { return .documents(try m.sampleDocuments(n, rng: rng)) }
        return .rows(try sample(n, rng: rng))
    }

    /// Metrics on held-out samples.
    public func evaluate(samples: Samples) throws -> [Metric] {
        switch samples {
        case .rows(let t):
            guard !(self is DocumentModel) else { throw ModelError("\(family): a language model is evaluated on documents, not on \(samples.summary)") }
            return try evaluate(t)
        case .documents(let d):
            guard let m = self as? DocumentModel else { throw ModelError("\(family): this model is evaluated on tensors, not on \(samples.summary)") }
            return try m.evaluate(d)
        }
    }

    /// Prepares a seed's copy from its real samples.
    public func prepare(forSeedWithReal samples: Samples) throws {
        switch samples {
        case .rows(let t):
            guard !(self is DocumentModel) else { throw ModelError("\(family): a language model trains on documents (ouro.data.text), not on \(samples.summary)") }
            try prepare(forSeedWithRealData: t)
        case .documents(let d):
            guard let m = self as? DocumentModel else { throw ModelError("\(family): this model trains on tensors, not on \(samples.summary)") }
            try m.prepare(forSeedWithRealDocuments: d)
        }
    }
}
