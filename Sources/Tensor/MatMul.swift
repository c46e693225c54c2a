import CBLAS
import Foundation

/// Matrix products. `gemm` is the one entry to BLAS (C = α·op(A)·op(B) + β·C, so gradients can
/// accumulate in place); `mm` multiplies tensors of any rank, batched and broadcast over the
/// leading dimensions as NumPy's `matmul` does.
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

    /// Matrix product of any rank: 1-D operands are vectors (as in NumPy), 2-D are matrices, and
    /// higher ranks are stacks of matrices whose leading dimensions broadcast together.
    public func mm(_ other: Tensor) throws -> Tensor { try mm(other, into: nil) }

    /// `mm` written into `out` (no allocation) when given: out must have the product's shape and
    /// dtype, contiguous rows, and share no memory with the operands. Returns the product.
    @discardableResult
    public func mm(_ other: Tensor, into given: Tensor?) throws -> Tensor {
        let dt = DType.promote(dtype, other.dtype)
        let a = try astypeIfNeeded(dt), b = try other.astypeIfNeeded(dt)
        guard a.rank >= 1, b.rank >= 1 else {
            throw TensorError("mm: needs tensors of at least one dimension, got \(describeShape(a.shape)) and \(describeShape(b.shape))")
        }
        if a.rank == 1 && b.rank == 1 { return try a.unsqueeze(0).mm(b.unsqueeze(1), into: given?.reshape([1, 1])).reshape([]) }
        if a.rank == 1 { let r = try a.unsqueeze(0).mm(b, into: given?.unsqueeze(given!.rank - 1)); return try r.squeeze(r.rank - 2) }
        if b.rank == 1 { let r = try a.mm(b.unsqueeze(1), into: given?.unsqueeze(given!.rank)); return try r.squeeze(r.rank - 1) }
        let (m, k) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (k2, n) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        guard k == k2 else {
            throw TensorError("mm: shapes \(describeShape(a.shape)) and \(describeShape(b.shape)) do not match (\(k) columns vs \(k2) rows)")
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        guard let batch = broadcastShapes(batchA, batchB) else {
            throw TensorError("mm: the batch dimensions of \(describeShape(a.shape)) and \(describeShape(b.shape)) cannot be broadcast together")
        }
        let out: Tensor
        if let o = given {
            guard o.shape == batch + [m, n], o.dtype == dt else {
                throw TensorError("mm: out is \(o.dtype.rawValue) \(describeShape(o.shape)), the product of \(describeShape(a.shape)) and \(describeShape(b.shape)) is \(dt.rawValue) \(describeShape(batch + [m, n]))")
            }
            guard o.storage !== a.storage, o.storage !== b.storage else {
                throw TensorError("mm: out shares memory with an operand; BLAS cannot write over its own input")
            }
            guard o.strides.last == 1 || n == 1, o.isContiguous || batch.isEmpty else {
                throw TensorError("mm: out must be contiguous")
            }
            out = o
        } else {
            out = try Tensor(uninitialized: batch + [m, n], dtype: dt)
        }
        if batch.isEmpty {
            try Tensor.gemm(a, b, into: out)
            return out
        }
        let ae = try a.expand(batch + [m, k]), be = try b.expand(batch + [k, n])
        let count = batch.reduce(1, *)
        // Walk the batch in row-major order; each step is one BLAS call on views.
        var idx = [Int](repeating: 0, count: batch.count)
        for _ in 0..<count {
            var oa = ae.offset, ob = be.offset, oo = out.offset
            for d in 0..<batch.count { oa += idx[d] * ae.strides[d]; ob += idx[d] * be.strides[d]; oo += idx[d] * out.strides[d] }
            try Tensor.gemm(Tensor(storage: ae.storage, shape: [m, k], strides: Array(ae.strides.suffix(2)), offset: oa),
                            Tensor(storage: be.storage, shape: [k, n], strides: Array(be.strides.suffix(2)), offset: ob),
                            into: Tensor(storage: out.storage, shape: [m, n], strides: [n, 1], offset: oo))
            var d = batch.count - 1
            while d >= 0 { idx[d] += 1; if idx[d] < batch[d] { break }; idx[d] = 0; d -= 1 }
        }
        return out
    }

    /// out = a · b for 2-D tensors of one dtype.
    static func gemm(_ a: Tensor, _ b: Tensor, into out: Tensor) throws {
        try gemm(a, b, into: out, alpha: 1, beta: 0)
    }

    /// C = α · op(A) · op(B) + β · C for 2-D float tensors of one dtype, where op transposes when
    /// asked. C's rows must be contiguous (stride 1 along its second dimension); A and B may be
    /// any 2-D views (transposed views are passed to BLAS as transposes, others are copied).
    /// With β = 0, C's previous contents are ignored (NaN in C does not leak through).
    public static func gemm(_ a0: Tensor, transA: Bool = false, _ b0: Tensor, transB: Bool = false,
                            into out: Tensor, alpha: Double = 1, beta: Double = 0) throws {
        guard a0.rank == 2, b0.rank == 2, out.rank == 2 else {
            throw TensorError("gemm: needs 2-D operands, got \(describeShape(a0.shape)), \(describeShape(b0.shape)) into \(describeShape(out.shape))")
        }
        let (m, k) = transA ? (a0.shape[1], a0.shape[0]) : (a0.shape[0], a0.shape[1])
        let (k2, n) = transB ? (b0.shape[1], b0.shape[0]) : (b0.shape[0], b0.shape[1])
        guard k == k2, out.shape == [m, n] else {
            throw TensorError("gemm: op(A) is \(m)×\(k) and op(B) is \(k2)×\(n), which cannot go into \(describeShape(out.shape))")
        }
        guard a0.dtype == out.dtype, b0.dtype == out.dtype else { throw TensorError("gemm: operands must share one dtype") }
        if m == 0 || n == 0 { return }
        if k == 0 || (alpha == 0) {
            if beta == 0 { try out.fill_(0) } else if beta != 1 { try out.binary_(.mul, Tensor.scalar(beta, like: out)) }
            return
        }
        if a0.dtype == .int64 { return try intMatmul(transA ? a0.t() : a0, transB ? b0.t() : b0, out, alpha: alpha, beta: beta) }
        guard out.strides[1] == 1 || n == 1 else { throw TensorError("gemm: the output's rows must be contiguous") }
        try out.checkWritable("gemm")
        var a = a0, b = b0
        var la = a.blasLayout(), lb = b.blasLayout()
        if la == nil { a = try a.clone(); la = a.blasLayout() }
        if lb == nil { b = try b.clone(); lb = b.blasLayout() }
        guard let lay = la, let lby = lb else { throw TensorError("mm: internal layout error") }
        let ta = (lay.trans != transA) ? CblasTrans : CblasNoTrans, tb = (lby.trans != transB) ? CblasTrans : CblasNoTrans
        let ldc = max(out.strides[0], n, 1)
        guard let m32 = Int32(exactly: m), let n32 = Int32(exactly: n), let k32 = Int32(exactly: k),
              let lda = Int32(exactly: lay.ld), let ldb = Int32(exactly: lby.ld), let ldc32 = Int32(exactly: ldc) else {
            throw TensorError("mm: dimensions beyond 2^31 are not supported by BLAS")
        }
        // Large products use every core without changing a bit: C is cut into blocks of rows (or of
        // columns, when it is short and wide), at most two of at least 256, each one single-threaded
        // BLAS call (two: one extra packing of the shared operand, ~3% on one core). The cut depends on
        // the shape alone — never on the thread count — because BLAS itself is not invariant to
        // where a block starts; threads only decide how many blocks run at once. (A multi-threaded
        // BLAS, OURO_BLAS_THREADS > 1, splits its own way and gets one call.)
        let work = Double(m) * Double(n) * Double(k)
        let byRows = m >= n
        let span = byRows ? m : n
        let pieces = work >= 4e6 && Linalg.threads == 1 ? max(1, min(2, span / 256)) : 1
        let cuts = (0...pieces).map { $0 == pieces ? span : (span * $0 / pieces) / 64 * 64 }
        let size = out.dtype.size
        let pa = UnsafeMutableRawPointer(a.storage.bytes + a.offset * size)
        let pb = UnsafeMutableRawPointer(b.storage.bytes + b.offset * size)
        let pc = UnsafeMutableRawPointer(out.storage.bytes + out.offset * size)
        let aTrans = ta == CblasTrans, bTrans = tb == CblasTrans
        let isDouble = out.dtype == .float64
        func block(_ lo: Int, _ hi: Int) {
            guard hi > lo else { return }
            // The block's first element of A, B and C (row block: rows lo..<hi of op(A) and C; column block: columns of op(B) and C).
            let ao = byRows ? (aTrans ? lo : lo * lay.ld) : 0
            let bo = byRows ? 0 : (bTrans ? lo * lby.ld : lo)
            let co = byRows ? lo * ldc : lo
            let mm = Int32(byRows ? hi - lo : m), nn = Int32(byRows ? n : hi - lo)
            if isDouble {
                cblas_dgemm(CblasRowMajor, ta, tb, mm, nn, k32, alpha, pa.assumingMemoryBound(to: Double.self) + ao, lda,
                            pb.assumingMemoryBound(to: Double.self) + bo, ldb, beta, pc.assumingMemoryBound(to: Double.self) + co, ldc32)
            } else {
                cblas_sgemm(CblasRowMajor, ta, tb, mm, nn, k32, Float(alpha), pa.assumingMemoryBound(to: Float.self) + ao, lda,
                            pb.assumingMemoryBound(to: Float.self) + bo, ldb, Float(beta), pc.assumingMemoryBound(to: Float.self) + co, ldc32)
            }
        }
        _ = m32; _ = n32
        if pieces == 1 { block(0, span); return }
        Parallel.run(pieces) { i in block(cuts[i], cuts[i + 1]) }
    }

    private static func intMatmul(_ a: Tensor, _ b: Tensor, _ out: Tensor, alpha: Double, beta: Double) throws {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        let pa = a.base(Int64.self), pb = b.base(Int64.self), po = out.base(Int64.self)
        let al = Int64(alpha), be = Int64(beta)
        for i in 0..<m {
            let orow = po + i * out.strides[0]
            var acc = [Int64](repeating: 0, count: n)
            for p in 0..<k {
                let x = pa[i * a.strides[0] + p * a.strides[1]]
                for j in 0..<n { acc[j] = acc[j] &+ x &* pb[p * b.strides[0] + j * b.strides[1]] }
            }
            for j in 0..<n { orow[j * out.strides[1]] = al &* acc[j] &+ (be == 0 ? 0 : be &* orow[j * out.strides[1]]) }
        }
    }
}

