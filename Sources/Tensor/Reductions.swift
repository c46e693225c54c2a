import CKernels
import Foundation

/// Reductions along one dimension (0-based here) or over all elements (`dim == nil`, giving a
/// 0-d tensor). The reduced dimension is removed unless `keepdim`.
public enum ReduceKind: String, Sendable { case sum, mean, variance = "var", std, max, min, argmax, argmin, logsumexp }

extension Tensor {
    /// Layout of a reduction: outer × n × inner over a contiguous tensor.
    func reductionPlan(_ dim: Int?, _ op: String) throws -> (src: Tensor, outer: Int, n: Int, inner: Int, outShape: [Int]) {
        let src = try contiguous()
        guard let d = dim else { return (src, 1, count, 1, []) }
        try checkDim(d, op)
        let outer = shape[..<d].reduce(1, *), inner = shape[(d + 1)...].reduce(1, *)
        var outShape = shape; outShape.remove(at: d)
        return (src, outer, shape[d], inner, outShape)
    }

    private func keep(_ t: Tensor, _ dim: Int?, _ keepdim: Bool) throws -> Tensor {
        guard keepdim else { return t }
        guard let d = dim else { return try t.reshape([Int](repeating: 1, count: rank)) }
        var sh = shape; sh[d] = 1
        return try t.reshape(sh)
    }

    /// Reduces with `kind`. `unbiased` divides var/std by n−1 instead of n (population is the default).
    public func reduce(_ kind: ReduceKind, dim: Int? = nil, keepdim: Bool = false, unbiased: Bool = false) throws -> Tensor {
        if kind == .max || kind == .min || kind == .argmax || kind == .argmin {
            let (v, i) = try extremum(max: kind == .max || kind == .argmax, dim: dim, keepdim: keepdim)
            return kind == .max || kind == .min ? v : i
        }
        if kind == .sum && dtype == .int64 {
            let p = try reductionPlan(dim, kind.rawValue)
            let out = try Tensor.zeros(p.outShape, dtype: .int64)
            Tensor.sumRows(p.src.base(Int64.self), out.base(Int64.self), p.outer, p.n, p.inner)
            return try keep(out, dim, keepdim)
        }
        if dtype == .float32 && (kind == .sum || kind == .mean) { return try keep(sumFloat32(dim, mean: kind == .mean), dim, keepdim) }
        let resultType: DType = dtype == .float32 ? .float32 : .float64
        let work = try astypeIfNeeded(.float64)
        let p = try work.reductionPlan(dim, kind.rawValue)
        if p.n == 0 && kind != .sum {
            throw TensorError("\(kind.rawValue) of an empty dimension is undefined")
        }
        let out = try Tensor.zeros(p.outShape, dtype: .float64)
        let src = p.src.base(Double.self), dst = out.base(Double.self)
        let (outer, n, inner) = (p.outer, p.n, p.inner)
        switch kind {
        case .sum:
            Tensor.sumRows(src, dst, outer, n, inner)
        case .mean:
            Tensor.sumRows(src, dst, outer, n, inner)
            for i in 0..<out.count { dst[i] /= Double(n) }
        case .variance, .std:
            let denom = Double(unbiased ? n - 1 : n)
            guard denom > 0 else { throw TensorError("unbiased \(kind.rawValue) needs at least two values along the dimension") }
            let mean = try Tensor.zeros(p.outShape, dtype: .float64)
            let m = mean.base(Double.self)
            Tensor.sumRows(src, m, outer, n, inner)
            for i in 0..<mean.count { m[i] /= Double(n) }
            for o in 0..<outer {
                let mo = m + o * inner, d = dst + o * inner
                for k in 0..<n {
                    let row = src + (o * n + k) * inner
                    for j in 0..<inner { let e = row[j] - mo[j]; d[j] += e * e }
                }
            }
            for i in 0..<out.count { dst[i] = kind == .std ? (dst[i] / denom).squareRoot() : dst[i] / denom }
        case .logsumexp:
            for o in 0..<outer {
                for j in 0..<inner {
                    let col = src + o * n * inner + j
                    var mx = -Double.infinity
                    for k in 0..<n { let v = col[k * inner]; if v > mx || v.isNaN { mx = v } }
                    if !mx.isFinite { dst[o * inner + j] = mx; continue }
                    var s = 0.0
                    for k in 0..<n { s += Foundation.exp(col[k * inner] - mx) }
                    dst[o * inner + j] = mx + Foundation.log(s)
                }
            }
        default: break
        }
        return try keep(out.astypeIfNeeded(resultType), dim, keepdim)
    }

