import Data
import Models
import Tensor

/// Every sample of a run with its provenance: the generation that produced it (0 = real),
/// whether the verifier accepted it, and its verifier score (NaN when there is none).
/// Appending is amortised O(new rows); selecting is by index.
public final class Pool {
    /// The shape of one row (empty for documents).
    public let rowShape: [Int]
    public let dtype: DType
    /// Rows of a tensor (grown by doubling), or documents.
    private var buffer: Tensor?
    private var texts: [[UInt8]] = [], promptLengths: [Int]? = nil
    public private(set) var size = 0
    public private(set) var generation: [Int64] = []
    public private(set) var accepted: [Bool] = []
    public private(set) var score: [Double] = []
    /// Row ranges of each generation's appends (generations arrive in order) and whether every
    /// row in them was accepted: indices are then built without scanning the pool.
    private var blocks: [Block] = []
    private struct Block { let generation: Int, start: Int, count: Int, allAccepted: Bool, origin: String }
    /// True while no row of the pool has been rejected.
    public private(set) var noneRejected = true
    /// True when the pool holds documents rather than tensor rows.
    public var holdsDocuments: Bool { buffer == nil }

    /// A pool holding the real data as generation 0.
    public init(real: Samples, origin: String = "real") throws {
        switch real {
        case .rows(let t):
            guard t.rank >= 1 else { throw LoopError("the real data must have at least one dimension (rows first)") }
            rowShape = Array(t.shape.dropFirst())
            dtype = t.dtype
            buffer = try Tensor(uninitialized: [max(t.shape[0], 16)] + rowShape, dtype: dtype)
        case .documents(let d):
            rowShape = []
            dtype = .int64
            promptLengths = d.isPairs ? [] : nil
        }
        try append(real, generation: 0, origin: origin)
    }

    /// A pool holding tensor rows, the real ones as generation 0.
    public convenience init(real: Tensor, origin: String = "real") throws { try self.init(real: .rows(real), origin: origin) }

    /// Appends samples produced by `generation`, with the verifier's verdicts and scores if any.
    public func append(_ new: Samples, generation g: Int, accepted acc: [Bool]? = nil, scores: [Double]? = nil,
                       origin: String = "synthetic") throws {
        let n = new.count
        switch new {
        case .rows(let rows):
            guard let current = buffer else { throw LoopError("\(new.summary) cannot join a pool of documents") }
            guard Array(rows.shape.dropFirst()) == rowShape, rows.rank == rowShape.count + 1 else {
                throw LoopError("samples of shape \(describeShape(rows.shape)) do not match the pool's rows of shape \(describeShape(rowShape))")
            }
            var store = current
            if size + n > store.shape[0] {
                var cap = store.shape[0]
                while cap < size + n { cap *= 2 }
                let bigger = try Tensor(uninitialized: [cap] + rowShape, dtype: dtype)
                if size > 0 { try bigger.narrow(0, 0, size).copy_(store.narrow(0, 0, size)) }
                store = bigger
                buffer = bigger
            }
            if n > 0 { try store.narrow(0, size, size + n).copy_(rows) }
        case .documents(let d):
            guard buffer == nil else { throw LoopError("\(new.summary) cannot join a pool of tensor rows") }
            guard d.isPairs == (promptLengths != nil) || n == 0 else {
                throw LoopError("\(new.summary) cannot join a pool of \(promptLengths != nil ? "prompt/response pairs" : "plain documents")")
            }
            texts += d.texts
            if let p = d.promptLengths { promptLengths? += p }
        }
        size += n
        generation.append(contentsOf: repeatElement(Int64(g), count: n))
        let all = acc.map { !$0.contains(false) } ?? true
        blocks.append(Block(generation: g, start: size - n, count: n, allAccepted: all, origin: origin))
        if !all { noneRejected = false }
        if let acc { accepted += acc } else { accepted.append(contentsOf: repeatElement(true, count: n)) }
        if let scores { score += scores } else { score.append(contentsOf: repeatElement(Double.nan, count: n)) }
    }

    /// All samples so far (tensor rows as a view, valid until the next append).
    public func data() throws -> Samples {
        if let buffer { return .rows(try buffer.narrow(0, 0, size)) }
        return .documents(try Documents(texts, promptLengths: promptLengths))
    }

    /// The samples at 0-based indices (tensor rows as a view without copying when they are one
    /// ascending run).
    public func rows(_ idx: [Int]) throws -> Samples {
        guard let buffer else {
            return .documents(try Documents(idx.map { texts[$0] }, promptLengths: promptLengths.map { p in idx.map { p[$0] } }))
        }
        if let first = idx.first, first >= 0, first + idx.count <= size,
           idx.indices.allSatisfy({ idx[$0] == first + $0 }) {
            return .rows(try buffer.narrow(0, first, first + idx.count))
        }
        return .rows(try buffer.narrow(0, 0, size).rows(idx))
    }

    /// 0-based indices of rows matching a generation (nil = any) and verdict (nil = any).
    public func indices(generation g: Int? = nil, accepted acc: Bool? = true) -> [Int] {
        var out: [Int] = []
        for b in blocks where g == nil || b.generation == g {
            if acc == nil || (acc == true && b.allAccepted) {
                out += b.start..<(b.start + b.count)
            } else if !(acc == false && b.allAccepted) {
                for i in b.start..<(b.start + b.count) where accepted[i] == acc { out.append(i) }
            }
        }
        return out
    }

    /// Where the row at a 0-based index came from: "real", or the family of the model that sampled it.
    public func origin(ofRow i: Int) -> String? {
        blocks.first { i >= $0.start && i < $0.start + $0.count }?.origin
    }

    /// Number of accepted rows.
    public var acceptedCount: Int { accepted.lazy.filter { $0 }.count }
}

/// An error in the loop's configuration or in what a callback returned.
public struct LoopError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
