import CKernels
import Tensor

/// Reductions and the softmax family.
extension Diff {
    /// Shape `a` had with `dims` kept as size 1 (what a reduced gradient broadcasts back from).
    static func keptShape(_ shape: [Int], _ dims: [Int]) -> [Int] {
        var s = shape
        for d in dims { s[d] = 1 }
        return s
    }

    /// The sum over `dims` (all dimensions when nil, giving a 0-d tensor).
    public static func sum(_ a: Tensor, dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let ds = dims ?? Array(0..<a.rank)
        let out = try a.sum(dims: ds, keepdim: keepdim)
        guard Autograd.tracking(a) else { return out }
        let s = a.shape, kept = keptShape(a.shape, ds)
        return Autograd.record(out, "sum", [a]) { g in [try g.reshape(kept).expand(s)] }
    }

    /// The mean over `dims` (all when nil).
    public static func mean(_ a: Tensor, dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let ds = dims ?? Array(0..<a.rank)
        let n = ds.reduce(1) { $0 * a.shape[$1] }
        let s = try sum(a, dims: ds, keepdim: keepdim)
        return try binary(.div, s, Tensor.scalar(Double(n), like: s))
    }

    /// The variance over `dims` (population, or with n−1 when unbiased), composed from mean.
    public static func variance(_ a: Tensor, dims: [Int]? = nil, keepdim: Bool = false, unbiased: Bool = false) throws -> Tensor {
        let ds = dims ?? Array(0..<a.rank)
        let n = ds.reduce(1) { $0 * a.shape[$1] }
        guard !unbiased || n > 1 else { throw TensorError("unbiased var needs at least two values along the dimension") }
        let c = try sub(a, mean(a, dims: ds, keepdim: true))
        let ss = try sum(mul(c, c), dims: ds, keepdim: keepdim)
        return try div(ss, Tensor.scalar(Double(unbiased ? n - 1 : n), like: ss))
    }

    /// log Σ exp(a) along dim, stably; gradient softmax(a) · g.
    public static func logsumexp(_ a: Tensor, dim: Int?, keepdim: Bool = false) throws -> Tensor {
        let out = try a.reduce(.logsumexp, dim: dim, keepdim: keepdim)
        guard Autograd.tracking(a) else { return out }
        let x = Autograd.alias(a), y = Autograd.alias(out)
        let kept = dim.map { keptShape(a.shape, [$0]) } ?? [Int](repeating: 1, count: a.rank)
        return Autograd.record(out, "logsumexp", [a], saved: [a, out]) { g in
            let p = try x.binary(.sub, y.reshape(kept)).unary(.exp)
            return [try p.binary(.mul, g.reshape(kept))]
        }
    }

    /// The largest (or smallest) values along dim; the gradient goes to the first position of each.
    public static func extremum(_ a: Tensor, max isMax: Bool, dim: Int?, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let (v, i) = try a.extremum(max: isMax, dim: dim, keepdim: keepdim)
        guard Autograd.tracking(a) else { return (v, i) }
        let s = a.shape
        let d = dim ?? 0
        let kept = dim.map { keptShape(s, [$0]) } ?? [1]
        let values = Autograd.record(v, isMax ? "max" : "min", [a]) { g in
            if dim == nil {
                let flat = try Tensor.zeros([s.reduce(1, *)], dtype: g.dtype)
                try flat.scatterAdd_(0, i.reshape([1]), g.reshape([1]))
                return [try flat.reshape(s)]
            }
            return [try Tensor.zeros(s, dtype: g.dtype).scatterAdd_(d, i.reshape(kept), g.reshape(kept))]
        }
        return (values, i)
    }

    /// exp(a) / Σ exp(a) along dim, computed stably.
    public static func softmax(_ a: Tensor, dim: Int) throws -> Tensor {
        let out = try Softmax.forward(a, dim: dim, log: false)
        guard Autograd.tracking(a) else { return out }
        let y = Autograd.alias(out)
        return Autograd.record(out, "softmax", [a], saved: [out]) { g in
            // dx = y · (g − Σ g·y)
            let s = try g.binary(.mul, y).sum(dims: [dim], keepdim: true)
            return [try y.binary(.mul, g.binary(.sub, s))]
        }
    }

    /// a − log Σ exp(a) along dim, computed stably.
    public static func logSoftmax(_ a: Tensor, dim: Int) throws -> Tensor {
        let out = try Softmax.forward(a, dim: dim, log: true)
        guard Autograd.tracking(a) else { return out }
        let y = Autograd.alias(out)
        return Autograd.record(out, "log_softmax", [a], saved: [out]) { g in
            // dx = g − softmax · Σ g
            let s = try g.sum(dims: [dim], keepdim: true)
            return [try g.binary(.sub, y.unary(.exp).binary(.mul, s))]
        }
    }
}

/// The softmax kernels: one pass for the maximum, one for the sum, one to write, per row.
public enum Softmax {
    public static func forward(_ a0: Tensor, dim: Int, log: Bool) throws -> Tensor {
        guard a0.dtype.isFloatingPoint else { throw TensorError("softmax needs a floating-point tensor, got int64") }
        guard dim >= 0 && dim < a0.rank else { throw TensorError("softmax: dimension out of range") }
        // Move dim last, work on contiguous rows, move it back.
        let last = a0.rank - 1
        let a = try (dim == last ? a0 : a0.transpose(dim, last)).contiguous()
        let out = try Tensor(uninitialized: a.shape, dtype: a.dtype)
        let n = a.shape[last], rows = n == 0 ? 0 : a.count / n
        if a.dtype == .float64 { rowsKernel(a.base(Double.self), out.base(Double.self), rows, n, log) }
        else {
            // float32: the vectorised C kernel (CKernels/math.c), rows shared out among the cores
            let x = a.base(Float.self), o = out.base(Float.self)
            Parallel.forRanges(rows, grain: max(1, Parallel.grain / max(n, 1))) { r in
                ouro_softmax_rows_f32(x + r.lowerBound * n, o + r.lowerBound * n, r.count, n, 0, log ? 1 : 0)
            }
        }
        return dim == last ? out : try out.transpose(dim, last).contiguous()
    }

    @inline(__always)
    static func rowsKernel<T: FloatElement>(_ x: UnsafeMutablePointer<T>, _ o: UnsafeMutablePointer<T>, _ rows: Int, _ n: Int, _ log: Bool) {
        for r in 0..<rows {
            let xr = x + r * n, orow = o + r * n
            var mx = xr[0]
            for j in 1..<n where xr[j] > mx || xr[j] != xr[j] { mx = xr[j] }
            var s = T.zero
            for j in 0..<n { let e = T.exp(T.sub(xr[j], mx)); orow[j] = e; s = T.add(s, e) }
            if log {
                let ls = T.add(mx, T.log(s))
                for j in 0..<n { orow[j] = T.sub(xr[j], ls) }
            } else {
                let inv = T.div(T.one, s)
                for j in 0..<n { orow[j] = T.mul(orow[j], inv) }
            }
        }
    }
}
