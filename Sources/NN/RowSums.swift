import CKernels
import Tensor

/// The sums normalisations and bias gradients take, in float64: float32 rows in fixed lanes
/// (CKernels), float64 in order. Each is a fixed function of its row, whichever core runs it.
enum RowSums {
    /// Σ x over n values.
    @inline(__always)
    static func sum<T: FloatElement>(_ x: UnsafeMutablePointer<T>, _ n: Int) -> Double {
        if T.self == Float.self { return x.withMemoryRebound(to: Float.self, capacity: n) { ouro_sum_f32($0, n) } }
        var s = 0.0
        for j in 0..<n { s += x[j].asDouble }
        return s
    }

    /// The mean and variance (biased) of n values.
    @inline(__always)
    static func moments<T: FloatElement>(_ x: UnsafeMutablePointer<T>, _ n: Int) -> (mean: Double, variance: Double) {
        let mean = sum(x, n) / Double(n)
        if T.self == Float.self { return (mean, x.withMemoryRebound(to: Float.self, capacity: n) { ouro_sum_sq_dev_f32($0, n, mean) } / Double(n)) }
        var v = 0.0
        for j in 0..<n { let e = x[j].asDouble - mean; v += e * e }
        return (mean, v / Double(n))
    }

    /// Σ g and Σ g·h over n values.
    @inline(__always)
    static func sumAndDot<T: FloatElement>(_ g: UnsafeMutablePointer<T>, _ h: UnsafeMutablePointer<T>, _ n: Int) -> (g: Double, gh: Double) {
        if T.self == Float.self {
            var out = (0.0, 0.0)
            g.withMemoryRebound(to: Float.self, capacity: n) { pg in h.withMemoryRebound(to: Float.self, capacity: n) { ph in
                withUnsafeMutablePointer(to: &out) { $0.withMemoryRebound(to: Double.self, capacity: 2) { ouro_sum_and_dot_f32(pg, ph, n, $0) } }
            } }
            return out
        }
        var a = 0.0, b = 0.0
        for j in 0..<n { a += g[j].asDouble; b += g[j].asDouble * h[j].asDouble }
        return (a, b)
    }

    /// body(p) for every plane p of `count`, each about `length` values of work, on all cores,
    /// collected in order.
    static func perPlane<R>(_ count: Int, length: Int, zero: R, _ body: (Int) -> R) -> [R] {
        var out = [R](repeating: zero, count: count)
        out.withUnsafeMutableBufferPointer { buf in
            guard let o = buf.baseAddress else { return }
            Parallel.forRanges(count, grain: max(1, Parallel.grain / max(length, 1))) { range in for p in range { o[p] = body(p) } }
        }
        return out
    }

    /// Per-channel totals of per-(image, channel) values, the images added in order.
    static func channelTotals(_ planes: [Double], channels c: Int) -> [Double] {
        let n = c == 0 ? 0 : planes.count / c
        var totals = [Double](repeating: 0, count: c)
        for img in 0..<n { for ch in 0..<c { totals[ch] += planes[img * c + ch] } }
        return totals
    }
}
