import Autograd
import CKernels
import Foundation
import Tensor

/// Optimisers update parameters in place from their `grad`, each in one fused loop per parameter
/// (no temporary tensors). A parameter without a gradient is skipped, as in PyTorch. Before any
/// update, every gradient is checked to be finite, and a divergence is reported with the step.
open class Optimizer {
    public let params: [Tensor]
    public var lr: Double
    public private(set) var steps = 0

    public init(_ params: [Tensor], lr: Double) throws {
        guard lr >= 0, lr.isFinite else { throw TensorError("optimizer: lr must be a finite number ≥ 0, got \(lr)") }
        for (i, p) in params.enumerated() where !p.dtype.isFloatingPoint || !p.isContiguous {
            throw TensorError("optimizer: parameter \(i + 1) must be a contiguous floating-point tensor, got \(p.dtype.rawValue) \(describeShape(p.shape))")
        }
        var seen = Set<ObjectIdentifier>()
        for (i, p) in params.enumerated() where !seen.insert(ObjectIdentifier(p)).inserted {
            throw TensorError("optimizer: parameter \(i + 1) appears twice in the list")
        }
        self.params = params
        self.lr = lr
    }

    /// Whether every value of a contiguous tensor is finite (checked on all cores for large ones).
    static func allFinite(_ c: Tensor) -> Bool {
        var finite: Int32 = 1
        withUnsafeMutablePointer(to: &finite) { flag in
            Parallel.forRanges(c.count) { r in     // pieces only ever clear the flag: no ordering needed
                let ok: Int32
                switch c.dtype {
                case .float64: ok = ouro_all_finite_f64(c.base(Double.self) + r.lowerBound, r.count)
                case .float32: ok = ouro_all_finite_f32(c.base(Float.self) + r.lowerBound, r.count)
                case .int64: ok = 1
                }
                if ok == 0 { flag.pointee = 0 }
            }
        }
        return finite != 0
    }

    /// Forgets every parameter's gradient (the next backward starts from zero).
    public func zeroGrad() { for p in params { p.grad = nil } }

    /// One update from the current gradients.
    public func step() throws {
        steps += 1
        for (i, p) in params.enumerated() {
            guard let g = p.grad else { continue }
            guard g.shape == p.shape else { throw TensorError("optimizer: the gradient of parameter \(i + 1) has shape \(describeShape(g.shape)), expected \(describeShape(p.shape))") }
            let c = try g.contiguous()
            if !Optimizer.allFinite(c) {
                throw TensorError("optimizer step \(steps): the gradient of parameter \(i + 1) (\(describeShape(p.shape))) is not finite — training diverged (lower the learning rate, clip gradients, check the data)")
            }
        }
        try GradMode.disabled {
            for (i, p) in params.enumerated() {
                guard let g0 = p.grad else { continue }
                let g = try g0.astypeIfNeeded(p.dtype).contiguous()
                if p.dtype == .float64 { try update64(i, p.base(Double.self), g.base(Double.self), p.count) }
                else { try update32(i, p.base(Float.self), g.base(Float.self), p.count) }
                p.storage.version &+= 1
            }
        }
    }

    /// The update of parameter i (n elements), in place; one override per dtype, each calling a
    /// generic kernel with a concrete type so that the compiler specialises and vectorises it.
    open func update32(_ i: Int, _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int) throws {}
    open func update64(_ i: Int, _ p: UnsafeMutablePointer<Double>, _ g: UnsafeMutablePointer<Double>, _ n: Int) throws {}
}

/// Stochastic gradient descent with optional momentum and L2 weight decay (PyTorch's form).
public final class SGD: Optimizer {
    public let momentum: Double, weightDecay: Double
    private var velocity: [Tensor?]
    public init(_ params: [Tensor], lr: Double, momentum: Double = 0, weightDecay: Double = 0) throws {
        guard momentum >= 0 && momentum < 1 else { throw TensorError("sgd: momentum must be in [0, 1), got \(momentum)") }
        guard weightDecay >= 0 else { throw TensorError("sgd: weight_decay must be ≥ 0, got \(weightDecay)") }
        self.momentum = momentum; self.weightDecay = weightDecay
        velocity = [Tensor?](repeating: nil, count: params.count)
        try super.init(params, lr: lr)
    }
    public override func update32(_ i: Int, _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int) throws { try kernel(i, p, g, n) }
    public override func update64(_ i: Int, _ p: UnsafeMutablePointer<Double>, _ g: UnsafeMutablePointer<Double>, _ n: Int) throws { try kernel(i, p, g, n) }
    @inline(__always)
    private func kernel<T: BinaryFloatingPoint & FloatElement>(_ i: Int, _ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ n: Int) throws {
        let lr = T(lr), wd = T(weightDecay), mu = T(momentum)
        if momentum == 0 {
            for j in 0..<n { p[j] -= lr * (g[j] + wd * p[j]) }
            return
        }
        let first = velocity[i] == nil
        if first { velocity[i] = try Tensor.zeros(params[i].shape, dtype: params[i].dtype) }
        guard let vt = velocity[i] else { return }
        let v = vt.base(T.self)
        for j in 0..<n {
            let d = g[j] + wd * p[j]
            v[j] = first ? d : mu * v[j] + d
            p[j] -= lr * v[j]
        }
    }
}

