import CLua
import Tensor

/// `ouro.linalg.*`: LAPACK-backed linear algebra.
enum LinalgBindings {
    static let functions: [Binding] = [
        Binding("gemm", "gemm(A, B, C, {alpha=1, beta=0, trans_a=false, trans_b=false}) — C = alpha·op(A)·op(B) + beta·C in place (op transposes when asked), one BLAS call into C's memory: how gradients accumulate without allocating. 2-D float tensors of one dtype; returns C.") { a in
            let x = try a.tensor(1), y = try a.tensor(2), c = try a.tensor(3)
            try a.checkOptions(4, ["alpha", "beta", "trans_a", "trans_b"])
            if GradMode.isEnabled && (c.requiresGrad || x.requiresGrad || y.requiresGrad) {
                throw a.fail("gemm writes into C in place, which autograd cannot record; use mm, or ouro.no_grad")
            }
            try Tensor.gemm(x, transA: try a.optBoolField(4, "trans_a", false), y, transB: try a.optBoolField(4, "trans_b", false),
                            into: c, alpha: try a.optNumberField(4, "alpha") ?? 1, beta: try a.optNumberField(4, "beta") ?? 0)
            lua_pushvalue(a.lua.L, 3); return 1
        },
        Binding("cholesky", "cholesky(A) — lower-triangular L with A = L·Lᵀ; an error if A is not positive definite.") { a in
            a.push(try Linalg.cholesky(try a.tensor(1)))
        },
        Binding("solve", "solve(A, b) — x with A·x = b (b a vector or a matrix); an error if A is singular.") { a in
            a.push(try Linalg.solve(try a.tensor(1), try a.tensor(2)))
        },
        Binding("inv", "inv(A) — the inverse of a square matrix; an error if A is singular.") { a in
            a.push(try Linalg.inv(try a.tensor(1)))
        },
        Binding("logdet", "logdet(A) — log det A, and the sign of det A as a second result (-inf, 0 when A is singular; NaN when det < 0).") { a in
            let (s, l) = try Linalg.slogdet(try a.tensor(1))
            a.lua.push(s < 0 ? Double.nan : l)
            a.lua.push(s)
            return 2
        },
        Binding("eigh", "eigh(A) — eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix.") { a in
            let (w, v) = try Linalg.eigh(try a.tensor(1))
            a.push(w); a.push(v); return 2
        },
        Binding("svd", "svd(A) — thin SVD: U, singular values (descending), Vᵀ.") { a in
            let (u, s, vt) = try Linalg.svd(try a.tensor(1))
            a.push(u); a.push(s); a.push(vt); return 3
        },
        Binding("pinv", "pinv(A, rcond?) — Moore–Penrose pseudo-inverse (singular values below rcond·σmax dropped).") { a in
            let rc: Double? = a.lua.isNoneOrNil(2) ? nil : try a.number(2)
            return a.push(try Linalg.pinv(try a.tensor(1), rcond: rc))
        },
        Binding("lstsq", "lstsq(X, y, rcond?) — least-squares solution of X·w ≈ y (minimum norm when under-determined), and the rank of X.") { a in
            let rc: Double? = a.lua.isNoneOrNil(3) ? nil : try a.number(3)
            let (w, r) = try Linalg.lstsq(try a.tensor(1), try a.tensor(2), rcond: rc)
            a.push(w); a.lua.push(r); return 2
        },
    ]
}
