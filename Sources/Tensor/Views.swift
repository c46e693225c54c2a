/// Indexing, views and joins. Dimensions and indices here are 0-based; the Lua layer converts.
extension Tensor {
    func checkDim(_ d: Int, _ op: String) throws {
        guard d >= 0 && d < rank else {
            throw TensorError("\(op): dimension \(d + 1) out of range for a \(rank)-dimensional tensor")
        }
    }

    /// The sub-tensor at index i of dimension `dim` (a view; one dimension fewer).
    public func select(_ dim: Int, _ i: Int) throws -> Tensor {
        try checkDim(dim, "select")
        guard i >= 0 && i < shape[dim] else {
            throw TensorError("index \(i + 1) out of range for dimension \(dim + 1) of size \(shape[dim])")
        }
        var sh = shape, st = strides
        sh.remove(at: dim); st.remove(at: dim)
        return Tensor(storage: storage, shape: sh, strides: st, offset: offset + i * strides[dim])
    }

    /// Elements from..<to along `dim` (a view).
    public func narrow(_ dim: Int, _ from: Int, _ to: Int) throws -> Tensor {
        try checkDim(dim, "slice")
        guard from >= 0, to <= shape[dim], from <= to else {
            throw TensorError("slice \(from + 1)..\(to) out of range for dimension \(dim + 1) of size \(shape[dim])")
        }
        var sh = shape
        sh[dim] = to - from
        return Tensor(storage: storage, shape: sh, strides: strides, offset: offset + from * strides[dim])
    }

    /// Swaps two dimensions (a view).
    public func transpose(_ a: Int, _ b: Int) throws -> Tensor {
        try checkDim(a, "transpose"); try checkDim(b, "transpose")
        var sh = shape, st = strides
        sh.swapAt(a, b); st.swapAt(a, b)
        return Tensor(storage: storage, shape: sh, strides: st, offset: offset)
    }

    /// The matrix transpose of a 2-D tensor (a view); a 1-D tensor is returned unchanged.
    public func t() throws -> Tensor {
        guard rank <= 2 else { throw TensorError("t() expects a 1-D or 2-D tensor, got \(rank)-D; use transpose(a, b)") }
        return rank == 2 ? try transpose(0, 1) : self
    }

    /// Same elements, new shape (a view when contiguous, else a copy). One size may be -1.
    public func reshape(_ newShape: [Int]) throws -> Tensor {
        var sh = newShape
        let inferred = sh.indices.filter { sh[$0] == -1 }
        guard inferred.count <= 1 else { throw TensorError("reshape: only one dimension can be -1, got \(describeShape(newShape))") }
        if let k = inferred.first {
            let rest = try Tensor.checkedCount(sh.enumerated().filter { $0.offset != k }.map { $0.element })
            guard rest > 0, count % rest == 0 else {
                throw TensorError("reshape: cannot infer the -1 in \(newShape.map(String.init).joined(separator: "x")) for \(count) elements")
            }
            sh[k] = count / rest
        }
        let n = try Tensor.checkedCount(sh)
        guard n == count else {
            throw TensorError("reshape: shape \(describeShape(sh)) has \(n) elements but the tensor has \(count) (shape \(describeShape(shape)))")
        }
        let c = try contiguous()
        return Tensor(storage: c.storage, shape: sh, strides: Tensor.contiguousStrides(sh), offset: c.offset)
    }

    /// Rows (along dimension 0) at the given 0-based indices, as a new tensor.
    public func rows(_ idx: [Int]) throws -> Tensor {
        guard rank >= 1 else { throw TensorError("rows() needs at least a 1-D tensor") }
        let n = shape[0]
        for i in idx where i < 0 || i >= n {
            throw TensorError("row index \(i + 1) out of range for dimension 1 of size \(n)")
        }
        var sh = shape; sh[0] = idx.count
        let out = try Tensor(uninitialized: sh, dtype: dtype)
        let src = try contiguous()
        let rowBytes = (n == 0 ? 0 : src.count / n) * dtype.size
        let from = src.storage.bytes + src.offset * dtype.size, to = out.storage.bytes
        for (k, i) in idx.enumerated() {
            (to + k * rowBytes).copyMemory(from: from + i * rowBytes, byteCount: rowBytes)
        }
        return out
    }

    /// Rows where `mask` (1-D, one entry per row) is non-zero.
    public func mask(_ m: Tensor) throws -> Tensor {
        guard rank >= 1 else { throw TensorError("mask() needs at least a 1-D tensor") }
        guard m.rank == 1 && m.shape[0] == shape[0] else {
            throw TensorError("mask must be 1-D with one entry per row (\(shape[0])), got shape \(describeShape(m.shape))")
        }
        let keep = m.toDoubles().enumerated().filter { $0.element != 0 }.map { $0.offset }
        return try rows(keep)
    }

    /// Joins tensors along an existing dimension.
    public static func cat(_ list: [Tensor], dim: Int = 0) throws -> Tensor {
        guard let first = list.first else { throw TensorError("cat needs at least one tensor") }
        guard dim >= 0 && dim < first.rank else {
            throw TensorError("cat: dimension \(dim + 1) out of range for \(first.rank)-dimensional tensors")
        }
        var dt = first.dtype
        var total = 0
        for (k, t) in list.enumerated() {
            guard t.rank == first.rank, (0..<t.rank).allSatisfy({ $0 == dim || t.shape[$0] == first.shape[$0] }) else {
                throw TensorError("cat: tensor \(k + 1) has shape \(describeShape(t.shape)), incompatible with \(describeShape(first.shape)) along dimension \(dim + 1)")
            }
            dt = DType.promote(dt, t.dtype)
            total += t.shape[dim]
        }
        var sh = first.shape; sh[dim] = total
        let out = try Tensor(uninitialized: sh, dtype: dt)
        var at = 0
        for t in list {
            try out.narrow(dim, at, at + t.shape[dim]).copy_(t)
            at += t.shape[dim]
        }
        return out
    }

    /// Joins same-shaped tensors along a new dimension.
    public static func stack(_ list: [Tensor], dim: Int = 0) throws -> Tensor {
        guard let first = list.first else { throw TensorError("stack needs at least one tensor") }
        guard dim >= 0 && dim <= first.rank else {
            throw TensorError("stack: dimension \(dim + 1) out of range (tensors have \(first.rank) dimensions)")
        }
        for (k, t) in list.enumerated() where t.shape != first.shape {
            throw TensorError("stack: tensor \(k + 1) has shape \(describeShape(t.shape)), expected \(describeShape(first.shape))")
        }
        let expanded = try list.map { t -> Tensor in
            var sh = t.shape; sh.insert(1, at: dim)
            return try t.reshape(sh)
        }
        return try cat(expanded, dim: dim)
    }
}
