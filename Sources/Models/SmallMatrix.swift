import CBLAS
import Foundation

/// Dense d×d helpers on row-major [Double] for the per-generation fits of small models, where
/// tensor bookkeeping would cost more than the arithmetic. Nothing here traps: sizes are the
/// caller's own (d from fitted data), and LAPACK failures come back as nil.
enum SmallMatrix {
    /// Lower Cholesky factor, or nil if the matrix is not positive definite.
    static func cholesky(_ a: [Double], _ d: Int) -> [Double]? {
        guard d > 0 else { return [] }
        var l = a
        let info = l.withUnsafeMutableBufferPointer { p in
            LAPACKE_dpotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), Int32(d), p.baseAddress, Int32(d))
        }
        guard info == 0 else { return nil }
        for i in 0..<d { for j in (i + 1)..<max(d, i + 1) { l[i * d + j] = 0 } }
        return l
    }

    /// log det A from its Cholesky factor.
    static func logdet(cholesky l: [Double], _ d: Int) -> Double {
        var s = 0.0
        for i in 0..<d { s += Foundation.log(l[i * d + i]) }
        return 2 * s
    }

    /// Solves L·X = B in place (B is d×k row-major).
    static func solveLower(_ l: [Double], _ b: inout [Double], _ d: Int, _ k: Int) {
        guard d > 0, k > 0 else { return }
        l.withUnsafeBufferPointer { lp in
            b.withUnsafeMutableBufferPointer { bp in
                cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, Int32(d), Int32(k), 1.0,
                            lp.baseAddress, Int32(d), bp.baseAddress, Int32(k))
            }
        }
    }

    static func trace(_ a: [Double], _ d: Int) -> Double { (0..<d).reduce(0) { $0 + a[$1 * d + $1] } }

    /// Column means and the centred scatter matrix Σ (x − x̄)(x − x̄)ᵀ of n×d row-major data.
    static func meanAndScatter(_ x: UnsafePointer<Double>, _ n: Int, _ d: Int) -> (mean: [Double], scatter: [Double]) {
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += x[i * d + j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        var c = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for j in 0..<d { c[i * d + j] = x[i * d + j] - mean[j] } }
        var s = [Double](repeating: 0, count: d * d)
        c.withUnsafeBufferPointer { cp in
            s.withUnsafeMutableBufferPointer { sp in
                // Only the lower triangle (symmetric rank-k update), then mirrored.
                cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(d), Int32(n), 1.0,
                            cp.baseAddress, Int32(d), 0.0, sp.baseAddress, Int32(d))
            }
        }
        for i in 0..<d { for j in (i + 1)..<max(d, i + 1) { s[i * d + j] = s[j * d + i] } }
        return (mean, s)
    }
}
