/// Movement ops: views that reorder, add or drop dimensions or repeat elements without copying
/// (permute, unsqueeze, squeeze, expand), and the indexed copies along any dimension
/// (index_select, gather, scatter_add). Dimensions and indices are 0-based; the Lua layer converts.
extension Tensor {
    /// The dimensions in a new order (a view): result dimension k is this tensor's dimension dims[k].
    public func permute(_ dims: [Int]) throws -> Tensor {
        guard dims.count == rank, Set(dims).count == rank, dims.allSatisfy({ $0 >= 0 && $0 < rank }) else {
            throw TensorError("permute: \(dims.map { String($0 + 1) }.joined(separator: ", ")) is not an order of the \(rank) dimensions (each of 1…\(rank) once)")
        }
        return Tensor(storage: storage, shape: dims.map { shape[$0] }, strides: dims.map { strides[$0] }, offset: offset)
    }

    /// A size-1 dimension inserted at `dim` (0…rank; a view).
    public func unsqueeze(_ dim: Int) throws -> Tensor {
        guard dim >= 0 && dim <= rank else {
            throw TensorError("unsqueeze: dimension \(dim + 1) out of range (1…\(rank + 1) for a \(rank)-dimensional tensor)")
        }
        var sh = shape, st = strides
        sh.insert(1, at: dim)
        st.insert(dim < rank ? strides[dim] * shape[dim] : 1, at: dim)
        return Tensor(storage: storage, shape: sh, strides: st, offset: offset)
    }

    /// Without the size-1 dimension `dim`, or without every size-1 dimension when nil (a view).
    public func squeeze(_ dim: Int? = nil) throws -> Tensor {
        var sh: [Int] = [], st: [Int] = []
        if let dim {
            try checkDim(dim, "squeeze")
            guard shape[dim] == 1 else { throw TensorError("squeeze: dimension \(dim + 1) has size \(shape[dim]), not 1") }
            for k in 0..<rank where k != dim { sh.append(shape[k]); st.append(strides[k]) }
        } else {
            for k in 0..<rank where shape[k] != 1 { sh.append(shape[k]); st.append(strides[k]) }
        }
        return Tensor(storage: storage, shape: sh, strides: st, offset: offset)
    }

    /// This tensor repeated along size-1 (and new leading) dimensions to `newShape`, without copying:
    /// the repeated dimensions get stride 0 (a view). -1 keeps a dimension's size. Writing into such a
    /// view is refused (several elements share one place in memory); clone() it first.
    public func expand(_ newShape: [Int]) throws -> Tensor {
        guard newShape.count >= rank else {
            throw TensorError("expand: shape \(describeShape(newShape)) has fewer dimensions than the tensor's \(describeShape(shape))")
        }
        let lead = newShape.count - rank
        var sh = [Int](), st = [Int]()
        for (k, n) in newShape.enumerated() {
            if k < lead {
                guard n >= 0 else { throw TensorError("expand: a new leading dimension needs a size, got \(n)") }
                sh.append(n); st.append(0)
                continue
            }
            let have = shape[k - lead]
            if n == -1 || n == have { sh.append(have); st.append(strides[k - lead]) }
            else if have == 1 && n >= 0 { sh.append(n); st.append(0) }
            else {
                throw TensorError("expand: dimension \(k + 1) of size \(have) cannot become \(n) (only size-1 dimensions expand); shape \(describeShape(shape)) to \(describeShape(newShape))")
            }
        }
        // A view costs nothing, but whatever reads it visits every element: bound it as if it were
        // materialised, so that no later loop can run for ever.
        try MemoryPolicy.checkCount(try Tensor.checkedCount(sh), bytesPerItem: dtype.size, what: "the expanded size")
        return Tensor(storage: storage, shape: sh, strides: st, offset: offset)
    }

    /// True when two elements of this view share one place in memory (an expanded view).
    public var hasOverlappingElements: Bool {
        (0..<rank).contains { strides[$0] == 0 && shape[$0] > 1 }
    }

    /// Throws when this view cannot be written element by element (see `expand`).
    /// Every in-place write goes through here: it also refuses to change a tensor autograd tracks
    /// (the change would not be recorded) and bumps the storage's version (see `Storage.version`).
    func checkWritable(_ op: String) throws {
        if hasOverlappingElements {
            throw TensorError("\(op): the tensor is an expanded view whose elements share memory; write into a clone() instead")
        }
        if requiresGrad && GradMode.isEnabled {
            throw TensorError("\(op): the tensor requires grad and an in-place change would not be recorded; use the out-of-place form, or make the change with gradient recording off (no_grad)")
        }
        storage.version &+= 1
    }

    /// The entries at `index` along `dim`, as a new tensor (the size of `dim` becomes index.count).
    public func indexSelect(_ dim: Int, _ index: [Int]) throws -> Tensor {
        try checkDim(dim, "index_select")
        let n = shape[dim]
        for i in index where i < 0 || i >= n {
            throw TensorError("index_select: index \(i + 1) out of range for dimension \(dim + 1) of size \(n)")
        }
        if dim == 0 { return try rows(index) }
        var sh = shape
        sh[dim] = index.count
        let out = try Tensor(uninitialized: sh, dtype: dtype)
        for (k, i) in index.enumerated() { try out.narrow(dim, k, k + 1).copy_(narrow(dim, i, i + 1)) }
        return out
    }

