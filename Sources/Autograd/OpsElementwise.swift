import CKernels
import Foundation
import Tensor

/// The differentiable ops: each computes its forward with Tensor's kernels and, when tracking,
/// records its pullback right beside it. Untracked calls cost one check more than Tensor's own.
public enum Diff {}

// MARK: binary arithmetic with broadcasting

extension Diff {
    /// kind(a, b) with NumPy broadcasting; the gradient of each operand is summed back to its shape.
    public static func binary(_ kind: BinaryKind, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let out = try a.binary(kind, b)
        guard Autograd.tracking(a, b) else { return out }
        let (sa, sb) = (a.shape, b.shape)
        let (x, y, z) = (Autograd.alias(a), Autograd.alias(b), Autograd.alias(out))
        let (na, nb) = (a.requiresGrad, b.requiresGrad)
        var saved: [Tensor] = []
        switch kind {
        case .add, .sub: break
        case .mul: saved = [a, b]
        case .div: saved = [b, out]
        case .pow: saved = [a, b, out]
        case .maximum, .minimum: saved = [a, b]
        }
        return Autograd.record(out, kind.rawValue, [a, b], saved: saved) { g in
            switch kind {
            case .add:
                return [na ? try g.sumTo(sa) : nil, nb ? try g.sumTo(sb) : nil]
            case .sub:
                return [na ? try g.sumTo(sa) : nil, nb ? try g.unary(.neg).sumTo(sb) : nil]
            case .mul:
                return [na ? try g.binary(.mul, y).sumTo(sa) : nil, nb ? try g.binary(.mul, x).sumTo(sb) : nil]
            case .div:
                return [na ? try g.binary(.div, y).sumTo(sa) : nil,
                        nb ? try g.binary(.mul, z).binary(.div, y).unary(.neg).sumTo(sb) : nil]
            case .pow:
                // d/da a^b = b a^(b-1); d/db a^b = a^b log a (taken as 0 where a = 0).
                let ga = na ? try g.binary(.mul, y.binary(.mul, x.binary(.pow, y.binary(.sub, Tensor.scalar(1, like: y))))).sumTo(sa) : nil
                var gb: Tensor? = nil
                if nb {
                    let xe = try x.expand(out.shape), ze = try z.expand(out.shape)
                    let dl = try Kernel.zip(ze, xe, { $1 == 0 ? 0 : $0 * Foundation.log($1) }, { $1 == 0 ? 0 : $0 * Foundation.logf($1) })
                    gb = try g.binary(.mul, dl).sumTo(sb)
                }
                return [ga, gb]
            case .maximum, .minimum:
                // The gradient goes to the chosen operand; ties split it evenly, as PyTorch does.
                let pick = try x.compare(kind == .maximum ? .gt : .lt, y).astype(g.dtype)
                let tie = try x.compare(.eq, y).astype(g.dtype).binary(.mul, Tensor.scalar(0.5, like: g))
                let wa = try pick.binary(.add, tie)
                let wb = try Tensor.scalar(1, like: g).binary(.sub, wa)
                return [na ? try g.binary(.mul, wa).sumTo(sa) : nil, nb ? try g.binary(.mul, wb).sumTo(sb) : nil]
            }
        }
    }

    public static func add(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.add, a, b) }
    public static func sub(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.sub, a, b) }
    public static func mul(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.mul, a, b) }
    public static func div(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.div, a, b) }
}

// MARK: unary maps

extension Diff {
    /// kind(a) elementwise.
    public static func unary(_ kind: UnaryKind, _ a: Tensor) throws -> Tensor {
        if kind == .gelu, a.dtype == .float32, Autograd.tracking(a) { return try gelu32(a) }
        let out = try a.unary(kind)
        guard Autograd.tracking(a) else { return out }
        let x = Autograd.alias(a), y = Autograd.alias(out)
        let savesInput = kind == .abs || kind == .log || kind == .gelu
        return Autograd.record(out, kind.rawValue, [a], saved: [savesInput ? a : out]) { g in
            switch kind {
            case .neg: return [try g.unary(.neg)]
            case .abs: return [try Kernel.zip(g, x, { g, v in v > 0 ? g : (v < 0 ? -g : 0) }, { g, v in v > 0 ? g : (v < 0 ? -g : 0) })]
            case .relu: return [try Kernel.zip(g, y, { g, o in o > 0 ? g : 0 }, { g, o in o > 0 ? g : 0 })]
            case .exp: return [try g.binary(.mul, y)]
            case .log: return [try g.binary(.div, x)]
            case .sqrt: return [try Kernel.zip(g, y, { g, o in 0.5 * g / o }, { g, o in 0.5 * g / o })]
            case .tanh: return [try Kernel.zip(g, y, { g, o in g * (1 - o * o) }, { g, o in g * (1 - o * o) })]
            case .sigmoid: return [try Kernel.zip(g, y, { g, o in g * o * (1 - o) }, { g, o in g * o * (1 - o) })]
            case .gelu:   // float64 (float32 goes through gelu32)
                return [try Kernel.zip(g, x, { g, v in g * GELU.derivative(v) }, { g, v in g * GELU.derivative(v) })]
            }
        }
    }