    /// float32 sum or mean in float32's own memory (no float64 copy): rows through the blocked
    /// kernel (ouro_sum_f32), columns accumulated in float64; results rounded to float32 once.
    private func sumFloat32(_ dim: Int?, mean: Bool) throws -> Tensor {
        let p = try reductionPlan(dim, mean ? "mean" : "sum")
        if p.n == 0 && mean { throw TensorError("mean of an empty dimension is undefined") }
        let out = try Tensor(uninitialized: p.outShape, dtype: .float32)
        let src = p.src.base(Float.self), dst = out.base(Float.self)
        let scale = mean ? 1 / Double(p.n) : 1
        if p.inner == 1 {
            // Rows of 4096-value blocks; a long row's blocks are summed on all cores (Parallel.blockSums).
            let blocks = (p.n + 4095) / 4096
            for o in 0..<p.outer {
                let row = src + o * p.n, n = p.n
                let s = blocks > 64 ? Parallel.blockSums(blocks) { b in ouro_sum_f32(row + b * 4096, min(4096, n - b * 4096)) }
                                    : ouro_sum_f32(row, n)
                dst[o] = Float(s * scale)
            }
        } else {
            var acc = [Double](repeating: 0, count: p.inner)
            for o in 0..<p.outer {
                for j in 0..<p.inner { acc[j] = 0 }
                for k in 0..<p.n {
                    let row = src + (o * p.n + k) * p.inner
                    for j in 0..<p.inner { acc[j] += Double(row[j]) }
                }
                for j in 0..<p.inner { dst[o * p.inner + j] = Float(acc[j] * scale) }
            }
        }
        return out
    }

    /// Sums the n rows of each outer block (vectorised along inner), in a fixed order.
    private static func sumRows<T: ArithElement>(_ src: UnsafeMutablePointer<T>, _ dst: UnsafeMutablePointer<T>, _ outer: Int, _ n: Int, _ inner: Int) {
        for o in 0..<outer {
            let d = dst + o * inner
            if inner == 1 {
                // Four interleaved accumulators: faster, and still a fixed summation order.
                let row = src + o * n
                var a0 = T.zero, a1 = T.zero, a2 = T.zero, a3 = T.zero
                var k = 0
                while k + 4 <= n {
                    a0 = T.add(a0, row[k]); a1 = T.add(a1, row[k + 1]); a2 = T.add(a2, row[k + 2]); a3 = T.add(a3, row[k + 3])
                    k += 4
                }
                while k < n { a0 = T.add(a0, row[k]); k += 1 }
                d[0] = T.add(T.add(a0, a1), T.add(a2, a3))
                continue
            }
            for j in 0..<inner { d[j] = T.zero }
            for k in 0..<n {
                let row = src + (o * n + k) * inner
                for j in 0..<inner { d[j] = T.add(d[j], row[j]) }
            }
        }
    }

    /// Maximum (or minimum) values and their 0-based indices along `dim` (first occurrence; NaN wins).
    public func extremum(max isMax: Bool, dim: Int?, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let p = try reductionPlan(dim, isMax ? "max" : "min")
        guard p.n > 0 else { throw TensorError("\(isMax ? "max" : "min") of an empty tensor or dimension is undefined") }
        let values = try Tensor(uninitialized: p.outShape, dtype: dtype)
        let indices = try Tensor(uninitialized: p.outShape, dtype: .int64)
        switch dtype {
        case .float64: Tensor.extremumKernel(Double.self, p.src, values, indices, p.outer, p.n, p.inner, isMax)
        case .float32: Tensor.extremumKernel(Float.self, p.src, values, indices, p.outer, p.n, p.inner, isMax)
        case .int64: Tensor.extremumKernel(Int64.self, p.src, values, indices, p.outer, p.n, p.inner, isMax)
        }
        return (try keep(values, dim, keepdim), try keep(indices, dim, keepdim))
    }

    private static func extremumKernel<T: TensorElement>(_: T.Type, _ src: Tensor, _ values: Tensor, _ indices: Tensor,
                                                         _ outer: Int, _ n: Int, _ inner: Int, _ isMax: Bool) {
        let s = src.base(T.self), v = values.base(T.self), ix = indices.base(Int64.self)
        for o in 0..<outer {
            for j in 0..<inner {
                let col = s + o * n * inner + j
                var best = col[0], at = 0
                if best == best {
                    for k in 1..<max(n, 1) {
                        let x = col[k * inner]
                        if x != x { best = x; at = k; break }
                        if isMax ? x > best : x < best { best = x; at = k }
                    }
                }
                v[o * inner + j] = best
                ix[o * inner + j] = Int64(at)
            }
        }
    }

