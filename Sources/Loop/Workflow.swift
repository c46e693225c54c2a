import Tensor

/// Context handed to workflows and verifiers.
public struct LoopContext {
    public let seed: Int
    public let generation: Int
    /// A generator for this call only (derived from the seed, the generation and the purpose).
    public let rng: RNG
    /// Number of real rows.
    public let realCount: Int
    /// Samples drawn per generation.
    public let samples: Int
}

/// How the training set of generation t ≥ 2 is chosen from the pool.
public enum Workflow {
    /// Only the previous generation's accepted samples.
    case replace
    /// Real data plus every accepted synthetic sample so far.
    case accumulate
    /// A random subset (without replacement) of everything accumulated, `size` rows
    /// (default: as many as there are real rows).
    case accumulateSubsample(size: Int?)
    /// `real` random real rows plus `synthetic` random rows of the previous generation.
    case mix(real: Int, synthetic: Int)
    /// A user policy returning 0-based pool indices.
    case custom(name: String, select: (Pool, LoopContext) throws -> [Int])

    /// The name written in records.
    public var name: String {
        switch self {
        case .replace: return "replace"
        case .accumulate: return "accumulate"
        case .accumulateSubsample: return "accumulate-subsample"
        case .mix(let r, let s): return "mix-\(r)-\(s)"
        case .custom(let name, _): return name
        }
    }

    /// Everything about the workflow that changes the numbers (its name, sizes, the policy's name).
    public var identity: String {
        switch self {
        case .accumulateSubsample(let size): return "accumulate-subsample(size=\(size.map(String.init) ?? "real rows"))"
        case .custom(let name, _): return "policy \(name)"
        default: return name
        }
    }

    /// Checks sizes; errors name the setting.
    func validate() throws {
        switch self {
        case .accumulateSubsample(let size?):
            guard size >= 1 else { throw LoopError("'subsample' must be a positive number of rows, got \(size)") }
        case .mix(let r, let s):
            guard r >= 0, s >= 0, r + s > 0 else { throw LoopError("a mix workflow needs real >= 0 and synthetic >= 0, not both 0; got \(r) and \(s)") }
        default: break
        }
    }

    /// True when generation t trains on the real data and generation t − 1 alone: older batches
    /// are never needed again (their records can drop them).
    var usesOnlyLastGeneration: Bool {
        switch self { case .replace, .mix: return true; default: return false }
    }

    /// True when the training set is everything accepted so far (so sufficient statistics apply).
    var isAccumulate: Bool { if case .accumulate = self { return true }; return false }

    /// 0-based pool indices forming the training set of generation `ctx.generation` (≥ 2).
    func select(_ pool: Pool, _ ctx: LoopContext) throws -> [Int] {
        let t = ctx.generation
        switch self {
        case .replace:
            return pool.indices(generation: t - 1, accepted: true)
        case .accumulate:
            return pool.indices(generation: nil, accepted: true)
        case .accumulateSubsample(let size):
            if pool.noneRejected {
                return try ctx.rng.choice(pool.size, min(size ?? ctx.realCount, pool.size), replace: false)
            }
            let all = pool.indices(generation: nil, accepted: true)
            let k = min(size ?? ctx.realCount, all.count)
            return try ctx.rng.choice(all.count, k, replace: false).map { all[$0] }
        case .mix(let r, let s):
            let real = pool.indices(generation: 0, accepted: true)
            let last = pool.indices(generation: t - 1, accepted: true)
            guard r <= real.count else { throw LoopError("mix asks for \(r) real rows but there are \(real.count)") }
            guard s <= last.count else { throw LoopError("mix asks for \(s) synthetic rows but generation \(t - 1) has \(last.count) accepted") }
            let pickR = try ctx.rng.choice(real.count, r, replace: false).map { real[$0] }
            let pickS = try ctx.rng.choice(last.count, s, replace: false).map { last[$0] }
            return pickR + pickS
        case .custom(_, let f):
            let idx = try f(pool, ctx)
            for i in idx where i < 0 || i >= pool.size {
                throw LoopError("the workflow returned index \(i + 1), outside the pool of \(pool.size) rows")
            }
            return idx
        }
    }
}

/// What a verifier says about a freshly sampled batch.
public enum Verdict {
    /// 1 keeps a row, 0 rejects it.
    case mask([Bool])
    /// A score per row; the loop keeps the top `keep_top` fraction.
    case scores([Double])
}
