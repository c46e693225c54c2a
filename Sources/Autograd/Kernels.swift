import Tensor

/// Elementwise loops the ops' forward and backward passes share (here and in NN's fused losses):
/// each call site passes its own closures, which the compiler inlines and vectorises (`@inlinable`,
/// so that other targets get the same specialised loops). Large tensors are split across cores
/// (`Parallel.forRanges`); each element is computed the same way whatever the split.
public enum Kernel {
    /// f applied to every element of a (float dtypes), as a new contiguous tensor of a's shape.
    @inlinable
    public static func map(_ a0: Tensor, _ f64: (Double) -> Double, _ f32: (Float) -> Float) throws -> Tensor {
        let a = try a0.contiguous()
        let out = try Tensor(uninitialized: a.shape, dtype: a.dtype)
        let n = a.count
        switch a.dtype {
        case .float64:
            let x = a.base(Double.self), o = out.base(Double.self)
            Parallel.forRanges(n) { r in for i in r { o[i] = f64(x[i]) } }
        case .float32:
            let x = a.base(Float.self), o = out.base(Float.self)
            Parallel.forRanges(n) { r in for i in r { o[i] = f32(x[i]) } }
        case .int64:
            throw TensorError("this operation needs a floating-point tensor, got int64")
        }
        return out
    }

    /// f applied to corresponding elements of two tensors of one shape (b converted to a's dtype).
    @inlinable
    public static func zip(_ a0: Tensor, _ b0: Tensor, _ f64: (Double, Double) -> Double, _ f32: (Float, Float) -> Float) throws -> Tensor {
        let a = try a0.contiguous(), b = try b0.astypeIfNeeded(a0.dtype).contiguous()
        guard a.shape == b.shape else { throw TensorError("internal: elementwise shapes \(describeShape(a.shape)) and \(describeShape(b.shape)) differ") }
        let out = try Tensor(uninitialized: a.shape, dtype: a.dtype)
        let n = a.count
        switch a.dtype {
        case .float64:
            let x = a.base(Double.self), y = b.base(Double.self), o = out.base(Double.self)
            Parallel.forRanges(n) { r in for i in r { o[i] = f64(x[i], y[i]) } }
        case .float32:
            let x = a.base(Float.self), y = b.base(Float.self), o = out.base(Float.self)
            Parallel.forRanges(n) { r in for i in r { o[i] = f32(x[i], y[i]) } }
        case .int64:
            throw TensorError("this operation needs a floating-point tensor, got int64")
        }
        return out
    }

    /// A vectorised float32 C kernel `kernel(a, b, out, n)` over two tensors of one shape (b
    /// converted to float32), split across cores: how the fused losses and backward passes reach
    /// CKernels.
    public static func float32(_ a0: Tensor, _ b0: Tensor,
                               _ kernel: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) throws -> Tensor {
        let a = try a0.astypeIfNeeded(.float32).contiguous(), b = try b0.astypeIfNeeded(.float32).contiguous()
        guard a.shape == b.shape else { throw TensorError("internal: elementwise shapes \(describeShape(a.shape)) and \(describeShape(b.shape)) differ") }
        let out = try Tensor(uninitialized: a.shape, dtype: .float32)
        let (pa, pb, po) = (a.base(Float.self), b.base(Float.self), out.base(Float.self))
        Parallel.forRanges(a.count) { r in kernel(pa + r.lowerBound, pb + r.lowerBound, po + r.lowerBound, r.count) }
        return out
    }

    /// f applied to corresponding elements of three tensors of one shape.
    @inlinable
    public static func zip3(_ a0: Tensor, _ b0: Tensor, _ c0: Tensor, _ f64: (Double, Double, Double) -> Double, _ f32: (Float, Float, Float) -> Float) throws -> Tensor {
        let a = try a0.contiguous(), b = try b0.astypeIfNeeded(a0.dtype).contiguous(), c = try c0.astypeIfNeeded(a0.dtype).contiguous()
        guard a.shape == b.shape, a.shape == c.shape else { throw TensorError("internal: elementwise shapes differ") }
        let out = try Tensor(uninitialized: a.shape, dtype: a.dtype)
        let n = a.count
        switch a.dtype {
        case .float64:
            let x = a.base(Double.self), y = b.base(Double.self), z = c.base(Double.self), o = out.base(Double.self)
            Parallel.forRanges(n) { r in for i in r { o[i] = f64(x[i], y[i], z[i]) } }
        case .float32:
            let x = a.base(Float.self), y = b.base(Float.self), z = c.base(Float.self), o = out.base(Float.self)
            Parallel.forRanges(n) { r in for i in r { o[i] = f32(x[i], y[i], z[i]) } }
        case .int64:
            throw TensorError("this operation needs a floating-point tensor, got int64")
        }
        return out
    }
}
