import Autograd
import CKernels
import Foundation
import Tensor

/// How a loss over many elements is reduced.
public enum Reduction: String, Sendable { case mean, sum, none }

/// The losses, each fused (one forward pass, a closed-form backward) and numerically stable.
public enum Loss {
    /// Cross-entropy of logits (N × C, or C for one sample) against 0-based class indices (int64,
    /// N or a scalar): −log softmax(logits)[target], reduced over the samples. Samples whose target
    /// is `ignoreIndex` count for nothing: their loss and gradient are zero and the mean is over
    /// the others (as PyTorch's ignore_index; what a fine-tuning loss on responses only needs).
    public static func crossEntropy(_ logits: Tensor, _ target: Tensor, reduction: Reduction = .mean, ignoreIndex: Int64? = nil) throws -> Tensor {
        let z = logits.rank == 1 ? try logits.unsqueeze(0) : logits
        guard z.rank == 2 else {
            throw TensorError("cross_entropy: logits must be N×C (or C), got \(describeShape(logits.shape)); reshape them, e.g. to (batch·time)×classes")
        }
        guard z.dtype.isFloatingPoint else { throw TensorError("cross_entropy: logits must be floating point, got int64") }
        let (n, c) = (z.shape[0], z.shape[1])
        guard target.dtype == .int64 else { throw TensorError("cross_entropy: the target must hold class indices (int64), got \(target.dtype.rawValue)") }
        guard target.count == n, target.rank <= 1 else {
            throw TensorError("cross_entropy: the target has shape \(describeShape(target.shape)) but the logits \(describeShape(logits.shape)) hold \(n) sample\(n == 1 ? "" : "s")")
        }
        let t = target.toInt64s()
        var ignored = 0
        for (i, k) in t.enumerated() where k < 0 || k >= Int64(c) {
            guard k == ignoreIndex else { throw TensorError("cross_entropy: target \(i + 1) is class \(k + 1), outside 1..\(c)") }
            ignored += 1
        }
        if ignored == 0, let k = ignoreIndex { ignored = t.lazy.filter { $0 == k }.count }
        let skip: (Int) -> Bool = ignored == 0 ? { _ in false } : { t[$0] == ignoreIndex }
        let counted = n - ignored
        let logp = try Softmax.forward(z.contiguous(), dim: 1, log: true)
        let per = try Tensor(uninitialized: [n], dtype: z.dtype)
        if z.dtype == .float64 { pick(logp.base(Double.self), per.base(Double.self), t, c, skip) } else { pick(logp.base(Float.self), per.base(Float.self), t, c, skip) }
        var out = try reduce(per, reduction, shapeForNone: logits.rank == 1 ? [] : [n])
        if ignored > 0, reduction == .mean {
            let total = try per.sum(dims: [0]).item()
            out = try Tensor.full([], counted > 0 ? total / Double(counted) : 0, dtype: z.dtype)
        }
        guard Autograd.tracking(logits) else { return out }
        let shape = logits.shape
        return Autograd.record(out, "cross_entropy", [logits]) { g in
            // d/dz = softmax(z) − onehot(target), times the incoming gradient (per sample for none).
            let gz = try logp.unary(.exp)
            var scale = try reductionScale(g, reduction, n: n)
            if ignored > 0 {
                for i in 0..<n { scale[i] = skip(i) ? 0 : reduction == .mean ? scale[i] * Double(n) / Double(counted) : scale[i] }
            }
            if gz.dtype == .float64 { fill(gz.base(Double.self), t, c, scale, skip) } else { fill(gz.base(Float.self), t, c, scale, skip) }
            return [try gz.reshape(shape)]
        }
    }

    /// Per-sample weights of the incoming gradient of a reduced loss.
    static func reductionScale(_ g: Tensor, _ reduction: Reduction, n: Int) throws -> [Double] {
        switch reduction {
        case .mean: return [Double](repeating: try g.item() / Double(max(n, 1)), count: n)
        case .sum: return [Double](repeating: try g.item(), count: n)
        case .none: return g.toDoubles()
        }
    }

    private static func pick<T: FloatElement>(_ lp: UnsafeMutablePointer<T>, _ o: UnsafeMutablePointer<T>, _ t: [Int64], _ c: Int, _ skip: (Int) -> Bool) {
        for i in 0..<t.count { o[i] = skip(i) ? T.zero : T.neg(lp[i * c + Int(t[i])]) }
    }

    private static func fill<T: FloatElement>(_ p: UnsafeMutablePointer<T>, _ t: [Int64], _ c: Int, _ scale: [Double], _ skip: (Int) -> Bool) {
        for i in 0..<t.count {
            let row = p + i * c, s = T(fromDouble: scale[i])
            if !skip(i) { row[Int(t[i])] = T.sub(row[Int(t[i])], T.one) }
            for j in 0..<c { row[j] = T.mul(row[j], s) }
        }
    }

    static func reduce(_ per: Tensor, _ reduction: Reduction, shapeForNone: [Int]) throws -> Tensor {
        switch reduction {
        case .mean: return try per.mean(dims: Array(0..<per.rank))
        case .sum: return try per.sum(dims: Array(0..<per.rank))
        case .none: return try per.reshape(shapeForNone)
        }
    }

    /// Binary cross-entropy with logits: max(x, 0) − x·t + log(1 + e^−|x|), elementwise, reduced.
    public static func bceWithLogits(_ x0: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        guard x0.dtype.isFloatingPoint else { throw TensorError("bce_with_logits: logits must be floating point") }
        guard target.shape == x0.shape else {
            throw TensorError("bce_with_logits: the target's shape \(describeShape(target.shape)) differs from the logits' \(describeShape(x0.shape))")
        }
        let x = try x0.contiguous(), t = try target.astypeIfNeeded(x0.dtype).contiguous()
        let per = x.dtype == .float32
            ? try Kernel.float32(x, t) { ouro_bce_logits_f32($0, $1, $2, $3) }        // vectorised, CKernels/math.c
            : try Kernel.zip(x, t, { x, t in Swift.max(x, 0) - x * t + Foundation.log1p(Foundation.exp(-Swift.abs(x))) },
                                   { x, t in Swift.max(x, 0) - x * t + Foundation.log1pf(Foundation.expf(-Swift.abs(x))) })
        let n = per.count
        let out = try reduce(per, reduction, shapeForNone: x0.shape)
        guard Autograd.tracking(x0, target) else { return out }
        let (nx, nt) = (x0.requiresGrad, target.requiresGrad)
        return Autograd.record(out, "bce_with_logits", [x0, target]) { g in
            let s = reduction == .none ? g : try g.binary(.div, Tensor.scalar(reduction == .mean ? Double(n) : 1, like: g))
            let gx = nx ? try x.unary(.sigmoid).binary(.sub, t).binary(.mul, s) : nil
            let gt = nt ? try x.unary(.neg).binary(.mul, s) : nil
            return [gx, gt]
        }
    }

    /// Mean squared error (or summed, or elementwise) between a and b, broadcast together.
    public static func mse(_ a: Tensor, _ b: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        let d = try Diff.sub(a, b)
        let sq = try Diff.mul(d, d)
        switch reduction {
        case .mean: return try Diff.mean(sq)
        case .sum: return try Diff.sum(sq)
        case .none: return sq
        }
    }
}
