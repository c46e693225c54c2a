/// An N-dimensional array: a view (shape, strides in elements, offset) onto a `Storage`.
///
/// Tensors have reference semantics like Torch's: views made by `slice`, `transpose`, `select`
/// share storage with their base; ops return new tensors; methods ending in `_` work in place.
public final class Tensor: @unchecked Sendable {
    public let storage: Storage
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int

    /// Autograd's bookkeeping, given meaning by the Autograd target (plain array work never reads
    /// it): whether gradients flow to this tensor, the gradient accumulated into a leaf, and the
    /// recorded op (an `Autograd.Node`) that produced a tracked result.
    public var requiresGrad = false
    public var grad: Tensor?
    public var gradNode: AnyObject?

    public var dtype: DType { storage.dtype }
    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }

    /// A view onto existing storage. The caller guarantees the view stays inside the storage.
    public init(storage: Storage, shape: [Int], strides: [Int], offset: Int = 0) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// A new, uninitialised, contiguous tensor.
    public convenience init(uninitialized shape: [Int], dtype: DType) throws {
        let n = try Tensor.checkedCount(shape)
        let st = try Storage(dtype: dtype, count: n)
        self.init(storage: st, shape: shape, strides: Tensor.contiguousStrides(shape))
    }

    /// A contiguous tensor holding `values` (row-major) with the given shape.
    public convenience init<T: TensorElement>(_ values: [T], shape: [Int]) throws {
        let n = try Tensor.checkedCount(shape)
        guard n == values.count else {
            throw TensorError("\(values.count) values do not fill a tensor of shape \(describeShape(shape)) (\(n) elements)")
        }
        try self.init(uninitialized: shape, dtype: T.dtype)
        let p = storage.pointer(T.self)
        values.withUnsafeBufferPointer { src in
            if let b = src.baseAddress { p.update(from: b, count: n) }
        }
    }

    /// A 1-D tensor holding `values`.
    public convenience init<T: TensorElement>(_ values: [T]) throws {
        try self.init(values, shape: [values.count])
    }

    /// A 0-d tensor holding one value.
    public convenience init<T: TensorElement>(scalar: T) throws {
        try self.init([scalar], shape: [])
    }

    // MARK: shape helpers

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc &*= max(shape[i], 1)
        }
        return s
    }

    /// The element count of a shape, rejecting negative sizes and overflow.
    public static func checkedCount(_ shape: [Int]) throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { throw TensorError("invalid shape \(shape.map(String.init).joined(separator: "x")): sizes must be non-negative") }
            let (m, o) = n.multipliedReportingOverflow(by: d)
            guard !o, m <= 1 << 48 else { throw TensorError("shape \(describeShape(shape)) is too large (more than 2^48 elements)") }
            n = m
        }
        return n
    }

    public var isContiguous: Bool {
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != acc { return false }
            acc *= shape[i]
        }
        return true
    }

    /// Pointer to the first element of this view, typed.
    @inline(__always) public func base<T: TensorElement>(_: T.Type) -> UnsafeMutablePointer<T> {
        storage.pointer(T.self) + offset
    }

    /// Storage offset of a multi-index (0-based).
    @inline(__always) func storageIndex(_ idx: [Int]) -> Int {
        var o = offset
        for i in 0..<idx.count { o += idx[i] * strides[i] }
        return o
    }

    // MARK: element access (0-based, for the core and tests)

    /// The element at a 0-based multi-index, as a Double.
    public func double(at idx: [Int]) throws -> Double {
        guard idx.count == rank else { throw TensorError("index has \(idx.count) components but the tensor has \(rank) dimensions") }
        for (i, (k, n)) in zip(idx, shape).enumerated() where k < 0 || k >= n {
            throw TensorError("index \(k + 1) out of range for dimension \(i + 1) of size \(n)")
        }
        let o = storageIndex(idx)
        switch dtype {
        case .float64: return storage.pointer(Double.self)[o]
        case .float32: return Double(storage.pointer(Float.self)[o])
        case .int64: return Double(storage.pointer(Int64.self)[o])
        }
    }

    /// The single value of a one-element tensor.
    public func item() throws -> Double {
        guard count == 1 else { throw TensorError("item() needs a tensor with exactly one element, got shape \(describeShape(shape))") }
        return try withDoubles { $0[0] }
    }

    /// All elements in row-major order, as Doubles.
    public func toDoubles() -> [Double] {
        if dtype == .float64 && isContiguous { return Array(UnsafeBufferPointer(start: base(Double.self), count: count)) }
        var out = [Double](); out.reserveCapacity(count)
        switch dtype {
        case .float64: forEachElement(Double.self) { out.append($0) }
        case .float32: forEachElement(Float.self) { out.append(Double($0)) }
        case .int64: forEachElement(Int64.self) { out.append(Double($0)) }
        }
        return out
    }

    /// All elements in row-major order, as Int64 (floats truncated toward zero).
    public func toInt64s() -> [Int64] {
        if dtype == .int64 && isContiguous { return Array(UnsafeBufferPointer(start: base(Int64.self), count: count)) }
        var out = [Int64](); out.reserveCapacity(count)
        switch dtype {
        case .float64: forEachElement(Double.self) { out.append(Int64(fromDouble: $0)) }
        case .float32: forEachElement(Float.self) { out.append(Int64(fromDouble: Double($0))) }
        case .int64: forEachElement(Int64.self) { out.append($0) }
        }
        return out
    }

    /// Visits every element in row-major order; T must match the dtype.
    func forEachElement<T: TensorElement>(_: T.Type, _ body: (T) -> Void) {
        let p = base(T.self)
        forEachRun(shape: shape, strides: [strides], offsets: [0]) { offs, n, inner in
            let q = p + offs[0], s = inner[0]
            for i in 0..<n { body(q[i * s]) }
        }
    }

    /// Calls body with the float64 contents of a contiguous float64 copy (or self).
    func withDoubles<R>(_ body: (UnsafeMutablePointer<Double>) throws -> R) throws -> R {
        let c = (dtype == .float64 && isContiguous) ? self : try astype(.float64)
        return try body(c.base(Double.self))
    }
}
