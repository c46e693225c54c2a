import Autograd
import Tensor

/// Layer normalisation over the last dimension, fused: one pass for mean and variance per row,
/// one to write; backward from the saved normalised values and reciprocal standard deviations.
public enum LayerNormOp {
    public static func forward(_ x0: Tensor, weight: Tensor?, bias: Tensor?, eps: Double) throws -> Tensor {
        guard x0.rank >= 1 else { throw TensorError("layer_norm: needs at least a 1-D input") }
        let d = x0.shape[x0.rank - 1]
        for (name, p) in [("weight", weight), ("bias", bias)] {
            if let p = p, p.shape != [d] {
                throw TensorError("layer_norm: the \(name) has shape \(describeShape(p.shape)) but the input's last dimension is \(d) (input \(describeShape(x0.shape)))")
            }
        }
        let dt = weight?.dtype ?? x0.dtype
        guard dt.isFloatingPoint else { throw TensorError("layer_norm needs a floating-point input") }
        let x = try x0.astypeIfNeeded(dt).contiguous()
        let rows = d == 0 ? 0 : x.count / d
        let xhat = try Tensor(uninitialized: x.shape, dtype: dt)
        let rstd = try Tensor(uninitialized: [rows], dtype: .float64)
        if dt == .float64 { normalise(x.base(Double.self), xhat.base(Double.self), rstd.base(Double.self), rows, d, eps) }
        else { normalise(x.base(Float.self), xhat.base(Float.self), rstd.base(Double.self), rows, d, eps) }
        var y = xhat
        if let w = weight { y = try y.binary(.mul, w) }
        if let b = bias { y = try y.binary(.add, b) }
        if y === xhat { y = try xhat.clone() }
        let inputs = [x0] + [weight, bias].compactMap { $0 }
        guard Autograd.tracking(list: inputs) else { return y }
        let needs = inputs.map { $0.requiresGrad }
        let w = weight.map(Autograd.alias), xdt = x0.dtype, shape = x0.shape
        return Autograd.record(y, "layer_norm", inputs, saved: weight.map { [$0] } ?? []) { g0 in
            let g = try g0.contiguous()
            var grads: [Tensor?] = []
            if needs[0] {
                let gh = try w.map { try g.binary(.mul, $0) } ?? g
                let gx = try Tensor(uninitialized: shape, dtype: dt)
                let ghc = try gh.contiguous()
                if dt == .float64 { backward(ghc.base(Double.self), xhat.base(Double.self), rstd.base(Double.self), gx.base(Double.self), rows, d) }
                else { backward(ghc.base(Float.self), xhat.base(Float.self), rstd.base(Double.self), gx.base(Float.self), rows, d) }
                grads.append(try gx.astypeIfNeeded(xdt))
            } else { grads.append(nil) }
            let lead = Array(0..<(shape.count - 1))
            if weight != nil { grads.append(needs[1] ? try g.binary(.mul, xhat).sum(dims: lead) : nil) }
            if bias != nil { grads.append(needs[grads.count] ? try g.sum(dims: lead) : nil) }
            return grads
        }
    }

    /// Rows are independent: they run on all cores, each computed the same way whatever the split.
    static func normalise<T: FloatElement>(_ x: UnsafeMutablePointer<T>, _ o: UnsafeMutablePointer<T>, _ rs: UnsafeMutablePointer<Double>, _ rows: Int, _ d: Int, _ eps: Double) {
        Parallel.forRanges(rows, grain: max(1, Parallel.grain / max(d, 1))) { range in
        for r in range {
            let xr = x + r * d, orow = o + r * d
            var s = 0.0
            for j in 0..<d { s += xr[j].asDouble }
            let mean = s / Double(d)
            var v = 0.0
            for j in 0..<d { let e = xr[j].asDouble - mean; v += e * e }
            let inv = 1 / (v / Double(d) + eps).squareRoot()
            rs[r] = inv
            let m = T(fromDouble: mean), iv = T(fromDouble: inv)
            for j in 0..<d { orow[j] = T.mul(T.sub(xr[j], m), iv) }
        }
        }
    }

    /// dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)), per row.
    static func backward<T: FloatElement>(_ gh: UnsafeMutablePointer<T>, _ xh: UnsafeMutablePointer<T>, _ rs: UnsafeMutablePointer<Double>, _ gx: UnsafeMutablePointer<T>, _ rows: Int, _ d: Int) {
        Parallel.forRanges(rows, grain: max(1, Parallel.grain / max(d, 1))) { range in
        for r in range {
            let g = gh + r * d, h = xh + r * d, o = gx + r * d
            var sg = 0.0, sgh = 0.0
            for j in 0..<d { sg += g[j].asDouble; sgh += g[j].asDouble * h[j].asDouble }
            let mg = T(fromDouble: sg / Double(d)), mgh = T(fromDouble: sgh / Double(d)), inv = T(fromDouble: rs[r])
            for j in 0..<d { o[j] = T.mul(inv, T.sub(T.sub(g[j], mg), T.mul(h[j], mgh))) }
        }
        }
    }
}