    /// float32 GELU under autograd: the forward kernel also keeps Φ(x), so the backward pass
    /// computes only φ(x) (CKernels/math.c; a third of the cost of recomputing Φ).
    static func gelu32(_ a: Tensor) throws -> Tensor {
        let x = try a.contiguous()
        let out = try Tensor(uninitialized: x.shape, dtype: .float32), cdf = try Tensor(uninitialized: x.shape, dtype: .float32)
        let (px, po, pc) = (x.base(Float.self), out.base(Float.self), cdf.base(Float.self))
        Parallel.forRanges(x.count) { r in ouro_gelu_cdf_f32(px + r.lowerBound, po + r.lowerBound, pc + r.lowerBound, r.count) }
        let xs = Autograd.alias(x)
        return Autograd.record(out, "gelu", [a], saved: [a]) { g0 in
            let g = try g0.astypeIfNeeded(.float32).contiguous()
            guard g.shape == xs.shape else { throw TensorError("internal: gelu gradient of shape \(describeShape(g.shape)) for \(describeShape(xs.shape))") }
            let gx = try Tensor(uninitialized: xs.shape, dtype: .float32)
            let (px, pc, pg, po) = (xs.base(Float.self), cdf.base(Float.self), g.base(Float.self), gx.base(Float.self))
            Parallel.forRanges(gx.count) { r in
                ouro_gelu_backward_cdf_f32(px + r.lowerBound, pc + r.lowerBound, pg + r.lowerBound, po + r.lowerBound, r.count)
            }
            return [gx]
        }
    }

    /// max(x, 0) + slope · min(x, 0).
    public static func leakyRelu(_ a: Tensor, slope: Double) throws -> Tensor {
        let s32 = Float(slope)
        let out = try Kernel.map(a, { $0 > 0 ? $0 : slope * $0 }, { $0 > 0 ? $0 : s32 * $0 })
        guard Autograd.tracking(a) else { return out }
        let x = Autograd.alias(a)
        return Autograd.record(out, "leaky_relu", [a], saved: [a]) { g in
            [try Kernel.zip(g, x, { g, v in v > 0 ? g : slope * g }, { g, v in v > 0 ? g : s32 * g })]
        }
    }

    /// Each element limited to [lo, hi] (either bound may be nil); the gradient passes where no
    /// bound applies.
    public static func clamp(_ a: Tensor, lo: Double?, hi: Double?) throws -> Tensor {
        if let l = lo, let h = hi, l > h { throw TensorError("clamp: the lower bound \(l) is above the upper bound \(h)") }
        let l = lo ?? -.infinity, h = hi ?? .infinity
        let l32 = Float(l), h32 = Float(h)
        let out = try Kernel.map(a, { Swift.min(Swift.max($0, l), h) }, { Swift.min(Swift.max($0, l32), h32) })
        guard Autograd.tracking(a) else { return out }
        let x = Autograd.alias(a)
        return Autograd.record(out, "clamp", [a], saved: [a]) { g in
            [try Kernel.zip(g, x, { g, v in v >= l && v <= h ? g : 0 }, { g, v in v >= l32 && v <= h32 ? g : 0 })]
        }
    }

    /// mask ? a : b elementwise (mask non-zero means a), all three broadcast together.
    public static func `where`(_ mask: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let m = try mask.compare(.ne, Tensor.scalar(0, like: mask))
        let dt = DType.promote(a.dtype, b.dtype)
        let mf = try m.astype(dt)
        // a·m + b·(1−m) would turn inf·0 into NaN; select instead.
        guard let s1 = broadcastShapes(m.shape, a.shape), let shape = broadcastShapes(s1, b.shape) else {
            throw TensorError("where: shapes \(describeShape(mask.shape)), \(describeShape(a.shape)) and \(describeShape(b.shape)) cannot be broadcast together")
        }
        let out = try Kernel.zip3(mf.expand(shape), a.astypeIfNeeded(dt).expand(shape), b.astypeIfNeeded(dt).expand(shape),
                                  { $0 != 0 ? $1 : $2 }, { $0 != 0 ? $1 : $2 })
        guard Autograd.tracking(a, b) else { return out }
        let (sa, sb, na, nb) = (a.shape, b.shape, a.requiresGrad, b.requiresGrad)
        return Autograd.record(out, "where", [a, b]) { g in
            let ga = na ? try g.binary(.mul, mf).sumTo(sa) : nil
            let gb = nb ? try g.binary(.mul, Tensor.scalar(1, like: mf).binary(.sub, mf)).sumTo(sb) : nil
            return [ga, gb]
        }
    }

    /// a converted to dtype (gradients convert back).
    public static func astype(_ a: Tensor, _ dtype: DType) throws -> Tensor {
        let out = try a.astype(dtype)
        guard Autograd.tracking(a), dtype.isFloatingPoint else { return out }
        let from = a.dtype
        return Autograd.record(out, "astype", [a]) { g in [try g.astype(from)] }
    }

    /// A contiguous copy that gradients flow through.
    public static func clone(_ a: Tensor) throws -> Tensor {
        let out = try a.clone()
        guard Autograd.tracking(a) else { return out }
        return Autograd.record(out, "clone", [a]) { g in [g] }
    }
}
