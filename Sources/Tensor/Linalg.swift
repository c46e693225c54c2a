import CBLAS
import Foundation

/// Dense linear algebra through LAPACK. Inputs of any dtype are computed in float64;
/// float32 inputs give float32 results.
public enum Linalg {
    /// Sets the number of threads OpenBLAS may use.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// A fresh row-major float64 copy of a matrix that LAPACK may overwrite.
    static func workCopy(_ a: Tensor, _ op: String, square: Bool = false) throws -> Tensor {
        guard a.rank == 2 else { throw TensorError("\(op) expects a 2-D matrix, got a \(a.rank)-D tensor of shape \(describeShape(a.shape))") }
        if square && a.shape[0] != a.shape[1] {
            throw TensorError("\(op) expects a square matrix, got \(describeShape(a.shape))")
        }
        guard a.shape.allSatisfy({ $0 < Int(Int32.max) }), a.count < Int(Int32.max) else {
            throw TensorError("\(op): matrices with more than 2^31 entries are not supported by LAPACK")
        }
        let c = try a.astype(.float64)
        for v in UnsafeBufferPointer(start: c.base(Double.self), count: c.count) where !v.isFinite {
            throw TensorError("\(op): the matrix contains NaN or infinite values")
        }
        return c
    }

    static func finish(_ t: Tensor, like a: Tensor) throws -> Tensor {
        a.dtype == .float32 ? try t.astype(.float32) : t
    }

    /// Lower-triangular L with A = L·Lᵀ; fails if A is not (numerically) positive definite.
    public static func cholesky(_ a: Tensor) throws -> Tensor {
        let c = try workCopy(a, "cholesky", square: true)
        let n = c.shape[0]
        if n == 0 { return try finish(c, like: a) }
        guard DenseMatrix.cholesky(c.base(Double.self), n) else {
            throw TensorError("cholesky: the matrix is not positive definite")
        }
        return try finish(c, like: a)
    }