/// Adam (Kingma & Ba) with bias correction; `decoupled` gives AdamW (Loshchilov & Hutter), whose
/// weight decay shrinks the parameters directly instead of entering the gradient.
public final class Adam: Optimizer {
    public let beta1: Double, beta2: Double, eps: Double, weightDecay: Double, decoupled: Bool
    private var m: [Tensor?], v: [Tensor?]
    public init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, decoupled: Bool = false) throws {
        guard betas.0 >= 0 && betas.0 < 1, betas.1 >= 0 && betas.1 < 1 else {
            throw TensorError("\(decoupled ? "adamw" : "adam"): betas must be in [0, 1), got {\(betas.0), \(betas.1)}")
        }
        guard eps > 0, weightDecay >= 0 else { throw TensorError("\(decoupled ? "adamw" : "adam"): eps must be > 0 and weight_decay ≥ 0") }
        beta1 = betas.0; beta2 = betas.1; self.eps = eps; self.weightDecay = weightDecay; self.decoupled = decoupled
        m = [Tensor?](repeating: nil, count: params.count); v = m
        try super.init(params, lr: lr)
    }
    /// The moment buffers of parameter i (zero at first) and the step's scalars.
    private func state(_ i: Int) throws -> (m: Tensor, v: Tensor, stepSize: Double, invSqrtC2: Double, wd: Double, shrink: Double) {
        if m[i] == nil {
            m[i] = try Tensor.zeros(params[i].shape, dtype: params[i].dtype)
            v[i] = try Tensor.zeros(params[i].shape, dtype: params[i].dtype)
        }
        let t = Double(steps)
        let c1 = 1 - Foundation.pow(beta1, t), c2 = 1 - Foundation.pow(beta2, t)
        return (m[i]!, v[i]!, lr / c1, 1 / c2.squareRoot(), decoupled ? 0 : weightDecay, decoupled ? 1 - lr * weightDecay : 1)
    }
    public override func update32(_ i: Int, _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int) throws {
        let s = try state(i)
        let m = s.m.base(Float.self), v = s.v.base(Float.self)
        let (b1, b2, st, ic, e, wd, sh) = (Float(beta1), Float(beta2), Float(s.stepSize), Float(s.invSqrtC2), Float(eps), Float(s.wd), Float(s.shrink))
        Parallel.forRanges(n) { r in
            let o = r.lowerBound
            ouro_adam_f32(p + o, g + o, m + o, v + o, r.count, b1, b2, st, ic, e, wd, sh)
        }
    }
    public override func update64(_ i: Int, _ p: UnsafeMutablePointer<Double>, _ g: UnsafeMutablePointer<Double>, _ n: Int) throws {
        let s = try state(i)
        let m = s.m.base(Double.self), v = s.v.base(Double.self)
        Parallel.forRanges(n) { r in
            let o = r.lowerBound
            ouro_adam_f64(p + o, g + o, m + o, v + o, r.count, beta1, beta2, s.stepSize, s.invSqrtC2, eps, s.wd, s.shrink)
        }
    }
}

/// Gradient utilities and learning-rate schedules.
public enum GradUtil {
    /// Scales every gradient so that their joint L2 norm is at most `maxNorm`; returns the norm
    /// before clipping (accumulated in float64).
    @discardableResult
    public static func clipGradNorm(_ params: [Tensor], maxNorm: Double) throws -> Double {
        guard maxNorm > 0 else { throw TensorError("clip_grad_norm: max must be > 0, got \(maxNorm)") }
        var total = 0.0
        for p in params { if let g = p.grad { let n = try g.norm(2).item(); total += n * n } }
        let norm = total.squareRoot()
        if norm > maxNorm && norm.isFinite {
            let scale = maxNorm / (norm + 1e-6)
            for p in params {
                if let g = p.grad { p.grad = try g.binary(.mul, Tensor.scalar(scale, like: g)) }
            }
        }
        return norm
    }
}

/// A learning rate as a function of the step (1-based): linear warm-up from 0 over `warmup`
/// steps, then constant or a cosine decay to `minLR` at `total`.
public struct Schedule: Sendable {
    public enum Kind: String, Sendable { case constant, cosine, linear }
    public let kind: Kind, lr: Double, warmup: Int, total: Int, minLR: Double
    public init(kind: Kind, lr: Double, warmup: Int = 0, total: Int = 0, minLR: Double = 0) throws {
        guard lr >= 0, minLR >= 0, warmup >= 0 else { throw TensorError("schedule: lr, min_lr and warmup must be ≥ 0") }
        if kind != .constant && total <= warmup {
            throw TensorError("schedule: a \(kind.rawValue) schedule needs total (\(total)) > warmup (\(warmup))")
        }
        self.kind = kind; self.lr = lr; self.warmup = warmup; self.total = total; self.minLR = minLR
    }
    public func callAsFunction(_ step: Int) -> Double {
        if step <= warmup && warmup > 0 { return lr * Double(max(step, 0)) / Double(warmup) }
        switch kind {
        case .constant: return lr
        case .cosine, .linear:
            let f = min(1, Double(step - warmup) / Double(total - warmup))
            let w = kind == .cosine ? 0.5 * (1 + Foundation.cos(Double.pi * f)) : 1 - f
            return minLR + (lr - minLR) * w
        }
    }
}
