import CBLAS

extension Tensor {
    /// How BLAS can read a 2-D view without copying: row-major with a leading dimension, or
    /// the transpose of one. Nil means the view must be copied first.
    private func blasLayout() -> (trans: Bool, ld: Int)? {
        guard rank == 2 else { return nil }
        let (r, c) = (shape[0], shape[1])
        if strides[1] == 1 && strides[0] >= max(c, 1) { return (false, strides[0]) }
        if strides[0] == 1 && strides[1] >= max(r, 1) { return (true, strides[1]) }
        if r <= 1 && strides[1] == 1 { return (false, max(c, 1)) }
        if c <= 1 && strides[0] == 1 { return (true, max(r, 1)) }
        return nil
    }

    /// Matrix product: 2-D × 2-D, 2-D × 1-D, 1-D × 2-D, and batched 3-D × 3-D (or 3-D with 2-D,
    /// which is broadcast across the batch). float32/float64 go through BLAS gemm.
    public func mm(_ other: Tensor) throws -> Tensor {
        let dt = DType.promote(dtype, other.dtype)
        let a = try astypeIfNeeded(dt), b = try other.astypeIfNeeded(dt)
        switch (a.rank, b.rank) {
        case (2, 2):
            guard a.shape[1] == b.shape[0] else {
                throw TensorError("mm: shapes \(describeShape(a.shape)) and \(describeShape(b.shape)) do not match (\(a.shape[1]) columns vs \(b.shape[0]) rows)")
            }
            let out = try Tensor(uninitialized: [a.shape[0], b.shape[1]], dtype: dt)
            try Tensor.gemm(a, b, into: out)
            return out
        case (2, 1):
            return try a.mm(b.reshape([b.shape[0], 1])).reshape([a.shape[0]])
        case (1, 2):
            return try a.reshape([1, a.shape[0]]).mm(b).reshape([b.shape[1]])
        case (3, 3), (3, 2), (2, 3):
            let batch = a.rank == 3 ? a.shape[0] : b.shape[0]
            if a.rank == 3 && b.rank == 3 && a.shape[0] != b.shape[0] {
                throw TensorError("mm: batch sizes differ (\(a.shape[0]) vs \(b.shape[0]))")
            }
            let (m, k) = a.rank == 3 ? (a.shape[1], a.shape[2]) : (a.shape[0], a.shape[1])
            let (k2, n) = b.rank == 3 ? (b.shape[1], b.shape[2]) : (b.shape[0], b.shape[1])
            guard k == k2 else {
                throw TensorError("mm: shapes \(describeShape(a.shape)) and \(describeShape(b.shape)) do not match (\(k) columns vs \(k2) rows)")
            }
            let out = try Tensor(uninitialized: [batch, m, n], dtype: dt)
            for i in 0..<batch {
                try Tensor.gemm(a.rank == 3 ? a.select(0, i) : a, b.rank == 3 ? b.select(0, i) : b, into: out.select(0, i))
            }
            return out
        default:
            throw TensorError("mm: unsupported operand ranks \(a.rank)-D and \(b.rank)-D (expected 1-D, 2-D or 3-D)")
        }
    }

    /// out = a · b for 2-D tensors of one dtype; out is contiguous.
    private static func gemm(_ a0: Tensor, _ b0: Tensor, into out: Tensor) throws {
        let (m, k, n) = (a0.shape[0], a0.shape[1], b0.shape[1])
        if m == 0 || n == 0 { return }
        if k == 0 { try out.fill_(0); return }
        if a0.dtype == .int64 { return try intMatmul(a0, b0, out) }
        var a = a0, b = b0
        var la = a.blasLayout(), lb = b.blasLayout()
        if la == nil { a = try a.clone(); la = a.blasLayout() }
        if lb == nil { b = try b.clone(); lb = b.blasLayout() }
        guard let lay = la, let lby = lb else { throw TensorError("mm: internal layout error") }
        let ta = lay.trans ? CblasTrans : CblasNoTrans, tb = lby.trans ? CblasTrans : CblasNoTrans
        guard let m32 = Int32(exactly: m), let n32 = Int32(exactly: n), let k32 = Int32(exactly: k),
              Int32(exactly: lay.ld) != nil, Int32(exactly: lby.ld) != nil, Int32(exactly: out.strides[0]) != nil else {
            throw TensorError("mm: dimensions beyond 2^31 are not supported by BLAS")
        }
        if a.dtype == .float64 {
            cblas_dgemm(CblasRowMajor, ta, tb, m32, n32, k32, 1.0, a.base(Double.self), Int32(lay.ld),
                        b.base(Double.self), Int32(lby.ld), 0.0, out.base(Double.self), Int32(out.strides[0]))
        } else {
            cblas_sgemm(CblasRowMajor, ta, tb, m32, n32, k32, 1.0, a.base(Float.self), Int32(lay.ld),
                        b.base(Float.self), Int32(lby.ld), 0.0, out.base(Float.self), Int32(out.strides[0]))
        }
    }

    private static func intMatmul(_ a: Tensor, _ b: Tensor, _ out: Tensor) throws {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        let pa = a.base(Int64.self), pb = b.base(Int64.self), po = out.base(Int64.self)
        for i in 0..<m {
            let orow = po + i * out.strides[0]
            for j in 0..<n { orow[j] = 0 }
            for p in 0..<k {
                let x = pa[i * a.strides[0] + p * a.strides[1]]
                for j in 0..<n { orow[j] = orow[j] &+ x &* pb[p * b.strides[0] + j * b.strides[1]] }
            }
        }
    }
}