    /// out[…, k, …] = self[…, index[…, k, …], …] along `dim`: `index` is an int64 tensor of 0-based
    /// positions with this tensor's rank, no larger than it in the other dimensions; the result
    /// has the index's shape.
    public func gather(_ dim: Int, _ index: Tensor) throws -> Tensor {
        try checkIndex(dim, index, "gather", like: self)
        let out = try Tensor(uninitialized: index.shape, dtype: dtype)
        switch dtype {
        case .float64: gatherKernel(Double.self, dim, index, out)
        case .float32: gatherKernel(Float.self, dim, index, out)
        case .int64: gatherKernel(Int64.self, dim, index, out)
        }
        return out
    }

    /// self[…, index[…, k, …], …] += source[…, k, …] along `dim`, in place (sequentially, in the
    /// index's row-major order, so repeated indices accumulate the same way every time). `source`
    /// has the index's shape (or broadcasts to it). Returns self.
    @discardableResult
    public func scatterAdd_(_ dim: Int, _ index: Tensor, _ source: Tensor) throws -> Tensor {
        try checkIndex(dim, index, "scatter_add", like: self)
        try checkWritable("scatter_add")
        guard let b = broadcastShapes(source.shape, index.shape), b == index.shape else {
            throw TensorError("scatter_add: the source's shape \(describeShape(source.shape)) does not match the index's \(describeShape(index.shape))")
        }
        var src = try source.astypeIfNeeded(dtype)
        if src.storage === storage { src = try src.clone() }
        let s = try src.expand(index.shape)
        switch dtype {
        case .float64: scatterKernel(Double.self, dim, index, s)
        case .float32: scatterKernel(Float.self, dim, index, s)
        case .int64: scatterKernel(Int64.self, dim, index, s)
        }
        return self
    }

    private func checkIndex(_ dim: Int, _ index: Tensor, _ op: String, like target: Tensor) throws {
        try checkDim(dim, op)
        guard index.dtype == .int64 else { throw TensorError("\(op): the index must be an int64 tensor, got \(index.dtype.rawValue)") }
        guard index.rank == rank else {
            throw TensorError("\(op): the index has \(index.rank) dimensions, the tensor \(rank) (they must match)")
        }
        for k in 0..<rank where k != dim && index.shape[k] > shape[k] {
            throw TensorError("\(op): the index's dimension \(k + 1) has size \(index.shape[k]), larger than the tensor's \(shape[k])")
        }
        let n = shape[dim]
        var bad: Int64?
        index.forEachElement(Int64.self) { if bad == nil && ($0 < 0 || $0 >= Int64(n)) { bad = $0 } }
        if let bad { throw TensorError("\(op): index \(bad + 1) out of range for dimension \(dim + 1) of size \(n)") }
    }

    /// Visits every element of `shape` in row-major order with its multi-index.
    private static func forEachIndex(_ shape: [Int], _ body: ([Int]) -> Void) {
        guard !shape.contains(0) else { return }
        var idx = [Int](repeating: 0, count: shape.count)
        while true {
            body(idx)
            var d = shape.count - 1
            while d >= 0 {
                idx[d] += 1
                if idx[d] < shape[d] { break }
                idx[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// Visits the index's elements in row-major order with three storage offsets: into self (at the
    /// position the index names along `dim`), into the index, and into `other` (shaped like the index).
    private func forEachIndexed(_ dim: Int, _ index: Tensor, _ other: Tensor, _ body: (_ selfAt: Int, _ otherAt: Int) -> Void) {
        let ip = index.storage.pointer(Int64.self)
        Tensor.forEachIndex(index.shape) { idx in
            var s = offset, i = index.offset, o = other.offset
            for k in 0..<idx.count {
                i += idx[k] * index.strides[k]
                o += idx[k] * other.strides[k]
                if k != dim { s += idx[k] * strides[k] }
            }
            body(s + Int(ip[i]) * strides[dim], o)
        }
    }

    private func gatherKernel<T: TensorElement>(_: T.Type, _ dim: Int, _ index: Tensor, _ out: Tensor) {
        let src = storage.pointer(T.self), op = out.storage.pointer(T.self)
        forEachIndexed(dim, index, out) { s, o in op[o] = src[s] }
    }

    private func scatterKernel<T: ArithElementOrInt>(_: T.Type, _ dim: Int, _ index: Tensor, _ source: Tensor) {
        let dst = storage.pointer(T.self), sp = source.storage.pointer(T.self)
        forEachIndexed(dim, index, source) { d, s in dst[d] = T.plus(dst[d], sp[s]) }
    }
}

/// Element types that add (for scatter_add), integers wrapping on overflow as elsewhere.
protocol ArithElementOrInt: TensorElement { static func plus(_ a: Self, _ b: Self) -> Self }
extension Double: ArithElementOrInt { @inline(__always) static func plus(_ a: Double, _ b: Double) -> Double { a + b } }
extension Float: ArithElementOrInt { @inline(__always) static func plus(_ a: Float, _ b: Float) -> Float { a + b } }
extension Int64: ArithElementOrInt { @inline(__always) static func plus(_ a: Int64, _ b: Int64) -> Int64 { a &+ b } }
