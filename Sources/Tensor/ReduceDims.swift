/// Sums over several dimensions at once, in the tensor's own dtype (float32 stays float32), and
/// `sumTo`, the adjoint of broadcasting (what a gradient flowing into a broadcast operand needs).
/// Strided input is read in place. Each output element adds its inputs in increasing row-major
/// order, so results do not depend on the layout or the thread count.
extension Tensor {
    /// The sum over `dims` (0-based, any order, no repeats); they are removed unless `keepdim`.
    public func sum(dims: [Int], keepdim: Bool = false) throws -> Tensor {
        guard Set(dims).count == dims.count else { throw TensorError("sum: dimension repeated in \(dims.map { String($0 + 1) })") }
        for d in dims { try checkDim(d, "sum") }
        var kept = shape
        for d in dims { kept[d] = 1 }
        let out = try Tensor.zeros(kept, dtype: dtype)
        // Large sums split the output along its longest kept dimension: every output element
        // still adds its own inputs in the same order, on whichever core.
        let keptDims = (0..<rank).filter { !dims.contains($0) && shape[$0] > 1 }
        if let d = keptDims.max(by: { shape[$0] < shape[$1] }), count >= 2 * Parallel.grain {
            Parallel.forRanges(shape[d], grain: max(1, Parallel.grain * shape[d] / count)) { r in
                slice(d, r).accumulateAny(into: out.slice(d, r))
            }
        } else {
            accumulateAny(into: out)
        }
        if keepdim { return out }
        return try out.reshape((0..<rank).filter { !dims.contains($0) }.map { shape[$0] })
    }

    /// The mean over `dims` (float dtypes keep theirs; int64 gives float64).
    public func mean(dims: [Int], keepdim: Bool = false) throws -> Tensor {
        let n = dims.reduce(1) { $0 * shape[$1] }
        guard n > 0 else { throw TensorError("mean of an empty dimension is undefined") }
        let s = try astypeIfNeeded(dtype == .int64 ? .float64 : dtype).sum(dims: dims, keepdim: keepdim)
        return try s.binary(.div, Tensor.scalar(Double(n), like: s))
    }

    /// Sums this tensor down to `target`, a shape that broadcasts to this one: over the leading
    /// dimensions the target lacks and over those where it has size 1. The result has shape `target`.
    public func sumTo(_ target: [Int]) throws -> Tensor {
        guard target.count <= rank, let b = broadcastShapes(target, shape), b == shape else {
            throw TensorError("sum_to: shape \(describeShape(target)) does not broadcast to \(describeShape(shape))")
        }
        let lead = rank - target.count
        let dims = (0..<rank).filter { $0 < lead || (target[$0 - lead] == 1 && shape[$0] != 1) }
        if dims.isEmpty { return try reshape(target) }
        return try sum(dims: dims, keepdim: true).reshape(target)
    }

    /// The elements r along dimension d (a view; r lies within the dimension).
    private func slice(_ d: Int, _ r: Range<Int>) -> Tensor {
        var sh = shape
        sh[d] = r.count
        return Tensor(storage: storage, shape: sh, strides: strides, offset: offset + r.lowerBound * strides[d])
    }

    private func accumulateAny(into out: Tensor) {
        switch dtype {
        case .float64: accumulate(Double.self, into: out)
        case .float32: accumulate(Float.self, into: out)
        case .int64: accumulate(Int64.self, into: out)
        }
    }

    private func accumulate<T: ArithElement>(_: T.Type, into out: Tensor) {
        let po = out.base(T.self), px = base(T.self)
        forEachRun(shape: shape, strides: [out.broadcastStrides(to: shape), strides], offsets: [0, 0]) { offs, n, inner in
            let o = po + offs[0], x = px + offs[1], so = inner[0], sx = inner[1]
            if so == 0 {
                var acc = o[0]
                for i in 0..<n { acc = T.add(acc, x[i * sx]) }
                o[0] = acc
            } else {
                for i in 0..<n { o[i * so] = T.add(o[i * so], x[i * sx]) }
            }
        }
    }
}