    /// LU factorisation in place; returns pivots. Throws if exactly or numerically singular.
    static func luChecked(_ c: Tensor, _ op: String) throws -> [Int32] {
        let n = c.shape[0]
        var ipiv = [Int32](repeating: 0, count: max(n, 1))
        let p = c.base(Double.self)
        var anorm = 0.0
        for j in 0..<n { var s = 0.0; for i in 0..<n { s += Swift.abs(p[i * n + j]) }; anorm = max(anorm, s) }
        let info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, Int32(n), Int32(n), p, Int32(n), &ipiv)
        if info > 0 { throw TensorError("\(op): the matrix is singular (U(\(info),\(info)) is exactly zero)") }
        guard info == 0 else { throw TensorError("\(op): LAPACK dgetrf failed (info \(info))") }
        var rcond = 0.0
        _ = LAPACKE_dgecon(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "1")), Int32(n), p, Int32(n), anorm, &rcond)
        if rcond < Double.ulpOfOne {
            throw TensorError("\(op): the matrix is singular to working precision (reciprocal condition number \(String(format: "%.3g", rcond)))")
        }
        return ipiv
    }

    /// x with A·x = b, for b a vector (n) or matrix (n×k).
    public static func solve(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let c = try workCopy(a, "solve", square: true)
        let n = c.shape[0]
        guard (b.rank == 1 || b.rank == 2) && b.shape[0] == n else {
            throw TensorError("solve: right-hand side of shape \(describeShape(b.shape)) does not match a \(n)x\(n) matrix (expected \(n) or \(n)xk)")
        }
        let rhs = try b.astype(.float64)
        let k = b.rank == 1 ? 1 : b.shape[1]
        if n == 0 || k == 0 { return try finish(rhs, like: a) }
        var ipiv = try luChecked(c, "solve")
        let info = LAPACKE_dgetrs(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "N")), Int32(n), Int32(k), c.base(Double.self), Int32(n),
                                  &ipiv, rhs.base(Double.self), Int32(k))
        guard info == 0 else { throw TensorError("solve: LAPACK dgetrs failed (info \(info))") }
        return try finish(rhs, like: a.dtype == .float32 && b.dtype == .float32 ? a : rhs)
    }

    /// The inverse of a square, non-singular matrix.
    public static func inv(_ a: Tensor) throws -> Tensor {
        let c = try workCopy(a, "inv", square: true)
        let n = c.shape[0]
        if n == 0 { return try finish(c, like: a) }
        let ipiv = try luChecked(c, "inv")
        let info = LAPACKE_dgetri(LAPACK_ROW_MAJOR, Int32(n), c.base(Double.self), Int32(n), ipiv)
        guard info == 0 else { throw TensorError("inv: LAPACK dgetri failed (info \(info))") }
        return try finish(c, like: a)
    }

    /// log|det A| and the sign of det A (0 with -inf for a singular matrix).
    public static func slogdet(_ a: Tensor) throws -> (sign: Double, logabsdet: Double) {
        let c = try workCopy(a, "logdet", square: true)
        let n = c.shape[0]
        if n == 0 { return (1, 0) }
        var ipiv = [Int32](repeating: 0, count: n)
        let p = c.base(Double.self)
        let info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, Int32(n), Int32(n), p, Int32(n), &ipiv)
        if info > 0 { return (0, -.infinity) }
        guard info == 0 else { throw TensorError("logdet: LAPACK dgetrf failed (info \(info))") }
        var sign = 1.0, s = 0.0
        for i in 0..<n {
            let u = p[i * n + i]
            if u < 0 { sign = -sign }
            if ipiv[i] != Int32(i + 1) { sign = -sign }
            s += Foundation.log(Swift.abs(u))
        }
        return (sign, s)
    }

    /// Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix; only the
    /// lower triangle is read.
    public static func eigh(_ a: Tensor) throws -> (values: Tensor, vectors: Tensor) {
        let c = try workCopy(a, "eigh", square: true)
        let n = c.shape[0]
        let w = try Tensor.zeros([n])
        if n > 0 {
            let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "L")), Int32(n),
                                      c.base(Double.self), Int32(n), w.base(Double.self))
            guard info == 0 else { throw TensorError("eigh: the eigenvalue algorithm failed to converge (info \(info))") }
        }
        return (try finish(w, like: a), try finish(c, like: a))
    }

    /// Thin SVD: U (m×k), singular values (k, descending), Vᵀ (k×n), k = min(m, n).
    public static func svd(_ a: Tensor) throws -> (u: Tensor, s: Tensor, vt: Tensor) {
        let c = try workCopy(a, "svd")
        let (m, n) = (c.shape[0], c.shape[1]), k = min(m, n)
        let u = try Tensor.zeros([m, k]), s = try Tensor.zeros([k]), vt = try Tensor.zeros([k, n])
        if k > 0 {
            let info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "S")), Int32(m), Int32(n), c.base(Double.self), Int32(n),
                                      s.base(Double.self), u.base(Double.self), Int32(k), vt.base(Double.self), Int32(n))
            guard info == 0 else { throw TensorError("svd: the SVD failed to converge (info \(info))") }
        }
        return (u, s, vt)
    }

    /// Moore–Penrose pseudo-inverse; singular values below rcond·σ_max are treated as zero
    /// (default rcond = max(m, n)·ε, as NumPy's matrix_rank).
    public static func pinv(_ a: Tensor, rcond: Double? = nil) throws -> Tensor {
        let (u, s, vt) = try svd(a)
        let (m, n) = (a.shape[0], a.shape[1]), k = min(m, n)
        let sv = s.base(Double.self)
        let cutoff = (rcond ?? Double(max(m, n)) * Double.ulpOfOne) * (k > 0 ? sv[0] : 0)
        // pinv = V · diag(1/s) · Uᵀ
        let vs = try vt.t().contiguous()
        let pv = vs.base(Double.self)
        for i in 0..<n { for j in 0..<k { pv[i * k + j] = sv[j] > cutoff ? pv[i * k + j] / sv[j] : 0 } }
        return try finish(vs.mm(u.t()), like: a)
    }

    /// Least-squares (minimum-norm when under-determined) solution of X·w ≈ y, with the rank of X.
    public static func lstsq(_ x: Tensor, _ y: Tensor, rcond: Double? = nil) throws -> (solution: Tensor, rank: Int) {
        let c = try workCopy(x, "lstsq")
        let (m, n) = (c.shape[0], c.shape[1])
        guard (y.rank == 1 || y.rank == 2) && y.shape[0] == m else {
            throw TensorError("lstsq: targets of shape \(describeShape(y.shape)) do not match \(m) rows of X (expected \(m) or \(m)xk)")
        }
        let k = y.rank == 1 ? 1 : y.shape[1]
        let ldb = max(m, n)
        guard ldb.multipliedReportingOverflow(by: k).partialValue < Int(Int32.max) else {
            throw TensorError("lstsq: right-hand side too large for LAPACK")
        }
        let b = try Tensor.zeros([ldb, k])
        let yy = try y.astype(.float64).reshape([m, k])
        try b.narrow(0, 0, m).copy_(yy)
        var rank: Int32 = 0
        if m > 0 && n > 0 && k > 0 {
            let s = try Tensor.zeros([min(m, n)])
            let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(k), c.base(Double.self), Int32(n),
                                      b.base(Double.self), Int32(k), s.base(Double.self),
                                      rcond ?? Double(max(m, n)) * Double.ulpOfOne, &rank)
            guard info == 0 else { throw TensorError("lstsq: the SVD failed to converge (info \(info))") }
        }
        var sol = try b.narrow(0, 0, n).contiguous()
        if y.rank == 1 { sol = try sol.reshape([n]) }
        return (try finish(sol, like: x), Int(rank))
    }
}

extension Linalg {
    /// Solves L·X = B for lower-triangular L (n×n) and B (n×k or n), without checking for
    /// singularity (callers pass a Cholesky factor). float64 only.
    public static func solveLowerTriangular(_ l: Tensor, _ b: Tensor) throws -> Tensor {
        guard l.rank == 2, l.shape[0] == l.shape[1], l.dtype == .float64 else { throw TensorError("solveLowerTriangular: expects a square float64 matrix") }
        let n = l.shape[0]
        guard (b.rank == 1 || b.rank == 2), b.shape[0] == n else { throw TensorError("solveLowerTriangular: right-hand side does not match") }
        let lc = try l.contiguous()
        let x = try b.astype(.float64)
        let k = b.rank == 1 ? 1 : b.shape[1]
        guard Int32(exactly: n) != nil, Int32(exactly: k) != nil else { throw TensorError("solveLowerTriangular: too large for BLAS") }
        DenseMatrix.solveLower(lc.base(Double.self), x.base(Double.self), n, k)
        return x
    }
}