    /// The p-norm along `dim` (or of all elements): p = 2 by default, `.infinity` for max |x|.
    public func norm(_ p: Double = 2, dim: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        guard p >= 0 || p == -.infinity else { throw TensorError("norm: p must be non-negative or ±inf, got \(p)") }
        if (p == 2 || p == 1) && dtype != .int64 {
            // One pass, no temporaries: √Σx² or Σ|x|, accumulated in float64.
            let plan = try astypeIfNeeded(.float64).reductionPlan(dim, "norm")
            let (outer, n, inner) = (plan.outer, plan.n, plan.inner)
            let out = inner == 1 ? try Tensor(uninitialized: plan.outShape, dtype: .float64) : try Tensor.zeros(plan.outShape, dtype: .float64)
            let src = plan.src.base(Double.self), dst = out.base(Double.self)
            let square = p == 2
            if inner == 1 {
                // Along the last dimension: one accumulator per row, the root taken on the way
                // (rows of 2 or 3 values, the toy datasets' points, get unrolled loops).
                if square && n == 2 {
                    for o in 0..<outer { let a = src[2 * o], b = src[2 * o + 1]; dst[o] = (a * a + b * b).squareRoot() }
                } else if square && n == 3 {
                    for o in 0..<outer {
                        let a = src[3 * o], b = src[3 * o + 1], c = src[3 * o + 2]
                        dst[o] = (a * a + b * b + c * c).squareRoot()
                    }
                } else {
                for o in 0..<outer {
                    let row = src + o * n
                    var acc = 0.0
                    if square {
                        for k in 0..<n { acc += row[k] * row[k] }
                        dst[o] = acc.squareRoot()
                    } else {
                        for k in 0..<n { acc += Swift.abs(row[k]) }
                        dst[o] = acc
                    }
                }
                }
            } else {
                for o in 0..<outer {
                    let d = dst + o * inner
                    for k in 0..<n {
                        let row = src + (o * n + k) * inner
                        if square { for j in 0..<inner { d[j] += row[j] * row[j] } } else { for j in 0..<inner { d[j] += Swift.abs(row[j]) } }
                    }
                }
            }
            if p == 2 && inner != 1 { for i in 0..<out.count { dst[i] = dst[i].squareRoot() } }
            let typed = try out.astypeIfNeeded(dtype == .float32 ? .float32 : .float64)
            guard keepdim else { return typed }
            var sh = shape
            if let d = dim { sh[d] = 1 } else { sh = [Int](repeating: 1, count: rank) }
            return try typed.reshape(sh)
        }
        let a = try unary(.abs)
        if p == .infinity { return try a.reduce(.max, dim: dim, keepdim: keepdim).astypeIfNeeded(dtype == .float32 ? .float32 : .float64) }
        if p == -.infinity { return try a.reduce(.min, dim: dim, keepdim: keepdim).astypeIfNeeded(dtype == .float32 ? .float32 : .float64) }
        if p == 0 { return try a.compare(.ne, Tensor(scalar: 0.0)).reduce(.sum, dim: dim, keepdim: keepdim).astype(dtype == .float32 ? .float32 : .float64) }
        if p == 1 { return try a.reduce(.sum, dim: dim, keepdim: keepdim).astypeIfNeeded(dtype == .float32 ? .float32 : .float64) }
        let powered = try a.binary(.pow, Tensor.scalar(p, like: a.dtype == .int64 ? try a.astype(.float64) : a))
        let s = try powered.reduce(.sum, dim: dim, keepdim: keepdim)
        return p == 2 ? try s.unary(.sqrt) : try s.binary(.pow, Tensor.scalar(1 / p, like: s))
    }
}

extension Tensor {
    /// Whether every element lies in [lo, hi] (NaN does not): one pass on all cores, for checks
    /// of inputs such as pixel ranges and probabilities.
    public func allWithin(_ lo: Double, _ hi: Double) throws -> Bool {
        let c = try contiguous()
        var outside: Int32 = 0
        withUnsafeMutablePointer(to: &outside) { flag in
            switch c.dtype {
            case .float32:
                let p = c.base(Float.self), l = Float(lo), h = Float(hi)
                Parallel.forRanges(c.count) { r in
                    var bad: Int32 = 0
                    for i in r { let v = p[i]; bad |= (v >= l && v <= h) ? 0 : 1 }
                    if bad != 0 { flag.pointee = 1 }     // pieces only ever set the flag
                }
            case .float64:
                let p = c.base(Double.self)
                Parallel.forRanges(c.count) { r in
                    var bad: Int32 = 0
                    for i in r { let v = p[i]; bad |= (v >= lo && v <= hi) ? 0 : 1 }
                    if bad != 0 { flag.pointee = 1 }
                }
            case .int64:
                let p = c.base(Int64.self)
                for i in 0..<c.count where !(Double(p[i]) >= lo && Double(p[i]) <= hi) { flag.pointee = 1; break }
            }
        }
        return outside == 0
    }
}