extension Tensor {
    /// C = α·op(A)·op(B) + β·C on raw row-major buffers of Float or Double, as one single-threaded
    /// BLAS call: for kernels that work on blocks of their own tensors (an attention head's rows
    /// inside a B×T×3C tensor), where building a view per block would cost more than the product.
    public static func gemm<T: FloatElement>(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                                             _ a: UnsafePointer<T>, lda: Int, _ b: UnsafePointer<T>, ldb: Int,
                                             beta: Double, _ c: UnsafeMutablePointer<T>, ldc: Int) {
        let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
        let (m32, n32, k32) = (Int32(m), Int32(n), Int32(k)), (la, lb, lc) = (Int32(lda), Int32(ldb), Int32(ldc))
        if T.self == Float.self {
            a.withMemoryRebound(to: Float.self, capacity: 1) { pa in b.withMemoryRebound(to: Float.self, capacity: 1) { pb in
                c.withMemoryRebound(to: Float.self, capacity: 1) { pc in
                    cblas_sgemm(CblasRowMajor, ta, tb, m32, n32, k32, Float(alpha), pa, la, pb, lb, Float(beta), pc, lc)
                } } }
        } else {
            a.withMemoryRebound(to: Double.self, capacity: 1) { pa in b.withMemoryRebound(to: Double.self, capacity: 1) { pb in
                c.withMemoryRebound(to: Double.self, capacity: 1) { pc in
                    cblas_dgemm(CblasRowMajor, ta, tb, m32, n32, k32, alpha, pa, la, pb, lb, beta, pc, lc)
                } } }
        }
    }
}
