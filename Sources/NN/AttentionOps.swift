import Autograd
import CKernels
import Foundation
import Tensor

/// Causal multi-head self-attention as one fused op with a hand-written backward pass.
///
/// Input: `qkv`, B × T × 3C — the query, key and value projections side by side (as GPT-2's
/// `c_attn` makes them); head h reads columns h·d ..< (h+1)·d of each third (d = C / heads).
/// Output: B × T × C, the heads side by side, ready for the output projection.
///
///   forward:  S = Q·Kᵀ/√d,  P = softmax(S) over j ≤ i (0 above the diagonal),  O = P·V
///   backward: dP = dO·Vᵀ,  dV = Pᵀ·dO,  dS = P ⊙ (dP − rowsum(P ⊙ dP)),  dQ = dS·K/√d,  dK = dSᵀ·Q/√d
///
/// P is saved for the backward pass (B·H·T² values). Each (batch, head) pair is independent: pairs
/// run on all cores and each is computed the same way whatever the split.
public enum Attention {
    public static func causal(_ qkv0: Tensor, heads: Int) throws -> Tensor {
        guard qkv0.rank == 3 else { throw TensorError("attention: expected qkv of shape batch × time × 3·dim, got \(describeShape(qkv0.shape))") }
        let (b, t, c3) = (qkv0.shape[0], qkv0.shape[1], qkv0.shape[2])
        guard heads >= 1, c3 % (3 * heads) == 0 else {
            throw TensorError("attention: the last dimension \(c3) of qkv \(describeShape(qkv0.shape)) must be 3 × dim with dim divisible by the \(heads) heads")
        }
        guard qkv0.dtype.isFloatingPoint else { throw TensorError("attention needs a floating-point input") }
        let qkv = try qkv0.contiguous()
        let c = c3 / 3
        let out = try Tensor(uninitialized: [b, t, c], dtype: qkv.dtype)
        let probs = try Tensor(uninitialized: [b, heads, t, t], dtype: qkv.dtype)
        if qkv.dtype == .float64 { forward(qkv.base(Double.self), out.base(Double.self), probs.base(Double.self), b, t, c, heads) }
        else { forward(qkv.base(Float.self), out.base(Float.self), probs.base(Float.self), b, t, c, heads) }
        guard Autograd.tracking(qkv0) else { return out }
        let dt = qkv.dtype
        return Autograd.record(out, "attention", [qkv0]) { g0 in
            let g = try g0.astypeIfNeeded(dt).contiguous()
            let dqkv = try Tensor(uninitialized: [b, t, c3], dtype: dt)
            let scratch = try Tensor(uninitialized: [b, heads, t, t], dtype: dt)
            if dt == .float64 { backward(qkv.base(Double.self), probs.base(Double.self), g.base(Double.self), dqkv.base(Double.self), scratch.base(Double.self), b, t, c, heads) }
            else { backward(qkv.base(Float.self), probs.base(Float.self), g.base(Float.self), dqkv.base(Float.self), scratch.base(Float.self), b, t, c, heads) }
            return [dqkv]
        }
    }

    static func forward<T: FloatElement>(_ qkv: UnsafeMutablePointer<T>, _ out: UnsafeMutablePointer<T>, _ probs: UnsafeMutablePointer<T>,
                                         _ b: Int, _ t: Int, _ c: Int, _ heads: Int) {
        let d = c / heads, scale = 1 / Double(d).squareRoot()
        Parallel.run(b * heads) { piece in
            let (n, h) = (piece / heads, piece % heads)
            let q = qkv + n * t * 3 * c + h * d, k = q + c, v = q + 2 * c
            let p = probs + piece * t * t
            Tensor.gemm(false, true, m: t, n: t, k: d, alpha: scale, q, lda: 3 * c, k, ldb: 3 * c, beta: 0, p, ldc: t)
            softmaxCausal(p, t)
            Tensor.gemm(false, false, m: t, n: d, k: t, alpha: 1, p, lda: t, v, ldb: 3 * c, beta: 0, out + n * t * c + h * d, ldc: c)
        }
    }

    static func backward<T: FloatElement>(_ qkv: UnsafeMutablePointer<T>, _ probs: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>,
                                          _ dqkv: UnsafeMutablePointer<T>, _ scratch: UnsafeMutablePointer<T>,
                                          _ b: Int, _ t: Int, _ c: Int, _ heads: Int) {
        let d = c / heads, scale = 1 / Double(d).squareRoot()
        Parallel.run(b * heads) { piece in
            let (n, h) = (piece / heads, piece % heads)
            let q = qkv + n * t * 3 * c + h * d, k = q + c, v = q + 2 * c
            let dq = dqkv + n * t * 3 * c + h * d, dk = dq + c, dv = dq + 2 * c
            let p = probs + piece * t * t, dp = scratch + piece * t * t, go = g + n * t * c + h * d
            Tensor.gemm(false, true, m: t, n: t, k: d, alpha: 1, go, lda: c, v, ldb: 3 * c, beta: 0, dp, ldc: t)
            Tensor.gemm(true, false, m: t, n: d, k: t, alpha: 1, p, lda: t, go, ldb: c, beta: 0, dv, ldc: 3 * c)
            for i in 0..<t {
                let pr = p + i * t, dr = dp + i * t
                var dot = 0.0
                for j in 0...i { dot += pr[j].asDouble * dr[j].asDouble }
                let s = T(fromDouble: dot)
                for j in 0...i { dr[j] = T.mul(pr[j], T.sub(dr[j], s)) }
                for j in (i + 1)..<max(i + 1, t) { dr[j] = T.zero }
            }
            Tensor.gemm(false, false, m: t, n: d, k: t, alpha: scale, dp, lda: t, k, ldb: 3 * c, beta: 0, dq, ldc: 3 * c)
            Tensor.gemm(true, false, m: t, n: d, k: t, alpha: scale, dp, lda: t, q, ldb: 3 * c, beta: 0, dk, ldc: 3 * c)
        }
    }

    /// Softmax of each row i of a t×t block in place over its first i + 1 values (the rest set to 0).
    @inline(__always)
    static func softmaxCausal<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ t: Int) {
        if T.self == Float.self {
            p.withMemoryRebound(to: Float.self, capacity: t * t) { ouro_softmax_rows_f32($0, $0, t, t, 1, 0) }   // vectorised (CKernels/math.c)
            return
        }
        for i in 0..<t {
            let row = p + i * t, live = i + 1
            var m = row[0]
            for j in 1..<live where row[j] > m { m = row[j] }
            var sum = 0.0
            for j in 0..<live { row[j] = T.exp(T.sub(row[j], m)); sum += row[j].asDouble }
            let inv = T(fromDouble: 1 / sum)
            for j in 0..<live { row[j] = T.mul(row[j], inv) }
            for j in live..<t { row[j] = T.zero }
        }
    }
}
