import Foundation

extension Tensor {
    /// A tensor of the given shape filled with `value`.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float64) throws -> Tensor {
        let t = try Tensor(uninitialized: shape, dtype: dtype)
        if value == 0 { memset(t.storage.bytes, 0, t.storage.byteCount) } else { try t.fill_(value) }
        return t
    }

    public static func zeros(_ shape: [Int], dtype: DType = .float64) throws -> Tensor { try full(shape, 0, dtype: dtype) }
    public static func ones(_ shape: [Int], dtype: DType = .float64) throws -> Tensor { try full(shape, 1, dtype: dtype) }

    /// The n×n identity matrix.
    public static func eye(_ n: Int, dtype: DType = .float64) throws -> Tensor {
        let t = try zeros([n, n], dtype: dtype)
        for i in 0..<n { t.setFlat(i * n + i, 1) }
        return t
    }

    /// Values a, a+step, … strictly before b (like NumPy's arange). Integral arguments give int64.
    public static func arange(_ a: Double, _ b: Double, step: Double = 1, dtype: DType? = nil) throws -> Tensor {
        guard step != 0, step.isFinite, a.isFinite, b.isFinite else {
            throw TensorError("arange needs finite bounds and a non-zero step (got \(a), \(b), step \(step))")
        }
        let span = ((b - a) / step).rounded(.up)
        guard span <= Double(1 << 48) else { throw TensorError("arange: \(a) to \(b) by \(step) would have more than 2^48 elements") }
        let n = max(0, Int(span))
        let integral = a.rounded() == a && step.rounded() == step
        let dt = dtype ?? (integral ? .int64 : .float64)
        let t = try Tensor(uninitialized: [n], dtype: dt)
        for i in 0..<n { t.setFlat(i, a + Double(i) * step) }
        return t
    }

    /// n evenly spaced values from a to b inclusive.
    public static func linspace(_ a: Double, _ b: Double, _ n: Int, dtype: DType = .float64) throws -> Tensor {
        guard n >= 0 else { throw TensorError("linspace needs a non-negative count, got \(n)") }
        let t = try Tensor(uninitialized: [n], dtype: dtype)
        let step = n > 1 ? (b - a) / Double(n - 1) : 0
        for i in 0..<n { t.setFlat(i, i == n - 1 && n > 1 ? b : a + Double(i) * step) }
        return t
    }

    /// Writes a value at a flat row-major position of a contiguous tensor.
    @inline(__always) public func setFlat(_ i: Int, _ v: Double) {
        switch dtype {
        case .float64: base(Double.self)[i] = v
        case .float32: base(Float.self)[i] = Float(v)
        case .int64: base(Int64.self)[i] = Int64(fromDouble: v)
        }
    }
}
