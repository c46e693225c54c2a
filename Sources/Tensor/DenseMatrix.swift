import CBLAS
import Foundation

/// Dense row-major float64 matrix kernels on raw buffers: the one place that calls BLAS/LAPACK for
/// Cholesky factors, triangular solves and products, and scatter matrices. `Linalg` uses them on
/// tensors; small models (a d×d covariance refitted every generation, where tensor bookkeeping
/// would cost more than the arithmetic) use them on `[Double]`. Sizes are the callers' own (from
/// data already checked); failures come back as `false`/nil, never a trap.
public enum DenseMatrix {
    /// A = L·Lᵀ in place (the lower triangle; the upper one zeroed). False if A is not positive definite.
    public static func cholesky(_ a: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
        guard n > 0 else { return true }
        guard let n32 = Int32(exactly: n) else { return false }
        guard LAPACKE_dpotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), n32, a, n32) == 0 else { return false }
        for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { a[i * n + j] = 0 } }
        return true
    }

    /// The lower Cholesky factor of a d×d matrix, or nil if it is not positive definite.
    public static func cholesky(_ a: [Double], _ d: Int) -> [Double]? {
        var l = a
        let ok = l.withUnsafeMutableBufferPointer { p in p.baseAddress.map { cholesky($0, d) } ?? (d == 0) }
        return ok ? l : nil
    }

    /// log det A from its Cholesky factor.
    public static func logdet(cholesky l: [Double], _ d: Int) -> Double {
        var s = 0.0
        for i in 0..<d { s += Foundation.log(l[i * d + i]) }
        return 2 * s
    }

    public static func trace(_ a: [Double], _ d: Int) -> Double { (0..<d).reduce(0) { $0 + a[$1 * d + $1] } }

    /// Solves L·X = B in place (L n×n lower triangular, B n×k).
    public static func solveLower(_ l: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ n: Int, _ k: Int) {
        guard n > 0, k > 0, let n32 = Int32(exactly: n), let k32 = Int32(exactly: k) else { return }
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n32, k32, 1.0, l, n32, b, k32)
    }

    public static func solveLower(_ l: [Double], _ b: inout [Double], _ d: Int, _ k: Int) {
        l.withUnsafeBufferPointer { lp in
            b.withUnsafeMutableBufferPointer { bp in
                if let lb = lp.baseAddress, let bb = bp.baseAddress { solveLower(lb, bb, d, k) }
            }
        }
    }

    /// Z ← Z·Lᵀ in place for L d×d lower triangular and Z n×d.
    public static func multiplyByTransposeOfLower(_ z: UnsafeMutablePointer<Double>, rows n: Int, _ l: [Double], _ d: Int) {
        guard n > 0, d > 0, let n32 = Int32(exactly: n), let d32 = Int32(exactly: d) else { return }
        l.withUnsafeBufferPointer { f in
            cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, n32, d32, 1.0, f.baseAddress, d32, z, d32)
        }
    }

    /// X ← X + Z·Fᵀ for Z n×d and F d×d.
    public static func addProductWithTranspose(_ z: UnsafePointer<Double>, rows n: Int, _ f: [Double], _ d: Int, into x: UnsafeMutablePointer<Double>) {
        guard n > 0, d > 0, let n32 = Int32(exactly: n), let d32 = Int32(exactly: d) else { return }
        f.withUnsafeBufferPointer { fp in
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n32, d32, d32, 1.0, z, d32, fp.baseAddress, d32, 1.0, x, d32)
        }
    }

    /// Column means and the centred scatter matrix Σ (x − x̄)(x − x̄)ᵀ of n×d row-major data.
    public static func meanAndScatter(_ x: UnsafePointer<Double>, _ n: Int, _ d: Int) -> (mean: [Double], scatter: [Double]) {
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += x[i * d + j] } }
        for j in 0..<d { mean[j] /= Double(max(n, 1)) }
        var c = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for j in 0..<d { c[i * d + j] = x[i * d + j] - mean[j] } }
        var s = [Double](repeating: 0, count: d * d)
        if n > 0, d > 0, let n32 = Int32(exactly: n), let d32 = Int32(exactly: d) {
            c.withUnsafeBufferPointer { cp in
                s.withUnsafeMutableBufferPointer { sp in
                    // Only the lower triangle (symmetric rank-k update), then mirrored.
                    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, d32, n32, 1.0, cp.baseAddress, d32, 0.0, sp.baseAddress, d32)
                }
            }
        }
        for i in 0..<d { for j in (i + 1)..<max(d, i + 1) { s[i * d + j] = s[j * d + i] } }
        return (mean, s)
    }
}
